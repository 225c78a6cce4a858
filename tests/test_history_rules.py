"""The rules that read what comes before the horizon: rest and successions across its boundary,
runs of days from the published days, term allocations, and fairness over a window of weeks.

Each is checked on a tiny instance carrying a hand-written history (as `roster solve --db` reads
one from the store), with the optimum worked out by hand; then the model and the checker agree on
random micro-instances that carry a history.
"""

from __future__ import annotations

from typing import Any

from factory import doc, eligible_pairs, make, micro_instances, need, sess
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_agreement import brute_force_optimum

from roster.app.compile import build_problem
from roster.app.cycle import with_history
from roster.domain.check import check_roster
from roster.domain.history import History
from roster.domain.tables import Instance
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.result import Result, SolveStatus

PARAMS = SolveParams(time_limit=10, workers=1)
TERM = {"name": "S1", "start": "2026-11-23", "end": "2026-12-20"}  # weeks 3 and 4 of 4 are left

SUNDAY_EVENING = {
    "session": "W49-SUN-EVE",
    "site": "HSK",
    "date": "2026-12-06",
    "start": "18:00",
    "end": "21:00",
    "activity": "clinical",
    "period": "evening",
}


def past(**people: dict[str, Any]) -> History:
    return History.model_validate(
        {"source": "test", "clinicians": [{"clinician": c, **p} for c, p in people.items()]}
    )


def run(inst: Instance, fixed: list[tuple[str, str]] | None = None) -> Result:
    return solve(build_problem(inst), PARAMS, fixed=fixed)


def agree(inst: Instance, roster: list[tuple[str, str]]) -> tuple[list[str], int]:
    """The checker's verdict on a roster, which the model pinned to it must share."""
    report = check_roster(inst, roster)
    result = run(inst, roster)
    if report.hard_violations:
        assert result.status is SolveStatus.INFEASIBLE
    else:
        assert result.objective == report.objective
    return list(report.hard_violations), report.objective


# --- across the boundary --------------------------------------------------------------------


def test_rest_after_a_published_sunday_evening() -> None:
    # A worked Sunday 18:00-21:00; 660 minutes of rest run to Monday 08:00, so Monday's 07:00
    # session is out for A and B takes it; the 09:00 one is open to A.
    rules = {"cover_min": {}, "rest_after_evening": {"rest_minutes": 660}}
    sessions = [sess("EARLY", 0, "07:00", "08:30"), sess("LATE", 0, "09:00", "13:00")]
    needs = [need("EARLY", 1, most=1), need("LATE", 0, most=1)]
    inst = make([doc("A"), doc("B")], sessions, needs=needs, rules=rules)
    carried = with_history(inst, past(A={"sessions": [SUNDAY_EVENING], "days": [True]}))
    violations, _ = agree(carried, [("A", "EARLY")])
    assert violations == [
        "Dr A (A) works the evening session W49-SUN-EVE (HSK 2026-12-06 18:00-21:00), "
        "published before the horizon and then EARLY (HSK 2026-12-07 07:00-08:30) 600 minutes "
        "after it ends, less than the 660 minutes of rest"
    ]
    assert agree(carried, [("A", "LATE"), ("B", "EARLY")]) == ([], 0)
    assert agree(inst, [("A", "EARLY")]) == ([], 0)  # without the history A may take it
    # soft, weight 7: A on EARLY costs 7 (one pair), and the solver gives it to B at no cost
    soft = {"cover_min": {}, "rest_after_evening": {"hard": False, "weight": 7}}
    carried = with_history(
        make([doc("A"), doc("B")], sessions, needs=needs, rules=soft),
        past(A={"sessions": [SUNDAY_EVENING]}),
    )
    assert agree(carried, [("A", "EARLY")]) == ([], 7)
    best = run(carried)
    assert (best.objective, ("B", "EARLY") in best.assignments) == (0, True)


def test_a_forbidden_succession_from_the_day_before_the_horizon() -> None:
    # evening then a morning is forbidden: A's published Sunday evening keeps A off Monday AM
    pairs = [{"first": {"period": "evening"}, "then": {"period": "am"}}]
    sessions = [sess("MON-AM", 0), sess("MON-PM", 0, "14:00", "18:00"), sess("TUE-AM", 1)]
    rules = {"forbidden_successions": {"pairs": pairs}}
    inst = with_history(
        make([doc("A")], sessions, needs=[need(s["id"], 0) for s in sessions], rules=rules),
        past(A={"sessions": [SUNDAY_EVENING]}),
    )
    violations, _ = agree(inst, [("A", "MON-AM")])
    assert violations == [
        "Dr A (A) works MON-AM (HSK 2026-12-07 09:00-13:00) the day after W49-SUN-EVE "
        "(HSK 2026-12-06 18:00-21:00), published before the horizon"
    ]
    # Monday afternoon, and a Tuesday morning (not the day after Sunday), are fine
    assert agree(inst, [("A", "MON-PM"), ("A", "TUE-AM")]) == ([], 0)
    # soft, weight 4, the pair listed twice: 2 units on Monday AM
    soft = {"forbidden_successions": {"hard": False, "weight": 4, "pairs": pairs * 2}}
    inst = with_history(
        make([doc("A")], sessions, needs=[need(s["id"], 0) for s in sessions], rules=soft),
        past(A={"sessions": [SUNDAY_EVENING]}),
    )
    assert agree(inst, [("A", "MON-AM")]) == ([], 8)


