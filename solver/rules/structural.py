"""Always-on rules: eligibility, availability, no overlap (with travel)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from roster.rules import AvailabilityParams, EligibilityParams, NoOverlapParams
from solver.problem import ProblemData
from solver.variables import Term, Variables


def add_eligibility(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: EligibilityParams
) -> list[Term]:
    """Only eligible pairs (role needed, specialty, privileges, teacher) have a variable at all."""
    return []


def add_availability(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: AvailabilityParams
) -> list[Term]:
    """No session overlapping an unavailability: x[c, s] = 0 for those pairs."""
    for pair in problem.unavailable:
        model.add(v.x[pair] == 0)
    return []


def add_no_overlap(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: NoOverlapParams
) -> list[Term]:
    """Two sessions a, b of one clinician need a.end + gap(a, b) <= b.start or the reverse.

    x[c, a] + x[c, b] <= 1 for every incompatible pair; sessions sorted by start, so the scan
    stops once b starts after a ends plus the largest possible gap.
    """
    max_gap = max([params.min_gap_minutes, *(m for row in problem.travel for m in row)]) if params.travel \
        else params.min_gap_minutes
    sessions = problem.sessions
    for items in v.by_clinician:
        for i, (a, xa) in enumerate(items):
            sa = sessions[a]
            for b, xb in items[i + 1:]:
                sb = sessions[b]
                if sb.start >= sa.end + max_gap:
                    break
                if not _compatible(problem, params, a, b):
                    model.add_at_most_one([xa, xb])
    return []


def _gap(problem: ProblemData, params: NoOverlapParams, a: int, b: int) -> int:
    sa, sb = problem.sessions[a], problem.sessions[b]
    if sa.site == sb.site or not params.travel:
        return params.min_gap_minutes
    return max(params.min_gap_minutes, problem.travel[sa.site][sb.site])


def _compatible(problem: ProblemData, params: NoOverlapParams, a: int, b: int) -> bool:
    sa, sb = problem.sessions[a], problem.sessions[b]
    return sa.end + _gap(problem, params, a, b) <= sb.start or sb.end + _gap(problem, params, b, a) <= sa.start
