"""Re-solve groups of clinicians exactly against everyone else's roster.

Each clinician's own hard rules (limits, allocation bounds, runs, weekends, minutes, successions)
involve that clinician only; what ties clinicians together is the cover of each session. A group's
model holds its members alone, every other clinician's assignments fixed: a session's needs are
lowered by the headcount already there, which leaves exactly the marginal cost of the group's
choice (max(0, p - k - x) is the shortfall of max(0, p - (k + x))). The first pass and the polish
are built on it.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.model.build import Model, build_model
from solver.model.cpsat import configure, new_solver
from solver.model.problem import ProblemData
from solver.model.rules import SPECS
from solver.model.slices import GroupSlice, Lowered, Slices, sub_problem
from solver.model.stop import solving


@dataclass(frozen=True)
class GroupParams:
    """How a group's model is solved."""

    large: int = 3000
    """(clinician, session) pairs above which a group's model is solved without LP from the
    start: a year-long clinician's model has several thousand."""
    pinned_limit: float = 1.0
    """Seconds to price a group's present rosters (the model with them pinned)."""


def soften_minimums(problem: ProblemData) -> ProblemData:
    """Every hard rule that asks a session for at least some headcount made soft, at its weight:
    one clinician alone rarely meets such a minimum, and the full model mends what is left."""
    changes = {
        kind: dataclasses.replace(params, hard=False)
        for kind, params in problem.rules.active().items()
        if SPECS[kind].minimum and params.hard
    }
    if not changes:
        return problem
    return dataclasses.replace(problem, rules=problem.rules.changed(**changes))


class GroupSolver:
    """A roster held clinician by clinician, improved by re-solving groups of clinicians exactly
    against everyone else: who works which session, and each need's headcount."""

    def __init__(
        self,
        problem: ProblemData,
        workers: int,
        seed: int,
        params: GroupParams = GroupParams(),
        soften: bool = True,
    ) -> None:
        # the problem the group models are built from: with soften, every hard cover minimum
        # made soft (see soften); without, every rule as written (the polish)
        self.soft = soften_minimums(problem) if soften else problem
        self.params = params
        self.hard_min = problem.rules.cover_min is not None and problem.rules.cover_min.hard
        self.hard_teach = (
            problem.rules.teaching_ratio is not None and problem.rules.teaching_ratio.hard
        )
        self.slices = Slices(self.soft)
        self.roles = [c.role for c in self.soft.clinicians]
        self.chosen: list[set[int]] = [set() for _ in self.roles]
        self.heads: Counter[tuple[int, int]] = Counter()
        self.teachers: Counter[int] = Counter()
        self.workers = workers
        self.seed = seed
        self.lowered: Lowered = {}  # see sub_problem
        self.halt: threading.Event | None = None  # set: stop, the solve under way too
        # the whole solve's stop (solver.model.stop), where the work is not halted otherwise
        self.stop: threading.Event | None = None
        self.current: cp_model.CpSolver | None = None  # the solve under way

    def halted(self) -> bool:
        return any(e is not None and e.is_set() for e in (self.halt, self.stop))

    @property
    def stopping(self) -> threading.Event | None:
        """What stops the solve under way: the halt, else the whole solve's stop."""
        return self.halt if self.halt is not None else self.stop

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
        if self.halted():
            return None, False
        group = GroupSlice(self.slices, members)
        self._move(members, -1)  # take them out before re-solving
        built = build_model(sub_problem(self.soft, group, self.heads, self.teachers, self.lowered))
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
        large = len(group.eligible) > self.params.large
        for attempt, limit in enumerate(limits):
            solver = new_solver()
            self.current = solver
            if self.halted():
                break
            # One search thread with LP solves a small model to optimality fastest; the full
            # search without LP (first, on a large model, and on every later attempt) finds a
            # roster of a large model far sooner than the LP search.
            light = large or attempt > 0
            configure(
                solver.parameters,
                time_limit=limit,
                workers=self.workers if light else 1,
                seed=self.seed,
                light=light,
            )
            # A small model, solved to optimality, skips probing (below); not beside CP-SAT's own
            # search (when it can be halted), where the time it saves goes to building more
            # models in Python, which holds up CP-SAT's solution callbacks.
            small = not light and self.halt is None
            # the first roster is taken (see the docstring)
            hurry = hurry_from is not None and attempt >= hurry_from
            if small or hurry:
                # One round of presolve, without its search for big linear overlaps: the first
                # roster of a small or a year-long model comes much sooner.
                solver.parameters.max_presolve_iterations = 1
                solver.parameters.find_big_linear_overlap = False
            if small:
                solver.parameters.cp_model_probing_level = 0
            if hurry:
                solver.parameters.stop_after_first_solution = True
            with solving(self.stopping, solver):
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
        presolve settles. Groups that end unproven after their whole limit are common on large
        instances; taking their rosters when they cost no more keeps their work."""
        pinned = new_solver()
        self.current = pinned
        if self.halted():
            return False
        pinned.parameters.max_time_in_seconds = self.params.pinned_limit
        pinned.parameters.num_workers = 1
        pinned.parameters.fix_variables_to_their_hinted_value = True
        with solving(self.stopping, pinned):
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

    def around(self, s: int, role: int, turn: int, size: int) -> list[int]:
        """Up to ``size`` clinicians to re-solve together for need (s, role): half of them could
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
        half = max(1, size // 2)
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
        return sorted(could + rest[: size - len(could)])
