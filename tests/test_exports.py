"""Outputs people read: the Excel workbook, personal calendars, the HTML report, the live display.

Everything here reads one real solve of the worked example of docs/format.md (3 clinicians,
4 sessions, proven optimal in well under a second), with three edits that change what the outputs
must show but not the roster: Wong is renamed "=SUM(A1)" and Dr Lee "@Lee Ka Yan" (text that a
spreadsheet would take for a formula), and Dr Lee gets a weekly clinical target of 3 sessions,
which no active rule scores (allocation_target is off), so the optimum stays the documented one
(objective 19) while the allocation sheet must show Dr Lee 1 session short (2 of 3).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import CliRunner, Result
from icalendar import Calendar
from rich.console import Console
from worked_example import LEE, WONG
from worked_example import WEEK_ROSTER as ROSTER

from roster.cli import main
from roster.domain.io import excel_safe, excel_unsafe
from roster.domain.solved import load_solved
from roster.outputs.html import CHARTS, SECTIONS, report_html
from roster.outputs.ics import calendar_files, event_uid
from roster.outputs.progress import SolveDisplay
from roster.outputs.xlsx import BELOW_PREFERRED, workbook_bytes
from solver.model.result import Progress

FAST = ["--time-limit", "10", "--workers", "1"]
HK = ZoneInfo("Asia/Hong_Kong")


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def out(solved_week: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the solved week of its own: the tests here write into it."""
    root = tmp_path_factory.mktemp("exports")
    shutil.copytree(solved_week.parent / "week", root / "week")
    shutil.copytree(solved_week, root / "out")
    return root / "out"


def no_crash(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


def test_the_fixture_is_the_documented_optimum(out: Path) -> None:
    solved = load_solved(out)
    assert sorted(solved.pairs) == sorted(ROSTER)
    assert solved.summary["objective"] == 19
    assert solved.instance.clinician_by_id["WONG"].name == WONG


# --- the workbook ---------------------------------------------------------------------------------


def test_solve_writes_the_workbook_beside_the_csvs(out: Path) -> None:
    book = openpyxl.load_workbook(out / "roster.xlsx")
    assert book.sheetnames == ["HSK", "EMC", "HKU", "Clinicians", "Allocation", "Rules"]


def test_export_xlsx_writes_the_same_bytes_as_solve(out: Path, tmp_path: Path) -> None:
    result = run("export", "xlsx", str(out), "--to", str(tmp_path / "again.xlsx"))
    assert result.exit_code == 0, result.output
    assert (
        result.output == f"Wrote {tmp_path / 'again.xlsx'} (3 site sheets, Clinicians, "
        "Allocation, Rules)\n"
    )
    assert (tmp_path / "again.xlsx").read_bytes() == (out / "roster.xlsx").read_bytes()


def test_site_sheet_highlights_the_under_covered_teaching_session(out: Path) -> None:
    sheet = openpyxl.load_workbook(out / "roster.xlsx")["HKU"]
    # row 2: weekdays; row 3: week 1 with its dates; row 4: the only slot at HKU, 09:00-12:00
    assert [sheet.cell(2, c).value for c in range(1, 4)] == ["Time", "Monday", "Tuesday"]
    assert sheet["C3"].value == "Tue 08 Dec 2026"
    assert sheet["A4"].value == "09:00-12:00"
    # Dr Chan alone where 2 doctors are preferred: 1 short, filled amber
    assert (
        sheet["C4"].value == "TUE-AM-HKU (teaching)\nDr Chan Tai Man\n1 doctor short of preferred 2"
    )
    assert sheet["C4"].fill.fgColor.rgb == "00" + BELOW_PREFERRED
    assert sheet["B4"].value is None
    assert sheet.freeze_panes == "B3"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


def test_a_fully_covered_session_is_not_highlighted(out: Path) -> None:
    sheet = openpyxl.load_workbook(out / "roster.xlsx")["HSK"]
    assert sheet["A4"].value == "09:00-13:00"
    assert sheet["B4"].value == (
        f"MON-AM-HSK (clinical, cardiology)\nDr Chan Tai Man\n{LEE}\n{WONG}"
    )
    assert sheet["B4"].fill.fill_type is None


def test_formula_looking_names_stay_text(out: Path) -> None:
    book = openpyxl.load_workbook(out / "roster.xlsx")
    allocation = book["Allocation"]
    names = {allocation.cell(r, 1).value: allocation.cell(r, 2) for r in range(3, 13)}
    for cid, name in (("WONG", WONG), ("LEE", LEE)):
        assert names[cid].value == name
        assert names[cid].data_type == "s"
        assert names[cid].quotePrefix  # Excel keeps it text even when the cell is edited
    assert book["Clinicians"]["A7"].value == f"{WONG} (WONG)"
    # and no sheet of the file holds a single formula
    with zipfile.ZipFile(out / "roster.xlsx") as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 6
        for name in sheets:
            assert "<f>" not in archive.read(name).decode(), name


def test_formula_looking_text_in_the_csv_files_is_written_as_text(out: Path) -> None:
    # a cell starting with =, +, -, @, a tab or a carriage return gets an apostrophe in front,
    # which a spreadsheet shows as text; other cells are as they are
    rows = list(csv.DictReader(io.StringIO((out / "roster.csv").read_text(encoding="utf-8"))))
    names = {r["clinician"]: r["name"] for r in rows}
    assert names == {"CHAN": "Dr Chan Tai Man", "LEE": f"'{LEE}", "WONG": f"'{WONG}"}
    # reading the file back gives the names and the roster as they were
    result = CliRunner().invoke(main, ["check", str(out.parent / "week"), str(out / "roster.csv")])
    assert result.exit_code == 0, result.output
    assert "0 hard violations; objective 19" in result.output


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+852 1234", "'+852 1234"),
        ("-5", "'-5"),
        ("@Lee", "'@Lee"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("'=already", "''=already"),  # so that reading back takes exactly one off
        ("Dr Chan", "Dr Chan"),
        ("'quoted", "'quoted"),
        ("a=b", "a=b"),
    ],
)
def test_excel_safe_text_round_trips(text: str, written: str) -> None:
    assert excel_safe(text) == written
    assert excel_unsafe(written) == text


