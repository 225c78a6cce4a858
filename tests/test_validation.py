"""Bad inputs, each with the exact message a scheduling office reads.

Every case starts from the worked example of ``docs/format.md`` (read from the page itself, so the
documented example is the one that is tested), written as a CSV folder in ``tmp_path``, and changes
one thing: a cell, a whole file, or a line of ``rules.yaml``. Row numbers are spreadsheet rows: the
header is row 1, so the first data row is row 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import openpyxl
import pytest
import yaml
from pydantic.fields import FieldInfo
from worked_example import (
    DOCS,
    NOT_INT,
    Edit,
    Files,
    add_row,
    cell,
    edited,
    example_files,
    messages,
    put,
    sub,
    write_instance,
)

from roster.domain.io import InputError, load_instance
from roster.domain.rules import RULE_KINDS, Rules, RuleSet
from roster.domain.tables import ROW_MODELS, TABLES

# --- the example itself is valid ------------------------------------------------------------------


def test_the_worked_example_is_valid(tmp_path: Path) -> None:
    inst = load_instance(write_instance(tmp_path / "week"))
    assert [c.id for c in inst.clinicians] == ["CHAN", "LEE", "WONG"]
    assert len(inst.sessions) == 4 and len(inst.needs) == 7
    # `cover_min:` with no parameters is on with its defaults
    assert inst.rules.rules.cover_min is not None and inst.rules.rules.cover_min.hard
    assert inst.rules.rules.max_per_week is None  # not listed: off


# --- one bad thing, one exact message -------------------------------------------------------------

ALL_RULES = ", ".join(RULE_KINDS)
CLINICIANS = "(known: CHAN, LEE, WONG)"
SITES = "(known: EMC, HKU, HSK)"
SESSIONS = "(known: MON-AM-HSK, MON-PM-EMC, TUE-AM-HKU, WED-AM-HSK)"
HORIZON = "2026-12-07 to 2026-12-13"
NOT_DATE = "Input should be a valid date or datetime"
NOT_TIME = "Input should be in a valid time format"


def case(name: str, *edits: Edit, message: str) -> Any:
    """One row of the table: the edits and the one message expected."""
    return pytest.param(list(edits), message, id=name)


CASES = [
    # --- wrong types ---
    # an integer column holding a word
    case(
        "int-word",
        cell("needs", 2, "min", "one"),
        message=f"needs.csv, row 2, column 'min': {NOT_INT} (value: 'one')",
    ),
    # a count below its lower bound
    case(
        "int-negative",
        cell("travel", 2, "minutes", "-5"),
        message="travel.csv, row 2, column 'minutes': Input should be greater than or equal to 0 "
        "(value: '-5')",
    ),
    # priority starts at 1
    case(
        "int-priority-zero",
        cell("sessions", 3, "priority", "0"),
        message="sessions.csv, row 3, column 'priority': Input should be greater than or equal "
        "to 1 (value: '0')",
    ),
    # a date written day/month/year
    case(
        "date-format",
        cell("sessions", 3, "date", "07/12/2026"),
        message=f"sessions.csv, row 3, column 'date': {NOT_DATE}, invalid character in year "
        "(value: '07/12/2026')",
    ),
    # a date that does not exist
    case(
        "date-impossible",
        cell("requests", 2, "date", "2026-02-30"),
        message=f"requests.csv, row 2, column 'date': {NOT_DATE}, day value is outside expected "
        "range (value: '2026-02-30')",
    ),
    # an hour that does not exist
    case(
        "time-hour",
        cell("sessions", 2, "start", "25:00"),
        message=f"sessions.csv, row 2, column 'start': {NOT_TIME}, hour value is outside "
        "expected range of 0-23 (value: '25:00')",
    ),
    # a time in words
    case(
        "time-word",
        cell("sessions", 2, "end", "noon"),
        message=f"sessions.csv, row 2, column 'end': {NOT_TIME}, input is too short "
        "(value: 'noon')",
    ),
    # a boolean that is neither true nor false (LEE's row is dropped; his leave is not reported)
    case(
        "bool",
        cell("clinicians", 3, "teacher", "maybe"),
        message="clinicians.csv, row 3, column 'teacher': Input should be a valid boolean, unable "
        "to interpret input (value: 'maybe')",
    ),
    # a site kind not in the list (EMC's row is dropped; the rows naming EMC are not reported)
    case(
        "enum-site-kind",
        cell("sites", 3, "kind", "clinic"),
        message="sites.csv, row 3, column 'kind': Input should be 'private_hospital', "
        "'medical_centre', 'public_hospital' or 'university' (value: 'clinic')",
    ),
    # an institution not in the list
    case(
        "enum-institution",
        cell("clinicians", 2, "institution", "HKUST"),
        message="clinicians.csv, row 2, column 'institution': Input should be 'HKU', 'CUHK', 'HA' "
        "or 'HKSH' (value: 'HKUST')",
    ),
    # a request period not in the list
    case(
        "enum-period",
        cell("requests", 2, "period", "morning"),
        message="requests.csv, row 2, column 'period': Input should be 'am', 'pm' or 'evening' "
        "(value: 'morning')",
    ),
    # a required cell left blank
    case(
        "blank-required",
        cell("needs", 4, "role", ""),
        message="needs.csv, row 4, column 'role': a value is required",
    ),
    # --- unknown ids ---
    # a session at a site that is not in sites.csv
    case(
        "unknown-site-in-sessions",
        cell("sessions", 3, "site", "QMH"),
        message=f"sessions.csv, row 3, column 'site': unknown site {SITES} (value: 'QMH')",
    ),
    # travel to a site that is not in sites.csv
    case(
        "unknown-site-in-travel",
        cell("travel", 4, "to_site", "QMH"),
        message=f"travel.csv, row 4, column 'to_site': unknown site {SITES} (value: 'QMH')",
    ),
    # privileges at a site that is not in sites.csv (the list's other item is fine)
    case(
        "unknown-privileges-site",
        cell("clinicians", 3, "privileges", "HSK;QMH"),
        message=f"clinicians.csv, row 3, column 'privileges': unknown site {SITES} (value: 'QMH')",
    ),
    # leave of a clinician who is not in clinicians.csv
    case(
        "unknown-clinician-in-unavailability",
        cell("unavailability", 2, "clinician", "HO"),
        message=f"unavailability.csv, row 2, column 'clinician': unknown clinician {CLINICIANS} "
        "(value: 'HO')",
    ),
    # a request of a clinician who is not in clinicians.csv
    case(
        "unknown-clinician-in-requests",
        cell("requests", 2, "clinician", "HO"),
        message=f"requests.csv, row 2, column 'clinician': unknown clinician {CLINICIANS} "
        "(value: 'HO')",
    ),
    # an allocation of a clinician who is not in clinicians.csv
    case(
        "unknown-clinician-in-allocations",
        cell("allocations", 2, "clinician", "HO"),
        message=f"allocations.csv, row 2, column 'clinician': unknown clinician {CLINICIANS} "
        "(value: 'HO')",
    ),
    # an allocation for an activity no session has
    case(
        "unknown-activity-in-allocations",
        cell("allocations", 2, "activity", "research"),
        message="allocations.csv, row 2, column 'activity': unknown activity (known: clinical, "
        "teaching) (value: 'research')",
    ),
    # a need of a session that is not in sessions.csv (WED-AM-HSK keeps its doctor row)
    case(
        "unknown-session-in-needs",
        cell("needs", 8, "session", "FRI-AM-HSK"),
        message=f"needs.csv, row 8, column 'session': unknown session {SESSIONS} "
        "(value: 'FRI-AM-HSK')",
    ),
    # a need for a role no clinician has
    case(
        "unknown-role-in-needs",
        cell("needs", 2, "role", "surgeon"),
        message="needs.csv, row 2, column 'role': unknown role (known: doctor, "
        "nurse_practitioner) (value: 'surgeon')",
    ),
    # a session needing a specialty no clinician has
    case(
        "unknown-specialty",
        cell("sessions", 2, "specialty", "neurology"),
        message="sessions.csv, row 2, column 'specialty': unknown specialty (known: cardiology, "
        "oncology) (value: 'neurology')",
    ),
    # a request for a session that is not in sessions.csv
    case(
        "unknown-session-in-requests",
        cell("requests", 2, "session", "SAT-AM-HSK"),
        message=f"requests.csv, row 2, column 'session': unknown session {SESSIONS} "
        "(value: 'SAT-AM-HSK')",
    ),
    # --- duplicates ---
    # two clinicians with one id
    case(
        "duplicate-clinician",
        add_row(
            "clinicians",
            id="LEE",
            name="Dr Lee Wing",
            role="doctor",
            institution="HKU",
            appointment="other",
            specialties="cardiology",
            privileges="HSK",
        ),
        message="clinicians.csv, row 5, column 'id': duplicate id (value: 'LEE')",
    ),
    # two sessions with one id
    case(
        "duplicate-session",
        add_row(
            "sessions",
            id="MON-PM-EMC",
            site="EMC",
            date="2026-12-10",
            start="14:00",
            end="17:00",
            activity="clinical",
        ),
        message="sessions.csv, row 6, column 'id': duplicate id (value: 'MON-PM-EMC')",
    ),
    # two sites with one id
    case(
        "duplicate-site",
        add_row("sites", id="HKU", name="Queen Mary", kind="public_hospital"),
        message="sites.csv, row 5, column 'id': duplicate id (value: 'HKU')",
    ),
    # two need rows for one session and role
    case(
        "duplicate-need",
        add_row("needs", session="MON-AM-HSK", role="doctor", min="1"),
        message="needs.csv, row 9, column 'role': duplicate need for session MON-AM-HSK, role "
        "doctor (value: 'doctor')",
    ),
    # --- end before start ---
    # a session that ends before it starts
    case(
        "session-end-before-start",
        cell("sessions", 2, "end", "08:00"),
        message="sessions.csv, row 2, column 'end': end 08:00 is not after start 09:00 "
        "(value: '08:00')",
    ),
    # a session of no length
    case(
        "session-zero-length",
        cell("sessions", 3, "end", "14:00"),
        message="sessions.csv, row 3, column 'end': end 14:00 is not after start 14:00 "
        "(value: '14:00')",
    ),
    # leave that ends before it starts (with times; for dates alone see the report on io.py)
    case(
        "unavailability-end-before-start",
        cell("unavailability", 2, "start", "2026-12-09 14:00"),
        cell("unavailability", 2, "end", "2026-12-09 08:00"),
        message="unavailability.csv, row 2, column 'end': end 2026-12-09 08:00 is not after start "
        "2026-12-09 14:00 (value: '2026-12-09 08:00')",
    ),
    # --- outside the horizon ---
    # a session on the Monday after the horizon
    case(
        "session-outside-horizon",
        cell("sessions", 5, "date", "2026-12-14"),
        message=f"sessions.csv, row 5, column 'date': date outside the horizon {HORIZON} "
        "(value: '2026-12-14')",
    ),
    # --- headcounts and allocations out of order ---
    # min above preferred
    case(
        "min-above-preferred",
        cell("needs", 2, "min", "3"),
        message="needs.csv, row 2, column 'min': min 3 is greater than preferred 2 (value: '3')",
    ),
    # preferred above max
    case(
        "preferred-above-max",
        cell("needs", 2, "max", "1"),
        message="needs.csv, row 2, column 'preferred': preferred 2 is greater than max 1 "
        "(value: '2')",
    ),
    # min above max, preferred blank
    case(
        "min-above-max",
        cell("needs", 4, "max", "0"),
        message="needs.csv, row 4, column 'min': min 1 is greater than max 0 (value: '1')",
    ),
    # an allocation's min above its target
    case(
        "allocation-min-above-target",
        cell("allocations", 2, "min", "2"),
        message="allocations.csv, row 2, column 'min': min 2 is greater than target 1 (value: '2')",
    ),
    # an allocation row with no bound at all
    case(
        "allocation-empty",
        cell("allocations", 2, "target", ""),
        cell("allocations", 2, "min", ""),
        message="allocations.csv, row 2: give at least one of target, min, max",
    ),
    # a share above 100 percent
    case(
        "share-above-100",
        put(
            "allocations.csv", "clinician,activity,period,unit,max\nCHAN,teaching,week,share,120\n"
        ),
        message="allocations.csv, row 2, column 'max': max 120 is a share above 100 percent "
        "(value: '120')",
    ),
    # minimum shares of one clinician that add up to more than 100 percent
    case(
        "shares-over-100",
        put(
            "allocations.csv",
            "clinician,activity,period,unit,min\n"
            "CHAN,teaching,week,share,60\nCHAN,clinical,week,share,50\n",
        ),
        message="allocations.csv, row 3, column 'min': shares cannot be met: the min shares of "
        "CHAN per week add up to 110 percent (value: 50)",
    ),
    # a teaching ratio with half its numbers
    case(
        "students-without-ratio",
        cell("sessions", 4, "students_per_teacher", ""),
        message="sessions.csv, row 4, column 'students_per_teacher': give both students and "
        "students_per_teacher, or neither",
    ),
    # a request that matches nothing in particular
    case(
        "request-without-filter",
        cell("requests", 2, "date", ""),
        cell("requests", 2, "period", ""),
        message="requests.csv, row 2: give at least one of session, date, period, site, activity",
    ),
    # --- the rules file ---
    # a horizon that starts on a Tuesday
    case(
        "horizon-not-monday",
        sub("rules.yaml", "start: 2026-12-07", "start: 2026-12-08"),
        message="rules.yaml: key 'horizon': start 2026-12-08 is a Tuesday; the horizon starts "
        "on a Monday",
    ),
    # a horizon that ends on a Saturday
    case(
        "horizon-not-sunday",
        sub("rules.yaml", "end: 2026-12-13", "end: 2026-12-12"),
        message="rules.yaml: key 'horizon': end 2026-12-12 is a Saturday; the horizon ends on a "
        "Sunday",
    ),
    # no horizon at all
    case(
        "horizon-missing",
        sub("rules.yaml", "horizon: {start: 2026-12-07, end: 2026-12-13}\n", ""),
        message="rules.yaml: key 'horizon': a value is required",
    ),
    # a misspelt rule
    case(
        "unknown-rule",
        sub("rules.yaml", "  continuity:", "  continuty:"),
        message=f"rules.yaml: unknown rule 'continuty' (known: {ALL_RULES})",
    ),
    # a misspelt parameter
    case(
        "unknown-parameter",
        sub("rules.yaml", "max_per_day: {default: 2}", "max_per_day: {limit: 2}"),
        message="rules.yaml: unknown parameter 'limit' of rule 'max_per_day' (known: hard, "
        "weight, default)",
    ),
    # a negative weight
    case(
        "negative-weight",
        sub("rules.yaml", "{weight: 10}", "{weight: -10}"),
        message="rules.yaml: key 'rules.cover_preferred.weight': Input should be greater than "
        "or equal to 0 (value: -10)",
    ),
    # a weight in words
    case(
        "weight-word",
        sub("rules.yaml", "{weight: 10}", "{weight: ten}"),
        message=f"rules.yaml: key 'rules.cover_preferred.weight': {NOT_INT} (value: 'ten')",
    ),
    # a misspelt top-level key
    case(
        "unknown-top-key",
        sub("rules.yaml", "calendar:", "calender:"),
        message="rules.yaml: unknown key 'calender'",
    ),
    # a misspelt calendar key
    case(
        "unknown-calendar-key",
        sub("rules.yaml", "public_holidays:", "public_holiday:"),
        message="rules.yaml: unknown key 'calendar.public_holiday'",
    ),
    # a rules file that is a list
    case(
        "rules-not-a-mapping",
        put("rules.yaml", "- cover_min\n- cover_max\n"),
        message="rules.yaml: expected a mapping with horizon, calendar and rules",
    ),
    # an empty rules file
    case(
        "rules-empty",
        put("rules.yaml", "# to do\n"),
        message="rules.yaml: expected a mapping with horizon, calendar and rules",
    ),
    # a flow mapping left open: YAML notices on line 2
    case(
        "invalid-yaml",
        sub("rules.yaml", "end: 2026-12-13}", "end: 2026-12-13"),
        message="rules.yaml, row 2: not valid YAML: expected ',' or '}', but got ':'",
    ),
    # no rules file
    case(
        "rules-missing",
        put("rules.yaml", None),
        message="week: no rules.yaml in the instance folder",
    ),
    # --- columns and tables ---
    # a required column left out
    case(
        "missing-column",
        put("requests.csv", "clinician,kind,date\nCHAN,avoid,2026-12-07\n"),
        message="requests.csv, column 'weight': required column is missing",
    ),
    # a column the table does not have
    case(
        "unknown-column",
        put("requests.csv", "clinician,kind,weight,date,note\nCHAN,avoid,3,2026-12-07,school\n"),
        message="requests.csv, row 1, column 'note': unknown column (expected: clinician, kind, "
        "weight, session, date, period, site, activity)",
    ),
    # a required table left out
    case(
        "missing-table",
        put("sessions.csv", None),
        message="week: sessions.csv is missing from the instance folder",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), CASES)
def test_one_bad_input_gives_one_exact_message(
    tmp_path: Path, edits: list[Edit], expected: str
) -> None:
    assert messages(write_instance(tmp_path / "week", *edits)) == [expected]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    # Three bad cells in three tables: three messages, row-level ones first, then cross-table ones.
    # CHAN's row is dropped; the allocation and request that name CHAN are not reported again.
    path = write_instance(
        tmp_path / "week",
        cell("clinicians", 2, "max_per_day", "two"),
        cell("needs", 2, "min", "x"),
        cell("sessions", 3, "date", "2026-12-20"),
    )
    assert messages(path) == [
        f"clinicians.csv, row 2, column 'max_per_day': {NOT_INT} (value: 'two')",
        f"needs.csv, row 2, column 'min': {NOT_INT} (value: 'x')",
        f"sessions.csv, row 3, column 'date': date outside the horizon {HORIZON} "
        "(value: '2026-12-20')",
    ]


def test_rows_after_an_invalid_row_keep_their_numbers(tmp_path: Path) -> None:
    path = write_instance(
        tmp_path / "week",
        cell("sessions", 2, "start", "9am"),
        cell("sessions", 5, "date", "2026-12-14"),
    )
    assert messages(path) == [
        f"sessions.csv, row 2, column 'start': {NOT_TIME}, input is too short (value: '9am')",
        f"sessions.csv, row 5, column 'date': date outside the horizon {HORIZON} "
        "(value: '2026-12-14')",
    ]


def test_a_missing_required_table_and_rules_file_are_both_reported(tmp_path: Path) -> None:
    path = write_instance(tmp_path / "week", put("needs.csv", None), put("rules.yaml", None))
    assert messages(path) == [
        "week: needs.csv is missing from the instance folder",
        "week: no rules.yaml in the instance folder",
    ]


def test_a_path_that_does_not_exist(tmp_path: Path) -> None:
    assert messages(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: no such file or folder"]


# --- follow-up problems, row numbers, unreadable files
# ------------------------------------------------------------


def test_a_missing_column_in_a_referenced_table_does_not_cascade(tmp_path: Path) -> None:
    path = write_instance(tmp_path / "week", put("sites.csv", "id,name\nHSK,a\nEMC,b\nHKU,c\n"))
    assert messages(path) == ["sites.csv, column 'kind': required column is missing"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # the only nurse practitioner's row is invalid: each nurse need became an 'unknown role'
        pytest.param(
            cell("clinicians", 4, "teacher", "si"),
            "clinicians.csv, row 4, column 'teacher': Input should be a valid boolean, unable "
            "to interpret input (value: 'si')",
            id="role",
        ),
        # the only teaching session is invalid: CHAN's teaching allocation became an 'unknown
        # activity'
        pytest.param(
            cell("sessions", 4, "start", "x"),
            f"sessions.csv, row 4, column 'start': {NOT_TIME}, input is too short (value: 'x')",
            id="activity",
        ),
        # the teaching session's only need row is invalid: 'session has no row in needs'
        pytest.param(
            cell("needs", 6, "min", "x"),
            f"needs.csv, row 6, column 'min': {NOT_INT} (value: 'x')",
            id="needs",
        ),
    ],
)
def test_a_bad_row_is_reported_once(tmp_path: Path, edit: Edit, expected: str) -> None:
    assert messages(write_instance(tmp_path / "week", edit)) == [expected]


def _insert_line(table: str, after_row: int, line: str) -> Edit:
    def edit(files: Files) -> None:
        lines = (files[f"{table}.csv"] or "").splitlines(keepends=True)
        files[f"{table}.csv"] = "".join([*lines[:after_row], line, *lines[after_row:]])

    return edit


def test_a_blank_line_keeps_the_row_numbers_of_cross_table_problems(tmp_path: Path) -> None:
    path = write_instance(
        tmp_path / "week",
        cell("sessions", 5, "date", "2026-12-14"),
        _insert_line("sessions", 2, ",,,,,,,,,,\n"),
    )
    assert messages(path) == [
        f"sessions.csv, row 6, column 'date': date outside the horizon {HORIZON} "
        "(value: '2026-12-14')",
    ]


def test_an_empty_line_keeps_the_row_numbers(tmp_path: Path) -> None:
    path = write_instance(
        tmp_path / "week", cell("sessions", 5, "start", "9am"), _insert_line("sessions", 2, "\n")
    )
    assert messages(path) == [
        f"sessions.csv, row 6, column 'start': {NOT_TIME}, input is too short (value: '9am')",
    ]


@pytest.mark.parametrize(
    "content",
    [
        # a file of zero bytes: pandas raises EmptyDataError
        pytest.param(b"", id="empty-file"),
        # a row with more cells than the header: pandas raises ParserError
        pytest.param(
            b"clinician,kind,weight,date\nCHAN,avoid,3,2026-12-07\nCHAN,want,1,2026-12-08,x\n",
            id="too-many-cells",
        ),
        # saved as Big5 (Excel's "CSV" on a Traditional Chinese Windows): UnicodeDecodeError
        pytest.param(
            "clinician,kind,weight,date\n陳,avoid,3,2026-12-07\n".encode("big5"), id="big5"
        ),
        # every row one cell longer than the header: pandas makes the first column the index, shifts
        # the others left and reports kind '3' and weight 'x'
        pytest.param(b"clinician,kind,weight\nCHAN,avoid,3,x\n", id="implicit-index"),
    ],
)
def test_an_unreadable_csv_is_one_input_error(tmp_path: Path, content: bytes) -> None:
    path = write_instance(tmp_path / "week")
    (path / "requests.csv").write_bytes(content)
    with pytest.raises(InputError) as err:
        load_instance(path)
    assert [issue.file for issue in err.value.issues] == ["requests.csv"]


def test_an_unquoted_time_in_the_rules_file(tmp_path: Path) -> None:
    path = write_instance(
        tmp_path / "week",
        sub(
            "rules.yaml",
            "public_holidays: hong_kong",
            "public_holidays: hong_kong, evening_from: 18:00",
        ),
    )
    assert load_instance(path).rules.calendar.evening_from == dt.time(18, 0)


# --- Excel ----------------------------------------------------------------------------------------


def _typed(text: str) -> Any:
    """A cell as Excel holds it: numbers, dates, times and booleans typed, the rest text."""
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return dt.date.fromisoformat(text)
    if re.fullmatch(r"\d\d:\d\d", text):
        return dt.time.fromisoformat(text)
    if text in ("true", "false"):
        return text == "true"
    return text or None


def _dotted(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """rules.yaml as `key, value` rows: nested keys joined by dots; a listed rule has no value."""
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out.extend(_dotted(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out.append((f"{prefix}{key}", yaml.safe_dump(value, default_flow_style=True).strip()))
        else:
            out.append((f"{prefix}{key}", None if value == {} else value))
    return out


def write_workbook(path: Path, *edits: Edit, rules_sheet: bool = True) -> Path:
    """The worked example as one workbook: a sheet per table, typed cells, and a `rules` sheet."""
    files = edited(*edits)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in TABLES:
        text = files.get(f"{table}.csv")
        if text is not None:
            sheet = book.create_sheet(table)
            for row in csv.reader(io.StringIO(text)):
                sheet.append([_typed(v) for v in row])
    rules = files.get("rules.yaml")
    if rules_sheet and rules is not None:
        sheet = book.create_sheet("rules")
        sheet.append(["key", "value"])
        for key, value in _dotted(yaml.safe_load(rules)):
            sheet.append([key, value])
    book.save(path)
    return path


def test_a_workbook_reads_the_same_as_the_folder(tmp_path: Path) -> None:
    folder = load_instance(write_instance(tmp_path / "week"))
    book = load_instance(write_workbook(tmp_path / "week.xlsx"))
    assert book.model_dump() == folder.model_dump()


def test_a_workbook_may_take_its_rules_from_a_yaml_file_beside_it(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "week.xlsx", rules_sheet=False)
    (tmp_path / "week.rules.yaml").write_text(example_files()["rules.yaml"], encoding="utf-8")
    assert load_instance(path).rules == load_instance(write_instance(tmp_path / "week")).rules


EXCEL_CASES = [
    # a bad cell: the message names the sheet
    pytest.param(
        [cell("sessions", 3, "start", "noon")],
        [
            f"week.xlsx, sheet 'sessions', row 3, column 'start': {NOT_TIME}, input is too short "
            "(value: 'noon')",
        ],
        id="bad-cell",
    ),
    # a cross-table problem: the message names the sheet as well
    pytest.param(
        [cell("needs", 8, "session", "FRI-AM-HSK")],
        [
            f"week.xlsx, sheet 'needs', row 8, column 'session': unknown session {SESSIONS} "
            "(value: 'FRI-AM-HSK')",
        ],
        id="cross-table",
    ),
    # two problems in two sheets, both reported, in the order of the tables
    pytest.param(
        [cell("sessions", 3, "start", "noon"), cell("clinicians", 3, "role", "")],
        [
            "week.xlsx, sheet 'clinicians', row 3, column 'role': a value is required",
            f"week.xlsx, sheet 'sessions', row 3, column 'start': {NOT_TIME}, input is too short "
            "(value: 'noon')",
        ],
        id="two-sheets",
    ),
    # a misspelt rule on the rules sheet
    pytest.param(
        [sub("rules.yaml", "  continuity:", "  continuty:")],
        [
            f"week.xlsx, sheet 'rules': unknown rule 'continuty' (known: {ALL_RULES})",
        ],
        id="rules-sheet",
    ),
    # a required sheet left out
    pytest.param(
        [put("needs.csv", None)], ["week.xlsx: sheet 'needs' is missing"], id="missing-sheet"
    ),
]


@pytest.mark.parametrize(("edits", "expected"), EXCEL_CASES)
def test_a_workbook_reports_the_sheet(
    tmp_path: Path, edits: list[Edit], expected: list[str]
) -> None:
    assert messages(write_workbook(tmp_path / "week.xlsx", *edits)) == expected


def test_a_bad_value_on_the_rules_sheet_names_its_row(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "week.xlsx")
    book = openpyxl.load_workbook(path)
    book["rules"].append(["rules.fairness.kinds", "[evening, weekend"])
    book.save(path)
    row = book["rules"].max_row
    assert messages(path) == [
        f"week.xlsx, sheet 'rules', row {row}, column 'value': not a valid YAML value "
        "(value: '[evening, weekend')",
    ]


def test_a_numeric_id_in_a_workbook_is_text(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "week.xlsx", sub("clinicians.csv", "\nWONG,", "\n1001,"))
    assert load_instance(path).clinicians[2].id == "1001"


# --- the documentation matches the code -----------------------------------------------------------


def column_type(field: FieldInfo) -> str:
    """How docs/format.md names a column's type, from its pydantic annotation."""
    annotation, metadata = field.annotation, list(field.metadata)
    if get_origin(annotation) in (Union, types.UnionType):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if get_origin(annotation) is Annotated:
        annotation, *more = get_args(annotation)
        metadata += more
    if get_origin(annotation) is Literal:
        return ", ".join(f"`{v}`" for v in get_args(annotation))
    if get_origin(annotation) is tuple:
        return "list of ids"
    if annotation is str:
        return "id" if any(getattr(m, "pattern", None) for m in metadata) else "text"
    if annotation is int:
        low = next((m.ge for m in metadata if hasattr(m, "ge")), None)
        high = next((m.le for m in metadata if hasattr(m, "le")), None)
        if high is not None:
            return f"integer {low} to {high:,}"
        return "integer" if low is None else f"integer ≥ {low}"
    names: dict[Any, str] = {
        bool: "true or false",
        dt.datetime: "date, or date and time",
        dt.date: "date",
        dt.time: "time",
    }
    return names[annotation]


