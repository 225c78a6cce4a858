"""Wall time of one sweep on local processes and on a local Ray started for the run.

Runs the same grid (12 runs by default) with each runner, in turn, ``--repeat`` times, and prints
each sweep's wall time (Ray's start and stop included), the sum of the runs' own solve times, and
whether both runners gave the same rosters. Needs the Ray extra (pip install -e '.[ray]').

    python scripts/bench_sweep.py
    python scripts/bench_sweep.py --instance data/samples/hksh-affiliation-week --repeat 3
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from roster.app.runners import ProcessRunner, RayRunner, Runner
from roster.app.sweep import Source, expand, parse_axis, run_sweep
from roster.outputs.files import output_files
from solver.engine.params import SolveParams

ROOT = Path(__file__).resolve().parent.parent
GRID = ["rules.fairness.weight=1,5,20", "rules.continuity.weight=0,1,3,9"]


def rosters(folder: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in sorted(folder.glob("*/roster.csv"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default=str(ROOT / "data/samples/dual-track-cohort"))
    parser.add_argument("--grid", action="append", help=f"KEY=V1,V2,... [{' '.join(GRID)}]")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=1, help="CP-SAT workers per run")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    runs = expand([Source.of(args.instance)], [parse_axis(g) for g in args.grid or GRID])
    engine = SolveParams(time_limit=args.time_limit, workers=args.workers)
    jobs = max(1, (os.cpu_count() or 1) // args.workers)
    runners: dict[str, Runner] = {
        f"local processes (--jobs {jobs})": ProcessRunner(jobs),
        "--ray (local Ray started for the run)": RayRunner(),
    }
    print(
        f"{len(runs)} runs of {Path(args.instance).name}, {args.workers} CP-SAT worker(s) each, "
        f"{os.cpu_count()} CPUs"
    )
    print("| runner | round | wall_s | solve_s (sum of runs) | statuses | same rosters |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        first: dict[str, bytes] | None = None
        for round_ in range(1, args.repeat + 1):
            for i, (label, runner) in enumerate(runners.items()):
                out = Path(tmp) / f"{round_}-{i}"
                t0 = time.perf_counter()
                outcome = run_sweep(runs, out, engine, runner, output_files)
                wall = time.perf_counter() - t0
                solve = sum(r.seconds or 0.0 for r in outcome.rows)
                statuses = ", ".join(f"{n} {s}" for s, n in outcome.counts.items())
                got = rosters(out)
                first = first or got
                print(
                    f"| {label} | {round_} | {wall:.1f} | {solve:.1f} | {statuses} | "
                    f"{'yes' if got == first else 'no'} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
