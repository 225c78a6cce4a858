"""Each rule alone on a tiny instance whose optimum was worked out by hand."""

from __future__ import annotations

import dataclasses
from typing import Any, get_args

from factory import doc, make, need, sess

from roster.app.compile import build_problem
from roster.domain.rules import RULE_KINDS, Rules
from roster.domain.tables import Instance
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model import params as plain
from solver.model.result import Result, SolveStatus
from solver.model.rules import SPECS


def run(inst: Instance, **kw: Any) -> Result:
    return solve(build_problem(inst), SolveParams(time_limit=20, workers=1), **kw)


def test_builders_cover_every_rule_kind_in_order() -> None:
    assert tuple(SPECS) == RULE_KINDS == plain.RULE_KINDS
    assert all(spec.build.__name__ == f"add_{kind}" for kind, spec in SPECS.items())


def test_the_engine_reads_every_parameter_of_the_rules_file() -> None:
    # Each rule's plain record has exactly the schema's fields, plus hard and weight where the
    # schema fixes them (a rule always soft, or always hard).
    for kind, spec in SPECS.items():
        annotation = Rules.model_fields[kind].annotation
        schema = next(a for a in (annotation, *get_args(annotation)) if isinstance(a, type))
        engine = {f.name for f in dataclasses.fields(spec.params)}
        assert engine == set(schema.model_fields) | {"hard", "weight"}, kind


def test_travel_time_makes_back_to_back_sites_impossible() -> None:
    # A alone; HSK 09:00-13:00 then QMH from 13:10. HSK to QMH takes 25 minutes: 13:25 > 13:10.
    sessions = [sess("S1"), sess("S2", start="13:10", end="17:00", site="QMH")]
    assert run(make([doc("A")], sessions, rules={"cover_min": {}})).status is SolveStatus.INFEASIBLE
    # Without travel the two sessions fit; A takes both.
    inst = make([doc("A")], sessions, rules={"cover_min": {}, "no_overlap": {"travel": False}})
    assert run(inst).assignments == (("A", "S1"), ("A", "S2"))
    # From 13:30 they fit with travel too.
    later = [sess("S1"), sess("S2", start="13:30", end="17:00", site="QMH")]
    assert run(make([doc("A")], later, rules={"cover_min": {}})).status is SolveStatus.OPTIMAL


def test_eligibility_role_specialty_privileges_teacher() -> None:
    clinicians = [
        doc("A", specialties="oncology"),  # wrong specialty
        doc("B", privileges="EMC"),  # no privileges at HSK
        doc("C", teacher=False),  # may not teach
        doc("D", role="nurse_practitioner"),  # no need row for nurses
        doc("E"),
    ]
    inst = make(
        clinicians,
        [sess("T", activity="teaching")],
        needs=[need("T", 1, 5, 5)],
        rules={"cover_min": {}, "cover_max": {}, "cover_preferred": {"weight": 1}},
    )
    # Only E is eligible: 1 assigned, preferred 5, shortfall 4.
    result = run(inst)
    assert result.assignments == (("E", "T"),)
    assert result.objective == 4


def test_availability_date_only_covers_the_whole_day() -> None:
    inst = make(
        [doc("A"), doc("B")],
        [sess("S1", day=1, start="18:00", end="21:00")],
        rules={"cover_min": {}, "cover_max": {}},
        unavailability=[{"clinician": "A", "start": "2026-12-08", "end": "2026-12-08"}],
    )
    assert run(inst).assignments == (("B", "S1"),)


def test_cover_min_soft_costs_weight_times_priority_per_missing_person() -> None:
    # Need 3, only 2 doctors: shortfall 1, priority 4, weight 5: 1 * 4 * 5 = 20.
    inst = make(
        [doc("A"), doc("B")],
        [sess("S1", priority=4)],
        needs=[need("S1", 3)],
        rules={"cover_min": {"hard": False, "weight": 5}},
    )
    result = run(inst)
    assert result.objective == 20
    assert result.objective_by_rule == {"cover_min": 20}


