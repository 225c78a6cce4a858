"""Build the CP-SAT model from the problem, solve it, and decode the answer."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from math import inf
from typing import Any

from ortools.sat.python import cp_model

from solver.colgen import Generated, generate
from solver.firstpass import Sweep, first_pass
from solver.polish import applies, polish
from solver.problem import ProblemData
from solver.result import Progress, Result, SolveStatus
from solver.rules import BUILDERS
from solver.variables import Term, Variables, make_variables

ROOT = 0.6  # of column generation's share: the rounds before the dive
LOWEST = 19  # the lowest scheduling priority (the highest nice value) on Linux


@dataclass(frozen=True)
class SolveParams:
    """Solver settings; ``extra`` is passed straight onto CP-SAT's parameters."""

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    log: bool = False
    deterministic: bool = True  # CP-SAT's interleaved search: same answer for the same input
    # When CP-SAT has no roster this share of the time limit after its presolve, build one
    # clinician by clinician (solver/firstpass.py) and let CP-SAT improve it in the time left;
    # 0: never
    first_pass: float = 0.0
    # Where the objective splits by clinician (solver/polish.py's condition), column generation
    # (solver/colgen.py) may take this share of the time limit for its bound and its roster,
    # which the polish and CP-SAT then improve; 0: never
    columns: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, parameters: Any, *, light: bool = False) -> None:
        """Onto CP-SAT's parameters; ``light``: the full search without LP, to improve a
        complete first roster or to find one fast in the first pass's one-clinician models."""
        parameters.max_time_in_seconds = self.time_limit
        parameters.num_workers = self.workers
        parameters.random_seed = self.seed
        parameters.log_search_progress = self.log
        # One search thread, light, runs the same interleaved searches in turn: on a year-long
        # clinician's model of Curtois Instance24 the default single search (with or without LP)
        # found no first roster in 37 s for two clinicians of thirty, where this finds one in 1-2 s
        # for every one, as fast as with two threads.
        if (self.deterministic and self.workers > 1) or (light and self.workers == 1):
            parameters.interleave_search = True
            # One full search with the strongest LP (the bound), and in the time left the
            # interleaved first-solution local search and neighbourhood search (the rosters).
            # With more full searches, interleaving leaves no turn to the local search. Given the
            # first pass's roster to improve, the full search is a light one without LP: an LP
            # search first follows the hint variable by variable with an LP at each step, which
            # on a large model holds up every interleaved turn for a minute.
            parameters.subsolvers.append("quick_restart_no_lp" if light else "max_lp")
        parameters.linearization_level = 2
        for key, value in self.extra.items():
            if isinstance(value, list | tuple):  # a repeated field, such as subsolvers
                field_values = getattr(parameters, key)
                field_values.clear()
                field_values.extend(value)
            else:
                setattr(parameters, key, value)


@dataclass
class Model:
    model: cp_model.CpModel
    variables: Variables
    terms: dict[str, list[Term]]


Customize = Callable[[cp_model.CpModel, ProblemData, Variables], dict[str, list[Term]]]


def build_model(problem: ProblemData, customize: Customize | None = None) -> Model:
    """Variables, then every active rule's builder in the schema's order, then the objective.

    ``customize`` adds constraints and named penalty terms of a particular run (a repair's
    frozen past and change costs) after the rules; its terms join the objective under their names.
    """
    model = cp_model.CpModel()
    v = make_variables(model, problem)
    terms: dict[str, list[Term]] = {}
    for kind, params in problem.rules.active().items():
        rule_terms = BUILDERS[kind](model, problem, v, params)
        if not getattr(params, "hard", False):
            terms[kind] = rule_terms
    if customize is not None:
        terms.update(customize(model, problem, v))
    model.minimize(sum(w * var for rule_terms in terms.values() for w, var in rule_terms))
    return Model(model, v, terms)


def _pinned(
    built: Model, chosen: Iterable[tuple[int, int]], params: SolveParams, time_limit: float
) -> tuple[cp_model.CpSolver, int]:
    """Solve the model with the roster pinned: the assignments become its hint (replacing any)
    and CP-SAT fixes every hinted variable, so presolve settles it at once on most models. The
    model is not copied: on a year-long instance a copy with an equality per assignment cost
    more than a gigabyte."""
    chosen = frozenset(chosen)
    built.model.clear_hints()  # type: ignore[no-untyped-call]
    for pair, var in built.variables.x.items():
        built.model.add_hint(var, int(pair in chosen))
    solver = cp_model.CpSolver()
    SolveParams(time_limit=time_limit, workers=params.workers).apply(solver.parameters)
    solver.parameters.fix_variables_to_their_hinted_value = True
    return solver, int(solver.solve(built.model))


