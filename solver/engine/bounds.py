"""The best lower bound of a solve, from whichever stage proved it, and the linear relaxation
solved beside the search."""

from __future__ import annotations

import threading
import time
from math import inf
from typing import Any

from solver.diagnose.relaxation import Relaxation, RelaxationParams
from solver.engine.race import lower_priority
from solver.model.build import Model
from solver.model.cpsat import proto_message

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

    @property
    def known(self) -> float | None:
        """The bound, None while no stage has proven one."""
        return self.value if self.value > -inf else None


class RelaxationBeside:
    """The model's linear relaxation (solver.diagnose.relaxation), read and solved in a thread
    of its own at the lowest scheduling priority, for the time given, from a copy of the model
    made at once (the search may then change the model)."""

    def __init__(self, built: Model, seconds: float, params: RelaxationParams, seed: int) -> None:
        self.bound: float | None = None
        self.seconds = seconds
        self.relaxation: Relaxation | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if len(built.model.proto.constraints) > params.max_constraints:
            return
        message = proto_message(built.model)
        self._thread = threading.Thread(target=self._run, args=(message, params, seed), daemon=True)
        self._thread.start()

    def _run(self, message: Any, params: RelaxationParams, seed: int) -> None:
        start = time.perf_counter()
        lower_priority()
        relaxation = Relaxation(message, params)
        del message
        self.relaxation = relaxation
        if self._stop.is_set():
            return
        left = self.seconds - (time.perf_counter() - start)
        if left > 0:
            bound = relaxation.solve(left, seed).bound
            if not self._stop.is_set():
                self.bound = bound

    def finish(self) -> float | None:
        """The bound, if proven by now; a solve still under way is stopped and left to end in
        its thread (an iteration of the interior point method can take seconds)."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            if self.relaxation is not None:
                self.relaxation.cancel()
            self._thread.join(0.5)
        return self.bound
