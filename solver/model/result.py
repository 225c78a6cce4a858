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
    seconds: float
    objective: float | None
    bound: float | None


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
    # the stage that proved best_bound: "cp-sat", "column generation", "linear relaxation", or
    # "neighbourhood search" (a step that left every variable free, solved to optimality)
    bound_source: str | None = None

    @property
    def gap(self) -> float | None:
        """Relative gap between objective and bound: (objective - bound) / max(1, |objective|)."""
        if self.objective is None or self.best_bound is None:
            return None
        return max(0.0, (self.objective - self.best_bound) / max(1.0, abs(self.objective)))
