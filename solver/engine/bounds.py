"""The best lower bound of a solve, from whichever stage proved it, and the linear relaxation
solved beside the search."""

from __future__ import annotations

import threading
import time
from math import inf

from solver.diagnose.relaxation import Relaxation, RelaxationParams
from solver.engine.race import lower_priority
from solver.model.build import Model

CP_SAT = "cp-sat"
COLUMNS = "column generation"
RELAXATION = "linear relaxation"
LNS = "neighbourhood search"  # a step that left every variable free, solved to optimality


class BestBound:
    """The best proven lower bound so far and the stage that proved it."""

    def __init__(self) -> None:
        self.value = -inf
        self.source: str | None = None

    def offer(self, value: float | None, source: str) -> None:
        if value is not None and value > self.value:
            self.value, self.source = value, source


class RelaxationBeside:
    """The model's linear relaxation (solver.diagnose.relaxation), read and solved in a thread
    of its own at the lowest scheduling priority, for the time given. The program is read
    before any search changes the model's domains: ``ready`` waits for that."""

    def __init__(self, built: Model, seconds: float, params: RelaxationParams, seed: int) -> None:
        self.bound: float | None = None
        self.seconds = seconds
        self.relaxation: Relaxation | None = None
        self._read = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if len(built.model.proto.constraints) > params.max_constraints:
            self._read.set()
            return
        self._thread = threading.Thread(target=self._run, args=(built, params, seed), daemon=True)
        self._thread.start()

    def _run(self, built: Model, params: RelaxationParams, seed: int) -> None:
        start = time.perf_counter()
        try:
            lower_priority()
            self.relaxation = Relaxation(built.model, params)
        finally:
            self._read.set()
        if not self._stop.is_set():
            left = self.seconds - (time.perf_counter() - start)
            if left > 0:
                self.bound = self.relaxation.solve(left, seed).bound

    def ready(self) -> None:
        """Wait until the program is read: the model may then change."""
        self._read.wait()

    def finish(self) -> float | None:
        """The bound, if proven by now; a solve still under way is stopped."""
        self._stop.set()
        self._read.wait()
        if self._thread is not None and self._thread.is_alive():
            if self.relaxation is not None:
                self.relaxation.cancel()
            self._thread.join()
        return self.bound
