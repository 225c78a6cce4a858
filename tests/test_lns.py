"""The neighbourhood search on the whole model: its neighbourhoods, and rosters it improves where
the objective weighs clinicians against each other."""

from __future__ import annotations

import random
from typing import Any

import pytest
from factory import doc, make, need, sess
from ortools.sat.python import cp_model

import solver.engine.solve
import solver.model.result
from roster.app.compile import build_problem
from roster.domain.check import check_roster
from roster.domain.tables import Instance
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.build import build_model, solve_pinned
from solver.model.problem import ProblemData
from solver.search.lns import LnsParams, Neighbourhoods, Step, objective_of, search


def evenings() -> Instance:
    """Six evening clinics, Monday to Saturday, each needing exactly one doctor (hard), and three
    doctors; evenings shared fairly, 4 per evening between the most and the fewest. Best: two
    each (0); A on all six costs 4 * (6 - 0) = 24."""
    return make(
        [doc("A"), doc("B"), doc("C")],
        [sess(f"E{d}", day=d, start="18:00", end="21:00") for d in range(6)],
        needs=[need(f"E{d}", 1, 1, 1) for d in range(6)],
        rules={"cover_min": {}, "cover_max": {}, "fairness": {"weight": 4, "kinds": ["evening"]}},
    )


def pairs(problem: ProblemData, roster: list[tuple[str, str]]) -> list[tuple[int, int]]:
    clin = {c.id: i for i, c in enumerate(problem.clinicians)}
    sess_ = {s.id: i for i, s in enumerate(problem.sessions)}
    return [(clin[c], sess_[s]) for c, s in roster]


def test_small_neighbourhoods_share_the_evenings_fairly_from_one_doctor_on_all() -> None:
    # Neighbourhoods of 3 assignments (a day for everyone, or doctors on one day): each step
    # can move an evening from A to another; 24 falls to 0, never rising on the way.
    inst = evenings()
    problem = build_problem(inst)
    built = build_model(problem)
    start = pairs(problem, [("A", f"E{d}") for d in range(6)])
    pinned, code = solve_pinned(built, start, 1, 10.0)
    assert code == cp_model.OPTIMAL and pinned.objective_value == 24
    values = list(pinned.response_proto.solution)
    assert objective_of(built.model, values) == 24
    steps: list[Step] = []
    searched = search(
        problem,
        built,
        values,
        24.0,
        20.0,
        1,
        0,
        bound=0.0,
        params=LnsParams(size=3, smallest=3, largest=3, group_days=1),
        on_step=steps.append,
    )
    assert searched.objective == 0
    assert searched.solver is not None
    costs = [24.0] + [step.objective for step in steps]
    assert all(a >= b for a, b in zip(costs, costs[1:], strict=False))
    assert all(step.free <= 3 for step in steps)
    x = built.variables.x
    roster = [
        (problem.clinicians[c].id, problem.sessions[s].id)
        for (c, s), var in x.items()
        if searched.solver.value(var)
    ]
    report = check_roster(inst, roster)
    assert not report.hard_violations and report.objective == 0
    # the built model is as it was: the optimum is found from scratch
    proto = built.model.proto
    assert all(tuple(proto.variables[var.index].domain) == (0, 1) for var in x.values())
    again = cp_model.CpSolver()
    assert again.solve(built.model) == cp_model.OPTIMAL and again.objective_value == 0


