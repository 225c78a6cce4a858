"""A fast first roster, one clinician at a time, to hint the full model.

The pass solves one small model per clinician, in input order, every other clinician's assignments
fixed (solver.search.groups). Sweeps repeat, each clinician re-solved against all the others,
while the budget lasts and a sweep still improves. The answer is only a hint: a cover minimum
that the pass leaves short (it treats minimums as soft, since one clinician alone rarely meets
one) is mended by the full model, which keeps every rule as written.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from solver.model.problem import ProblemData
from solver.model.stop import Stop
from solver.search.groups import GroupParams, GroupSolver


@dataclass(frozen=True)
class FirstPassParams:
    """The first pass's settings."""

    retries: int = 3
    """In the first sweep, a clinician's model that found nothing is tried again so many times,
    four times longer each time."""
    mend_group: int = 8
    """Clinicians re-solved together around a need left below its hard minimum."""
    mend_limit: float = 0.25
    """Seconds for one such group: enough to find a mend, rarely to prove it the best."""


@dataclass(frozen=True)
class FirstPass:
    assignments: frozenset[tuple[int, int]]  # (clinician, session) index pairs
    sweeps: int
    seconds: float
    # every clinician's own model found their roster and no need is below a hard minimum: the
    # roster keeps every hard rule (each clinician's rules held in their model, cover maximums
    # held against the others' headcount, minimums and teachers checked)
    complete: bool = False


class FirstSweep:
    """The pass's first sweep, one clinician after another in input order, resumable: it can
    start beside CP-SAT's first try and go on after it. CP-SAT presolves on one thread, which
    leaves the other core idle for minutes on a year-long instance. A sweep run there
    (``start``) uses one search thread, which takes CP-SAT's interleaved searches in turn (see
    solver.model.cpsat.configure), and stops when halted."""

    def __init__(
        self,
        problem: ProblemData,
        workers: int = 1,
        seed: int = 0,
        params: FirstPassParams = FirstPassParams(),
        groups: GroupParams = GroupParams(),
    ) -> None:
        self.problem = problem
        self.params = params
        self.groups = groups
        self.workers = workers
        self.seed = seed
        self._state: GroupSolver | None = None  # made on first use, in the thread that sweeps
        self.next = 0  # the next clinician to solve
        self.unsolved = set(range(problem.n_clinicians))  # not yet given a roster of their own
        self.hurried = False  # a clinician needed more than their share
        self.changed = False
        self._halt = Stop()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def state(self) -> GroupSolver:
        if self._state is None:
            self._state = GroupSolver(self.problem, self.workers, self.seed, self.groups)
        return self._state

    @property
    def done(self) -> bool:
        return self.next >= self.problem.n_clinicians

    def step(self, limit: float, spent: float = 0.0, retry_until: float | None = None) -> None:
        """Solve the next clinician, given ``limit`` seconds. A clinician left without a roster
        of their own breaks their hard rules in the whole roster, which then cannot serve as a
        hint: one whose model found nothing is tried again, 4x longer each time while the pass
        (which has run ``spent`` seconds) stays within ``retry_until``, and in that extra time the
        first roster found is taken. Once a clinician has needed it, the sweep starts there: the
        share is too short for these models (a year-long clinician's model can take longer to
        presolve than its share). A step cut short by a halt leaves the clinician to the next."""
        limits = [limit]
        for _ in range(self.params.retries):
            limit *= 4
            if retry_until is not None and spent + limit > retry_until:
                break
            spent += limit
            limits.append(limit)
        if self.hurried and len(limits) > 1:
            limits = limits[1:]
        c = self.next
        found, moved = self.state.resolve([c], limits, hurry_from=0 if self.hurried else 1)
        if found is None and self.state.halted():
            return
        if found is not None:
            self.unsolved.discard(c)
            self.hurried = self.hurried or found > 0
        self.changed = self.changed or moved
        self.next += 1

    @property
    def complete(self) -> bool:
        """Every clinician has a roster of their own and no need is below a hard minimum: the
        roster keeps every hard rule (see FirstPass.complete). Those the sweep has not reached
        are still unsolved."""
        return not self.unsolved and not self.state.short()

    def start(
        self,
        limit: float,
        then: float | None = None,
        after: Callable[[], None] | None = None,
    ) -> None:
        """Sweep in a thread of its own, each clinician first given ``limit`` seconds, until all
        have had their turn or the sweep is halted; with ``then``, go on with the rest of the pass
        (first_pass, one search thread) within ``then`` seconds of its start, and then call
        ``after`` in the same thread unless halted (it should watch ``halting``)."""
        self._thread = threading.Thread(target=self._ahead, args=(limit, then, after), daemon=True)
        self._thread.start()

    @property
    def halting(self) -> threading.Event:
        """Set when the sweep is asked to stop: work run after it in its thread watches it."""
        return self._halt

    def _ahead(self, limit: float, then: float | None, after: Callable[[], None] | None) -> None:
        try:
            start = time.perf_counter()
            self.state.halt = self._halt
            while not self.done and not self._halt.is_set():
                self.step(limit)
            if then is not None and not self._halt.is_set():
                first_pass(
                    self.problem,
                    then - (time.perf_counter() - start),
                    1,
                    self.seed,
                    sweep=self,
                    params=self.params,
                    groups=self.groups,
                )
                if after is not None and not self._halt.is_set():
                    after()
        except BaseException as error:  # raised again in the caller's thread, by wait
            self._error = error
        finally:
            if self._state is not None:
                self._state.halt = None

    def halt(self) -> None:
        """Ask a started sweep to stop, the solve under way too; from any thread, at once."""
        self._halt.set()
        current = None if self._state is None else self._state.current
        if current is not None:
            current.stop_search()

    def wait(self) -> None:
        """Halt a started sweep and wait for it to stop. The solve under way is asked again
        until the thread ends: a stop asked just before CP-SAT begins is not kept."""
        while self._thread is not None and self._thread.is_alive():
            self.halt()
            self._thread.join(0.02)
        if self._error is not None:
            raise self._error


