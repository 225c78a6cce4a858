"""The polish: groups of clinicians re-solved exactly, on tiny instances worked out by hand."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from factory import doc, make, micro_instances, names, need, sess, small_polishable, stall_instance
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from roster.app.compile import build_problem
from roster.domain.check import check_roster
from solver.search.firstpass import first_pass
from solver.search.groups import GroupSolver
from solver.search.polish import PolishParams, applies, polish

STALL, STALL_EACH = PolishParams().stall, PolishParams().stall_each


def test_two_clinicians_re_solved_together_leave_the_pass_stall() -> None:
    # One clinician at a time, A takes M and B stays off (5: see stall_instance). A and B
    # together: A on T and B on M, only A's missed want (1). Every later group is the same two,
    # proven best as they are: the search stops after STALL of them.
    inst = stall_instance()
    problem = build_problem(inst)
    first = first_pass(problem, budget=10.0)
    assert names(problem, first.assignments) == [("A", "M")]
    polished = polish(problem, first.assignments, 10.0)
    assert names(problem, polished.assignments) == [("A", "T"), ("B", "M")]
    assert (polished.moves, polished.tries) == (1, 1 + STALL)
    report = check_roster(inst, names(problem, polished.assignments))
    assert not report.hard_violations
    assert report.objective == 1


@pytest.mark.parametrize("n", [5, 12])
def test_the_polish_stops_after_so_many_groups_in_a_row_per_clinician(n: int) -> None:
    # n doctors, each the only one of their specialty, each wanted on one session of it (5 per
    # shortfall): the roster with each on their own session costs 0 and every group, a doctor
    # alone (nobody shares a session with them), finds it again. The search stops after
    # max(STALL, STALL_EACH * n) groups in a row that changed nothing: 50 for 5 doctors, 60 for 12.
    inst = make(
        [doc(f"D{i}", specialties=f"s{i}") for i in range(n)],
        [sess(f"S{i}", day=i % 5, specialty=f"s{i}") for i in range(n)],
        needs=[need(f"S{i}", 0, 1, 1) for i in range(n)],
        rules={"cover_preferred": {"weight": 5}},
    )
    problem = build_problem(inst)
    chosen = [(i, i) for i in range(n)]
    assert names(problem, chosen) == sorted((f"D{i}", f"S{i}") for i in range(n))
    polished = polish(problem, chosen, 60.0)
    assert polished.assignments == frozenset(chosen)
    assert (polished.moves, polished.tries) == (0, max(STALL, STALL_EACH * n))
    assert polished.tries == {5: 50, 12: 60}[n]


def test_a_halted_polish_tries_no_group() -> None:
    # Halted before it starts (as when CP-SAT's share ends), the polish returns the roster it was
    # given, no group tried.
    problem = build_problem(stall_instance())
    first = first_pass(problem, budget=10.0)
    halt = threading.Event()
    halt.set()
    polished = polish(problem, first.assignments, 10.0, halt=halt)
    assert polished.assignments == first.assignments
    assert (polished.moves, polished.tries) == (0, 0)


def _unproven(monkeypatch: pytest.MonkeyPatch, above: int) -> None:
    """Every group's solve reports its best roster as merely feasible (as when the limit cuts a
    solve short), at ``above`` more than its cost (as a penalty variable left loose adds); the
    solves that price the group's rosters now (everything pinned) are left as they are."""
    solve = cp_model.CpSolver.solve
    objective = cp_model.CpSolver.objective_value

    def pinned(solver: cp_model.CpSolver) -> bool:
        return bool(solver.parameters.fix_variables_to_their_hinted_value)

    def unproven(self: cp_model.CpSolver, model: cp_model.CpModel, *args: Any) -> Any:
        code = solve(self, model, *args)
        return cp_model.FEASIBLE if code == cp_model.OPTIMAL and not pinned(self) else code

    def reported(self: cp_model.CpSolver) -> float:
        value: float = objective.fget(self)  # type: ignore[attr-defined]
        return value if pinned(self) else value + above

    monkeypatch.setattr(cp_model.CpSolver, "solve", unproven)
    monkeypatch.setattr(cp_model.CpSolver, "objective_value", property(reported))


