"""The model and the independent checker agree: on pinned rosters and against brute force.

Hypothesis generates micro-instances with a random set of rules, each hard or soft with random
weights. For each one (1) every roster over the eligible pairs is scored by the checker and the
cheapest roster without a hard violation must equal the solver's proven optimum (or the solver
must say INFEASIBLE when there is none), and (2) a random roster pinned into the model is
infeasible exactly when the checker finds a hard violation, otherwise both score it the same,
rule by rule.
"""

from __future__ import annotations

import itertools

from factory import eligible_pairs, micro_instances
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from roster.app.compile import build_problem
from roster.domain.check import check_roster
from roster.domain.tables import Instance
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.result import SolveStatus

PARAMS = SolveParams(time_limit=30, workers=1)


def brute_force_optimum(inst: Instance, pairs: list[tuple[str, str]]) -> int | None:
    best: int | None = None
    for k in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, k):
            report = check_roster(inst, subset)
            if not report.hard_violations and (best is None or report.objective < best):
                best = report.objective
    return best


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(micro_instances())
def test_solver_optimum_equals_brute_force_through_the_checker(inst: Instance) -> None:
    pairs = eligible_pairs(inst)
    assume(len(pairs) <= 9)  # larger ones take too long to enumerate; the pinned test covers them
    result = solve(build_problem(inst), PARAMS)
    best = brute_force_optimum(inst, pairs)
    if best is None:
        assert result.status is SolveStatus.INFEASIBLE
    else:
        assert result.status is SolveStatus.OPTIMAL
        assert result.objective == best
        report = check_roster(inst, result.assignments)
        assert report.hard_violations == ()
        assert report.objective_by_rule == result.objective_by_rule


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(micro_instances(), st.data())
def test_pinned_roster_scores_the_same_in_model_and_checker(
    inst: Instance, data: st.DataObject
) -> None:
    every = [(c.id, s.id) for c in inst.clinicians for s in inst.sessions]
    roster = data.draw(st.lists(st.sampled_from(every), unique=True, max_size=len(every)))
    report = check_roster(inst, roster)
    result = solve(build_problem(inst), PARAMS, fixed=roster)
    if report.hard_violations:
        assert result.status is SolveStatus.INFEASIBLE, report.hard_violations
    else:
        assert result.status is SolveStatus.OPTIMAL
        assert result.objective_by_rule == report.objective_by_rule
        assert result.objective == report.objective
