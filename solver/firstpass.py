"""A fast first roster, one clinician at a time, to hint the full model.

Each clinician's own hard rules (limits, allocation bounds, runs, weekends, minutes, successions)
involve that clinician only; what ties clinicians together is the cover of each session. So the
pass solves one small model per clinician, in input order, in which every other clinician's
assignments are fixed: a session's needs are lowered by the headcount already there, which leaves
exactly the marginal cost of this clinician's choice (max(0, p - k - x) is the shortfall of
max(0, p - (k + x))). Sweeps repeat, each clinician re-solved against all the others, while the
budget lasts and a sweep still improves. The answer is only a hint: a cover minimum that the pass
leaves short (it treats minimums as soft, since one clinician alone rarely meets one) is mended by
the full model, which keeps every rule as written.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from solver.problem import AllocationData, ProblemData, RequestData, SessionData

if TYPE_CHECKING:
    from solver.solve import Model


@dataclasses.dataclass(frozen=True)
class FirstPass:
    assignments: frozenset[tuple[int, int]]  # (clinician, session) index pairs
    sweeps: int
    seconds: float
    # every clinician's own model found their roster and no need is below a hard minimum: the
    # roster keeps every hard rule (each clinician's rules held in their model, cover maximums
    # held against the others' headcount, minimums and teachers checked)
    complete: bool = False


def _soften(problem: ProblemData) -> ProblemData:
    """Cover minimum and teaching ratio as soft rules with their weights (see module doc)."""
    rules = problem.rules
    update = {}
    for kind in ("cover_min", "teaching_ratio"):
        params = getattr(rules, kind)
        if params is not None and params.hard:
            update[kind] = params.model_copy(update={"hard": False})
    return (
        dataclasses.replace(problem, rules=rules.model_copy(update=update)) if update else problem
    )


class _Slices:
    """Each clinician's sessions, unavailable sessions, allocations and requests, and each
    session's clinicians, listed once."""

    def __init__(self, problem: ProblemData) -> None:
        n = problem.n_clinicians
        self.sessions: list[list[int]] = [[] for _ in range(n)]
        self.clinicians: list[list[int]] = [[] for _ in range(problem.n_sessions)]
        self.unavailable: list[list[int]] = [[] for _ in range(n)]
        self.allocations: list[list[AllocationData]] = [[] for _ in range(n)]
        self.requests: list[list[RequestData]] = [[] for _ in range(n)]
        for c, s in problem.eligible:
            self.sessions[c].append(s)
            self.clinicians[s].append(c)
        for c, s in sorted(problem.unavailable):
            self.unavailable[c].append(s)
        for a in problem.allocations:
            self.allocations[a.clinician].append(a)
        for r in problem.requests:
            self.requests[r.clinician].append(r)


class _Group:
    """Some clinicians' slice of the problem: the clinicians re-indexed 0, 1, ... in the order
    given, and only the sessions they could work, re-indexed in their order. A one-clinician
    model then holds that clinician's sessions alone: on the generated 500-clinician instance
    building each one went over all 4,946 sessions, three times the time of solving it."""

    def __init__(self, slices: _Slices, members: Sequence[int]) -> None:
        self.members = tuple(members)
        self.sessions = sorted({s for c in members for s in slices.sessions[c]})
        local = {s: i for i, s in enumerate(self.sessions)}
        self.eligible = tuple(
            (k, local[s]) for k, c in enumerate(members) for s in slices.sessions[c]
        )
        self.unavailable = frozenset(
            (k, local[s]) for k, c in enumerate(members) for s in slices.unavailable[c]
        )
        self.allocations = tuple(
            dataclasses.replace(a, clinician=k)
            for k, c in enumerate(members)
            for a in slices.allocations[c]
        )
        self.requests = tuple(
            dataclasses.replace(
                r, clinician=k, sessions=tuple(local[s] for s in r.sessions if s in local)
            )
            for k, c in enumerate(members)
            for r in slices.requests[c]
        )


# per session: the others' headcount per need row and teachers it was lowered by, and the copy
Lowered = dict[int, tuple[tuple[tuple[int, ...], int], SessionData]]


