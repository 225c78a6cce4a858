"""Column generation's master problem and what its columns are.

A column is one clinician's roster: the set of sessions they work. The master picks one column
per clinician; where every hard rule but the cover rules binds one clinician alone (the objective
splits by clinician), its linear relaxation over all possible columns is the convex hull of each
clinician's rosters, much tighter than the compact model's.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from ortools.linear_solver import pywraplp

from solver.columns.params import ColumnParams
from solver.model.problem import ProblemData
from solver.model.rules import SPECS
from solver.model.rules.cover import CoverPiece

Column = frozenset[int]  # the sessions of a roster


class ColumnPricer(Protocol):
    """One clinician's pricing: their rosters of least own cost less the prices of the sessions
    they cover (by CP-SAT, solver.columns.pricer, or by labels, solver.columns.labels)."""

    def price(
        self, price: Callable[[int], float], seed: int, stop: threading.Event | None = None
    ) -> tuple[list[tuple[Column, int]], float, bool]:
        """The rosters found (sessions, own cost), a lower bound of the least priced cost and
        whether it is proven; ``stop``, set, ends a search under way (solver.model.stop)."""
        ...

    def restrict(self, decided: dict[int, int]) -> None:
        """Only rosters with session s worked (1) or not (0) for each s in ``decided``."""
        ...

    def cost(self, column: Column, seed: int) -> int | None:
        """The clinician's own penalties for working exactly ``column`` (None: it breaks one of
        their hard rules, or was not settled)."""
        ...


EPSILON = 1e-6  # LP values this close to a whole number are taken as whole


def shares(columns: Iterable[tuple[int, Iterable[int], float]]) -> dict[tuple[int, int], float]:
    """Per (clinician, session), the sum of the shares of the clinician's columns (clinician,
    sessions, share) that hold the session."""
    taken: dict[tuple[int, int], float] = {}
    for c, sessions, share in columns:
        if share > EPSILON:
            for s in sessions:
                taken[c, s] = taken.get((c, s), 0.0) + share
    return taken


def whole(bound: float) -> int | None:
    """The least whole objective at or above a bound computed in floating point."""
    if bound == -math.inf:
        return None
    return math.ceil(bound - 1e-6 * max(1.0, abs(bound)))


class MasterLP:
    """The master problem's linear relaxation (GLOP): one roster (column) per clinician, each
    priced at its own penalties, and per need row the headcount (the columns' sum) and its cover
    penalties."""

    def __init__(self, problem: ProblemData, params: ColumnParams = ColumnParams()) -> None:
        self.problem = problem
        self.params = params
        # per unit of a hard cover rule broken, while the columns cannot yet keep it
        self.hard_penalty = params.hard_penalty
        lp = pywraplp.Solver.CreateSolver("GLOP")
        self.lp = lp
        self.objective = lp.Objective()
        self.rows: dict[tuple[int, int], Any] = {}  # (session, role or -1: teachers) -> row
        # per count row: the most clinicians it can count, and its penalties (bound, below, weight)
        self.most_counted: dict[tuple[int, int], int] = Counter()
        for c, s in problem.eligible:
            self.most_counted[s, problem.clinicians[c].role] += 1
            self.most_counted[s, -1] += 1
        self.pieces: dict[tuple[int, int], list[tuple[int, bool, float]]] = {}
        cover = [
            (pieces_of, rule)
            for kind, rule in problem.rules.active().items()
            if (pieces_of := SPECS[kind].cover) is not None
        ]
        for s, session in enumerate(problem.sessions):
            by_need: dict[int, list[CoverPiece]] = {}
            for pieces_of, rule in cover:
                for piece in pieces_of(rule, session):
                    by_need.setdefault(piece.need, []).append(piece)
            for index, (role, *_) in enumerate(session.needs):
                n = self._count(s, role)
                for piece in by_need.get(index, []):
                    self._add_piece((s, role), n, piece)
            if -1 in by_need:
                n = self._count(s, -1)
                for piece in by_need[-1]:
                    self._add_piece((s, -1), n, piece)
        self.convexity = [lp.Constraint(1, 1) for _ in range(problem.n_clinicians)]
        self.columns: list[list[tuple[Column, int, Any]]] = [[] for _ in self.convexity]
        self.known: list[set[Column]] = [set() for _ in self.convexity]
        self.fixed: dict[int, int] = {}
        self.prices: dict[tuple[int, int], float] = {}
        self.convexity_duals = [0.0] * problem.n_clinicians
        self.value = math.nan  # the last LP's value

    def _add_piece(self, key: tuple[int, int], n: Any, piece: CoverPiece) -> None:
        weight = self.hard_penalty if piece.weight is None else piece.weight
        self._penalty(key, n, piece.bound, piece.below, weight)

    def _count(self, s: int, role: int) -> Any:
        n = self.lp.NumVar(0, self.lp.infinity(), "")
        row = self.lp.Constraint(0, 0)
        row.SetCoefficient(n, -1)
        self.rows[s, role] = row
        self.pieces[s, role] = []
        return n

    def _penalty(
        self, key: tuple[int, int], n: Any, bound: int, below: bool, weight: float
    ) -> None:
        """weight * max(0, bound - n) (below) or weight * max(0, n - bound)."""
        self.pieces[key].append((bound, below, weight))
        lp = self.lp
        gap = lp.NumVar(0, lp.infinity(), "")
        low, high = (bound, lp.infinity()) if below else (-lp.infinity(), bound)
        row = lp.Constraint(low, high)
        row.SetCoefficient(n, 1)
        row.SetCoefficient(gap, 1 if below else -1)
        self.objective.SetCoefficient(gap, weight)

    def add(self, c: int, column: Column, cost: int) -> bool:
        if column in self.known[c]:
            return False
        self.known[c].add(column)
        lp = self.lp
        var = lp.NumVar(0, 0 if c in self.fixed else lp.infinity(), "")
        self.objective.SetCoefficient(var, cost)
        self.convexity[c].SetCoefficient(var, 1)
        role = self.problem.clinicians[c].role
        for s in column:
            for key in ((s, role), (s, -1)):
                if key in self.rows:
                    self.rows[key].SetCoefficient(var, 1)
        self.columns[c].append((column, cost, var))
        return True

    def solve(self) -> float:
        code = self.lp.Solve()
        if code == pywraplp.Solver.ABNORMAL:
            # GLOP's warm start can fail after many bounds changed (a branch's columns barred):
            # the same LP built anew solves
            self._rebuild()
            code = self.lp.Solve()
        if code != pywraplp.Solver.OPTIMAL:
            raise RuntimeError(f"the master LP ended {code}")
        self.prices = {key: row.dual_value() for key, row in self.rows.items()}
        self.convexity_duals = [row.dual_value() for row in self.convexity]
        self.value = float(self.objective.Value())
        return self.value

    def lagrangian_cover(self, prices: dict[tuple[int, int], float]) -> float:
        """The Lagrangian's part from the headcounts: per count row, the least of its penalties
        plus its price times the headcount, over the headcounts it can take (the least of a
        convex piecewise linear function lies at a break or an end)."""
        total = 0.0
        for key, pieces in self.pieces.items():
            price = prices.get(key, 0.0)
            top = self.most_counted[key]
            points = {0, top, *(min(top, b) for b, _, _ in pieces)}
            total += min(price * n + self.penalty(key, n) for n in points)
        return total

    def cover(self, rosters: Sequence[Column]) -> float:
        """The cover penalties of one roster (its sessions) per clinician, in their order."""
        counts: Counter[tuple[int, int]] = Counter()
        for c, column in enumerate(rosters):
            role = self.problem.clinicians[c].role
            for s in column:
                counts[s, role] += 1
                counts[s, -1] += 1
        return sum(self.penalty(key, counts[key]) for key in self.pieces)

    def penalty(self, key: tuple[int, int], n: int) -> float:
        """The cover penalties of count row ``key`` at a headcount of ``n``."""
        return sum(w * max(0, b - n if below else n - b) for b, below, w in self.pieces[key])

    def _rebuild(self) -> None:
        """The same LP (columns, costs and bounds) in a new GLOP solver."""
        fresh = MasterLP(self.problem, self.params)
        for c, columns in enumerate(self.columns):
            for column, cost, var in columns:
                fresh.add(c, column, cost)
                fresh.columns[c][-1][2].SetUb(var.ub())
        fresh.fixed = self.fixed
        self.__dict__.update(fresh.__dict__)

    def allow(self, decided: dict[int, dict[int, int]]) -> list[int]:
        """Bar the columns that break a decision (clinician c works session s: 1, or not: 0) and
        free all others; returns the clinicians left with no column."""
        self.fixed = {}
        lacking = []
        for c, columns in enumerate(self.columns):
            rules = decided.get(c, {})
            some = False
            for column, _, var in columns:
                ok = all((s in column) == bool(v) for s, v in rules.items())
                var.SetUb(self.lp.infinity() if ok else 0)
                some |= ok
            if not some:
                lacking.append(c)
        return lacking

    def price_of(
        self, c: int, prices: dict[tuple[int, int], float] | None = None
    ) -> Callable[[int], float]:
        role = self.problem.clinicians[c].role
        p = self.prices if prices is None else prices
        return lambda s: p.get((s, role), 0.0) + p.get((s, -1), 0.0)

    def size(self) -> int:
        """Columns in the master."""
        return sum(len(columns) for columns in self.columns)

    def taken(self, c: int) -> list[float]:
        """The LP's share of each of c's columns."""
        return [var.solution_value() for _, _, var in self.columns[c]]

    def shares(self, who: Iterable[int] | None = None) -> dict[tuple[int, int], float]:
        """Per (clinician, session), the LP's share of it: the sum of the shares of the
        clinician's columns that hold the session; over ``who`` (None: everyone)."""
        clinicians = range(len(self.columns)) if who is None else who
        return shares(
            (c, column, var.solution_value())
            for c in clinicians
            for column, _, var in self.columns[c]
        )

    def fix(self, c: int, i: int) -> None:
        self.fixed[c] = i
        for j, (_, _, var) in enumerate(self.columns[c]):
            var.SetUb(self.lp.infinity() if j == i else 0)
