"""The core commands: validate, solve, check, schema, generate, rules."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from roster.app.solving import Outcome
from roster.cli.common import (
    EXIT_INFEASIBLE,
    EXIT_INTERRUPTED,
    EXIT_NO_SOLUTION,
    db_option,
    fail_input,
    fail_output,
    given_db,
    key_values,
    load,
    sets_option,
    with_db_history,
    writable,
    write,
)
from roster.cli.engine import engine_options
from roster.cli.interrupt import run_beside, stopped_by_signals
from roster.domain.explain_words import count
from roster.domain.io import InputError, OutputError, instance_hash, read_roster
from roster.domain.rules import RULE_KINDS
from roster.domain.tables import Instance
from solver.engine.params import SolveParams
from solver.model.stop import Stop


@click.command()
@click.argument("instance", type=click.Path())
def validate(instance: str) -> None:
    """Check an instance and report every problem at once (exit 2 if any).

    Warns (exit 0) about clinicians whose credentials' dates keep them from some session inside
    the horizon, and about credentials that lapse soon after it (eligibility.warn_days).

    \b
    Example:
      roster validate data/samples/dual-track-cohort
    """
    from roster.domain.credentials import credential_warnings

    inst = load(instance, writes=False)
    for line in credential_warnings(inst):
        click.echo(f"warning: {line}", err=True)
    click.echo(
        f"{instance}: valid ({len(inst.clinicians)} clinicians, {len(inst.sessions)} sessions, "
        f"{inst.rules.horizon.start} to {inst.rules.horizon.end}, rules: "
        f"{', '.join(inst.rules.rules.active())})"
    )


@click.command()
@click.argument("instance", type=click.Path())
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for the outputs.",
)
@click.option(
    "--hint",
    "hint_path",
    type=click.Path(dir_okay=False),
    help="A previous roster.csv to start from.",
)
@sets_option
@db_option
@engine_options
@click.option("--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def solve(
    instance: str,
    out_dir: str,
    hint_path: str | None,
    sets: tuple[str, ...],
    db: str | None,
    engine: SolveParams,
    quiet: bool,
    as_json: bool,
) -> None:
    """Solve an instance and write roster.csv, roster.xlsx, clinicians.csv, coverage.csv and
    summary.json (and instance.json, for `roster export` and `roster report`).

    On a terminal a live line shows the elapsed time, the incumbent, the bound and the gap; in a
    log it prints plain lines instead. --quiet prints only errors; --json prints the summary.

    With --db (or ROSTER_DB) the latest published rosters before the horizon carry over: runs of
    worked days and days off, rest and successions across the boundary, what was delivered in
    each term, and the sessions fairness counts in its window.

    Exit codes: 0 solved, 2 invalid input, 3 the hard rules cannot all hold,
    4 no roster found in time.

    \b
    Example:
      roster solve data/samples/hksh-affiliation-week --out out/ --time-limit 30 --workers 2
    """
    from roster.app.solving import solve_instance, summary
    from roster.outputs.files import output_files
    from roster.outputs.progress import SolveDisplay

    began = time.perf_counter()  # the time limit covers reading the input too
    inst = load(instance, sets)
    writable(out_dir)
    hint = None
    if hint_path:
        try:
            hint = read_roster(hint_path, inst)
        except InputError as err:
            fail_input(err)
    params = engine
    time_limit, workers = engine.time_limit, engine.workers
    say: Callable[[str], None] = (
        (lambda _: None) if quiet or as_json else (lambda m: click.echo(m, err=True))
    )
    inst = with_db_history(inst, db, say)
    say(
        f"Solving {instance}: {len(inst.clinicians)} clinicians, {len(inst.sessions)} sessions, "
        f"time limit {time_limit:g} s, {count(workers, 'worker')}"
    )

    # live on a terminal, plain lines in logs; beside CP-SAT's own log (--log), plain lines too
    live = False if engine.log else None
    stop = Stop()
    with stopped_by_signals(stop, quiet=quiet or as_json):
        with SolveDisplay(time_limit=time_limit, quiet=quiet or as_json, live=live) as display:
            outcome = run_beside(
                lambda: solve_instance(
                    inst,
                    params,
                    hint=hint,
                    on_progress=display.update,
                    stop=stop,
                    spent=time.perf_counter() - began,
                )
            )
        result = outcome.result
        if result.interrupted:
            # Ctrl-C or SIGTERM: the best roster so far, written all at once (a second signal
            # while it is written ends the process and leaves the folder as it was)
            if not result.status.has_solution:
                click.echo(
                    "Interrupted before any roster was found; nothing was written.", err=True
                )
                sys.exit(EXIT_INTERRUPTED)
            data = summary(outcome, params, instance_hash(instance), inst)
            data["settings"]["overrides"] = key_values(sets, "--set")
            data["settings"]["hint"] = hint_path
            write(out_dir, output_files(inst, outcome, data))
            if as_json:
                click.echo(json.dumps(data, indent=2))
            click.echo(
                f"INTERRUPTED: the best roster found so far (objective {result.objective:,}) was "
                f"written to {out_dir}.",
                err=True,
            )
            sys.exit(EXIT_INTERRUPTED)
    _written(inst, instance, outcome, params, sets, hint_path, out_dir, as_json, say)


def _written(
    inst: Instance,
    instance: str,
    outcome: Outcome,
    params: SolveParams,
    sets: tuple[str, ...],
    hint_path: str | None,
    out_dir: str,
    as_json: bool,
    say: Callable[[str], None],
) -> None:
    """What `roster solve` does with an outcome that was not interrupted: explain a failure
    (exit 3 or 4), or write the roster and print its summary."""
    from roster.app.explain import gap_words
    from roster.app.solving import summary
    from roster.outputs.files import output_files

    result = outcome.result
    time_limit = params.time_limit
    if outcome.cover_gaps:
        click.echo(
            "The hard rules cannot all hold: these sessions need more clinicians than are eligible "
            "and available.",
            err=True,
        )
        for g in outcome.cover_gaps:
            click.echo(f"  {gap_words(inst, g)}", err=True)
        click.echo(
            "No roster was written. Add clinicians or privileges, lower the minimum, or set "
            "rules.cover_min.hard=false to see the least bad roster.",
            err=True,
        )
        sys.exit(EXIT_INFEASIBLE)
    if result.status.value == "INFEASIBLE":
        click.echo("The hard rules cannot all hold together; no roster was written.", err=True)
        _quick_explanation(inst, max(5.0, min(30.0, time_limit / 4)))
        click.echo(
            f"Run `roster explain {instance} --relax` for the least bad roster and what it breaks.",
            err=True,
        )
        sys.exit(EXIT_INFEASIBLE)
    if not result.status.has_solution:
        click.echo(
            f"No roster found within {time_limit:g} s (status {result.status.value}); "
            "nothing was written. Try a longer --time-limit.",
            err=True,
        )
        sys.exit(EXIT_NO_SOLUTION)

    data = summary(outcome, params, instance_hash(instance), inst)
    data["settings"]["overrides"] = key_values(sets, "--set")
    data["settings"]["hint"] = hint_path
    if inst.history is not None:
        data["settings"]["history"] = inst.history.source
    write(out_dir, output_files(inst, outcome, data))
    if as_json:
        click.echo(json.dumps(data, indent=2))
    gap = "" if result.gap is None else f", gap {result.gap:.2%}"
    bound = (
        "no bound"
        if result.best_bound is None
        else f"bound {result.best_bound:,.0f} ({result.bound_source})"
    )
    say(
        f"{result.status.value}: objective {result.objective:,}, {bound}{gap}, "
        f"{len(result.assignments)} assignments, {result.wall_seconds:.1f} s"
    )
    for kind, penalty in result.objective_by_rule.items():
        say(f"  {kind:<20} {penalty:>10,}")
    if outcome.check is not None and (
        outcome.check.hard_violations or outcome.check.objective != result.objective
    ):
        say(
            f"warning: the independent checker disagrees (objective {outcome.check.objective}, "
            f"{len(outcome.check.hard_violations)} hard violations)"
        )
    say(
        f"Wrote roster.csv, roster.xlsx, clinicians.csv, coverage.csv, summary.json, instance.json "
        f"to {out_dir}"
    )


def _quick_explanation(inst: Instance, time_limit: float) -> None:
    """The minimal conflicting set, when it can be found in a few seconds."""
    from roster.app.explain import conflict_lines, diagnose

    diagnosis = diagnose(inst, time_limit)
    if diagnosis.explanation.status != "INFEASIBLE":
        return
    for line in conflict_lines(diagnosis):
        click.echo(line, err=True)


@click.command()
@click.argument("instance", type=click.Path())
@click.argument("roster_file", metavar="ROSTER.csv", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@db_option
def check(instance: str, roster_file: str, as_json: bool, db: str | None) -> None:
    """Re-score any roster (even one edited by hand) without the solver.

    With --db (or ROSTER_DB) the published rosters before the horizon count as `roster solve
    --db` counts them.

    Exit codes: 0 no hard violation, 1 hard violations, 2 invalid input.

    \b
    Example:
      roster check data/samples/hksh-affiliation-week out/roster.csv
    """
    from roster.domain.check import check_roster

    inst = load(instance, writes=False)
    try:
        pairs = read_roster(roster_file, inst)
    except InputError as err:
        fail_input(err, writes=False)
    if given_db(db) is not None:
        inst = with_db_history(inst, db, None if as_json else click.echo)
    report = check_roster(inst, pairs)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        for v in report.hard_violations:
            click.echo(f"hard: {v}")
        n = len(report.hard_violations)
        click.echo(f"{count(n, 'hard violation')}; objective {report.objective:,}")
        for kind, penalty in report.objective_by_rule.items():
            click.echo(f"  {kind:<20} {penalty:>10,}")
    sys.exit(1 if report.hard_violations else 0)


@click.command()
@click.option("--rules", "which", flag_value="rules", help="Only the rules file's schema.")
@click.option(
    "--instance", "which", flag_value="instance", default=True, help="The whole instance (default)."
)
def schema(which: str) -> None:
    """Print the JSON Schema of the instance model (or of the rules file).

    \b
    Example:
      roster schema --rules > rules.schema.json
    """
    from roster.domain.rules import RuleSet

    model = RuleSet if which == "rules" else Instance
    click.echo(json.dumps(model.model_json_schema(), indent=2))


@click.command()
@click.option(
    "--clinicians",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Number of clinicians.",
)
@click.option(
    "--weeks", default=1, show_default=True, type=click.IntRange(1, 104), help="Number of weeks."
)
@click.option("--seed", default=1, show_default=True, help="Random seed.")
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder to write."
)
def generate(clinicians: int, weeks: int, seed: int, out_dir: str) -> None:
    """Write a generated instance of the HKSH sample's shape, from a seed.

    \b
    Example:
      roster generate --clinicians 300 --weeks 2 --seed 1 --out big/
    """
    from roster.domain.sources.generated import write_instance

    writable(out_dir)
    try:
        write_instance(Path(out_dir), clinicians, weeks, seed)
    except OSError as err:
        fail_output(OutputError(f"cannot write to {out_dir}: {err.strerror or err}"))
    click.echo(
        f"Wrote an instance of {count(clinicians, 'clinician')} over {count(weeks, 'week')} "
        f"to {out_dir}"
    )


@click.command(name="rules")
def list_rules() -> None:
    """List the rule kinds a rules file may use (see docs/rules.md).

    \b
    Example:
      roster rules
    """
    for kind in RULE_KINDS:
        click.echo(kind)


COMMANDS: list[click.Command] = [validate, solve, check, schema, generate, list_rules]
