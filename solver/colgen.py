"""Column generation: a lower bound from each clinician's possible rosters, and a roster by diving.

Where the objective is a sum of each clinician's own penalties and each session's cover penalties
(the polish's condition, solver/polish.py), the problem splits: every hard rule but the cover
rules binds one clinician alone. The master problem picks one roster (a column) per clinician,
each priced at its own penalties, and pays the cover penalties of the headcounts they add up to.
Its linear relaxation over all possible columns is much tighter than the relaxation of the
compact model: it is the convex hull of each clinician's rosters, where CP-SAT's LP sees each
assignment as a fraction. On the Curtois Instances 1 to 8 it is within 0.3 % of the best known
objectives (Instance8: 1296.6 against 1300), where CP-SAT's bound after a minute is far below.

Columns are generated: the master's LP (GLOP) is solved over the columns found so far, and each
clinician's own model (every rule but the cover rules, solved by CP-SAT) is asked for the roster
of least cost less the prices of the sessions it covers, at prices half the LP's and half those of
the best bound so far (smoothed: fewer rounds). A clinician's priced model also bounds that least
cost from below, proven or not, so every round gives a valid lower bound, the Lagrangian bound at
its prices: the clinicians' least priced costs plus, per need row, the least of its penalties plus
its price times the headcount. The roster comes from a dive: the clinicians whose LP roster is
whole are fixed to it, and one more, the one closest to whole; columns are generated again for the
others, and so on until every clinician has a roster. When the dive ends early, solver/branch.py
searches on for a better roster among more columns.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from solver.firstpass import _Group, _Slices, _sub_problem
from solver.problem import ProblemData

# rules on a session's headcount: they tie clinicians together and go into the master
COVER = ("cover_min", "cover_max", "cover_preferred", "cover_over_preferred", "teaching_ratio")
SCALE = 1000  # prices of cover are rounded to a thousandth of a point in a clinician's model
# deterministic seconds for one clinician's priced model: the default search, then with LP
FIRST_LIMIT, PRICE_LIMIT = 0.5, 2.0
WHOLE = 0.999  # an LP roster taken at least this much is whole
STALL, TAIL = 3, 1e-4  # the rounds stop when the LP's value fell this little in so many
SMOOTH = 0.5  # prices asked: this share of the best bound's prices, the rest the LP's
HUGE = 1e6  # per unit of a hard cover rule broken, while the columns cannot yet keep it
# of the time the dive leaves: the first choice among the columns (none when the support gave a
# roster better than the dive's: it prunes the search), and the last (solver/branch.py)
MIP_FIRST, MIP_LAST = 0.15, 0.5
# the search first looks for rosters this far above the bound, and at most this far or this share
# of the bound above it (solver/branch.py)
AIM, AIM_SHARE = 2, 0.005
SUPPORT_LIMIT = 5.0  # CP-SAT's deterministic seconds for a roster of the LP's support
Column = frozenset[int]  # the sessions of a roster


@dataclasses.dataclass(frozen=True)
class Generated:
    bound: int | None  # a proven lower bound of the objective; None: no round ended
    roster: frozenset[tuple[int, int]] | None  # (clinician, session) pairs; None: no dive ended
    # the roster's cost in the master: at or above its own (a roster found on a search's way may
    # count a penalty above its least); the full model scores it exactly
    objective: float | None
    rounds: int
    columns: int
    seconds: float


@dataclasses.dataclass(frozen=True)
class RoundTrace:
    """One round of pricing, or one look at the LP's support (phase "support"), as
    ``generate``'s ``trace`` is given it."""

    # "root" (the rounds before the dive), "dive", "search" (solver/branch.py) or "support"
    # (solver/rens.py: a step of the dive ended)
    phase: str
    seconds: float  # since the generation began
    priced: int  # clinicians priced
    added: int  # columns added
    columns: int  # columns in the master after the round
    fixed: int  # clinicians the dive has fixed
    lp: float  # the value of the master's last LP before the round (nan: none yet)
    # phase "support": the assignments the LP takes in part (left open; the support model is
    # solved when there are at most solver.rens.OPEN), and the best roster of a support so far
    open: int = 0
    roster: float = math.nan


