"""The roster as an Excel workbook a scheduling office reads and prints.

One sheet per site (time slots down, weekdays across, week by week; each cell the session and the
clinicians on it, under-covered cells filled), one ``Clinicians`` timetable (a row per clinician,
a column per day and period, coloured by activity), an ``Allocation`` sheet (sessions by activity
against target and bounds, per week and for the horizon; shortfalls filled) and a ``Rules`` sheet
(status, bound, gap and the objective by rule). Headers are frozen and every sheet prints on A4
landscape, one page wide.

Text that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-`` or ``@``) is
written as a text cell with Excel's quote prefix, never as a formula.

The views shared with the HTML report (cover per session, the clinician timetable, activity
colours) live here too, so both outputs say the same thing.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from roster.domain.tables import Instance, Period, Session
from roster.outputs.tables import CLINICIAN_COLUMNS, clinician_rows

FORMULA_STARTS = ("=", "+", "-", "@")
PERIODS: tuple[Period, ...] = ("am", "pm", "evening")
PERIOD_LABELS: dict[str, str] = {"am": "AM", "pm": "PM", "evening": "Eve"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# (strong colour for charts, light fill for cells), the same in the workbook and the report
_KNOWN_COLOURS: dict[str, tuple[str, str]] = {
    "clinical": ("4472C4", "DCE6F2"),
    "teaching": ("4E9A2E", "E2F0D9"),
    "research": ("8E6BBF", "EADCF0"),
}
_OTHER_COLOURS: tuple[tuple[str, str], ...] = (
    ("ED7D31", "FCE4D6"),
    ("BF8F00", "FFF2CC"),
    ("2E9DA8", "DAF0F2"),
    ("7F7F7F", "EDEDED"),
)
BELOW_MIN = "FFC7CE"  # red: a hard minimum or bound is not met
BELOW_PREFERRED = "FFEB9C"  # amber: short of the preferred headcount or of a target
AWAY = "D9D9D9"  # grey: on leave or otherwise unavailable
SITE_COLUMN_WIDTH = 26  # characters, per day on a site sheet
PERIOD_COLUMN_WIDTH = 13  # characters, per day and period on the Clinicians sheet


# --- views shared with the HTML report ------------------------------------------------------------


def activity_colours(activities: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Activity -> (strong, light) RGB hex; clinical, teaching, research always the same."""
    out: dict[str, tuple[str, str]] = {}
    others = 0
    for activity in sorted(set(activities)):
        if activity in _KNOWN_COLOURS:
            out[activity] = _KNOWN_COLOURS[activity]
        else:
            out[activity] = _OTHER_COLOURS[others % len(_OTHER_COLOURS)]
            others += 1
    return out


@dataclass(frozen=True)
class Cover:
    """Who is on a session and how far it is below its minimum and preferred headcounts."""

    session: Session
    people: tuple[str, ...]  # clinician ids, in the roster's order
    short_min: int  # sum over need rows of max(0, min - n(s, r))
    short_preferred: int  # sum over need rows of max(0, preferred - n(s, r))
    notes: tuple[str, ...]  # one line per short need row, in words


def session_cover(instance: Instance, pairs: Iterable[tuple[str, str]]) -> dict[str, Cover]:
    """Cover of every session, keyed by session id, in the instance's session order."""
    on: dict[str, list[str]] = defaultdict(list)
    for c, s in sorted(set(pairs)):
        on[s].append(c)
    out: dict[str, Cover] = {}
    for session in instance.sessions:
        people = on.get(session.id, [])
        short_min = short_pref = 0
        notes = []
        for need in instance.needs_by_session.get(session.id, ()):
            n = sum(1 for c in people if instance.clinician_by_id[c].role == need.role)
            role = need.role.replace("_", " ")
            if n < need.min:
                notes.append(f"needs {need.min - n} more {role} (minimum {need.min})")
            elif n < need.pref:
                notes.append(f"{need.pref - n} {role} short of preferred {need.pref}")
            short_min += max(0, need.min - n)
            short_pref += max(0, need.pref - n)
        out[session.id] = Cover(session, tuple(people), short_min, short_pref, tuple(notes))
    return out


def dates(instance: Instance) -> list[dt.date]:
    h = instance.rules.horizon
    return [h.start + dt.timedelta(days=i) for i in range(h.days)]


