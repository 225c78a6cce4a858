"""Branch and price after the dive: more rosters near the best, then the best choice among them.

The dive (solver/colgen.py) fixes whole rosters as the LP leads and stops a few points above the
best: on Curtois Instance5, 1156 against the best known 1143 and a bound of 1141. This module
searches on, depth first: a node decides single assignments (clinician c works session s, or not),
its LP is solved with columns generated under those decisions (each clinician's priced model has
the decided sessions fixed), and it branches on the assignment the LP takes least, the branch that
works it first. A node is pruned when its Lagrangian bound or its LP is above the aim (the bound
plus 2 at first, a point higher each time the search runs out of nodes) or cannot beat the best
roster known by a whole point (the objective is whole). Every node's LP is rounded (each
clinician's roster the LP takes most) as a roster to beat; a node whose LP is whole is one.

The search alone reaches whole LPs slowly (a roster has hundreds of assignments), but its nodes
generate the rosters the best choice needs: the restricted master over the columns found, as a
MIP (solver/columnmip.py), solved for rosters a point above the bound, then two, and so on
(``best_choice``), then finds it. On Instance5 in a 60 s run: the dive 1156 at 6 s; after 183
nodes of search, the MIP over 1,476 columns 1143, the best known, at 26 s. On Instance7: the dive
1063 (its support's roster 1058) at 16 s; after 32 nodes, the MIP over 3,164 columns 1056, the
best known, at 35 s.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence

from solver.colgen import WHOLE, Column, Rounds, _Master, _Pricer, _whole
from solver.columnmip import best_columns

EPSILON = 1e-6


@dataclasses.dataclass
class Best:
    value: float  # the objective of ``choice``
    choice: list[int]  # per clinician, the index of their column in the master
    nodes: int = 0
    # the objective of a roster known beside the columns (the LP's support's, solver/rens.py):
    # only rosters cheaper than both it and ``value`` are looked for
    beside: float = math.inf

    @property
    def beat(self) -> float:
        """The objective a roster must be below to be looked for."""
        return min(self.value, self.beside)


def score(master: _Master, choice: Sequence[int]) -> float:
    """The objective of one column per clinician: their own costs and the cover penalties."""
    picked = [master.columns[c][i] for c, i in enumerate(choice)]
    return sum(cost for _, cost, _ in picked) + master.cover([column for column, _, _ in picked])


def search(
    master: _Master,
    pricers: Sequence[_Pricer],
    round_: Rounds,
    best: Best,
    until: float,
    aim: float,
    highest: float,
    seed: int = 0,
) -> None:
    """Depth-first branch and price until ``until`` (time.perf_counter()); improves ``best`` in
    place. Nodes whose bound is above ``aim`` are pruned as well: the search keeps near the
    bound, where the best rosters are, and aims a point higher each time it runs out of nodes, up
    to ``highest`` (on Instance1, whose best roster is 9 % above the bound, the levels of aim ran
    2,542 nodes in 29 s for nothing: CP-SAT proves that roster in a few seconds). Leaves the
    master's columns barred by the last node's decisions: call ``master.allow({})`` before using
    them."""
    everyone = list(range(master.problem.n_clinicians))
    while time.perf_counter() < until:
        stack: list[tuple[tuple[int, int, int], ...]] = [()]
        while stack and time.perf_counter() < until:
            decisions = stack.pop()
            best.nodes += 1
            cutoff = min(aim, best.beat - 1) + EPSILON
            pairs = _node(master, pricers, round_, best, decisions, everyone, until, seed, cutoff)
            if pairs:
                c, s = _pick(pairs)
                stack.append((*decisions, (c, s, 0)))
                stack.append((*decisions, (c, s, 1)))
        if stack or aim >= min(highest, best.beat - 1):
            break  # out of time, or every roster a point better than the best was looked for
        aim += 1  # no roster at the aim: aim a point higher


def _pick(pairs: dict[tuple[int, int], float]) -> tuple[int, int]:
    """The assignment to branch on: the one the LP takes least (working it comes first). Its
    nodes price rosters the LP would not have chosen, and the MIP after the search finds more
    among them: Instance6's generation alone (42 s) ended at 1950, the best known, in three runs
    of three, against 1951, 1952 and 1952 branching on the one the LP takes most."""
    return min(pairs, key=pairs.__getitem__)


def _node(
    master: _Master,
    pricers: Sequence[_Pricer],
    round_: Rounds,
    best: Best,
    decisions: tuple[tuple[int, int, int], ...],
    everyone: list[int],
    until: float,
    seed: int,
    cutoff: float,
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
        if lows + master.rest(prices) > cutoff:
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
    pairs: dict[tuple[int, int], float] = {}
    for c in everyone:
        taken = master.taken(c)
        choice.append(max(range(len(taken)), key=taken.__getitem__))
        share: dict[int, float] = {}
        for (column, _, _), t in zip(master.columns[c], taken, strict=True):
            if t > EPSILON:
                for s in column:
                    share[s] = share.get(s, 0.0) + t
        pairs.update(((c, s), t) for s, t in share.items() if t < WHOLE)
    rounded = score(master, choice)
    if rounded < best.value - EPSILON:
        best.value, best.choice = rounded, choice
    return pairs


def best_choice(
    master: _Master,
    best: Best,
    seconds: float,
    workers: int,
    seed: int,
    gap: Callable[[int, Column, int], float],
    bound: float,
) -> None:
    """The MIP over the columns in the master, for a roster cheaper than ``best.beat`` by a
    whole point; improves ``best`` in place. A roster costs at least ``bound`` plus the ``gap``
    of each of its columns (clinician, sessions, own cost), so a roster of objective L or less
    uses only columns whose gap is at most L - bound. The MIP is solved level by level: L the
    least whole objective at or above the bound, then 1, 2 and 3 points above it, then 6, 12, ...,
    and last a point below the roster to beat; each over those columns only and cut off at L (HiGHS
    prunes every node above it), until a level has a roster (the best among the columns when the
    levels below were proven empty) or the time is spent. Over the 3,183 columns of Curtois
    Instance7's search in a 60 s run, one MIP over every column that could beat the dive's 1063
    found 1056, the best known, in 71 s; the levels 1053 to 1056 took 0.0, 0.2, 2.8 and 2.9 s."""
    master.allow({})
    until = time.perf_counter() + seconds
    roles = [clinician.role for clinician in master.problem.clinicians]
    gaps = [[gap(c, column, cost) for column, cost, _ in cs] for c, cs in enumerate(master.columns)]
    least = _whole(bound)
    if least is None:
        return  # no bound: no levels (the generation gives none then)
    step, level = 0, -math.inf
    while time.perf_counter() < until:
        following = min(least + step, math.ceil(best.beat - EPSILON) - 1)
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
        )
        if found is not None:  # at most the level, so below the roster to beat
            best.choice = [where[c][i] for c, i in enumerate(found[0])]
            best.value = found[1]
            return