def first_pass(
    problem: ProblemData,
    budget: float,
    workers: int = 1,
    seed: int = 0,
    retry_until: float | None = None,
    sweep: FirstSweep | None = None,
    params: FirstPassParams = FirstPassParams(),
    groups: GroupParams = GroupParams(),
    stop: threading.Event | None = None,
    complete_by: float | None = None,
) -> FirstPass:
    """Sweeps of one-clinician solves within ``budget`` seconds; the first sweep goes on past
    the budget, up to ``retry_until`` seconds (no limit when None), to solve every clinician;
    with ``complete_by``, sweeps go on past the budget up to so many seconds while the roster
    is not complete (a search that needs a complete roster follows).
    ``sweep``: the first sweep as far as it went beside CP-SAT's first try (FirstSweep.start).
    ``stop``: set, the pass stops (with the solve under way, when it is a solver.model.stop.Stop)
    and returns the roster as far as it went.

    After each sweep, every need still below a hard minimum is mended by re-solving together a
    few clinicians who could fill it (while the pass has run less than ``retry_until``): one
    clinician alone often cannot, when taking the session means dropping another that only a
    colleague could take over."""
    start = time.perf_counter()
    until = budget if retry_until is None else max(budget, retry_until)
    first = sweep if sweep is not None else FirstSweep(problem, workers, seed, params, groups)
    state = first.state
    state.workers = workers
    state.stop = stop
    n = len(state.roles)
    sweeps = 0
    changed = True

    def more() -> bool:
        spent = time.perf_counter() - start
        if sweeps == 0 or spent < budget:
            return True
        return complete_by is not None and spent < complete_by and not first.complete

    while changed and more() and not state.halted():
        changed = False
        if sweeps == 0:
            while not first.done and not state.halted():
                spent = time.perf_counter() - start
                left = budget - spent
                if left <= 0 and spent >= until:
                    break  # it may outrun the budget, to give everyone a roster
                first.step(max(0.05, left / (n - first.next)), spent, retry_until)
            changed = first.changed
        else:
            for c in range(n):
                left = max(budget, complete_by or 0.0) - (time.perf_counter() - start)
                if left <= 0 or state.halted():
                    break
                found, moved = state.resolve([c], [max(0.05, left / (n - c))])
                if found is not None:
                    first.unsolved.discard(c)
                changed = changed or moved
        sweeps += 1
        changed = _mend(state, start, until, params) or changed
    state.stop = None
    return FirstPass(state.roster(), sweeps, time.perf_counter() - start, complete=first.complete)


def _mend(state: GroupSolver, start: float, until: float, params: FirstPassParams) -> bool:
    """Re-solve a few clinicians together around each need below a hard minimum, until none is
    left, a round mends nothing, or the time is up. True when the roster changed."""
    changed = False
    for turn in range(4):
        short = state.short()
        if not short:
            break
        mended = False
        for s, role in short:
            left = until - (time.perf_counter() - start)
            if left <= 0 or state.halted():
                return changed
            if not state.is_short(s, role):
                continue  # mended on the way
            members = state.around(s, role, turn, params.mend_group)
            day = state.soft.sessions[s].day
            window = range(day - 1 - turn, day + 2 + turn)  # wider on each later round
            _, moved = state.resolve(members, [min(params.mend_limit, left)], window)
            mended = mended or moved
        changed = changed or mended
        if not mended:
            break
    return changed
