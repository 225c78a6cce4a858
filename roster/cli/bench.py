"""`roster bench curtois`: solve public benchmark instances with the office's engine and score
them."""

from __future__ import annotations

import functools
import sys
from typing import Any

import click

from roster.app.runners import TaskFailed
from roster.cli.common import writable, write
from roster.cli.engine import engine_options
from roster.cli.sweep import make_runner, ray_option
from roster.outputs.tables import markdown_table
from solver.engine.params import SolveParams


@click.group()
def bench() -> None:
    """Measure the engine on public benchmarks."""


@bench.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for results."
)
@ray_option
@engine_options
def curtois(
    files: tuple[str, ...], out_dir: str, ray_address: str | None, engine: SolveParams
) -> None:
    """Solve Curtois and Qu shift scheduling instances and score them with the benchmark's rules.

    Writes <Instance>.csv (employee,day,shift) per instance and results.csv / results.md; the
    engine's settings are the same for every instance. Each instance is solved in a process of
    its own, one at a time, or with --ray as Ray tasks of --workers CPUs each, as many at once as
    the cluster holds (results come back here; the machines need no shared disk).

    \b
    Examples:
      roster bench curtois data/benchmarks/curtois/Instance1.txt --time-limit 60 --out out/bench
      roster bench curtois data/benchmarks/curtois/Instance*.txt --out out/bench --ray=HEAD:6379
    """
    # the engine is imported when a benchmark runs, not by every command's start
    from roster.app.bench import COLUMNS, solve_one

    writable(out_dir)
    runner = make_runner(ray_address, jobs=1, fresh_process=True)
    found: dict[int, dict[str, Any]] = {}
    results = runner.run(functools.partial(solve_one, engine=engine), files, engine.workers)
    try:
        for i, row in results:
            if isinstance(row, TaskFailed):  # the child's own error, with the file it was on
                click.echo(f"error: {files[i]}: {row.message}", err=True)
                sys.exit(1)
            solution = row.pop("solution")
            csv_text = "employee,day,shift\n" + "".join(f"{e},{d},{s}\n" for e, d, s in solution)
            write(out_dir, {f"{row['instance']}.csv": csv_text.encode()})
            found[i] = row
            click.echo(" | ".join(str(row[c]) for c in COLUMNS), err=True)
    finally:
        results.close()
    rows = [found[i] for i in sorted(found)]
    csv_out = (
        ",".join(COLUMNS)
        + "\n"
        + "".join(",".join(str(r[c]) for c in COLUMNS) + "\n" for r in rows)
    )
    md = markdown_table(COLUMNS, rows)
    write(out_dir, {"results.csv": csv_out.encode(), "results.md": md.encode()})
    click.echo(md, nl=False)


COMMANDS: list[click.Command] = [bench]
