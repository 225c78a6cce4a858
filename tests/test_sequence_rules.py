"""Worked weekends, total minutes and cover above preferred: each alone on a tiny instance."""

from __future__ import annotations

from typing import Any

from factory import doc, make, need, sess

from roster.app.compile import build_problem
from roster.domain.check import check_roster
from roster.domain.tables import Instance
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.result import Result, SolveStatus


def run(inst: Instance) -> Result:
    result = solve(build_problem(inst), SolveParams(time_limit=20, workers=1))
    if result.status.has_solution:  # the checker agrees, rule by rule
        report = check_roster(inst, result.assignments)
        assert report.hard_violations == ()
        assert report.objective_by_rule == result.objective_by_rule
    return result


def saturday_clinics(weeks: int) -> list[dict[str, object]]:
    return [sess(f"SAT{w}", day=7 * w + 5) for w in range(weeks)]


def test_max_weekends_hard_and_soft() -> None:
    # Three Saturdays, one doctor each; A may work 2 weekends, B none. Hard: impossible.
    clinicians = [doc("A", max_weekends=2), doc("B", max_weekends=0)]
    rules = {"cover_min": {}, "max_weekends": {}}
    assert (
        run(make(clinicians, saturday_clinics(3), rules=rules, weeks=3)).status
        is SolveStatus.INFEASIBLE
    )
    # Soft at 7 per extra weekend: someone works one weekend too many: 7.
    soft = {"cover_min": {}, "max_weekends": {"hard": False, "weight": 7}}
    assert run(make(clinicians, saturday_clinics(3), rules=soft, weeks=3)).objective == 7
    # A Saturday and a Sunday of one week are one weekend: A (limit 1) takes both.
    both = [sess("SAT", day=5), sess("SUN", day=6)]
    result = run(make([doc("A", max_weekends=1)], both, rules=rules))
    assert result.assignments == (("A", "SAT"), ("A", "SUN"))


def test_total_minutes() -> None:
    # A must work at least 480 minutes (two 4-hour clinics) and at most 600; three clinics exist,
    # each preferring a doctor (weight 1). A takes two: 480 minutes, one clinic short: 1.
    sessions = [sess("S1"), sess("S2", day=1), sess("S3", day=2)]
    inst = make(
        [doc("A", min_minutes=480, max_minutes=600)],
        sessions,
        needs=[need(s["id"], 0, 1, 1) for s in sessions],
        rules={"total_minutes": {}, "cover_preferred": {"weight": 1}},
    )
    result = run(inst)
    assert len(result.assignments) == 2 and result.objective == 1
    # Soft, at 1 per minute: a third clinic costs 720 - 600 = 120 minutes over, more than the
    # missing doctor (100): A still works two.
    soft = make(
        [doc("A", max_minutes=600)],
        sessions,
        needs=[need(s["id"], 0, 1, 1) for s in sessions],
        rules={"total_minutes": {"hard": False, "weight": 1}, "cover_preferred": {"weight": 100}},
    )
    assert run(soft).objective == 100
    # Defaults apply to clinicians whose cells are blank: at least 240 minutes each.
    inst = make(
        [doc("A"), doc("B")],
        [sess("S1"), sess("S2", day=1)],
        needs=[need("S1", 0, 2, 2), need("S2", 0, 0, 2)],
        rules={"total_minutes": {"default_min": 240}},
    )
    assert run(inst).status is SolveStatus.OPTIMAL


def test_cover_over_preferred() -> None:
    # Three doctors want the clinic (5 each); preferred 1, max 3; each extra doctor costs 4.
    # All three: 2 extra = 8 < a missed want (5 each for two) = 10.
    wants = [{"clinician": c, "kind": "want", "weight": 5, "session": "S1"} for c in "ABC"]
    inst = make(
        [doc(c) for c in "ABC"],
        [sess("S1")],
        needs=[need("S1", 0, 1, 3)],
        rules={"cover_over_preferred": {"weight": 4}, "requests": {"weight": 1}},
        requests=wants,
    )
    result = run(inst)
    assert len(result.assignments) == 3
    assert result.objective_by_rule == {"requests": 0, "cover_over_preferred": 8}


