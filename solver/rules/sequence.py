"""Rules over a clinician's whole horizon: worked weekends, total minutes; and cover above preferred."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from roster.rules import (
    CoverOverPreferredParams,
    ForbiddenSuccessionsParams,
    MaxWeekendsParams,
    SessionKind,
    TotalMinutesParams,
)
from solver.problem import ProblemData
from solver.rules.common import at_least, at_most
from solver.variables import Term, Variables


def add_max_weekends(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: MaxWeekendsParams
) -> list[Term]:
    """Worked weekends <= limit: weekend[w] >= x for each Saturday or Sunday session of week w.

    sum_w weekend[w] <= limit; soft: weight * max(0, worked weekends - limit).
    """
    terms: list[Term] = []
    for c, clin in enumerate(problem.clinicians):
        limit = clin.max_weekends if clin.max_weekends is not None else params.default
        if limit is None:
            continue
        by_week: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for s, x in v.by_clinician[c]:
            if problem.sessions[s].day % 7 >= 5:  # the horizon starts on a Monday
                by_week[problem.sessions[s].day // 7].append(x)
        if len(by_week) <= limit:
            continue
        worked = []
        for week, xs in sorted(by_week.items()):
            w = model.new_bool_var(f"weekend[{c},{week}]")
            for x in xs:
                model.add_implication(x, w)
            worked.append(w)
        total = cp_model.LinearExpr.sum(worked)
        terms += at_most(
            model, total, limit, len(worked), params.hard, params.weight, f"max_weekends[{c}]"
        )
    return terms


def add_total_minutes(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: TotalMinutesParams
) -> list[Term]:
    """min_minutes <= sum (end - start) * x <= max_minutes; soft: weight per minute outside."""
    terms: list[Term] = []
    for c, clin in enumerate(problem.clinicians):
        low = clin.min_minutes if clin.min_minutes is not None else params.default_min
        high = clin.max_minutes if clin.max_minutes is not None else params.default_max
        items = v.by_clinician[c]
        lengths = [problem.sessions[s].end - problem.sessions[s].start for s, _ in items]
        minutes = cp_model.LinearExpr.weighted_sum([x for _, x in items], lengths)
        if low is not None:
            terms += at_least(model, minutes, low, params.hard, params.weight, f"min_minutes[{c}]")
        if high is not None:
            terms += at_most(
                model, minutes, high, sum(lengths), params.hard, params.weight, f"max_minutes[{c}]"
            )
    return terms


def add_cover_over_preferred(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: CoverOverPreferredParams
) -> list[Term]:
    """Soft: weight * max(0, n(s, r) - preferred) per session and need row."""
    terms: list[Term] = []
    for s, session in enumerate(problem.sessions):
        for role, _, pref, _ in session.needs:
            xs = [x for c, x in v.by_session[s] if problem.clinicians[c].role == role]
            if len(xs) > pref:
                terms += at_most(
                    model,
                    cp_model.LinearExpr.sum(xs),
                    pref,
                    len(xs),
                    False,
                    params.weight,
                    f"cover_over[{s},{role}]",
                )
    return terms


def _is(problem: ProblemData, s: int, kind: SessionKind) -> bool:
    session = problem.sessions[s]
    activity_ok = kind.activity is None or problem.activities[session.activity] == kind.activity
    return activity_ok and (kind.period is None or session.period == kind.period)


def add_forbidden_successions(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: ForbiddenSuccessionsParams
) -> list[Term]:
    """x[c, a] + x[c, b] <= 1 for a of kind A on day d and b of kind B on day d + 1, per pair;
    soft: weight per such pair of sessions worked."""
    terms: list[Term] = []
    for c, items in enumerate(v.by_clinician):
        by_day: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for s, x in items:
            by_day[problem.sessions[s].day].append((s, x))
        for pair in params.pairs:
            for day, today in sorted(by_day.items()):
                firsts = [(s, x) for s, x in today if _is(problem, s, pair.first)]
                thens = [(s, x) for s, x in by_day.get(day + 1, []) if _is(problem, s, pair.then)]
                for a, xa in firsts:
                    for b, xb in thens:
                        if params.hard:
                            model.add_at_most_one([xa, xb])
                        else:
                            both = model.new_bool_var(f"succession[{c},{a},{b}]")
                            model.add_bool_or([xa.Not(), xb.Not(), both])
                            terms.append((params.weight, both))
    return terms