def slots(sessions: Iterable[Session]) -> list[tuple[dt.time, dt.time]]:
    """Distinct (start, end) times, earliest first."""
    return sorted({(s.start, s.end) for s in sessions})


def slot_label(slot: tuple[dt.time, dt.time]) -> str:
    return f"{slot[0]:%H:%M}-{slot[1]:%H:%M}"


def timetable(
    instance: Instance, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, dt.date, str], list[Session]]:
    """(clinician, date, period) -> that clinician's sessions then, earliest first."""
    out: dict[tuple[str, dt.date, str], list[Session]] = defaultdict(list)
    for c, s in sorted(set(pairs)):
        session = instance.session_by_id[s]
        out[(c, session.date, instance.period(session))].append(session)
    for sessions in out.values():
        sessions.sort(key=lambda s: (s.start_at, s.id))
    return dict(out)


def away(instance: Instance, clinician: str, day: dt.date, period: str) -> str | None:
    """The reason (or 'away') when an unavailability row overlaps this part of the day."""
    cal = instance.rules.calendar
    bounds = {
        "am": (dt.time(0, 0), cal.am_until),
        "pm": (cal.am_until, cal.evening_from),
        "evening": (cal.evening_from, None),
    }[period]
    start = dt.datetime.combine(day, bounds[0])
    end = (
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0))
        if bounds[1] is None
        else dt.datetime.combine(day, bounds[1])
    )
    for u in instance.unavailability:
        if u.clinician == clinician and u.start < end and start < u.end:
            return u.reason or "away"
    return None


def allocation_rows(instance: Instance, pairs: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """The rows of clinicians.csv, each with `short` (sessions short of the target, shares
    rounded up as in docs/rules.md) and `target_sessions` (the target in sessions)."""
    rows = clinician_rows(instance, pairs)
    for row in rows:
        target, n, total = row["target"], row["assigned"], row["all_sessions"]
        if target == "":
            row["short"], row["target_sessions"] = "", ""
        elif row["unit"] == "share":
            row["short"] = math.ceil(max(0, target * total - 100 * n) / 100)
            row["target_sessions"] = round(target * total / 100, 1)
        else:
            row["short"] = max(0, target - n)
            row["target_sessions"] = target
    return rows


def short_of_target(row: Mapping[str, Any]) -> bool:
    return isinstance(row.get("short"), int) and row["short"] > 0


def soft_rules(instance: Instance) -> list[tuple[str, bool, int | None]]:
    """(kind, hard, weight) of every rule in force, in the schema's order."""
    out = []
    for kind, params in instance.rules.rules.active().items():
        out.append((kind, params.hard, None if params.hard else params.weight))
    return out


# --- writing cells --------------------------------------------------------------------------------

_THIN = Side(style="thin", color="BFBFBF")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_WEEK_FILL = PatternFill("solid", fgColor="D6DCE4")
_TOP_WRAP = Alignment(vertical="top", wrap_text=True)


def _fill(rgb: str) -> PatternFill:
    return PatternFill("solid", fgColor=rgb)


def put(ws: Worksheet, row: int, column: int, value: Any, **style: Any) -> Any:
    """Write a value; text that looks like a formula stays text (quote prefix, string type)."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True
    for key, v in style.items():
        setattr(cell, key, v)
    return cell


def _header(ws: Worksheet, row: int, values: Sequence[str]) -> None:
    for j, v in enumerate(values, 1):
        put(
            ws,
            row,
            j,
            v,
            font=Font(bold=True, color="FFFFFF"),
            fill=_HEADER_FILL,
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
            border=_BOX,
        )


def _title(ws: Worksheet, text: str) -> None:
    put(ws, 1, 1, text, font=Font(bold=True, size=13))
    ws.row_dimensions[1].height = 20


def _printable(ws: Worksheet, header_rows: int, landscape: bool = True) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{header_rows}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.oddFooter.center.text = "&A, page &P of &N"


def _row_height(texts: Iterable[str], width: float) -> float:
    """Points for the tallest cell of a row: its lines, wrapped at the column's width."""
    # a column's width counts '0' digits; text averages a little narrower, and wraps at spaces
    per_line = max(1, int(width))

    def lines(text: str) -> int:
        return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))

    return min(409.0, 14.5 * max([1, *(lines(t) for t in texts)]))  # 409: Excel's tallest row


