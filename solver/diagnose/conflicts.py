"""Why is it infeasible? A minimal set of hard-requirement groups that cannot hold together.

Every constraint a hard rule adds is put in a group a person recognises: a session's cover, one
clinician's rule in one week, one clinician's unavailability. Each group gets one switch (an
assumption literal). CP-SAT names a set of switches it blames; a deletion pass then shrinks it to
a minimal set: dropping any one group of it makes the rest feasible. This runs single-threaded and
without the objective, as CP-SAT requires for assumptions.

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


@dataclass(frozen=True)
class Explanation:
    status: str  # INFEASIBLE (with a minimal set), FEASIBLE (nothing to explain), UNKNOWN
    groups: tuple[Group, ...]
    seconds: float
    solves: int


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
            kind, clinician=clinicians.pop(), week=weeks[0] if len(set(weeks)) == 1 else -1
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


def _feasible(grouped: _GroupedModel, on: Iterable[Group], time_limit: float) -> bool | None:
    """Feasible with exactly these groups switched on? None when the time ran out."""
    model = grouped.model
    model.clear_assumptions()
    model.add_assumptions([grouped.switches[g] for g in on])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    code = solver.solve(model)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    return False if code == cp_model.INFEASIBLE else None


def explain(
    problem: ProblemData, time_limit: float = 60.0, customize: Customize | None = None
) -> Explanation:
    """A minimal infeasible set of groups (deletion filter over CP-SAT's own core)."""
    t0 = time.perf_counter()
    grouped = build_grouped(problem, customize=customize)
    grouped.model.clear_objective()  # type: ignore[no-untyped-call]
    groups = sorted(grouped.switches)
    model = grouped.model
    model.add_assumptions([grouped.switches[g] for g in groups])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    code = solver.solve(model)
    solves = 1
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Explanation("FEASIBLE", (), time.perf_counter() - t0, solves)
    if code != cp_model.INFEASIBLE:
        return Explanation("UNKNOWN", (), time.perf_counter() - t0, solves)
    by_index = {grouped.switches[g].index: g for g in groups}
    core = sorted(
        by_index[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in by_index
    )
    # Deletion pass: drop each group in turn; keep it out when the rest is still infeasible.
    needed = list(core)
    for group in list(core):
        trial = [g for g in needed if g != group]
        remaining = max(1.0, time_limit - (time.perf_counter() - t0))
        solves += 1
        if _feasible(grouped, trial, remaining) is False:
            needed = trial
    return Explanation("INFEASIBLE", tuple(needed), time.perf_counter() - t0, solves)