def test_forbidden_successions() -> None:
    # No morning session the day after an evening one. A alone; Monday evening, Tuesday AM.
    sessions = [sess("EVE", start="18:00", end="21:00"), sess("AM", day=1)]
    pairs = [{"first": {"period": "evening"}, "then": {"period": "am"}}]
    hard = make(
        [doc("A")], sessions, rules={"cover_min": {}, "forbidden_successions": {"pairs": pairs}}
    )
    assert run(hard).status is SolveStatus.INFEASIBLE
    soft = make(
        [doc("A")],
        sessions,
        rules={
            "cover_min": {},
            "forbidden_successions": {"hard": False, "weight": 6, "pairs": pairs},
        },
    )
    assert run(soft).objective == 6
    # A Tuesday afternoon is allowed; so is the reverse order (morning, then evening next day).
    fine = [
        sess("EVE", start="18:00", end="21:00"),
        sess("PM", day=1, start="14:00", end="18:00"),
        sess("AM0", day=2),
        sess("EVE3", day=3, start="18:00", end="21:00"),
    ]
    ok = make([doc("A")], fine, rules={"cover_min": {}, "forbidden_successions": {"pairs": pairs}})
    assert run(ok).status is SolveStatus.OPTIMAL
    # By activity: no clinical session the day after teaching.
    by_activity = [{"first": {"activity": "teaching"}, "then": {"activity": "clinical"}}]
    taught = [sess("T", activity="teaching"), sess("C", day=1)]
    inst = make(
        [doc("A")], taught, rules={"cover_min": {}, "forbidden_successions": {"pairs": by_activity}}
    )
    assert run(inst).status is SolveStatus.INFEASIBLE


def days(*which: int) -> list[dict[str, object]]:
    return [sess(f"D{d}", day=d) for d in which]


def test_max_consecutive_days() -> None:
    # Four clinics Mon-Thu, A alone, at most 3 days in a row: hard impossible; soft 5 per extra day.
    rules = {"cover_min": {}, "max_consecutive_days": {"default": 3}}
    assert run(make([doc("A")], days(0, 1, 2, 3), rules=rules)).status is SolveStatus.INFEASIBLE
    soft = {"cover_min": {}, "max_consecutive_days": {"default": 2, "hard": False, "weight": 5}}
    # a run of 4 days, limit 2: 4 - 2 = 2 extra days: 10
    assert run(make([doc("A")], days(0, 1, 2, 3), rules=soft)).objective == 10


def test_min_consecutive_days_and_the_horizon_ends() -> None:
    # A must work Wednesday alone (B cannot): a run of 1 in mid-week, minimum 2: 2 - 1 = 1 at 7.
    clinicians = [doc("A", min_consecutive_days=2), doc("B", privileges="EMC")]
    rules = {"cover_min": {}, "min_consecutive_days": {"hard": False, "weight": 7}}
    assert run(make(clinicians, days(2), rules=rules)).objective == 7
    # A run on Monday touches the horizon's start: exempt while outside counts as worked...
    assert run(make(clinicians, days(0), rules=rules)).objective == 0
    # ...and counted when outside counts as off.
    off = {"cover_min": {}, "min_consecutive_days": {"hard": False, "weight": 7, "outside": "off"}}
    assert run(make(clinicians, days(0), rules=off)).objective == 7


def test_min_days_off() -> None:
    # A works Mon and Wed (the only doctor): one day off between, minimum 2 off: 1 at 3.
    rules = {"cover_min": {}, "min_days_off": {"default": 2, "hard": False, "weight": 3}}
    assert run(make([doc("A")], days(0, 2), rules=rules)).objective == 3
    # Thu-Sun off touches the end: exempt by default (outside counts as off).
    assert run(make([doc("A")], days(0, 1, 2), rules=rules)).objective == 0
    hard = {"cover_min": {}, "min_days_off": {"default": 2}}
    assert run(make([doc("A")], days(0, 2), rules=hard)).status is SolveStatus.INFEASIBLE


def test_max_consecutive_days_with_the_days_before_the_horizon() -> None:
    # A worked the 2 days before Monday and must work Mon and Tue alone: a run of 4, limit 3.
    history = {"cover_min": {}, "max_consecutive_days": {"default": 3, "outside": "history"}}
    a2 = [doc("A", worked_before=2)]
    assert run(make(a2, days(0, 1), rules=history)).status is SolveStatus.INFEASIBLE
    assert run(make([doc("A", worked_before=1)], days(0, 1), rules=history)).objective == 0
    soft = {
        "cover_min": {},
        "max_consecutive_days": {"default": 3, "hard": False, "weight": 5, "outside": "history"},
    }
    assert run(make(a2, days(0, 1), rules=soft)).objective == 5  # 4 - 3 = 1 day at 5
    # history is the default; with the days before the horizon off the roster is within the limit
    default = {"cover_min": {}, "max_consecutive_days": {"default": 3, "hard": False, "weight": 5}}
    assert run(make(a2, days(0, 1), rules=default)).objective == 5
    off = {"cover_min": {}, "max_consecutive_days": {**default["max_consecutive_days"]}}
    off["max_consecutive_days"]["outside"] = "off"
    assert run(make(a2, days(0, 1), rules=off)).objective == 0
    # A run of 5 before Monday, limit 3: only Monday, the horizon's day beyond it, is charged.
    a5 = [doc("A", worked_before=5)]
    assert run(make(a5, days(0), rules=soft)).objective == 5


