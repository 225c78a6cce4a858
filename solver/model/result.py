"""What a solve returns: a status, the roster and the objective by rule. Never an exception."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SolveStatus(StrEnum):
    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"
    MODEL_INVALID = "MODEL_INVALID"

    @property
    def has_solution(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class Progress:
    """A roster found, or a better bound, during a solve: by CP-SAT or by another stage."""

    seconds: float
    objective: float | None  # the roster's objective (None: a bound alone)
    bound: float | None  # the best lower bound known then (None: none yet)
    # who found it: "cp-sat", "columns" (column generation), "first pass" or "polish"
    stage: str = "cp-sat"


@dataclass(frozen=True)
class Result:
    status: SolveStatus
    assignments: tuple[tuple[str, str], ...]  # (clinician id, session id), sorted
    objective: int | None
    best_bound: float | None
    objective_by_rule: dict[str, int]
    build_seconds: float
    wall_seconds: float
    progress: tuple[Progress, ...] = field(default=())
    # stopped from outside (Ctrl-C) before the time limit: the roster is the best found by then
    interrupted: bool = False
    # the stage that proved best_bound: "cp-sat", "column generation", "linear relaxation", or
    # "neighbourhood search" (a step that left every variable free, solved to optimality)
    bound_source: str | None = None

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound: (objective - bound) / max(1, |objective|)."""
        if self.objective is None or self.best_bound is None:
            return None
        return max(0.0, (self.objective - self.best_bound) / max(1.0, abs(self.objective)))
