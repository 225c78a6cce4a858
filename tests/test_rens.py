"""Rosters from the LP's support (solver/rens.py), on tiny instances whose answer is known."""

from __future__ import annotations

import math
from typing import Any

from factory import doc, make, micro_instances, names, need, sess, small_polishable, stall_instance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roster.app.compile import build_problem
from roster.domain.check import check_roster
from solver.columns.master import MasterLP, shares
from solver.columns.pricer import Pricer
from solver.columns.support import Support, supported
from solver.model.problem import ProblemData
from solver.model.slices import Slices


def _pairs(
    problem: ProblemData, names: list[tuple[str, str, float]]
) -> dict[tuple[int, int], float]:
    """The LP's shares by (clinician id, session id, share)."""
    clin = {c.id: i for i, c in enumerate(problem.clinicians)}
    sess = {s.id: i for i, s in enumerate(problem.sessions)}
    return {(clin[c], sess[s]): share for c, s, share in names}


def test_the_support_model_keeps_the_fixed_and_the_barred_assignments() -> None:
    # The stall instance (tests/factory.py): eligible A-M, A-T and B-M; 5 per session short of
    # one doctor, 1 per doctor above, A wants M (1) and works one session at most. Best: A on T
    # and B on M, 1. With A on M whole and the rest barred, the only roster is A on M alone:
    # T short, 5. With A on T whole and B on M open: the best, 1; asked for a roster below 1,
    # none (the bound is 0, so the model is cut off at 0 and proven to have none).
    problem = build_problem(stall_instance())
    support = Support(problem, 2, 0)
    taken = _pairs(problem, [("A", "M", 1.0)])
    got = support(taken, 0, math.inf, 10.0)
    assert got is not None
    assert (names(problem, got[0]), got[1]) == ([("A", "M")], True)
    taken = _pairs(problem, [("A", "T", 1.0), ("B", "M", 0.5)])
    got = support(taken, 0, math.inf, 10.0)
    assert got is not None
    assert names(problem, got[0]) == [("A", "T"), ("B", "M")]
    assert support(taken, 0, 1, 10.0) is None
    assert support.open == 1


def test_the_cut_off_holds_the_objectives_constant_part() -> None:
    # Session S1 prefers two doctors (1 per doctor short) and only B may work it: the objective
    # is 2 less B's assignment, a constant part of 2. With B on S1 open the best is B on it, 1;
    # with a roster below 2 asked for, the same; below 1, none.
    inst = make(
        [doc("A", privileges="HSK"), doc("B", privileges="QMH")],
        [sess("S0"), sess("S1", site="QMH")],
        needs=[need("S0", 0, 0, 0), need("S1", 1, 2, 2)],
        rules={"cover_preferred": {"weight": 1}},
    )
    problem = build_problem(inst)
    support = Support(problem, 1, 0)
    taken = _pairs(problem, [("B", "S1", 0.5)])
    for below in (math.inf, 2):
        got = support(taken, 0, below, 10.0)
        assert got is not None
        assert (names(problem, got[0]), got[1]) == ([("B", "S1")], True)
    assert support(taken, 0, 1, 10.0) is None


def test_a_columns_own_cost_is_its_clinicians_penalties_or_none_when_it_breaks_a_rule() -> None:
    # A's own penalties: working M, none; T, the missed want (1); nothing, the same 1. Both M and
    # T break A's one session a week: no cost.
    problem = build_problem(stall_instance())
    slices = Slices(problem)
    a = next(i for i, c in enumerate(problem.clinicians) if c.id == "A")
    m, t = (next(i for i, s in enumerate(problem.sessions) if s.id == x) for x in "MT")
    pricer = Pricer(problem, slices, a)
    costs = [pricer.cost(frozenset(col), 0) for col in ({m}, {t}, set(), {m, t})]
    assert costs == [0, 1, 1, None]
    # the pricer's own model is left as it was: its least priced roster at zero prices is M
    found, _, proven = pricer.price(lambda s: 0.0, 0)
    assert proven and found[-1] == (frozenset({m}), 0)


def test_the_roster_of_the_masters_support_is_scored_as_the_checker_scores_it() -> None:
    # A master over A's {M} (0) and {T} (1) and B's {} (0) and {M} (0): its LP takes A on T and
    # B on M, 1, whole; the support model fixes both, and the roster costs 1 as the checker says.
    # Asked for a roster below 1, none: the LP promises nothing better.
    inst = stall_instance()
    problem = build_problem(inst)
    slices = Slices(problem)
    pricers = [Pricer(problem, slices, c) for c in range(problem.n_clinicians)]
    ids = [c.id for c in problem.clinicians]
    m, t = (next(i for i, s in enumerate(problem.sessions) if s.id == x) for x in "MT")
    master = MasterLP(problem)
    a, b = ids.index("A"), ids.index("B")
    master.add(a, frozenset({m}), 0)
    master.add(a, frozenset({t}), 1)
    master.add(b, frozenset(), 0)
    master.add(b, frozenset({m}), 0)
    assert master.solve() == 1
    support = Support(problem, 2, 0)
    got = supported(master, pricers, support, 0, math.inf, 10.0, 0)
    assert got is not None
    assert got[0] == 1 == check_roster(inst, names(problem, got[1])).objective
    assert names(problem, got[1]) == [("A", "T"), ("B", "M")]
    assert supported(master, pricers, support, 0, 1, 10.0, 0) is None


def test_shares_sum_each_clinicians_columns_by_session() -> None:
    taken = shares([(0, {1, 2}, 0.25), (0, {2}, 0.75), (1, {1}, 0.0), (1, {3}, 1.0)])
    assert taken == {(0, 1): 0.25, (0, 2): 1.0, (1, 3): 1.0}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(micro_instances(), st.data())
def test_the_support_model_finds_the_best_roster_that_keeps_its_assignments(
    inst: Any, data: st.DataObject
) -> None:
    # Random micro-instances, every roster enumerated: each eligible assignment is barred (0),
    # fixed (1) or open (a half) at random. The support model's roster is the cheapest of the
    # rosters that keep every hard rule, work every fixed assignment and no barred one, as the
    # checker scores them; when there is none, no roster.
    problem, feasible = small_polishable(inst)
    ids = [(problem.clinicians[c].id, problem.sessions[s].id) for c, s in problem.eligible]
    picks = data.draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=len(ids)))
    taken = {pair: share for pair, share in zip(problem.eligible, picks, strict=False) if share}
    fixed = {ids[k] for k, pair in enumerate(problem.eligible) if taken.get(pair) == 1.0}
    barred = {ids[k] for k, pair in enumerate(problem.eligible) if pair not in taken}
    keeping = [
        cost for roster, cost in feasible if fixed <= set(roster) and not barred & set(roster)
    ]
    got = Support(problem, 1, 0)(taken, 0, math.inf, 30.0)
    if not keeping:
        assert got is None
        return
    assert got is not None and got[1]
    assert check_roster(inst, names(problem, got[0])).objective == min(keeping)