class _Pricer:
    """One clinician's own model, its objective their own penalties less the prices of cover."""

    def __init__(self, problem: ProblemData, slices: _Slices, c: int) -> None:
        from solver.solve import build_model  # solve.py uses this module

        group = _Group(slices, [c])
        sub = _sub_problem(problem, group, Counter(), Counter())
        rules = sub.rules.model_copy(update=dict.fromkeys(COVER))
        self.built = build_model(dataclasses.replace(sub, rules=rules))
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
        self, price: Callable[[int], float], seed: int
    ) -> tuple[list[tuple[Column, int]], float, bool]:
        """The rosters found (sessions, own cost), a lower bound of the least priced objective
        and whether it is proven."""
        prices = [(round(-SCALE * price(s)), x) for s, x in self.xs]
        self.built.model.minimize(
            sum(SCALE * w * var for w, var in self.own) + sum(k * x for k, x in prices if k)
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

        from solver.solve import SolveParams

        bound, code = -math.inf, cp_model.UNKNOWN
        for attempt in range(1 if self.with_lp else 0, 2):
            solver = cp_model.CpSolver()
            if attempt == 0:
                # CP-SAT's default single search: a four-week model in a few hundredths of a
                # second, and the rosters it finds on its way are columns too
                solver.parameters.num_workers = 1
                solver.parameters.random_seed = seed
                solver.parameters.max_deterministic_time = FIRST_LIMIT
            else:
                # not proven: one search thread with the strongest LP and a light presolve, as
                # the first pass's small models (solver/firstpass.py); a twelve-week model of
                # Curtois Instance18 in 0.05-0.7 s, where the default search ran 6 s unproven
                SolveParams(time_limit=1e9, workers=1, seed=seed).apply(solver.parameters)
                solver.parameters.max_presolve_iterations = 1
                solver.parameters.find_big_linear_overlap = False
                solver.parameters.cp_model_probing_level = 0
                solver.parameters.max_deterministic_time = PRICE_LIMIT
            code = solver.solve(self.built.model, _Found())
            # each price was rounded by at most half a unit of SCALE; both bounds hold
            bound = max(bound, (solver.best_objective_bound - 0.5 * len(xs)) / SCALE)
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


class _Master:
    """The master LP: per need row, the headcount (the columns' sum) and its cover penalties."""

    def __init__(self, problem: ProblemData) -> None:
        self.problem = problem
        lp = pywraplp.Solver.CreateSolver("GLOP")
        self.lp = lp
        self.objective = lp.Objective()
        self.rows: dict[tuple[int, int], Any] = {}  # (session, role or -1: teachers) -> row
        # per count row: the most clinicians it can count, and its penalties (bound, below, weight)
        self.top: dict[tuple[int, int], int] = Counter()
        for c, s in problem.eligible:
            self.top[s, problem.clinicians[c].role] += 1
            self.top[s, -1] += 1
        self.pieces: dict[tuple[int, int], list[tuple[int, bool, float]]] = {}
        rules = problem.rules.active()
        for s, session in enumerate(problem.sessions):
            for index, (role, low, pref, most) in enumerate(session.needs):
                n = self._count(s, role)
                key = (s, role)
                under, over = session.need_weights[index]
                cover_min = rules.get("cover_min")
                if cover_min is not None and low > 0:
                    w = getattr(cover_min, "weight", 0) * session.priority
                    self._penalty(
                        key, n, low, True, HUGE if getattr(cover_min, "hard", False) else w
                    )
                cover_max = rules.get("cover_max")
                if cover_max is not None:
                    w = getattr(cover_max, "weight", 0)
                    self._penalty(
                        key, n, most, False, HUGE if getattr(cover_max, "hard", False) else w
                    )
                preferred = rules.get("cover_preferred")
                if preferred is not None and pref > 0:
                    self._penalty(key, n, pref, True, getattr(preferred, "weight", 0) * under)
                above = rules.get("cover_over_preferred")
                if above is not None:
                    self._penalty(key, n, pref, False, getattr(above, "weight", 0) * over)
            ratio = rules.get("teaching_ratio")
            if ratio is not None and session.teachers_needed > 0:
                n = self._count(s, -1)
                key = (s, -1)
                w = HUGE if getattr(ratio, "hard", False) else getattr(ratio, "weight", 0)
                self._penalty(key, n, session.teachers_needed, True, w)
        self.one = [lp.Constraint(1, 1) for _ in range(problem.n_clinicians)]
        self.columns: list[list[tuple[Column, int, Any]]] = [[] for _ in self.one]
        self.known: list[set[Column]] = [set() for _ in self.one]
        self.fixed: dict[int, int] = {}
        self.prices: dict[tuple[int, int], float] = {}
        self.mu = [0.0] * problem.n_clinicians
        self.value = math.nan  # the last LP's value

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
        self.one[c].SetCoefficient(var, 1)
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
        self.mu = [row.dual_value() for row in self.one]
        self.value = float(self.objective.Value())
        return self.value

    def rest(self, prices: dict[tuple[int, int], float]) -> float:
        """The Lagrangian's part from the headcounts: per count row, the least of its penalties
        plus its price times the headcount, over the headcounts it can take (the least of a
        convex piecewise linear function lies at a break or an end)."""
        total = 0.0
        for key, pieces in self.pieces.items():
            price = prices.get(key, 0.0)
            top = self.top[key]
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
        fresh = _Master(self.problem)
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
        return [var.solution_value() for _, _, var in self.columns[c]]

    def fix(self, c: int, i: int) -> None:
        self.fixed[c] = i
        for j, (_, _, var) in enumerate(self.columns[c]):
            var.SetUb(self.lp.infinity() if j == i else 0)


class Rounds:
    """Pricing rounds over a master and its clinicians' priced models, on a pool of threads."""

    def __init__(
        self,
        master: _Master,
        pricers: Sequence[_Pricer],
        pool: ThreadPoolExecutor,
        seed: int,
        trace: Callable[[RoundTrace], None] | None = None,
        began: float | None = None,
    ) -> None:
        """``trace`` is given each round as it ends, its seconds counted from ``began``
        (time.perf_counter(); None: now)."""
        self.master, self.pricers, self.pool, self.seed = master, pricers, pool, seed
        self.count = 0
        self.lows: dict[int, float] = {}  # the last round's least priced cost per clinician
        self.phase = "root"  # what the rounds are for: "root", "dive" or "search", for the trace
        self.trace = trace
        self.began = time.perf_counter() if began is None else began

    def __call__(
        self, who: Sequence[int], prices: dict[tuple[int, int], float] | None
    ) -> tuple[int, float, bool]:
        """Price ``who`` at ``prices`` (None: at zero, before the first LP) and add the rosters
        found that price below zero at the LP's own prices; returns the columns added, the sum
        of each clinician's least priced cost (a lower bound) and whether a roster was found for
        each."""
        master = self.master
        self.count += 1
        asked = [master.price_of(c, prices or {}) for c in who]
        out = list(
            self.pool.map(
                lambda k: self.pricers[who[k]].price(asked[k], self.seed), range(len(who))
            )
        )
        added, lows = 0, 0.0
        self.lows = {}
        for k, (found, low, _) in enumerate(out):
            c = who[k]
            own = master.price_of(c)
            for column, cost in found:
                reduced = cost - sum(own(s) for s in column) - master.mu[c]
                if prices is None or reduced < -1e-6:
                    added += master.add(c, column, cost)
            lows += low
            self.lows[c] = low
        if self.trace is not None:
            self.trace(
                RoundTrace(
                    self.phase,
                    time.perf_counter() - self.began,
                    len(who),
                    added,
                    master.size(),
                    len(master.fixed),
                    master.value,
                )
            )
        return added, lows, all(found for found, _, _ in out)


def generate(
    problem: ProblemData,
    root_until: float,
    dive_until: float,
    workers: int = 2,
    seed: int = 0,
    trace: Callable[[RoundTrace], None] | None = None,
) -> Generated:
    """Rounds of columns until none prices below zero, the LP's value stalls or ``root_until``
    (seconds from now), then the dive, hurried to end by ``dive_until``; when the dive ends
    sooner above the bound, a branch and price and the best choice among all the columns found
    (solver/branch.py) until ``dive_until``. The bound holds whenever a round ended; the roster
    is given when it keeps the hard cover rules. ``trace`` is given each round of pricing as it
    ends (scripts/bench_colgen.py --trace). Raises RuntimeError when the master's LP ends
    unsolved."""
    from solver.branch import Best, best_choice, score, search  # branch.py uses this module
    from solver.rens import Support, supported  # so does rens.py

    start = time.perf_counter()
    slices = _Slices(problem)
    pricers = [_Pricer(problem, slices, c) for c in range(problem.n_clinicians)]
    master = _Master(problem)
    bound = -math.inf
    with ThreadPoolExecutor(max(1, workers)) as pool:
        round_ = Rounds(master, pricers, pool, seed, trace, start)
        everyone = list(range(problem.n_clinicians))
        # the prices of the best bound and each clinician's least priced cost at them
        proof: tuple[dict[tuple[int, int], float], dict[int, float]] = ({}, {})
        _, _, whole = round_(everyone, None)
        if not whole:  # a clinician's own model found no roster in its limit
            return Generated(None, None, None, round_.count, 0, time.perf_counter() - start)
        values = [master.solve()]
        center: dict[tuple[int, int], float] | None = None  # the prices of the best bound
        while True:
            lp = master.prices
            smooth = center is not None
            prices = (
                {k: SMOOTH * center.get(k, 0.0) + (1 - SMOOTH) * p for k, p in lp.items()}
                if center is not None
                else lp
            )
            added, lows, _ = round_(everyone, prices)
            lagrangian = lows + master.rest(prices)
            if lagrangian > bound:
                bound, center = lagrangian, prices
                proof = (prices, dict(round_.lows))
            values.append(master.solve())
            if time.perf_counter() - start > root_until or (
                len(values) > STALL and values[-1 - STALL] - values[-1] <= TAIL * abs(values[-1])
            ):
                break  # out of time, or the LP's value no longer falls: the tail is long
            if not added:
                if not smooth:
                    break  # no roster prices below zero at the LP's prices: the LP is solved
                center = None  # the smoothed prices found nothing: the LP's own next
        value = values[-1]
        # the dive
        round_.phase = "dive"
        lasted = 0.0  # the last round's seconds
        target = _whole(bound)
        support: Support | None = None  # the whole model, built at the first use
        # the best roster of the LP's support (its pairs; none yet) and its objective
        found: frozenset[tuple[int, int]] | None = None
        below = math.inf
        while len(master.fixed) < problem.n_clinicians:
            now = time.perf_counter() - start
            free = [c for c in everyone if c not in master.fixed]
            taken = {c: master.taken(c) for c in free}
            most = {c: max(range(len(taken[c])), key=taken[c].__getitem__) for c in free}
            for c in free:
                if taken[c][most[c]] >= WHOLE:
                    master.fix(c, most[c])
            left = [c for c in free if c not in master.fixed]
            # one more clinician per step, the one the LP takes closest to whole; more when the
            # steps left at the last round's pace would not end in time (all when out of it)
            steps = (dive_until - now) / lasted if lasted > 0 else len(left)
            many = len(left) if steps < 1 else math.ceil(len(left) / max(1.0, steps))
            for c in sorted(left, key=lambda c: -taken[c][most[c]])[:many]:
                master.fix(c, most[c])
            free = [c for c in everyone if c not in master.fixed]
            value = master.solve()
            # columns again for the others until none is found, in their share of the time left
            # (a step for each, at worst): the first steps' rounds price many clinicians and the
            # last ones few, where the LP needs new columns most
            step = time.perf_counter() - start
            step += (dive_until - step) / max(1, len(free))
            while free:
                began = time.perf_counter()
                added, _, _ = round_(free, master.prices)
                value = master.solve()
                lasted = time.perf_counter() - began
                if not added or time.perf_counter() - start > step:
                    break
            if free and target is not None and SUPPORT_LIMIT > 0:
                # a roster from the LP's support (solver/rens.py): the dive's last fixings lose
                # what the LP promised. Its columns are kept out of the master: the search
                # after the dive goes as it would without it
                began = time.perf_counter()
                if support is None:
                    support = Support(problem, workers, seed)
                got = supported(
                    master,
                    pricers,
                    support,
                    target,
                    below,
                    SUPPORT_LIMIT,
                    seed,
                    start + dive_until - began,
                )
                if got is not None:
                    below, found = got
                if trace is not None:
                    trace(
                        RoundTrace(
                            "support",
                            time.perf_counter() - start,
                            0,
                            0,
                            master.size(),
                            len(master.fixed),
                            master.value,
                            support.open,
                            below if found is not None else math.nan,
                        )
                    )
        choice = [master.fixed[c] for c in everyone]
        best = Best(score(master, choice), choice, beside=below)
        remaining = dive_until - (time.perf_counter() - start)
        if remaining > 1 and target is not None and target < best.beat:
            # the dive ended early: branch and price for more rosters near the best, between a
            # first choice among the columns (a roster to prune the search with, unless the
            # support's is better than the dive's) and the last
            at, least = proof

            def gap(c: int, column: Column, cost: int) -> float:
                """How far a column's priced cost is above its clinician's least, at the prices
                of the best bound: a roster costs at least the bound plus its columns' gaps."""
                own = master.price_of(c, at)
                return cost - sum(own(s) for s in column) - least[c]

            if best.beat == best.value:
                best_choice(master, best, MIP_FIRST * remaining, workers, seed, gap, bound)
            round_.phase = "search"
            search(
                master,
                pricers,
                round_,
                best,
                start + dive_until - MIP_LAST * remaining,
                target + AIM,
                target + max(AIM, math.ceil(AIM_SHARE * abs(target))),
                seed,
            )
            remaining = dive_until - (time.perf_counter() - start)
            best_choice(master, best, remaining, workers, seed, gap, bound)
        value = best.value
    roster = frozenset((c, s) for c in everyone for s in master.columns[c][best.choice[c]][0])
    if found is not None and below < value:
        value, roster = below, found
    keeps = value < HUGE / 2
    return Generated(
        _whole(bound),
        roster if keeps else None,
        value if keeps else None,
        round_.count,
        master.size(),
        time.perf_counter() - start,
    )


def _whole(bound: float) -> int | None:
    """The least whole objective at or above a bound computed in floating point."""
    if bound == -math.inf:
        return None
    return math.ceil(bound - 1e-6 * max(1.0, abs(bound)))