def _hint_everything(
    built: Model, chosen: frozenset[tuple[int, int]], params: SolveParams, time_limit: float
) -> int:
    """Hint every variable, not only the assignments: CP-SAT takes a complete, feasible hint as
    its first solution, but does not complete a partial one. The auxiliary variables' values come
    from solving the model with the assignments pinned (presolve settles it). When the pinned
    roster breaks a hard rule, or the pinned model is not solved in time, only the assignments
    are hinted. Returns the pinned model's CP-SAT status: OPTIMAL or FEASIBLE when the roster
    keeps every hard rule (the hint is complete)."""
    solver, code = _pinned(built, chosen, params, time_limit)
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = list(solver.response_proto.solution)
        del solver
        built.model.clear_hints()  # type: ignore[no-untyped-call]
        hint = built.model.proto.solution_hint
        hint.vars.extend(range(len(values)))
        hint.values.extend(values)
    return code


class _Race:
    """The pass beside the whole of CP-SAT's first try, when its roster can be polished.

    The first sweep begins beside CP-SAT's presolve in any case (see _first_try); here it goes on
    with the rest of the pass in its thread, and when CP-SAT has searched its share of the time,
    the better roster of the two decides the path: CP-SAT's own search goes on from its roster,
    or it is stopped and the pass's roster is polished (solver/polish.py). On the four-week
    Curtois instances in 60 s CP-SAT's roster is far the better by then (Instance8: 2386 against
    the pass's 3783), and its answers are as before; on Instance18 in 300 s the pass's is, and
    the polish from it ends at 5472 where CP-SAT's own search ended at 6411-6620. The pass takes
    one search thread for its few seconds (1.3-2 s on Instances 5-8, 7-17 s on 11-18); after it,
    the thread polishes the pass's roster with what CP-SAT leaves of the machine
    (``polish_ahead``), and the judge weighs the roster as far as that took it."""

    def __init__(self, problem: ProblemData, sweep: Sweep, params: SolveParams) -> None:
        self.problem = problem
        self.sweep = sweep
        self.params = params
        self.won = False
        # the pass's roster as far as the polish took it in the sweep's thread, once it has run
        self.polished: frozenset[tuple[int, int]] | None = None

    def polish_ahead(self) -> None:
        """In the sweep's thread, after the pass: polish a complete roster on one search thread
        until the sweep is halted (at the judge, or when CP-SAT's try ends), at the lowest
        priority, so that it takes only the time CP-SAT's threads leave (its presolve, and the
        waits between its interleaved batches). At the same priority it slowed CP-SAT's search:
        on Curtois Instances 6 and 8 in 60 s CP-SAT's best at the end of its share was 2263 and
        2765 (2070 and 2269 with the polish at the lowest priority), the polished pass's was
        better, and the path from it ended at 2145 and 1831, where CP-SAT's own ends at 2068 and
        1646."""
        if self.sweep.complete:
            _lower_priority()
            self.polished = polish(
                self.problem,
                self.sweep.state.roster(),
                self.params.time_limit,
                1,
                self.params.seed,
                halt=self.sweep.halting,
            ).assignments

    def roster(self) -> frozenset[tuple[int, int]]:
        """The pass's roster, polished as far as it went."""
        return self.polished if self.polished is not None else self.sweep.state.roster()

    def judge(self, recorder: _Recorder) -> bool:
        """Halt the pass; whether its roster keeps every hard rule and costs less than CP-SAT's
        best so far (then ``won``). Scored on a model of its own: CP-SAT is solving the other."""
        self.sweep.wait()
        if not self.sweep.complete or not recorder.events:
            return False
        built = build_model(self.problem)
        limit = max(1.0, min(10.0, self.params.time_limit / 10))
        pinned, code = _pinned(built, self.roster(), self.params, limit)
        best = min((e.objective for e in recorder.events if e.objective is not None), default=inf)
        self.won = code == cp_model.OPTIMAL and pinned.objective_value < best
        return self.won