def test_clinician_timetable_colours_activities_and_shows_leave(out: Path) -> None:
    sheet = openpyxl.load_workbook(out / "roster.xlsx")["Clinicians"]
    # rows 2-3: weekday over AM/PM/Eve; row 4: week 1; then CHAN, LEE, WONG
    assert [sheet.cell(r, 1).value for r in (5, 6, 7)] == [
        "Dr Chan Tai Man (CHAN)",
        f"{LEE} (LEE)",
        f"{WONG} (WONG)",
    ]
    assert sheet.cell(3, 5).value == "AM"  # Tuesday AM
    assert sheet.cell(5, 5).value == "HKU teaching"
    assert sheet.cell(5, 2).value == "HSK clinical"
    assert sheet.cell(5, 5).fill.fgColor.rgb != sheet.cell(5, 2).fill.fgColor.rgb
    assert [sheet.cell(6, c).value for c in (8, 9, 10)] == ["conference"] * 3  # Wednesday
    assert sheet.freeze_panes == "B4"


def test_allocation_sheet_highlights_the_shortfall(out: Path) -> None:
    sheet = openpyxl.load_workbook(out / "roster.xlsx")["Allocation"]
    header = [c.value for c in sheet[2]]
    assert header == [
        "Clinician",
        "Name",
        "Activity",
        "Period",
        "Assigned",
        "All sessions",
        "Unit",
        "Target",
        "Min",
        "Max",
        "Short of target",
        "Status",
    ]
    rows = {(r[0].value, r[2].value, r[3].value): r for r in sheet.iter_rows(min_row=3, max_row=12)}
    lee = rows[("LEE", "clinical", "week 1")]
    assert [c.value for c in lee] == [
        "LEE",
        LEE,
        "clinical",
        "week 1",
        2,
        2,
        "sessions",
        3,
        None,
        None,
        1,
        "ok",
    ]
    assert lee[4].fill.fgColor.rgb == "00" + BELOW_PREFERRED  # assigned
    assert lee[10].fill.fgColor.rgb == "00" + BELOW_PREFERRED  # short of target
    chan = rows[("CHAN", "teaching", "week 1")]
    assert [c.value for c in chan[4:]] == [1, 3, "sessions", 1, 1, None, 0, "ok"]
    assert chan[4].fill.fill_type is None


def test_rules_sheet_breaks_the_objective_down(out: Path) -> None:
    sheet = openpyxl.load_workbook(out / "roster.xlsx")["Rules"]
    facts = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(3, 10)}
    assert facts["Status"] == "OPTIMAL"
    assert facts["Objective"] == 19
    assert facts["Gap"] == 0
    by_rule = {
        r[0].value: (r[1].value, r[2].value, r[3].value) for r in sheet.iter_rows(min_row=12)
    }
    assert by_rule["cover_min"] == ("hard", None, None)
    assert by_rule["cover_preferred"] == ("soft", 10, 10)
    assert by_rule["teaching_ratio"] == ("soft", 5, 5)
    assert by_rule["site_changes"] == ("soft", 2, 4)
    assert by_rule["Total"] == (None, None, 19)


