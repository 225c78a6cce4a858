"""Bad input through the command line: each case its exit code and its exact messages, never a
traceback, and nothing written when the command fails.

The cases are grouped as the office met them: input that used to end in a traceback, input that
used to pass without a word, and messages that used to puzzle. Each starts from the worked example
of docs/format.md (worked_example.py), or from its solved output folder, and breaks one thing.
``{tmp}`` in an expected line stands for the test's folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from worked_example import WEEK_ROSTER, Edit, cell, put, sub, write_instance

from roster.cli import main

HORIZON = "2026-12-07 to 2026-12-13"
NOT_DATE = "Input should be a valid date or datetime, day value is outside expected range"
NOT_MOMENT = "Input should be a valid datetime or date, day value is outside expected range"


@dataclass(frozen=True)
class Case:
    """One bad input: the instance's edits, the files to add (name -> text, ``{week}`` for the
    instance's folder and ``{solved}`` for a solved output folder), the command's arguments
    and what it must say."""

    args: list[str]
    code: int
    lines: list[str]
    edits: tuple[Edit, ...] = ()
    files: dict[str, str | bytes] = field(default_factory=dict)
    # the lines compared are those that start so; the files the command may write all the same
    said: tuple[str, ...] = ("error:", "warning:", "Error:")
    writes: tuple[str, ...] = ()


def case(name: str, *args: str, code: int, lines: list[str], **kw: object) -> object:
    return pytest.param(Case(list(args), code, lines, **kw), id=name)  # type: ignore[arg-type]


SCENARIO = (
    "base: week\nadd:\n  unavailability:\n"
    "    - {clinician: LEE, start: 2026-12-40, end: 2026-12-41}\n"
)
NO_ROWS = "the table has no rows, only its header; an instance needs at least one session"

CASES = [
    # --- input that used to end in a traceback --------------------------------------------------
    # an impossible date in the rules file: PyYAML's own date parsing raised ValueError
    case(
        "yaml-date-validate",
        "validate",
        "{week}",
        code=2,
        lines=[f"error: rules.yaml: key 'horizon.end': {NOT_DATE} (value: '2026-12-40')"],
        edits=(sub("rules.yaml", "end: 2026-12-13", "end: 2026-12-40"),),
    ),
    case(
        "yaml-date-solve",
        "solve",
        "{week}",
        "--out",
        "{tmp}/out",
        code=2,
        lines=[f"error: rules.yaml: key 'horizon.end': {NOT_DATE} (value: '2026-12-40')"],
        edits=(sub("rules.yaml", "end: 2026-12-13", "end: 2026-12-40"),),
    ),
    # ... in a change file for a repair
    case(
        "yaml-date-change-file",
        "repair",
        "{week}",
        "--published",
        "{solved}/roster.csv",
        "--changes",
        "{tmp}/sick.yaml",
        "--from",
        "2026-12-08",
        "--out",
        "{tmp}/out",
        code=2,
        lines=[
            f"error: sick.yaml, column 'add.unavailability[1].start': {NOT_MOMENT} "
            "(value: '2026-12-40')",
            f"error: sick.yaml, column 'add.unavailability[1].end': {NOT_MOMENT} "
            "(value: '2026-12-41')",
        ],
        files={
            "sick.yaml": "add:\n  unavailability:\n"
            "    - {clinician: LEE, start: 2026-12-40, end: 2026-12-41}\n"
        },
    ),
    # ... in a scenario file: the sweep's run is a row of the table, INVALID with the message,
    # and no folder of its own
    case(
        "yaml-date-scenario",
        "sweep",
        "{tmp}/bad.yaml",
        "--out",
        "{tmp}/out",
        "--jobs",
        "1",
        code=2,
        lines=[
            f"[1/1] bad: INVALID: bad.yaml, column 'add.unavailability[1].start': {NOT_MOMENT} "
            f"(value: '2026-12-40'); bad.yaml, column 'add.unavailability[1].end': {NOT_MOMENT} "
            "(value: '2026-12-41')",
        ],
        files={"bad.yaml": SCENARIO},
        said=("[1/1]",),
        writes=("out/comparison.md", "out/comparison.json"),
    ),
    # an output folder that cannot be created: found before solving
    case(
        "out-under-a-file-solve",
        "solve",
        "{week}",
        "--out",
        "{tmp}/a-file/out",
        code=2,
        lines=[
            "error: cannot create {tmp}/a-file/out: {tmp}/a-file is a file, not a folder; "
            "nothing was written."
        ],
        files={"a-file": "not a folder\n"},
    ),
    case(
        "out-under-a-file-report",
        "report",
        "{solved}",
        "--to",
        "{tmp}/a-file/report.html",
        code=2,
        lines=["error: {tmp}/a-file is a file, not a folder; nothing was written."],
        files={"a-file": "not a folder\n"},
    ),
    case(
        "out-under-a-file-xlsx",
        "export",
        "xlsx",
        "{solved}",
        "--to",
        "{tmp}/a-file/week.xlsx",
        code=2,
        lines=["error: {tmp}/a-file is a file, not a folder; nothing was written."],
        files={"a-file": "not a folder\n"},
    ),
    case(
        "out-under-a-file-ics",
        "export",
        "ics",
        "{solved}",
        "--to",
        "{tmp}/a-file/calendars",
        code=2,
        lines=[
            "error: cannot create {tmp}/a-file/calendars: {tmp}/a-file is a file, not a folder; "
            "nothing was written."
        ],
        files={"a-file": "not a folder\n"},
    ),
    case(
        "out-under-a-file-explain",
        "explain",
        "{week}",
        "--relax",
        "--out",
        "{tmp}/a-file/out",
        code=2,
        lines=[
            "error: cannot create {tmp}/a-file/out: {tmp}/a-file is a file, not a folder; "
            "nothing was written."
        ],
        files={"a-file": "not a folder\n"},
    ),
    case(
        "out-under-a-file-sweep",
        "sweep",
        "{tmp}/ok.yaml",
        "--out",
        "{tmp}/a-file/out",
        code=2,
        lines=[
            "error: cannot create {tmp}/a-file/out: {tmp}/a-file is a file, not a folder; "
            "nothing was written."
        ],
        files={"a-file": "not a folder\n", "ok.yaml": "base: week\n"},
    ),
    case(
        "out-is-a-file-repair",
        "repair",
        "{week}",
        "--published",
        "{solved}/roster.csv",
        "--from",
        "2026-12-08",
        "--out",
        "{tmp}/a-file",
        code=2,
        lines=["Error: Invalid value for '--out': Directory '{tmp}/a-file' is a file."],
        files={"a-file": "not a folder\n"},
    ),
    case(
        "out-under-a-file-generate",
        "generate",
        "--clinicians",
        "5",
        "--out",
        "{tmp}/a-file/big",
        code=2,
        lines=[
            "error: cannot create {tmp}/a-file/big: {tmp}/a-file is a file, not a folder; "
            "nothing was written."
        ],
        files={"a-file": "not a folder\n"},
    ),
    # an empty (0-byte) roster file
    case(
        "empty-roster-check",
        "check",
        "{week}",
        "{tmp}/empty.csv",
        code=2,
        lines=["error: empty.csv: the file is empty; expected a header row"],
        files={"empty.csv": ""},
    ),
    case(
        "empty-roster-repair",
        "repair",
        "{week}",
        "--published",
        "{tmp}/empty.csv",
        "--from",
        "2026-12-08",
        "--out",
        "{tmp}/out",
        code=2,
        lines=["error: empty.csv: the file is empty; expected a header row"],
        files={"empty.csv": ""},
    ),
    # a time with a time zone (it used to be compared with local times, and raise)
    case(
        "leave-with-a-time-zone",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: unavailability.csv, row 2, column 'start': give a local time, without a time "
            "zone (value: '2026-12-09T08:00+08:00')"
        ],
        edits=(cell("unavailability", 2, "start", "2026-12-09T08:00+08:00"),),
    ),
    case(
        "session-with-a-time-zone",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: sessions.csv, row 2, column 'start': give a local time, without a time zone "
            "(value: '09:00Z')"
        ],
        edits=(cell("sessions", 2, "start", "09:00Z"),),
    ),
    # a folder given as the roster
    case(
        "roster-is-a-folder",
        "check",
        "{week}",
        "{tmp}/folder",
        code=2,
        lines=["error: folder: is a folder; expected a roster table (CSV)"],
        files={"folder/keep.txt": ""},
    ),
    # --- input that used to pass without a word -------------------------------------------------
    # absurd magnitudes: each field has a range (docs/format.md, docs/rules.md)
    case(
        "need-1e21",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: needs.csv, row 2, column 'min': Input should be at most 1000, the largest "
            "value allowed (value: '1000000000000000000000')"
        ],
        edits=(cell("needs", 2, "min", "1000000000000000000000"),),
    ),
    case(
        "max-per-week-1e30",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: clinicians.csv, row 2, column 'max_per_week': Input should be at most 350, "
            "the largest value allowed (value: '1000000000000000000000000000000')"
        ],
        edits=(cell("clinicians", 2, "max_per_week", "1" + "0" * 30),),
    ),
    case(
        "travel-1e12",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: travel.csv, row 2, column 'minutes': Input should be at most 1440, the "
            "largest value allowed (value: '1000000000000')"
        ],
        edits=(cell("travel", 2, "minutes", "1000000000000"),),
    ),
    case(
        "weight-1e9",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: rules.yaml: key 'rules.cover_preferred.weight': Input should be at most "
            "1000000, the largest value allowed (value: 1000000000)"
        ],
        edits=(sub("rules.yaml", "{weight: 10}", "{weight: 1000000000}"),),
    ),
    # leave and requests entirely outside the horizon: valid, but surely not meant
    case(
        "leave-outside-horizon",
        "validate",
        "{week}",
        code=0,
        lines=[
            "warning: unavailability.csv, row 2: this leave is entirely outside the horizon "
            f"{HORIZON}; it changes nothing"
        ],
        edits=(
            cell("unavailability", 2, "start", "2026-12-14"),
            cell("unavailability", 2, "end", "2026-12-15"),
        ),
    ),
    case(
        "request-outside-horizon",
        "validate",
        "{week}",
        code=0,
        lines=[
            "warning: requests.csv, row 2, column 'date': this request's date is outside the "
            f"horizon {HORIZON}; it changes nothing (value: '2026-12-06')"
        ],
        edits=(cell("requests", 2, "date", "2026-12-06"),),
    ),
    # a repair from a moment outside the horizon is bad input, not an infeasible repair
    case(
        "repair-from-outside",
        "repair",
        "{week}",
        "--published",
        "{solved}/roster.csv",
        "--from",
        "2027-01-04",
        "--out",
        "{tmp}/out",
        code=2,
        lines=[
            "Error: Invalid value for --from: 2027-01-04 is outside the horizon 2026-12-07 to "
            "2026-12-13; give the first date (and time) whose sessions may change"
        ],
    ),
    # --- messages that used to puzzle -----------------------------------------------------------
    # a header-only table: one message, not one per need naming a missing session
    case(
        "header-only",
        "validate",
        "{week}",
        code=2,
        lines=[f"error: sessions.csv: {NO_ROWS}"],
        edits=(
            put(
                "sessions.csv",
                "id,site,date,start,end,activity,specialty,priority,series,students,"
                "students_per_teacher\n",
            ),
        ),
    ),
    # an empty or non-UTF-8 file is there, not missing
    case(
        "empty-table",
        "validate",
        "{week}",
        code=2,
        lines=["error: sessions.csv: the file is empty; expected a header row"],
        edits=(put("sessions.csv", ""),),
    ),
    case(
        "not-utf8",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: clinicians.csv: not UTF-8 text; save it from Excel as 'CSV UTF-8 (Comma "
            "delimited)'"
        ],
        files={
            "week/clinicians.csv": "id,name,role,institution,appointment,specialties,privileges\n"
            "CHAN,陳大文,doctor,HKU,other,cardiology,HSK\n".encode("big5")
        },
    ),
    # a column twice in the header (it used to be reported as 'min.1')
    case(
        "duplicated-header",
        "validate",
        "{week}",
        code=2,
        lines=["error: needs.csv, row 1, column 'min': the column appears more than once"],
        edits=(put("needs.csv", "session,role,min,min\nMON-AM-HSK,doctor,1,1\n"),),
    ),
    # semicolons as separators (Excel's 'CSV' in some locales)
    case(
        "semicolons",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: travel.csv, row 1: the columns are separated by semicolons, not commas; "
            "save it from Excel as 'CSV UTF-8 (Comma delimited)'"
        ],
        edits=(put("travel.csv", "from_site;to_site;minutes\nHSK;EMC;20\n"),),
    ),
    # a list cell with commas, quoted (it used to quote a regular expression)
    case(
        "list-with-commas",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: clinicians.csv, row 3, column 'privileges': separate the items of a list "
            "with ';' (an id has no comma, semicolon or space) (value: 'HSK,EMC')"
        ],
        edits=(cell("clinicians", 3, "privileges", "HSK,EMC"),),
    ),
    # ... unquoted: more cells than the header has columns
    case(
        "list-with-commas-unquoted",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: travel.csv, row 3: row 3 has more cells than the header has columns; the "
            "items of a list in one cell are separated by ';', not ','"
        ],
        edits=(put("travel.csv", "from_site,to_site,minutes\nHSK,EMC,20\nHSK,HKU,EMC,25\n"),),
    ),
    # an id with a space
    case(
        "id-with-space",
        "validate",
        "{week}",
        code=2,
        lines=[
            "error: sessions.csv, row 2, column 'series': an id may not contain a comma, a "
            "semicolon or a space (value: 'card hsk')"
        ],
        edits=(cell("sessions", 2, "series", "card hsk"),),
    ),
    # a misspelt --set key is blamed on --set, not on rules.yaml
    case(
        "misspelt-set",
        "solve",
        "{week}",
        "--out",
        "{tmp}/out",
        "--set",
        "rules.cover_preferred.wieght=5",
        code=2,
        lines=[
            "error: --set: unknown parameter 'wieght' of rule 'cover_preferred' (known: weight)"
        ],
    ),
]


def _expand(text: str, tmp: Path, solved: Path) -> str:
    return (
        text.replace("{week}", str(tmp / "week"))
        .replace("{tmp}", str(tmp))
        .replace("{solved}", str(solved))
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("bad", CASES)
def test_bad_input_exits_with_its_message_and_writes_nothing(
    bad: Case, tmp_path: Path, solved_week: Path
) -> None:
    write_instance(tmp_path / "week", *bad.edits)
    for name, content in bad.files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    args = [_expand(a, tmp_path, solved_week) for a in bad.args]
    before, solved_before = _tree(tmp_path), _tree(solved_week)
    result = CliRunner().invoke(main, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    said = [line for line in result.output.splitlines() if line.startswith(bad.said)]
    assert said == [_expand(line, tmp_path, solved_week) for line in bad.lines]
    assert result.exit_code == bad.code
    if bad.code != 0:
        after = _tree(tmp_path)
        # nothing written but what the command writes all the same, no staging folder left behind
        assert {k: v for k, v in after.items() if k not in bad.writes} == before
        assert sorted(set(after) - set(before)) == sorted(bad.writes)
        assert _tree(solved_week) == solved_before


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_output_folder_is_found_before_solving(tmp_path: Path) -> None:
    week = write_instance(tmp_path / "week")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = CliRunner().invoke(main, ["solve", str(week), "--out", str(locked / "out")])
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2
    assert f"error: cannot create {locked / 'out'}: {locked} is not writable" in result.output
    assert "Solving" not in result.output


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    week = write_instance(tmp_path / "week")
    solved = CliRunner().invoke(
        main, ["solve", str(week), "--out", str(tmp_path / "out"), "--workers", "1"]
    )
    assert solved.exit_code == 0
    assert "time limit 60 s, 1 worker\n" in solved.output
    # the documented optimum and one assignment more, Dr Lee on the teaching session at HKU,
    # where he holds no privileges and which needs a teacher: one hard violation (eligibility)
    roster = tmp_path / "edited.csv"
    pairs = [*WEEK_ROSTER, ("LEE", "TUE-AM-HKU")]
    roster.write_text(
        "clinician,session\n" + "".join(f"{c},{s}\n" for c, s in pairs), encoding="utf-8"
    )
    checked = CliRunner().invoke(main, ["check", str(week), str(roster)])
    assert checked.exit_code == 1
    lines = checked.output.splitlines()
    assert len([line for line in lines if line.startswith("hard: ")]) == 1
    assert lines[1].startswith("1 hard violation; objective ")
