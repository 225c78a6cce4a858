"""The independent checker on tiny hand-built rosters: exact violation counts and penalties.

Each test builds an instance from the pydantic models directly and works out the expected
numbers by hand, with the arithmetic in a comment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import pytest

from roster.domain.check import CHECKERS, CheckReport, RosterView, RuleResult, check_roster
from roster.domain.rules import (
    RULE_KINDS,
    AllocationBoundsParams,
    AllocationTargetParams,
    Calendar,
    ContinuityParams,
    CoverMaxParams,
    CoverMinParams,
    CoverPreferredParams,
    EligibilityParams,
    FairnessParams,
    Horizon,
    MaxPerDayParams,
    MaxPerWeekParams,
    NoOverlapParams,
    RequestsParams,
    RestAfterEveningParams,
    Rules,
    RuleSet,
    SiteChangesParams,
    TeachingRatioParams,
)
from roster.domain.tables import (
    Allocation,
    Clinician,
    Instance,
    Need,
    Request,
    Session,
    Site,
    Travel,
    Unavailability,
)

MONDAY = dt.date(2026, 12, 7)
CHRISTMAS_MONDAY = dt.date(2026, 12, 21)  # the week of Friday 2026-12-25, Christmas Day
SITES = (
    Site(id="HSK", name="Hong Kong Sanatorium & Hospital", kind="private_hospital"),
    Site(id="QMH", name="Queen Mary Hospital", kind="public_hospital"),
    Site(id="EMC", name="HKSH Eastern Medical Centre", kind="medical_centre"),
)
Roster = Sequence[tuple[str, str]]


# --- builders --------------------------------------------------------------------------------


def doctor(cid: str, **fields: Any) -> Clinician:
    """A cardiology doctor and teacher with privileges at every site, unless told otherwise."""
    base: dict[str, Any] = {
        "id": cid,
        "name": f"Dr {cid}",
        "role": "doctor",
        "institution": "HKU",
        "appointment": "affiliation_secondee",
        "specialties": ("cardiology",),
        "privileges": ("HSK", "QMH", "EMC"),
        "teacher": True,
    }
    return Clinician(**(base | fields))


def session(
    sid: str,
    day: int = 0,
    start: str = "09:00",
    end: str = "13:00",
    *,
    monday: dt.date = MONDAY,
    **fields: Any,
) -> Session:
    """A cardiology clinic at HSK on monday + day."""
    base: dict[str, Any] = {
        "id": sid,
        "site": "HSK",
        "date": monday + dt.timedelta(days=day),
        "start": dt.time.fromisoformat(start),
        "end": dt.time.fromisoformat(end),
        "activity": "clinical",
        "specialty": "cardiology",
    }
    return Session(**(base | fields))


def need(
    sid: str, low: int = 0, pref: int | None = None, most: int | None = None, role: str = "doctor"
) -> Need:
    return Need(session=sid, role=role, min=low, preferred=pref, max=most)


def build(
    clinicians: Iterable[Clinician],
    sessions: Iterable[Session],
    *,
    needs: Iterable[Need] | None = None,
    rules: Rules | None = None,
    monday: dt.date = MONDAY,
    weeks: int = 1,
    calendar: Calendar | None = None,
    **tables: Iterable[Any],
) -> Instance:
    """An instance; needs default to one doctor row (min 0) per session, rules to the always-on."""
    sessions = tuple(sessions)
    horizon = Horizon(start=monday, end=monday + dt.timedelta(days=7 * weeks - 1))
    return Instance(
        sites=SITES,
        clinicians=tuple(clinicians),
        sessions=sessions,
        needs=tuple(needs) if needs is not None else tuple(need(s.id) for s in sessions),
        rules=RuleSet(horizon=horizon, calendar=calendar or Calendar(), rules=rules or Rules()),
        **{name: tuple(rows) for name, rows in tables.items()},
    )


def run(instance: Instance, kind: str, roster: Roster) -> RuleResult:
    """One rule's checker alone, with the instance's parameters for it."""
    params = instance.rules.rules.active()[kind]
    return CHECKERS[kind](instance, RosterView(instance, roster), params)


# --- registry and report ---------------------------------------------------------------------


def test_checkers_are_registered_under_every_rule_kind_in_order() -> None:
    assert tuple(CHECKERS) == RULE_KINDS
    assert all(f.__name__ == f"check_{kind}" for kind, f in CHECKERS.items())


def test_report_has_one_entry_per_active_soft_rule_in_schema_order() -> None:
    rules = Rules(
        cover_min=CoverMinParams(hard=True),
        teaching_ratio=TeachingRatioParams(hard=False, weight=50),
        cover_preferred=CoverPreferredParams(weight=20),
        continuity=ContinuityParams(weight=2),
    )
    inst = build([doctor("C1")], [session("S1")], needs=[need("S1", 1, 2)], rules=rules)
    report = check_roster(inst, [("C1", "S1")])
    # hard rules (always-on and cover_min) get no entry; S1 is 1 short of preferred 2: 20 * 1 = 20
    assert report.hard_violations == ()
    assert list(report.objective_by_rule) == ["teaching_ratio", "cover_preferred", "continuity"]
    assert report.objective_by_rule == {"teaching_ratio": 0, "cover_preferred": 20, "continuity": 0}
    assert report.objective == 20
    assert report.to_json() == {
        "hard_violations": [],
        "objective": 20,
        "objective_by_rule": {"teaching_ratio": 0, "cover_preferred": 20, "continuity": 0},
    }


def test_report_sums_its_rules() -> None:
    report = CheckReport(hard_violations=("x",), objective_by_rule={"a": 3, "b": 4})
    assert report.objective == 7
    assert report.to_json()["hard_violations"] == ["x"]


def test_only_always_on_rules_give_an_empty_objective() -> None:
    inst = build([doctor("C1")], [session("S1")])
    report = check_roster(inst, [])
    assert report == CheckReport(hard_violations=(), objective_by_rule={})


def test_unknown_ids_are_refused() -> None:
    inst = build([doctor("C1")], [session("S1")])
    with pytest.raises(ValueError, match="unknown session id 'S9'"):
        check_roster(inst, [("C1", "S9")])


# --- duplicates ------------------------------------------------------------------------------


def test_a_pair_listed_twice_is_one_violation_and_counts_once() -> None:
    rules = Rules(
        cover_max=CoverMaxParams(hard=True),
        max_per_day=MaxPerDayParams(hard=True, default=1),
        cover_preferred=CoverPreferredParams(weight=20),
    )
    inst = build(
        [doctor("C1", name="Dr Amy Chan")],
        [session("S1")],
        needs=[need("S1", 1, 2, 2)],
        rules=rules,
    )
    report = check_roster(inst, [("C1", "S1"), ("C1", "S1")])
    # counted once: n = 1 <= max 2, 1 session <= limit 1, no overlap with itself;
    # preferred 2 - n 1 = 1 unit * 20 = 20 (twice would have given 0)
    assert report.hard_violations == (
        "Dr Amy Chan (C1) is assigned twice to S1 (HSK 2026-12-07 09:00-13:00)",
    )
    assert report.objective == 20


def test_a_pair_listed_three_times_is_still_one_violation() -> None:
    inst = build([doctor("C1")], [session("S1")])
    report = check_roster(inst, [("C1", "S1")] * 3)
    assert report.hard_violations == (
        "Dr C1 (C1) is assigned 3 times to S1 (HSK 2026-12-07 09:00-13:00)",
    )


# --- eligibility -----------------------------------------------------------------------------

NURSE = Clinician(
    id="N1",
    name="Ms Nora Ho",
    role="nurse_practitioner",
    institution="HKSH",
    appointment="other",
    specialties=("cardiology",),
    privileges=("HSK",),
)


@pytest.mark.parametrize(
    ("who", "what", "teacher_rule", "count", "phrase"),
    [
        # a nurse practitioner on a session that needs only doctors
        (NURSE, session("S1"), True, 1, "S1 has no need for role nurse_practitioner"),
        # the session needs cardiology; this doctor does only oncology
        (
            doctor("C2", specialties=("oncology",)),
            session("S1"),
            True,
            1,
            "needs specialty cardiology, which C2 does not have (oncology)",
        ),
        # a blank specialty takes anyone
        (doctor("C2", specialties=("oncology",)), session("S1", specialty=None), True, 0, ""),
        # no privileges at HSK
        (doctor("C2", privileges=("QMH",)), session("S1"), True, 1, "C2 has no privileges at HSK"),
        # teaching without being a teacher
        (
            doctor("C2", teacher=False),
            session("S1", activity="teaching"),
            True,
            1,
            "S1 is a teaching session and C2 is not a teacher",
        ),
        # ... allowed when the rule does not ask for teachers
        (doctor("C2", teacher=False), session("S1", activity="teaching"), False, 0, ""),
        # three reasons at once are still one violation for the one assignment
        (
            doctor("C2", specialties=("oncology",), privileges=("QMH",), teacher=False),
            session("S1", activity="teaching"),
            True,
            1,
            "is not eligible: S1 needs specialty",
        ),
    ],
)
def test_eligibility(
    who: Clinician, what: Session, teacher_rule: bool, count: int, phrase: str
) -> None:
    rules = Rules(eligibility=EligibilityParams(teaching_needs_teacher=teacher_rule))
    inst = build(
        [doctor("C1"), NURSE, who] if who.id != "N1" else [doctor("C1"), NURSE], [what], rules=rules
    )
    violations, penalty = run(inst, "eligibility", [(who.id, "S1")])
    assert (len(violations), penalty) == (count, 0)
    assert all(phrase in v for v in violations)


def test_eligibility_sentence_names_clinician_and_session() -> None:
    inst = build([doctor("C1"), NURSE], [session("S1")])
    report = check_roster(inst, [("N1", "S1"), ("C1", "S1")])
    assert report.hard_violations == (
        "Ms Nora Ho (N1) is assigned to S1 (HSK 2026-12-07 09:00-13:00) but is not eligible: "
        "S1 has no need for role nurse_practitioner (it needs doctor)",
    )


# --- availability ----------------------------------------------------------------------------


def test_availability_sentence() -> None:
    leave = Unavailability(
        clinician="C1", start="2026-12-07", end="2026-12-07", reason="annual leave"
    )
    inst = build(
        [doctor("C1", name="Dr Amy Chan")],
        [session("S1"), session("S2", day=1)],
        unavailability=[leave],
    )
    report = check_roster(inst, [("C1", "S1"), ("C1", "S2")])
    # the leave is 2026-12-07 00:00 to 2026-12-08 00:00: S1 (Monday) clashes, S2 (Tuesday) does not
    assert report.hard_violations == (
        "Dr Amy Chan (C1) is assigned to S1 (HSK 2026-12-07 09:00-13:00) but is unavailable "
        "2026-12-07 00:00 to 2026-12-08 00:00 (annual leave)",
    )


@pytest.mark.parametrize(
    ("start", "end", "count"),
    [
        ("2026-12-07T06:00", "2026-12-07T09:00", 0),  # ends as S1 starts
        ("2026-12-07T13:00", "2026-12-07T18:00", 0),  # starts as S1 ends
        ("2026-12-07T12:59", "2026-12-07T18:00", 1),  # one minute inside
        ("2026-12-07T10:00", "2026-12-07T11:00", 1),  # inside S1
        ("2026-12-01T00:00", "2026-12-31T00:00", 1),  # around S1
    ],
)
def test_availability_overlap_is_strict(start: str, end: str, count: int) -> None:
    leave = Unavailability(
        clinician="C1", start=dt.datetime.fromisoformat(start), end=dt.datetime.fromisoformat(end)
    )
    inst = build([doctor("C1")], [session("S1")], unavailability=[leave])
    violations, _ = run(inst, "availability", [("C1", "S1")])
    assert len(violations) == count


# --- no_overlap ------------------------------------------------------------------------------


def test_no_overlap_counts_each_pair() -> None:
    inst = build(
        [doctor("C1")], [session("S1"), session("S2"), session("S3", start="12:00", end="14:00")]
    )
    violations, penalty = run(inst, "no_overlap", [("C1", "S1"), ("C1", "S2"), ("C1", "S3")])
    # three sessions that all overlap each other: pairs (S1,S2), (S1,S3), (S2,S3) = 3
    assert (len(violations), penalty) == (3, 0)
    assert violations[0] == (
        "Dr C1 (C1) is assigned to S1 (HSK 2026-12-07 09:00-13:00) and "
        "S2 (HSK 2026-12-07 09:00-13:00), which overlap in time"
    )


@pytest.mark.parametrize(("gap", "count"), [(0, 0), (30, 1)])
def test_no_overlap_min_gap_at_the_same_site(gap: int, count: int) -> None:
    rules = Rules(no_overlap=NoOverlapParams(min_gap_minutes=gap))
    inst = build(
        [doctor("C1")], [session("S1"), session("S2", start="13:00", end="17:00")], rules=rules
    )
    violations, _ = run(inst, "no_overlap", [("C1", "S1"), ("C1", "S2")])
    # S1 ends 13:00, S2 starts 13:00: 0 minutes between them
    assert len(violations) == count
    assert all(
        "leave 0 minutes between them, but at least 30 minutes between sessions at HSK" in v
        for v in violations
    )


@pytest.mark.parametrize(
    ("travel", "use_travel", "count"),
    [
        # HSK 09:00-12:00 then QMH 12:15: 15 minutes, 25 of travel needed
        ([Travel(from_site="HSK", to_site="QMH", minutes=25)], True, 1),
        # the same minutes given only the other way: travel is symmetric then
        ([Travel(from_site="QMH", to_site="HSK", minutes=25)], True, 1),
        # both directions given: HSK -> QMH takes 10, so 15 minutes suffice
        (
            [
                Travel(from_site="HSK", to_site="QMH", minutes=10),
                Travel(from_site="QMH", to_site="HSK", minutes=40),
            ],
            True,
            0,
        ),
        # travel switched off: they fit
        ([Travel(from_site="HSK", to_site="QMH", minutes=25)], False, 0),
        # no travel row: they fit
        ([], True, 0),
    ],
)
def test_no_overlap_counts_travel(travel: list[Travel], use_travel: bool, count: int) -> None:
    rules = Rules(no_overlap=NoOverlapParams(travel=use_travel, min_gap_minutes=10))
    inst = build(
        [doctor("C1")],
        [session("S1", end="12:00"), session("S2", start="12:15", end="16:00", site="QMH")],
        rules=rules,
        travel=travel,
    )
    violations, _ = run(inst, "no_overlap", [("C1", "S2"), ("C1", "S1")])
    # min_gap_minutes (10) is below the 15 minutes left, so only travel can break the pair
    assert len(violations) == count
    assert all(
        "leave 15 minutes between them, but 25 minutes to get from HSK to QMH" in v
        for v in violations
    )


# --- cover -----------------------------------------------------------------------------------


def test_cover_min_hard() -> None:
    rules = Rules(cover_min=CoverMinParams(hard=True))
    inst = build(
        [doctor("C1"), doctor("C2"), NURSE],
        [session("S1"), session("S2", day=1)],
        needs=[need("S1", 2), need("S1", 1, role="nurse_practitioner"), need("S2", 1)],
        rules=rules,
    )
    violations, penalty = run(inst, "cover_min", [("C1", "S1"), ("C2", "S2")])
    # S1: 1 doctor of 2, 0 nurse practitioners of 1; S2: 1 of 1
    assert penalty == 0
    assert violations == [
        "S1 (HSK 2026-12-07 09:00-13:00) has 1 doctor, below its minimum of 2",
        "S1 (HSK 2026-12-07 09:00-13:00) has 0 nurse practitioners, below its minimum of 1",
    ]


def test_cover_min_soft_times_priority_and_by_role() -> None:
    rules = Rules(cover_min=CoverMinParams(hard=False, weight=10))
    inst = build(
        [doctor("C1"), NURSE],
        [session("S1", priority=3), session("S2", day=1)],
        needs=[need("S1", 2), need("S1", 0, role="nurse_practitioner"), need("S2", 1)],
        rules=rules,
    )
    # the nurse on S1 does not count for S1's doctor row:
    # S1 doctors (2 - 0) * priority 3 = 6; S2 (1 - 0) * 1 = 1; 10 * (6 + 1) = 70
    assert run(inst, "cover_min", [("N1", "S1")]) == ([], 70)


@pytest.mark.parametrize(("hard", "count", "penalty"), [(True, 3, 0), (False, 0, 35)])
def test_cover_max(hard: bool, count: int, penalty: int) -> None:
    inst = build(
        [doctor(f"C{i}") for i in range(1, 4)],
        [session(f"S{d + 1}", day=d, priority=5 if d == 0 else 1) for d in range(4)],
        needs=[need("S1", 0, 0, 1), need("S2", 0, 2), need("S3", 1), need("S4", 0, 1, 3)],
        rules=Rules(cover_max=CoverMaxParams(hard=hard, weight=7)),
    )
    everyone = [(f"C{i}", f"S{d}") for i in range(1, 4) for d in range(1, 5)]
    violations, got = run(inst, "cover_max", everyone)
    # 3 on each: S1 max 1 -> 2 over; S2 max blank = preferred 2 -> 1; S3 both blank = min 1 -> 2;
    # S4 preferred 1 but max 3 -> 0. Hard: 3 items; soft, no priority: 7 * (2 + 1 + 2) = 35
    assert (len(violations), got) == (count, penalty)
    if hard:
        assert violations == [
            "S1 (HSK 2026-12-07 09:00-13:00) has 3 doctors, above its maximum of 1",
            "S2 (HSK 2026-12-08 09:00-13:00) has 3 doctors, above its maximum of 2",
            "S3 (HSK 2026-12-09 09:00-13:00) has 3 doctors, above its maximum of 1",
        ]


def test_cover_preferred() -> None:
    inst = build(
        [doctor("C1")],
        [session("S1", priority=2), session("S2", day=1)],
        needs=[need("S1", 1, 3), need("S2", 1)],
        rules=Rules(cover_preferred=CoverPreferredParams(weight=20)),
    )
    # S1: (3 - 1) * priority 2 = 4; S2: preferred blank = min 1, (1 - 0) * 1 = 1; 20 * 5 = 100
    assert run(inst, "cover_preferred", [("C1", "S1")]) == ([], 100)


@pytest.mark.parametrize(("hard", "count", "penalty"), [(True, 2, 0), (False, 0, 150)])
def test_teaching_ratio(hard: bool, count: int, penalty: int) -> None:
    rules = Rules(teaching_ratio=TeachingRatioParams(hard=hard, weight=50))
    inst = build(
        [doctor("C1"), NURSE],
        [
            session("T1", activity="teaching", students=12, students_per_teacher=5),
            session("T2", day=1, activity="teaching", students=4, students_per_teacher=5),
            session("S3", day=2),
        ],
        needs=[need("T1", role="nurse_practitioner"), need("T2"), need("S3")],
        rules=rules,
    )
    violations, got = run(inst, "teaching_ratio", [("N1", "T1")])
    # T1: ceil(12 / 5) = 3 needed, n = 1 (any role counts) -> 2 units; T2: ceil(4 / 5) = 1
    # needed, 0 -> 1; S3 has no students. Hard: 2 sessions short; soft: 50 * (2 + 1) = 150
    assert (len(violations), got) == (count, penalty)
    if hard:
        assert violations[0] == (
            "T1 (HSK 2026-12-07 09:00-13:00) has 1 clinician for 12 "
            "students, below the ceil(12 / 5) = 3 needed"
        )


# --- limits ----------------------------------------------------------------------------------


def _three_a_day() -> list[Session]:
    return [
        session("M1", start="08:00", end="10:00"),
        session("M2", start="11:00", end="13:00"),
        session("M3", start="14:00", end="16:00"),
        session("T1", day=1, start="08:00", end="10:00"),
        session("T2", day=1, start="11:00", end="13:00"),
    ]


@pytest.mark.parametrize(("hard", "count", "penalty"), [(True, 3, 0), (False, 0, 16)])
def test_max_per_day(hard: bool, count: int, penalty: int) -> None:
    rules = Rules(max_per_day=MaxPerDayParams(hard=hard, weight=4, default=2))
    inst = build([doctor("C1", max_per_day=1), doctor("C2")], _three_a_day(), rules=rules)
    roster = [(c, s) for c in ("C1", "C2") for s in ("M1", "M2", "M3", "T1", "T2")]
    violations, got = run(inst, "max_per_day", roster)
    # C1 (own limit 1): Monday 3 - 1 = 2, Tuesday 2 - 1 = 1; C2 (default 2): Monday 3 - 2 = 1
    # C2 Tuesday 2 <= 2. Hard: 3 items; soft: 4 * (2 + 1 + 1) = 16
    assert (len(violations), got) == (count, penalty)
    if hard:
        assert violations[0] == (
            "Dr C1 (C1) has 3 sessions on 2026-12-07 (M1, M2, M3), above the limit of 1"
        )


def test_max_per_day_without_any_limit() -> None:
    rules = Rules(max_per_day=MaxPerDayParams(hard=True))
    inst = build([doctor("C1"), doctor("C2", max_per_day=0)], _three_a_day(), rules=rules)
    roster = [(c, s) for c in ("C1", "C2") for s in ("M1", "M2", "M3")]
    violations, _ = run(inst, "max_per_day", roster)
    # C1: no own limit and no default -> nothing; C2: limit 0, 3 sessions on Monday -> 1 item
    assert len(violations) == 1
    assert violations[0].startswith("Dr C2 (C2) has 3 sessions on 2026-12-07")


def test_max_per_week() -> None:
    days = [session(f"D{d}", day=d) for d in range(14)]
    inst = build(
        [doctor("C1", max_per_week=2), doctor("C2")],
        days,
        weeks=2,
        rules=Rules(max_per_week=MaxPerWeekParams(hard=True, default=5)),
    )
    roster = [("C1", f"D{d}") for d in (0, 1, 2, 3, 7, 8, 9)] + [("C2", f"D{d}") for d in range(6)]
    violations, _ = run(inst, "max_per_week", roster)
    # C1: week 1 4 - 2 = 2, week 2 3 - 2 = 1; C2 (default 5): week 1 6 - 5 = 1 -> 3 items
    assert len(violations) == 3
    assert violations[1] == (
        "Dr C1 (C1) has 3 sessions in week 2 (2026-12-14 to 2026-12-20), above the limit of 2"
    )
    soft = build(
        [doctor("C1", max_per_week=2), doctor("C2")],
        days,
        weeks=2,
        rules=Rules(max_per_week=MaxPerWeekParams(hard=False, weight=5, default=5)),
    )
    # 5 * (2 + 1 + 1) = 20
    assert run(soft, "max_per_week", roster) == ([], 20)


def _evening_and_after() -> list[Session]:
    return [
        session("E", start="18:00", end="22:00"),  # Monday evening, ends 22:00
        session("L", start="22:00", end="23:00"),  # starts as E ends: also evening
        session("P", start="13:00", end="17:00"),  # before E: never counts
        session("T8", day=1, start="08:00", end="12:00"),  # 600 minutes after E
        session("T9", day=1, start="09:00", end="13:00"),
    ]  # 660 minutes after E


@pytest.mark.parametrize(
    ("picked", "count"),
    [
        (["E", "T8"], 1),  # 600 < 660
        (["E", "T9"], 0),  # 660 is enough: b.start_at < a.end_at + rest is false
        (["P", "E"], 0),  # the session before the evening one does not count
        (["E", "L"], 1),  # 0 minutes after
        # (E, L) 0, (E, T8) 600, (L, T8) 540 minutes; (E, T9) 660 and (L, T9) 600 -> 4 of 5
        (["E", "L", "T8", "T9"], 4),
    ],
)
def test_rest_after_evening(picked: list[str], count: int) -> None:
    inst = build(
        [doctor("C1")],
        _evening_and_after(),
        rules=Rules(rest_after_evening=RestAfterEveningParams(hard=True)),
    )
    violations, _ = run(inst, "rest_after_evening", [("C1", s) for s in picked])
    assert len(violations) == count


def test_rest_after_evening_sentence_and_soft_penalty() -> None:
    inst = build(
        [doctor("C1")],
        _evening_and_after(),
        rules=Rules(rest_after_evening=RestAfterEveningParams(hard=True)),
    )
    violations, _ = run(inst, "rest_after_evening", [("C1", "E"), ("C1", "T8")])
    assert violations == [
        "Dr C1 (C1) works the evening session E (HSK 2026-12-07 18:00-22:00) and then "
        "T8 (HSK 2026-12-08 08:00-12:00) 600 minutes after it ends, less than the 660 minutes "
        "of rest"
    ]
    soft = build(
        [doctor("C1")],
        _evening_and_after(),
        rules=Rules(
            rest_after_evening=RestAfterEveningParams(hard=False, weight=3, rest_minutes=600)
        ),
    )
    # with 600 minutes: (E, L) 0 and (L, T8) 540 break it, (E, T8) 600 does not: 3 * 2 = 6
    assert run(soft, "rest_after_evening", [("C1", s) for s in ("E", "L", "T8")]) == ([], 6)


# --- allocations -----------------------------------------------------------------------------


def _mixed_fortnight() -> list[Session]:
    """Monday to Thursday of two weeks; Tuesdays teach."""
    return [
        session(f"D{d}", day=d, activity="teaching" if d % 7 == 1 else "clinical")
        for d in (0, 1, 2, 3, 7, 8, 9, 10)
    ]


def test_allocation_bounds_in_sessions_per_week() -> None:
    alloc = Allocation(clinician="C1", activity="teaching", period="week", unit="sessions", min=2)
    inst = build(
        [doctor("C1")],
        _mixed_fortnight(),
        weeks=2,
        allocations=[alloc],
        rules=Rules(allocation_bounds=AllocationBoundsParams(hard=True)),
    )
    violations, _ = run(inst, "allocation_bounds", [("C1", "D1"), ("C1", "D2")])
    # week 1: 1 teaching, below 2 by 1; week 2: none, below 2 by 2 -> 2 items, 3 units
    assert violations == [
        "Dr C1 (C1) has 1 teaching session in week 1 (2026-12-07 to 2026-12-13), "
        "below the minimum of 2",
        "Dr C1 (C1) has 0 teaching sessions in week 2 (2026-12-14 to 2026-12-20), "
        "below the minimum of 2",
    ]
    soft = build(
        [doctor("C1")],
        _mixed_fortnight(),
        weeks=2,
        allocations=[alloc],
        rules=Rules(allocation_bounds=AllocationBoundsParams(hard=False, weight=9)),
    )
    # 9 * (1 + 2) = 27
    assert run(soft, "allocation_bounds", [("C1", "D1"), ("C1", "D2")]) == ([], 27)


def test_allocation_bounds_in_sessions_over_the_horizon() -> None:
    alloc = Allocation(
        clinician="C1", activity="clinical", period="horizon", unit="sessions", max=4
    )
    inst = build(
        [doctor("C1")],
        _mixed_fortnight(),
        weeks=2,
        allocations=[alloc],
        rules=Rules(allocation_bounds=AllocationBoundsParams(hard=False, weight=1)),
    )
    clinical = ["D0", "D2", "D3", "D7", "D9", "D10"]
    # 6 clinical over the horizon, max 4: 1 * (6 - 4) = 2
    assert run(inst, "allocation_bounds", [("C1", s) for s in clinical]) == ([], 2)


@pytest.mark.parametrize(
    ("fields", "picked", "units"),
    [
        # min 50%: n = 1 of N = 4: ceil(max(0, 50 * 4 - 100 * 1) / 100) = ceil(100 / 100) = 1
        ({"min": 50}, ["D1", "D0", "D2", "D3"], 1),
        # min 50%: n = 1 of N = 3: ceil((150 - 100) / 100) = ceil(0.5) = 1
        ({"min": 50}, ["D1", "D0", "D2"], 1),
        # min 50%: n = 1 of N = 2: ceil(max(0, 100 - 100) / 100) = 0
        ({"min": 50}, ["D1", "D0"], 0),
        # min 50%, no sessions at all: N = 0, nothing short
        ({"min": 50}, [], 0),
        # max 25%: n = 2 of N = 3 (two Tuesdays, horizon): ceil((200 - 75) / 100) = 2
        ({"max": 25}, ["D1", "D8", "D0"], 2),
    ],
)
def test_allocation_bounds_in_shares(fields: dict[str, int], picked: list[str], units: int) -> None:
    alloc = Allocation(
        clinician="C1", activity="teaching", period="horizon", unit="share", **fields
    )
    inst = build(
        [doctor("C1")],
        _mixed_fortnight(),
        weeks=2,
        allocations=[alloc],
        rules=Rules(allocation_bounds=AllocationBoundsParams(hard=False, weight=1)),
    )
    assert run(inst, "allocation_bounds", [("C1", s) for s in picked]) == ([], units)


def test_allocation_bounds_share_sentence() -> None:
    alloc = Allocation(clinician="C1", activity="teaching", period="horizon", unit="share", min=50)
    inst = build(
        [doctor("C1")],
        _mixed_fortnight(),
        weeks=2,
        allocations=[alloc],
        rules=Rules(allocation_bounds=AllocationBoundsParams(hard=True)),
    )
    violations, _ = run(inst, "allocation_bounds", [("C1", s) for s in ("D1", "D0", "D2", "D3")])
    assert violations == [
        "Dr C1 (C1) has 1 teaching of 4 sessions (25%) in the horizon (2026-12-07 to 2026-12-20), "
        "below the minimum share of 50% by 1 session"
    ]


def test_allocation_target_share_rounds_up() -> None:
    alloc = Allocation(clinician="C1", activity="teaching", period="week", unit="share", target=50)
    inst = build(
        [doctor("C1")],
        _mixed_fortnight(),
        weeks=2,
        allocations=[alloc],
        rules=Rules(allocation_target=AllocationTargetParams(weight=10)),
    )
    roster = [("C1", s) for s in ("D1", "D0", "D2", "D8", "D7")]
    # week 1: n = 1, N = 3: ceil(|100 - 150| / 100) = 1; week 2: n = 1, N = 2: |100 - 100| = 0
    # 10 * 1 = 10
    assert run(inst, "allocation_target", roster) == ([], 10)


def test_allocation_target_in_sessions_per_week() -> None:
    alloc = Allocation(
        clinician="C1", activity="clinical", period="week", unit="sessions", target=2
    )
    inst = build(
        [doctor("C1")],
        _mixed_fortnight(),
        weeks=2,
        allocations=[alloc],
        rules=Rules(allocation_target=AllocationTargetParams(weight=2)),
    )
    # week 1: 3 clinical, |3 - 2| = 1; week 2: 0 clinical, |0 - 2| = 2; 2 * (1 + 2) = 6
    assert run(inst, "allocation_target", [("C1", s) for s in ("D0", "D2", "D3", "D8")]) == ([], 6)


# --- people ----------------------------------------------------------------------------------


def test_requests() -> None:
    sessions = [
        session("AM", start="08:00", end="12:00"),
        session("PM", start="13:00", end="17:00"),
        session("EV", start="18:00", end="21:00"),
        session("Q", day=1, site="QMH"),
    ]
    requests = [
        # C1 wants a Monday morning: AM is assigned -> 0
        Request(clinician="C1", kind="want", weight=7, date=MONDAY, period="am"),
        # C1 wants QMH: nothing assigned there -> 4
        Request(clinician="C1", kind="want", weight=4, site="QMH"),
        # C1 avoids clinical: AM, PM and EV are clinical -> 3 * 3 = 9
        Request(clinician="C1", kind="avoid", weight=3, activity="clinical"),
        # C1 avoids evenings at HSK: EV -> 1 * 1 = 1
        Request(clinician="C1", kind="avoid", weight=1, period="evening", site="HSK"),
        # C2 wants session Q, not assigned -> 5
        Request(clinician="C2", kind="want", weight=5, session="Q"),
        # C2 avoids Monday PM; C2 works only Monday AM -> 0
        Request(clinician="C2", kind="avoid", weight=8, date=MONDAY, period="pm"),
    ]
    inst = build(
        [doctor("C1"), doctor("C2")],
        sessions,
        requests=requests,
        rules=Rules(requests=RequestsParams(weight=2)),
    )
    roster = [("C1", "AM"), ("C1", "PM"), ("C1", "EV"), ("C2", "AM")]
    # 2 * (0 + 4 + 9 + 1 + 5 + 0) = 38
    assert run(inst, "requests", roster) == ([], 38)


def _evenings() -> list[Session]:
    return [session(f"E{d}", day=d, start="18:00", end="21:00") for d in range(3)]


@pytest.mark.parametrize(
    ("leave_end", "units"),
    [
        # C3 is away all week: group C1, C2; counts 3, 1 -> 3 - 1 = 2
        ("2026-12-13", 2),
        # C3 is away Monday only, so is free for E1 and E2: group C1, C2, C3; 3 - 0 = 3
        ("2026-12-07", 3),
    ],
)
def test_fairness_group_is_eligible_and_available(leave_end: str, units: int) -> None:
    clinicians = [
        doctor("C1"),
        doctor("C2"),
        doctor("C3"),
        doctor("C4", specialties=("oncology",)),  # never eligible: not in the group
        NURSE,
    ]  # alone in her role (and never needed): no group
    inst = build(
        clinicians,
        [*_evenings(), session("X", specialty="oncology")],
        needs=[need("E0"), need("E1"), need("E2"), need("X")],
        unavailability=[Unavailability(clinician="C3", start="2026-12-07", end=leave_end)],
        rules=Rules(fairness=FairnessParams(weight=5, kinds=("evening",))),
    )
    roster = [("C1", "E0"), ("C1", "E1"), ("C1", "E2"), ("C2", "E0"), ("C4", "X")]
    assert run(inst, "fairness", roster) == ([], 5 * units)


def test_fairness_needs_eligible_and_available_for_the_same_session() -> None:
    # C5 may work only at HSK (E0, E1) and is away Monday and Tuesday; E2 is at QMH. C5 is
    # eligible for one evening and available for another, but for none both: not in the group.
    evenings = [*_evenings()[:2], session("E2", day=2, start="18:00", end="21:00", site="QMH")]
    inst = build(
        [doctor("C1"), doctor("C2"), doctor("C5", privileges=("HSK",))],
        evenings,
        unavailability=[Unavailability(clinician="C5", start="2026-12-07", end="2026-12-08")],
        rules=Rules(fairness=FairnessParams(weight=1, kinds=("evening",))),
    )
    # group C1, C2 with counts 2, 1 -> 1 (with C5 at 0 it would be 2)
    assert run(inst, "fairness", [("C1", "E0"), ("C1", "E1"), ("C2", "E2")]) == ([], 1)


@pytest.mark.parametrize(("holidays", "penalty"), [("hong_kong", 5), ("none", 0)])
def test_fairness_weekend_includes_christmas_day(
    holidays: Literal["hong_kong", "none"], penalty: int
) -> None:
    friday = session("XMAS", day=4, monday=CHRISTMAS_MONDAY)  # 2026-12-25, a Friday
    thursday = session("EVE", day=3, monday=CHRISTMAS_MONDAY)
    inst = build(
        [doctor("C1"), doctor("C2")],
        [thursday, friday],
        monday=CHRISTMAS_MONDAY,
        calendar=Calendar(public_holidays=holidays),
        rules=Rules(fairness=FairnessParams(weight=5, kinds=("weekend",))),
    )
    assert inst.is_weekend(dt.date(2026, 12, 25)) == (holidays == "hong_kong")
    # Christmas Day is a weekend day: C1 has 1, C2 has 0 -> 5 * 1 = 5;
    # without holidays there is no weekend session, so no group -> 0
    assert run(inst, "fairness", [("C1", "XMAS"), ("C2", "EVE")]) == ([], penalty)


def test_fairness_extra_holiday_and_both_kinds() -> None:
    inst = build(
        [doctor("C1"), doctor("C2")],
        [session("W", day=2), session("E", day=3, start="18:00", end="21:00")],
        calendar=Calendar(public_holidays="none", extra_holidays=(dt.date(2026, 12, 9),)),
        rules=Rules(fairness=FairnessParams(weight=3)),
    )
    # weekend (Wednesday is an extra holiday): C1 1, C2 0 -> 1; evening: C1 1, C2 0 -> 1
    # 3 * (1 + 1) = 6
    assert run(inst, "fairness", [("C1", "W"), ("C1", "E")]) == ([], 6)


def test_site_changes() -> None:
    sessions = [
        session("A", start="08:00", end="10:00"),
        session("B", start="11:00", end="13:00", site="QMH"),
        session("C", start="14:00", end="16:00", site="EMC"),
        session("D", start="17:00", end="19:00"),
        session("T", day=1),
        session("U", day=1, start="14:00", end="17:00"),
    ]
    inst = build(
        [doctor("C1"), doctor("C2")],
        sessions,
        rules=Rules(site_changes=SiteChangesParams(weight=3)),
    )
    roster = [("C1", s) for s in "ABCDTU"] + [("C2", "B"), ("C2", "U")]
    # C1 Monday: HSK, QMH, EMC (HSK again adds nothing) -> 3 - 1 = 2; Tuesday HSK only -> 0;
    # C2 Monday QMH, Tuesday HSK -> 0 + 0; 3 * 2 = 6
    assert run(inst, "site_changes", roster) == ([], 6)


def test_continuity() -> None:
    sessions = [session(f"R{d}", day=d, series="R") for d in range(3)]
    sessions += [session(f"Q{d}", day=d, start="14:00", end="17:00", series="Q") for d in range(2)]
    sessions += [session("Z0", day=4, series="Z"), session("S", day=4, start="14:00", end="17:00")]
    inst = build(
        [doctor("C1"), doctor("C2"), doctor("C3")],
        sessions,
        rules=Rules(continuity=ContinuityParams(weight=2)),
    )
    roster = [
        ("C1", "R0"),
        ("C2", "R1"),
        ("C3", "R2"),
        ("C1", "Q0"),
        ("C2", "Q0"),
        ("C1", "Q1"),
        ("C3", "S"),
    ]
    # R: 3 distinct clinicians, largest headcount 1 -> 2; Q: 2 distinct, largest 2 -> 0;
    # Z: no assignment -> nothing; S is in no series. 2 * 2 = 4
    assert run(inst, "continuity", roster) == ([], 4)


# --- everything at once ----------------------------------------------------------------------


def test_check_roster_collects_every_rule() -> None:
    rules = Rules(
        cover_min=CoverMinParams(hard=True),
        max_per_day=MaxPerDayParams(hard=False, weight=4, default=1),
        cover_preferred=CoverPreferredParams(weight=20),
        site_changes=SiteChangesParams(weight=3),
    )
    inst = build(
        [doctor("C1"), doctor("C2", privileges=("HSK",))],
        [
            session("S1", end="11:00"),
            session("S2", start="12:00", site="QMH"),
            session("S3", day=1),
        ],
        needs=[need("S1", 1, 2), need("S2", 1), need("S3", 1)],
        travel=[Travel(from_site="HSK", to_site="QMH", minutes=90)],
        rules=rules,
    )
    report = check_roster(inst, [("C1", "S1"), ("C1", "S2"), ("C2", "S2")])
    # hard: C2 has no privileges at QMH; C1 has 60 minutes from HSK to QMH, 90 needed;
    # S3 has 0 doctors of 1.
    # soft: max_per_day C1 Monday 2 - 1 = 1 -> 4; cover_preferred S1 2 - 1 = 1 -> 20,
    # S3 1 - 0 = 1 -> 20; site_changes C1 Monday 2 sites -> 3. Total 4 + 40 + 3 = 47
    assert len(report.hard_violations) == 3
    assert "no privileges at QMH" in report.hard_violations[0]
    assert "90 minutes to get from HSK to QMH" in report.hard_violations[1]
    assert "S3 (HSK 2026-12-08 09:00-13:00) has 0 doctors" in report.hard_violations[2]
    assert report.objective_by_rule == {"max_per_day": 4, "cover_preferred": 40, "site_changes": 3}
    assert report.objective == 47
