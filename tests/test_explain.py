"""Explanations of infeasibility: the minimal set is exactly the known conflict."""

from __future__ import annotations

from factory import doc, make, need, sess

from roster.domain import Instance
from roster.explain import diagnose, relax
from solver.explain import _feasible, build_grouped, explain
from solver.problem import build_problem
from solver.solve import SolveParams


def assert_minimal(inst: Instance, groups: tuple) -> None:  # type: ignore[type-arg]
    """Infeasible with all of them on; feasible when any single one is dropped."""
    grouped = build_grouped(build_problem(inst))
    grouped.model.clear_objective()
    assert _feasible(grouped, groups, 10) is False
    for g in groups:
        assert _feasible(grouped, [h for h in groups if h != g], 10) is True


def on_leave() -> Instance:
    # The evening clinic needs 2 doctors; of the 2 eligible, B is on leave that day.
    # A third doctor C holds no privileges at HSK, so is not eligible at all.
    return make(
        [doc("A"), doc("B"), doc("C", privileges="EMC")],
        [sess("S1", day=1, start="18:00", end="21:00"), sess("S2", day=2)],
        needs=[need("S1", 2, 2, 2), need("S2", 1, 1, 1)],
        rules={"cover_min": {}, "cover_max": {}},
        unavailability=[
            {"clinician": "B", "start": "2026-12-08", "end": "2026-12-08", "reason": "annual leave"}
        ],
    )


def test_leave_against_cover_is_the_whole_conflict() -> None:
    inst = on_leave()
    d = diagnose(inst, time_limit=10)
    assert d.explanation.status == "INFEASIBLE"
    assert [(g.kind, g.session, g.clinician) for g in d.explanation.groups] == [
        ("availability", -1, 1),
        ("cover_min", 0, -1),
    ]
    assert d.sentences == (
        "Dr B is unavailable Tue 8 Dec 00:00 to Wed 9 Dec 00:00 (annual leave)",
        "Tue 8 Dec 18:00-21:00, Hong Kong Sanatorium & Hospital cardiology clinical (S1) needs at least "
        "2 doctor; eligible: Dr A, Dr B; of them unavailable: Dr B (Tue 8 Dec 00:00 to Wed 9 Dec 00:00 "
        "(annual leave))",
    )
    assert d.cheap == (
        "Tue 8 Dec 18:00-21:00, Hong Kong Sanatorium & Hospital cardiology clinical (S1) "
        "needs 2 doctor, but only 2 are eligible and 1 of them available",
    )
    assert_minimal(inst, d.explanation.groups)


def test_weekly_limit_against_teaching_minimum() -> None:
    # A must teach at least 3 sessions a week, but works at most 2 sessions a week (rule default).
    # Three teaching sessions exist; cover is soft so it is not part of the conflict.
    sessions = [sess(f"T{i}", day=i, activity="teaching") for i in range(3)]
    inst = make(
        [doc("A")],
        sessions,
        needs=[need(s["id"], 0, 1, 1) for s in sessions],
        rules={
            "cover_max": {},
            "max_per_week": {"default": 2},
            "allocation_bounds": {},
            "cover_preferred": {"weight": 1},
        },
        allocations=[
            {
                "clinician": "A",
                "activity": "teaching",
                "period": "week",
                "unit": "sessions",
                "min": 3,
            }
        ],
    )
    d = diagnose(inst, time_limit=10)
    assert [(g.kind, g.clinician, g.week) for g in d.explanation.groups] == [
        ("allocation_bounds", 0, 0),
        ("max_per_week", 0, 0),
    ]
    assert d.sentences == (
        "Dr A's time allocation: teaching at least 3 sessions per week in the week of Mon 7 Dec",
        "Dr A works at most 2 sessions a week in the week of Mon 7 Dec",
    )
    assert_minimal(inst, d.explanation.groups)
    # Relaxed: the least bad roster breaks exactly one of the two, and the checker says which.
    relaxed = relax(inst, d, SolveParams(workers=1, time_limit=10))
    assert relaxed.check is not None and len(relaxed.check.hard_violations) == 1


def test_a_feasible_instance_has_nothing_to_explain() -> None:
    inst = make([doc("A")], [sess("S1")], rules={"cover_min": {}})
    assert explain(build_problem(inst), 10).status == "FEASIBLE"
