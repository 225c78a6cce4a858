"""Improve a complete roster a few clinicians at a time, each group re-solved exactly.

A neighbourhood search of our own, for a roster that CP-SAT's own search improves slowly: the
first pass's roster, or column generation's. Each step takes a few clinicians who share sessions,
either over the whole horizon or over a window of days (their other days kept), and solves their
model against everyone else's roster as it is (solver.search.groups, with every rule as written:
the others' headcount taken off each need, so a hard minimum stays hard). The group's new rosters
are taken only when they cost no more than their present ones: proven the best for them (their
present rosters are one of the answers the proof weighed), or, found in the time limit but not
proven, priced no higher. So the whole roster never costs more than before.

That holds when the objective is a sum of each clinician's own penalties and each session's cover
penalties, which a group's model prices exactly at the margin. A rule that couples clinicians
(fairness, continuity: see the rule specs) would be seen by a group's model only for its members:
with one active as a soft rule the search does not run. Nor on a long horizon (see
``PolishParams.max_pairs``), where a group's model, which holds its members' whole horizon, is too
slow to build and solve.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from solver.model.problem import ProblemData
from solver.model.rules import splits_by_clinician
from solver.search.groups import GroupParams, GroupSolver


@dataclass(frozen=True)
class PolishParams:
    """The polish's settings."""

    limit: float = 1.0
    """Seconds for one group's model; most are proven in a few tenths."""
    horizon_sizes: tuple[int, ...] = (2, 2, 3)
    """Group sizes drawn for a step over the whole horizon (larger groups are often unproven)."""
    window_sizes: tuple[int, ...] = (6, 8, 12)
    """Group sizes drawn for a step over a window of days."""
    windows: tuple[int, ...] = (7, 10, 14)
    """Window lengths drawn, in days."""
    max_pairs: int = 1000
    """(clinician, session) pairs of two clinicians, on average, above which the polish does not
    run: each group's model holds its members' whole horizon, too slow to build on a long one."""
    stall: int = 50
    """Groups in a row whose rosters stayed as they were, at least, after which the polish stops
    (CP-SAT's last solve has the time left)..."""
    stall_each: int = 5
    """...or so many per clinician, if more: each group is drawn around one clinician."""


@dataclass(frozen=True)
class Polished:
    assignments: frozenset[tuple[int, int]]  # (clinician, session) index pairs
    tries: int  # groups re-solved
    moves: int  # of which with a changed roster
    seconds: float


def applies(problem: ProblemData, params: PolishParams = PolishParams()) -> bool:
    """No active soft rule couples clinicians (see the module's doc), and two clinicians have at
    most ``params.max_pairs`` sessions between them, on average."""
    pairs = 2 * len(problem.eligible)
    return splits_by_clinician(problem.rules) and pairs <= params.max_pairs * max(
        1, problem.n_clinicians
    )


class _Partners:
    """Each clinician's partners: the others eligible for one of their sessions, listed on first
    use (a year-long instance has 150 clinicians of 11,648 sessions each)."""

    def __init__(self, state: GroupSolver) -> None:
        self.state = state
        self.known: dict[int, list[int]] = {}

    def of(self, c: int) -> list[int]:
        if c not in self.known:
            slices = self.state.slices
            found = {c2 for s in slices.sessions[c] for c2 in slices.clinicians[s]}
            found.discard(c)
            self.known[c] = sorted(found)
        return self.known[c]


def polish(
    problem: ProblemData,
    chosen: Iterable[tuple[int, int]],
    seconds: float,
    workers: int = 1,
    seed: int = 0,
    halt: threading.Event | None = None,
    params: PolishParams = PolishParams(),
    groups: GroupParams = GroupParams(),
    stop: threading.Event | None = None,
) -> Polished:
    """Re-solve groups of clinicians within ``seconds``, or until ``params.stall`` groups in a row
    changed nothing (``params.stall_each`` per clinician if more), and return the roster; ``chosen``
    must keep every hard rule (the groups' models are built around it). Groups are drawn from a
    generator seeded with ``seed``: half of the steps two or three clinicians over the whole
    horizon, half six to twelve over one to two weeks; each group a clinician and partners who share
    a session with them. ``halt``: set, the search stops after the group under way (at most
    ``params.limit`` seconds). ``stop``: the whole solve's stop (solver.model.stop), which ends
    the group under way too."""
    start = time.perf_counter()
    state = GroupSolver(problem, workers, seed, groups, soften=False)
    state.halt = halt
    state.stop = stop
    state.load(chosen)
    partners = _Partners(state)
    rng = random.Random(seed)
    n = problem.n_clinicians
    days = 1 + max((s.day for s in problem.sessions), default=0)
    tries = moves = still = 0
    longest = 0.0  # the longest step so far: no step starts that could end after the limit
    stall = max(params.stall, params.stall_each * n)
    while n and still < stall and not state.halted():
        step_start = time.perf_counter()
        left = seconds - (step_start - start)
        if left < max(0.1, longest):
            break
        c = rng.randrange(n)
        window: range | None = None
        if rng.random() < 0.5:
            size = rng.choice(params.horizon_sizes)
        else:
            size = rng.choice(params.window_sizes)
            length = min(days, rng.choice(params.windows))
            first = rng.randrange(days - length + 1)
            window = range(first, first + length)
        near = partners.of(c)
        members = sorted([c, *rng.sample(near, min(len(near), size - 1))])
        _, changed = state.resolve(members, [min(params.limit, left)], window, no_worse=True)
        tries += 1
        moves += changed
        still = 0 if changed else still + 1
        longest = max(longest, time.perf_counter() - step_start)
    return Polished(state.roster(), tries, moves, time.perf_counter() - start)
