"""The clinician-by-clinician first roster: exact answers on tiny instances worked out by hand."""

from __future__ import annotations

import os
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from factory import doc, make, need, sess, stall_instance
from ortools.sat.python import cp_model

import solver.engine.race
import solver.engine.solve
import solver.model.build
import solver.search.firstpass
import solver.search.groups
import solver.search.polish
from roster.app.compile import build_problem
from roster.app.solving import solve_instance
from roster.domain.check import check_roster
from solver.engine.params import SolveParams
from solver.engine.race import Race
from solver.engine.relay import Relay
from solver.engine.solve import solve
from solver.model.problem import ProblemData
from solver.model.result import Progress, SolveStatus
from solver.model.slices import GroupSlice, Slices, sub_problem
from solver.search.firstpass import FirstSweep, first_pass
from solver.search.groups import GroupSolver, soften_minimums
from solver.search.lns import LnsParams
from solver.search.polish import PolishParams


def names(problem: ProblemData, pairs: Iterable[tuple[int, int]]) -> list[tuple[str, str]]:
    return sorted((problem.clinicians[c].id, problem.sessions[s].id) for c, s in pairs)


def _cp_sat_finds_nothing_at_first(monkeypatch: pytest.MonkeyPatch, presolve: float = 0.0) -> None:
    """As on a large instance: CP-SAT's first try ends without a roster, so the first pass runs;
    its presolve took ``presolve`` seconds."""

    _replace_first_try(monkeypatch, lambda *_: cp_model.UNKNOWN, presolve)


Act = Callable[
    [FirstSweep | None, float, "solver.engine.race.Race | None", "solver.engine.race.Recorder"],
    object,
]


def _replace_first_try(monkeypatch: pytest.MonkeyPatch, act: Act, presolve: float = 0.0) -> None:
    """CP-SAT's first try replaced by ``act``, given the sweep beside it (None with one worker),
    each clinician's first limit, the race and the recorder, and returning the try's status; its
    presolve took ``presolve`` seconds. A solve that may not give up (scoring a roster, for one)
    is CP-SAT's own."""
    original = solver.engine.solve.first_try

    def replaced(*args: Any) -> tuple[object, float, float]:
        if args[3] is None:
            return original(*args)
        sweep, limit = args[4] if args[4] is not None else (None, 0.0)
        return act(sweep, limit, args[5], args[2]), 0.0, presolve

    monkeypatch.setattr(solver.engine.solve, "first_try", replaced)


def test_first_pass_is_only_a_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    # CP-SAT finds a roster within its share of the time: the first pass never runs.
    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("the first pass ran")

    monkeypatch.setattr(solver.engine.solve, "first_pass", boom)
    inst = make([doc("A")], [sess("S")], needs=[need("S", 1, 1, 1)], rules={"cover_min": {}})
    result = solve(
        build_problem(inst), SolveParams(time_limit=10, workers=1, first_pass=0.5, columns=0.0)
    )
    assert result.status is SolveStatus.OPTIMAL
    assert result.assignments == (("A", "S"),)


def test_others_headcount_comes_off_each_need() -> None:
    inst = make(
        [doc("A"), doc("B")],
        [sess("S")],
        needs=[need("S", 1, 3, 4)],
        rules={"cover_min": {}, "cover_max": {}, "cover_preferred": {"weight": 1}},
    )
    problem = soften_minimums(build_problem(inst))
    assert problem.rules.cover_min is not None and not problem.rules.cover_min.hard
    group = GroupSlice(Slices(problem), [1])
    sub = sub_problem(problem, group, Counter({(0, 0): 2}), Counter())
    # two doctors already there: min 1 - 2 -> 0, preferred 3 - 2 = 1, max 4 - 2 = 2
    assert sub.sessions[0].needs == ((0, 0, 1, 2),)
    assert [c.id for c in sub.clinicians] == ["B"]
    assert sub.eligible == ((0, 0),)


def test_a_lowered_session_is_used_again_only_while_the_others_headcount_is_the_same() -> None:
    inst = make(
        [doc("A"), doc("B")],
        [sess("S", activity="teaching", students=20, students_per_teacher=8)],
        needs=[need("S", 1, 3, 4)],
        rules={"cover_min": {}, "cover_preferred": {"weight": 1}, "teaching_ratio": {}},
    )
    problem = soften_minimums(build_problem(inst))
    teaching = problem.sessions[0].teachers_needed
    assert teaching == 3  # ceil(20 / 8)
    group = GroupSlice(Slices(problem), [1])
    last: dict[int, Any] = {}
    first = sub_problem(problem, group, Counter({(0, 0): 1}), Counter({0: 1}), last)
    assert first.sessions[0].needs == ((0, 0, 2, 3),)
    again = sub_problem(problem, group, Counter({(0, 0): 1}), Counter({0: 1}), last)
    assert again.sessions[0] is first.sessions[0]  # the same headcount: the same copy
    more = sub_problem(problem, group, Counter({(0, 0): 2}), Counter({0: 1}), last)
    assert more.sessions[0].needs == ((0, 0, 1, 2),)
    # the same people, but one more of them teaching: the teachers needed change too
    taught = sub_problem(problem, group, Counter({(0, 0): 2}), Counter({0: 2}), last)
    assert taught.sessions[0].teachers_needed == 1
    assert more.sessions[0].teachers_needed == 2