def _lower_priority() -> None:
    """Give the calling thread the lowest scheduling priority, where a thread has its own (Linux);
    elsewhere, or when the system refuses, it keeps its priority."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST)


def _first_try(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    recorder: _Recorder,
    share: float | None,
    beside: tuple[Sweep, float] | None = None,
    race: _Race | None = None,
) -> tuple[Any, float, float]:
    """CP-SAT on the whole model; with ``share``, stopped when it has searched that share of the
    time left after its presolve without finding a roster (or is still presolving after twice
    that share of the time limit). The presolve of a large model takes a good share of the time
    limit (12 s of 60 on 300 clinicians over two weeks, 90 s of 560 on Curtois Instance24) and
    the first roster comes soon after it, so the wait is counted from the presolve's end: the
    first bound CP-SAT reports. ``beside``: the first sweep and each clinician's first limit, run
    beside the presolve and halted when it ends; with ``race``, beside the whole try, and CP-SAT
    is stopped when the pass's roster costs less than its own at the end of its share. Returns
    the status code, the best bound, and the seconds the presolve took (the whole try when it
    never ended)."""
    start = time.perf_counter()
    if share is None:
        code = solver.solve(model, recorder)
        return code, float(solver.best_objective_bound), time.perf_counter() - start
    presolved = threading.Event()
    finished = threading.Event()
    ended: list[float] = []  # when the presolve ended

    def on_bound(_bound: float) -> None:
        if not ended:
            ended.append(time.perf_counter() - start)
        presolved.set()

    solver.best_bound_callback = on_bound
    limit = solver.parameters.max_time_in_seconds
    halt = None if beside is None or race is not None else beside[0].halt
    judge = None if race is None else (lambda: race.judge(recorder))
    watcher = threading.Thread(
        target=_watch,
        args=(solver, recorder, share, limit, presolved, finished, halt, judge),
        daemon=True,
    )
    if beside is not None:
        beside[0].start(
            beside[1],
            then=None if race is None else share * limit,
            after=None if race is None else race.polish_ahead,
        )
    watcher.start()
    try:
        code = solver.solve(model, recorder)
    finally:
        finished.set()
        presolved.set()  # wakes a watcher still waiting for a presolve that ended the solve
        watcher.join()
        solver.best_bound_callback = None
        if beside is not None:
            beside[0].wait()
    presolve = ended[0] if ended else time.perf_counter() - start
    return code, float(solver.best_objective_bound), presolve


def _watch(
    solver: cp_model.CpSolver,
    recorder: _Recorder,
    share: float,
    limit: float,
    presolved: threading.Event,
    finished: threading.Event,
    on_presolved: Callable[[], None] | None = None,
    judge: Callable[[], bool] | None = None,
) -> None:
    """Stop ``solver`` when it has no roster ``share`` of the time left after its presolve, or
    when its presolve is still running after twice ``share`` of ``limit``; return early once it
    has finished. ``on_presolved`` is called when the presolve has ended (or is given up on);
    ``judge`` when CP-SAT has a roster at the end of its share: True stops it."""
    start = time.perf_counter()
    ended = presolved.wait(2 * share * limit)
    if on_presolved is not None:
        on_presolved()
    if ended:
        finished.wait(share * max(0.0, limit - (time.perf_counter() - start)))
    if not finished.is_set() and (not recorder.events or (judge is not None and judge())):
        solver.stop_search()


class _Recorder(cp_model.CpSolverSolutionCallback):
    def __init__(self, start: float, on_progress: Callable[[Progress], None] | None) -> None:
        super().__init__()
        self.start = start
        self.on_progress = on_progress
        self.events: list[Progress] = []

    def on_solution_callback(self) -> None:
        event = Progress(
            time.perf_counter() - self.start, self.objective_value, self.best_objective_bound
        )
        self.events.append(event)
        if self.on_progress is not None:
            self.on_progress(event)


def solve(
    problem: ProblemData,
    params: SolveParams | None = None,
    *,
    hint: Iterable[tuple[str, str]] | None = None,
    fixed: Iterable[tuple[str, str]] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    customize: Customize | None = None,
) -> Result:
    """Solve; ``fixed`` pins the roster to exactly these assignments (to score a given roster).

    ``params.time_limit`` counts from the call: building the model takes from it."""
    params = params or SolveParams()
    t0 = time.perf_counter()
    built = build_model(problem, customize)
    clin = {c.id: i for i, c in enumerate(problem.clinicians)}
    sess = {s.id: i for i, s in enumerate(problem.sessions)}
    x = built.variables.x
    if fixed is not None:
        chosen = {(clin[c], sess[s]) for c, s in fixed}
        if any(pair not in x for pair in chosen):  # an ineligible pair has no variable
            return Result(SolveStatus.INFEASIBLE, (), None, None, {}, time.perf_counter() - t0, 0.0)
        for pair, var in x.items():
            built.model.add(var == int(pair in chosen))
    if hint is not None:
        hinted = {(clin[c], sess[s]) for c, s in hint if c in clin and s in sess}
        for pair, var in x.items():
            built.model.add_hint(var, int(pair in hinted))
    build_seconds = time.perf_counter() - t0
    # the time limit covers building the model too: the answer comes within it (a year-long
    # model takes tens of seconds to build)
    params = dataclasses.replace(params, time_limit=max(1.0, params.time_limit - build_seconds))

    t1 = time.perf_counter()
    # a run's own constraints and terms (customize) are unknown to the pass and the polish
    fallback = params.first_pass > 0 and hint is None and fixed is None and customize is None
    polishing = fallback and applies(problem)
    generated: Generated | None = None
    bound = -inf
    if polishing and params.columns > 0:
        share = params.columns * params.time_limit
        began = time.perf_counter()
        try:
            generated = generate(problem, ROOT * share, share, params.workers, params.seed)
        except RuntimeError:  # the master's LP ended unsolved (numerics): the path without it
            generated = None
        if generated is not None and generated.bound is not None:
            # a proven bound: CP-SAT stops as soon as it has a roster that meets it
            bound = float(generated.bound)
            terms = [(w, var) for ts in built.terms.values() for w, var in ts]
            built.model.add(
                cp_model.LinearExpr.weighted_sum([v for _, v in terms], [w for w, _ in terms])
                >= generated.bound
            )
        # what follows has the time left
        params = dataclasses.replace(
            params, time_limit=max(1.0, params.time_limit - (time.perf_counter() - began))
        )
    solver = cp_model.CpSolver()
    params.apply(solver.parameters)
    t2 = time.perf_counter()
    recorder = _Recorder(t1, on_progress)
    sweep: Sweep | None = None
    race: _Race | None = None
    first_roster: frozenset[tuple[int, int]] = frozenset()
    if generated is not None and generated.roster is not None:
        # the dive's roster keeps every hard rule: it is the answer should no time be left
        code, presolve, first_roster = cp_model.UNKNOWN, 0.0, generated.roster
    else:
        if fallback and params.workers > 1:
            # the first sweep begins beside CP-SAT's presolve, each clinician first given their
            # share of the pass's share of the time limit
            sweep = Sweep(problem, 1, params.seed)
            each = params.first_pass * params.time_limit / max(1, problem.n_clinicians)
            race = _Race(problem, sweep, params) if polishing else None
        code, tried, presolve = _first_try(
            solver,
            built.model,
            recorder,
            params.first_pass if fallback else None,
            None if sweep is None else (sweep, max(0.05, each)),
            race,
        )
        bound = max(bound, tried)
        if race is not None and race.won:
            # CP-SAT's roster is given up: the pass's keeps every hard rule and costs less
            code, first_roster = cp_model.UNKNOWN, race.roster()
    left = params.time_limit - (time.perf_counter() - t2)
    if fallback and code == cp_model.UNKNOWN and left > 1.0:
        # CP-SAT's last solve from the pass's roster is worth its while when it can presolve the
        # model again and search as long again after that
        worth = 2 * presolve
        if generated is not None and generated.roster is not None:
            assignments, complete = generated.roster, True
        elif race is not None and (race.won or race.polished is not None):
            # the pass ran beside CP-SAT's try and its complete roster was being polished
            assignments, complete = race.roster(), True
        else:
            # the first sweep may run on until a few seconds before the deadline to give every
            # clinician a roster: without one the pass's roster breaks their rules and is no answer
            until = left - min(0.1 * left, 10.0)
            budget = params.first_pass * left
            if left - budget < worth and not polishing:
                # the pass improves its roster up to its last moment instead (on Curtois
                # Instance24 the presolve takes 120-205 s, and 150 s were left idle after a pass
                # of 100 s)
                budget = until
            first = first_pass(
                problem, budget, params.workers, params.seed, retry_until=until, sweep=sweep
            )
            assignments, complete = first.assignments, first.complete
        left = params.time_limit - (time.perf_counter() - t2)
        settled = (
            generated is not None
            and generated.objective is not None
            and generated.bound is not None
            and generated.objective < generated.bound + 0.5
        )
        if complete and polishing and not settled:
            # groups of clinicians re-solved exactly improve the pass's roster faster than
            # CP-SAT's own search from it (solver/polish.py; on Curtois Instance18 in 60 s, 5908
            # against 6290), up to the time CP-SAT's last solve needs to be worth its while, or
            # to the end when that is not left; and until the groups stop finding better
            margin = min(0.1 * left, 10.0)  # the pinned check and the last solve start in it
            room = left - max(worth, margin) if left >= 2 * worth else left - margin / 2
            assignments = polish(
                problem, assignments, room, params.workers, params.seed
            ).assignments
            left = params.time_limit - (time.perf_counter() - t2)
        if complete and left < worth:
            # loading the model is not cut short by the time limit (on Curtois Instance24 a
            # pinned check and a last solve given the few seconds left overran the limit by 20 s),
            # and the roster found would be scored after the deadline: the pass's roster keeps
            # every hard rule as it is, so it is the answer
            first_roster = assignments
        else:
            check_limit = max(1.0, min(max(10.0, params.time_limit / 10), left))
            checked = _hint_everything(built, assignments, params, check_limit)
            if checked in (cp_model.OPTIMAL, cp_model.FEASIBLE) or (
                checked == cp_model.UNKNOWN and complete
            ):
                # keeps every hard rule: shown by the pinned model, or (on a model too large to
                # settle in time) by the pass itself
                first_roster = assignments
            left = params.time_limit - (time.perf_counter() - t2)
            if left >= presolve:  # else no time to presolve again; a roster short may mend
                solver = cp_model.CpSolver()
                # from the dive's roster the full search with LP: the model is small enough
                # (solver/polish.py's condition), and the LP meets the bound to prove a roster
                params.apply(solver.parameters, light=generated is None)
                solver.parameters.max_time_in_seconds = max(1.0, left)
                code = solver.solve(built.model, recorder)
                bound = max(bound, float(solver.best_objective_bound))  # both bound one model
    wall = time.perf_counter() - t1
    status = SolveStatus(solver.status_name(code))
    scorer: cp_model.CpSolver | None = solver
    from_pass = False
    if status.has_solution:
        chosen_pairs = [pair for pair, var in x.items() if solver.value(var)]
    elif status is SolveStatus.UNKNOWN and first_roster:
        # CP-SAT found nothing, not even from the hint, before the deadline (on a large model
        # its presolve alone can outlast it): the first pass's roster is the answer
        status, chosen_pairs, from_pass = SolveStatus.FEASIBLE, sorted(first_roster), True
    else:
        return Result(status, (), None, None, {}, build_seconds, wall, tuple(recorder.events))

    if status is SolveStatus.FEASIBLE and fixed is None:
        # Auxiliary penalty variables need not be tight in an intermediate solution; score the
        # roster exactly by re-solving with every assignment pinned. When that is not settled in
        # time (a year-long model), the objective is left unknown (None) for the caller to score
        # with the checker; so is the pass's roster, which comes at the deadline (pinning it
        # again would overrun the time limit by the 20 s it takes on Curtois Instance24).
        scorer = None
        if not from_pass:
            pinned, scored = _pinned(built, chosen_pairs, params, max(10.0, params.time_limit))
            if scored == cp_model.OPTIMAL:  # the penalty variables tight: the exact score
                scorer = pinned
    return Result(
        status=status,
        assignments=tuple(
            sorted((problem.clinicians[c].id, problem.sessions[s].id) for c, s in chosen_pairs)
        ),
        objective=None if scorer is None else int(round(scorer.objective_value)),
        best_bound=bound if bound > -inf else None,
        objective_by_rule={}
        if scorer is None
        else {
            kind: int(sum(w * scorer.value(var) for w, var in ts))
            for kind, ts in built.terms.items()
        },
        build_seconds=build_seconds,
        wall_seconds=wall,
        progress=tuple(recorder.events),
    )