@pytest.mark.parametrize(
    ("above", "expected", "moves", "tries"),
    [
        # reported at 1 + 4 = 5, no more than theirs now: taken, and every later group (the same
        # two, the same roster found again) changes nothing
        (4, [("A", "T"), ("B", "M")], 1, 1 + STALL),
        # reported at 1 + 5 = 6, more than theirs now: it might cost more, so it is not taken
        (5, [("A", "M")], 0, STALL),
    ],
)
def test_a_group_roster_not_proven_best_is_taken_only_when_it_costs_no_more(
    monkeypatch: pytest.MonkeyPatch,
    above: int,
    expected: list[tuple[str, str]],
    moves: int,
    tries: int,
) -> None:
    # A and B's rosters now cost 5 (see stall_instance); the group's unproven roster is A on T
    # and B on M, whose cost is 1, reported ``above`` higher.
    problem = build_problem(stall_instance())
    first = first_pass(problem, budget=10.0)
    _unproven(monkeypatch, above=above)
    polished = polish(problem, first.assignments, 10.0)
    assert names(problem, polished.assignments) == expected
    assert (polished.moves, polished.tries) == (moves, tries)


def test_a_hard_minimum_stays_hard_in_the_groups() -> None:
    # S needs one doctor (hard); A alone can take it and would rather not (avoid, 2000). The
    # pass's own model makes the minimum soft at its weight (1000) and drops A; the polish keeps
    # every rule as written, so A stays on S.
    inst = make(
        [doc("A")],
        [sess("S")],
        needs=[need("S", 1, 1, 1)],
        rules={"cover_min": {}, "requests": {}},
        requests=[{"clinician": "A", "kind": "avoid", "weight": 2000, "session": "S"}],
    )
    problem = build_problem(inst)
    polished = polish(problem, frozenset({(0, 0)}), 10.0)
    assert names(problem, polished.assignments) == [("A", "S")]
    softened = GroupSolver(problem, 1, 0)
    softened.load([(0, 0)])
    softened.resolve([0], [10.0])
    assert softened.chosen[0] == set()


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ({"cover_preferred": {}, "requests": {}, "site_changes": {}}, True),
        ({"cover_preferred": {}, "fairness": {}}, False),
        ({"cover_preferred": {}, "continuity": {}}, False),
    ],
)
def test_no_polish_when_a_rule_weighs_clinicians_against_each_other(
    rules: dict[str, Any], expected: bool
) -> None:
    # A group's model sees its members only: the spread of evenings over all clinicians, or a
    # series' people against its largest session, are not priced right there.
    inst = make([doc("A"), doc("B")], [sess("S")], rules=rules)
    assert applies(build_problem(inst)) is expected


def test_no_polish_when_two_clinicians_have_too_many_sessions_to_choose_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A and B may each work S1 and S2: two clinicians have 4 sessions between them, on average.
    inst = make([doc("A"), doc("B")], [sess("S1"), sess("S2", day=1)], rules={"requests": {}})
    problem = build_problem(inst)
    assert applies(problem, PolishParams(max_pairs=4))
    assert not applies(problem, PolishParams(max_pairs=3))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(micro_instances(), st.data())
def test_the_polish_keeps_every_hard_rule_and_never_costs_more(
    monkeypatch: pytest.MonkeyPatch, inst: Any, data: st.DataObject
) -> None:
    # Random micro-instances (random rules, each hard or soft) without fairness or continuity,
    # and a random roster among those keeping every hard rule, found by enumeration: the polished
    # roster keeps every hard rule too and the checker scores it no higher. Groups of one or two,
    # so that most are priced against clinicians outside them.
    params = PolishParams(stall=10, horizon_sizes=(1, 2), window_sizes=(1, 2))
    problem, feasible = small_polishable(inst)
    assume(feasible)
    roster, cost = data.draw(st.sampled_from(feasible))
    clin = {c.id: i for i, c in enumerate(problem.clinicians)}
    sess = {s.id: i for i, s in enumerate(problem.sessions)}
    polished = polish(problem, [(clin[c], sess[s]) for c, s in roster], 10.0, params=params)
    report = check_roster(inst, names(problem, polished.assignments))
    assert report.hard_violations == ()
    assert report.objective <= cost