def test_a_group_model_holds_only_its_sessions() -> None:
    # B holds privileges at EMC only, so B's model has S2 and S3 alone, re-indexed 0 and 1, and
    # B's request for S3 points at 1. The pass maps the answer back: A takes S1 (HSK), B takes
    # S2 and S3 (each preferring one doctor; nobody else can).
    inst = make(
        [doc("A", privileges="HSK"), doc("B", privileges="EMC")],
        [sess("S1"), sess("S2", day=1, site="EMC"), sess("S3", day=2, site="EMC")],
        needs=[need("S1", 0, 1, 1), need("S2", 0, 1, 1), need("S3", 0, 1, 1)],
        rules={"cover_preferred": {"weight": 1}, "requests": {}},
        requests=[{"clinician": "B", "kind": "want", "weight": 1, "session": "S3"}],
    )
    problem = build_problem(inst)
    sub = sub_problem(problem, GroupSlice(Slices(problem), [1]), Counter(), Counter())
    assert [s.id for s in sub.sessions] == ["S2", "S3"]
    assert sub.eligible == ((0, 0), (0, 1))
    assert [r.sessions for r in sub.requests] == [(1,)]
    first = first_pass(problem, budget=10.0)
    assert names(problem, first.assignments) == [("A", "S1"), ("B", "S2"), ("B", "S3")]


def test_second_clinician_sees_what_the_first_took() -> None:
    # S1 and S2 overlap, each prefers one doctor (shortfall 1 each). A goes first and wants S2 (1),
    # so A takes S2; B then finds S2 covered and takes S1: nothing short, nothing missed.
    problem = build_problem(_two_overlapping_sessions())
    first = first_pass(problem, budget=10.0)
    assert names(problem, first.assignments) == [("A", "S2"), ("B", "S1")]
    # the second sweep changes nothing, so the pass stops after it
    assert first.sweeps == 2


def _two_overlapping_sessions() -> Any:
    # A wants S2, which overlaps S1; each prefers one doctor: A takes S2, then B takes S1
    return make(
        [doc("A"), doc("B")],
        [sess("S1"), sess("S2")],
        needs=[need("S1", 0, 1, 2), need("S2", 0, 1, 2)],
        rules={"cover_preferred": {"weight": 1}, "requests": {}},
        requests=[{"clinician": "A", "kind": "want", "weight": 1, "session": "S2"}],
    )


