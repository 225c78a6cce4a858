"""Explanations of infeasibility: the minimal set is exactly the known conflict."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner
from factory import doc, make, need, sess, write_tables

from roster.app.compile import build_problem
from roster.app.explain import conflict_lines, diagnose, relax
from roster.cli import main
from roster.domain.explain_words import WORDS, why_nobody
from roster.domain.rules import RULE_KINDS, Rules
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
        "at least 2 doctors; eligible: Dr A, Dr B; of them unavailable: Dr B, Tue 8 Dec 00:00 to "
        "Wed 9 Dec 00:00 (annual leave)",
    )
    assert d.cheap == (
        "Tue 8 Dec 18:00-21:00, Hong Kong Sanatorium & Hospital cardiology clinical (S1) "
        "needs 2 doctors, but only 2 are eligible and 1 of them available",
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
    start = lines.index(
        "These 4 requirements cannot all hold; drop any one of them and the rest can:"
    )
    assert lines[start + 1 : start + 5] == [
        "  1. Dr B is unavailable Mon 7 Dec 00:00 to Tue 8 Dec 00:00 (annual leave)",
        "  2. Mon 7 Dec 09:00-13:00, Hong Kong Sanatorium & Hospital cardiology clinical (S1) "
        "needs at least 1 doctor; eligible: Dr A, Dr B; of them unavailable: Dr B, Mon 7 Dec "
        "00:00 to Tue 8 Dec 00:00 (annual leave)",
        "  3. Mon 7 Dec 13:00-17:00, Queen Mary Hospital cardiology teaching (S2) needs at least "
        "1 doctor; eligible: Dr A",
        # the two sessions are named, and why they cannot both be worked
        "  4. Dr A cannot work both Mon 7 Dec 09:00-13:00, Hong Kong Sanatorium & Hospital "
        "cardiology clinical (S1) and Mon 7 Dec 13:00-17:00, Queen Mary Hospital cardiology "
        "teaching (S2): S2 starts as S1 ends, and the travel from Hong Kong Sanatorium & Hospital "
        "to Queen Mary Hospital takes 25 minutes",
    ]
    assert "roster explain" in lines[-1]
    # `roster explain` prints the same conflict
    explained = CliRunner().invoke(main, ["explain", str(inst)])
    assert explained.exit_code == 3
    assert lines[start : start + 5] == explained.output.splitlines()[:5]


# --- the sentences: each rule's words, and the cases that used to mislead ----------------------


def test_every_rule_that_can_be_hard_has_its_sentence_and_no_other() -> None:
    def can_be_hard(kind: str) -> bool:
        annotation = Rules.model_fields[kind].annotation
        models = [a for a in (annotation, *get_args(annotation)) if hasattr(a, "model_fields")]
        return "hard" in models[0].model_fields

    assert set(WORDS) == {kind for kind in RULE_KINDS if can_be_hard(kind)}


def test_a_clinician_of_another_role_is_not_listed_as_eligible_for_a_doctor() -> None:
    # S1 needs at least 1 doctor and would like a nurse practitioner too (preferred 1, not hard).
    # The only doctor, A, is on leave. N is eligible for S1 as a nurse practitioner, which does
    # not help the doctor's minimum: the sentence lists the doctors alone.
    inst = make(
        [doc("A"), doc("N", role="nurse_practitioner")],
        [sess("S1")],
        needs=[need("S1", 1, 1, 1), need("S1", 0, 1, 1, role="nurse_practitioner")],
        rules={"cover_min": {}},
        unavailability=[{"clinician": "A", "start": "2026-12-07", "end": "2026-12-07"}],
    )
    d = diagnose(inst, time_limit=10)
    assert d.sentences == (
        "Dr A is unavailable Mon 7 Dec 00:00 to Tue 8 Dec 00:00",
        "Mon 7 Dec 09:00-13:00, Hong Kong Sanatorium & Hospital cardiology clinical (S1) needs at "
        "least 1 doctor; eligible: Dr A; of them unavailable: Dr A, Mon 7 Dec 00:00 to Tue 8 Dec "
        "00:00",
    )


def two_conflicts() -> Instance:
    """Two days, each a conflict of its own. A is the only one free on Monday, C on Tuesday; each
    day has a clinic at HSK from 09:00 to 13:00 and one at QMH from 13:00 (25 minutes away), so
    neither can work both of their day's clinics. Every session has 2 eligible and 1 available:
    the cheap checks see nothing."""
    return make(
        [doc("A"), doc("C")],
        [
            sess("S1"),
            sess("S2", start="13:00", end="17:00", site="QMH"),
            sess("S3", day=1),
            sess("S4", day=1, start="13:00", end="17:00", site="QMH"),
        ],
        rules={"cover_min": {}},
        unavailability=[
            {"clinician": "C", "start": "2026-12-07", "end": "2026-12-07"},
            {"clinician": "A", "start": "2026-12-08", "end": "2026-12-08"},
        ],
    )


def test_two_disjoint_conflicts_are_both_found_and_counted() -> None:
    inst = two_conflicts()
    d = diagnose(inst, time_limit=10)
    assert d.cheap == ()
    ex = d.explanation
    assert ex.complete and len(ex.conflicts) == 2
    # Monday's conflict: C away, both clinics, A's two clinics; and Tuesday's, with A and C
    # swapped (in the order CP-SAT finds them). Each alone is minimal.
    found = sorted([(g.kind, g.clinician, g.session, g.sessions) for g in c] for c in ex.conflicts)
    assert found == [
        [("availability", 0, -1, ()), ("cover_min", -1, 2, ()), ("cover_min", -1, 3, ())]
        + [("no_overlap", 1, -1, (2, 3))],
        [("availability", 1, -1, ()), ("cover_min", -1, 0, ()), ("cover_min", -1, 1, ())]
        + [("no_overlap", 0, -1, (0, 1))],
    ]
    for conflict in ex.conflicts:
        assert_minimal(inst, conflict)
    lines = conflict_lines(d)
    assert lines[0] == (
        "There are 2 separate conflicts: each needs a fix of its own, so fixing one is not enough."
    )
    assert lines[1] == (
        "Conflict 1 of 2: these 4 requirements cannot all hold; drop any one of them and the "
        "rest can:"
    )
    assert lines[6] == (
        "Conflict 2 of 2: these 4 requirements cannot all hold; drop any one of them and the "
        "rest can:"
    )
    assert len(lines) == 11


def test_the_search_for_conflicts_stops_at_its_limit_and_says_more_may_remain() -> None:
    ex = explain(build_problem(two_conflicts()), 10, limit=1)
    assert len(ex.conflicts) == 1 and not ex.complete


def test_solve_names_the_same_conflicts_as_explain(tmp_path: Path) -> None:
    folder = tmp_path / "two"
    write_tables(folder, two_conflicts())
    solved = CliRunner().invoke(main, ["solve", str(folder), "--out", str(tmp_path / "out")])
    explained = CliRunner().invoke(main, ["explain", str(folder)])
    assert solved.exit_code == explained.exit_code == 3
    assert not (tmp_path / "out").exists()
    found = conflict_lines(diagnose(two_conflicts(), 10))
    assert "\n".join(found) in solved.output
    assert explained.output.startswith("\n".join(found))


def test_a_session_no_one_is_eligible_for_says_which_requirement_no_one_meets() -> None:
    # S1 at EMC needs a doctor; neither doctor holds privileges at EMC.
    inst = make(
        [doc("A", privileges="HSK"), doc("B", privileges="HSK;QMH")],
        [sess("S1", site="EMC")],
        rules={"cover_min": {}},
    )
    d = diagnose(inst, time_limit=10)
    words = "Mon 7 Dec 09:00-13:00, HKSH Eastern Medical Centre cardiology clinical (S1)"
    assert d.cheap == (
        f"{words} needs 1 doctor, but no one is eligible: none of the 2 doctors has privileges "
        "at EMC",
    )
    assert d.sentences == (
        f"no one is eligible for {words}, which needs a doctor (none of the 2 doctors has "
        "privileges at EMC)",
    )
    assert conflict_lines(d)[0] == "This requirement cannot hold, whatever else is dropped:"


@pytest.mark.parametrize(
    ("clinicians", "session", "expected"),
    [
        # no doctor of the specialty
        (
            [doc("A", specialties="oncology")],
            sess("S"),
            "none of the 1 doctor has the specialty cardiology",
        ),
        # no doctor of the specialty, nor with privileges at the site
        (
            [doc("A", specialties="oncology", privileges="HSK")],
            sess("S", site="QMH"),
            "none of the 1 doctor has the specialty cardiology or privileges at QMH",
        ),
        # a teaching session and no teacher
        (
            [doc("A", teacher=False)],
            sess("S", activity="teaching"),
            "none of the 1 doctor has the teacher flag",
        ),
        # each requirement is met, but not by one doctor
        (
            [doc("A", specialties="oncology"), doc("B", privileges="EMC")],
            sess("S"),
            "no doctor has all of the specialty cardiology, privileges at HSK at once (the "
            "specialty cardiology: Dr B; privileges at HSK: Dr A)",
        ),
    ],
)
def test_why_no_one_is_eligible(
    clinicians: list[dict[str, object]], session: dict[str, object], expected: str
) -> None:
    # a nurse practitioner of every specialty, everywhere, and a teacher: not a doctor
    nurse = doc("N", role="nurse_practitioner", specialties="cardiology;oncology")
    sessions = [session, sess("T", specialty="oncology")]
    needs = [need("S"), need("T", role="nurse_practitioner")]
    inst = make([*clinicians, nurse], sessions, needs=needs, rules={})
    assert why_nobody(inst, inst.session_by_id["S"], "doctor") == expected


def test_rest_after_an_evening_names_both_sessions() -> None:
    # A alone covers Monday's evening clinic (18:00-21:00) and Tuesday's 07:00 clinic: 10 hours
    # apart, where 11 are needed.
    inst = make(
        [doc("A")],
        [sess("E", start="18:00", end="21:00"), sess("M", day=1, start="07:00", end="11:00")],
        rules={"cover_min": {}, "rest_after_evening": {}},
    )
    d = diagnose(inst, time_limit=10)
    assert d.sentences[-1] == (
        "Dr A needs 11 h 00 min of rest after the evening session Mon 7 Dec 18:00-21:00, Hong "
        "Kong Sanatorium & Hospital cardiology clinical (E), so cannot also work Tue 8 Dec "
        "07:00-11:00, Hong Kong Sanatorium & Hospital cardiology clinical (M)"
    )


HSK = "Hong Kong Sanatorium & Hospital cardiology"


@pytest.mark.parametrize(
    ("inst", "sentence"),
    [
        # 12 students, 6 per teacher: 2 teachers, and B is no teacher (not eligible)
        (
            lambda: make(
                [doc("A"), doc("B", teacher=False)],
                [sess("T", activity="teaching", students=12, students_per_teacher=6)],
                needs=[need("T", 0, 2, 2)],
                rules={"teaching_ratio": {}},
            ),
            f"Mon 7 Dec 09:00-13:00, {HSK} teaching (T) teaches 12 students, at most 6 per "
            "teacher, so needs 2 teachers; eligible: Dr A",
        ),
        # the only doctor may work no weekend, and Saturday's clinic needs one
        (
            lambda: make(
                [doc("A", max_weekends=0)],
                [sess("W", day=5)],
                rules={"cover_min": {}, "max_weekends": {}},
            ),
            "Dr A works no weekend over the horizon (a weekend with any session counts)",
        ),
        # 600 minutes at least, and one clinic of 240 minutes in the week
        (
            lambda: make([doc("A", min_minutes=600)], [sess("S")], rules={"total_minutes": {}}),
            "Dr A works at least 600 minutes over the horizon",
        ),
        # three days in a row to cover, at most two
        (
            lambda: make(
                [doc("A", max_consecutive_days=2)],
                [sess(f"S{i}", day=i) for i in range(3)],
                rules={"cover_min": {}, "max_consecutive_days": {}},
            ),
            "Dr A works at most 2 days in a row",
        ),
        # Tuesday and Thursday to cover: one day off between, where two are needed
        (
            lambda: make(
                [doc("A", min_consecutive_days_off=2)],
                [sess("S1", day=1), sess("S3", day=3)],
                rules={"cover_min": {}, "min_days_off": {"outside": "worked"}},
            ),
            "Dr A takes at least 2 days off in a row",
        ),
        # an evening clinic, then a morning one the next day
        (
            lambda: make(
                [doc("A")],
                [sess("E", start="18:00", end="21:00"), sess("M", day=1)],
                rules={
                    "cover_min": {},
                    "forbidden_successions": {
                        "pairs": [{"first": {"period": "evening"}, "then": {"period": "am"}}]
                    },
                },
            ),
            "Dr A may not work an am session the day after an evening session in the week of "
            "Mon 7 Dec",
        ),
        # two clinics on Monday, one a day at most
        (
            lambda: make(
                [doc("A")],
                [sess("S1"), sess("S2", start="14:00", end="17:00")],
                rules={"cover_min": {}, "max_per_day": {"default": 1}},
            ),
            "Dr A works at most 1 session a day in the week of Mon 7 Dec",
        ),
    ],
    ids=[
        "teaching_ratio",
        "max_weekends",
        "total_minutes",
        "max_consecutive_days",
        "min_days_off",
        "forbidden_successions",
        "max_per_day",
    ],
)
def test_each_rule_words_its_requirement(inst: Callable[[], Instance], sentence: str) -> None:
    d = diagnose(inst(), time_limit=10)
    assert d.explanation.status == "INFEASIBLE"
    assert sentence in d.sentences
