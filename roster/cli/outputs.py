"""Commands that turn a solved output folder into what people read: workbooks, calendars, reports.

Each reads only the folder `roster solve --out DIR` wrote (instance.json, roster.csv,
summary.json), never the solver, and writes its files all at once or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from roster.cli.common import EXIT_INVALID
from roster.domain.io import write_outputs
from roster.domain.solved import FolderError, Solved, load_solved


def _fail(err: FolderError) -> NoReturn:
    for line in err.lines:
        click.echo(f"error: {line}", err=True)
    click.echo(f"To fix: {err.hint}; nothing was written.", err=True)
    sys.exit(EXIT_INVALID)


def _load(folder: str) -> Solved:
    try:
        return load_solved(folder)
    except FolderError as err:
        _fail(err)


def _target(to: str | None, default: Path) -> tuple[Path, str]:
    """(folder, file name) for an output file given with --to, or the default beside the roster."""
    path = Path(to) if to else default
    return path.parent, path.name


@click.group(name="export")
def export() -> None:
    """Export a solved roster for people: an Excel workbook or personal calendars.

    \b
    Examples:
      roster export xlsx out/week
      roster export ics out/week --to calendars/
    """


@export.command(name="xlsx")
@click.argument("out_dir", metavar="OUT_DIR", type=click.Path())
@click.option(
    "--to", "to", type=click.Path(dir_okay=False), help="Workbook to write [OUT_DIR/roster.xlsx]."
)
def export_xlsx(out_dir: str, to: str | None) -> None:
    """Write the roster as an Excel workbook: a sheet per site, Clinicians, Allocation, Rules.

    OUT_DIR is a folder written by `roster solve --out`. Under-covered sessions and shortfalls
    against allocation targets are filled; text that looks like a formula stays text.

    \b
    Example:
      roster export xlsx out/week --to week.xlsx
    """
    from roster.outputs.xlsx import workbook_bytes

    solved = _load(out_dir)
    folder, name = _target(to, solved.folder / "roster.xlsx")
    if not name.lower().endswith(".xlsx"):
        raise click.BadParameter(
            f"'{to}' does not end in .xlsx; name a workbook", param_hint="--to"
        )
    write_outputs(folder, {name: workbook_bytes(solved.instance, solved.pairs, solved.summary)})
    sites = len(solved.instance.sites)
    click.echo(f"Wrote {folder / name} ({sites} site sheet(s), Clinicians, Allocation, Rules)")


@export.command(name="ics")
@click.argument("out_dir", metavar="OUT_DIR", type=click.Path())
@click.option(
    "--to",
    "to",
    type=click.Path(file_okay=False),
    help="Folder for the calendars [OUT_DIR/calendars].",
)
@click.option(
    "--stamp",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"]),
    metavar="YYYY-MM-DD[THH:MM]",
    help="Publication time (UTC) written as each event's DTSTAMP [the horizon's first day].",
)
def export_ics(out_dir: str, to: str | None, stamp: dt.datetime | None) -> None:
    """Write one iCalendar file per clinician (CLINICIAN.ics), times in Asia/Hong_Kong.

    OUT_DIR is a folder written by `roster solve --out`. Each event's UID is
    SESSION-CLINICIAN@roster, so importing a re-published roster updates events instead of
    duplicating them; give --stamp (the publication time) so calendar programs know which version
    is newer. Every clinician gets a file, empty when off all horizon.

    \b
    Example:
      roster export ics out/week --to out/week/calendars --stamp 2026-12-01T09:00
    """
    from roster.outputs.ics import calendar_files

    solved = _load(out_dir)
    folder = Path(to) if to else solved.folder / "calendars"
    when = None if stamp is None else stamp.replace(tzinfo=dt.UTC)
    files = calendar_files(solved.instance, solved.pairs, when)
    write_outputs(folder, files)
    events = len(set(solved.pairs))
    click.echo(f"Wrote {len(files)} calendar(s) with {events} event(s) to {folder}")


@click.command(name="report")
@click.argument("out_dir", metavar="OUT_DIR", type=click.Path(), required=False)
@click.option(
    "--to", "to", type=click.Path(dir_okay=False), help="Page to write [OUT_DIR/report.html]."
)
@click.option(
    "--sweep",
    "sweep_dir",
    type=click.Path(file_okay=False),
    help="Instead of one roster: the folder of a `roster sweep` [page: DIR/sweep.html].",
)
@click.option(
    "--x",
    "x",
    default="cover_shortfall",
    show_default=True,
    help="With --sweep: the figure across (a key figure of comparison.json, or objective).",
)
@click.option(
    "--y",
    "y",
    default="fairness_spread",
    show_default=True,
    help="With --sweep: the figure up.",
)
def report(out_dir: str | None, to: str | None, sweep_dir: str | None, x: str, y: str) -> None:
    """Write one self-contained HTML page about a solved roster, or about a sweep (opens offline
    in any browser).

    The page holds the solve status and gap, the objective by rule, a heatmap of cover shortfall
    by date and time, each clinician's sessions by activity against targets, and the roster as a
    calendar per site and per clinician. OUT_DIR is a folder written by `roster solve --out`.

    With --sweep DIR (a folder written by `roster sweep --out`), the page plots two key figures
    of every run against each other, the Pareto set highlighted and each point named by its
    settings, above the table of all runs.

    \b
    Examples:
      roster report out/week && xdg-open out/week/report.html
      roster report --sweep out/sweep --x cover_shortfall --y continuity_breaks
    """
    if (out_dir is None) == (sweep_dir is None):
        raise click.UsageError("give either OUT_DIR (a solved roster) or --sweep DIR, not both")
    if sweep_dir is not None:
        _sweep_report(sweep_dir, to, x, y)
        return
    assert out_dir is not None
    from roster.outputs.html import report_html

    solved = _load(out_dir)
    folder, name = _target(to, solved.folder / "report.html")
    page = report_html(solved.instance, solved.pairs, solved.summary).encode("utf-8")
    write_outputs(folder, {name: page})
    click.echo(f"Wrote {folder / name} ({len(page) / 1e6:.1f} MB, no network needed to view it)")


def _sweep_report(sweep_dir: str, to: str | None, x: str, y: str) -> None:
    from roster.outputs.sweep_html import figure_labels, sweep_html

    path = Path(sweep_dir) / "comparison.json"
    try:
        table = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(table, dict) or not isinstance(table.get("runs"), list):
            raise ValueError("expected the object `roster sweep` writes, with a list of runs")
        labels = figure_labels(table)
    except (OSError, ValueError, KeyError, TypeError) as err:
        _fail(
            FolderError(
                [f"{path}: not a sweep's comparison ({err})"],
                f"run `roster sweep ... --out {sweep_dir}` to write it",
            )
        )
    for option, key in (("--x", x), ("--y", y)):
        if key not in labels:
            raise click.BadParameter(
                f"unknown figure '{key}' (known: {', '.join(labels)})", param_hint=option
            )
    folder, name = _target(to, Path(sweep_dir) / "sweep.html")
    page = sweep_html(table, x, y, f"Sweep {Path(sweep_dir).resolve().name}").encode("utf-8")
    write_outputs(folder, {name: page})
    solved = sum(1 for r in table["runs"] if r.get("figures") is not None)
    click.echo(
        f"Wrote {folder / name} ({len(table['runs'])} runs, {solved} plotted; "
        "no network needed to view it)"
    )


COMMANDS: list[click.Command] = [export, report]
