"""`roster bench curtois`: solve public benchmark instances with the office's engine and score
them."""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import click

from roster.cli.common import engine_options
from roster.domain.io import write_outputs
from roster.outputs.tables import markdown_table
from solver.engine.params import SolveParams


def _stdout_to_stderr() -> None:
    """In the child: CP-SAT's log (--log) goes to our stderr, leaving stdout to the table."""
    os.dup2(2, 1)


def _solve_apart(path: str, engine: SolveParams) -> dict[str, Any]:
    """One instance in a fresh process of its own, so that its peak memory is its own."""
    # the engine is imported when a benchmark runs, not by every command's start
    from roster.app.bench import solve_one

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_stdout_to_stderr) as pool:
        return pool.submit(solve_one, path, engine).result()


@click.group()
def bench() -> None:
    """Measure the engine on public benchmarks."""


@bench.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for results."
)
@engine_options
def curtois(files: tuple[str, ...], out_dir: str, engine: SolveParams) -> None:
    """Solve Curtois and Qu shift scheduling instances and score them with the benchmark's rules.

    Writes <Instance>.csv (employee,day,shift) per instance and results.csv / results.md; the
    engine's settings are the same for every instance.

    \b
    Example:
      roster bench curtois data/benchmarks/curtois/Instance1.txt --time-limit 60 --out out/bench
    """
    from roster.app.bench import COLUMNS

    rows = []
    for path in files:
        try:
            row = _solve_apart(path, engine)
        except Exception as err:  # the child's own error, reported with the file it was on
            click.echo(f"error: {path}: {err}", err=True)
            sys.exit(1)
        solution = row.pop("solution")
        csv_text = "employee,day,shift\n" + "".join(f"{e},{d},{s}\n" for e, d, s in solution)
        write_outputs(out_dir, {f"{row['instance']}.csv": csv_text.encode()})
        rows.append(row)
        click.echo(" | ".join(str(row[c]) for c in COLUMNS), err=True)
    csv_out = (
        ",".join(COLUMNS)
        + "\n"
        + "".join(",".join(str(r[c]) for c in COLUMNS) + "\n" for r in rows)
    )
    md = markdown_table(COLUMNS, rows)
    write_outputs(out_dir, {"results.csv": csv_out.encode(), "results.md": md.encode()})
    click.echo(md, nl=False)


COMMANDS: list[click.Command] = [bench]
