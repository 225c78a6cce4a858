"""Slices of the problem: each clinician's part of it, and a group of clinicians' sub-problem."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from solver.model.problem import AllocationData, ProblemData, RequestData, SessionData


class Slices:
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


class GroupSlice:
    """Some clinicians' slice of the problem: the clinicians re-indexed 0, 1, ... in the order
    given, and only the sessions they could work, re-indexed in their order: a one-clinician
    model holds that clinician's sessions alone, so building it costs what solving it does."""

    def __init__(self, slices: Slices, members: Sequence[int]) -> None:
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


def sub_problem(
    problem: ProblemData,
    group: GroupSlice,
    others: Counter[tuple[int, int]],
    teachers: Counter[int],
    last: Lowered | None = None,
) -> ProblemData:
    """The problem for the ``group`` alone, on its sessions, the others' headcounts taken off
    each need. ``last`` keeps each session's last lowered copy with what it was lowered by, to be
    used again while that is the same: between one clinician's model and the next only the
    sessions the first one took change, and copying every session of a year-long horizon for
    each model would cost much of its build."""
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
