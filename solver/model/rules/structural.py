"""Always-on rules: eligibility, availability, no overlap (with travel)."""

from __future__ import annotations

import bisect

from ortools.sat.python import cp_model

from solver.model.params import AvailabilityParams, EligibilityParams, NoOverlapParams
from solver.model.problem import ProblemData
from solver.model.variables import Term, Variables


def add_eligibility(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: EligibilityParams
) -> list[Term]:
    """Only eligible pairs (role needed, specialty, privileges, teacher) have a variable at all."""
    return []


def add_availability(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: AvailabilityParams
) -> list[Term]:
    """No session overlapping an unavailability: x[c, s] = 0 for those pairs."""
    for pair in problem.unavailable:
        model.add(v.x[pair] == 0)
    return []


def add_no_overlap(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: NoOverlapParams
) -> list[Term]:
    """Two sessions a, b of one clinician need a.end + gap(a, b) <= b.start or the reverse.

    Encoded with at-most-one constraints over cliques of the conflict graph, not pair by pair:
    sessions that overlap in time all contain the start of the latest of them, so one
    at-most-one per start time covers every such pair (the maximal cliques of an interval graph).
    The sessions that end before b starts but too close to it for the gap (travel) are split into
    groups that share a moment in time; each group with b is a clique too.
    """
    sessions = problem.sessions
    reach = (
        max(s.end - s.start for s in sessions)
        + max([params.min_gap_minutes, *(m for row in problem.travel for m in row)])
        if sessions
        else 0
    )
    for items in v.by_clinician:
        seen: set[tuple[int, ...]] = set()
        starts = [sessions[s].start for s, _ in items]
        for i, (b, _) in enumerate(items):
            sb = sessions[b]
            # only sessions starting within `reach` before b can overlap it or be too close
            first = bisect.bisect_left(starts, sb.start - reach)
            same = bisect.bisect_left(starts, sb.start, first, i)  # first one starting with b
            groups = []
            if i + 1 == len(items) or starts[i + 1] != sb.start:
                # the last of the sessions starting at this moment: its clique holds the others'
                groups.append(
                    tuple(j for j in range(first, i + 1) if sessions[items[j][0]].end > sb.start)
                )
            # sessions starting with b overlap it; only earlier ones can end too close to it
            too_close = [
                j
                for j in range(first, same)
                if sessions[items[j][0]].end <= sb.start
                and not _compatible(problem, params, items[j][0], b)
            ]
            groups += [(*g, i) for g in _shared_moments(items, too_close, problem)]
            for clique in groups:
                if len(clique) > 1 and clique not in seen:
                    seen.add(clique)
                    model.add_at_most_one([items[j][1] for j in clique])
    return []


def _shared_moments(
    items: tuple[tuple[int, cp_model.IntVar], ...], indices: list[int], problem: ProblemData
) -> list[tuple[int, ...]]:
    """Split intervals into groups that each share a moment (greedy by earliest end: optimal)."""
    by_end = sorted(indices, key=lambda j: problem.sessions[items[j][0]].end)
    groups: list[tuple[int, ...]] = []
    while by_end:
        moment = problem.sessions[items[by_end[0]][0]].end
        group = tuple(sorted(j for j in by_end if problem.sessions[items[j][0]].start < moment))
        groups.append(group)
        by_end = [j for j in by_end if j not in group]
    return groups


def _gap(problem: ProblemData, params: NoOverlapParams, a: int, b: int) -> int:
    sa, sb = problem.sessions[a], problem.sessions[b]
    if sa.site == sb.site or not params.travel:
        return params.min_gap_minutes
    return max(params.min_gap_minutes, problem.travel[sa.site][sb.site])


def _compatible(problem: ProblemData, params: NoOverlapParams, a: int, b: int) -> bool:
    sa, sb = problem.sessions[a], problem.sessions[b]
    return (
        sa.end + _gap(problem, params, a, b) <= sb.start
        or sb.end + _gap(problem, params, b, a) <= sa.start
    )
