"""Small encodings the rule builders share."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.model.variables import Term


def at_most(
    model: cp_model.CpModel,
    expr: cp_model.LinearExpr,
    bound: int,
    upper: int,
    hard: bool,
    weight: int,
    name: str,
) -> list[Term]:
    """expr <= bound, or when soft a penalty weight * max(0, expr - bound); upper bounds expr."""
    if hard:
        model.add(expr <= bound)
        return []
    if upper <= bound:
        return []
    excess = model.new_int_var(0, upper - bound, name)
    model.add(expr - bound <= excess)
    return [(weight, excess)]


def at_least(
    model: cp_model.CpModel,
    expr: cp_model.LinearExpr,
    bound: int,
    hard: bool,
    weight: int,
    name: str,
    upper: int | None = None,
) -> list[Term]:
    """expr >= bound (expr >= 0), or when soft a penalty weight * max(0, bound - expr).

    ``upper`` bounds expr from above when known: where it cannot exceed the bound, the shortfall
    is bound - expr itself and needs no variable (a need with no more clinicians than it wants; in
    the first pass's one-clinician models, nearly every need)."""
    if bound <= 0:
        return []
    if hard:
        model.add(expr >= bound)
        return []
    if upper is not None and upper <= bound:
        return [(weight, bound - expr)]
    short = model.new_int_var(0, bound, name)
    model.add(expr + short >= bound)
    return [(weight, short)]
