"""Build the CP-SAT model from the problem, and solve it with a roster pinned."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.model.cpsat import configure
from solver.model.problem import ProblemData
from solver.model.rules import SPECS
from solver.model.variables import Term, Variables, make_variables


@dataclass
class Model:
    model: cp_model.CpModel
    variables: Variables
    terms: dict[str, list[Term]]  # the objective's penalty terms by rule (or a run's own label)
    # the constraints each hard rule's builder added: their indices in the model, first to last
    hard_ranges: dict[str, range] = field(default_factory=dict)

    def objective(self) -> cp_model.LinearExpr:
        """The objective as one linear expression."""
        pairs = [(w, var) for ts in self.terms.values() for w, var in ts]
        return cp_model.LinearExpr.weighted_sum([v for _, v in pairs], [w for w, _ in pairs])


Customize = Callable[[cp_model.CpModel, ProblemData, Variables], dict[str, list[Term]]]
Transform = Callable[["Model"], dict[str, list[Term]]]


def build_model(problem: ProblemData, customize: Customize | None = None) -> Model:
    """Variables, then every active rule's builder in the schema's order, then the objective.

    ``customize`` adds constraints and named penalty terms of a particular run (a repair's
    frozen past and change costs) after the rules; its terms join the objective under their names.
    """
    model = cp_model.CpModel()
    v = make_variables(model, problem)
    terms: dict[str, list[Term]] = {}
    hard_ranges: dict[str, range] = {}
    for kind, params in problem.rules.active().items():
        first = len(model.proto.constraints)
        rule_terms = SPECS[kind].build(model, problem, v, params)
        if params.hard:
            hard_ranges[kind] = range(first, len(model.proto.constraints))
        else:
            terms[kind] = rule_terms
    if customize is not None:
        terms.update(customize(model, problem, v))
    model.minimize(sum(w * var for rule_terms in terms.values() for w, var in rule_terms))
    return Model(model, v, terms, hard_ranges)


def solve_pinned(
    built: Model, chosen: Iterable[tuple[int, int]], workers: int, time_limit: float
) -> tuple[cp_model.CpSolver, int]:
    """Solve the model with the roster pinned: the assignments become its hint (replacing any)
    and CP-SAT fixes every hinted variable, so presolve settles it at once on most models. The
    model is not copied: on a year-long instance a copy with an equality per assignment would
    cost more than a gigabyte."""
    chosen = frozenset(chosen)
    built.model.clear_hints()  # type: ignore[no-untyped-call]
    for pair, var in built.variables.x.items():
        built.model.add_hint(var, int(pair in chosen))
    solver = cp_model.CpSolver()
    configure(solver.parameters, time_limit=time_limit, workers=workers, seed=0)
    solver.parameters.fix_variables_to_their_hinted_value = True
    return solver, int(solver.solve(built.model))


def hint_complete(
    built: Model, chosen: frozenset[tuple[int, int]], workers: int, time_limit: float
) -> int:
    """Hint every variable, not only the assignments: CP-SAT takes a complete, feasible hint as
    its first solution, but does not complete a partial one. The auxiliary variables' values come
    from solving the model with the assignments pinned (presolve settles it). When the pinned
    roster breaks a hard rule, or the pinned model is not solved in time, only the assignments
    are hinted. Returns the pinned model's CP-SAT status: OPTIMAL or FEASIBLE when the roster
    keeps every hard rule (the hint is complete)."""
    solver, code = solve_pinned(built, chosen, workers, time_limit)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = list(solver.response_proto.solution)
        del solver
        built.model.clear_hints()  # type: ignore[no-untyped-call]
        hint = built.model.proto.solution_hint
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)
    return code
