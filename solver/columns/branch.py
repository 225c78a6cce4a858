"""Branch and price after the dive: more rosters near the best, then the best choice among them.

The dive (solver.columns.generation) fixes whole rosters as the LP leads and often stops a few
points above the best roster. This module searches on, depth first: a node decides single
assignments (clinician c works session s, or not), its LP is solved with columns generated under
those decisions (each clinician's priced model has the decided sessions fixed), and it branches on
the assignment the LP takes least, the branch that works it first. A node is pruned when its
Lagrangian bound or its LP is above the aim (the bound plus a little at first, a point higher each
time the search runs out of nodes) or cannot beat the best roster known by a whole point (the
objective is whole). Every node's LP is rounded (each clinician's roster the LP takes most) as a
roster to beat; a node whose LP is whole is one.

The search alone reaches whole LPs slowly (a roster has hundreds of assignments), but its nodes
generate the rosters the best choice needs: the restricted master over the columns found, as a
MIP (solver.columns.choice), solved for rosters a point above the bound, then two, and so on
(``best_choice``).
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Sequence

from solver.columns.choice import best_columns
from solver.columns.master import EPSILON, Column, ColumnPricer, MasterLP, whole
from solver.columns.rounds import Rounds


@dataclasses.dataclass
class Best:
    value: float  # the objective of ``choice``
    choice: list[int]  # per clinician, the index of their column in the master
    nodes: int = 0
    # the objective of a roster known beside the columns (the LP's support's):
    # only rosters cheaper than both it and ``value`` are looked for
    beside: float = math.inf

    @property
    def to_beat(self) -> float:
        """The objective a roster must be below to be looked for."""
        return min(self.value, self.beside)


def score(master: MasterLP, choice: Sequence[int]) -> float:
    """The objective of one column per clinician: their own costs and the cover penalties."""
    picked = [master.columns[c][i] for c, i in enumerate(choice)]
    return sum(cost for _, cost, _ in picked) + master.cover([column for column, _, _ in picked])


def search(
    master: MasterLP,
    pricers: Sequence[ColumnPricer],
    round_: Rounds,
    best: Best,
    until: float,
    aim: float,
    highest: float,
    whole_share: float,
    seed: int = 0,
) -> None:
    """Depth-first branch and price until ``until`` (time.perf_counter()); improves ``best`` in
    place. Nodes whose bound is above ``aim`` are pruned as well: the search keeps near the
    bound, where the best rosters are, and aims a point higher each time it runs out of nodes, up
    to ``highest`` (where the best roster lies far above the bound, searching every level would
    waste the time). An LP share of an assignment of at least ``whole_share`` counts as whole.
    Leaves the master's columns barred by the last node's decisions: call ``master.allow({})``
    before using them."""
    everyone = list(range(master.problem.n_clinicians))
    while time.perf_counter() < until and not round_.stopped:
        stack: list[tuple[tuple[int, int, int], ...]] = [()]
        while stack and time.perf_counter() < until and not round_.stopped:
            decisions = stack.pop()
            best.nodes += 1
            cutoff = min(aim, best.to_beat - 1) + EPSILON
            pairs = _node(
                master, pricers, round_, best, decisions, everyone, until, seed, cutoff, whole_share
            )
            if pairs:
                c, s = _pick(pairs)
                stack.append((*decisions, (c, s, 0)))
                stack.append((*decisions, (c, s, 1)))
        if stack or aim >= min(highest, best.to_beat - 1):
            break  # out of time, or every roster a point better than the best was looked for
        aim += 1  # no roster at the aim: aim a point higher


def _pick(pairs: dict[tuple[int, int], float]) -> tuple[int, int]:
    """The assignment to branch on: the one the LP takes least (working it comes first). Its
    nodes price rosters the LP would not have chosen, and the MIP after the search finds more
    among them."""
    return min(pairs, key=pairs.__getitem__)


def _node(
    master: MasterLP,
    pricers: Sequence[ColumnPricer],
    round_: Rounds,
    best: Best,
    decisions: tuple[tuple[int, int, int], ...],
    everyone: list[int],
    until: float,
    seed: int,
    cutoff: float,
    whole_share: float,
) -> dict[tuple[int, int], float]:
    """Solve one node; returns the assignments its LP takes in part (empty: pruned, whole or out
    of time)."""
    decided: dict[int, dict[int, int]] = {}
    for c, s, v in decisions:
        decided.setdefault(c, {})[s] = v
    for c in everyone:
        pricers[c].restrict(decided.get(c, {}))
    for c in master.allow(decided):
        # no column keeps the decisions yet: the clinician's least cost roster that does
        found, _, _ = pricers[c].price(lambda s: 0.0, seed)
        if not found:
            return {}  # none at all: the decisions cannot all hold
        for column, cost in found:
            master.add(c, column, cost)
    value = master.solve()
    while True:
        prices = master.prices
        added, lows, _ = round_(everyone, prices)
        if lows + master.lagrangian_cover(prices) > cutoff:
            return {}  # the Lagrangian bound: nothing here beats the best
        value = master.solve()
        if not added:
            break
        if time.perf_counter() > until:
            return {}
    if value > cutoff:
        return {}
    # the LP's rounding, and the assignments it takes in part
    choice = []
    for c in everyone:
        taken = master.taken(c)
        choice.append(max(range(len(taken)), key=taken.__getitem__))
    pairs = {pair: t for pair, t in master.shares(everyone).items() if t < whole_share}
    rounded = score(master, choice)
    if rounded < best.value - EPSILON:
        best.value, best.choice = rounded, choice
    return pairs


def best_choice(
    master: MasterLP,
    best: Best,
    seconds: float,
    workers: int,
    seed: int,
    gap: Callable[[int, Column, int], float],
    bound: float,
    stop: threading.Event | None = None,
) -> None:
    """The MIP over the columns in the master, for a roster cheaper than ``best.to_beat`` by a
    whole point; improves ``best`` in place. A roster costs at least ``bound`` plus the ``gap``
    of each of its columns (clinician, sessions, own cost), so a roster of objective L or less
    uses only columns whose gap is at most L - bound. The MIP is solved level by level: L the
    least whole objective at or above the bound, then 1, 2 and 3 points above it, then 6, 12, ...,
    and last a point below the roster to beat; each over those columns only and cut off at L (HiGHS
    prunes every node above it), until a level has a roster (the best among the columns when the
    levels below were proven empty) or the time is spent. The low levels hold few columns and are
    proven or emptied in seconds, where one MIP over every column can take minutes."""
    master.allow({})
    until = time.perf_counter() + seconds
    roles = [clinician.role for clinician in master.problem.clinicians]
    gaps = [[gap(c, column, cost) for column, cost, _ in cs] for c, cs in enumerate(master.columns)]
    least = whole(bound)
    if least is None:
        return  # no bound: no levels (the generation gives none then)
    step, level = 0, -math.inf
    while time.perf_counter() < until and not (stop is not None and stop.is_set()):
        following = min(least + step, math.ceil(best.to_beat - EPSILON) - 1)
        if following <= level:
            return  # the level a point below the roster to beat was looked at
        level, step = following, step + 1 if step < 3 else 2 * step
        room = level - bound + EPSILON
        where = [[i for i, g in enumerate(gs) if g <= room] for gs in gaps]
        if not all(where):
            continue  # a clinician has no column cheap enough: no roster at this level
        columns = [[master.columns[c][i][:2] for i in kept] for c, kept in enumerate(where)]
        found = best_columns(
            columns,
            roles,
            master.pieces,
            until - time.perf_counter(),
            workers,
            seed,
            cutoff=level,
            stop=stop,
        )
        if found is not None:  # at most the level, so below the roster to beat
            best.choice = [where[c][i] for c, i in enumerate(found[0])]
            best.value = found[1]
            return
