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
import time
from collections import Counter

from ortools.sat.python import cp_model

from solver.problem import ProblemData, SessionData


@dataclasses.dataclass(frozen=True)
class FirstPass:
    assignments: frozenset[tuple[int, int]]  # (clinician, session) index pairs
    sweeps: int
    seconds: float


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


class _Clinician:
    """One clinician's slice of the problem, re-indexed as clinician 0."""

    def __init__(self, problem: ProblemData, c: int) -> None:
        self.c = c
        self.sessions = [s for cc, s in problem.eligible if cc == c]
        self.eligible = tuple((0, s) for s in self.sessions)
        self.unavailable = frozenset((0, s) for cc, s in problem.unavailable if cc == c)
        self.allocations = tuple(
            dataclasses.replace(a, clinician=0) for a in problem.allocations if a.clinician == c
        )
        self.requests = tuple(
            dataclasses.replace(r, clinician=0) for r in problem.requests if r.clinician == c
        )


def _sub_problem(
    problem: ProblemData,
    bare: list[SessionData],
    me: _Clinician,
    others: Counter[tuple[int, int]],
    teachers: Counter[int],
) -> ProblemData:
    """The problem for clinician ``me`` alone, the others' headcounts taken off each need."""
    sessions = list(bare)
    for s in me.sessions:
        session = problem.sessions[s]
        needs = tuple(
            (
                role,
                max(0, low - others[s, role]),
                max(0, pref - others[s, role]),
                max(0, most - others[s, role]),
            )
            for role, low, pref, most in session.needs
        )
        sessions[s] = dataclasses.replace(
            session,
            needs=needs,
            teachers_needed=max(0, session.teachers_needed - teachers[s]),
        )
    return dataclasses.replace(
        problem,
        clinicians=(problem.clinicians[me.c],),
        sessions=tuple(sessions),
        eligible=me.eligible,
        unavailable=me.unavailable,
        allocations=me.allocations,
        requests=me.requests,
    )


RETRIES = 3  # in the first sweep, a clinician's model that found nothing is tried again, 4x longer


def first_pass(
    problem: ProblemData,
    budget: float,
    workers: int = 1,
    seed: int = 0,
    retry_until: float | None = None,
) -> FirstPass:
    """Sweeps of one-clinician solves within ``budget`` seconds (at least one solve each).

    In the first sweep a clinician's model that found nothing in its share is tried again with
    more time, while the pass has run less than ``retry_until`` seconds (no limit when None)."""
    # the full model's builder and settings; imported here as solver.solve imports this module
    from solver.solve import SolveParams, build_model

    start = time.perf_counter()
    soft = _soften(problem)
    bare = [
        dataclasses.replace(s, needs=(), teachers_needed=0, need_weights=()) for s in soft.sessions
    ]
    people = [_Clinician(soft, c) for c in range(soft.n_clinicians)]
    roles = [c.role for c in soft.clinicians]
    chosen: list[set[int]] = [set() for _ in people]
    heads: Counter[tuple[int, int]] = Counter()
    teachers: Counter[int] = Counter()
    sweeps = 0
    changed = True
    while changed and (sweeps == 0 or time.perf_counter() - start < budget):
        changed = False
        for i, me in enumerate(people):
            left = budget - (time.perf_counter() - start)
            if sweeps > 0 and left <= 0:
                break
            role = roles[me.c]
            for s in chosen[me.c]:  # take this clinician out before re-solving
                heads[s, role] -= 1
                teachers[s] -= 1
            built = build_model(_sub_problem(soft, bare, me, heads, teachers))
            if chosen[me.c]:
                for s, var in built.variables.by_clinician[0]:
                    built.model.add_hint(var, int(s in chosen[me.c]))
            limit = max(0.05, left / (len(people) - i))
            for _ in range(RETRIES + 1):
                solver = cp_model.CpSolver()
                # without LP: on a year-long clinician's model the LP search finds no roster in
                # 6 s where this one finds one in 0.4 s (Curtois Instance22)
                SolveParams(time_limit=limit, workers=workers, seed=seed).apply(
                    solver.parameters, light=True
                )
                code = solver.solve(built.model)
                spent = time.perf_counter() - start
                if code != cp_model.UNKNOWN or sweeps > 0:
                    break
                if retry_until is not None and spent + 4 * limit > retry_until:
                    break
                # A clinician left without a roster of their own breaks their hard rules in the
                # whole roster, which then cannot serve as a hint: give the first one more time.
                limit *= 4
            if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                mine = {s for s, var in built.variables.by_clinician[0] if solver.value(var)}
                changed = changed or mine != chosen[me.c]
                chosen[me.c] = mine
            for s in chosen[me.c]:
                heads[s, role] += 1
                teachers[s] += 1
        sweeps += 1
    pairs = frozenset((c, s) for c, ss in enumerate(chosen) for s in ss)
    return FirstPass(pairs, sweeps, time.perf_counter() - start)