def test_the_workbook_has_no_clock_in_it(out: Path) -> None:
    solved = load_solved(out)
    first = workbook_bytes(solved.instance, solved.pairs, solved.summary)
    assert workbook_bytes(solved.instance, solved.pairs, solved.summary) == first


# --- calendars ------------------------------------------------------------------------------------


def events(path: Path) -> list[Calendar]:
    cal = Calendar.from_ical(path.read_bytes())
    return list(cal.walk("VEVENT"))


def test_export_ics_writes_one_calendar_per_clinician(out: Path, tmp_path: Path) -> None:
    result = run("export", "ics", str(out), "--to", str(tmp_path / "cal"))
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 3 calendars with 8 events to {tmp_path / 'cal'}\n"
    assert sorted(p.name for p in (tmp_path / "cal").iterdir()) == [
        "CHAN.ics",
        "LEE.ics",
        "WONG.ics",
    ]
    chan = events(tmp_path / "cal" / "CHAN.ics")
    # Dr Chan: Monday and Wednesday 09:00-13:00 at HSK, Tuesday's teaching 09:00-12:00 at HKU
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in chan] == [
        (dt.datetime(2026, 12, 7, 9, 0, tzinfo=HK), dt.datetime(2026, 12, 7, 13, 0, tzinfo=HK)),
        (dt.datetime(2026, 12, 8, 9, 0, tzinfo=HK), dt.datetime(2026, 12, 8, 12, 0, tzinfo=HK)),
        (dt.datetime(2026, 12, 9, 9, 0, tzinfo=HK), dt.datetime(2026, 12, 9, 13, 0, tzinfo=HK)),
    ]
    assert all(e.decoded("dtstart").utcoffset() == dt.timedelta(hours=8) for e in chan)
    assert str(chan[0].decoded("dtstart").tzinfo) == "Asia/Hong_Kong"
    assert [str(e["uid"]) for e in chan] == [
        "MON-AM-HSK-CHAN@roster",
        "TUE-AM-HKU-CHAN@roster",
        "WED-AM-HSK-CHAN@roster",
    ]
    teaching = chan[1]
    assert str(teaching["summary"]) == "Teaching, HKU"
    assert str(teaching["location"]) == "HKU Li Ka Shing Faculty of Medicine"
    assert str(teaching["description"]) == (
        "Site: HKU Li Ka Shing Faculty of Medicine (HKU)\nActivity: teaching\n"
        "Specialty: any\nSession: TUE-AM-HKU"
    )
    assert str(chan[0]["summary"]) == "Clinical (cardiology), HSK"
    assert len(events(tmp_path / "cal" / "LEE.ics")) == 2
    assert len(events(tmp_path / "cal" / "WONG.ics")) == 3
    text = (tmp_path / "cal" / "CHAN.ics").read_text()
    assert "DTSTART;TZID=Asia/Hong_Kong:20261208T090000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZOFFSETTO:+0800" in text


