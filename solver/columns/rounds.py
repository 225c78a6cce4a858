"""Rounds of pricing: every clinician asked for their best roster at the master's prices."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from solver.columns.master import ColumnPricer, MasterLP


@dataclass(frozen=True)
class RoundTrace:
    """One round of pricing, or one look at the LP's support (phase "support"), as
    ``generate``'s ``trace`` is given it."""

    # "root" (the rounds before the dive), "dive", "search" (the branch and price) or "support"
    # (a step of the dive ended and its LP's support was looked at)
    phase: str
    seconds: float  # since the generation began
    priced: int  # clinicians priced
    added: int  # columns added
    columns: int  # columns in the master after the round
    fixed: int  # clinicians the dive has fixed
    lp: float  # the value of the master's last LP before the round (nan: none yet)
    # phase "support": the assignments the LP takes in part (left open; the support model is
    # solved when there are few enough), and the best roster of a support so far
    open: int = 0
    roster: float = math.nan


class Rounds:
    """Pricing rounds over a master and its clinicians' priced models, on a pool of threads."""

    def __init__(
        self,
        master: MasterLP,
        pricers: Sequence[ColumnPricer],
        pool: ThreadPoolExecutor,
        seed: int,
        trace: Callable[[RoundTrace], None] | None = None,
        began: float | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        """``trace`` is given each round as it ends, its seconds counted from ``began``
        (time.perf_counter(); None: now). ``stop``, set, ends the pricing under way and prices
        no more (solver.model.stop)."""
        self.master, self.pricers, self.pool, self.seed = master, pricers, pool, seed
        self.stop = stop
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
        if self.stopped:
            return 0, -math.inf, False
        self.count += 1
        asked = [master.price_of(c, prices or {}) for c in who]
        out = list(
            self.pool.map(
                lambda k: self.pricers[who[k]].price(asked[k], self.seed, self.stop),
                range(len(who)),
            )
        )
        added, lows = 0, 0.0
        self.lows = {}
        for k, (found, low, _) in enumerate(out):
            c = who[k]
            own = master.price_of(c)
            for column, cost in found:
                reduced = cost - sum(own(s) for s in column) - master.convexity_duals[c]
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

    @property
    def stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()