def test_runs_of_days_count_the_published_days_before_the_horizon() -> None:
    # A worked the 5 days before Monday (Wed to Sun, Tuesday off), limit 6: Monday makes 6,
    # Tuesday would make 7. The published days read as worked_before: 5 would.
    days = [False, True, True, True, True, True]
    rules = {"cover_min": {}, "max_consecutive_days": {"default": 6}}
    sessions = [sess("MON", 0), sess("TUE", 1)]
    inst = with_history(make([doc("A")], sessions, rules=rules), past(A={"days": days}))
    assert run(inst).status is SolveStatus.INFEASIBLE
    violations, _ = agree(inst, [("A", "MON"), ("A", "TUE")])
    assert violations == [
        "Dr A (A) works 7 days in a row from Wed 2026-12-02, above the limit of 6"
    ]
    # a hand-typed worked_before overrides the store: 1 day worked, so both days are fine
    typed = with_history(
        make([doc("A", worked_before=1)], sessions, rules=rules), past(A={"days": days})
    )
    assert agree(typed, [("A", "MON"), ("A", "TUE")]) == ([], 0)
    # outside: off ignores the days before the horizon
    off = {"cover_min": {}, "max_consecutive_days": {"default": 6, "outside": "off"}}
    inst = with_history(make([doc("A")], sessions, rules=off), past(A={"days": days}))
    assert agree(inst, [("A", "MON"), ("A", "TUE")]) == ([], 0)


def test_min_days_off_from_the_published_days() -> None:
    # A was off only Sunday (Saturday worked) and the minimum is 2 days off: working Monday
    # leaves a run of 1 day off, 1 short, at weight 3
    rules = {"min_days_off": {"default": 2, "hard": False, "weight": 3}}
    inst = with_history(
        make([doc("A")], [sess("MON", 0)], needs=[need("MON", 0)], rules=rules),
        past(A={"days": [True, False]}),
    )
    assert agree(inst, [("A", "MON")]) == ([], 3)
    assert agree(inst, []) == ([], 0)  # the run of days off goes on past the horizon's end


# --- terms ------------------------------------------------------------------------------------


def term_instance(
    allocation: dict[str, Any], rules: dict[str, Any], history: History | None
) -> Instance:
    """Four Monday-to-Thursday clinical sessions and one teaching session for A."""
    sessions = [sess(f"C{d}", d) for d in range(4)] + [
        sess("T0", 0, "14:00", "18:00", activity="teaching")
    ]
    inst = make(
        [doc("A")],
        sessions,
        needs=[need(s["id"], 0) for s in sessions],
        rules=rules,
        terms=[TERM],
        allocations=[{"clinician": "A", "period": "term", "term": "S1"} | allocation],
    )
    return with_history(inst, history)


def test_a_term_target_in_sessions_aims_at_what_remains() -> None:
    # target 7 in the term, 2 delivered before the horizon, 2 weeks left (this one and the
    # next): this week aims at ceil((7 - 2) * 1 / 2) = 3 clinical sessions
    allocation = {"activity": "clinical", "unit": "sessions", "target": 7}
    rules = {"allocation_target": {"weight": 5}}
    done = past(A={"delivered": [{"term": "S1", "activity": "clinical", "sessions": 2}]})
    inst = term_instance(allocation, rules, done)
    assert agree(inst, [("A", "C0"), ("A", "C1"), ("A", "C2")]) == ([], 0)
    assert agree(inst, [("A", "C0")]) == ([], 10)  # 2 short of 3, at 5
    best = run(inst)
    assert best.objective == 0 and len(best.assignments) == 3
    # with 6 delivered, ceil(1 / 2) = 1 remains for this week
    done = past(A={"delivered": [{"term": "S1", "activity": "clinical", "sessions": 6}]})
    assert agree(term_instance(allocation, rules, done), [("A", "C0"), ("A", "C1")]) == ([], 5)
    # no history: ceil(7 / 2) = 4
    assert agree(term_instance(allocation, rules, None), [("A", "C0")]) == ([], 15)


def test_a_term_maximum_in_sessions_is_hard_on_what_remains() -> None:
    # at most 5 teaching sessions in the term and 5 delivered: none is left, so T0 breaks it
    allocation = {"activity": "teaching", "unit": "sessions", "max": 5}
    done = past(A={"delivered": [{"term": "S1", "activity": "teaching", "sessions": 5}]})
    inst = term_instance(allocation, {"allocation_bounds": {}}, done)
    violations, _ = agree(inst, [("A", "T0")])
    assert violations == [
        "Dr A (A) has 1 teaching session in term S1 (2026-12-07 to 2026-12-13, 5 before), "
        "above this horizon's part 0 of the term's maximum 5"
    ]