def test_min_runs_with_the_days_before_the_horizon() -> None:
    rules = {
        "cover_min": {},
        "min_consecutive_days": {"default": 3, "hard": False, "weight": 7, "outside": "history"},
    }
    # A worked Sunday (1 day) and works Monday: a run of 2, minimum 3: 1 at 7.
    assert run(make([doc("A", worked_before=1)], days(0), rules=rules)).objective == 7
    # A worked Sunday, is off Monday and works Tuesday alone: the run of Sunday ends at 1 (2
    # short) and Tuesday's run of 1 is 2 short: 4 at 7.
    assert run(make([doc("A", worked_before=1)], days(1), rules=rules)).objective == 28
    # A was off before Monday: Monday's run of 1 is judged (2 short); nothing known: exempt.
    assert run(make([doc("A", off_before=2)], days(0), rules=rules)).objective == 14
    assert run(make([doc("A")], days(0), rules=rules)).objective == 0
    # Hard: A who worked Sunday must also work Monday and Tuesday (B covers what is needed).
    hard = {
        "cover_min": {},
        "min_consecutive_days": {"default": 3, "outside": "history"},
        "requests": {},
    }
    inst = make(
        [doc("A", worked_before=1), doc("B")],
        days(0, 1, 2),
        rules=hard,
        requests=[{"clinician": "A", "kind": "avoid", "weight": 1, "date": "2026-12-08"}],
    )
    result = run(inst)
    assert result.objective == 1  # the avoided Tuesday is worked all the same
    assert {s for c, s in result.assignments if c == "A"} >= {"D0", "D1"}


def test_min_days_off_with_the_days_before_the_horizon() -> None:
    # A was off Sunday only (before it, worked) and works Monday: 1 day off, minimum 2: 1 at 3.
    rules = {
        "cover_min": {},
        "min_days_off": {"default": 2, "hard": False, "weight": 3, "outside": "history"},
    }
    assert run(make([doc("A", off_before=1)], days(0), rules=rules)).objective == 3
    assert run(make([doc("A", off_before=2)], days(0), rules=rules)).objective == 0
    # A worked before Monday and works Monday: no run of days off before it to judge.
    assert run(make([doc("A", worked_before=3)], days(0), rules=rules)).objective == 0


def test_history_is_worked_or_off_not_both() -> None:
    import pytest

    with pytest.raises(ValueError, match="worked_before and off_before are both given"):
        make([doc("A", worked_before=1, off_before=1)], days(0))


def test_forbidden_successions_are_worked_out_anew_for_other_pairs() -> None:
    # The same sessions (Monday evening, Tuesday AM) one after the other under different pairs:
    # the pairs worked out for the last model are kept only while the sessions and pairs match.
    sessions = [sess("EVE", start="18:00", end="21:00"), sess("AM", day=1)]

    def with_pairs(then: str) -> SolveStatus:
        pairs = [{"first": {"period": "evening"}, "then": {"period": then}}]
        rules = {"cover_min": {}, "forbidden_successions": {"pairs": pairs}}
        return run(make([doc("A")], sessions, rules=rules)).status

    assert with_pairs("am") is SolveStatus.INFEASIBLE
    assert with_pairs("pm") is SolveStatus.OPTIMAL
    assert with_pairs("am") is SolveStatus.INFEASIBLE


def test_forbidden_successions_block_when_one_session_a_day() -> None:
    # Monday: two evening sessions; Tuesday: AM and PM; no AM or PM the day after an evening.
    # Each session prefers one doctor (cover_preferred weight 10); A is the only doctor.
    sessions = [
        sess("EVE", start="18:00", end="21:00"),
        sess("LATE", start="17:30", end="21:00"),
        sess("AM", day=1),
        sess("PM", day=1, start="14:00", end="18:00"),
    ]
    needs = [need(s["id"], 0, 1) for s in sessions]
    pairs = [
        {"first": {"period": "evening"}, "then": {"period": "am"}},
        {"first": {"period": "evening"}, "then": {"period": "pm"}},
    ]
    rules: dict[str, Any] = {
        "cover_preferred": {"weight": 10},
        "forbidden_successions": {"pairs": pairs},
    }
    # Two sessions a day allowed: Tuesday AM and PM, 2 of 4 uncovered.
    assert run(make([doc("A")], sessions, needs, rules)).objective == 20
    # One a day: the block EVE + LATE + AM + PM <= 1 leaves 3 uncovered.
    one = rules | {"max_per_day": {"default": 1}}
    assert run(make([doc("A")], sessions, needs, one)).objective == 30
    # Soft succession (weight 5): Monday evening then Tuesday AM: 2 uncovered + 1 succession.
    soft = one | {"forbidden_successions": {"hard": False, "weight": 5, "pairs": pairs}}
    result = run(make([doc("A")], sessions, needs, soft))
    assert result.objective == 25
    assert result.objective_by_rule == {"cover_preferred": 20, "forbidden_successions": 5}
