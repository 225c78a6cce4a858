"""Rosters from the LP's support: the whole model kept to the assignments the master's LP uses.

Column generation's LP is tight where the objective splits by clinician, but its dive fixes whole
rosters one clinician at a time, and its last fixings lose what the LP promised. So after each
step of the dive the LP's assignments are summed per clinician and session: an assignment no
column of the LP's solution holds is barred, one it takes whole is fixed, and CP-SAT solves the
whole model over the rest (a relaxation enforced neighbourhood search), when few enough are left
open (``ColumnParams.support_open`` assignments, or ``support_open_share`` of the support).

Any column the LP uses keeps its clinician's own rules, the bars and the fixings, so where the
cover rules are soft a roster always exists. The model is cut off at the best roster found so far
less a point (the objective is whole), so a call that cannot beat it ends as soon as CP-SAT
proves that.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

from ortools.sat.python import cp_model

from solver.columns.master import EPSILON, ColumnPricer, MasterLP
from solver.columns.params import ColumnParams
from solver.model.build import build_model
from solver.model.cpsat import configure, new_solver
from solver.model.problem import ProblemData
from solver.model.stop import solving


class Support:
    """The whole model built once; each call sets its assignments' domains from an LP."""

    def __init__(
        self,
        problem: ProblemData,
        workers: int,
        seed: int,
        params: ColumnParams = ColumnParams(),
    ) -> None:
        self.built = build_model(problem)
        self.workers, self.seed = workers, seed
        # the most assignments a call may leave open, so many or this share of the support's,
        # whichever is more: beyond, the model is too slow to help
        self.open_most, self.open_share = params.support_open, params.support_open_share
        model = self.built.model
        objective = self.built.objective()
        # its domain is set by each call: from the bound to the best roster known less a point.
        # The constraint holds the objective less its constant part (the terms that are whole
        # numbers): its domain is shifted by that, as the domain built from ``>= 0`` shows
        self.cut = model.add(objective >= 0).index
        self.shift, self.top = model.proto.constraints[self.cut].linear.domain
        proto = model.proto.variables
        self.domains = {
            pair: tuple(proto[var.index].domain) for pair, var in self.built.variables.x.items()
        }
        self.open = 0  # the assignments the last call left open
        self.stop: threading.Event | None = None  # set: the search under way ends (model.stop)

    def __call__(
        self,
        taken: dict[tuple[int, int], float],
        bound: int,
        below: float,
        limit: float,
        seconds: float = math.inf,
    ) -> tuple[frozenset[tuple[int, int]], bool] | None:
        """The best roster costing less than ``below`` among those that work only assignments
        ``taken`` holds (clinician, session -> the LP's share) and every one it takes whole;
        ``bound`` is a proven lower bound of the objective, ``limit`` CP-SAT's deterministic
        time, ``seconds`` its wall time at most. Returns the roster and whether it is the best
        of those, or None when none was found or too many assignments are open (more than
        ``open_most`` and than ``open_share`` of those ``taken`` holds; the count is left in
        ``open``)."""
        model = self.built.model
        proto = model.proto
        self.open = sum(1 for share in taken.values() if EPSILON < share < 1 - EPSILON)
        used = sum(1 for share in taken.values() if share > EPSILON)
        if self.open > max(self.open_most, self.open_share * used):
            return None
        if below < math.inf:
            # the objective is whole: a roster better than ``below`` costs at most this
            top = math.ceil(below - EPSILON) - 1
            if top < bound:
                return None
            most = top + self.shift
        else:
            most = self.top
        domain = proto.constraints[self.cut].linear.domain
        domain[0], domain[1] = bound + self.shift, most
        for pair, var in self.built.variables.x.items():
            share = taken.get(pair, 0.0)
            low, high = self.domains[pair][0], self.domains[pair][-1]
            if share <= EPSILON:
                high = low
            elif share >= 1 - EPSILON:
                low = high
            domain = proto.variables[var.index].domain
            domain[0], domain[1] = low, high
        solver = new_solver()
        configure(solver.parameters, time_limit=1e9, workers=self.workers, seed=self.seed)
        solver.parameters.max_deterministic_time = limit
        solver.parameters.max_time_in_seconds = max(0.1, min(seconds, 1e9))
        with solving(self.stop, solver):
            code = solver.solve(model)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        x = self.built.variables.x
        roster = frozenset(pair for pair, var in x.items() if solver.value(var))
        return roster, code == cp_model.OPTIMAL


def supported(
    master: MasterLP,
    pricers: Sequence[ColumnPricer],
    support: Support,
    bound: int,
    below: float,
    limit: float,
    seed: int,
    seconds: float = math.inf,
) -> tuple[float, frozenset[tuple[int, int]]] | None:
    """The roster of the master LP's support (``support``) when it costs less than ``below``:
    its objective (each clinician's own penalties and the cover penalties, as the master counts
    them) and its (clinician, session) pairs; None when none was found. The master is left as
    it is."""
    if master.value >= below - 1:
        # once no column prices below zero, no roster of the support costs less than the LP
        return None
    taken = master.shares()
    got = support(taken, bound, below, limit, seconds)
    if got is None:
        return None
    roster, _ = got
    sessions: list[set[int]] = [set() for _ in master.columns]
    for c, s in roster:
        sessions[c].add(s)
    columns = [frozenset(worked) for worked in sessions]
    total = master.cover(columns)
    for c, column in enumerate(columns):
        cost = pricers[c].cost(column, seed)
        if cost is None:
            return None
        total += cost
    return (total, roster) if total < below - EPSILON else None
