"""Improve a complete roster a few clinicians at a time, each group re-solved exactly.

A neighbourhood search of our own, for a roster that CP-SAT's own search improves slowly: the
first pass's roster of an instance on which CP-SAT found nothing in its first try. Each step
takes a few clinicians who share sessions, either over the whole horizon or over a window of
days (their other days kept), and solves their model against everyone else's roster as it is
(solver/firstpass.py's group models, with every rule as written: the others' headcount taken off
each need, so a hard minimum stays hard). The group's new rosters are taken only when they cost no
more than their present ones: proven the best for them (their present rosters are one of the
answers the proof weighed), or, found in the time limit but not proven, priced no higher
(_Pass._no_dearer). So the whole roster never costs more than before.

That holds when the objective is a sum of each clinician's own penalties and each session's cover
penalties, which a group's model prices exactly at the margin. Fairness (the spread of a kind of
session over all clinicians) and continuity (the people of a series against its largest session)
weigh clinicians against each other, and a group's model would see only its members: with either
rule active (as a soft rule) the search does not run. Nor on a long horizon (see FREE), where a
group's model, which holds its members' whole horizon, is too slow to build and solve.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Iterable

from solver.firstpass import _Pass
from solver.problem import ProblemData

# soft rules whose penalty is not a sum of per-clinician and per-session terms
ACROSS_CLINICIANS = ("fairness", "continuity")
LIMIT = 1.0  # seconds for one group's model; most are proven in a few tenths
ROWS = (2, 2, 3)  # group sizes over the whole horizon (four took 1.6 s, half of them unproven)
WINDOW_SIZES = (6, 8, 12)  # group sizes over a window of days
WINDOWS = (7, 10, 14)  # window lengths, in days
# (clinician, session) pairs of two clinicians over the horizon above which the search does not
# run: each group's model holds its members' whole horizon, and on a year (Curtois Instance22,
# 7,280 pairs) one step took 2.3 s to build and solve and 3 steps of 58 found better, where
# CP-SAT's own search from the pass's roster goes much further
FREE = 1000
# groups in a row whose rosters stayed as they were, at least, or so many per clinician if more:
# the search stops and CP-SAT's last solve has the time left. Per clinician, as each group is drawn
# around one clinician: from a dive's roster of Curtois Instance8 (1525), 137 groups in a row
# changed nothing before one took it to 1437, and in 18 s the polish and CP-SAT ended at 1503
# stopping after 50, at 1422 after 150; Instance7 (20 clinicians) 1059 both ways.
STALL, STALL_EACH = 50, 5


@dataclasses.dataclass(frozen=True)
class Polished:
    assignments: frozenset[tuple[int, int]]  # (clinician, session) index pairs
    tries: int  # groups re-solved
    moves: int  # of which with a changed roster
    seconds: float


def applies(problem: ProblemData) -> bool:
    """No active soft rule weighs clinicians against each other (see the module's doc), and two
    clinicians have at most FREE sessions between them, on average."""
    active = problem.rules.active()
    across = any(
        kind in active and not getattr(active[kind], "hard", False) for kind in ACROSS_CLINICIANS
    )
    return not across and 2 * len(problem.eligible) <= FREE * max(1, problem.n_clinicians)


class _Partners:
    """Each clinician's partners: the others eligible for one of their sessions, listed on first
    use (a year-long instance has 150 clinicians of 11,648 sessions each)."""

    def __init__(self, state: _Pass) -> None:
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
) -> Polished:
    """Re-solve groups of clinicians within ``seconds``, or until STALL groups in a row changed
    nothing (STALL_EACH per clinician if more), and return the roster; ``chosen`` must keep every
    hard rule (the groups' models are built around it). Groups are drawn from a generator seeded
    with ``seed``: half of the steps two or three clinicians over the whole horizon, half six to
    twelve over one to two weeks; each group a clinician and partners who share a session with
    them. ``halt``: set, the search stops after the group under way (at most LIMIT seconds)."""
    start = time.perf_counter()
    state = _Pass(problem, workers, seed, soften=False)
    state.halt = halt
    state.load(chosen)
    partners = _Partners(state)
    rng = random.Random(seed)
    n = problem.n_clinicians
    days = 1 + max((s.day for s in problem.sessions), default=0)
    tries = moves = still = 0
    longest = 0.0  # the longest step so far: no step starts that could end after the limit
    stall = max(STALL, STALL_EACH * n)
    while n and still < stall and not state.halted():
        step_start = time.perf_counter()
        left = seconds - (step_start - start)
        if left < max(0.1, longest):
            break
        c = rng.randrange(n)
        window: range | None = None
        if rng.random() < 0.5:
            size = rng.choice(ROWS)
        else:
            size = rng.choice(WINDOW_SIZES)
            length = min(days, rng.choice(WINDOWS))
            first = rng.randrange(days - length + 1)
            window = range(first, first + length)
        near = partners.of(c)
        members = sorted([c, *rng.sample(near, min(len(near), size - 1))])
        _, changed = state.resolve(members, [min(LIMIT, left)], window, no_worse=True)
        tries += 1
        moves += changed
        still = 0 if changed else still + 1
        longest = max(longest, time.perf_counter() - step_start)
    return Polished(state.roster(), tries, moves, time.perf_counter() - start)