def test_neighbourhoods_are_days_for_everyone_partners_and_a_site() -> None:
    # Monday and Tuesday: a clinic at HSK and one at EMC each day; A and B hold privileges at
    # HSK only, C at EMC only, D at both. A window of size 5 from Monday is Monday for everyone
    # (A, B, D at HSK; C, D at EMC: 5 pairs); A's partners are B and D (HSK);
    # a site neighbourhood of HSK frees its clinicians' (A, B, D) pairs on its days.
    inst = make(
        [
            doc("A", privileges="HSK"),
            doc("B", privileges="HSK"),
            doc("C", privileges="EMC"),
            doc("D"),
        ],
        [
            sess("H0"),
            sess("M0", site="EMC"),
            sess("H1", day=1),
            sess("M1", day=1, site="EMC"),
        ],
        rules={"cover_min": {"hard": False, "weight": 1}},
    )
    problem = build_problem(inst)
    built = build_model(problem)
    hoods = Neighbourhoods(problem, built)
    by_index = {var.index: (c, s) for (c, s), var in built.variables.x.items()}

    def named(free: list[int]) -> set[tuple[str, str]]:
        return {
            (problem.clinicians[by_index[i][0]].id, problem.sessions[by_index[i][1]].id)
            for i in free
        }

    class First(random.Random):
        """Draws the first of everything: day 0, clinician 0, site 0."""

        def randrange(self, *args: Any, **kwargs: Any) -> int:
            return 0

        def choice(self, seq: Any) -> Any:
            return seq[0]

        def shuffle(self, x: Any, *args: Any) -> None:
            return None

    monday = {("A", "H0"), ("B", "H0"), ("D", "H0"), ("C", "M0"), ("D", "M0")}
    assert named(hoods.window(First(), 5)) == monday
    # a window smaller than the day: the sessions that start first (H0 and M0 both start at
    # 09:00, H0 first listed); M0's two would make 5
    assert named(hoods.window(First(), 4)) == {("A", "H0"), ("B", "H0"), ("D", "H0")}
    assert len(hoods.window(First(), 10)) == 10  # both days
    assert [problem.clinicians[c].id for c in hoods.partners(0)] == ["B", "D"]
    group = named(hoods.group(First(), 3, 1))  # A and partners on Monday: D would make 4
    assert group == {("A", "H0"), ("B", "H0")}
    site = hoods.sites[0]
    assert problem.sessions[0].site == site  # H0 is at the first site listed, HSK
    assert named(hoods.site(First(), 3)) == {("A", "H0"), ("B", "H0"), ("D", "H0"), ("D", "M0")}


def test_the_engine_searches_from_the_pass_roster_where_fairness_couples_clinicians(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CP-SAT's first try finds nothing (as on a large instance): the first pass, one doctor at a
    # time, gives A all six evenings (fairness is not seen by a one-doctor model: 24); the
    # neighbourhood search on the whole model shares them: 0.
    original = solver.engine.solve.first_try

    def nothing(*args: Any) -> tuple[object, float, float]:
        if args[3] is None:
            return original(*args)
        return cp_model.UNKNOWN, 0.0, 0.0

    monkeypatch.setattr(solver.engine.solve, "first_try", nothing)
    inst = evenings()
    result = solve(build_problem(inst), SolveParams(time_limit=20, workers=1, columns=0.0))
    assert result.objective == 0
    report = check_roster(inst, list(result.assignments))
    assert not report.hard_violations and report.objective == 0


class _Stoppable:
    def __init__(self) -> None:
        self.stopped = False

    def stop_search(self) -> None:
        self.stopped = True


@pytest.mark.parametrize("cp_sat_has_one", [False, True])
def test_the_relay_hands_the_pass_roster_on_only_when_cp_sat_has_none(
    cp_sat_has_one: bool,
) -> None:
    # The pass beside CP-SAT's try gives A all six evenings (complete: every evening covered);
    # without a roster of CP-SAT's, CP-SAT is stopped and the pass's roster is handed on; with
    # one, CP-SAT searches on.
    from solver.engine.race import Recorder
    from solver.engine.relay import Relay
    from solver.search.firstpass import FirstSweep

    problem = build_problem(evenings())
    sweep = FirstSweep(problem)
    while not sweep.done:
        sweep.step(5.0)
    assert sweep.complete
    recorder = Recorder(0.0, None)
    if cp_sat_has_one:
        recorder.events.append(solver.model.result.Progress(1.0, 24.0, 0.0))
    stoppable = _Stoppable()
    relay = Relay(problem, sweep, SolveParams(), stoppable, recorder)  # type: ignore[arg-type]
    relay.polish_ahead()
    assert stoppable.stopped is not cp_sat_has_one
    assert relay.judge(recorder) is False
    if not cp_sat_has_one:
        assert relay.polished == sweep.state.roster()
        assert {problem.clinicians[c].id for c, _ in relay.roster()} == {"A"}


def test_a_step_that_frees_everything_proves_the_optimum() -> None:
    # The evenings' 18 assignments fit in one neighbourhood (400): its step is the whole model,
    # solved to optimality (0), so the search is done after it.
    problem = build_problem(evenings())
    built = build_model(problem)
    start = pairs(problem, [("A", f"E{d}") for d in range(6)])
    pinned, _ = solve_pinned(built, start, 1, 10.0)
    values = list(pinned.response_proto.solution)
    searched = search(problem, built, values, 24.0, 20.0, 1, 0)
    assert (searched.objective, searched.proven, searched.steps) == (0, True, 1)
