"""The threads around CP-SAT's first try: the first sweep beside its presolve, the race with the
first pass, the watcher that stops it, and the recorder of its rosters."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable
from math import inf
from typing import Any

from ortools.sat.python import cp_model

from solver.engine.params import SolveParams
from solver.model.build import build_model, solve_pinned
from solver.model.problem import ProblemData
from solver.model.result import Progress
from solver.search.firstpass import FirstSweep
from solver.search.polish import polish

LOWEST = 19  # the lowest scheduling priority (the highest nice value) on Linux


class Race:
    """The first pass beside the whole of CP-SAT's first try, when its roster can be polished.

    The first sweep begins beside CP-SAT's presolve in any case (see first_try); here it goes on
    with the rest of the pass in its thread, and when CP-SAT has searched its share of the time,
    the better roster of the two decides the path: CP-SAT's own search goes on from its roster,
    or it is stopped and the pass's roster is polished. The pass takes one search thread for its
    few seconds; after it, the thread polishes the pass's roster with what CP-SAT leaves of the
    machine (``polish_ahead``), and the judge weighs the roster as far as that took it."""

    def __init__(self, problem: ProblemData, sweep: FirstSweep, params: SolveParams) -> None:
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
        waits between its interleaved batches): at the same priority it slows CP-SAT's search."""
        if self.sweep.complete:
            lower_priority()
            self.polished = polish(
                self.problem,
                self.sweep.state.roster(),
                self.params.time_limit,
                1,
                self.params.seed,
                halt=self.sweep.halting,
                params=self.params.polish,
                groups=self.params.groups,
            ).assignments

    def roster(self) -> frozenset[tuple[int, int]]:
        """The pass's roster, polished as far as it went."""
        return self.polished if self.polished is not None else self.sweep.state.roster()

    def judge(self, recorder: Recorder) -> bool:
        """Halt the pass; whether its roster keeps every hard rule and costs less than CP-SAT's
        best so far (then ``won``). Scored on a model of its own: CP-SAT is solving the other."""
        self.sweep.wait()
        if not self.sweep.complete or not recorder.events:
            return False
        built = build_model(self.problem)
        limit = max(1.0, min(10.0, self.params.time_limit / 10))
        pinned, code = solve_pinned(built, self.roster(), self.params.workers, limit)
        best = min((e.objective for e in recorder.events if e.objective is not None), default=inf)
        self.won = code == cp_model.OPTIMAL and pinned.objective_value < best
        return self.won


def lower_priority() -> None:
    """Give the calling thread the lowest scheduling priority, where a thread has its own (Linux);
    elsewhere, or when the system refuses, it keeps its priority."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST)


def first_try(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    recorder: Recorder,
    share: float | None,
    beside: tuple[FirstSweep, float] | None = None,
    race: Race | None = None,
) -> tuple[Any, float, float]:
    """CP-SAT on the whole model; with ``share``, stopped when it has searched that share of the
    time left after its presolve without finding a roster (or is still presolving after twice that
    share of the time limit). The presolve of a large model takes a good share of the time limit and
    the first roster comes soon after it, so the wait is counted from the presolve's end: the first
    bound CP-SAT reports. ``beside``: the first sweep and each clinician's first limit, run beside
    the presolve and halted when it ends; with ``race``, beside the whole try, and CP-SAT is stopped
    when the pass's roster costs less than its own at the end of its share. Returns the status code,
    the best bound, and the seconds the presolve took (the whole try when it never ended)."""
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
        target=watch,
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


def watch(
    solver: cp_model.CpSolver,
    recorder: Recorder,
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


class Recorder(cp_model.CpSolverSolutionCallback):
    """Records each roster CP-SAT finds, and passes it on."""

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
