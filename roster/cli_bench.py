"""`roster bench curtois`: solve public benchmark instances with the office's engine and score
them."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import click
import yaml

from roster.io import write_outputs

BEST_KNOWN = {
    "Instance1": 607,
    "Instance2": 828,
    "Instance3": 1001,
    "Instance4": 1716,
    "Instance5": 1143,
    "Instance6": 1950,
    "Instance7": 1056,
    "Instance8": 1300,
    "Instance11": 3443,
    "Instance14": 1278,
    "Instance15": 3828,
    "Instance18": 4459,
    "Instance20": 4769,
    "Instance22": 30241,
    "Instance24": 40439,
}  # published best known objectives (Instance15: 3828 or 3829; Instance24: 40439 or 42463)
COLUMNS = (
    "instance",
    "days",
    "staff",
    "shift_types",
    "objective",
    "best_known",
    "ratio",
    "best_bound",
    "status",
    "hard_violations",
    "wall_seconds",
    "build_seconds",
    "peak_mb",
)


# None: the benchmark runs with exactly the CP-SAT settings the scheduling office gets.
DEFAULT_CP_SAT: tuple[str, ...] = ()
# the same share for every instance: a first roster one clinician at a time (solver/firstpass.py)
DEFAULT_FIRST_PASS = 0.25
DEFAULT_COLUMNS = 0.7
# the solver's search settings, shared by `roster solve` and `roster bench curtois`
FIRST_PASS_OPTION = click.option(
    "--first-pass",
    "first_pass",
    default=DEFAULT_FIRST_PASS,
    show_default=True,
    type=click.FloatRange(0.0, 0.9),
    help="When CP-SAT has searched this share of the time left after its presolve without a "
    "roster, or with one costing more than the roster built clinician by clinician and improved "
    "beside it, go on from that roster in the time left (0: never).",
)
COLUMNS_OPTION = click.option(
    "--columns",
    default=DEFAULT_COLUMNS,
    show_default=True,
    type=click.FloatRange(0.0, 0.9),
    help="The share of the time limit column generation may take for a lower bound and a first "
    "roster, where the objective splits by clinician (0: never; needs --first-pass above 0).",
)


def markdown_table(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    """A Markdown table: a header of ``columns``, then each row's values in that order."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def solve_one(
    path: str,
    time_limit: float,
    workers: int,
    cp_sat: dict[str, Any] | None = None,
    first_pass: float = 0.0,
    columns: float = 0.0,
) -> dict[str, Any]:
    """Read, convert, solve and score one benchmark file (run in its own process for its memory)."""
    from roster.curtois import evaluate, read_benchmark, solution_rows, to_instance
    from solver.problem import build_problem
    from solver.solve import SolveParams, solve

    t0 = time.perf_counter()
    bench = read_benchmark(path)
    problem = build_problem(to_instance(bench))
    build = time.perf_counter() - t0
    params = SolveParams(  # the limit covers reading the file too: the whole run is within it
        time_limit=max(1.0, time_limit - build),
        workers=workers,
        extra=cp_sat or {},
        first_pass=first_pass,
        columns=columns,
    )
    result = solve(problem, params)
    rows = solution_rows(result.assignments)
    score = evaluate(bench, rows) if result.status.has_solution else None
    best = BEST_KNOWN.get(bench.name)
    return {
        "instance": bench.name,
        "days": bench.days,
        "staff": len(bench.staff),
        "shift_types": len(bench.shifts),
        "objective": score.objective if score else None,
        "best_known": best,
        "ratio": round(score.objective / best, 4) if score and best else None,
        "best_bound": result.best_bound,
        "status": result.status.value,
        "hard_violations": len(score.hard_violations) if score else None,
        "wall_seconds": round(result.wall_seconds, 1),
        "build_seconds": round(build + result.build_seconds, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "solution": [list(r) for r in rows],
    }


@click.group()
def bench() -> None:
    """Measure the engine on public benchmarks."""


@bench.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--time-limit",
    default=60.0,
    show_default=True,
    help="Seconds per instance, reading and building included.",
)
@click.option("--workers", default=2, show_default=True, help="CP-SAT workers.")
@click.option(
    "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Folder for results."
)
@click.option(
    "--cp-sat",
    "cp_sat",
    multiple=True,
    default=DEFAULT_CP_SAT,
    show_default=True,
    metavar="KEY=VALUE",
    help="A CP-SAT parameter for every instance (repeatable); the same for all of them.",
)
@FIRST_PASS_OPTION
@COLUMNS_OPTION
def curtois(
    files: tuple[str, ...],
    time_limit: float,
    workers: int,
    out_dir: str,
    cp_sat: tuple[str, ...],
    first_pass: float,
    columns: float,
) -> None:
    """Solve Curtois and Qu shift scheduling instances and score them with the benchmark's rules.

    Writes <Instance>.csv (employee,day,shift) per instance and results.csv / results.md.

    \b
    Example:
      roster bench curtois data/benchmarks/curtois/Instance1.txt --time-limit 60 --out out/bench
    """
    extra: dict[str, Any] = {}
    for item in cp_sat:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {item!r}", param_hint="--cp-sat")
        extra[key.strip()] = yaml.safe_load(value)
    rows = []
    for path in files:
        # The row comes back through a file: the child's stdout carries CP-SAT's log when
        # --cp-sat log_search_progress=true asks for it, passed on to our stderr.
        with tempfile.TemporaryDirectory() as tmp:
            answer = Path(tmp) / "row.json"
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import json,sys; from roster.cli_bench import solve_one; "
                    "row = solve_one(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), "
                    "json.loads(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])); "
                    "open(sys.argv[7], 'w').write(json.dumps(row))",
                    path,
                    str(time_limit),
                    str(workers),
                    json.dumps(extra),
                    str(first_pass),
                    str(columns),
                    str(answer),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.stdout:
                click.echo(done.stdout, err=True, nl=False)
            if done.returncode != 0:
                click.echo(f"error: {path}: {done.stderr.strip().splitlines()[-1:]}", err=True)
                sys.exit(1)
            row = json.loads(answer.read_text())
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
