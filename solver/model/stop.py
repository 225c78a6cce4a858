"""Stopping a solve from outside: Ctrl-C, a scheduler's SIGTERM, or a caller's own thread.

A :class:`Stop` is an event that, once set, also stops every CP-SAT search run under it (see
:func:`solving`) and sets the events linked to it (a strategy's own halt). Each strategy checks
it between its steps, so a set stop ends the whole engine within moments, and the engine returns
the best roster it has. Setting it is safe from any thread, a signal handler's too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ortools.sat.python import cp_model

PING = 0.02  # seconds between two asks to stop the searches under way


class Stop(threading.Event):
    """A request to stop, which reaches the CP-SAT searches under way and the linked events."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._solvers: set[cp_model.CpSolver] = set()
        self._linked: list[threading.Event] = []
        self._pinging = False

    def set(self) -> None:
        super().set()
        with self._lock:
            linked = list(self._linked)
            start = not self._pinging
            self._pinging = True
        for event in linked:
            event.set()
        if start:
            threading.Thread(target=self._ping, daemon=True).start()

    def link(self, event: threading.Event) -> None:
        """Set ``event`` too when this is set (at once if it already is)."""
        with self._lock:
            self._linked.append(event)
        if self.is_set():
            event.set()

    @contextmanager
    def running(self, solver: cp_model.CpSolver) -> Iterator[None]:
        """Within the block, ``solver``'s search is stopped when this is set; when it is set
        already, the search is given no time at all."""
        with self._lock:
            self._solvers.add(solver)
        if self.is_set():
            solver.parameters.max_time_in_seconds = 0.0
        try:
            yield
        finally:
            with self._lock:
                self._solvers.discard(solver)

    def _ping(self) -> None:
        """Ask every search under way to stop, again and again until none is left: CP-SAT
        ignores a stop asked in the moment before its search begins."""
        while True:
            with self._lock:
                solvers = list(self._solvers)
                if not solvers:
                    self._pinging = False
                    return
            for solver in solvers:
                solver.stop_search()
            time.sleep(PING)


@contextmanager
def solving(stop: threading.Event | None, solver: cp_model.CpSolver) -> Iterator[None]:
    """Run a CP-SAT search under ``stop`` (see Stop.running); any other event is only looked at
    before the search begins, and None leaves the search alone."""
    if isinstance(stop, Stop):
        with stop.running(solver):
            yield
        return
    if stop is not None and stop.is_set():
        solver.parameters.max_time_in_seconds = 0.0
    yield