def test_cover_max_soft_against_wants() -> None:
    # Three doctors each want S1 (10 each); max 1 at 4 per extra person.
    # All three: excess 2 costs 8 < any missed want (10), so all three go.
    wants = [{"clinician": c, "kind": "want", "weight": 10, "session": "S1"} for c in "ABC"]
    inst = make(
        [doc(c) for c in "ABC"],
        [sess("S1")],
        needs=[need("S1", 0, 1, 1)],
        rules={"cover_max": {"hard": False, "weight": 4}, "requests": {"weight": 1}},
        requests=wants,
    )
    result = run(inst)
    assert len(result.assignments) == 3
    assert result.objective_by_rule == {"cover_max": 8, "requests": 0}


def test_max_per_day_hard_forces_the_split() -> None:
    # A may work once a day; B only holds EMC privileges, so B takes the EMC session.
    sessions = [sess("S1"), sess("S2", start="14:00", end="18:00", site="EMC")]
    inst = make(
        [doc("A", max_per_day=1), doc("B", privileges="EMC")],
        sessions,
        rules={"cover_min": {}, "cover_max": {}, "max_per_day": {}, "requests": {"weight": 1}},
        requests=[{"clinician": "A", "kind": "want", "weight": 3, "session": "S2"}],
    )
    # A wants S2 (3) but must take S1 since B cannot; the want is missed: objective 3.
    result = run(inst)
    assert result.assignments == (("A", "S1"), ("B", "S2"))
    assert result.objective == 3


def test_max_per_day_and_week_soft() -> None:
    # A alone must cover two sessions on Monday and one on Tuesday; default 1 a day, 2 a week.
    # Monday: 2 - 1 = 1 extra at 7; week: 3 - 2 = 1 extra at 11.
    sessions = [sess("S1"), sess("S2", start="14:00", end="18:00"), sess("S3", day=1)]
    inst = make(
        [doc("A")],
        sessions,
        rules={
            "cover_min": {},
            "max_per_day": {"hard": False, "weight": 7, "default": 1},
            "max_per_week": {"hard": False, "weight": 11, "default": 2},
        },
    )
    assert run(inst).objective_by_rule == {"max_per_day": 7, "max_per_week": 11}


def test_rest_after_evening() -> None:
    # Evening ends Mon 21:00; 11 hours of rest allow Tue 08:00 onwards.
    evening = sess("E", start="18:00", end="21:00")
    ok = make(
        [doc("A")],
        [evening, sess("M", day=1, start="08:00", end="12:00")],
        rules={"cover_min": {}, "rest_after_evening": {}},
    )
    assert run(ok).status is SolveStatus.OPTIMAL
    early = [evening, sess("M", day=1, start="07:00", end="12:00")]
    hard = make([doc("A")], early, rules={"cover_min": {}, "rest_after_evening": {}})
    assert run(hard).status is SolveStatus.INFEASIBLE
    soft = make(
        [doc("A")],
        early,
        rules={"cover_min": {}, "rest_after_evening": {"hard": False, "weight": 4}},
    )
    assert run(soft).objective == 4


def test_allocation_bounds_share_hard() -> None:
    # A must give at least 50% of sessions to teaching; two clinical sessions and one teaching.
    # Cover is soft at 10: taking all three gives 1/3 teaching, so A takes the teaching session
    # and one clinical session (1 of 2 = 50%), leaving one clinical session uncovered: 10.
    sessions = [sess("C1"), sess("C2", day=1), sess("T", day=2, activity="teaching")]
    inst = make(
        [doc("A")],
        sessions,
        rules={"cover_min": {"hard": False, "weight": 10}, "allocation_bounds": {}},
        allocations=[
            {"clinician": "A", "activity": "teaching", "period": "week", "unit": "share", "min": 50}
        ],
    )
    result = run(inst)
    assert result.objective == 10
    assert ("A", "T") in result.assignments and len(result.assignments) == 2


