"""Headcount rules per session and role: minimum, maximum, preferred, teaching ratio."""

from __future__ import annotations

from collections.abc import Iterator

from ortools.sat.python import cp_model

from roster.rules import CoverMaxParams, CoverMinParams, CoverPreferredParams, TeachingRatioParams
from solver.problem import ProblemData
from solver.rules.common import at_least, at_most
from solver.variables import Term, Variables


def _per_need(
    problem: ProblemData, v: Variables
) -> Iterator[tuple[int, int, int, int, int, list[cp_model.IntVar]]]:
    """(session, role, min, preferred, most, variables of that role's clinicians) per need row."""
    for s, session in enumerate(problem.sessions):
        for role, low, pref, most in session.needs:
            xs = [x for c, x in v.by_session[s] if problem.clinicians[c].role == role]
            yield s, role, low, pref, most, xs


def add_cover_min(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: CoverMinParams
) -> list[Term]:
    """n(s, r) >= min; soft: weight * priority * max(0, min - n(s, r))."""
    terms: list[Term] = []
    for s, role, low, _, _, xs in _per_need(problem, v):
        w = params.weight * problem.sessions[s].priority
        terms += at_least(
            model,
            cp_model.LinearExpr.sum(xs),
            low,
            params.hard,
            w,
            f"cover_min[{s},{role}]",
            len(xs),
        )
    return terms


def add_cover_max(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: CoverMaxParams
) -> list[Term]:
    """n(s, r) <= most; soft: weight * max(0, n(s, r) - most)."""
    terms: list[Term] = []
    for s, role, _, _, most, xs in _per_need(problem, v):
        if len(xs) > most:
            terms += at_most(
                model,
                cp_model.LinearExpr.sum(xs),
                most,
                len(xs),
                params.hard,
                params.weight,
                f"cover_max[{s},{role}]",
            )
    return terms


def add_cover_preferred(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: CoverPreferredParams
) -> list[Term]:
    """Soft: weight * under * max(0, preferred - n(s, r)); under: the need's under_weight, else
    the session's priority."""
    terms: list[Term] = []
    for s, role, _, pref, _, xs in _per_need(problem, v):
        index = [r for r, *_ in problem.sessions[s].needs].index(role)
        w = params.weight * problem.sessions[s].need_weights[index][0]
        terms += at_least(
            model,
            cp_model.LinearExpr.sum(xs),
            pref,
            False,
            w,
            f"cover_preferred[{s},{role}]",
            len(xs),
        )
    return terms


def add_teaching_ratio(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: TeachingRatioParams
) -> list[Term]:
    """n(s) >= ceil(students / students_per_teacher); soft: weight per missing clinician."""
    terms: list[Term] = []
    for s, session in enumerate(problem.sessions):
        if session.teachers_needed <= 0:
            continue
        xs = [x for _, x in v.by_session[s]]
        terms += at_least(
            model,
            cp_model.LinearExpr.sum(xs),
            session.teachers_needed,
            params.hard,
            params.weight,
            f"teaching_ratio[{s}]",
            len(xs),
        )
    return terms
