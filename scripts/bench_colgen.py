"""Column generation alone on benchmark files: its proven bound, its roster and the time.

    python scripts/bench_colgen.py data/benchmarks/curtois/Instance{5,6,7,8}.txt
    python scripts/bench_colgen.py FILE... --root 126 --dive 210 --workers 2

`--root` and `--dive` are seconds from the start of the generation, as `roster solve` gives them
with a time limit T and `--columns` share C: the rounds until root * C * T, the dive (and, when it
ends early, the branch and price and the choice among the columns after it: solver.columns.branch)
until C * T (the defaults are those of T = 60 s, C = 0.7). Prints, per file: the bound, the
roster's cost in the master (the checker may score it lower: a roster found on a search's way
can count a penalty above its least), the rounds of pricing, the columns found and the seconds;
then the same as a Markdown table. With `--trace`, first one line per round of pricing as it ends:
its phase (root, dive or search), the seconds so far, the clinicians priced, the columns added and
in all, the clinicians the dive has fixed and the LP value that priced it; and after each step of
the dive, a support line: the LP's value, the assignments it takes in part and the best roster of
the LP's support so far (solver.columns.support; nan: none yet).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roster.app.compile import build_problem  # noqa: E402
from roster.domain.sources.curtois import (  # noqa: E402
    BEST_KNOWN,
    evaluate,
    read_benchmark,
    solution_rows,
    to_instance,
)
from roster.outputs.tables import markdown_table  # noqa: E402
from solver.columns.generation import generate  # noqa: E402
from solver.columns.rounds import RoundTrace  # noqa: E402


def show(step: RoundTrace) -> None:
    if step.phase == "support":
        print(
            f"  support {step.seconds:.1f}s fixed {step.fixed} lp {step.lp:.1f} "
            f"open {step.open} roster {step.roster:.0f}",
            flush=True,
        )
        return
    print(
        f"  {step.phase} {step.seconds:.1f}s priced {step.priced} added {step.added} "
        f"columns {step.columns} fixed {step.fixed} lp {step.lp:.1f}",
        flush=True,
    )


def measure(
    path: str, root: float, dive: float, workers: int, seed: int, trace: bool = False
) -> dict[str, object]:
    bench = read_benchmark(path)
    problem = build_problem(to_instance(bench))
    start = time.perf_counter()
    generated = generate(problem, root, dive, workers, seed, show if trace else None)
    seconds = time.perf_counter() - start
    scored: int | None = None
    if generated.roster is not None:
        pairs = sorted(
            (problem.clinicians[c].id, problem.sessions[s].id) for c, s in generated.roster
        )
        scored = evaluate(bench, solution_rows(pairs)).objective
    return {
        "instance": bench.name,
        "bound": generated.bound,
        "best known": BEST_KNOWN.get(bench.name),
        "roster": None if generated.objective is None else round(generated.objective),
        "checker": scored,
        "rounds": generated.rounds,
        "columns": generated.columns,
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", help="benchmark files (Curtois format)")
    parser.add_argument("--root", type=float, default=25.2, help="rounds end by (s)")
    parser.add_argument(
        "--dive", type=float, default=42.0, help="the dive and the search after it end by (s)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trace", action="store_true", help="print each round of pricing")
    args = parser.parse_args()
    rows = []
    for path in args.files:
        row = measure(path, args.root, args.dive, args.workers, args.seed, args.trace)
        print(", ".join(f"{k} {v}" for k, v in row.items()), flush=True)
        rows.append(row)
    print()
    print(markdown_table(list(rows[0]), rows), end="")


if __name__ == "__main__":
    main()
