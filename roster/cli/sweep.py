"""`roster sweep`: scenario files and grids of settings, solved on local processes or on Ray."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from roster.app.runners import ProcessRunner, RayRunner, Runner, RunnerError
from roster.cli.common import (
    EXIT_INVALID,
    db_option,
    given_db,
    store_errors,
    writable,
)
from roster.cli.engine import engine_options
from roster.domain.tables import Instance
from solver.engine.params import SolveParams

if TYPE_CHECKING:
    from roster.app.sweep import Row

F = TypeVar("F", bound=Callable[..., Any])

EXIT_SOME_FAILED = 1
EXIT_INTERRUPTED = 130


def ray_option(f: F) -> F:
    """--ray [ADDRESS]: Ray tasks instead of local processes."""
    return click.option(
        "--ray",
        "ray_address",
        is_flag=False,
        flag_value="local",
        default=None,
        metavar="[ADDRESS]",
        help="Run each solve as a Ray task asking for --workers CPUs: alone, on a local Ray "
        "started for the run; with an address (HOST:6379, ray://HOST:10001, auto), on that "
        "cluster. Needs the extra: pip install -e '.[ray]'. Give it after the paths, or as "
        "--ray=ADDRESS.",
    )(f)


def make_runner(ray_address: str | None, jobs: int, fresh_process: bool = False) -> Runner:
    """Local processes, or Ray when --ray was given; exit 2 with how to fix what is missing."""
    if ray_address is None:
        return ProcessRunner(jobs, fresh_process)
    _check_address(ray_address)
    try:
        return RayRunner(None if ray_address == "local" else ray_address, fresh_process)
    except RunnerError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_INVALID)


def _check_address(ray_address: str | None) -> None:
    """`--ray PATH`: the path was taken for the address."""
    if ray_address is not None and Path(ray_address).exists():
        raise click.BadParameter(
            f"'{ray_address}' is a file or folder, not a Ray address: put --ray after the paths, "
            "or write --ray=ADDRESS",
            param_hint="--ray",
        )


def _say(row: Row, done: int, total: int) -> None:
    what = row.status
    if row.objective is not None:
        what += f", objective {row.objective:,}"
    if row.seconds is not None:
        what += f", {row.seconds:.1f} s"
    if row.resumed:
        what += ", kept from before"
    if row.message:
        what += f": {row.message}"
    click.echo(f"[{done}/{total}] {row.run.name}: {what}", err=True)


@click.command()
@click.argument("paths", nargs=-1, metavar="INSTANCE|SCENARIO.yaml...")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for all outputs.",
)
@click.option(
    "--grid",
    "grid",
    multiple=True,
    metavar="KEY=V1,V2,...",
    help="Solve with each of these values of a rules-file key, e.g. "
    "rules.fairness.weight=1,4,16 (repeatable: every combination is a run).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Local runs at once, each in a worker process [the CPUs over --workers]; "
    "with --ray, Ray decides.",
)
@ray_option
@click.option(
    "--resume",
    is_flag=True,
    help="Keep the runs whose folder already holds a roster of the same input and settings.",
)
@db_option
@engine_options
def sweep(
    paths: tuple[str, ...],
    out_dir: str,
    grid: tuple[str, ...],
    jobs: int | None,
    ray_address: str | None,
    resume: bool,
    db: str | None,
    engine: SolveParams,
) -> None:
    """Solve instances and scenario files over a grid of settings, and compare the runs.

    Each run is a path (an instance, or a scenario file) with one combination of the --grid
    values; it is named by its settings and written to OUT/<name>/. OUT/comparison.md and
    comparison.json give every run's status, objective and key figures (cover shortfall,
    fairness spread, continuity breaks, requests met, allocation attained), and mark the Pareto
    set: the runs no other run beats on all of them. `roster report --sweep OUT` plots them.

    With --db (or ROSTER_DB) each run carries the published history before its horizon, as
    `roster solve --db` does. A run that fails is a row with its status and message; Ctrl-C
    cancels the runs not finished and still writes the table. Exit codes: 0 every run has a
    roster, 1 some run has none (infeasible, out of time, failed), 2 a scenario or setting is not
    valid, 130 interrupted.

    \b
    Examples:
      roster sweep data/samples/dual-track-cohort --out out/sweep --time-limit 60 \\
        --grid rules.fairness.weight=1,4,16 --grid rules.continuity.weight=0,3,9
      roster sweep scenarios/*.yaml --grid rules.requests.weight=1,5 --out out/s --ray
      roster sweep my-week --grid rules.fairness.weight=1,4 --out out/s --ray=HEAD:6379
    """
    # the sweep's own modules (and the outputs' libraries) load when a sweep runs, not with
    # every command
    from roster.app.sweep import SOLVED, Source, expand, markdown, parse_axis, run_sweep
    from roster.outputs.files import output_files

    _check_address(ray_address)
    if not paths:
        raise click.UsageError("Missing argument 'INSTANCE|SCENARIO.yaml...'.")
    try:
        axes = [parse_axis(item) for item in grid]
        runs = expand([Source.of(p) for p in paths], axes)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--grid") from None
    writable(out_dir)
    runner = make_runner(ray_address, jobs or max(1, (os.cpu_count() or 1) // engine.workers))

    where = "Ray" if ray_address else "local processes"
    click.echo(f"Sweep: {len(runs)} runs on {where}, writing to {out_dir}", err=True)
    try:
        with store_errors(), _carry(given_db(db)) as carry:
            outcome = run_sweep(
                runs, out_dir, engine, runner, output_files, resume=resume, on_row=_say, carry=carry
            )
    except RunnerError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(markdown(outcome.table), nl=False)
    counts = ", ".join(f"{n} {status}" for status, n in outcome.counts.items())
    click.echo(f"Wrote {out_dir}/comparison.md and comparison.json ({counts})", err=True)
    if outcome.interrupted:
        click.echo("Interrupted: run again with --resume to finish the sweep.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if "INVALID" in outcome.counts:
        sys.exit(EXIT_INVALID)
    if any(row.status not in SOLVED for row in outcome.rows):
        sys.exit(EXIT_SOME_FAILED)


@contextmanager
def _carry(db: str | None) -> Iterator[Callable[[Instance], Instance] | None]:
    """With a store: what gives each run's instance the history before its horizon."""
    if db is None:
        yield None
        return
    from roster.app.cycle import read_history, with_history
    from roster.app.store import Store

    with Store.open(db) as store:
        yield lambda instance: with_history(instance, read_history(store, instance))


COMMANDS: list[click.Command] = [sweep]
