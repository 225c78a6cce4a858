"""Analyst and office workflows: compare solved rosters, repair a published roster, explain
infeasibility (sweeps are in roster.cli.sweep)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from dataclasses import replace
from typing import Any, NoReturn

import click

from roster.cli.common import (
    EXIT_INFEASIBLE,
    EXIT_INVALID,
    db_option,
    fail_input,
    given_db,
    load,
    sets_option,
    store_errors,
    warn,
    with_db_history,
    writable,
    write,
)
from roster.cli.engine import engine_options
from roster.domain.explain_words import count
from roster.domain.io import (
    InputError,
    InputIssue,
    instance_hash,
    load_instance,
    read_roster,
    table_bytes,
)
from roster.domain.solved import FolderError, load_solved
from roster.domain.tables import Instance
from solver.engine.params import SolveParams


def _fail_folder(err: FolderError) -> NoReturn:
    for line in err.lines:
        click.echo(f"error: {line}", err=True)
    click.echo(f"To fix: {err.hint}.", err=True)
    sys.exit(EXIT_INVALID)


@click.command()
@click.argument("folders", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
def compare(folders: tuple[str, ...], as_json: bool) -> None:
    """Compare solved output folders: objective by rule, KPIs, and the assignments that differ.

    \b
    Example:
      roster compare out/base out/more-teaching
    """
    from roster.app.compare import comparison, markdown

    try:
        runs = [load_solved(f) for f in folders]
    except FolderError as err:
        _fail_folder(err)
    table = comparison(runs)
    if as_json:
        click.echo(json.dumps(table, indent=2))
        return
    click.echo(markdown(table), nl=False)
    for key, pairs in table["differences"].items():
        click.echo(f"{key.replace('_', ' ')}: {len(pairs)} assignments")
        for c, s in pairs:
            click.echo(f"  {c} on {s}")


@click.command()
@click.argument("instance", type=click.Path())
@click.option(
    "--published",
    type=click.Path(dir_okay=False),
    help="The published roster.csv [with --db: the store's latest version of the horizon].",
)
@click.option(
    "--changes", type=click.Path(dir_okay=False), help="What changed (YAML: set, add, remove)."
)
@click.option(
    "--from",
    "start",
    required=True,
    help="Sessions starting before this (YYYY-MM-DD[THH:MM]) stay as published.",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the outputs.",
)
@click.option("--max-changes", type=int, help="At most this many changed assignments (hard).")
@click.option("--change-weight", default=100, show_default=True, help="Cost of any change.")
@click.option(
    "--urgency-weight",
    default=50,
    show_default=True,
    help="Extra cost per day inside the notice window.",
)
@click.option(
    "--notice-days",
    default=7,
    show_default=True,
    help="Days of notice below which changes cost more.",
)
@db_option
@click.option(
    "--publish",
    "do_publish",
    is_flag=True,
    help="Record the repaired roster as the horizon's next version in the store (needs --db).",
)
@click.option("--note", default="", help="With --publish: why this version is published.")
@click.option("--by", "by", help="With --publish: who publishes [the login name].")
@engine_options
def repair(
    instance: str,
    published: str | None,
    changes: str | None,
    start: str,
    out_dir: str,
    max_changes: int | None,
    change_weight: int,
    urgency_weight: int,
    notice_days: int,
    db: str | None,
    do_publish: bool,
    note: str,
    by: str | None,
    engine: SolveParams,
) -> None:
    """Re-solve after a change (sickness, added or cancelled sessions), moving as little as
    possible.

    Writes the new roster files plus changes.csv; exit 3 when no repair satisfies the hard rules.
    With --db (or ROSTER_DB) the published roster is the store's latest version of the horizon
    (unless --published names a file), the history before the horizon counts as in `roster solve
    --db`, and --publish records the repair as the next version with its changes.

    \b
    Examples:
      roster repair data/samples/hksh-affiliation-week --published out/hksh/roster.csv \\
        --changes sick.yaml --from 2026-12-09 --out out/repaired
      roster repair week-2 --db history.db --changes sick.yaml --from 2026-11-11 \\
        --out out/week-2-repaired --publish --note "D05 sick from Wednesday"
    """
    from roster.app.repair import CHANGE_COLUMNS, RepairSettings, change_rows, changes_by_clinician
    from roster.app.repair import repair as run_repair
    from roster.app.solving import Outcome, summary
    from roster.domain.scenario import load_changes
    from roster.outputs.files import output_files

    began = time.perf_counter()  # the time limit covers reading the input too
    try:
        moment = dt.datetime.fromisoformat(start)
    except ValueError:
        raise click.BadParameter(
            f"expected YYYY-MM-DD or YYYY-MM-DDTHH:MM, got '{start}'", param_hint="--from"
        ) from None
    db = given_db(db)
    if published is None and db is None:
        raise click.UsageError(
            "give --published ROSTER.csv, or --db to take the published roster from the store"
        )
    if do_publish and db is None:
        raise click.UsageError("--publish records the repair in the history store: give --db")
    notes: list[InputIssue] = []
    try:
        before = load_instance(instance, warnings=notes)
        pairs = read_roster(published, before) if published is not None else []
        after = load_changes(changes, before) if changes else before
    except InputError as err:
        fail_input(err)
    warn(notes)
    horizon = before.rules.horizon
    if not horizon.start <= moment.date() <= horizon.end:
        raise click.BadParameter(
            f"{start} is outside the horizon {horizon.start} to {horizon.end}; give the first "
            "date (and time) whose sessions may change",
            param_hint="--from",
        )
    writable(out_dir)
    if db is not None:
        from roster.app.cycle import published_pairs

        before = with_db_history(before, db)
        after = with_db_history(after, db)
        if published is None:
            with store_errors():
                pairs = published_pairs(db, before)
    settings = RepairSettings(moment, change_weight, urgency_weight, notice_days, max_changes)
    params = engine
    left = max(1.0, engine.time_limit - (time.perf_counter() - began))
    outcome = run_repair(before, after, pairs, settings, replace(engine, time_limit=left))
    if outcome.frozen_problems:
        for p in outcome.frozen_problems:
            click.echo(f"error: {p}", err=True)
        click.echo(
            "Move --from earlier so these sessions can change; nothing was written.", err=True
        )
        sys.exit(EXIT_INFEASIBLE)
    result = outcome.result
    if not result.status.has_solution:
        click.echo(
            "No repaired roster satisfies the hard "
            f"rules{' within --max-changes' if max_changes else ''} "
            f"(status {result.status.value}); nothing was written.",
            err=True,
        )
        if outcome.why:
            for line in outcome.why:
                click.echo(line, err=True)
            click.echo(
                "A change file may relax a rule for the repair, e.g. "
                "set: {rules.allocation_bounds.hard: false}.",
                err=True,
            )
        sys.exit(EXIT_INFEASIBLE)
    rules_objective = (result.objective or 0) - result.objective_by_rule.get("changes", 0)
    data = summary(
        Outcome(result, (), outcome.check, result.build_seconds),
        params,
        instance_hash(instance),
        after,
    )
    data["repair"] = {
        "from": moment.isoformat(),
        "changes": outcome.n_changes,
        "old_objective": outcome.old_objective,
        "new_objective": rules_objective,
        "change_penalty": result.objective_by_rule.get("changes", 0),
        "by_clinician": changes_by_clinician(outcome),
    }
    files = output_files(after, Outcome(result, (), outcome.check, result.build_seconds), data)
    files["changes.csv"] = table_bytes(change_rows(after, outcome), CHANGE_COLUMNS)
    write(out_dir, files)
    click.echo(
        f"{result.status.value}: {outcome.n_changes} changes; objective {outcome.old_objective} "
        "before, "
        f"{rules_objective} after (plus {data['repair']['change_penalty']} for the changes)"
    )
    for clinician, kinds in data["repair"]["by_clinician"].items():
        parts = [f"{kind} {', '.join(sessions)}" for kind, sessions in kinds.items()]
        click.echo(f"  {clinician}: {'; '.join(parts)}")
    click.echo(f"Wrote the repaired roster and changes.csv to {out_dir}")
    if do_publish:
        _publish_repair(db, after, result.assignments, data, note, by)


def _publish_repair(
    db: str | None,
    after: Instance,
    assignments: tuple[tuple[str, str], ...],
    data: dict[str, Any],
    note: str,
    by: str | None,
) -> None:
    from roster.app.cycle import Refused, difference_lines, publish_roster
    from roster.app.store import Store
    from roster.cli.cycle import publisher

    with store_errors(), Store.open(db) as store:
        outcome = publish_roster(
            store, after, assignments, data, published_by=publisher(by), note=note, source="repair"
        )
    if isinstance(outcome, Refused):
        for v in outcome.report.hard_violations:
            click.echo(f"hard: {v}", err=True)
        click.echo("The repaired roster was not published: it breaks hard rules.", err=True)
        sys.exit(1)
    info = outcome.info
    click.echo(
        f"Published {info.horizon_start} to {info.horizon_end} as version {info.number} "
        f"(a repair of version {outcome.previous})"
    )
    for line in difference_lines(after, outcome):
        click.echo(f"  {line}")


@click.command()
@click.argument("instance", type=click.Path())
@click.option(
    "--relax",
    "do_relax",
    is_flag=True,
    help="Also solve with the conflicting rules as heavy penalties.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    help="With --relax: write the least bad roster here.",
)
@sets_option
@db_option
@engine_options
def explain(
    instance: str,
    do_relax: bool,
    out_dir: str | None,
    sets: tuple[str, ...],
    db: str | None,
    engine: SolveParams,
) -> None:
    """Explain why the hard rules cannot all hold: the few requirements that conflict.

    Prints supply-against-demand problems found without solving, then a minimal set of hard
    requirements that cannot hold together (drop any one of them and the rest can). Exit 0 when
    the instance is feasible, 3 when it is not. With --db (or ROSTER_DB) the published history
    before the horizon holds as in `roster solve --db`.

    \b
    Example:
      roster explain my-week --relax --out out/least-bad
    """
    from roster.app.explain import conflict_lines, diagnose, relax
    from roster.app.solving import Outcome, summary
    from roster.outputs.files import output_files
    from solver.model.result import Result, SolveStatus

    inst = load(instance, sets)
    if do_relax:
        writable(out_dir)
    inst = with_db_history(inst, db, click.echo)
    time_limit = engine.time_limit
    diagnosis = diagnose(inst, time_limit)
    if diagnosis.cheap:
        click.echo("Demand beyond supply (found without solving):")
        for line in diagnosis.cheap:
            click.echo(f"  - {line}")
    ex = diagnosis.explanation
    if ex.status == "FEASIBLE":
        click.echo("The hard rules can all hold: nothing to explain.")
        return
    if ex.status != "INFEASIBLE":
        click.echo(f"No answer within {time_limit:g} s; try a longer --time-limit.", err=True)
        sys.exit(4)
    for line in conflict_lines(diagnosis):
        click.echo(line)
    click.echo(f"({count(ex.solves, 'solve')}, {ex.seconds:.1f} s)")
    if do_relax:
        params = engine
        relaxed = relax(inst, diagnosis, params)
        if relaxed.check is None:
            click.echo(f"No relaxed roster found (status {relaxed.status}).", err=True)
            sys.exit(EXIT_INFEASIBLE)
        click.echo(
            f"The least bad roster ({relaxed.status}) breaks "
            f"{count(len(relaxed.check.hard_violations), 'hard rule')}; soft objective "
            f"{relaxed.check.objective:,}:"
        )
        for v in relaxed.check.hard_violations:
            click.echo(f"  - {v}")
        if out_dir:
            result = Result(
                SolveStatus(relaxed.status),
                relaxed.assignments,
                relaxed.check.objective,
                None,
                relaxed.check.objective_by_rule,
                0.0,
                0.0,
            )
            outcome = Outcome(result, (), relaxed.check, 0.0)
            data = summary(outcome, params, instance_hash(instance), inst)
            data["relaxed"] = {
                "groups": list(diagnosis.sentences),
                "hard_violations": list(relaxed.check.hard_violations),
            }
            write(out_dir, output_files(inst, outcome, data))
            click.echo(f"Wrote the least bad roster to {out_dir}")
    sys.exit(EXIT_INFEASIBLE)


COMMANDS: list[click.Command] = [compare, repair, explain]
