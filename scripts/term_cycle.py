"""A term, week by week: the six weeks of data/samples/hksh-affiliation-term solved and published
in order into one history store, then judged as one roster.

Each week is solved with `roster solve --db` and published with `roster publish`; the same six
weeks are also solved alone (no store). Printed for both: the hard violations the checker finds
over the six weeks joined (rest, successions and runs of days across the weeks' boundaries),
each clinician's teaching against the term target at the term's end, and the spread (max minus
min among the clinicians of a role eligible for them) of evening and weekend sessions over the
six weeks.

    python scripts/term_cycle.py                       # 10 s per week, 2 workers
    python scripts/term_cycle.py --time-limit 5 --workers 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from roster.app.compile import build_problem
from roster.cli import main as roster
from roster.domain.check import check_roster
from roster.domain.io import load_instance, read_roster
from roster.domain.tables import TABLES, Instance

ROOT = Path(__file__).resolve().parent.parent
TERM = ROOT / "data" / "samples" / "hksh-affiliation-term"
KINDS = ("evening", "weekend")


@dataclass(frozen=True)
class Term:
    """The six weeks solved one way, judged as one roster."""

    pairs: tuple[tuple[str, str], ...]
    hard_violations: tuple[str, ...]
    teaching: dict[str, tuple[int, int]]  # clinician: (delivered, term target)
    spread: dict[tuple[str, str], int]  # (kind, role): max - min among those eligible
    seconds: float

    @property
    def worst_teaching_gap(self) -> int:
        return max((abs(n - target) for n, target in self.teaching.values()), default=0)


def weeks(folder: Path = TERM) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("week-"))


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(roster, args, catch_exceptions=False)
    if result.exit_code != 0:
        raise RuntimeError(f"roster {' '.join(args)} exited {result.exit_code}:\n{result.output}")
    return result.output


def solve_term(
    out: Path,
    db: str | None,
    time_limit: float,
    workers: int,
    folder: Path = TERM,
    say: Callable[[str], None] = print,
) -> tuple[list[tuple[str, str]], float]:
    """Solve the weeks in order (with --db: and publish each); the roster and the seconds."""
    if db is not None:
        _run(["db", "upgrade", "--db", db])
    pairs: list[tuple[str, str]] = []
    seconds = 0.0
    for week in weeks(folder):
        target = out / week.name
        args = ["solve", str(week), "--out", str(target), "--quiet"]
        args += ["--time-limit", f"{time_limit:g}", "--workers", str(workers)]
        if db is not None:
            args += ["--db", db]
        t0 = dt.datetime.now()
        _run(args)
        seconds += (dt.datetime.now() - t0).total_seconds()
        if db is not None:
            _run(["publish", str(target), "--db", db, "--by", "office"])
        instance = load_instance(week)
        pairs += read_roster(target / "roster.csv", instance)
        say(f"  {week.name} solved{' and published' if db else ''}")
    return pairs, seconds


def joined(folder: Path = TERM) -> Instance:
    """The weeks as one instance: their tables put together (a row repeated in two weeks, such
    as leave across a boundary, once), the first week's rules over all their dates."""
    instances = [load_instance(w) for w in weeks(folder)]
    first = instances[0]
    tables: dict[str, list[object]] = {}
    for table in TABLES:
        rows: list[object] = []
        for inst in instances if table in ("sessions", "needs", "unavailability") else [first]:
            rows += [r for r in getattr(inst, table) if r not in rows]
        tables[table] = rows
    tables["requests"] = [r for inst in instances for r in inst.requests]
    horizon = first.rules.horizon.model_copy(update={"end": instances[-1].rules.horizon.end})
    rules = first.rules.model_copy(update={"horizon": horizon})
    return Instance(**{t: tuple(rows) for t, rows in tables.items()}, rules=rules)


def judge(instance: Instance, pairs: list[tuple[str, str]], seconds: float) -> Term:
    report = check_roster(instance, pairs)
    teaching: dict[str, tuple[int, int]] = {}
    for a in instance.allocations:
        if a.period == "term" and a.activity == "teaching" and a.target is not None:
            n = sum(
                1
                for c, s in set(pairs)
                if c == a.clinician and instance.session_by_id[s].activity == "teaching"
            )
            teaching[a.clinician] = (n, a.target)
    # the clinicians eligible and available for at least one session of each kind
    problem = build_problem(instance)
    open_to: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for ci, si in problem.eligible:
        if (ci, si) in problem.unavailable:
            continue
        data = problem.sessions[si]
        for kind, flag in (("evening", data.evening), ("weekend", data.weekend)):
            if flag:
                open_to[kind].add(problem.clinicians[ci].id)
    counts = {kind: dict.fromkeys(open_to[kind], 0) for kind in KINDS}
    for clinician, session_id in set(pairs):
        session = instance.session_by_id[session_id]
        flags = {
            "evening": instance.period(session) == "evening",
            "weekend": instance.is_weekend(session.date),
        }
        for kind in KINDS:
            if flags[kind] and clinician in counts[kind]:
                counts[kind][clinician] += 1
    spread: dict[tuple[str, str], int] = {}
    for kind in KINDS:
        for role in sorted({c.role for c in instance.clinicians}):
            values = [
                n for c, n in counts[kind].items() if instance.clinician_by_id[c].role == role
            ]
            if len(values) >= 2:
                spread[(kind, role)] = max(values) - min(values)
    return Term(tuple(sorted(set(pairs))), report.hard_violations, teaching, spread, seconds)


def term_figures(
    root: Path, time_limit: float, workers: int, say: Callable[[str], None] = print
) -> tuple[Term, Term]:
    """The six weeks with the store and alone, judged as one roster each."""
    os.environ.pop("ROSTER_DB", None)
    whole = joined()
    say("With the history store:")
    pairs, seconds = solve_term(root / "store", str(root / "term.db"), time_limit, workers, say=say)
    kept = judge(whole, pairs, seconds)
    say("Each week alone:")
    pairs, seconds = solve_term(root / "alone", None, time_limit, workers, say=say)
    return kept, judge(whole, pairs, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0, help="Seconds per week.")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        kept, alone = term_figures(Path(folder), args.time_limit, args.workers)
    print(f"\nsix weeks, {args.time_limit:g} s and {args.workers} worker(s) per week")
    print(f"{'':38s} {'with the store':>16s} {'weeks alone':>12s}")
    print(f"{'solve seconds (six weeks)':38s} {kept.seconds:16.1f} {alone.seconds:12.1f}")
    print(
        f"{'hard violations over the six weeks':38s} {len(kept.hard_violations):16d} "
        f"{len(alone.hard_violations):12d}"
    )
    print(
        f"{'worst |teaching - term target|':38s} {kept.worst_teaching_gap:16d} "
        f"{alone.worst_teaching_gap:12d}"
    )
    off = sum(1 for n, t in kept.teaching.values() if abs(n - t) > 1)
    off_alone = sum(1 for n, t in alone.teaching.values() if abs(n - t) > 1)
    print(f"{'teachers more than 1 off the target':38s} {off:16d} {off_alone:12d}")
    for key in sorted(kept.spread):
        label = f"spread of {key[0]} sessions, {key[1].replace('_', ' ')}s"
        print(f"{label:38s} {kept.spread[key]:16d} {alone.spread.get(key, 0):12d}")
    for v in alone.hard_violations[:10]:
        print(f"  weeks alone break: {v}")


if __name__ == "__main__":
    main()
