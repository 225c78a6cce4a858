"""A repair's own constraints and costs: the frozen past, and a cost per changed assignment."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.model.problem import ProblemData
from solver.model.variables import Term, Variables


@dataclass(frozen=True)
class Changes:
    """What a repair starts from, by index: the published roster's (clinician, session) pairs,
    the sessions frozen as published, and each session's cost of a change."""

    published: frozenset[tuple[int, int]]
    frozen: frozenset[int]
    cost: Sequence[int]  # per session
    max_changes: int | None = None


def add_changes(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, changes: Changes
) -> list[Term]:
    """Freeze the past; x != published costs cost(session) per pair; optionally cap the count.

    A published pair that is dropped costs cost * (1 - x) = cost * 1 - cost * x, so no auxiliary
    variable or definitional constraint is needed (an explanation then sees only requirements).
    """
    was = changes.published
    one = model.new_constant(1)
    terms: list[Term] = []
    dropped: list[cp_model.IntVar] = []  # published pairs: a change when x = 0
    added: list[cp_model.IntVar] = []  # other pairs: a change when x = 1
    for pair, x in v.x.items():
        if pair[1] in changes.frozen:
            model.add(x == int(pair in was))
            continue
        cost = changes.cost[pair[1]]
        if pair in was:
            terms += [(cost, one), (-cost, x)]
            dropped.append(x)
        else:
            terms.append((cost, x))
            added.append(x)
    forced: Collection[tuple[int, int]] = [p for p in was if p not in v.x]  # no longer eligible
    for pair in forced:
        terms.append((changes.cost[pair[1]], one))
    if changes.max_changes is not None:
        constant = len(dropped) + len(forced)
        model.add(
            constant - cp_model.LinearExpr.sum(dropped) + cp_model.LinearExpr.sum(added)
            <= changes.max_changes
        )
    return terms