def test_allocation_target_sessions() -> None:
    # Target 1 clinical session (weight 3); each of 3 sessions prefers 1 (weight 1).
    # k sessions cost 3|k-1| + (3-k): k=0: 6, k=1: 2, k=2: 4, k=3: 6. Optimum 2.
    sessions = [sess("S1"), sess("S2", day=1), sess("S3", day=2)]
    inst = make(
        [doc("A")],
        sessions,
        needs=[need(s["id"], 0, 1) for s in sessions],
        rules={"cover_preferred": {"weight": 1}, "allocation_target": {"weight": 3}},
        allocations=[
            {
                "clinician": "A",
                "activity": "clinical",
                "period": "week",
                "unit": "sessions",
                "target": 1,
            }
        ],
    )
    result = run(inst)
    assert result.objective == 2
    assert len(result.assignments) == 1


def test_allocation_target_share_rounds_up() -> None:
    # Target 50% clinical of A's sessions; A must cover 3 clinical sessions and 0 else:
    # n = 3, N = 3: |300 - 150| / 100 = 1.5, rounded up to 2 sessions, times weight 5 = 10.
    sessions = [sess("S1"), sess("S2", day=1), sess("S3", day=2)]
    inst = make(
        [doc("A")],
        sessions,
        rules={"cover_min": {}, "allocation_target": {"weight": 5}},
        allocations=[
            {
                "clinician": "A",
                "activity": "clinical",
                "period": "horizon",
                "unit": "share",
                "target": 50,
            }
        ],
    )
    assert run(inst).objective == 10


def test_requests_want_and_avoid() -> None:
    # One of A, B covers S1 on Tuesday. A avoids Tuesday (4), B wants a PM session (6, none exist,
    # so it is always missed). Best: B takes S1 at cost 6 (the missed want) rather than A at 4 + 6.
    inst = make(
        [doc("A"), doc("B")],
        [sess("S1", day=1)],
        needs=[need("S1", 1, 1, 1)],
        rules={"cover_min": {}, "cover_max": {}, "requests": {"weight": 1}},
        requests=[
            {"clinician": "A", "kind": "avoid", "weight": 4, "date": "2026-12-08"},
            {"clinician": "B", "kind": "want", "weight": 6, "period": "pm"},
        ],
    )
    result = run(inst)
    assert result.assignments == (("B", "S1"),)
    assert result.objective == 6


def test_fairness_spreads_evenings() -> None:
    # Two evenings, one doctor each. A wants both (2 each); fairness 3 per unit of spread.
    # A takes both: spread 2 -> 6. Split: spread 0, one want missed -> 2. Optimum 2.
    sessions = [
        sess("E1", start="18:00", end="21:00"),
        sess("E2", day=1, start="18:00", end="21:00"),
    ]
    inst = make(
        [doc("A"), doc("B")],
        sessions,
        needs=[need("E1", 1, 1, 1), need("E2", 1, 1, 1)],
        rules={
            "cover_min": {},
            "cover_max": {},
            "requests": {"weight": 1},
            "fairness": {"weight": 3, "kinds": ["evening"]},
        },
        requests=[
            {"clinician": "A", "kind": "want", "weight": 2, "session": s} for s in ("E1", "E2")
        ],
    )
    result = run(inst)
    assert result.objective == 2
    assert result.objective_by_rule["fairness"] == 0


def test_fairness_counts_christmas_as_weekend() -> None:
    # Fri 25 Dec 2026 (day 18) is a Hong Kong public holiday, so its sessions are weekend sessions.
    # Only A may take H2 (B has no QMH privileges); if A also took H1 the spread would be 2.
    sessions = [sess("H1", day=18), sess("H2", day=18, start="14:00", end="18:00", site="QMH")]
    inst = make(
        [doc("A"), doc("B", privileges="HSK")],
        sessions,
        weeks=3,
        needs=[need("H1", 1, 1, 1), need("H2", 1, 1, 1)],
        rules={"cover_min": {}, "cover_max": {}, "fairness": {"weight": 5, "kinds": ["weekend"]}},
    )
    # Best: B takes H1, A takes H2: spread 0.
    result = run(inst)
    assert result.assignments == (("A", "H2"), ("B", "H1"))
    assert result.objective == 0


