"""What `roster solve` shows while it searches: elapsed time, incumbent, bound and gap.

The incumbent is the best roster any stage has found (CP-SAT, column generation, the first pass
or the polish), the bound the best any stage has proven. On a terminal the display is one live
line (rich) that ticks every quarter of a second and is updated by each report; anywhere else
(CI, a log file, a pipe) it prints plain lines: the first report, then at most one a second, and
the last one, so logs stay readable. Everything goes to stderr, leaving stdout to ``--json``. The
engine calls :meth:`SolveDisplay.update` from its own threads.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text


class ProgressEvent(Protocol):
    """What the engine reports with each roster or bound it finds
    (``solver.model.result.Progress``)."""

    @property
    def seconds(self) -> float: ...

    @property
    def objective(self) -> float | None: ...

    @property
    def bound(self) -> float | None: ...

    @property
    def stage(self) -> str: ...


@dataclass(frozen=True)
class Best:
    """The display's state after an event: the best roster and bound so far."""

    seconds: float
    objective: float | None
    bound: float | None
    stage: str


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(objective - bound) / max(1, |objective|), as in the summary; None until both are known."""
    if objective is None or bound is None:
        return None
    return max(0.0, objective - bound) / max(1.0, abs(objective))


def plain_line(event: ProgressEvent | Best) -> str:
    """One line of progress, for logs; the stage that found the roster unless it is CP-SAT."""
    objective = "-" if event.objective is None else f"{event.objective:,.0f}"
    bound = "-" if event.bound is None else f"{event.bound:,.0f}"
    gap = relative_gap(event.objective, event.bound)
    tail = "" if gap is None else f"  gap {gap:.2%}"
    by = "" if event.stage == "cp-sat" else f"  ({event.stage})"
    return f"  {event.seconds:7.2f} s  objective {objective}  bound {bound}{tail}{by}"


class SolveDisplay:
    """Context manager: a live display on a terminal, plain lines otherwise, nothing when quiet.

    ``live=None`` chooses by whether ``stream`` (stderr by default) is a terminal.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        time_limit: float | None = None,
        quiet: bool = False,
        live: bool | None = None,
        every: float = 1.0,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.time_limit = time_limit
        self.quiet = quiet
        is_tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.live = (is_tty if live is None else live) and not quiet
        self.solutions = 0
        self.objective: float | None = None
        self.bound: float | None = None
        self.stage = "cp-sat"  # who found the incumbent
        self._start = time.monotonic()
        self._lock = threading.Lock()
        self._live: Live | None = None
        self.every = every  # plain lines: at most one per `every` seconds, and the last one
        self._printed_at: float | None = None
        self._pending: Best | None = None

    # --- the context ---------------------------------------------------------------------------

    def __enter__(self) -> SolveDisplay:
        self._start = time.monotonic()
        if self.live:
            console = Console(file=self.stream, force_terminal=True)
            self._live = Live(self, console=console, refresh_per_second=4, transient=True)
            self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self._pending is not None:
            self._print(self._pending)

    # --- what the solver calls -----------------------------------------------------------------

    def update(self, event: ProgressEvent) -> None:
        """A roster or a bound from any stage: the incumbent is the best roster so far, the
        bound the best bound."""
        with self._lock:
            if event.objective is not None:
                self.solutions += 1
                if self.objective is None or event.objective < self.objective:
                    self.objective, self.stage = event.objective, event.stage
            if event.bound is not None and (self.bound is None or event.bound > self.bound):
                self.bound = event.bound
            state = Best(event.seconds, self.objective, self.bound, self.stage)
        if self.quiet:
            return
        if self._live is not None:
            self._live.refresh()
        elif not self.live:
            with self._lock:
                due = self._printed_at is None or event.seconds - self._printed_at >= self.every
                self._pending = None if due else state
            if due:
                self._print(state)

    __call__ = update

    def _print(self, event: Best) -> None:
        self._printed_at = event.seconds
        self._pending = None
        print(plain_line(event), file=self.stream, flush=True)

    # --- the live line -------------------------------------------------------------------------

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self._start

    def __rich__(self) -> RenderableType:
        with self._lock:
            objective, bound, solutions = self.objective, self.bound, self.solutions
            stage = self.stage
        elapsed = self.elapsed
        gap = relative_gap(objective, bound)
        row = Table.grid(padding=(0, 2))
        limit = f" / {self.time_limit:g} s" if self.time_limit else ""
        cells: list[RenderableType] = [Text(f"solving {elapsed:6.1f} s{limit}", style="bold")]
        if self.time_limit:
            cells.append(
                ProgressBar(
                    total=self.time_limit, completed=min(elapsed, self.time_limit), width=24
                )
            )
        cells += [
            Text(
                f"incumbent {'-' if objective is None else f'{objective:,.0f}'}"
                + ("" if objective is None or stage == "cp-sat" else f" ({stage})")
            ),
            Text(f"bound {'-' if bound is None else f'{bound:,.0f}'}"),
            Text(
                f"gap {'-' if gap is None else f'{gap:.2%}'}",
                style="green" if gap == 0 else "yellow",
            ),
            Text(f"{solutions} solution{'s' if solutions != 1 else ''}", style="dim"),
        ]
        row.add_row(*cells)
        return Group(row)
