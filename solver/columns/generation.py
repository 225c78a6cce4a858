"""Column generation: a lower bound from each clinician's possible rosters, and a roster by diving.

Where the objective is a sum of each clinician's own penalties and each session's cover penalties
(the rule specs' ``splits_by_clinician``), the problem splits: every hard rule but the cover rules
binds one clinician alone. The master problem (solver.columns.master) picks one roster (a column)
per clinician, each priced at its own penalties, and pays the cover penalties of the headcounts
they add up to. Its linear relaxation over all possible columns is the convex hull of each
clinician's rosters, much tighter than the relaxation of the compact model, where CP-SAT's LP
sees each assignment as a fraction.

Columns are generated: the master's LP (GLOP) is solved over the columns found so far, and each
clinician's own model (solver.columns.pricer) is asked for the roster of least cost less the
prices of the sessions it covers, at prices mixing the LP's and those of the best bound so far
(smoothed: fewer rounds). A clinician's priced model also bounds that least cost from below,
proven or not, so every round gives a valid lower bound, the Lagrangian bound at its prices: the
clinicians' least priced costs plus, per need row, the least of its penalties plus its price times
the headcount. The roster comes from a dive: the clinicians whose LP roster is whole are fixed to
it, and one more, the one closest to whole; columns are generated again for the others, and so on
until every clinician has a roster. After each step the LP's support may give a roster
(solver.columns.support); when the dive ends above the bound, a branch and price searches on for a
better roster among more columns (solver.columns.branch).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from solver.columns.branch import Best, best_choice, score, search
from solver.columns.labels import LabelPricer, expressible
from solver.columns.master import Column, ColumnPricer, MasterLP, whole
from solver.columns.params import ColumnParams
from solver.columns.pricer import Pricer
from solver.columns.rounds import Rounds, RoundTrace
from solver.columns.support import Support, supported
from solver.model.problem import ProblemData
from solver.model.slices import Slices


@dataclass(frozen=True)
class Generated:
    bound: int | None  # a proven lower bound of the objective; None: no round ended
    roster: frozenset[tuple[int, int]] | None  # (clinician, session) pairs; None: no dive ended
    # the roster's cost in the master: at or above its own (a roster found on a search's way may
    # count a penalty above its least); the full model scores it exactly
    objective: float | None
    rounds: int
    columns: int
    seconds: float


def generate(
    problem: ProblemData,
    root_until: float,
    dive_until: float,
    workers: int = 2,
    seed: int = 0,
    trace: Callable[[RoundTrace], None] | None = None,
    params: ColumnParams = ColumnParams(),
    stop: threading.Event | None = None,
    report: Callable[[float | None, float | None], None] | None = None,
) -> Generated:
    """Rounds of columns until none prices below zero, the LP's value stalls or ``root_until``
    (seconds from now), then the dive, hurried to end by ``dive_until``; when the dive ends
    sooner above the bound, a branch and price and the best choice among all the columns found
    (solver.columns.branch) until ``dive_until``. The bound holds whenever a round ended; the roster
    is given when it keeps the hard cover rules. ``trace`` is given each round of pricing as it
    ends (scripts/bench_colgen.py --trace). ``stop``, set, ends the generation at once with the
    bound so far and the support's roster, if it found one (solver.model.stop). Raises
    RuntimeError when the master's LP ends unsolved. ``report`` is given each better bound
    (None, bound) and each better roster (its objective in the master, None) as they come."""

    def tell(objective: float | None, bound: float | None) -> None:
        if report is not None:
            report(objective, bound)

    start = time.perf_counter()
    slices = Slices(problem)
    pricers = [_pricer(problem, slices, c, params) for c in range(problem.n_clinicians)]
    master = MasterLP(problem, params)
    bound = -math.inf
    with ThreadPoolExecutor(max(1, workers)) as pool:
        round_ = Rounds(master, pricers, pool, seed, trace, start, stop)
        everyone = list(range(problem.n_clinicians))
        # the prices of the best bound and each clinician's least priced cost at them
        proof: tuple[dict[tuple[int, int], float], dict[int, float]] = ({}, {})
        _, _, all_found = round_(everyone, None)
        if not all_found:  # a clinician's own model found no roster in its limit
            return Generated(None, None, None, round_.count, 0, time.perf_counter() - start)
        values = [master.solve()]
        center: dict[tuple[int, int], float] | None = None  # the prices of the best bound
        while True:
            lp = master.prices
            smooth = center is not None
            prices = (
                {
                    k: params.smooth * center.get(k, 0.0) + (1 - params.smooth) * p
                    for k, p in lp.items()
                }
                if center is not None
                else lp
            )
            added, lows, _ = round_(everyone, prices)
            lagrangian = lows + master.lagrangian_cover(prices)
            if lagrangian > bound:
                bound, center = lagrangian, prices
                proof = (prices, dict(round_.lows))
                if bound > 0:  # every penalty is at least 0: a bound below says nothing
                    tell(None, whole(bound))
            values.append(master.solve())
            if time.perf_counter() - start > root_until or (
                len(values) > params.stall
                and values[-1 - params.stall] - values[-1] <= params.tail * abs(values[-1])
            ):
                break  # out of time, or the LP's value no longer falls: the tail is long
            if round_.stopped:
                return Generated(
                    whole(bound),
                    None,
                    None,
                    round_.count,
                    master.size(),
                    time.perf_counter() - start,
                )
            if not added:
                if not smooth:
                    break  # no roster prices below zero at the LP's prices: the LP is solved
                center = None  # the smoothed prices found nothing: the LP's own next
        value = values[-1]
        # the dive
        round_.phase = "dive"
        lasted = 0.0  # the last round's seconds
        target = whole(bound)
        support: Support | None = None  # the whole model, built at the first use
        # the best roster of the LP's support (its pairs; none yet) and its objective
        found: frozenset[tuple[int, int]] | None = None
        below = math.inf
        while len(master.fixed) < problem.n_clinicians and not round_.stopped:
            now = time.perf_counter() - start
            free = [c for c in everyone if c not in master.fixed]
            taken = {c: master.taken(c) for c in free}
            most = {c: max(range(len(taken[c])), key=taken[c].__getitem__) for c in free}
            for c in free:
                if taken[c][most[c]] >= params.whole_share:
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
            if free and target is not None and params.support_limit > 0:
                # a roster from the LP's support (solver.columns.support): the dive's last
                # fixings lose what the LP promised. Its columns are kept out of the master: the
                # search after the dive goes as it would without it
                began = time.perf_counter()
                if support is None:
                    support = Support(problem, workers, seed, params)
                    support.stop = stop
                got = supported(
                    master,
                    pricers,
                    support,
                    target,
                    below,
                    params.support_limit,
                    seed,
                    start + dive_until - began,
                )
                if got is not None:
                    below, found = got
                    tell(below, None)
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
        if round_.stopped:
            keeps = found is not None and below < params.hard_penalty / 2
            return Generated(
                whole(bound),
                found if keeps else None,
                below if keeps else None,
                round_.count,
                master.size(),
                time.perf_counter() - start,
            )
        choice = [master.fixed[c] for c in everyone]
        best = Best(score(master, choice), choice, beside=below)
        if best.value < params.hard_penalty / 2:
            tell(best.value, None)  # the dive's roster
        remaining = dive_until - (time.perf_counter() - start)
        if remaining > 1 and target is not None and target < best.to_beat:
            # the dive ended early: branch and price for more rosters near the best, between a
            # first choice among the columns (a roster to prune the search with, unless the
            # support's is better than the dive's) and the last
            at, least = proof

            def gap(c: int, column: Column, cost: int) -> float:
                """How far a column's priced cost is above its clinician's least, at the prices
                of the best bound: a roster costs at least the bound plus its columns' gaps."""
                own = master.price_of(c, at)
                return cost - sum(own(s) for s in column) - least[c]

            if best.to_beat == best.value:
                best_choice(
                    master, best, params.mip_first * remaining, workers, seed, gap, bound, stop
                )
            round_.phase = "search"
            search(
                master,
                pricers,
                round_,
                best,
                start + dive_until - params.mip_last * remaining,
                target + params.aim,
                target + max(params.aim, math.ceil(params.aim_share * abs(target))),
                params.whole_share,
                seed,
            )
            remaining = dive_until - (time.perf_counter() - start)
            best_choice(master, best, remaining, workers, seed, gap, bound, stop)
            if best.value < min(below, params.hard_penalty / 2):
                tell(best.value, None)  # the search's best roster
        value = best.value
    roster = frozenset((c, s) for c in everyone for s in master.columns[c][best.choice[c]][0])
    if found is not None and below < value:
        value, roster = below, found
    keeps = value < params.hard_penalty / 2
    return Generated(
        whole(bound),
        roster if keeps else None,
        value if keeps else None,
        round_.count,
        master.size(),
        time.perf_counter() - start,
    )


def _pricer(problem: ProblemData, slices: Slices, c: int, params: ColumnParams) -> ColumnPricer:
    """Clinician c's pricer: by labels where they express c's rules (and ``params.labels``),
    else by CP-SAT; both price, restrict and cost alike. The labels ask CP-SAT for rosters when
    they find none without proving there is none."""
    if params.labels and expressible(problem, c, slices.sessions[c], params.label.patterns):
        return LabelPricer(
            problem,
            c,
            slices.sessions[c],
            params=params.label,
            fallback=lambda: Pricer(problem, slices, c, params),
        )
    return Pricer(problem, slices, c, params)
