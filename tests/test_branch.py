"""Branch and price after the dive, and the MIP over the generated columns, on tiny instances."""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from factory import micro_instances, names, small_polishable, stall_instance
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import solver.columns.branch
from roster.app.compile import build_problem
from roster.domain.check import check_roster
from solver.columns.branch import Best, best_choice, score, search
from solver.columns.choice import best_columns
from solver.columns.generation import generate
from solver.columns.master import MasterLP
from solver.columns.params import ColumnParams
from solver.columns.pricer import Pricer
from solver.columns.rounds import Rounds
from solver.model.slices import Slices

# Two clinicians of one role (0), sessions 0 and 1, each preferring one clinician: 10 per
# clinician short, 5 per clinician above. A's columns: {0} at 3, {1} at 6; B's: {0} at 0,
# {1} at 4. Both on 0: 3 + 0 + 5 (over on 0) + 10 (short on 1) = 18; A on 0, B on 1: 7;
# A on 1, B on 0: 6; both on 1: 6 + 4 + 5 + 10 = 25.
TWO_PIECES = {
    (0, 0): [(1, True, 10.0), (1, False, 5.0)],
    (1, 0): [(1, True, 10.0), (1, False, 5.0)],
}
TWO_COLUMNS = [
    [(frozenset({0}), 3), (frozenset({1}), 6)],
    [(frozenset({0}), 0), (frozenset({1}), 4)],
]


def test_the_column_mip_picks_the_cheapest_combination_not_each_cheapest_column() -> None:
    # Best: A's second, B's first, 6, where each clinician's cheapest column (both on 0) costs 18.
    found = best_columns(TWO_COLUMNS, [0, 0], TWO_PIECES, 10.0)
    assert found == ([1, 0], 6, True)


def test_the_column_mip_looks_only_for_a_choice_within_its_cutoff() -> None:
    # The best choice costs 6 and the next 7: cut off at 5 there is none (HiGHS's own
    # heuristics may find one above the cutoff; it is not given); cut off at 6 or 7, the best.
    assert best_columns(TWO_COLUMNS, [0, 0], TWO_PIECES, 10.0, cutoff=5) is None
    for cutoff in (6, 7):
        found = best_columns(TWO_COLUMNS, [0, 0], TWO_PIECES, 10.0, cutoff=cutoff)
        assert found == ([1, 0], 6, True)


def test_the_column_mip_counts_teachers_on_their_own_row() -> None:
    # One session (0) that needs 2 teachers, 7 per teacher short (row (0, -1)), and no role
    # row. A's columns: {0} at 2 or nothing at 0; B's the same at 3 or 0. Nobody: 14; A alone:
    # 2 + 7 = 9; B alone: 10; both: 5. Best: both, 5.
    pieces = {(0, -1): [(2, True, 7.0)]}
    columns = [
        [(frozenset({0}), 2), (frozenset(), 0)],
        [(frozenset({0}), 3), (frozenset(), 0)],
    ]
    assert best_columns(columns, [0, 1], pieces, 10.0) == ([0, 0], 5, True)


def test_the_choice_among_the_columns_beats_the_best_and_the_roster_beside_it() -> None:
    # The stall instance (tests/factory.py), M session 0 and T session 1, A clinician 0 and B 1.
    # A's columns: M at 0, T at 1 (the missed want), off at 1; B's: off, or M, at 0 each. The
    # choices: A on M, B off: T short, 5 (the best known to start from); A on T, B on M: 1, the
    # least; every other costs 6 or more. The levels 1, 2, ... up to 4: at 1, the least.
    # Given a roster of 1 known beside the columns, there is nothing to look for.
    problem = build_problem(stall_instance())
    for beside, value, choice in ((math.inf, 1, [1, 1]), (1.0, 5, [0, 0])):
        master = MasterLP(problem)
        columns = ((0, {0}, 0), (0, {1}, 1), (0, set(), 1), (1, set(), 0), (1, {0}, 0))
        for c, column, cost in columns:
            master.add(c, frozenset(column), cost)
        best = Best(score(master, [0, 0]), [0, 0], beside=beside)
        assert best.value == 5
        best_choice(master, best, 10.0, 2, 0, lambda *_: 0.0, 1.0)
        assert (best.value, best.choice) == (value, choice)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(micro_instances(), st.booleans())
def test_the_search_with_no_limit_on_its_aim_finds_the_optimum(inst: Any, mip: bool) -> None:
    # Random micro-instances, the optimum by enumerating every roster. The dive is made to fix
    # each clinician to their costliest column, so that its roster is rarely the best. With no
    # limit on how far above the bound it may aim, the search after the dive runs until no node
    # can hold a roster a point better than its best: branch and price is exact, so the roster
    # is an optimal one, and the checker scores it at its own figure. So it is with the MIP
    # over the columns or without it (the search alone: its nodes' LPs and their rounding).
    fix = MasterLP.fix

    def costliest(master: MasterLP, c: int, _: int) -> None:
        costs = [cost for _, cost, _ in master.columns[c]]
        fix(master, c, max(range(len(costs)), key=costs.__getitem__))

    problem, feasible = small_polishable(inst)
    assume(feasible)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MasterLP, "fix", costliest)
        if not mip:
            patch.setattr(solver.columns.branch, "best_columns", lambda *_, **__: None)
        generated = generate(problem, 10.0, 30.0, params=ColumnParams(aim_share=1e9))
    best = min(cost for _, cost in feasible)
    assert generated.roster is not None
    report = check_roster(inst, names(problem, generated.roster))
    assert report.hard_violations == ()
    assert report.objective == generated.objective == best


def test_the_search_from_a_poor_roster_reaches_the_optimum_of_the_stall_instance() -> None:
    # The stall instance (tests/factory.py): best A on T and B on M, cost 1 (A's missed want).
    # The columns of a first round at zero prices: each clinician's least own cost, A on M and
    # B off, which leaves T short (5). The search from that roster, with no MIP, finds the best
    # in its nodes: the root's LP is whole at 1 once A's roster on T is priced in.
    problem = build_problem(stall_instance())
    master = MasterLP(problem)
    pricers = [Pricer(problem, Slices(problem), c) for c in range(problem.n_clinicians)]
    with ThreadPoolExecutor(2) as pool:
        rounds = Rounds(master, pricers, pool, 0)
        rounds([0, 1], None)
        master.solve()
        choice = [0] * problem.n_clinicians
        best = Best(score(master, choice), choice)
        assert best.value == 5
        search(master, pricers, rounds, best, time.perf_counter() + 20, 0, 10, 0.999)
    assert best.value == 1
    picked = {(c, s) for c in range(2) for s in master.columns[c][best.choice[c]][0]}
    assert names(problem, frozenset(picked)) == [("A", "T"), ("B", "M")]
