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
from pathlib import Path

import pytest
from factory import eligible_pairs, micro_instances
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from roster.app.compile import build_problem
from roster.domain.check import check_roster
from roster.domain.io import load_instance
from roster.domain.sources.curtois import read_benchmark, to_instance
from roster.domain.sources.generated import write_instance
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


# --- at scale (slow, run by CI) ----------------------------------------------------------------


@pytest.mark.slow
@settings(
    max_examples=1000,
    derandomize=True,  # a fixed seed: the same 1,000 instances on every run
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(micro_instances(), st.data())
def test_solver_and_checker_agree_on_a_thousand_instances(
    inst: Instance, data: st.DataObject
) -> None:
    """The engine (every stage, as `roster solve` runs it) against the checker: the brute-force
    optimum where the eligible pairs are few enough to enumerate, and on every instance a random
    roster pinned into the model, scored rule by rule."""
    pairs = eligible_pairs(inst)
    if len(pairs) <= 9:
        result = solve(build_problem(inst), PARAMS)
        best = brute_force_optimum(inst, pairs)
        if best is None:
            assert result.status is SolveStatus.INFEASIBLE
        else:
            assert result.status is SolveStatus.OPTIMAL
            assert result.objective == best
            assert check_roster(inst, result.assignments).objective_by_rule == (
                result.objective_by_rule
            )
    every = [(c.id, s.id) for c in inst.clinicians for s in inst.sessions]
    roster = data.draw(st.lists(st.sampled_from(every), unique=True, max_size=len(every)))
    report = check_roster(inst, roster)
    pinned = solve(build_problem(inst), PARAMS, fixed=roster)
    if report.hard_violations:
        assert pinned.status is SolveStatus.INFEASIBLE, report.hard_violations
    else:
        assert pinned.status is SolveStatus.OPTIMAL
        assert pinned.objective_by_rule == report.objective_by_rule


CURTOIS = Path(__file__).resolve().parent.parent / "data" / "benchmarks" / "curtois"


@pytest.mark.slow
@pytest.mark.parametrize(
    "source", ["curtois:Instance5", "curtois:Instance7", "generated:40x1"], ids=str
)
def test_the_same_seed_gives_the_same_unproven_roster_twice(source: str, tmp_path: Path) -> None:
    """On instances that end FEASIBLE (unproven) at their limit, with the limit given as CP-SAT's
    deterministic time (docs/engine.md, Determinism), the same seed gives the same roster."""
    kind, name = source.split(":")
    if kind == "curtois":
        inst = to_instance(read_benchmark(CURTOIS / f"{name}.txt"))
    else:
        n, weeks = (int(x) for x in name.split("x"))
        write_instance(tmp_path / "g", n, weeks, 1)
        inst = load_instance(tmp_path / "g")
    params = SolveParams(
        time_limit=600, first_pass=0, columns=0, extra={"max_deterministic_time": 1.0}
    )
    first = solve(build_problem(inst), params)
    second = solve(build_problem(inst), params)
    assert first.status is SolveStatus.FEASIBLE
    assert first.assignments == second.assignments
    assert first.objective == second.objective
