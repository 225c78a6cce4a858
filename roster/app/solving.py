"""Solve an instance: compile it, check cover cheaply, solve, and have the checker re-score."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from roster.app.compile import build_problem
from roster.domain.check import CheckReport, check_roster
from roster.domain.tables import Instance
from solver.diagnose.gaps import CoverGap, cover_gaps
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.result import Progress, Result, SolveStatus
from solver.model.stop import Stop


@dataclass(frozen=True)
class Outcome:
    result: Result
    cover_gaps: tuple[CoverGap, ...]  # found before solving; non-empty means no solve was run
    check: CheckReport | None  # the independent checker's verdict on the solver's roster
    build_seconds: float


def solve_instance(
    instance: Instance,
    params: SolveParams,
    hint: Iterable[tuple[str, str]] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    stop: Stop | None = None,
    spent: float = 0.0,
) -> Outcome:
    """Compile, run the cheap cover check, solve, and have the checker re-score the roster.
    ``stop``, once set, ends the solve with the best roster found so far (solver.engine.solve).
    The time limit is the whole run's: ``spent`` (seconds the caller took, reading the input)
    and the compilation are taken off it."""
    t0 = dt.datetime.now()
    problem = build_problem(instance)
    compile_seconds = (dt.datetime.now() - t0).total_seconds()
    left = max(1.0, params.time_limit - spent - compile_seconds)
    cover_min = instance.rules.rules.cover_min
    gaps = tuple(cover_gaps(problem)) if cover_min is not None and cover_min.hard else ()
    if gaps:
        empty = Result(SolveStatus.INFEASIBLE, (), None, None, {}, compile_seconds, 0.0)
        return Outcome(empty, gaps, None, compile_seconds)
    timed = replace(params, time_limit=left)
    result = solve(problem, timed, hint=hint, on_progress=on_progress, stop=stop)
    report = check_roster(instance, result.assignments) if result.status.has_solution else None
    if report is not None and result.objective is None:
        # the model with the roster pinned was not settled in time (a year-long instance): the
        # independent checker, which agrees with the model term by term, gives the score
        result = replace(
            result, objective=report.objective, objective_by_rule=dict(report.objective_by_rule)
        )
    return Outcome(result, (), report, spent + compile_seconds + result.build_seconds)


def engine_settings(params: SolveParams) -> dict[str, Any]:
    """The engine's settings as a summary records them."""
    return {
        "time_limit": params.time_limit,
        "workers": params.workers,
        "seed": params.seed,
        "deterministic": params.deterministic,
        "first_pass": params.first_pass,
        "columns": params.columns,
    }


def summary(
    outcome: Outcome, params: SolveParams, input_hash: str, instance: Instance
) -> dict[str, Any]:
    r = outcome.result
    return {
        # a roster from a solve stopped from outside (Ctrl-C) is INTERRUPTED: the best found
        "status": "INTERRUPTED" if r.interrupted else r.status.value,
        "interrupted": r.interrupted,
        "objective": r.objective,
        "best_bound": r.best_bound,
        "bound_source": r.bound_source,
        "gap": r.gap,
        "wall_seconds": round(r.wall_seconds, 3),
        "build_seconds": round(outcome.build_seconds, 3),
        "settings": engine_settings(params),
        "input_hash": input_hash,
        "objective_by_rule": r.objective_by_rule,
        "assignments": len(r.assignments),
        "clinicians": len(instance.clinicians),
        "sessions": len(instance.sessions),
        "checker": None if outcome.check is None else outcome.check.to_json(),
    }
