"""Headcount rules per session and role: minimum, maximum, preferred, teaching ratio."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.model.params import (
    CoverMaxParams,
    CoverMinParams,
    CoverOverPreferredParams,
    CoverPreferredParams,
    TeachingRatioParams,
)
from solver.model.problem import ProblemData, SessionData
from solver.model.rules.common import at_least, at_most
from solver.model.variables import Term, Variables


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


def add_cover_over_preferred(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: CoverOverPreferredParams
) -> list[Term]:
    """Soft: weight * over * max(0, n(s, r) - preferred) per session and need row; over: the
    need's over_weight, else 1."""
    terms: list[Term] = []
    for s, session in enumerate(problem.sessions):
        for (role, _, pref, _), (_, over) in zip(session.needs, session.need_weights, strict=True):
            xs = [x for c, x in v.by_session[s] if problem.clinicians[c].role == role]
            if len(xs) > pref:
                terms += at_most(
                    model,
                    cp_model.LinearExpr.sum(xs),
                    pref,
                    len(xs),
                    False,
                    params.weight * over,
                    f"cover_over[{s},{role}]",
                )
    return terms


# --- how each cover rule enters column generation's master problem ---------------------------


@dataclass(frozen=True)
class CoverPiece:
    """One penalty on a headcount: ``weight * max(0, bound - n)`` when ``below``, else
    ``weight * max(0, n - bound)``; n counts the clinicians of need row ``need`` of the session
    (-1: all of its clinicians, as teachers). ``weight`` None: the rule is hard."""

    need: int
    bound: int
    below: bool
    weight: int | None


def cover_min_pieces(params: CoverMinParams, session: SessionData) -> list[CoverPiece]:
    weight = None if params.hard else params.weight * session.priority
    return [
        CoverPiece(i, low, True, weight)
        for i, (_, low, _, _) in enumerate(session.needs)
        if low > 0
    ]


def cover_max_pieces(params: CoverMaxParams, session: SessionData) -> list[CoverPiece]:
    weight = None if params.hard else params.weight
    return [CoverPiece(i, most, False, weight) for i, (_, _, _, most) in enumerate(session.needs)]


def cover_preferred_pieces(params: CoverPreferredParams, session: SessionData) -> list[CoverPiece]:
    return [
        CoverPiece(i, pref, True, params.weight * under)
        for i, ((_, _, pref, _), (under, _)) in enumerate(
            zip(session.needs, session.need_weights, strict=True)
        )
        if pref > 0
    ]


def cover_over_preferred_pieces(
    params: CoverOverPreferredParams, session: SessionData
) -> list[CoverPiece]:
    return [
        CoverPiece(i, pref, False, params.weight * over)
        for i, ((_, _, pref, _), (_, over)) in enumerate(
            zip(session.needs, session.need_weights, strict=True)
        )
    ]


def teaching_ratio_pieces(params: TeachingRatioParams, session: SessionData) -> list[CoverPiece]:
    if session.teachers_needed <= 0:
        return []
    return [CoverPiece(-1, session.teachers_needed, True, None if params.hard else params.weight)]