def column_default(field: FieldInfo) -> str:
    if field.is_required():
        return ""
    if field.default is None or field.default == "":
        return "blank"
    return str(field.default).lower() if isinstance(field.default, bool) else str(field.default)


def column_table(table: str) -> str:
    """The markdown table of one instance table's columns, as docs/format.md shows it."""
    lines = ["| column | type | required | default | meaning |", "|---|---|---|---|---|"]
    for name, field in ROW_MODELS[table].model_fields.items():
        required = "yes" if field.is_required() else "no"
        lines.append(
            f"| `{name}` | {column_type(field)} | {required} | {column_default(field)} "
            f"| {field.description} |"
        )
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("table", TABLES)
def test_the_format_page_lists_every_column_as_the_code_defines_it(table: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split(f"\n### `{table}.csv`", 1)[1].split("\n### ", 1)[0]
    assert column_table(table) in section


def test_the_rules_page_lists_every_range_as_the_code_defines_it() -> None:
    text = (DOCS.parent / "rules.md").read_text(encoding="utf-8")
    section = text.split("### Ranges", 1)[1].split("\n## ", 1)[0]
    documented: dict[str, tuple[int, int]] = {}
    for line in section.splitlines():
        found = re.fullmatch(r"\| (.+) \| ([\d,]+) to ([\d,]+)( \(.*\))? \|", line)
        if found:
            for name in re.findall(r"`([^`]+)`", found[1]):
                documented[name] = (int(found[2].replace(",", "")), int(found[3].replace(",", "")))
    defined: dict[str, tuple[int, int]] = {}
    for kind, rule in Rules.model_fields.items():
        models = [
            a for a in (rule.annotation, *get_args(rule.annotation)) if hasattr(a, "model_fields")
        ]
        for name, field in models[0].model_fields.items():
            low = next((m.ge for m in field.metadata if hasattr(m, "ge")), None)
            high = next((m.le for m in field.metadata if hasattr(m, "le")), None)
            if high is not None:
                defined["weight" if name == "weight" else f"{kind}.{name}"] = (low, high)
    assert documented == defined


def test_every_number_of_the_tables_and_the_rules_has_a_range() -> None:
    """A number without a largest value lets an absurd magnitude through to the model."""

    def unbounded(model: Any, prefix: str, seen: set[Any]) -> list[str]:
        out = []
        for name, field in model.model_fields.items():
            args = (field.annotation, *get_args(field.annotation))
            for arg in args:
                if hasattr(arg, "model_fields") and arg not in seen:
                    seen.add(arg)
                    out += unbounded(arg, f"{prefix}{name}.", seen)
            if int in args and not any(hasattr(m, "le") for m in field.metadata):
                out.append(prefix + name)
        return out

    found = [n for t, m in ROW_MODELS.items() for n in unbounded(m, f"{t}.", set())]
    found += unbounded(RuleSet, "", set())
    assert found == []
