"""Chains of cover: who takes a session when nobody can take it directly.

A *chain* hands the session to a clinician B (a taker) who gives up one or more of their own
sessions T to other clinicians C, who take them. A small CP-SAT model holds the roster fixed
except for these moves: B onto the session, B off one of their sessions, C onto it. Every
clinician concerned keeps their whole roster in the model (their other sessions are fixed), and
each session's needs are lowered by the headcount of everyone else, so each clinician's own rules
and each session's cover hold exactly (see :mod:`solver.search.groups`). Soft rules that weigh
clinicians against each other (fairness, continuity) are left out: the caller scores each chain
found with the full rules. Needs already below a hard minimum, or above a maximum, are held where
they are, so that a roster that breaks them already still has chains.

The model is solved repeatedly, each chain found cut off from the next solve, cheapest first:
the rules' penalty, then the fewest changes.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.model.build import build_model
from solver.model.cpsat import configure
from solver.model.problem import ProblemData
from solver.model.rules import SPECS
from solver.model.slices import GroupSlice, Slices, sub_problem


@dataclass(frozen=True)
class ChainParams:
    """How chains are searched for."""

    max_changes: int = 3
    """Assignments a chain may change besides the one it is for: 3 is B onto the session, B off
    one of theirs, C onto that one."""
    options: int = 5
    """Chains to find at most."""
    time_limit: float = 2.0
    """Seconds for all the solves together: a cover answers within a few seconds."""
    workers: int = 1
    seed: int = 0


Step = tuple[int, int, bool]
"""(clinician, session, added): one changed assignment; added False is a removal."""


def find_chains(
    problem: ProblemData,
    roster: Collection[tuple[int, int]],
    session: int,
    role: int,
    takers: Sequence[int],
    movable: Collection[int],
    barred: Collection[int] = (),
    params: ChainParams = ChainParams(),
) -> list[tuple[Step, ...]]:
    """Chains that put one of ``takers`` (clinicians of ``role``) on ``session``, cheapest first.

    ``roster`` is the roster as (clinician, session) indices, without whoever leaves the
    session; ``movable`` the sessions a chain may hand on (those not yet past); ``barred`` the
    clinicians a chain may not move. Each chain is its steps, sorted.
    """
    started = time.perf_counter()
    held: dict[int, set[int]] = {}
    for c, s in roster:
        held.setdefault(c, set()).add(s)
    open_pairs = {p for p in problem.eligible if p not in problem.unavailable}
    by_session: dict[int, list[int]] = {}
    for c, s in open_pairs:
        by_session.setdefault(s, []).append(c)
    barred = set(barred)

    # the moves a chain may make: B onto the session, B off one of theirs in the same week, C
    # onto that one (a session elsewhere in the horizon frees no limit B meets taking this one)
    week = problem.sessions[session].week
    free: set[tuple[int, int]] = set()
    handed: dict[int, list[int]] = {}  # session handed on -> the takers who may hand it on
    for b in takers:
        if (b, session) not in open_pairs or b in barred or session in held.get(b, ()):
            continue
        free.add((b, session))
        for t in held.get(b, ()):
            if t not in movable or problem.sessions[t].week != week:
                continue
            free.add((b, t))
            handed.setdefault(t, []).append(b)
            for c in by_session.get(t, ()):
                if c not in barred and c != b and t not in held.get(c, ()):
                    free.add((c, t))
    if not any(s == session for _, s in free):
        return []
    members = sorted({c for c, _ in free})
    member_set = set(members)
    pairs = sorted(free | {(c, s) for c, s in roster if c in member_set})
    part = dataclasses.replace(
        problem,
        eligible=tuple(pairs),
        unavailable=frozenset(p for p in problem.unavailable if p in set(pairs)),
    )
    group = GroupSlice(Slices(part), members)
    others: Counter[tuple[int, int]] = Counter()
    teachers: Counter[int] = Counter()
    for c, s in roster:
        if c not in member_set:
            others[s, problem.clinicians[c].role] += 1
            teachers[s] += 1
    sub = _held_where_they_are(
        sub_problem(part, group, others, teachers), group, members, held, session, role
    )
    # the coupling soft rules are scored by the caller, over everyone
    coupling = {k: None for k, spec in SPECS.items() if spec.couples}
    sub = dataclasses.replace(sub, rules=sub.rules.changed(**coupling))
    built = build_model(sub)
    model = built.model
    local = {s: i for i, s in enumerate(group.sessions)}
    here = local[session]
    changes: list[tuple[Step, cp_model.IntVar]] = []
    onto: list[cp_model.IntVar] = []
    for k, c in enumerate(members):
        for i, var in built.variables.by_clinician[k]:
            s = group.sessions[i]
            now = s in held.get(c, ())
            if (c, s) not in free:
                model.add(var == int(now))
                continue
            changes.append(((c, s, not now), var))
            if i == here:
                onto.append(var)
    model.add(cp_model.LinearExpr.sum(onto) == 1)
    x = {
        (members[k], group.sessions[i]): var
        for k, row in enumerate(built.variables.by_clinician)
        for i, var in row
    }
    for b in {b for bs in handed.values() for b in bs}:
        for t in held[b]:
            if (b, t) in free:
                model.add(x[b, t] >= 1 - x[b, session])  # only the taker hands a session on
    for t, givers in handed.items():
        # a session is taken only as far as it is handed on
        takers_of_t = [x[c, t] for c in members if (c, t) in free and c not in givers]
        model.add(
            cp_model.LinearExpr.sum(takers_of_t)
            <= cp_model.LinearExpr.sum([1 - x[b, t] for b in givers])
        )
    changed = [var if added else 1 - var for (_, _, added), var in changes]
    count = cp_model.LinearExpr.sum(changed)
    model.add(count <= params.max_changes)
    model.minimize(built.objective() * (params.max_changes + 1) + count)

    found: list[tuple[Step, ...]] = []
    while len(found) < params.options:
        left = params.time_limit - (time.perf_counter() - started)
        if left <= 0:
            break
        solver = cp_model.CpSolver()
        configure(solver.parameters, time_limit=left, workers=params.workers, seed=params.seed)
        code = solver.solve(model)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        made = [(step, var) for step, var in changes if solver.value(var) == int(step[2])]
        found.append(tuple(sorted(step for step, _ in made)))
        # not this chain again: at least one of its changes must not happen
        model.add(
            cp_model.LinearExpr.sum([1 - var if added else var for (_, _, added), var in made]) >= 1
        )
    return found


def _held_where_they_are(
    sub: ProblemData,
    group: GroupSlice,
    members: Sequence[int],
    held: dict[int, set[int]],
    session: int,
    role: int,
) -> ProblemData:
    """Each need of the sub-problem, lowered to what the members give it now when that is below
    its minimum (plus the one the session gains), raised to it when above its maximum: a chain
    never makes a need worse, and needs that break a hard rule already do not stop it."""
    now: Counter[tuple[int, int]] = Counter()
    heads: Counter[int] = Counter()
    for k, c in enumerate(members):
        for s in held.get(c, ()):
            now[s, sub.clinicians[k].role] += 1
            heads[s] += 1
    sessions = []
    for i, data in enumerate(sub.sessions):
        s = group.sessions[i]
        gain = 1 if s == session else 0
        needs = tuple(
            (
                r,
                min(low, now[s, r] + (gain if r == role else 0)),
                pref,
                max(most, now[s, r]),
            )
            for r, low, pref, most in data.needs
        )
        teachers = min(data.teachers_needed, heads[s] + gain)
        sessions.append(dataclasses.replace(data, needs=needs, teachers_needed=teachers))
    return dataclasses.replace(sub, sessions=tuple(sessions))
