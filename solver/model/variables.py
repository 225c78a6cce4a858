"""The decision variables: one Boolean per eligible (clinician, session) pair."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.model.problem import ProblemData

# a weighted penalty term: coefficient times a variable, or times an affine expression of the
# assignments where that is the penalty exactly (see solver.model.rules.common.at_least)
Term = tuple[int, cp_model.LinearExpr]


@dataclass(frozen=True)
class Variables:
    x: dict[tuple[int, int], cp_model.IntVar]  # (clinician, session) -> assigned
    by_clinician: tuple[tuple[tuple[int, cp_model.IntVar], ...], ...]  # (session, var), by start
    by_session: tuple[tuple[tuple[int, cp_model.IntVar], ...], ...]  # (clinician, var)
    # worked-day indicators, made once per clinician and shared by every rule that needs them
    worked: dict[int, list[cp_model.IntVar | int]] = field(default_factory=dict)
    # per (clinician, week or None for the horizon): that period's (session, var) pairs by activity
    periods: dict[tuple[int, int | None], dict[int, list[cp_model.IntVar]]] = field(
        default_factory=dict
    )


def make_variables(model: cp_model.CpModel, problem: ProblemData) -> Variables:
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_c: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(problem.n_clinicians)]
    by_s: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(problem.n_sessions)]
    for c, s in problem.eligible:
        var = model.new_bool_var(f"x[{problem.clinicians[c].id},{problem.sessions[s].id}]")
        x[(c, s)] = var
        by_c[c].append((s, var))
        by_s[s].append((c, var))
    for lst in by_c:
        lst.sort(key=lambda item: (problem.sessions[item[0]].start, item[0]))
    return Variables(x, tuple(tuple(v) for v in by_c), tuple(tuple(v) for v in by_s))


def one_a_day(problem: ProblemData, c: int, sessions: list[int]) -> bool:
    """True when the hard rules let c work at most one of these sessions (all on one day)."""
    rules = problem.rules
    limit = problem.clinicians[c].max_per_day
    if limit is None and rules.max_per_day is not None:
        limit = rules.max_per_day.default
    if (
        rules.max_per_day is not None
        and rules.max_per_day.hard
        and limit is not None
        and limit <= 1
    ):
        return True
    spans = [(problem.sessions[s].start, problem.sessions[s].end) for s in sessions]
    return all(
        a0 < b1 and b0 < a1 for i, (a0, a1) in enumerate(spans) for b0, b1 in spans[i + 1 :]
    )  # no_overlap is always hard: pairwise overlapping sessions exclude each other


def worked_days(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, c: int
) -> list[cp_model.IntVar | int]:
    """worked[d] = OR of c's assignments on day d (0 where c has no eligible session that day).

    Where the hard rules allow at most one of the day's sessions, worked[d] = their sum, which is
    the same value and a tighter linear relaxation. Made once per clinician and model.
    """
    if c in v.worked:
        return v.worked[c]
    by_day: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for s, x in v.by_clinician[c]:
        by_day[problem.sessions[s].day].append((s, x))
    out: list[cp_model.IntVar | int] = []
    for d in range(problem.n_days):
        items = by_day.get(d, [])
        if not items:
            out.append(0)
            continue
        xs = [x for _, x in items]
        if len(xs) == 1:
            out.append(xs[0])
            continue
        w = model.new_bool_var(f"worked[{c},{d}]")
        if one_a_day(problem, c, [s for s, _ in items]):
            model.add(w == cp_model.LinearExpr.sum(xs))
        else:
            model.add_max_equality(w, xs)
        out.append(w)
    v.worked[c] = out
    return out


def period_vars(
    problem: ProblemData, v: Variables, c: int, week: int | None
) -> dict[int, list[cp_model.IntVar]]:
    """c's variables in one week (or the whole horizon for None), by activity; made once."""
    key = (c, week)
    if key not in v.periods:
        by_activity: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for s, x in v.by_clinician[c]:
            if week is None or problem.sessions[s].week == week:
                by_activity[problem.sessions[s].activity].append(x)
        v.periods[key] = dict(by_activity)
    return v.periods[key]
