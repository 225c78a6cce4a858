"""Absence scales what a clinician owes: prorated allocation minimums and targets, worked out by
hand, in the model and the checker alike (the example of docs/rules.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from factory import doc, make, need, sess

from roster.app.compile import build_problem
from roster.app.repair import RepairSettings, repair
from roster.domain.check import check_roster
from roster.domain.io import load_instance
from roster.domain.prorate import Due, dues_of
from roster.domain.scenario import apply_changes
from roster.domain.tables import Instance
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.result import SolveStatus

DAYS = range(5)  # Monday to Friday
TEACHING = [f"T{d}" for d in DAYS]


def leave_week(
    bounds: dict[str, Any] | None = None, target: dict[str, Any] | None = None, **tables: Any
) -> Instance:
    """Dr A, Monday to Friday: a teaching session each morning (09:00-13:00) and a clinic each
    afternoon (14:00-18:00), none of them needing anyone. A owes 2 to 4 teaching sessions a week
    and aims at 3; A is on leave on Monday and Tuesday and would like to teach on Thursday (T3).

    A's working time is the 10 sessions open to A: 10 x 4 = 40 hours; the leave takes 4 of them
    (16 hours), so A can work 24 of 40 hours, 60 percent. Prorated and rounded down, the minimum
    is floor(2 x 24 / 40) = floor(1.2) = 1 and the target floor(3 x 24 / 40) = floor(1.8) = 1.
    """
    sessions = [sess(f"T{d}", day=d, activity="teaching") for d in DAYS]
    sessions += [sess(f"C{d}", day=d, start="14:00", end="18:00") for d in DAYS]
    return make(
        [doc("A")],
        sessions,
        needs=[need(s["id"], 0, 0, 1) for s in sessions],
        rules={
            "allocation_bounds": bounds or {},
            "allocation_target": {"weight": 5, **(target or {})},
            "requests": {"weight": 1},
        },
        allocations=[
            {
                "clinician": "A",
                "activity": "teaching",
                "period": "week",
                "unit": "sessions",
                "min": 2,
                "target": 3,
                "max": 4,
            }
        ],
        requests=[{"clinician": "A", "kind": "want", "weight": 1, "session": "T3"}],
        **(
            tables
            or {"unavailability": [{"clinician": "A", "start": "2026-12-07", "end": "2026-12-08"}]}
        ),
    )


def run(inst: Instance) -> tuple[tuple[tuple[str, str], ...], int | None]:
    result = solve(build_problem(inst), SolveParams(time_limit=10, workers=1))
    return result.assignments, result.objective


def test_a_minimum_and_a_target_are_prorated_and_rounded_down() -> None:
    inst = leave_week()
    assert dues_of(inst)[("A", "teaching", "week")] == (Due(1, 1, 24 * 60, 40 * 60),)
    # A teaches once, on Thursday as wished: the prorated minimum and target are met, cost 0
    assert run(inst) == ((("A", "T3"),), 0)


def test_the_checker_holds_the_clinician_to_the_prorated_minimum() -> None:
    inst = leave_week()
    report = check_roster(inst, [])
    assert report.hard_violations == (
        "Dr A (A) has 0 teaching sessions in week 1 (2026-12-07 to 2026-12-13), below the "
        "minimum of 1 (2 prorated: available 24 of 40 hours)",
    )
    # the target of 1 is missed by 1 (5) and the wish for T3 (1): 6
    assert report.objective_by_rule == {"allocation_target": 5, "requests": 1}
    # two teaching sessions: 1 above the prorated target (5), and T3 is among them
    assert check_roster(inst, [("A", "T2"), ("A", "T3")]).objective == 5


def test_prorate_false_keeps_the_old_numbers() -> None:
    # neither prorated: min 2, target 3, and only Wednesday to Friday are open: A teaches all 3
    both = leave_week(bounds={"prorate": False}, target={"prorate": False})
    assert dues_of(both)[("A", "teaching", "week")] == (Due(2, 3, 0, 0),)
    assert run(both) == ((("A", "T2"), ("A", "T3"), ("A", "T4")), 0)
    # the minimum kept whole (2) but the target prorated (1): 2 teaching sessions, one of them
    # above the target (5); T3 is one of them
    inst = leave_week(bounds={"prorate": False})
    assignments, objective = run(inst)
    assert objective == 5 and len(assignments) == 2 and ("A", "T3") in assignments


def test_an_appointment_outside_its_window_counts_as_absence() -> None:
    # the HKU appointment starts on Wednesday: the same 24 of 40 hours as the leave
    inst = leave_week(
        credentials=[
            {"clinician": "A", "credential": "hku_appointment", "valid_from": "2026-12-09"}
        ]
    )
    assert dues_of(inst)[("A", "teaching", "week")] == (Due(1, 1, 24 * 60, 40 * 60),)


def test_sessions_at_the_same_time_count_once_and_a_partial_absence_costs_its_session() -> None:
    # Monday 09:00-13:00 at HSK and at EMC (4 hours, counted once), Tuesday 09:00-13:00: 8 hours.
    # Away Tuesday 12:00-14:00: the Tuesday session overlaps it, so it is lost whole: 4 of 8
    # hours. Target 3: floor(3 x 4 / 8) = 1; the minimum 1: floor(1 x 4 / 8) = 0.
    inst = make(
        [doc("A")],
        [sess("M1"), sess("M2", site="EMC"), sess("T", day=1)],
        rules={"allocation_bounds": {}, "allocation_target": {}},
        allocations=[
            {
                "clinician": "A",
                "activity": "clinical",
                "period": "week",
                "unit": "sessions",
                "min": 1,
                "target": 3,
            }
        ],
        unavailability=[{"clinician": "A", "start": "2026-12-08 12:00", "end": "2026-12-08 14:00"}],
    )
    assert dues_of(inst)[("A", "clinical", "week")] == (Due(0, 1, 4 * 60, 8 * 60),)


def test_shares_are_not_prorated_and_a_horizon_row_counts_the_whole_horizon() -> None:
    # Two weeks, a clinic every weekday morning (10 x 4 = 40 hours); A away all of week 1 (20
    # hours): a horizon target of 4 sessions becomes floor(4 x 20 / 40) = 2; a share stays 50.
    sessions = [sess(f"S{d}", day=d) for d in (0, 1, 2, 3, 4, 7, 8, 9, 10, 11)]
    inst = make(
        [doc("A")],
        sessions,
        weeks=2,
        rules={"allocation_bounds": {}, "allocation_target": {}},
        allocations=[
            {
                "clinician": "A",
                "activity": "clinical",
                "period": "horizon",
                "unit": "sessions",
                "target": 4,
            },
            {
                "clinician": "A",
                "activity": "clinical",
                "period": "week",
                "unit": "share",
                "min": 50,
            },
        ],
        unavailability=[{"clinician": "A", "start": "2026-12-07", "end": "2026-12-13"}],
    )
    assert dues_of(inst)[("A", "clinical", "horizon")] == (Due(None, 2, 20 * 60, 40 * 60),)
    assert dues_of(inst)[("A", "clinical", "week")] == (Due(50, None, 0, 0), Due(50, None, 0, 0))


SAMPLE = Path(__file__).resolve().parent.parent / "data" / "samples" / "hksh-affiliation-week"
SICK_DAYS = (dt.date(2026, 12, 9), dt.date(2026, 12, 10))  # Wednesday and Thursday


@pytest.mark.slow
def test_any_doctor_of_the_hksh_sample_may_fall_sick_for_two_days() -> None:
    # With the sample's rules as they are (weekly teaching and time-allocation minimums hard),
    # every one of the 32 doctors in turn falls sick on Wednesday and Thursday, and the published
    # roster is repaired from Wednesday: the sick doctor's minimums and targets are prorated, so a
    # repair always exists. It keeps every hard rule, takes the sick doctor off both days, and
    # moves little: each lost session handed on (a removal and an addition), plus at most 2.
    inst = load_instance(SAMPLE)
    base = solve(build_problem(inst), SolveParams(time_limit=20, workers=2))
    assert base.status is SolveStatus.OPTIMAL
    published = base.assignments
    doctors = [c.id for c in inst.clinicians if c.role == "doctor"]
    assert len(doctors) == 32
    for d in doctors:
        sick = apply_changes(
            inst,
            {
                "add": {
                    "unavailability": [
                        {
                            "clinician": d,
                            "start": "2026-12-09",
                            "end": "2026-12-10",
                            "reason": "sick",
                        }
                    ]
                }
            },
            "sick",
        )
        out = repair(
            inst,
            sick,
            published,
            RepairSettings(dt.datetime(2026, 12, 9)),
            SolveParams(time_limit=5, workers=2),
        )
        assert out.result.status.has_solution, (d, out.why)
        assert out.check is not None and out.check.hard_violations == (), d
        lost = [s for c, s in published if c == d and inst.session_by_id[s].date in SICK_DAYS]
        assert not {(d, s) for s in lost} & set(out.result.assignments), d
        assert out.n_changes <= 2 * len(lost) + 2, (d, out.changes)
