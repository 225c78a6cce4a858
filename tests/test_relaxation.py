"""The linear relaxation's bound: exact on hand-worked programs, never above the optimum."""

from __future__ import annotations

import numpy as np
from factory import micro_instances
from hypothesis import given, settings
from ortools.sat.python import cp_model

from roster.app.compile import build_problem
from roster.domain.tables import Instance
from solver.diagnose.relaxation import lagrangian_bound, read_program, relaxation_bound
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.build import build_model
from solver.model.cpsat import proto_message


def _bound(model: cp_model.CpModel) -> float | None:
    return relaxation_bound(model, 10.0).bound


def test_odd_cycle_is_half_integral_and_rounded_up() -> None:
    # x + y >= 1, y + z >= 1, x + z >= 1 (clauses), minimise x + y + z: the relaxation takes
    # each at 1/2 (1.5); the objective is whole, so the bound is 2, which two of them meet.
    model = cp_model.CpModel()
    x, y, z = (model.new_bool_var(n) for n in "xyz")
    model.add_bool_or([x, y])
    model.add_bool_or([y, z])
    model.add_bool_or([x, z])
    model.minimize(x + y + z)
    assert _bound(model) == 2


def test_a_model_without_variables_is_bounded_by_its_constant() -> None:
    # an instance where nobody may take any session has no variables, only empty rows; the
    # objective is its constant, 4, and HiGHS (which calls such a program "Empty") is not asked
    model = cp_model.CpModel()
    model.add(cp_model.LinearExpr.sum([]) <= 1)
    model.minimize(4)
    assert _bound(model) == 4


def test_enforced_linear_is_loosened_only_when_its_literal_is_off() -> None:
    # b => x + y >= 2; minimise x + y - 3b + 3. Integer: b = 1 costs 2 + 3 - 3 = 2, b = 0
    # costs 3. The relaxation x + y >= 2b gives x + y - 3b + 3 >= 3 - b >= 2: bound 2, exact.
    model = cp_model.CpModel()
    x, y, b = (model.new_bool_var(n) for n in "xyb")
    model.add(x + y >= 2).only_enforce_if(b)
    model.minimize(x + y - 3 * b + 3)
    assert _bound(model) == 2
    # with the literal negated, b off enforces it: b = 0 costs 2 + 3 = 5, b = 1 costs 3 - 3 = 0
    model = cp_model.CpModel()
    x, y, b = (model.new_bool_var(n) for n in "xyb")
    model.add(x + y >= 2).only_enforce_if(~b)
    model.minimize(x + y + 3 * b + 3 - 3 * b - 3 * b)  # x + y - 3b + 3
    assert _bound(model) == 0


def test_implications_and_at_most_one() -> None:
    # x => u, y => u (bool_and under enforcement), at most one of x, y, want one of them:
    # minimise 2u - x - y + 1 >= 2 * max(x, y) - (x + y) + 1 = 1 at x + y = 1 (and the
    # relaxation: u >= x, u >= y, x + y <= 1 and x + y >= 1 give 2u >= 1: 2u - 1 + 1 >= 1).
    model = cp_model.CpModel()
    x, y, u = (model.new_bool_var(n) for n in "xyu")
    model.add_implication(x, u)
    model.add_implication(y, u)
    model.add_at_most_one([x, y])
    model.add_bool_or([x, y])
    model.minimize(2 * u - x - y + 1)
    assert _bound(model) == 1


def test_max_is_bounded_on_both_sides() -> None:
    # t = max(x, y) with x + y = 1: t >= x, t >= y, and t <= x + y (both at least 0), so the
    # relaxation has t = 1 whatever the split, as the integer model does: minimise 5 - 4t: 1.
    # Without t's upper side, t would go to its upper bound 3: 5 - 12 = -7.
    model = cp_model.CpModel()
    x, y = model.new_bool_var("x"), model.new_bool_var("y")
    t = model.new_int_var(0, 3, "t")
    model.add_max_equality(t, [x, y])
    model.add(x + y == 1)
    model.minimize(5 - 4 * t)
    assert _bound(model) == 1


def test_any_duals_give_a_bound_no_better_than_the_program() -> None:
    # the Lagrangian value of any row duals is a lower bound of the program: at y = 0, each
    # variable at its cheaper end (x + y + z at 0); at the optimal duals (1/2 each), 1.5
    model = cp_model.CpModel()
    x, y, z = (model.new_bool_var(n) for n in "xyz")
    model.add_bool_or([x, y])
    model.add_bool_or([y, z])
    model.add_bool_or([x, z])
    model.minimize(x + y + z)
    program, objective, offset, _ = read_program(proto_message(model))
    assert offset == 0
    assert lagrangian_bound(program, objective, np.zeros(3))[0] == 0
    assert lagrangian_bound(program, objective, np.full(3, 0.5))[0] == 1.5
    rng = np.random.default_rng(0)
    for _ in range(20):
        assert lagrangian_bound(program, objective, rng.normal(size=3))[0] <= 1.5 + 1e-9


@settings(max_examples=25, deadline=None)
@given(micro_instances())
def test_the_bound_never_exceeds_the_optimum(instance: Instance) -> None:
    problem = build_problem(instance)
    result = solve(problem, SolveParams(time_limit=10, workers=1, first_pass=0.0))
    bound = relaxation_bound(build_model(problem).model, 10.0).bound
    if result.status.value == "OPTIMAL":
        assert result.objective is not None
        assert bound is not None and bound <= result.objective


def test_summary_says_which_stage_proved_the_bound() -> None:
    from roster.domain.io import load_instance

    problem = build_problem(load_instance("data/samples/hksh-affiliation-week"))
    result = solve(problem, SolveParams(time_limit=30, workers=2))
    assert result.status.value == "OPTIMAL"
    assert (result.best_bound, result.bound_source) == (54, "cp-sat")