def test_a_term_share_counts_what_was_delivered() -> None:
    # clinical at least 60% of the term's sessions; before the horizon 3 clinical of 8 in all.
    # Working C0, C1 and T0 makes 5 of 11: 60% of 11 is 6.6, so ceil((660 - 500) / 100) = 2
    # sessions short; with C0 to C3 and no teaching, 7 of 12 = 58%: ceil((720 - 700) / 100) = 1.
    allocation = {"activity": "clinical", "unit": "share", "min": 60}
    rules = {"allocation_bounds": {"hard": False, "weight": 10}}
    done = past(
        A={
            "delivered": [
                {"term": "S1", "activity": "clinical", "sessions": 3},
                {"term": "S1", "activity": "teaching", "sessions": 5},
            ]
        }
    )
    inst = term_instance(allocation, rules, done)
    assert agree(inst, [("A", "C0"), ("A", "C1"), ("A", "T0")]) == ([], 20)
    assert agree(inst, [("A", f"C{d}") for d in range(4)]) == ([], 10)
    # the best this week can do: every clinical session and no teaching (10)
    assert run(inst).objective == 10


def test_a_term_row_needs_a_term_that_overlaps_the_horizon() -> None:
    from roster.domain.tables import InstanceProblems

    base = {"clinician": "A", "activity": "clinical", "period": "term", "unit": "sessions"}
    for allocation, message in [
        ({**base, "target": 1}, "no term of the rules file overlaps the horizon 2026-12-07 to "),
        ({**base, "term": "S9", "target": 1}, "unknown term (known: S1)"),
    ]:
        terms = [] if "term" not in allocation else [TERM]
        try:
            make([doc("A")], [sess("C0")], terms=terms, allocations=[allocation])
        except InstanceProblems as err:
            assert err.problems[0].message.startswith(message)
        else:
            raise AssertionError("a term row without its term was accepted")


# --- fairness over a window --------------------------------------------------------------------


def test_fairness_counts_the_evenings_of_the_window() -> None:
    # A worked 3 evenings in the window, B 1; one evening this week. With B on it the counts are
    # 3 and 2 (spread 1), with A on it 4 and 1 (spread 3): weight 2, so 2 against 6.
    rules = {"cover_min": {}, "fairness": {"weight": 2, "kinds": ["evening"], "window_weeks": 4}}
    sessions = [sess("EVE", 2, "18:00", "21:00")]
    history = past(A={"evenings": 3}, B={"evenings": 1})
    inst = with_history(make([doc("A"), doc("B")], sessions, rules=rules), history)
    assert agree(inst, [("B", "EVE")]) == ([], 2)
    assert agree(inst, [("A", "EVE")]) == ([], 6)
    best = run(inst)
    assert (best.objective, best.assignments) == (2, (("B", "EVE"),))
    # window_weeks 0 (the default) counts this week alone: spread 1 either way
    alone = {"cover_min": {}, "fairness": {"weight": 2, "kinds": ["evening"]}}
    inst = with_history(make([doc("A"), doc("B")], sessions, rules=alone), history)
    assert agree(inst, [("A", "EVE")]) == ([], 2)


def test_fairness_shares_public_holidays() -> None:
    # Tuesday is a holiday; A worked 1 in the window. Either on Tuesday's session: B makes the
    # counts 1 and 1 (spread 0), A makes them 2 and 0 (spread 2, at weight 3)
    rules = {"cover_min": {}, "fairness": {"weight": 3, "kinds": ["holiday"], "window_weeks": 2}}
    inst = with_history(
        make(
            [doc("A"), doc("B")],
            [sess("HOL", 1)],
            rules=rules,
            calendar={"extra_holidays": ["2026-12-08"]},
        ),
        past(A={"holidays": 1}),
    )
    assert agree(inst, [("B", "HOL")]) == ([], 0)
    assert agree(inst, [("A", "HOL")]) == ([], 6)


# --- agreement with a history ----------------------------------------------------------------


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(micro_instances(past=True), st.data())
def test_with_a_history_a_pinned_roster_scores_the_same_in_model_and_checker(
    inst: Instance, data: st.DataObject
) -> None:
    # eligible pairs only, so that the rules reading the history decide more of the verdicts
    every = eligible_pairs(inst)
    assume(every)
    roster = data.draw(st.lists(st.sampled_from(every), unique=True, max_size=len(every)))
    report = check_roster(inst, roster)
    result = run(inst, roster)
    if report.hard_violations:
        assert result.status is SolveStatus.INFEASIBLE, report.hard_violations
    else:
        assert result.status is SolveStatus.OPTIMAL
        assert result.objective_by_rule == report.objective_by_rule


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(micro_instances(past=True))
def test_with_a_history_the_optimum_equals_brute_force_through_the_checker(
    inst: Instance,
) -> None:
    pairs = eligible_pairs(inst)
    assume(len(pairs) <= 9)  # larger ones take too long to enumerate; the pinned test covers them
    best = brute_force_optimum(inst, pairs)
    result = run(inst)
    if best is None:
        assert result.status is SolveStatus.INFEASIBLE
    else:
        assert result.status is SolveStatus.OPTIMAL
        assert result.objective == best
