"""The large office instances: the roster `roster solve` gives in its time limit, its bound and
how it was proven, and the model's linear relaxation solved on its own to its end.

Each case is generated as `roster generate --clinicians N --weeks W --seed 1` makes it and solved
in a process of its own (its peak memory is its own), with the engine's defaults but the time
limit and workers (the same for every case). The relaxation is then solved in another process,
for up to ``--relaxation-seconds``, so that every figure has a proven bound beside it even where
the solve's own time ran out first.

    python scripts/bench_scale.py     # 300x2w 60 s, 100x16w 300 s, 500x4w 60 s and 300 s
    python scripts/bench_scale.py --case 300 2 60
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = [(300, 2, 60.0), (100, 16, 300.0), (500, 4, 60.0), (500, 4, 300.0)]
HEADER = (
    "instance",
    "time_limit",
    "pairs",
    "status",
    "objective",
    "bound",
    "bound_by",
    "gap",
    "relaxation",
    "relaxation_s",
    "ratio",
    "solve_s",
    "peak_mb",
)


def solve_one(path: str, time_limit: float, workers: int) -> dict[str, object]:
    """`roster solve`'s work on one instance: load, compile, solve, re-score by the checker."""
    from roster.app.solving import solve_instance
    from roster.domain.io import load_instance
    from solver.engine.params import SolveParams

    start = time.perf_counter()
    instance = load_instance(path)
    loaded = time.perf_counter() - start
    params = SolveParams(time_limit=max(1.0, time_limit - loaded), workers=workers)
    outcome = solve_instance(instance, params)
    result = outcome.result
    hard = None if outcome.check is None else len(outcome.check.hard_violations)
    return {
        "status": result.status.value,
        "objective": result.objective,
        "bound": result.best_bound,
        "bound_by": result.bound_source,
        "gap": None if result.gap is None else round(result.gap, 4),
        "hard_violations": hard,
        "solve_s": round(time.perf_counter() - start, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def relax_one(path: str, seconds: float) -> dict[str, object]:
    """The model's linear relaxation, solved alone (solver.diagnose.relaxation)."""
    from roster.app.compile import build_problem
    from roster.domain.io import load_instance
    from solver.diagnose.relaxation import RelaxationParams, relaxation_bound
    from solver.model.build import build_model

    problem = build_problem(load_instance(path))
    built = build_model(problem)
    limits = RelaxationParams(max_constraints=10**9, max_nonzeros=10**9)
    relaxed = relaxation_bound(built.model, seconds, limits)
    return {
        "pairs": len(problem.eligible),
        "relaxation": relaxed.bound,
        "relaxation_s": round(relaxed.seconds, 1),
        "relaxation_status": relaxed.status,
    }


def _child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--case",
        nargs=3,
        action="append",
        metavar=("CLINICIANS", "WEEKS", "SECONDS"),
        help="A case to run (repeatable); default: the four of the docstring.",
    )
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--relaxation-seconds", type=float, default=1800.0, help="0: not solved apart.")
    ap.add_argument("--solve", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--relax", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.solve:
        print(json.dumps(solve_one(args.solve[0], float(args.solve[1]), int(args.solve[2]))))
        return
    if args.relax:
        print(json.dumps(relax_one(args.relax[0], float(args.relax[1]))))
        return

    from roster.domain.sources.generated import write_instance

    cases = [(int(n), int(w), float(t)) for n, w, t in args.case] if args.case else CASES
    tmp = Path(tempfile.mkdtemp(prefix="roster-scale-"))
    relaxed: dict[str, dict[str, object]] = {}
    print("| " + " | ".join(HEADER) + " |")
    print("|" + "---|" * len(HEADER))
    for n, weeks, seconds in cases:
        name = f"generated-{n}x{weeks}w"
        folder = tmp / name
        if not folder.exists():
            write_instance(folder, n, weeks, args.seed)
        row: dict[str, object] = {"instance": name, "time_limit": seconds}
        row |= _child("--solve", str(folder), str(seconds), str(args.workers))
        if name not in relaxed and args.relaxation_seconds > 0:
            relaxed[name] = _child("--relax", str(folder), str(args.relaxation_seconds))
        row |= relaxed.get(name, {})
        bound = row.get("relaxation")
        objective = row["objective"]
        if isinstance(bound, int | float) and isinstance(objective, int) and bound > 0:
            row["ratio"] = round(objective / bound, 4)
        print("| " + " | ".join(str(row.get(h)) for h in HEADER) + " |", flush=True)


if __name__ == "__main__":
    main()
