"""The office's weekly cycle: the history store's schema, publishing a roster, and its history."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import json
import sys

import click

from roster.cli.common import EXIT_INVALID, db_option, load, store_errors
from roster.domain.solved import FolderError, load_solved


@click.group(name="db")
def db_group() -> None:
    """The history store: a SQLite file (a plain path) or a PostgreSQL database (a
    postgresql+psycopg:// URL), given with --db or the ROSTER_DB environment variable.

    \b
    Example:
      roster db upgrade --db history.db
    """


@db_group.command(name="upgrade")
@db_option
def db_upgrade(db: str | None) -> None:
    """Create the history store's schema, or migrate it to the one this roster uses.

    A SQLite file is created when missing (its folder must exist). Every other command refuses a
    store whose schema is older or newer than this roster's, and says to run this.

    \b
    Example:
      roster db upgrade --db history.db
      ROSTER_DB=postgresql+psycopg://office@db.example/roster roster db upgrade
    """
    from roster.app.store import Store

    with store_errors(), Store.open(db, create=True) as store:
        before, after = store.upgrade()
        label = store.location.label
    if before is None:
        click.echo(f"Created the history store's schema (revision {after}) in {label}")
    elif before == after:
        click.echo(f"{label} is up to date (revision {after})")
    else:
        click.echo(f"Upgraded {label} from revision {before} to {after}")


def publisher(by: str | None) -> str:
    if by is not None and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@click.command()
@click.argument("out_dir", metavar="OUT_DIR", type=click.Path())
@db_option
@click.option("--note", default="", help="Why this version is published (kept with it).")
@click.option(
    "--force",
    is_flag=True,
    help="Publish even with hard violations (needs --note saying why).",
)
@click.option("--by", "by", help="Who publishes [the login name].")
def publish(out_dir: str, db: str | None, note: str, force: bool, by: str | None) -> None:
    """Record a solved or repaired roster as the published version of its horizon.

    OUT_DIR is a folder written by `roster solve --out` or `roster repair --out`. The roster is
    checked first, with the store's history before its horizon (runs of days, rest and
    successions across the boundary): a hard violation refuses it (exit 1, the violations
    listed) unless --force is given with a --note. Publishing a horizon again makes the next
    version and prints what changed for each clinician. Exit 2 for a bad folder or store.

    \b
    Example:
      roster publish out/week-1 --db history.db --note "first roster of the term"
    """
    from roster.app.cycle import Refused, difference_lines, publish_roster
    from roster.app.store import Store

    try:
        solved = load_solved(out_dir)
    except FolderError as err:
        for line in err.lines:
            click.echo(f"error: {line}", err=True)
        click.echo(f"To fix: {err.hint}; nothing was published.", err=True)
        sys.exit(EXIT_INVALID)
    source = "repair" if "repair" in solved.summary else "publish"
    with store_errors(), Store.open(db) as store:
        outcome = publish_roster(
            store,
            solved.instance,
            solved.pairs,
            solved.summary,
            published_by=publisher(by),
            note=note,
            force=force,
            source=source,
        )
        label = store.location.label
    if isinstance(outcome, Refused):
        for v in outcome.report.hard_violations:
            click.echo(f"hard: {v}", err=True)
        n = len(outcome.report.hard_violations)
        click.echo(
            f"Refused: {n} hard violation{'s' if n != 1 else ''}; nothing was published. Fix the "
            'roster, or publish it as it is with --force --note "why".',
            err=True,
        )
        sys.exit(1)
    info = outcome.info
    click.echo(
        f"Published {info.horizon_start} to {info.horizon_end} as version {info.number} in "
        f"{label} (by {info.published_by}, {len(solved.pairs)} assignments"
        + (", forced" if info.forced else "")
        + ")"
    )
    if outcome.previous is not None:
        lines = difference_lines(solved.instance, outcome)
        click.echo(
            f"Changes from version {outcome.previous}: "
            + (f"{len(lines)} clinician(s)" if lines else "none")
        )
        for line in lines:
            click.echo(f"  {line}")


def _day(value: dt.datetime | None) -> dt.date | None:
    return None if value is None else value.date()


@click.command(name="history")
@db_option
@click.option("--clinician", help="One clinician's history.")
@click.option(
    "--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Count from this date."
)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Count to this date.")
@click.option(
    "--by",
    type=click.Choice(["week", "month", "term"]),
    default="week",
    show_default=True,
    help="Add up by ISO week, month or term.",
)
@click.option(
    "--instance",
    "instance_path",
    type=click.Path(),
    help="An instance whose rules file names the terms (needed with --by term); its term "
    "allocations are shown beside what was delivered.",
)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def history(
    db: str | None,
    clinician: str | None,
    date_from: dt.datetime | None,
    date_to: dt.datetime | None,
    by: str,
    instance_path: str | None,
    as_csv: bool,
    as_json: bool,
) -> None:
    """What the published rosters add up to, per clinician and period: sessions and hours by
    activity, evenings, weekends and public holidays, and with --by term each term target
    beside what was delivered. Each date counts its horizon's latest version.

    \b
    Examples:
      roster history --db history.db --clinician D01 --from 2026-09-01
      roster history --db history.db --by term --instance data/samples/hksh-affiliation-term/week-6
    """
    from roster.app.cycle import history_table, term_aims, term_rows
    from roster.app.store import Store

    if as_csv and as_json:
        raise click.UsageError("give --csv or --json, not both")
    instance = load(instance_path, writes=False) if instance_path else None
    terms = None
    if instance is not None:
        terms = {t.name: (t.start, t.end) for t in instance.rules.terms}
    if by == "term" and not terms:
        raise click.UsageError(
            "--by term needs --instance INSTANCE whose rules file names the terms"
        )
    with store_errors(), Store.open(db) as store:
        rows = store.history(clinician, _day(date_from), _day(date_to), by, terms)  # type: ignore[arg-type]
    aims = None
    if instance is not None and by == "term":
        rows = term_rows(rows, instance, clinician)
        aims = term_aims(instance)
    columns, flat = history_table(rows, aims)
    if as_json:
        click.echo(json.dumps(flat, indent=2))
        return
    if as_csv:
        out = io.StringIO()
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(flat)
        click.echo(out.getvalue(), nl=False)
        return
    if not rows:
        click.echo("Nothing published matches.")
        return
    for r, f in zip(rows, flat, strict=True):
        activities = ", ".join(f"{a} {n}" for a, n in r.sessions.items())
        line = (
            f"{r.clinician:<6} {r.name:<24} {r.period:<10} {r.start} to {r.end}  "
            f"{r.total_sessions} sessions ({activities or 'none'}), {r.total_minutes / 60:g} h, "
            f"evenings {r.evenings}, weekends {r.weekends}, holidays {r.holidays}"
        )
        targets = [
            f"{k.removeprefix('term_target_')} {r.sessions.get(k.removeprefix('term_target_'), 0)}"
            f" of {v}"
            for k, v in f.items()
            if k.startswith("term_target_") and v != ""
        ]
        if targets:
            line += "; term target: " + ", ".join(targets)
        click.echo(line)


COMMANDS: list[click.Command] = [db_group, publish, history]
