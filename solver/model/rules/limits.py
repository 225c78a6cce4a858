"""Per-clinician limits: sessions per day, per week, rest after an evening session."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.model.params import MaxPerDayParams, MaxPerWeekParams, RestAfterEveningParams
from solver.model.problem import ProblemData
from solver.model.rules.common import at_most
from solver.model.variables import Term, Variables


def _max_per(
    model: cp_model.CpModel,
    problem: ProblemData,
    v: Variables,
    params: MaxPerDayParams | MaxPerWeekParams,
    per_day: bool,
) -> list[Term]:
    terms: list[Term] = []
    for c, clin in enumerate(problem.clinicians):
        own = clin.max_per_day if per_day else clin.max_per_week
        limit = own if own is not None else params.default
        if limit is None:
            continue
        groups: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for s, x in v.by_clinician[c]:
            session = problem.sessions[s]
            groups[session.day if per_day else session.week].append(x)
        for key, xs in sorted(groups.items()):
            if len(xs) > limit:
                name = f"{'max_per_day' if per_day else 'max_per_week'}[{c},{key}]"
                terms += at_most(
                    model,
                    cp_model.LinearExpr.sum(xs),
                    limit,
                    len(xs),
                    params.hard,
                    params.weight,
                    name,
                )
    return terms


def add_max_per_day(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: MaxPerDayParams
) -> list[Term]:
    """Sessions of c on day d <= limit(c); soft: weight * excess."""
    return _max_per(model, problem, v, params, per_day=True)


def add_max_per_week(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: MaxPerWeekParams
) -> list[Term]:
    """Sessions of c in week w <= limit(c); soft: weight * excess."""
    return _max_per(model, problem, v, params, per_day=False)


def add_rest_after_evening(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: RestAfterEveningParams
) -> list[Term]:
    """For a evening and a.end <= b.start < a.end + rest: not both; soft: weight per such pair.

    An evening session a published before the horizon (ClinicianData.before) is fixed: b alone
    is forbidden, or costs the weight."""
    terms: list[Term] = []
    sessions = problem.sessions
    for c, items in enumerate(v.by_clinician):
        for past in problem.clinicians[c].before:
            if past.period != "evening":
                continue
            for b, xb in items:
                if not past.end <= sessions[b].start < past.end + params.rest_minutes:
                    continue
                if params.hard:
                    model.add(xb == 0)
                else:
                    terms.append((params.weight, xb))
        for a, xa in items:
            sa = sessions[a]
            if not sa.evening:
                continue
            for b, xb in items:
                sb = sessions[b]
                if b == a or not sa.end <= sb.start < sa.end + params.rest_minutes:
                    continue
                if params.hard:
                    model.add_at_most_one([xa, xb])
                else:
                    both = model.new_bool_var(f"rest[{c},{a},{b}]")
                    model.add_bool_or([xa.Not(), xb.Not(), both])
                    terms.append((params.weight, both))
    return terms