def _record_resolves(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The members of every model the pass solves, in order."""
    resolved: list[list[int]] = []
    original = GroupSolver.resolve

    def resolve(self: GroupSolver, members: list[int], *args: Any, **kwargs: Any) -> Any:
        resolved.append(list(members))
        return original(self, members, *args, **kwargs)

    monkeypatch.setattr(GroupSolver, "resolve", resolve)
    return resolved


def test_a_sweep_begun_ahead_is_taken_up_where_it_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    # A's turn came beside CP-SAT's first try, with one search thread: A took S2. The pass goes on
    # with B, who takes S1; the second sweep re-solves both and changes nothing.
    problem = build_problem(_two_overlapping_sessions())
    sweep = FirstSweep(problem)
    sweep.step(1.0)
    assert sweep.next == 1 and sweep.unsolved == {1}
    assert sweep.state.chosen == [{1}, set()]  # A on S2
    resolved = _record_resolves(monkeypatch)
    first = first_pass(problem, budget=10.0, workers=2, sweep=sweep)
    assert names(problem, first.assignments) == [("A", "S2"), ("B", "S1")]
    assert resolved == [[1], [0], [1]]  # B, then the second sweep
    assert first.sweeps == 2 and first.complete


def test_a_sweep_halted_in_a_solve_leaves_that_clinician_to_the_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CP-SAT's presolve ends while A's model is being solved beside it: the sweep is halted, that
    # solve stopped without a roster. A is not passed over: the pass solves A first.
    problem = build_problem(_two_overlapping_sessions())
    sweep = FirstSweep(problem)

    def halted(self: cp_model.CpSolver, model: cp_model.CpModel, *args: Any) -> Any:
        sweep.halt()
        return cp_model.UNKNOWN

    with monkeypatch.context() as patch:
        patch.setattr(cp_model.CpSolver, "solve", halted)
        sweep.start(1.0)
        sweep.wait()
    assert sweep.next == 0 and sweep.unsolved == {0, 1}
    assert sweep.state.chosen == [set(), set()] and not +sweep.state.heads
    assert sweep.state.halt is None  # the pass's own solves are not halted
    resolved = _record_resolves(monkeypatch)
    first = first_pass(problem, budget=10.0, workers=2, sweep=sweep)
    assert names(problem, first.assignments) == [("A", "S2"), ("B", "S1")]
    assert resolved[:2] == [[0], [1]]


def test_the_sweep_beside_cp_sat_goes_on_in_the_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # With two workers the first sweep begins beside CP-SAT's first try, one clinician's share of
    # the pass's share of the time limit each (0.5 * 10 s / 2); here it gets through both
    # clinicians before the try gives up. The pass goes on from that sweep (its second sweep
    # changes nothing); the polish re-solves the two together until STALL groups in a row change
    # nothing, and the full model then finds the same roster optimal: objective 0.
    given: list[tuple[FirstSweep, float]] = []

    def nothing(sweep: FirstSweep | None, limit: float, *_: object) -> object:
        assert sweep is not None
        given.append((sweep, limit))
        sweep.start(limit)
        assert sweep._thread is not None
        sweep._thread.join()  # as if the presolve outlasted the sweep
        return cp_model.UNKNOWN

    _replace_first_try(monkeypatch, nothing)
    resolved = _record_resolves(monkeypatch)
    problem = build_problem(_two_overlapping_sessions())
    result = solve(problem, SolveParams(time_limit=10, workers=2, first_pass=0.5, columns=0.0))
    assert result.status is SolveStatus.OPTIMAL
    assert result.assignments == (("A", "S2"), ("B", "S1"))
    assert result.objective == 0
    ((sweep, limit),) = given
    assert limit == pytest.approx(0.5 * 10 / 2, rel=0.2)  # less the time the build took
    assert sweep.done and sweep.state.workers == 2  # the pass went on with both workers
    assert resolved == [[0], [1], [0], [1]] + [[0, 1]] * PolishParams().stall


def test_the_sweep_goes_on_with_the_whole_pass_in_its_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Started with a budget for the rest, the sweep's thread runs the pass to its end: the first
    # sweep (A takes M, B stays off), a second that changes nothing; the roster costs 5.
    resolved = _record_resolves(monkeypatch)
    problem = build_problem(stall_instance())
    sweep = FirstSweep(problem)
    sweep.start(1.0, then=10.0)
    assert sweep._thread is not None
    sweep._thread.join(30)
    assert resolved == [[0], [1], [0], [1]]
    assert sweep.complete
    assert names(problem, sweep.state.roster()) == [("A", "M")]


def test_a_halted_pass_builds_nothing_more(monkeypatch: pytest.MonkeyPatch) -> None:
    # Halted before it starts (as at the end of CP-SAT's share), the pass returns at once, no
    # clinician's model tried: no one has a roster, so it is not complete.
    resolved = _record_resolves(monkeypatch)
    problem = build_problem(stall_instance())
    sweep = FirstSweep(problem)
    sweep.halt()
    sweep.state.halt = sweep._halt
    first = first_pass(problem, 10.0, sweep=sweep)
    assert first.assignments == frozenset()
    assert not first.complete and not sweep.complete
    assert sweep.next == 0 and resolved == []


@pytest.mark.parametrize(("cp_sat_best", "won"), [(6.0, True), (5.0, False)])
def test_the_pass_beside_cp_sat_wins_with_a_roster_that_costs_less(
    cp_sat_best: float, won: bool
) -> None:
    # The pass ends at 5 on the stall instance (A on M, B off: see stall_instance). At the end of
    # CP-SAT's share its best roster so far costs 6 or 5: only a pass's roster costing less wins.
    problem = build_problem(stall_instance())
    sweep = FirstSweep(problem)
    first_pass(problem, 10.0, sweep=sweep)
    race = solver.engine.race.Race(problem, sweep, SolveParams(time_limit=10))
    recorder = solver.engine.race.Recorder(0.0, None)
    recorder.events.append(Progress(1.0, cp_sat_best, 0.0))
    assert race.judge(recorder) is won
    assert race.won is won


def test_a_pass_without_a_roster_for_everyone_does_not_win() -> None:
    # The sweep has not reached B: the pass's roster is no answer, whatever CP-SAT's costs.
    problem = build_problem(stall_instance())
    sweep = FirstSweep(problem)
    sweep.step(1.0)
    race = solver.engine.race.Race(problem, sweep, SolveParams(time_limit=10))
    recorder = solver.engine.race.Recorder(0.0, None)
    recorder.events.append(Progress(1.0, 1000.0, 0.0))
    assert not race.judge(recorder)


def _race_in_its_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[solver.engine.race.Race, list[int]]:
    """The race on the stall instance, its thread run to the end: the pass, then the polish,
    which stops when STALL groups in a row change nothing. Returns the race and the scheduling
    priority (nice value) the polish ran at."""
    problem = build_problem(stall_instance())
    sweep = FirstSweep(problem)
    race = solver.engine.race.Race(problem, sweep, SolveParams(time_limit=10))
    priorities: list[int] = []
    original = solver.engine.race.polish

    def polish(*args: Any, **kwargs: Any) -> Any:
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return original(*args, **kwargs)

    monkeypatch.setattr(solver.engine.race, "polish", polish)
    sweep.start(1.0, then=10.0, after=race.polish_ahead)
    assert sweep._thread is not None
    sweep._thread.join(60)
    return race, priorities


def test_the_race_polishes_the_pass_roster_in_its_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # After the pass (A on M: 5), the thread polishes its roster: A and B re-solved together give
    # A on T and B on M (1). The judge weighs that roster: against CP-SAT's 3 it wins, where the
    # pass's own 5 would not.
    resolved = _record_resolves(monkeypatch)
    race, _ = _race_in_its_thread(monkeypatch)
    assert names(race.problem, race.sweep.state.roster()) == [("A", "M")]
    assert race.polished is not None
    assert names(race.problem, race.polished) == [("A", "T"), ("B", "M")]
    assert resolved == [[0], [1], [0], [1]] + [[0, 1]] * (1 + PolishParams().stall)
    recorder = solver.engine.race.Recorder(0.0, None)
    recorder.events.append(Progress(1.0, 3.0, 0.0))
    assert race.judge(recorder) and race.won


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own priority: Linux")
def test_the_race_polishes_at_the_lowest_priority(monkeypatch: pytest.MonkeyPatch) -> None:
    # The polish beside CP-SAT takes only the time CP-SAT's threads leave; the caller's thread
    # keeps its own priority.
    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    _, priorities = _race_in_its_thread(monkeypatch)
    assert priorities == [solver.engine.race.LOWEST]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before


def test_cp_sat_without_a_roster_takes_the_race_polished_roster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CP-SAT's first try ends without a roster while the race's thread has polished the pass's
    # roster (to 1): no new pass is made; the polish goes on from that roster (STALL groups
    # change nothing) and the full model proves it optimal.
    started: list[solver.engine.race.Race] = []

    def nothing(
        sweep: FirstSweep | None, limit: float, race: solver.engine.race.Race | None, *_: object
    ) -> object:
        assert sweep is not None and race is not None
        sweep.start(limit, then=10.0, after=race.polish_ahead)
        assert sweep._thread is not None
        sweep._thread.join(60)
        started.append(race)
        return cp_model.UNKNOWN

    _replace_first_try(monkeypatch, nothing)
    resolved = _record_resolves(monkeypatch)
    problem = build_problem(stall_instance())
    result = solve(problem, SolveParams(time_limit=10, workers=2, first_pass=0.25, columns=0.0))
    (race,) = started
    assert race.polished is not None and not race.won
    assert result.status is SolveStatus.OPTIMAL
    assert result.assignments == (("A", "T"), ("B", "M"))
    assert result.objective == 1
    race_part = [[0], [1], [0], [1]] + [[0, 1]] * (1 + PolishParams().stall)
    assert resolved == race_part + [[0, 1]] * PolishParams().stall


def test_a_won_race_stops_cp_sat_and_polishes_the_pass_roster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # CP-SAT ends its share with a roster costing 6 (made up here); the pass beside it has 5
    # (A on M). CP-SAT's roster is given up; the pass is not swept again (it has run), the polish
    # re-solves A and B together (A on T, B on M: 1) and then STALL more groups change nothing;
    # the full model finds that roster optimal.
    races: list[solver.engine.race.Race] = []

    def losing(
        sweep: FirstSweep | None,
        _: float,
        race: solver.engine.race.Race | None,
        recorder: solver.engine.race.Recorder,
    ) -> object:
        assert race is not None
        first_pass(race.problem, 10.0, sweep=sweep)  # as the thread beside the try would
        recorder.events.append(Progress(1.0, 6.0, 0.0))
        assert race.judge(recorder)
        races.append(race)
        return cp_model.FEASIBLE

    _replace_first_try(monkeypatch, losing)
    resolved = _record_resolves(monkeypatch)
    inst = stall_instance()
    problem = build_problem(inst)
    result = solve(problem, SolveParams(time_limit=10, workers=2, first_pass=0.25, columns=0.0))
    assert len(races) == 1 and races[0].won
    assert result.status is SolveStatus.OPTIMAL
    assert result.assignments == (("A", "T"), ("B", "M"))
    assert result.objective == 1
    # two sweeps (the second changes nothing), then only the polish's groups
    assert resolved == [[0], [1], [0], [1]] + [[0, 1]] * (1 + PolishParams().stall)


@pytest.mark.parametrize(
    ("rules", "share", "raced"),
    [({}, 0.1, Race), ({"fairness": {}}, 0.0, None), ({"fairness": {}}, 0.1, Relay)],
)
def test_the_pass_runs_beside_the_whole_try_only_when_its_roster_can_be_taken_on(
    monkeypatch: pytest.MonkeyPatch, rules: dict[str, Any], share: float, raced: type | None
) -> None:
    # With fairness as a soft rule the polish does not run: the pass runs beside the whole try
    # (a relay) only when the neighbourhood search takes its roster on; else only the first
    # sweep, beside the presolve.
    original = solver.engine.solve.first_try
    given: list[object] = []

    def record(*args: Any) -> Any:
        if args[3] is not None:
            given.append(args[5])
        return original(*args)

    monkeypatch.setattr(solver.engine.solve, "first_try", record)
    inst = make(
        [doc("A"), doc("B")],
        [sess("S")],
        needs=[need("S", 0, 1, 2)],
        rules={"cover_preferred": {}, **rules},
    )
    params = SolveParams(
        time_limit=10, workers=2, first_pass=0.25, columns=0.0, lns=LnsParams(share=share)
    )
    result = solve(build_problem(inst), params)
    assert result.status is SolveStatus.OPTIMAL and result.objective == 0
    (race,) = given
    assert type(race) is (type(None) if raced is None else raced)


def test_pass_can_stall_where_the_full_model_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sessions on Monday (M, at HSK) and Tuesday (T, at EMC), each preferring one doctor: 5 per
    # shortfall, 1 per doctor above. A may work one session in the week and wants M (1); B holds
    # privileges at HSK only, so only M. A goes first: M costs 5 (T short), T costs 5 + 1 (M short,
    # want missed): A takes M. B then finds M covered: working it costs 1, so B stays off. The next
    # sweep changes nothing: the pass ends at 5. The full model, hinted with it, finds A on T and
    # B on M: only the missed want, 1.
    inst = stall_instance()
    problem = build_problem(inst)
    first = first_pass(problem, budget=10.0)
    assert names(problem, first.assignments) == [("A", "M")]
    assert first.sweeps == 2
    _cp_sat_finds_nothing_at_first(monkeypatch)
    full = solve(problem, SolveParams(time_limit=10, workers=1, first_pass=0.5, columns=0.0))
    assert full.status is SolveStatus.OPTIMAL
    assert full.assignments == (("A", "T"), ("B", "M"))
    assert full.objective == 1


def test_hard_minimum_left_short_by_the_pass_is_met_by_the_full_model(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each session needs one doctor (hard). A and B each may work one session a day; the pass
    # treats minimums as soft, the full model keeps them hard: both sessions covered.
    inst = make(
        [doc("A", max_per_day=1), doc("B", max_per_day=1)],
        [sess("S1"), sess("S2", start="14:00", end="17:00")],
        rules={"cover_min": {}, "max_per_day": {}},
    )
    problem = build_problem(inst)
    _cp_sat_finds_nothing_at_first(monkeypatch)
    result = solve(problem, SolveParams(time_limit=10, workers=1, first_pass=0.5, columns=0.0))
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == 0
    assert {s for _, s in result.assignments} == {"S1", "S2"}
    assert not check_roster(inst, list(result.assignments)).hard_violations


def test_first_pass_keeps_the_samples_optimum() -> None:
    from roster.domain.io import load_instance

    problem = build_problem(load_instance("data/samples/hksh-affiliation-week"))
    result = solve(problem, SolveParams(time_limit=30, workers=2, first_pass=0.25, columns=0.0))
    assert result.status is SolveStatus.OPTIMAL
    assert result.objective == 54


@pytest.mark.parametrize(
    ("polishing", "answer", "score"),
    [(False, (("A", "M"),), 5), (True, (("A", "T"), ("B", "M")), 1)],
)
def test_the_pass_roster_is_the_answer_when_cp_sat_finds_nothing_from_it(
    monkeypatch: pytest.MonkeyPatch,
    polishing: bool,
    answer: tuple[tuple[str, str], ...],
    score: int,
) -> None:
    # The instance of the stall test; CP-SAT is stopped after its presolve in both tries (as when
    # a large model's presolve outlasts the time limit): the pass's roster, A on M, is returned
    # unscored (it comes at the deadline), the checker scores it 5 (T short by one) for
    # `roster solve`, and it keeps every hard rule. Polished (when no rule weighs clinicians
    # against each other), A and B re-solved together: A on T, B on M, only the missed want.
    # (Without the polish, the neighbourhood search is off here: it would find that too.)
    inst = stall_instance()
    _cp_sat_finds_nothing_at_first(monkeypatch)
    if not polishing:
        monkeypatch.setattr(solver.engine.solve, "applies", lambda *_: False)
    params = SolveParams(
        time_limit=10,
        workers=1,
        first_pass=0.5,
        columns=0.0,
        extra={"stop_after_presolve": True, "cp_model_presolve": False},
        lns=LnsParams(share=0.0),
    )
    result = solve(build_problem(inst), params)
    assert result.status is SolveStatus.FEASIBLE
    assert result.assignments == answer
    assert result.objective is None
    report = check_roster(inst, list(result.assignments))
    assert not report.hard_violations
    assert report.objective == score
    outcome = solve_instance(inst, params)
    assert outcome.result.objective == score
    assert outcome.result.objective_by_rule == {
        "cover_preferred": 5 * (not polishing),
        "requests": int(polishing),
        "cover_over_preferred": 0,
    }


def test_a_minimum_one_clinician_cannot_fill_alone_is_mended_by_two() -> None:
    # S1 (EMC) and S2 (HSK) on Monday morning each need exactly one doctor (hard); B holds
    # privileges at HSK only. A goes first: either session leaves the other short (1000 each),
    # and A wants S2 (1), so A takes S2; B finds S2 full and S1 out of reach: S1 stays short,
    # and the next sweep changes nothing. Mending S1 re-solves A (could fill S1) with B (could
    # take over S2) on that day: A on S1, B on S2, the want missed.
    inst = make(
        [doc("A"), doc("B", privileges="HSK")],
        [sess("S1", site="EMC"), sess("S2")],
        needs=[need("S1", 1, 1, 1), need("S2", 1, 1, 1)],
        rules={"cover_min": {}, "cover_max": {}, "no_overlap": {}, "requests": {}},
        requests=[{"clinician": "A", "kind": "want", "weight": 1, "session": "S2"}],
    )
    problem = build_problem(inst)
    first = first_pass(problem, budget=10.0)
    assert names(problem, first.assignments) == [("A", "S1"), ("B", "S2")]
    assert first.complete  # everyone solved in their own model, no minimum short
    report = check_roster(inst, names(problem, first.assignments))
    assert not report.hard_violations
    assert report.objective == 1


def _mending_instance() -> Any:
    return make(
        [doc("A"), doc("B", privileges="HSK")],
        [sess("S1", site="EMC"), sess("S2")],
        needs=[need("S1", 1, 1, 1), need("S2", 1, 1, 1)],
        rules={"cover_min": {}, "cover_max": {}, "no_overlap": {}, "requests": {}},
        requests=[{"clinician": "A", "kind": "want", "weight": 1, "session": "S2"}],
    )


def test_a_pass_that_leaves_a_minimum_short_is_not_complete(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The instance above without the mending: A takes S2 (the want), B finds S2 full and S1 out
    # of reach, so S1 stays short and the roster breaks a hard rule.
    monkeypatch.setattr(solver.search.firstpass, "_mend", lambda *args: False)
    problem = build_problem(_mending_instance())
    first = first_pass(problem, budget=10.0)
    assert names(problem, first.assignments) == [("A", "S2")]
    assert not first.complete


def test_a_complete_pass_is_the_answer_when_the_pinned_model_is_not_settled_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As on a year-long instance: CP-SAT finds no roster, and the model with the pass's roster
    # pinned is not settled within its time either. The pass gave each clinician a roster from
    # their own model and left no minimum short, so its roster (A on S1, B on S2) is the answer;
    # the objective the pinned model could not give comes from the independent checker: A's
    # missed want, 1.
    _cp_sat_finds_nothing_at_first(monkeypatch)
    original = solver.model.build.solve_pinned

    def unsettled(*args: Any) -> tuple[object, int]:
        solver_, _ = original(*args)
        return solver_, cp_model.UNKNOWN

    monkeypatch.setattr(solver.model.build, "solve_pinned", unsettled)
    monkeypatch.setattr(solver.engine.solve, "solve_pinned", unsettled)
    params = SolveParams(
        time_limit=10,
        workers=1,
        first_pass=0.5,
        columns=0.0,
        extra={"stop_after_presolve": True, "cp_model_presolve": False},
    )
    inst = _mending_instance()
    result = solve(build_problem(inst), params)
    assert result.status is SolveStatus.FEASIBLE
    assert result.assignments == (("A", "S1"), ("B", "S2"))
    assert result.objective is None  # not scored by the model
    outcome = solve_instance(inst, params)
    assert outcome.result.assignments == (("A", "S1"), ("B", "S2"))
    assert outcome.result.objective == 1
    assert outcome.result.objective_by_rule["requests"] == 1
    assert outcome.check is not None and not outcome.check.hard_violations


@pytest.mark.parametrize("presolve", [1e6, 6.0])
def test_no_last_solve_when_cp_sat_could_not_presolve_again_in_the_time_left(
    monkeypatch: pytest.MonkeyPatch, presolve: float
) -> None:
    # As on Curtois Instance24: the pass ends with less time left than CP-SAT's first presolve
    # took, or (6 s of the 10) less than it would need to presolve again and search as long.
    # Neither the pinned check nor a last solve of the full model runs (they would overrun the
    # time limit, or search too little to be worth it); the complete pass's roster is the answer
    # as it is, scored by the checker.
    _cp_sat_finds_nothing_at_first(monkeypatch, presolve=presolve)
    built: list[cp_model.CpModel] = []
    original_build = solver.engine.solve.build_model

    def build(*args: Any) -> Any:
        out = original_build(*args)
        built.append(out.model)
        return out

    solved: list[cp_model.CpModel] = []
    original_solve = cp_model.CpSolver.solve

    def solve_counted(self: cp_model.CpSolver, model: cp_model.CpModel, *args: Any) -> Any:
        solved.append(model)
        return original_solve(self, model, *args)

    monkeypatch.setattr(solver.engine.solve, "build_model", build)
    monkeypatch.setattr(solver.search.groups, "build_model", build)
    monkeypatch.setattr(cp_model.CpSolver, "solve", solve_counted)
    inst = _mending_instance()
    params = SolveParams(time_limit=10, workers=1, first_pass=0.5, columns=0.0)
    result = solve(build_problem(inst), params)
    assert result.status is SolveStatus.FEASIBLE
    assert result.assignments == (("A", "S1"), ("B", "S2"))
    assert result.objective is None
    full = built[0]  # the full model is built first; the pass's models after it
    assert len(built) > 1 and solved and all(model is not full for model in solved)
    outcome = solve_instance(inst, params)
    assert outcome.result.objective == 1


@pytest.mark.parametrize(
    ("presolve", "polishing", "whole"),
    [
        (0.0, False, False),
        (2.0, False, False),
        (3.0, False, True),
        (1e6, False, True),
        (3.0, True, False),
        (1e6, True, False),
    ],
)
def test_the_pass_has_the_time_left_when_cp_sat_could_not_presolve_after_its_share(
    monkeypatch: pytest.MonkeyPatch, presolve: float, polishing: bool, whole: bool
) -> None:
    # The pass's budget is its share (half) of the time left, about 5 of 10 s. When CP-SAT could
    # not presolve the model again and search as long in the rest (twice its first presolve, 6 s
    # against 5), the pass improves its roster up to its last moment instead: the time left less
    # a tenth of it; unless the polish can take its roster on (no rule weighs clinicians against
    # each other), which improves it faster than the pass's own sweeps.
    _cp_sat_finds_nothing_at_first(monkeypatch, presolve=presolve)
    monkeypatch.setattr(solver.engine.solve, "applies", lambda *_: polishing)
    calls: list[tuple[float, float]] = []
    original = solver.engine.solve.first_pass

    def recorded(problem: ProblemData, budget: float, *args: Any, **kwargs: Any) -> Any:
        calls.append((budget, kwargs["retry_until"]))
        return original(problem, budget, *args, **kwargs)

    monkeypatch.setattr(solver.engine.solve, "first_pass", recorded)
    # (without the neighbourhood search, which would take the pass's roster on: see below)
    params = SolveParams(
        time_limit=10, workers=1, first_pass=0.5, columns=0.0, lns=LnsParams(share=0.0)
    )
    result = solve(build_problem(_two_overlapping_sessions()), params)
    assert result.assignments == (("A", "S2"), ("B", "S1"))
    ((budget, until),) = calls
    assert until == pytest.approx(9.0, abs=0.1)  # 10 s less the build and a tenth
    assert budget == (until if whole else pytest.approx(until / 0.9 * 0.5))


@pytest.mark.parametrize("presolve", [0.0, 3.0, 1e6])
def test_the_pass_stops_at_its_share_once_complete_where_the_search_follows(
    monkeypatch: pytest.MonkeyPatch, presolve: float
) -> None:
    # Where the objective does not split (the polish does not apply), the neighbourhood search
    # takes the pass's roster on: the pass keeps its share (half of the time left, about 5 of
    # 10 s) whatever CP-SAT's presolve took, and goes on past it, up to the time left less a
    # tenth, only while its roster is not complete.
    _cp_sat_finds_nothing_at_first(monkeypatch, presolve=presolve)
    monkeypatch.setattr(solver.engine.solve, "applies", lambda *_: False)
    calls: list[tuple[float, float, float | None]] = []
    original = solver.engine.solve.first_pass

    def recorded(problem: ProblemData, budget: float, *args: Any, **kwargs: Any) -> Any:
        calls.append((budget, kwargs["retry_until"], kwargs["complete_by"]))
        return original(problem, budget, *args, **kwargs)

    monkeypatch.setattr(solver.engine.solve, "first_pass", recorded)
    params = SolveParams(time_limit=10, workers=1, first_pass=0.5, columns=0.0)
    result = solve(build_problem(_two_overlapping_sessions()), params)
    assert result.assignments == (("A", "S2"), ("B", "S1"))
    ((budget, until, complete_by),) = calls
    assert until == pytest.approx(9.0, abs=0.1)
    assert complete_by == until
    assert budget == pytest.approx(until / 0.9 * 0.5)


class _FakeSolver:
    def __init__(self) -> None:
        self.stopped = False

    def stop_search(self) -> None:
        self.stopped = True


class _FakeRecorder:
    def __init__(self, events: list[object]) -> None:
        self.events = events


@pytest.mark.parametrize(
    ("presolved", "events", "finished", "stopped"),
    [
        (False, [], False, True),  # still presolving after twice the wait: stopped
        (True, [], False, True),  # searched the wait after its presolve, no roster: stopped
        (True, ["a roster"], False, False),  # has a roster: left alone
        (True, [], True, False),  # finished on its own (proved infeasible, say): left alone
    ],
)
def test_first_try_gives_up_only_without_a_roster(
    presolved: bool, events: list[object], finished: bool, stopped: bool
) -> None:
    import threading

    fake = _FakeSolver()
    flags = threading.Event(), threading.Event()
    if presolved:
        flags[0].set()
    if finished:
        flags[1].set()
    halted: list[bool] = []  # the sweep beside the try is halted in every case
    # a share of 0.01 of a 1 s limit: at most 0.02 s waiting
    solver.engine.race.watch(
        fake,  # type: ignore[arg-type]
        _FakeRecorder(events),  # type: ignore[arg-type]
        0.01,
        1.0,
        *flags,
        lambda: halted.append(True),
    )
    assert fake.stopped is stopped
    assert halted == [True]


def test_one_search_thread_light_takes_the_interleaved_searches_in_turn() -> None:
    # The sweep beside CP-SAT's presolve has one thread: light, it runs the same searches as
    # two threads do, one after another; not light, CP-SAT's single default search with LP.
    light = cp_model.CpSolver().parameters
    SolveParams(workers=1).apply(light, light=True)
    assert light.interleave_search and list(light.subsolvers) == ["quick_restart_no_lp"]
    full = cp_model.CpSolver().parameters
    SolveParams(workers=1).apply(full)
    assert not full.interleave_search and not list(full.subsolvers)


@pytest.mark.parametrize("beside", [False, True])
def test_small_models_skip_probing_except_beside_cp_sat(
    monkeypatch: pytest.MonkeyPatch, beside: bool
) -> None:
    # A one-clinician model is small: solved with its LP search, it skips probing and presolves
    # once, except in a thread beside CP-SAT's search (one that can be halted), where it keeps
    # CP-SAT's default presolve.
    seen: list[tuple[int, int, bool]] = []
    original = cp_model.CpSolver.solve

    def solve_(self: cp_model.CpSolver, model: cp_model.CpModel, *args: Any) -> Any:
        q = self.parameters
        seen.append(
            (q.cp_model_probing_level, q.max_presolve_iterations, q.find_big_linear_overlap)
        )
        return original(self, model, *args)

    monkeypatch.setattr(cp_model.CpSolver, "solve", solve_)
    state = GroupSolver(build_problem(stall_instance()), 1, 0)
    state.halt = threading.Event() if beside else None
    assert state.resolve([0], [10.0]) == (0, True)
    q = cp_model.CpSolver().parameters
    default = (q.cp_model_probing_level, q.max_presolve_iterations, q.find_big_linear_overlap)
    assert default != (0, 1, False)
    assert seen == [default if beside else (0, 1, False)]
