"""Explanations of infeasibility: the minimal set is exactly the known conflict."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from factory import doc, make, need, sess

from roster.app.compile import build_problem
from roster.app.explain import diagnose, relax
from roster.cli import main
from roster.domain.tables import Instance
from solver.diagnose.conflicts import _feasible, build_grouped, explain
from solver.engine.params import SolveParams


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
        "Tue 8 Dec 18:00-21:00, Hong Kong Sanatorium & Hospital cardiology clinical (S1) needs "
        "at least "
        "2 doctor; eligible: Dr A, Dr B; of them unavailable: Dr B (Tue 8 Dec 00:00 to Wed 9 Dec "
        "00:00 "
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


def test_solve_on_an_infeasible_instance_prints_the_minimal_set(tmp_path: Path) -> None:
    # Monday: B is on leave, so A must cover the HSK morning clinic, and only A may teach at QMH
    # from 13:00, but HSK to QMH takes 25 minutes. The cheap cover check passes; the solve fails.
    inst = tmp_path / "week"
    inst.mkdir()
    files = {
        "sites.csv": "id,name,kind\nHSK,Hong Kong Sanatorium & Hospital,private_hospital\n"
        "QMH,Queen Mary Hospital,public_hospital\n",
        "travel.csv": "from_site,to_site,minutes\nHSK,QMH,25\n",
        "clinicians.csv": "id,name,role,institution,appointment,specialties,privileges,teacher\n"
        "A,Dr A,doctor,HKU,other,cardiology,HSK;QMH,true\nB,Dr "
        "B,doctor,HKU,other,cardiology,HSK,false\n",
        "sessions.csv": "id,site,date,start,end,activity,specialty\n"
        "S1,HSK,2026-12-07,09:00,13:00,clinical,cardiology\n"
        "S2,QMH,2026-12-07,13:00,17:00,teaching,cardiology\n",
        "needs.csv": "session,role,min\nS1,doctor,1\nS2,doctor,1\n",
        "unavailability.csv": "clinician,start,end,reason\nB,2026-12-07,2026-12-07,annual leave\n",
        "rules.yaml": "horizon: {start: 2026-12-07, end: 2026-12-13}\nrules:\n  cover_min:\n",
    }
    for name, text in files.items():
        (inst / name).write_text(text)
    result = CliRunner().invoke(main, ["solve", str(inst), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert not (tmp_path / "out").exists()
    lines = result.output.splitlines()
    start = lines.index("These requirements cannot all hold (drop any one and the rest can):")
    assert lines[start + 1 : start + 5] == [
        "  1. Dr B is unavailable Mon 7 Dec 00:00 to Tue 8 Dec 00:00 (annual leave)",
        "  2. Mon 7 Dec 09:00-13:00, Hong Kong Sanatorium & Hospital cardiology clinical (S1) "
        "needs at "
        "least 1 doctor; eligible: Dr A, Dr B; of them unavailable: Dr B (Mon 7 Dec 00:00 to Tue "
        "8 Dec "
        "00:00 (annual leave))",
        "  3. Mon 7 Dec 13:00-17:00, Queen Mary Hospital cardiology teaching (S2) needs at least "
        "1 doctor; "
        "eligible: Dr A",
        "  4. Dr A cannot be in two places at once, counting travel between sites in the week of "
        "Mon 7 Dec",
    ]
    assert "roster explain" in lines[-1]