def test_site_changes() -> None:
    # A alone covers HSK in the morning and EMC in the afternoon: one change at 4.
    sessions = [sess("S1"), sess("S2", start="14:00", end="18:00", site="EMC")]
    inst = make([doc("A")], sessions, rules={"cover_min": {}, "site_changes": {"weight": 4}})
    assert run(inst).objective == 4


def test_continuity_prefers_the_same_doctor() -> None:
    # A series on Monday and Tuesday, one doctor each. A avoids Tuesday (1); B may work once a week.
    # A both: the avoid costs 1. Split (B one, A the other): continuity 2 - 1 = 1 at 5. Optimum 1.
    sessions = [sess("S1", series="cardio-clinic"), sess("S2", day=1, series="cardio-clinic")]
    inst = make(
        [doc("A"), doc("B", max_per_week=1)],
        sessions,
        needs=[need("S1", 1, 1, 1), need("S2", 1, 1, 1)],
        rules={
            "cover_min": {},
            "cover_max": {},
            "max_per_week": {},
            "requests": {"weight": 1},
            "continuity": {"weight": 5},
        },
        requests=[{"clinician": "A", "kind": "avoid", "weight": 1, "date": "2026-12-08"}],
    )
    result = run(inst)
    assert result.assignments == (("A", "S1"), ("A", "S2"))
    assert result.objective == 1


def test_teaching_ratio() -> None:
    # 20 students, 8 per teacher: ceil(20/8) = 3 teachers; only 2 exist: 1 missing at 9.
    inst = make(
        [doc("A"), doc("B")],
        [sess("T", activity="teaching", students=20, students_per_teacher=8)],
        needs=[need("T", 0, 0, 5)],
        rules={"teaching_ratio": {"hard": False, "weight": 9}},
    )
    result = run(inst)
    assert result.objective == 9
    assert len(result.assignments) == 2


def test_hint_and_fixed_roster() -> None:
    inst = make(
        [doc("A"), doc("B")],
        [sess("S1")],
        needs=[need("S1", 1, 1, 1)],
        rules={"cover_min": {}, "cover_max": {}, "requests": {"weight": 1}},
        requests=[{"clinician": "A", "kind": "avoid", "weight": 2, "session": "S1"}],
    )
    # Pinning A costs the avoid (2); pinning both breaks the maximum; B is optimal either way.
    assert run(inst, fixed=[("A", "S1")]).objective == 2
    assert run(inst, fixed=[("A", "S1"), ("B", "S1")]).status is SolveStatus.INFEASIBLE
    assert run(inst, hint=[("A", "S1")]).assignments == (("B", "S1"),)


def test_unavailability_with_overlapping_and_touching_rows_blocks_exactly_the_overlapped() -> None:
    # A's rows merge into 08:00-12:00 (touching and nested rows) and 15:00-16:00 on Monday.
    # S1 09-13 and S4 15:30-17 overlap them; S2 12-14 starts as the first ends, S3 14-15 ends
    # as the second starts: free. B has no row, so B is blocked from nothing.
    sessions = [
        sess("S1", start="09:00", end="13:00"),
        sess("S2", start="12:00", end="14:00"),
        sess("S3", start="14:00", end="15:00"),
        sess("S4", start="15:30", end="17:00"),
    ]
    rows = [
        ("2026-12-07 10:00", "2026-12-07 12:00"),
        ("2026-12-07 08:00", "2026-12-07 10:00"),
        ("2026-12-07 11:00", "2026-12-07 11:30"),
        ("2026-12-07 15:00", "2026-12-07 16:00"),
    ]
    inst = make(
        [doc("A"), doc("B")],
        sessions,
        unavailability=[{"clinician": "A", "start": a, "end": b} for a, b in rows],
    )
    problem = build_problem(inst)
    blocked = {(problem.clinicians[c].id, problem.sessions[s].id) for c, s in problem.unavailable}
    assert blocked == {("A", "S1"), ("A", "S4")}