def test_calendars_are_byte_identical_on_re_export(out: Path, tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run("export", "ics", str(out), "--to", str(tmp_path / name)).exit_code == 0
    for path in (tmp_path / "a").iterdir():
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes()
    # the default DTSTAMP is the horizon's first day, not the clock
    assert "DTSTAMP:20261207T000000Z" in (tmp_path / "a" / "CHAN.ics").read_text()


def test_a_re_published_roster_keeps_the_uids(out: Path) -> None:
    solved = load_solved(out)
    moved = [p for p in solved.pairs if p != ("LEE", "MON-PM-EMC")] + [("CHAN", "MON-PM-EMC")]
    before = calendar_files(solved.instance, solved.pairs)
    after = calendar_files(solved.instance, moved, dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    uids = {
        name: [str(e["uid"]) for e in Calendar.from_ical(data).walk("VEVENT")]
        for name, data in after.items()
    }
    assert uids["LEE.ics"] == [event_uid("MON-AM-HSK", "LEE")]
    assert uids["CHAN.ics"] == [
        "MON-AM-HSK-CHAN@roster",
        "MON-PM-EMC-CHAN@roster",
        "TUE-AM-HKU-CHAN@roster",
        "WED-AM-HSK-CHAN@roster",
    ]
    assert after["WONG.ics"] != before["WONG.ics"]  # only the stamp differs
    assert b"DTSTAMP:20261201T090000Z" in after["WONG.ics"]


def test_a_clinician_off_all_week_gets_an_empty_calendar(out: Path) -> None:
    solved = load_solved(out)
    files = calendar_files(solved.instance, [p for p in solved.pairs if p[0] != "LEE"])
    cal = Calendar.from_ical(files["LEE.ics"])
    assert list(cal.walk("VEVENT")) == []
    assert str(cal["x-wr-calname"]) == f"Roster: {LEE}"


def test_export_ics_stamp_option(out: Path, tmp_path: Path) -> None:
    result = run("export", "ics", str(out), "--to", str(tmp_path), "--stamp", "2026-12-01T09:30")
    assert result.exit_code == 0, result.output
    assert all(
        e.decoded("dtstamp") == dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
        for e in events(tmp_path / "CHAN.ics")
    )


# --- the HTML report (read as text; test_html_browser.py renders it) -----------------------------


def test_report_is_self_contained_and_has_every_section(out: Path, tmp_path: Path) -> None:
    result = run("report", str(out), "--to", str(tmp_path / "r.html"))
    assert result.exit_code == 0, result.output
    assert re.fullmatch(
        r"Wrote .*r\.html \(\d+\.\d MB, no network needed to view it\)\n", result.output
    )
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    for sid, _ in SECTIONS:
        assert f'<section id="{sid}">' in page
    for chart in CHARTS:
        assert f'<div id="{chart}" class="chart"></div>' in page
    assert "<script src" not in page and "<link" not in page  # nothing fetched
    assert "plotly.js v" in page or "plotly.js" in page.lower()
    assert "TUE-AM-HKU" in page and "1 doctor short of preferred 2" in page
    assert '<td class="short-pref">' in page
    solved = load_solved(out)
    assert report_html(solved.instance, solved.pairs, solved.summary) == page


def test_report_escapes_names_and_figure_data(out: Path) -> None:
    solved = load_solved(out)
    people = tuple(
        c.model_copy(update={"name": "</script><b>x</b>"}) if c.id == "LEE" else c
        for c in solved.instance.clinicians
    )
    instance = solved.instance.model_copy(update={"clinicians": people})
    page = report_html(instance, solved.pairs, solved.summary)
    assert "<b>x</b>" not in page
    assert "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in page
    # the name is in the figures' data, escaped so that it cannot close the <script> early
    assert page.count("</script>") == 4
    start = page.index('<script type="application/json" id="figures">')
    figures = page[page.index(">", start) + 1 : page.index("</script>", start)]
    labels = json.loads(figures)["chart-allocation"]["data"][0]["y"]
    assert "</script><b>x</b> (LEE)" in labels


# --- errors and help ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["export", "xlsx"], ["export", "ics"], ["report"]])
def test_a_missing_folder_is_one_error_and_what_to_do(command: list[str], tmp_path: Path) -> None:
    result = run(*command, str(tmp_path / "nope"))
    assert result.exit_code == 2
    no_crash(result)
    assert result.output.splitlines() == [
        f"error: {tmp_path / 'nope'}: no such folder",
        f"To fix: run `roster solve INSTANCE --out {tmp_path / 'nope'}` to write it; "
        "nothing was written.",
    ]


def test_a_folder_without_instance_json_names_the_file(out: Path, tmp_path: Path) -> None:
    copy = tmp_path / "old"
    copy.mkdir()
    for name in ("roster.csv", "summary.json"):
        (copy / name).write_bytes((out / name).read_bytes())
    result = run("report", str(copy))
    assert result.exit_code == 2
    no_crash(result)
    assert result.output.splitlines()[0] == (
        f"error: {copy / 'instance.json'}: missing; {copy} is not a complete output folder of "
        "`roster solve`"
    )
    assert sorted(p.name for p in copy.iterdir()) == ["roster.csv", "summary.json"]


def test_a_roster_with_an_unknown_clinician_names_the_row(out: Path, tmp_path: Path) -> None:
    copy = tmp_path / "edited"
    copy.mkdir()
    for name in ("instance.json", "summary.json"):
        (copy / name).write_bytes((out / name).read_bytes())
    (copy / "roster.csv").write_text("clinician,session\nCHAN,MON-AM-HSK\nHO,MON-AM-HSK\n")
    result = run("export", "ics", str(copy))
    assert result.exit_code == 2
    no_crash(result)
    assert result.output.splitlines() == [
        f"error: {copy}/roster.csv, row 3, column 'clinician': unknown clinician (value: 'HO')",
        f"To fix: fix roster.csv or run `roster solve INSTANCE --out {copy}` again to rewrite it; "
        "nothing was written.",
    ]


def test_a_broken_summary_names_the_file(out: Path, tmp_path: Path) -> None:
    copy = tmp_path / "broken"
    copy.mkdir()
    for name in ("instance.json", "roster.csv"):
        (copy / name).write_bytes((out / name).read_bytes())
    (copy / "summary.json").write_text("{not json")
    result = run("export", "xlsx", str(copy))
    assert result.exit_code == 2
    no_crash(result)
    assert result.output.startswith(f"error: {copy / 'summary.json'}: not valid JSON (")


@pytest.mark.parametrize(
    "command", [["export"], ["export", "xlsx"], ["export", "ics"], ["report"], ["solve"]]
)
def test_every_output_command_has_help_with_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output
    assert "roster " + command[0] in result.output.split("Example", 1)[1]


# --- the progress display -------------------------------------------------------------------------


def test_plain_lines_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    with SolveDisplay(stream) as display:
        assert not display.live
        # the first line at once, then at most one a second, and the last one when done
        for seconds, objective in ((0.0, 47), (0.2, 40), (0.5, 30), (1.5, 25), (1.6, 19)):
            display.update(Progress(seconds, objective, 19))
    assert stream.getvalue().splitlines() == [
        "     0.00 s  objective 47  bound 19  gap 59.57%",
        "     1.50 s  objective 25  bound 19  gap 24.00%",
        "     1.60 s  objective 19  bound 19  gap 0.00%",
    ]


def test_quiet_prints_nothing() -> None:
    stream = io.StringIO()
    with SolveDisplay(stream, quiet=True) as display:
        display.update(Progress(0.0, 19, 19))
    assert stream.getvalue() == ""


def test_the_live_line_shows_elapsed_incumbent_bound_and_gap() -> None:
    display = SolveDisplay(io.StringIO(), time_limit=60, live=True)
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(display)
    assert "incumbent -  bound -  gap -  0 solutions" in console.export_text()
    display.update(Progress(1.0, 47, 19))
    display.update(Progress(2.0, 20, 19))
    console.print(display)
    text = console.export_text()
    assert re.search(r"solving +\d+\.\d s / 60 s", text)
    assert "incumbent 20  bound 19  gap 5.00%  2 solutions" in text


def test_the_display_shows_the_best_roster_whatever_stage_found_it() -> None:
    # column generation reports bounds, then a roster; the polish a better one; CP-SAT's first
    # roster costs more than the polish's and does not replace it as the incumbent
    display = SolveDisplay(io.StringIO(), time_limit=60, live=True)
    display.update(Progress(1.0, None, 500, "columns"))
    display.update(Progress(2.0, None, 550, "columns"))
    display.update(Progress(3.0, 700, 550, "columns"))
    display.update(Progress(9.0, 640, 550, "polish"))
    display.update(Progress(9.5, 650, 520, "cp-sat"))
    console = Console(record=True, width=160, file=io.StringIO())
    console.print(display)
    assert "incumbent 640 (polish)  bound 550  gap 14.06%  3 solutions" in console.export_text()
    stream = io.StringIO()
    with SolveDisplay(stream, every=0.0) as plain:
        plain.update(Progress(1.0, None, 500, "columns"))
        plain.update(Progress(3.0, 700, 550, "columns"))
        plain.update(Progress(9.5, 650, 520, "cp-sat"))
    assert stream.getvalue().splitlines() == [
        "     1.00 s  objective -  bound 500",
        "     3.00 s  objective 700  bound 550  gap 21.43%  (columns)",
        "     9.50 s  objective 650  bound 550  gap 15.38%",
    ]


def test_the_live_display_writes_to_its_stream() -> None:
    stream = io.StringIO()
    with SolveDisplay(stream, time_limit=10, live=True) as display:
        display.update(Progress(0.1, 19, 19))
    assert "incumbent 19" in stream.getvalue()


def test_solve_prints_plain_progress_lines_in_logs(out: Path) -> None:
    instance = out.parent / "week"
    result = CliRunner().invoke(
        main, ["solve", str(instance), "--out", str(out.parent / "again"), *FAST]
    )
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    # a line for the first solution, and the last one is the optimum
    progress = [line for line in lines if re.fullmatch(r" +\d+\.\d\d s  objective .*", line)]
    assert lines[0].startswith("Solving ")
    assert lines[1 : 1 + len(progress)] == progress
    assert re.fullmatch(r" +\d+\.\d\d s  objective 19  bound 19  gap 0\.00%", progress[-1])
    assert lines[1 + len(progress)].startswith(
        "OPTIMAL: objective 19, bound 19 (cp-sat), gap 0.00%"
    )
    assert lines[-1].startswith("Wrote roster.csv, roster.xlsx, ")
