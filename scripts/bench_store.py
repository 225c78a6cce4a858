"""Measure the history store: loading what comes before a week, and publishing a roster.

Publishes 52 weekly rosters of a generated 300-clinician office (each week's generated instance
and the roster the generator builds with it, which keeps every hard rule; no solve), then times
the reads a solve of week 53 makes: the worked days and sessions just before it, the sessions
delivered in the term so far and the fairness counts over a window of weeks. It also times
`history` over the year and the publish of a 300-clinician two-week roster (a first version,
and a second that differs from it). Then, as the commands do it: the history a solve of week 53
carries (`roster.app.cycle.read_history` on an instance with term allocations, a fairness window
and the sequence rules: the store opened, read and the instance validated again with it), and
`roster publish` of a two-week roster, in the process and as a command of its own.

    python scripts/bench_store.py                          # SQLite, and PostgreSQL when found
    python scripts/bench_store.py --postgresql URL         # a PostgreSQL server of your own
    python scripts/bench_store.py --weeks 52 --clinicians 300 --repeat 5

Without --postgresql, a throwaway PostgreSQL server is started (initdb and pg_ctl, as the tests
do) when the PostgreSQL programs are installed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIRST_MONDAY = dt.date(2025, 12, 1)


def week_instance(clinicians: int, weeks: int, seed: int, start: dt.date) -> tuple[Any, list[Any]]:
    from roster.domain.io import parse_rules
    from roster.domain.sources.generated import generate_rules, generate_with_witness
    from roster.domain.tables import Instance

    tables, witness = generate_with_witness(clinicians, weeks, seed, start)
    issues: list[Any] = []
    rules = parse_rules(generate_rules(weeks, start), "rules.yaml", issues)
    assert rules is not None, issues
    return Instance.model_validate({**tables, "rules": rules}), witness


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median wall time of `repeat` calls, in seconds, and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def measure(db: str, label: str, clinicians: int, weeks: int, repeat: int) -> None:
    from roster.app.store import Store

    print(f"\n== {label}: {db}")
    with Store.open(db, create=True) as store:
        store.upgrade()
        t0 = time.perf_counter()
        publish_times = []
        rows = 0
        for w in range(weeks):
            instance, roster = week_instance(
                clinicians, 1, w + 1, FIRST_MONDAY + dt.timedelta(7 * w)
            )
            t1 = time.perf_counter()
            store.publish(
                instance, roster, published_by="bench", input_hash=f"week {w}", summary={}
            )
            publish_times.append(time.perf_counter() - t1)
            rows += len(roster)
        print(
            f"published {weeks} weeks of {clinicians} clinicians ({rows} assignments) in "
            f"{time.perf_counter() - t0:.1f} s; one week's publish: median "
            f"{statistics.median(publish_times) * 1000:.0f} ms"
        )

    start = FIRST_MONDAY + dt.timedelta(7 * weeks)
    term_start = FIRST_MONDAY
    window = start - dt.timedelta(weeks=8)
    with Store.open(db) as store:

        def load() -> tuple[Any, ...]:
            # as a solve does it: open the store (which checks its schema), then read
            with Store.open(db) as fresh:
                return (
                    fresh.worked_days_before(start, 14),
                    fresh.sessions_before(start, 7),
                    fresh.delivered(term_start, start - dt.timedelta(days=1)),
                    fresh.fairness_counts(window, start - dt.timedelta(days=1)),
                )

        parts: list[tuple[str, Callable[[], Any]]] = [
            ("worked_days_before(14 days)", lambda: store.worked_days_before(start, 14)),
            ("sessions_before(7 days)", lambda: store.sessions_before(start, 7)),
            (
                f"delivered({weeks} weeks)",
                lambda: store.delivered(term_start, start - dt.timedelta(days=1)),
            ),
            (
                "fairness_counts(8 weeks)",
                lambda: store.fairness_counts(window, start - dt.timedelta(days=1)),
            ),
        ]
        for name, call in parts:
            seconds, result = timed(call, repeat)
            print(f"  {name:32s} {seconds * 1000:8.0f} ms  ({len(result)} entries)")
        seconds, _ = timed(load, repeat)
        print(f"  {f'open + all four, for week {weeks + 1}':32s} {seconds * 1000:8.0f} ms")
        seconds, rows_ = timed(lambda: store.history(by="week"), repeat)
        print(
            f"  {'history(by=week), every week':32s} {seconds * 1000:8.0f} ms  ({len(rows_)} rows)"
        )

    two_weeks, roster = week_instance(clinicians, 2, 999, start + dt.timedelta(weeks=4))
    changed = roster[: len(roster) - 30]
    with Store.open(db) as store:
        t0 = time.perf_counter()
        first = store.publish(two_weeks, roster, published_by="bench", input_hash="2w", summary={})
        one = time.perf_counter() - t0
        t0 = time.perf_counter()
        second = store.publish(
            two_weeks, changed, published_by="bench", input_hash="2w", summary={}, source="repair"
        )
        two = time.perf_counter() - t0
    print(
        f"publish of a {clinicians}-clinician two-week roster ({len(roster)} assignments): "
        f"version {first.version} {one * 1000:.0f} ms, version {second.version} "
        f"({sum(len(d.removed) for d in second.differences.values())} removed) {two * 1000:.0f} ms"
    )


def cycle_instance(
    clinicians: int, start: dt.date, weeks: int, term_start: dt.date, sequences: bool
) -> Any:
    """A generated instance whose teaching rows add up over a term that began at ``term_start``,
    with a fairness window of 8 weeks, and with ``sequences`` the sequence rules on (which the
    generator's roster does not keep)."""
    from roster.domain.io import parse_rules
    from roster.domain.sources.generated import generate_rules, generate_with_witness
    from roster.domain.tables import Instance

    tables, witness = generate_with_witness(clinicians, weeks, 53, start)
    data = generate_rules(weeks, start)
    data["rules"]["fairness"]["window_weeks"] = 8
    if sequences:
        data["rules"]["max_consecutive_days"] = {"default": 6}
        data["rules"]["forbidden_successions"] = {
            "pairs": [{"first": {"period": "evening"}, "then": {"period": "am"}}]
        }
    end = start + dt.timedelta(weeks=weeks + 10)
    data["terms"] = [{"name": "year", "start": term_start.isoformat(), "end": end.isoformat()}]
    issues: list[Any] = []
    rules = parse_rules(data, "rules.yaml", issues)
    assert rules is not None, issues
    allocations = [
        a | {"period": "term", "min": None, "max": None} if a["activity"] == "teaching" else a
        for a in tables["allocations"]
    ]
    return Instance.model_validate({**tables, "allocations": allocations, "rules": rules}), witness


def measure_cycle(db: str, clinicians: int, weeks: int, repeat: int) -> None:
    """The history a solve of the week after the published ones carries, and `roster publish`."""
    import json
    import resource
    import subprocess

    from roster.app.cycle import publish_roster, read_history, with_history
    from roster.app.store import Store

    start = FIRST_MONDAY + dt.timedelta(7 * weeks)
    week, _ = cycle_instance(clinicians, start, 1, FIRST_MONDAY, sequences=True)

    def load() -> Any:
        with Store.open(db) as store:
            return with_history(week, read_history(store, week))

    cpu0 = time.process_time()
    seconds, carried = timed(load, repeat)
    cpu = (time.process_time() - cpu0) / repeat
    people = carried.history.clinicians
    print(
        f"  {f'history a solve of week {weeks + 1} carries':32s} {seconds * 1000:8.0f} ms  "
        f"(CPU {cpu * 1000:.0f} ms; "
        f"{len(people)} clinicians, {sum(len(p.days) for p in people)} known days, "
        f"{sum(len(p.delivered) for p in people)} term totals)"
    )
    later = start + dt.timedelta(weeks=8)
    two_weeks, roster = cycle_instance(clinicians, later, 2, FIRST_MONDAY, sequences=False)
    with Store.open(db) as store:
        t0, cpu0 = time.perf_counter(), time.process_time()
        outcome = publish_roster(store, two_weeks, roster, {}, published_by="bench")
        inside, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(
        f"  {'publish_roster, two weeks':32s} {inside * 1000:8.0f} ms  "
        f"(CPU {cpu * 1000:.0f} ms; checked with the history, {type(outcome).__name__})"
    )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        (out / "instance.json").write_text(two_weeks.model_dump_json(), encoding="utf-8")
        rows = "".join(f"{c},{s}\n" for c, s in roster)
        (out / "roster.csv").write_text("clinician,session\n" + rows, encoding="utf-8")
        (out / "summary.json").write_text(json.dumps({"input_hash": "bench"}), encoding="utf-8")
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [_command(), "publish", str(out), "--db", db, "--by", "bench"],
            capture_output=True,
            text=True,
        )
        command = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0, done.stderr
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(
        f"  {'roster publish (a new process)':32s} {command * 1000:8.0f} ms  "
        f"(CPU {cpu * 1000:.0f} ms; {done.stdout.splitlines()[0]})"
    )


def _command() -> str:
    """The `roster` command installed beside this Python."""
    beside = Path(sys.executable).parent / "roster"
    return str(beside) if beside.exists() else (shutil.which("roster") or "roster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clinicians", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--repeat", type=int, default=5, help="Timed calls per read (median).")
    parser.add_argument("--postgresql", help="A postgresql+psycopg:// URL of an empty database.")
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "history.db")
        measure(path, "SQLite", args.clinicians, args.weeks, args.repeat)
        measure_cycle(path, args.clinicians, args.weeks, args.repeat)
    if args.no_postgresql:
        return
    if args.postgresql:
        measure(args.postgresql, "PostgreSQL", args.clinicians, args.weeks, args.repeat)
        measure_cycle(args.postgresql, args.clinicians, args.weeks, args.repeat)
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import start_postgres

    server = start_postgres(durable=True)
    if server is None:
        print("\nPostgreSQL: initdb and pg_ctl not found; pass --postgresql URL to measure it")
        return
    try:
        url = server.new_database()
        measure(url, "PostgreSQL", args.clinicians, args.weeks, args.repeat)
        measure_cycle(url, args.clinicians, args.weeks, args.repeat)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
