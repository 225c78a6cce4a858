"""Credentials with dates: eligibility session by session, the checker's words, the warnings of
`roster validate`, and bad rows, on tiny instances worked out by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from factory import doc, make, need, sess
from worked_example import add_row, messages, write_instance

from roster.app.compile import build_problem
from roster.cli import main
from roster.domain.check import check_roster
from roster.domain.credentials import credential_warnings
from roster.domain.tables import Instance
from solver.engine.params import SolveParams
from solver.engine.solve import solve

WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI"]


def lapsing_week(**rules: Any) -> Instance:
    """Five morning clinics at HSK, Mon to Fri, each wanting one doctor (10 per missing one).

    A's HSK privileges are dated: valid 2026-01-01 to 2026-12-09 (Wednesday, to its end). B has
    no privileges at HSK at all but holds them, dated, from Thursday 2026-12-10 (a credential
    row for a site not in the privileges column grants it within the window).
    """
    sessions = [sess(d, day=i) for i, d in enumerate(WEEKDAYS)]
    return make(
        [doc("A", privileges="HSK;EMC"), doc("B", privileges="EMC")],
        sessions,
        needs=[need(d, 0, 1, 1) for d in WEEKDAYS],
        rules={"cover_max": {}, "cover_preferred": {"weight": 10}, **rules},
        credentials=[
            {
                "clinician": "A",
                "credential": "HSK",
                "valid_from": "2026-01-01",
                "valid_to": "2026-12-09",
                "note": "admitting privileges",
            },
            {"clinician": "B", "credential": "HSK", "valid_from": "2026-12-10"},
        ],
    )


def eligible(inst: Instance) -> list[tuple[str, str]]:
    p = build_problem(inst)
    return sorted((p.clinicians[c].id, p.sessions[s].id) for c, s in p.eligible)


def test_a_privilege_lapsing_mid_week_allows_no_assignment_after_it() -> None:
    inst = lapsing_week()
    # A may take Mon to Wed (the window ends at the end of Wednesday), B Thu and Fri only
    assert eligible(inst) == [
        ("A", "MON"),
        ("A", "TUE"),
        ("A", "WED"),
        ("B", "FRI"),
        ("B", "THU"),
    ]
    # so every clinic gets its doctor: objective 0, A before the lapse, B after it
    result = solve(build_problem(inst), SolveParams(time_limit=10, workers=1))
    assert result.objective == 0
    assert result.assignments == (
        ("A", "MON"),
        ("A", "TUE"),
        ("A", "WED"),
        ("B", "FRI"),
        ("B", "THU"),
    )


def test_the_checker_names_an_assignment_outside_a_window() -> None:
    inst = lapsing_week()
    report = check_roster(inst, [("A", "THU"), ("B", "WED")])
    assert report.hard_violations == (
        "Dr A (A) is assigned to THU (HSK 2026-12-10 09:00-13:00) but is not eligible: "
        "A's privileges at HSK are valid 2026-01-01 to 2026-12-09",
        "Dr B (B) is assigned to WED (HSK 2026-12-09 09:00-13:00) but is not eligible: "
        "B's privileges at HSK are valid from 2026-12-10",
    )


def test_validate_warns_of_the_lapse_inside_the_horizon() -> None:
    assert credential_warnings(lapsing_week()) == [
        "Dr A (A) loses eligibility for 2 sessions inside the horizon: A's privileges at HSK "
        "are valid 2026-01-01 to 2026-12-09 (THU, FRI)",
        "Dr B (B) loses eligibility for 3 sessions inside the horizon: B's privileges at HSK "
        "are valid from 2026-12-10 (MON, TUE, WED)",
    ]


def test_a_window_must_hold_the_whole_session() -> None:
    # the practising certificate ends at 12:00 on Wednesday, inside the 09:00-13:00 clinic
    inst = make(
        [doc("A")],
        [sess("TUE", day=1), sess("WED", day=2)],
        credentials=[
            {
                "clinician": "A",
                "credential": "practising_certificate",
                "valid_to": "2026-12-09 12:00",
            }
        ],
    )
    assert eligible(inst) == [("A", "TUE")]
    assert check_roster(inst, [("A", "WED")]).hard_violations == (
        "Dr A (A) is assigned to WED (HSK 2026-12-09 09:00-13:00) but is not eligible: "
        "A's practising certificate is valid to 2026-12-09 12:00",
    )


def test_an_appointment_bounds_every_session_at_every_site() -> None:
    # B's HKU appointment starts on Wednesday: nothing before it, at HSK or at EMC
    inst = make(
        [doc("B")],
        [sess("MON"), sess("TUE", day=1, site="EMC"), sess("WED", day=2, site="EMC")],
        credentials=[
            {"clinician": "B", "credential": "hku_appointment", "valid_from": "2026-12-09"}
        ],
    )
    assert eligible(inst) == [("B", "WED")]


def test_a_renewal_is_no_lapse_and_a_registration_holds_a_specialty() -> None:
    # A's oncology registration: two windows that adjoin (a renewal), so oncology sessions are
    # open all week; A's specialties column lists only cardiology
    inst = make(
        [doc("A")],
        [sess("MON", specialty="oncology"), sess("FRI", day=4, specialty="oncology")],
        credentials=[
            {"clinician": "A", "credential": "oncology", "valid_to": "2026-12-08"},
            {"clinician": "A", "credential": "oncology", "valid_from": "2026-12-09"},
        ],
    )
    assert eligible(inst) == [("A", "FRI"), ("A", "MON")]
    assert credential_warnings(inst) == []


def test_validate_warns_of_credentials_lapsing_soon_after_the_horizon() -> None:
    # The horizon ends on Sunday 2026-12-13. A's HSK privileges end on 2026-12-31: 18 days
    # after the horizon (2026-12-14 to 2026-12-31 inclusive), within 30. B's certificate ends
    # on 2027-01-31, 49 days after: warned only with warn_days 49 or more.
    credentials = [
        {"clinician": "A", "credential": "HSK", "valid_to": "2026-12-31"},
        {"clinician": "B", "credential": "practising_certificate", "valid_to": "2027-01-31"},
    ]
    inst = make([doc("A"), doc("B")], [sess("MON")], credentials=credentials)
    assert credential_warnings(inst) == [
        "Dr A (A): privileges at HSK lapse after 2026-12-31, 18 days after the horizon ends"
    ]
    later = make(
        [doc("A"), doc("B")],
        [sess("MON")],
        credentials=credentials,
        rules={"eligibility": {"warn_days": 49}},
    )
    assert credential_warnings(later)[1] == (
        "Dr B (B): practising certificate lapses after 2027-01-31, 49 days after the horizon ends"
    )


def test_validate_prints_the_warnings_and_exits_0(tmp_path: Path) -> None:
    path = write_instance(
        tmp_path / "week",
        add_row("credentials", clinician="LEE", credential="HSK", valid_to="2026-12-08"),
        add_row(
            "credentials",
            clinician="WONG",
            credential="practising_certificate",
            valid_to="2026-12-31",
        ),
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == [
        "warning: Dr Lee Ka Yan (LEE) loses eligibility for 1 session inside the horizon: "
        "LEE's privileges at HSK are valid to 2026-12-08 (WED-AM-HSK)",
        "warning: Wong Siu Ming (WONG): practising certificate lapses after 2026-12-31, "
        "18 days after the horizon ends",
    ]
    assert lines[2].startswith(f"{path}: valid (3 clinicians")


def test_bad_credential_rows_are_all_reported(tmp_path: Path) -> None:
    path = write_instance(
        tmp_path / "week",
        add_row("credentials", clinician="NOBODY", credential="HSK"),
        add_row("credentials", clinician="LEE", credential="hsk"),
        add_row(
            "credentials",
            clinician="LEE",
            credential="HSK",
            valid_from="2026-12-09",
            valid_to="2026-12-01",
        ),
    )
    assert messages(path) == [
        "credentials.csv, row 5, column 'valid_to': valid_to 2026-12-01 is not after "
        "valid_from 2026-12-09 00:00 (value: '2026-12-01')",
        "credentials.csv, row 3, column 'clinician': unknown clinician (known: CHAN, LEE, WONG) "
        "(value: 'NOBODY')",
        "credentials.csv, row 4, column 'credential': unknown credential: give a site id, a "
        "specialty or one of practising_certificate, hku_appointment, cuhk_appointment, "
        "ha_appointment, hksh_appointment, dual_track_post (value: 'hsk')",
    ]
