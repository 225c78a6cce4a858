"""Allocation profile rows: hard bounds and soft targets, in sessions or as shares."""

from __future__ import annotations

from collections.abc import Iterator

from ortools.sat.python import cp_model

from solver.model.params import AllocationBoundsParams, AllocationTargetParams
from solver.model.problem import AllocationData, ProblemData
from solver.model.variables import Term, Variables, period_vars


def _periods(
    problem: ProblemData, v: Variables, row: AllocationData
) -> Iterator[tuple[int, str, cp_model.LinearExpr, cp_model.LinearExpr | int, int]]:
    """(period, label, n, N, count of N's variables) per period: each week, or the horizon once
    (period 0)."""
    keys = range(problem.n_weeks) if row.per_week else [None]
    for period, key in enumerate(keys):
        by_activity = period_vars(problem, v, row.clinician, key)
        xs = [x for group in by_activity.values() for x in group]
        n = cp_model.LinearExpr.sum(by_activity.get(row.activity, []))
        total = cp_model.LinearExpr.sum(xs) if row.share else 0  # N is used by shares only
        yield period, f"{row.clinician},{row.activity},{key}", n, total, len(xs)


def add_allocation_bounds(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: AllocationBoundsParams
) -> list[Term]:
    """sessions: min <= n <= max; share: min*N <= 100*n <= max*N. Soft: weight * sessions outside.

    For shares the shortfall is ceil(max(0, min*N - 100*n) / 100): 100*below >= min*N - 100*n.
    The minimum is the row's in each period (prorated by absence when the compiler scaled it).
    """
    terms: list[Term] = []
    for row in problem.allocations:
        if row.min is None and row.max is None:
            continue
        scale = 100 if row.share else 1
        for period, label, n, total, size in _periods(problem, v, row):
            for bound, sign in ((row.min_in(period), 1), (row.max, -1)):
                if bound is None:
                    continue
                # sign * (scale*n - bound*N) >= 0 where bound*N is bound for sessions (N=1)
                gap = sign * (scale * n - (bound * total if row.share else bound))
                if params.hard:
                    model.add(gap >= 0)
                else:
                    slack = model.new_int_var(0, max(size, bound), f"alloc_bound[{label},{sign}]")
                    model.add(gap + scale * slack >= 0)
                    terms.append((params.weight, slack))
    return terms


def add_allocation_target(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: AllocationTargetParams
) -> list[Term]:
    """Soft: weight * |n - target|; for shares ceil(|100*n - target*N| / 100). The target is
    the row's in each period (prorated by absence when the compiler scaled it)."""
    terms: list[Term] = []
    for row in problem.allocations:
        if row.target is None:
            continue
        scale = 100 if row.share else 1
        for period, label, n, total, size in _periods(problem, v, row):
            target = row.target_in(period)
            assert target is not None  # a row with a target has one in every period
            diff = scale * n - (target * total if row.share else target)
            dev = model.new_int_var(0, max(size, target), f"alloc_target[{label}]")
            model.add(scale * dev >= diff)
            model.add(scale * dev >= -diff)
            terms.append((params.weight, dev))
    return terms