def _sheet_title(wanted: str, taken: set[str]) -> str:
    """A legal, unique sheet name (31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", wanted)[:31]
    name, i = base, 2
    while name.lower() in taken:
        name = f"{base[: 31 - len(str(i)) - 1]}~{i}"
        i += 1
    taken.add(name.lower())
    return name


# --- the sheets -----------------------------------------------------------------------------------


def _weeks(instance: Instance) -> list[list[dt.date]]:
    days = dates(instance)
    return [days[i : i + 7] for i in range(0, len(days), 7)]


def _week_row(
    ws: Worksheet, row: int, w: int, week: list[dt.date], width: int, per_day: int
) -> None:
    """A band naming the week, with each day's date above its column(s)."""
    put(ws, row, 1, f"Week {w + 1}", font=Font(bold=True), fill=_WEEK_FILL, border=_BOX)
    for d, day in enumerate(week):
        col = 2 + d * per_day
        put(
            ws,
            row,
            col,
            f"{day:%a %d %b %Y}",
            font=Font(bold=True),
            fill=_WEEK_FILL,
            alignment=Alignment(horizontal="center"),
            border=_BOX,
        )
        if per_day > 1:
            ws.merge_cells(
                start_row=row, start_column=col, end_row=row, end_column=col + per_day - 1
            )
    for col in range(2 + len(week) * per_day, width + 1):
        put(ws, row, col, None, fill=_WEEK_FILL)


def _site_sheet(
    ws: Worksheet, instance: Instance, site_id: str, cover: Mapping[str, Cover]
) -> None:
    site = instance.site_by_id[site_id]
    here = [s for s in instance.sessions if s.site == site_id]
    h = instance.rules.horizon
    _title(ws, f"{site.name} ({site.id}): sessions and clinicians, {h.start} to {h.end}")
    _header(ws, 2, ["Time", *WEEKDAYS])
    names = instance.clinician_by_id
    row = 3
    by_cell: dict[tuple[dt.date, tuple[dt.time, dt.time]], list[Session]] = defaultdict(list)
    for s in here:
        by_cell[(s.date, (s.start, s.end))].append(s)
    for w, week in enumerate(_weeks(instance)):
        _week_row(ws, row, w, week, 8, 1)
        row += 1
        week_slots = slots(s for s in here if s.date in week)
        if not week_slots:
            put(ws, row, 1, "no sessions this week", font=Font(italic=True, color="7F7F7F"))
            row += 1
        for slot in week_slots:
            put(
                ws, row, 1, slot_label(slot), font=Font(bold=True), alignment=_TOP_WRAP, border=_BOX
            )
            texts = []
            for d, day in enumerate(week):
                parts, worst = [], ""
                for s in sorted(by_cell.get((day, slot), []), key=lambda s: s.id):
                    c = cover[s.id]
                    what = s.activity + (f", {s.specialty}" if s.specialty else "")
                    people = [names[p].name for p in c.people] or ["(nobody)"]
                    parts.append("\n".join([f"{s.id} ({what})", *people, *c.notes]))
                    if c.short_min:
                        worst = BELOW_MIN
                    elif c.short_preferred and worst != BELOW_MIN:
                        worst = BELOW_PREFERRED
                text = "\n\n".join(parts)
                texts.append(text)
                cell = put(ws, row, 2 + d, text or None, alignment=_TOP_WRAP, border=_BOX)
                if worst:
                    cell.fill = _fill(worst)
            ws.row_dimensions[row].height = _row_height(texts, PERIOD_COLUMN_WIDTH)
            row += 1
    _legend(
        ws,
        row + 1,
        [
            (BELOW_MIN, "below the minimum headcount"),
            (BELOW_PREFERRED, "below the preferred headcount"),
        ],
    )
    ws.column_dimensions["A"].width = 13
    for col in range(2, 9):
        ws.column_dimensions[get_column_letter(col)].width = SITE_COLUMN_WIDTH
    ws.freeze_panes = "B3"
    _printable(ws, 2)


