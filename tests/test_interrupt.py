"""Ctrl-C and SIGTERM during `roster solve`, with real signals sent to a real process.

The instance is generated: 60 clinicians over one week, whose first roster comes within a few
seconds and whose search goes on, unproven, for much longer than the test waits. The signal is
sent once a roster has been reported on stderr.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from roster.app.compile import build_problem
from roster.cli import main
from roster.domain.check import check_roster
from roster.domain.io import load_instance, read_roster
from roster.domain.sources.curtois import read_benchmark, to_instance
from roster.domain.sources.generated import write_instance
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.result import Progress, SolveStatus
from solver.model.stop import Stop

SOLVE = "from roster.cli import main; main()"


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("interrupt") / "g60"
    write_instance(folder, 60, 1, 1)
    return folder


def _start(instance: Path, out: Path) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """`roster solve` in a process of its own, its stderr read line by line in a thread."""
    args = [str(instance), "--out", str(out), "--time-limit", "300", "--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-c", SOLVE, "solve", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def _wait_for(lines: queue.Queue[str], text: str, seconds: float) -> list[str]:
    seen: list[str] = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        try:
            line = lines.get(timeout=0.1)
        except queue.Empty:
            continue
        seen.append(line)
        if text in line:
            return seen
    raise AssertionError(f"no line with {text!r} within {seconds} s: {seen}")


def _rest(lines: queue.Queue[str]) -> list[str]:
    out = []
    while not lines.empty():
        out.append(lines.get())
    return out


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_writes_the_best_roster_so_far_and_exits_130(
    instance: Path, tmp_path: Path, signum: signal.Signals
) -> None:
    out = tmp_path / "out"
    proc, lines = _start(instance, out)
    _wait_for(lines, "objective", 120)  # a roster has been found
    sent = time.monotonic()
    proc.send_signal(signum)
    assert proc.wait(timeout=60) == 130
    stopped_in = time.monotonic() - sent
    said = "\n".join(_rest(lines))
    assert f"{signum.name}: stopping" in said
    assert "INTERRUPTED: the best roster found so far" in said
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "INTERRUPTED" and summary["interrupted"] is True
    # the roster written keeps every hard rule, and the checker scores it as the summary says
    inst = load_instance(instance)
    report = check_roster(inst, read_roster(out / "roster.csv", inst))
    assert report.hard_violations == ()
    assert report.objective == summary["objective"]
    assert stopped_in < 60  # far below the 300 s time limit
    # the other files are all there, and the commands that read the folder take it
    assert {p.name for p in out.iterdir()} >= {"roster.csv", "roster.xlsx", "instance.json"}
    assert CliRunner().invoke(main, ["report", str(out)]).exit_code == 0


def test_a_second_signal_exits_at_once_without_writing(instance: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc, lines = _start(instance, out)
    _wait_for(lines, "objective", 120)
    proc.send_signal(signal.SIGINT)
    _wait_for(lines, "SIGINT: stopping", 30)  # the first one was taken
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert "INTERRUPTED: the best roster" not in "\n".join(_rest(lines))
    assert not out.exists()
    assert not any(p.name.startswith(".out-") for p in tmp_path.iterdir())  # no staging left


CURTOIS = Path(__file__).resolve().parent.parent / "data" / "benchmarks" / "curtois"


def test_a_stop_during_column_generation_keeps_its_roster() -> None:
    # Instance1 goes through column generation first (its objective splits by clinician). The
    # stop is set as soon as column generation reports a roster: the engine returns that
    # roster, interrupted, long before its 300 s.
    bench = read_benchmark(CURTOIS / "Instance1.txt")
    inst = to_instance(bench)
    stop = Stop()
    seen: list[Progress] = []

    def on_progress(event: Progress) -> None:
        seen.append(event)
        if event.stage == "columns" and event.objective is not None:
            stop.set()

    result = solve(
        build_problem(inst), SolveParams(time_limit=300), on_progress=on_progress, stop=stop
    )
    assert result.interrupted and result.wall_seconds < 60
    # column generation reported its bound before its roster
    assert seen[0].stage == "columns" and seen[0].objective is None and seen[0].bound
    found = next(e for e in seen if e.objective is not None)
    assert found.stage == "columns"
    assert result.status is SolveStatus.FEASIBLE
    report = check_roster(inst, result.assignments)
    assert report.hard_violations == ()
    assert report.objective <= found.objective  # the master prices a roster at or above its cost


def test_a_stop_set_before_the_solve_returns_at_once_without_a_roster() -> None:
    stop = Stop()
    stop.set()
    inst = to_instance(read_benchmark(CURTOIS / "Instance2.txt"))
    result = solve(build_problem(inst), SolveParams(time_limit=300), stop=stop)
    assert result.interrupted and result.status is SolveStatus.UNKNOWN
    assert result.assignments == () and result.wall_seconds < 60


def test_an_interrupted_solve_is_written_as_such_and_printed_with_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The engine's answer is marked interrupted as a stop would leave it (the real signal is in
    # the tests above): the command writes it with status INTERRUPTED, prints the same summary
    # with --json, and exits 130.
    import dataclasses

    from worked_example import write_instance as write_week

    import roster.app.solving

    real = roster.app.solving.solve_instance

    def interrupted(*args: object, **kwargs: object) -> roster.app.solving.Outcome:
        outcome = real(*args, **kwargs)  # type: ignore[arg-type]
        result = dataclasses.replace(outcome.result, interrupted=True)
        return dataclasses.replace(outcome, result=result)

    monkeypatch.setattr(roster.app.solving, "solve_instance", interrupted)
    week = write_week(tmp_path / "week")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["solve", str(week), "--out", str(out), "--json"])
    assert result.exit_code == 130
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "INTERRUPTED" and summary["objective"] == 19
    assert json.loads(result.stdout) == summary
    assert "INTERRUPTED: the best roster found so far (objective 19)" in result.stderr
