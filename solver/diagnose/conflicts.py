"""Why is it infeasible? Minimal sets of hard-requirement groups that cannot hold together.

Every constraint a hard rule adds is put in a group a person recognises: a session's cover, one
clinician's rule in one week, one clinician's unavailability, two sessions of one clinician that
overlap. Each group gets one switch (an assumption literal). CP-SAT names a set of switches it
blames; a deletion pass then shrinks it to a minimal set, a conflict: dropping any one group of it
makes the rest of it feasible. With that conflict's groups switched off, the rest is solved again:
when it is still infeasible there is another conflict, disjoint from the first, found the same
way, and so on up to a limit. Each disjoint conflict needs a fix of its own. This runs
single-threaded and without the objective, as CP-SAT requires for assumptions.

Groups are found from the model itself: the constraints each hard rule's builder added, and the
clinicians and sessions whose variables they use. The builders need not know about explanations.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial

from ortools.sat.python import cp_model

from solver.model.build import Customize, Model
from solver.model.cpsat import new_solver
from solver.model.problem import ProblemData
from solver.model.rules import SPECS
from solver.model.variables import Term, Variables, make_variables

RELAXED = "relaxed"  # the objective's label of the relaxed groups' penalties


@dataclass(frozen=True, order=True)
class Group:
    """A group of hard requirements: a rule, and the clinician, session or week it concerns."""

    kind: str
    clinician: int = -1  # -1: not about one clinician
    session: int = -1  # -1: not about one session
    week: int = -1
    sessions: tuple[int, ...] = ()  # a rule of pairs (see RuleSpec.pairs): the sessions named


@dataclass(frozen=True)
class Explanation:
    status: str  # INFEASIBLE (with its conflicts), FEASIBLE (nothing to explain), UNKNOWN
    conflicts: tuple[tuple[Group, ...], ...]  # disjoint minimal sets, in the order found
    seconds: float
    solves: int
    # every conflict was found: without their groups the rest holds (False when the limit on
    # conflicts or the time ended the search first)
    complete: bool = True

    @property
    def groups(self) -> tuple[Group, ...]:
        """The groups of every conflict."""
        return tuple(g for conflict in self.conflicts for g in conflict)


@dataclass
class _GroupedModel:
    model: cp_model.CpModel
    variables: Variables
    switches: dict[Group, cp_model.IntVar] = field(default_factory=dict)
    soft_terms: list[Term] = field(default_factory=list)


def _group_of(
    problem: ProblemData, kind: str, var_sessions: dict[int, tuple[int, int]], refs: Iterable[int]
) -> Group:
    indices = [r if r >= 0 else -r - 1 for r in refs]  # a negated literal is stored as -index - 1
    pairs = [var_sessions[i] for i in indices if i in var_sessions]
    clinicians = {c for c, _ in pairs}
    sessions = {s for _, s in pairs}
    spec = SPECS.get(kind)  # None: a run's own constraints (a repair's frozen past)
    if len(sessions) == 1 and (len(clinicians) != 1 or (spec is not None and spec.cover)):
        return Group(kind, session=sessions.pop())
    if len(clinicians) == 1:
        weeks = sorted(problem.sessions[s].week for s in sessions)
        return Group(
            kind,
            clinician=clinicians.pop(),
            week=weeks[0] if len(set(weeks)) == 1 else -1,
            sessions=tuple(sorted(sessions)) if SPECS[kind].pairs else (),
        )
    return Group(kind)


def _switch(
    model: cp_model.CpModel,
    problem: ProblemData,
    var_sessions: dict[int, tuple[int, int]],
    kind: str,
    indices: range,
    switches: dict[Group, cp_model.IntVar],
) -> None:
    """Put each of these constraints (of rule ``kind``) under its group's switch, made on first
    use: the constraint holds when the switch is on."""
    proto = model.proto
    for index in indices:
        ct = proto.constraints[index]
        if ct.has_at_most_one():  # no enforcement on at_most_one: make it a linear sum <= 1
            lits = list(ct.at_most_one.literals)
            if any(lit < 0 for lit in lits):
                continue
            ct.clear_at_most_one()
            ct.linear.vars.extend(lits)
            ct.linear.coeffs.extend([1] * len(lits))
            ct.linear.domain.extend([0, 1])
            refs = lits
        elif ct.has_linear():
            refs = list(ct.linear.vars)
        elif ct.has_bool_or():
            refs = list(ct.bool_or.literals)
        elif ct.has_bool_and():
            refs = list(ct.bool_and.literals)
        else:
            continue
        group = _group_of(problem, kind, var_sessions, refs)
        switch = switches.get(group)
        if switch is None:
            switch = model.new_bool_var(f"switch[{group}]")
            switches[group] = switch
        ct.enforcement_literal.append(switch.index)


def relax_groups(
    built: Model, problem: ProblemData, relax: Iterable[Group], penalty: int = 1_000_000
) -> dict[str, list[Term]]:
    """The built model with these groups' hard constraints turned into heavy penalties: each
    relaxed group costs ``penalty`` when any of its constraints is broken; every other group
    stays hard. Returns the penalty terms, labelled ``relaxed``, for the objective."""
    model = built.model
    var_sessions = {x.index: pair for pair, x in built.variables.x.items()}
    switches: dict[Group, cp_model.IntVar] = {}
    for kind, indices in built.hard_ranges.items():
        _switch(model, problem, var_sessions, kind, indices, switches)
    relaxed = set(relax)
    terms: list[Term] = []
    for group, switch in switches.items():
        if group in relaxed:
            terms.append((penalty, 1 - switch))
        else:
            model.add(switch == 1)
    return {RELAXED: terms}


def build_grouped(
    problem: ProblemData,
    customize: Customize | None = None,
    customize_kind: str = "published",
) -> _GroupedModel:
    """The model with a switch on every group of hard constraints (soft rules stay as they are,
    their terms kept aside)."""
    model = cp_model.CpModel()
    v = make_variables(model, problem)
    var_sessions = {x.index: pair for pair, x in v.x.items()}
    out = _GroupedModel(model, v)
    proto = model.proto
    steps: list[tuple[str, bool, Callable[[], list[Term]]]] = [
        (kind, params.hard, partial(SPECS[kind].build, model, problem, v, params))
        for kind, params in problem.rules.active().items()
    ]
    if customize is not None:
        # a run's own hard constraints (a repair's frozen past), grouped like a rule's
        run_own = customize
        steps.append(
            (
                customize_kind,
                True,
                lambda: [t for ts in run_own(model, problem, v).values() for t in ts],
            )
        )
    for kind, hard, build in steps:
        first = len(proto.constraints)
        terms = build()
        if not hard:
            out.soft_terms += terms
            continue
        _switch(
            model, problem, var_sessions, kind, range(first, len(proto.constraints)), out.switches
        )
    return out


def _solve(
    grouped: _GroupedModel, on: Iterable[Group], time_limit: float
) -> tuple[bool | None, list[Group]]:
    """Feasible with exactly these groups switched on (None: the time ran out), and when not,
    the groups CP-SAT blames."""
    on = list(on)
    model = grouped.model
    model.clear_assumptions()
    model.add_assumptions([grouped.switches[g] for g in on])
    solver = new_solver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    code = solver.solve(model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True, []
    if code != cp_model.INFEASIBLE:
        return None, []
    by_index = {grouped.switches[g].index: g for g in on}
    blamed = solver.sufficient_assumptions_for_infeasibility()
    return False, sorted(by_index[i] for i in blamed if i in by_index)


def _feasible(grouped: _GroupedModel, on: Iterable[Group], time_limit: float) -> bool | None:
    """Feasible with exactly these groups switched on? None when the time ran out."""
    return _solve(grouped, on, time_limit)[0]


def explain(
    problem: ProblemData,
    time_limit: float = 60.0,
    customize: Customize | None = None,
    limit: int = 5,
) -> Explanation:
    """Up to ``limit`` disjoint minimal infeasible sets of groups, one after another: each found
    by a deletion filter over CP-SAT's own core, among the groups the earlier ones left on."""
    t0 = time.perf_counter()
    grouped = build_grouped(problem, customize=customize)
    grouped.model.clear_objective()  # type: ignore[no-untyped-call]

    def left() -> float:
        return max(1.0, time_limit - (time.perf_counter() - t0))

    on = sorted(grouped.switches)
    feasible, core = _solve(grouped, on, time_limit)
    solves = 1
    if feasible is not False:
        status = "FEASIBLE" if feasible else "UNKNOWN"
        return Explanation(status, (), time.perf_counter() - t0, solves)
    conflicts: list[tuple[Group, ...]] = []
    complete = False
    while True:
        # Deletion pass: drop each group in turn; keep it out when the rest is still infeasible.
        needed = list(core)
        for group in core:
            trial = [g for g in needed if g != group]
            solves += 1
            if _solve(grouped, trial, left())[0] is False:
                needed = trial
        conflicts.append(tuple(needed))
        if len(conflicts) >= limit or time.perf_counter() - t0 > time_limit:
            break
        on = [g for g in on if g not in needed]
        solves += 1
        feasible, core = _solve(grouped, on, left())
        if feasible is not False:
            complete = feasible is True
            break
    return Explanation("INFEASIBLE", tuple(conflicts), time.perf_counter() - t0, solves, complete)