def _sub_problem(
    problem: ProblemData,
    group: _Group,
    others: Counter[tuple[int, int]],
    teachers: Counter[int],
    last: Lowered | None = None,
) -> ProblemData:
    """The problem for the ``group`` alone, on its sessions, the others' headcounts taken off
    each need. ``last`` keeps each session's last lowered copy with what it was lowered by, to be
    used again while that is the same: between one clinician's model and the next only the
    sessions the first one took change (on Curtois Instance24, 0.15 s of each model's build went
    on copying all 11,648 sessions)."""
    sessions = []
    for s in group.sessions:
        session = problem.sessions[s]
        key = (tuple(others[s, role] for role, *_ in session.needs), teachers[s])
        if last is not None and s in last and last[s][0] == key:
            sessions.append(last[s][1])
            continue
        needs = tuple(
            (role, max(0, low - k), max(0, pref - k), max(0, most - k))
            for (role, low, pref, most), k in zip(session.needs, key[0], strict=True)
        )
        lowered = dataclasses.replace(
            session, needs=needs, teachers_needed=max(0, session.teachers_needed - key[1])
        )
        if last is not None:
            last[s] = (key, lowered)
        sessions.append(lowered)
    return dataclasses.replace(
        problem,
        clinicians=tuple(problem.clinicians[c] for c in group.members),
        sessions=tuple(sessions),
        eligible=group.eligible,
        unavailable=group.unavailable,
        allocations=group.allocations,
        requests=group.requests,
    )


RETRIES = 3  # in the first sweep, a clinician's model that found nothing is tried again, 4x longer
GROUP = 8  # clinicians re-solved together around a need left below its hard minimum
MEND_LIMIT = 0.25  # seconds for one such group; enough to find a mend, rarely to prove it best
# (clinician, session) pairs in a group's model above which it is solved without LP from the
# start: a year-long clinician's model has 3,640 (Curtois Instance22) to 11,648 (Instance24); a
# mending group of eight on the generated 500-clinician instance about 2,600
LARGE = 3000
LIMIT_PINNED = 1.0  # seconds to price a group's present rosters; presolve settles it at once


