"""Ctrl-C and SIGTERM during a solve: the first stops the engine, which returns the best roster it
has; a second ends the process at once, writing nothing.

Python runs a signal handler in the main thread only, between two of its own instructions, never
while the main thread waits inside CP-SAT. So the work runs in a thread of its own and the main
thread waits for it in short steps, ready to take the signal.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TypeVar

import click

from solver.model.stop import Stop

T = TypeVar("T")
SIGNALS = (signal.SIGINT, signal.SIGTERM)
EXIT_AT_ONCE = 130  # 128 + SIGINT


@contextmanager
def stopped_by_signals(stop: Stop, quiet: bool = False) -> Iterator[None]:
    """Within the block, the first SIGINT or SIGTERM sets ``stop`` and says so on stderr; the
    second exits at once (130) without writing anything. The handlers before are restored
    after the block."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            if sys.stderr.isatty():
                sys.stderr.write("\x1b[?25h\n")  # the live display hid the cursor: show it
                sys.stderr.flush()
            os._exit(EXIT_AT_ONCE)  # the second signal: no clean-up, nothing written
        stop.set()
        if not quiet:
            click.echo(
                f"\n{signal.Signals(signum).name}: stopping; the best roster found so far will be "
                "written (press Ctrl-C again to quit at once without writing).",
                err=True,
            )

    before = {s: signal.signal(s, handle) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def run_beside(work: Callable[[], T], poll: float = 0.1) -> T:
    """Run ``work`` in a thread and wait for it in the main thread, in steps of ``poll`` seconds
    so that a signal handler can run; its exception, if any, is raised here."""
    out: list[T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            out.append(work())
        except BaseException as err:  # raised again in the caller's thread
            error.append(err)

    thread = threading.Thread(target=target, daemon=True, name="solve")
    thread.start()
    while thread.is_alive():
        thread.join(poll)
    if error:
        raise error[0]
    return out[0]