def _legend(ws: Worksheet, row: int, items: Sequence[tuple[str, str]]) -> None:
    put(ws, row, 1, "Legend", font=Font(bold=True))
    for i, (rgb, text) in enumerate(items):
        put(ws, row + 1 + i, 1, None, fill=_fill(rgb), border=_BOX)
        put(ws, row + 1 + i, 2, text)


def _clinician_sheet(
    ws: Worksheet,
    instance: Instance,
    pairs: Sequence[tuple[str, str]],
    colours: Mapping[str, tuple[str, str]],
) -> None:
    h = instance.rules.horizon
    _title(ws, f"Clinicians: sessions by day and period, {h.start} to {h.end}")
    width = 1 + 7 * len(PERIODS)
    put(
        ws,
        2,
        1,
        "Clinician",
        font=Font(bold=True, color="FFFFFF"),
        fill=_HEADER_FILL,
        border=_BOX,
        alignment=Alignment(vertical="center"),
    )
    ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    for d, weekday in enumerate(WEEKDAYS):
        col = 2 + d * len(PERIODS)
        put(
            ws,
            2,
            col,
            weekday,
            font=Font(bold=True, color="FFFFFF"),
            fill=_HEADER_FILL,
            alignment=Alignment(horizontal="center"),
            border=_BOX,
        )
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + len(PERIODS) - 1)
        for p, period in enumerate(PERIODS):
            put(
                ws,
                3,
                col + p,
                PERIOD_LABELS[period],
                font=Font(bold=True, color="FFFFFF"),
                fill=_HEADER_FILL,
                alignment=Alignment(horizontal="center"),
                border=_BOX,
            )
    table = timetable(instance, pairs)
    row = 4
    for w, week in enumerate(_weeks(instance)):
        _week_row(ws, row, w, week, width, len(PERIODS))
        row += 1
        for clin in instance.clinicians:
            put(ws, row, 1, f"{clin.name} ({clin.id})", alignment=_TOP_WRAP, border=_BOX)
            texts = []
            for d, day in enumerate(week):
                for p, period in enumerate(PERIODS):
                    sessions = table.get((clin.id, day, period), [])
                    cell = put(
                        ws, row, 2 + d * len(PERIODS) + p, None, alignment=_TOP_WRAP, border=_BOX
                    )
                    if sessions:
                        text = "\n".join(f"{s.site} {s.activity}" for s in sessions)
                        put(ws, cell.row, cell.column, text)
                        cell.fill = _fill(colours[sessions[0].activity][1])
                        texts.append(text)
                    elif (reason := away(instance, clin.id, day, period)) is not None:
                        put(ws, cell.row, cell.column, reason, font=Font(italic=True))
                        cell.fill = _fill(AWAY)
            ws.row_dimensions[row].height = _row_height(texts, PERIOD_COLUMN_WIDTH)
            row += 1
    _legend(
        ws,
        row + 1,
        [(light, activity) for activity, (_, light) in colours.items()]
        + [(AWAY, "unavailable (leave, conference, ...)")],
    )
    ws.column_dimensions["A"].width = 28
    for col in range(2, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = PERIOD_COLUMN_WIDTH
    ws.freeze_panes = "B4"
    _printable(ws, 3)


ALLOCATION_HEADERS = (
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
)


def _allocation_sheet(ws: Worksheet, instance: Instance, pairs: Sequence[tuple[str, str]]) -> None:
    _title(ws, "Allocation: sessions by activity against target and bounds (share: percent)")
    _header(ws, 2, ALLOCATION_HEADERS)
    keys = (*CLINICIAN_COLUMNS[:-1], "short", CLINICIAN_COLUMNS[-1])  # clinicians.csv's, plus short
    row = 3
    for rec in allocation_rows(instance, pairs):
        for j, key in enumerate(keys, 1):
            value = rec[key]
            put(ws, row, j, None if value == "" else value, border=_BOX)
        if rec["status"] in ("below min", "above max"):
            for j in (5, 12):
                ws.cell(row=row, column=j).fill = _fill(BELOW_MIN)
        if short_of_target(rec):
            for j in (5, 11):
                if ws.cell(row=row, column=j).fill.fgColor.rgb != "00" + BELOW_MIN:
                    ws.cell(row=row, column=j).fill = _fill(BELOW_PREFERRED)
        row += 1
    ws.auto_filter.ref = f"A2:{get_column_letter(len(keys))}{max(2, row - 1)}"
    _legend(
        ws,
        row + 1,
        [
            (BELOW_MIN, "outside the hard bounds (min, max)"),
            (BELOW_PREFERRED, "short of the target"),
        ],
    )
    for j, width in enumerate((12, 26, 12, 10, 10, 12, 9, 8, 7, 7, 14, 11), 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "C3"
    _printable(ws, 2)


def _rules_sheet(ws: Worksheet, instance: Instance, summary: Mapping[str, Any]) -> None:
    _title(ws, "Solve status and the objective by rule")
    gap = summary.get("gap")
    facts: list[tuple[str, Any]] = [
        ("Status", summary.get("status")),
        ("Objective", summary.get("objective")),
        ("Best bound", summary.get("best_bound")),
        ("Bound proven by", summary.get("bound_source")),
        ("Gap", gap),
        ("Solve seconds", summary.get("wall_seconds")),
        ("Assignments", summary.get("assignments")),
        ("Horizon", f"{instance.rules.horizon.start} to {instance.rules.horizon.end}"),
    ]
    row = 3
    for label, value in facts:
        put(ws, row, 1, label, font=Font(bold=True))
        cell = put(ws, row, 2, value, alignment=Alignment(horizontal="left"))
        if label == "Gap" and isinstance(value, int | float):
            cell.number_format = "0.00%"
        row += 1
    row += 1
    _header(ws, row, ["Rule", "Hard or soft", "Weight", "Penalty", "Share of objective"])
    by_rule: Mapping[str, int] = summary.get("objective_by_rule") or {}
    objective = summary.get("objective") or 0
    for kind, hard, weight in soft_rules(instance):
        row += 1
        penalty = None if hard else by_rule.get(kind, 0)
        put(ws, row, 1, kind, border=_BOX)
        put(ws, row, 2, "hard" if hard else "soft", border=_BOX)
        put(ws, row, 3, weight, border=_BOX)
        put(ws, row, 4, penalty, border=_BOX)
        share = put(ws, row, 5, penalty / objective if penalty and objective else None, border=_BOX)
        share.number_format = "0.0%"
    for kind, penalty in by_rule.items():  # terms that are not rules of the file (a repair's)
        if kind not in instance.rules.rules.active():
            row += 1
            for j, v in enumerate((kind, "soft", None, penalty, None), 1):
                put(ws, row, j, v, border=_BOX)
    row += 1
    put(ws, row, 1, "Total", font=Font(bold=True), border=_BOX)
    put(ws, row, 4, objective, font=Font(bold=True), border=_BOX)
    for j, width in enumerate((22, 14, 10, 12, 18), 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = "A3"
    _printable(ws, 1, landscape=True)


def build_workbook(
    instance: Instance, pairs: Iterable[tuple[str, str]], summary: Mapping[str, Any]
) -> Workbook:
    """The workbook: a sheet per site, then Clinicians, Allocation and Rules."""
    pairs = sorted(set(pairs))
    cover = session_cover(instance, pairs)
    colours = activity_colours(instance.activities())
    book = Workbook()
    book.remove(book.active)
    taken = {"clinicians", "allocation", "rules"}
    for site in instance.sites:
        _site_sheet(book.create_sheet(_sheet_title(site.id, taken)), instance, site.id, cover)
    _clinician_sheet(book.create_sheet("Clinicians"), instance, pairs, colours)
    _allocation_sheet(book.create_sheet("Allocation"), instance, pairs)
    _rules_sheet(book.create_sheet("Rules"), instance, summary)
    return book


def workbook_bytes(
    instance: Instance, pairs: Iterable[tuple[str, str]], summary: Mapping[str, Any]
) -> bytes:
    """The workbook as .xlsx bytes; the same roster gives the same bytes (no clock in them)."""
    book = build_workbook(instance, pairs, summary)
    stamp = dt.datetime.combine(instance.rules.horizon.start, dt.time(0, 0))
    book.properties.creator = "roster"
    book.properties.title = f"Roster {instance.rules.horizon.start} to {instance.rules.horizon.end}"
    book.properties.created = stamp
    book.properties.modified = stamp
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).write_data()  # save_workbook would stamp the clock time
    return _fixed_zip_times(raw.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()
