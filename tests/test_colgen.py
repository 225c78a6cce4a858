"""Column generation: its bound, its dive and its place in solve, on tiny instances by hand."""

from __future__ import annotations

import math
from typing import Any

import pytest
from factory import doc, make, micro_instances, names, need, sess, small_polishable, stall_instance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import solver.engine.solve
from roster.app.compile import build_problem
from roster.domain.check import check_roster
from solver.columns.generation import generate
from solver.columns.master import MasterLP
from solver.columns.params import ColumnParams
from solver.columns.rounds import RoundTrace
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.result import SolveStatus


def test_the_bound_and_the_dive_meet_at_the_optimum_of_the_stall_instance() -> None:
    # A's rosters: M (0), T (1: the missed want), none (1); B's: M (0), none (0). Cover: 5 per
    # session short of one doctor, 1 per doctor above one. Best: A on T, B on M, cost 1; the LP
    # over the columns can do no better (A on T costs 1 however it is split, and M is covered by
    # B at no cost), so the bound is 1 too.
    problem = build_problem(stall_instance())
    generated = generate(problem, 10.0, 20.0)
    assert generated.bound == 1
    assert generated.objective == 1
    assert generated.roster is not None
    assert names(problem, generated.roster) == [("A", "T"), ("B", "M")]


def test_the_trace_gives_every_round_in_order() -> None:
    # The stall instance: the first round prices both clinicians at zero prices, before any LP;
    # the rounds after it are priced by an LP; the trace holds as many rounds as the generation
    # counts, the columns it ends with and the phases in their order (a look at the LP's support
    # ends a step of the dive).
    problem = build_problem(stall_instance())
    steps: list[RoundTrace] = []
    generated = generate(problem, 10.0, 20.0, trace=steps.append)
    rounds = [step for step in steps if step.phase != "support"]
    assert len(rounds) == generated.rounds >= 2
    assert (steps[0].phase, steps[0].priced, steps[0].fixed) == ("root", 2, 0)
    assert math.isnan(steps[0].lp) and not any(math.isnan(step.lp) for step in steps[1:])
    assert rounds[-1].columns == generated.columns
    order = ["root", "dive", "search"]
    phases = [order.index("dive" if s.phase == "support" else s.phase) for s in steps]
    assert phases == sorted(phases)
    assert all(a.seconds <= b.seconds for a, b in zip(steps, steps[1:], strict=False))


def test_a_need_rows_part_of_the_lagrangian_is_its_least_over_the_headcounts() -> None:
    # One doctor-need on M: preferred 2 with 5 per doctor short and 1 per doctor above; three
    # doctors can work it. At a price of 3 per doctor: 0 doctors 10, 1: 3 + 5 = 8, 2: 6,
    # 3: 9 + 1 = 10; the least is 6. At 7: 10, 12, 14, 22; the least is 10 (nobody).
    inst = make(
        [doc("A"), doc("B"), doc("C")],
        [sess("M")],
        needs=[need("M", 0, 2, 3)],
        rules={"cover_preferred": {"weight": 5}, "cover_over_preferred": {"weight": 1}},
    )
    problem = build_problem(inst)
    master = MasterLP(problem)
    doctor = problem.roles.index("doctor")
    assert master.lagrangian_cover({(0, doctor): 3.0}) == 6
    assert master.lagrangian_cover({(0, doctor): 7.0}) == 10


def test_solve_stops_at_a_roster_that_meets_the_bound() -> None:
    # The stall instance through solve: the dive's roster costs 1, the bound is 1, so CP-SAT,
    # given that roster and the bound, proves it optimal at once; the polish does not run.
    inst = stall_instance()
    problem = build_problem(inst)
    result = solve(problem, SolveParams(time_limit=20.0, workers=2, first_pass=0.25, columns=0.5))
    assert result.status is SolveStatus.OPTIMAL
    assert (result.objective, result.best_bound) == (1, 1.0)
    assert sorted(result.assignments) == [("A", "T"), ("B", "M")]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(micro_instances(), st.booleans())
def test_the_bound_never_exceeds_the_optimum_and_the_roster_keeps_every_hard_rule(
    inst: Any, labels: bool
) -> None:
    # Random micro-instances (random rules, each hard or soft) without fairness or continuity,
    # priced by CP-SAT or by labels; the optimum by enumerating every roster. The bound is at
    # most the optimum; the dive's roster, when it gives one, keeps every hard rule, and the
    # checker scores it between the optimum and the dive's own figure (a roster's own penalties
    # found by a model's search may be counted above their least).
    problem, feasible = small_polishable(inst)
    generated = generate(problem, 10.0, 20.0, params=ColumnParams(labels=labels))
    if not feasible:
        assert generated.roster is None
        return
    best = min(cost for _, cost in feasible)
    if generated.bound is not None:
        assert generated.bound <= best
    if generated.roster is not None:
        report = check_roster(inst, names(problem, generated.roster))
        assert report.hard_violations == ()
        assert generated.objective is not None
        assert best <= report.objective <= generated.objective + 1e-6


@pytest.mark.parametrize("columns", [0.0, 0.5])
def test_columns_off_or_on_the_optimum_is_the_same(columns: float) -> None:
    # Two doctors, three sessions on three days, each preferring one doctor (5 per shortfall);
    # A may work two sessions in the week, B one: all three covered, cost 0.
    inst = make(
        [doc("A", max_per_week=2), doc("B", max_per_week=1)],
        [sess("M"), sess("T", day=1), sess("W", day=2)],
        needs=[need("M", 0, 1, 1), need("T", 0, 1, 1), need("W", 0, 1, 1)],
        rules={"max_per_week": {}, "cover_preferred": {"weight": 5}},
    )
    result = solve(
        build_problem(inst),
        SolveParams(time_limit=20.0, workers=2, first_pass=0.25, columns=columns),
    )
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == 0
    assert len(result.assignments) == 3


def test_a_master_lp_that_ends_unsolved_leaves_the_path_without_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The stall instance with the generation failing at once: the earlier path (CP-SAT's first
    # try) still proves the optimum, 1, and no bound from the columns is claimed.
    def fails(*_: Any, **__: Any) -> None:
        raise RuntimeError("the master LP ended unsolved")

    monkeypatch.setattr(solver.engine.solve, "generate", fails)
    result = solve(
        build_problem(stall_instance()),
        SolveParams(time_limit=20.0, workers=2, first_pass=0.25, columns=0.5),
    )
    assert result.status is SolveStatus.OPTIMAL
    assert (result.objective, result.best_bound) == (1, 1.0)