class _Pass:
    """The roster being built: who works which session, and each need's headcount."""

    def __init__(self, problem: ProblemData, workers: int, seed: int, soften: bool = True) -> None:
        # the problem the group models are built from: with soften, every hard cover minimum
        # made soft (see the module's doc); without, every rule as written (solver/polish.py)
        self.soft = _soften(problem) if soften else problem
        self.hard_min = problem.rules.cover_min is not None and problem.rules.cover_min.hard
        self.hard_teach = (
            problem.rules.teaching_ratio is not None and problem.rules.teaching_ratio.hard
        )
        self.slices = _Slices(self.soft)
        self.roles = [c.role for c in self.soft.clinicians]
        self.chosen: list[set[int]] = [set() for _ in self.roles]
        self.heads: Counter[tuple[int, int]] = Counter()
        self.teachers: Counter[int] = Counter()
        self.workers = workers
        self.seed = seed
        self.lowered: Lowered = {}  # see _sub_problem
        self.halt: threading.Event | None = None  # set: stop, the solve under way too
        self.current: cp_model.CpSolver | None = None  # the solve under way

    def halted(self) -> bool:
        return self.halt is not None and self.halt.is_set()

    def load(self, pairs: Iterable[tuple[int, int]]) -> None:
        """Start from this roster of (clinician, session) pairs."""
        for c, s in pairs:
            self.chosen[c].add(s)
        self._move(range(len(self.chosen)), +1)

    def roster(self) -> frozenset[tuple[int, int]]:
        return frozenset((c, s) for c, ss in enumerate(self.chosen) for s in ss)

    def _move(self, members: Sequence[int], sign: int) -> None:
        for c in members:
            for s in self.chosen[c]:
                self.heads[s, self.roles[c]] += sign
                self.teachers[s] += sign

    def resolve(
        self,
        members: Sequence[int],
        limits: Sequence[float],
        days: range | None = None,
        hurry_from: int | None = None,
        no_worse: bool = False,
    ) -> tuple[int | None, bool]:
        """Re-solve ``members`` together against everyone else, with each limit in turn until a
        roster is found; with ``days``, their sessions on other days stay as they are; from
        attempt ``hurry_from`` on, the first roster found is taken; with ``no_worse``, only one
        that costs no more than theirs now (see _no_dearer). Returns (the attempt that found a
        roster or None, changed)."""
        # the full model's builder and settings; imported here as solver.solve imports this module
        from solver.solve import SolveParams, build_model

        if self.halted():
            return None, False
        group = _Group(self.slices, members)
        self._move(members, -1)  # take them out before re-solving
        built = build_model(_sub_problem(self.soft, group, self.heads, self.teachers, self.lowered))
        sessions = self.soft.sessions
        glob = group.sessions  # the sub-model's session index -> the problem's
        for k, c in enumerate(members):
            for i, var in built.variables.by_clinician[k]:
                s = glob[i]
                if days is not None and sessions[s].day not in days:
                    built.model.add(var == int(s in self.chosen[c]))
                elif self.chosen[c] or no_worse:
                    built.model.add_hint(var, int(s in self.chosen[c]))
        found: int | None = None
        changed = False
        large = len(group.eligible) > LARGE
        for attempt, limit in enumerate(limits):
            solver = cp_model.CpSolver()
            self.current = solver
            if self.halted():
                break
            # First one search thread with LP: a small model is solved to optimality in a few
            # hundredths of a second, where interleaving threads takes the whole limit. Then
            # (and first, on a large model) the full search without LP: on a year-long
            # clinician's model the LP search finds no roster in 6 s where this one finds one in
            # 0.4 s (Curtois Instance22), and in 1-3.5 s where this one takes 0.9-1.3 s
            # (Instance24, 11,648 sessions).
            light = large or attempt > 0
            SolveParams(
                time_limit=limit, workers=self.workers if light else 1, seed=self.seed
            ).apply(solver.parameters, light=light)
            # A small model, solved to optimality, skips probing (below). Not beside CP-SAT's
            # search (where a halt can come): with it there, CP-SAT's answer on Instance4 in 60 s
            # went from 1716 (in 3 runs of 3) to 1721 (in 4 of 5), likely as the thread then
            # builds more models, in Python, holding the interpreter lock that CP-SAT's solution
            # callbacks wait for.
            small = not light and self.halt is None
            # the first roster is taken (see the docstring)
            hurry = hurry_from is not None and attempt >= hurry_from
            if small or hurry:
                # One round of presolve, without its search for big linear overlaps. Small
                # models, with no probing either: on 60 groups of the polish on Curtois
                # Instance14 6.9 s against 9.3-10.6 s, all 60 proven against 58; 10-20 % less on
                # Instances 8, 15 and 18 and on a generated 100-clinician instance, as many
                # proven or more; each clinician's model of Instance15 0.9-1.0 s against 1.5 s.
                # The first roster of a year-long clinician's model (Curtois Instance24): 0.65 s
                # against 1.1 s with the full presolve, and 0.43 s without the overlaps (best
                # of 3).
                solver.parameters.max_presolve_iterations = 1
                solver.parameters.find_big_linear_overlap = False
            if small:
                solver.parameters.cp_model_probing_level = 0
            if hurry:
                solver.parameters.stop_after_first_solution = True
            code = solver.solve(built.model)
            if code == cp_model.FEASIBLE and no_worse and not self._no_dearer(built, solver):
                break
            if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = attempt
                for k, c in enumerate(members):
                    xs = built.variables.by_clinician[k]
                    mine = {glob[i] for i, var in xs if solver.value(var)}
                    changed = changed or mine != self.chosen[c]
                    self.chosen[c] = mine
                break
            if code != cp_model.UNKNOWN:
                break
        self._move(members, +1)
        return found, changed

    def _no_dearer(self, built: Model, solver: cp_model.CpSolver) -> bool:
        """Whether the roster ``solver`` found for a group, not proven best, costs no more than
        their rosters now (the model's hint, with every assignment the model leaves free). Its
        objective bounds its cost from above (a penalty variable that is not tight only adds),
        and their cost now is that of the model with every assignment pinned to the hint, which
        presolve settles. In the polish from the pass's roster of Curtois Instance15 (100 s,
        seeds 1 to 3) a fifth of the groups ended unproven, after their whole limit, which was
        most of the time spent solving; taking those that cost no more ended at 6193, 5813 and
        5700 against 6324, 6297 and 5721 (Instance18, seeds 1 and 2: 5597 and 5296 against 5716
        and 5295)."""
        pinned = cp_model.CpSolver()
        self.current = pinned
        if self.halted():
            return False
        pinned.parameters.max_time_in_seconds = LIMIT_PINNED
        pinned.parameters.num_workers = 1
        pinned.parameters.fix_variables_to_their_hinted_value = True
        code = pinned.solve(built.model)
        return code == cp_model.OPTIMAL and solver.objective_value <= pinned.objective_value

    def is_short(self, s: int, role: int) -> bool:
        """Need (s, role) below its hard minimum; role -1: the session's teachers."""
        session = self.soft.sessions[s]
        if role < 0:
            return self.hard_teach and self.teachers[s] < session.teachers_needed
        low = next(low for r, low, _, _ in session.needs if r == role)
        return self.hard_min and self.heads[s, role] < low

    def short(self) -> list[tuple[int, int]]:
        """Needs below a hard minimum, as (session, role); role -1: teachers short."""
        return [
            (s, role)
            for s, session in enumerate(self.soft.sessions)
            for role in [*(r for r, *_ in session.needs), -1]
            if self.is_short(s, role)
        ]

    def around(self, s: int, role: int, turn: int) -> list[int]:
        """Up to GROUP clinicians to re-solve together for need (s, role): half of them could
        fill it (those free of s and least loaded first; ``turn`` rotates the choice on a later
        attempt), the rest could take over the sessions these now hold (who could take over the
        most first), since filling s may mean handing one of those on."""
        unavailable = self.soft.unavailable
        could = [
            c
            for c in self.slices.clinicians[s]
            if (role < 0 or self.roles[c] == role) and (c, s) not in unavailable
        ]
        could.sort(key=lambda c: (s in self.chosen[c], len(self.chosen[c]), c))
        half = max(1, GROUP // 2)
        if len(could) > half:
            shift = (turn * half) % len(could)
            could = (could[shift:] + could[:shift])[:half]
        takers: Counter[int] = Counter()
        for c in could:
            for t in self.chosen[c]:
                takers.update(
                    c2
                    for c2 in self.slices.clinicians[t]
                    if c2 not in could and (c2, t) not in unavailable
                )
        rest = sorted(takers, key=lambda c2: (-takers[c2], len(self.chosen[c2]), c2))
        return sorted(could + rest[: GROUP - len(could)])


class Sweep:
    """The pass's first sweep, one clinician after another in input order, resumable: it can
    start beside CP-SAT's first try and go on after it. CP-SAT presolves on one thread, which
    leaves the other core idle for minutes on a year-long instance (120-205 s of Curtois
    Instance24's). A sweep run there (``start``) uses one search thread, which takes CP-SAT's
    interleaved searches in turn (see SolveParams.apply), and stops when halted."""

    def __init__(self, problem: ProblemData, workers: int = 1, seed: int = 0) -> None:
        self.problem = problem
        self.workers = workers
        self.seed = seed
        self._state: _Pass | None = None  # made on first use, in the thread that sweeps
        self.next = 0  # the next clinician to solve
        self.unsolved = set(range(problem.n_clinicians))  # not yet given a roster of their own
        self.hurried = False  # a clinician needed more than their share
        self.changed = False
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    @property
    def state(self) -> _Pass:
        if self._state is None:
            self._state = _Pass(self.problem, self.workers, self.seed)
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
        share is too short for these models (a year-long clinician's model presolves in 0.8 s;
        the share can be 0.5 s). A step cut short by a halt leaves the clinician to the next."""
        limits = [limit]
        for _ in range(RETRIES):
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
                    self.problem, then - (time.perf_counter() - start), 1, self.seed, sweep=self
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
    sweep: Sweep | None = None,
) -> FirstPass:
    """Sweeps of one-clinician solves within ``budget`` seconds; the first sweep goes on past
    the budget, up to ``retry_until`` seconds (no limit when None), to solve every clinician.
    ``sweep``: the first sweep as far as it went beside CP-SAT's first try (Sweep.start).

    After each sweep, every need still below a hard minimum is mended by re-solving together a
    few clinicians who could fill it (while the pass has run less than ``retry_until``): one
    clinician alone often cannot, when taking the session means dropping another that only a
    colleague could take over."""
    start = time.perf_counter()
    until = budget if retry_until is None else max(budget, retry_until)
    first = sweep if sweep is not None else Sweep(problem, workers, seed)
    state = first.state
    state.workers = workers
    n = len(state.roles)
    sweeps = 0
    changed = True
    while changed and (sweeps == 0 or time.perf_counter() - start < budget) and not state.halted():
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
                left = budget - (time.perf_counter() - start)
                if left <= 0 or state.halted():
                    break
                found, moved = state.resolve([c], [max(0.05, left / (n - c))])
                if found is not None:
                    first.unsolved.discard(c)
                changed = changed or moved
        sweeps += 1
        changed = _mend(state, start, until) or changed
    return FirstPass(state.roster(), sweeps, time.perf_counter() - start, complete=first.complete)


def _mend(state: _Pass, start: float, until: float) -> bool:
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
            members = state.around(s, role, turn)
            day = state.soft.sessions[s].day
            window = range(day - 1 - turn, day + 2 + turn)  # wider on each later round
            _, moved = state.resolve(members, [min(MEND_LIMIT, left)], window)
            mended = mended or moved
        changed = changed or mended
        if not mended:
            break
    return changed
