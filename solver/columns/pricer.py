"""Pricing a clinician's roster: the least priced cost of their own rosters, by CP-SAT."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable

from ortools.sat.python import cp_model

from solver.columns.master import Column
from solver.columns.params import ColumnParams
from solver.model.build import build_model
from solver.model.cpsat import configure, new_solver
from solver.model.problem import ProblemData
from solver.model.rules import without_cover
from solver.model.slices import GroupSlice, Slices, sub_problem
from solver.model.stop import solving


class Pricer:
    """One clinician's own model (every rule but the cover rules, solved by CP-SAT), its
    objective their own penalties less the prices of the sessions they cover."""

    def __init__(
        self,
        problem: ProblemData,
        slices: Slices,
        c: int,
        params: ColumnParams = ColumnParams(),
    ) -> None:
        group = GroupSlice(slices, [c])
        sub = sub_problem(problem, group, Counter(), Counter())
        self.built = build_model(dataclasses.replace(sub, rules=without_cover(sub.rules)))
        self.scale = params.scale
        self.limits = (params.first_limit, params.price_limit)
        x = self.built.variables.x
        self.xs = [(s, x[0, i]) for i, s in enumerate(group.sessions) if (0, i) in x]
        self.own = [(w, var) for terms in self.built.terms.values() for w, var in terms]
        self.with_lp = False  # priced with LP at once (the default search fell short once)
        proto = self.built.model.proto.variables
        self.domains = {s: tuple(proto[x.index].domain) for s, x in self.xs}

    def restrict(self, decided: dict[int, int]) -> None:
        """Rosters with session s worked (1) or not (0) for each s in ``decided``, and any
        otherwise."""
        proto = self.built.model.proto.variables
        for s, x in self.xs:
            domain = proto[x.index].domain
            low, high = (decided[s], decided[s]) if s in decided else self.domains[s][:2]
            if (domain[0], domain[1]) != (low, high):
                domain[0], domain[1] = low, high

    def price(
        self, price: Callable[[int], float], seed: int, stop: threading.Event | None = None
    ) -> tuple[list[tuple[Column, int]], float, bool]:
        """The rosters found (sessions, own cost), a lower bound of the least priced objective
        and whether it is proven; ``stop``, set, ends the search (solver.model.stop)."""
        prices = [(round(-self.scale * price(s)), x) for s, x in self.xs]
        self.built.model.minimize(
            sum(self.scale * w * var for w, var in self.own) + sum(k * x for k, x in prices if k)
        )
        found: list[tuple[Column, int]] = []
        xs, own = self.xs, self.own

        class _Found(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(cb) -> None:  # noqa: N805
                found.append(
                    (
                        frozenset(s for s, x in xs if cb.value(x)),
                        int(sum(w * cb.value(var) for w, var in own)),
                    )
                )

        # a bound that always holds: the own penalties are not negative, and at most every
        # session priced above nothing is worked
        bound, code = sum(min(0.0, -price(s)) for s, _ in self.xs), cp_model.UNKNOWN
        for attempt in range(1 if self.with_lp else 0, 2):
            solver = new_solver()
            if attempt == 0:
                # CP-SAT's default single search: fast on a four-week model, and the rosters it
                # finds on its way are columns too
                solver.parameters.num_workers = 1
                solver.parameters.random_seed = seed
                solver.parameters.max_deterministic_time = self.limits[0]
            else:
                # not proven: one search thread with the strongest LP and a light presolve, as
                # the first pass's small models, proves a long horizon's model far sooner
                configure(solver.parameters, time_limit=1e9, workers=1, seed=seed)
                solver.parameters.max_presolve_iterations = 1
                solver.parameters.find_big_linear_overlap = False
                solver.parameters.cp_model_probing_level = 0
                solver.parameters.max_deterministic_time = self.limits[1]
            known = len(found)
            with solving(stop, solver):
                code = solver.solve(self.built.model, _Found())
            if code != cp_model.UNKNOWN or len(found) > known:
                # CP-SAT's bound holds once it has searched (an attempt cut short before its
                # search reports none); each price was rounded by at most half a unit of the scale
                bound = max(bound, (solver.best_objective_bound - 0.5 * len(xs)) / self.scale)
            if code in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
                break
            self.with_lp = True  # the default search did not prove it: with LP from now on
        return found, bound, code == cp_model.OPTIMAL

    def cost(self, column: Column, seed: int) -> int | None:
        """The clinician's own penalties for working exactly ``column`` (None: it breaks one of
        their hard rules, or was not settled)."""
        proto = self.built.model.proto.variables
        saved = [tuple(proto[x.index].domain) for _, x in self.xs]
        for s, x in self.xs:
            domain = proto[x.index].domain
            domain[0] = domain[1] = int(s in column)
        try:
            found, _, proven = self.price(lambda s: 0.0, seed)
        finally:
            for (_, x), (low, high) in zip(self.xs, saved, strict=True):
                domain = proto[x.index].domain
                domain[0], domain[1] = low, high
        return found[-1][1] if found and proven else None
