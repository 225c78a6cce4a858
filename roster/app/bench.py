"""The Curtois and Qu benchmark solved with the office's engine and scored by its own rules."""

from __future__ import annotations

import dataclasses
import resource
import time
from typing import Any

from roster.app.compile import build_problem
from roster.domain.sources.curtois import (
    BEST_KNOWN,
    evaluate,
    read_benchmark,
    solution_rows,
    to_instance,
)
from solver.engine.params import SolveParams
from solver.engine.solve import solve

COLUMNS = (
    "instance",
    "days",
    "staff",
    "shift_types",
    "objective",
    "best_known",
    "ratio",
    "best_bound",
    "bound_source",
    "gap",
    "status",
    "hard_violations",
    "wall_seconds",
    "build_seconds",
    "total_seconds",
    "within_limit",
    "peak_mb",
)


def solve_one(path: str, engine: SolveParams) -> dict[str, Any]:
    """Read, convert, solve and score one benchmark file (run it in a process of its own, for
    its memory: the row's peak is the process's)."""
    t0 = time.perf_counter()
    bench = read_benchmark(path)
    problem = build_problem(to_instance(bench))
    build = time.perf_counter() - t0
    # the limit covers reading the file too: the whole run is within it
    params = dataclasses.replace(engine, time_limit=max(1.0, engine.time_limit - build))
    result = solve(problem, params)
    total = time.perf_counter() - t0  # the whole run: reading, building, solving, scoring
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
        "bound_source": result.bound_source,
        # against the benchmark's own score of the roster
        "gap": _gap(score.objective, result.best_bound) if score else None,
        "status": result.status.value,
        "hard_violations": len(score.hard_violations) if score else None,
        "wall_seconds": round(result.wall_seconds, 1),
        "build_seconds": round(build + result.build_seconds, 2),
        "total_seconds": round(total, 1),
        "within_limit": total <= engine.time_limit + 2,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "solution": [list(r) for r in rows],
    }


def _gap(objective: int, bound: float | None) -> float | None:
    """(objective - bound) / objective, as the solve's summary gives it."""
    if bound is None:
        return None
    return round(max(0.0, (objective - bound) / max(1.0, abs(objective))), 4)
