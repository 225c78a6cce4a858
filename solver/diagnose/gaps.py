"""Cheap checks before solving: demand that no eligible, available clinician can meet."""

from __future__ import annotations

from dataclasses import dataclass

from solver.model.problem import ProblemData


@dataclass(frozen=True)
class CoverGap:
    session: str
    role: str
    minimum: int
    eligible: int  # eligible clinicians of that role
    available: int  # of whom are available


def cover_gaps(problem: ProblemData) -> list[CoverGap]:
    """Sessions whose minimum for a role exceeds the eligible and available clinicians of that
    role."""
    eligible: dict[tuple[int, int], int] = {}
    available: dict[tuple[int, int], int] = {}
    for c, s in problem.eligible:
        key = (s, problem.clinicians[c].role)
        eligible[key] = eligible.get(key, 0) + 1
        if (c, s) not in problem.unavailable:
            available[key] = available.get(key, 0) + 1
    gaps = []
    for s, session in enumerate(problem.sessions):
        for role, low, _, _ in session.needs:
            if available.get((s, role), 0) < low:
                gaps.append(
                    CoverGap(
                        session.id,
                        problem.roles[role],
                        low,
                        eligible.get((s, role), 0),
                        available.get((s, role), 0),
                    )
                )
    return gaps
