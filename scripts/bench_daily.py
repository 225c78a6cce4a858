"""Time `swap` and `cover` on a generated instance's solved roster.

    python scripts/bench_daily.py                      # 300 clinicians over 2 weeks, seed 1
    python scripts/bench_daily.py --clinicians 100 --swaps 50 --covers 20

The instance is `roster generate --clinicians N --weeks W --seed S`; its roster is solved once
(--time-limit, 120 s by default, 2 workers), or read from --roster. Then, with the instance loaded:
- swaps: random exchanges and give-aways between two clinicians (half each), each judged by
  roster.app.daily.swap; the first one apart (it computes the instance's prorated allocations,
  once per instance);
- covers: random assignments (clinician, session), each asked `cover SESSION --without
  CLINICIAN`: those answered directly, and those that needed chains, apart.
Each is timed in wall seconds and in CPU seconds of this process (the CPU time is what a busy
machine changes least). Each is also run once as the command (`roster swap`, `roster cover`),
Python start and reading the files included.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roster.app.compile import build_problem  # noqa: E402
from roster.app.daily import DailyError, cover, swap  # noqa: E402
from roster.domain.credentials import lapses, open_to  # noqa: E402
from roster.domain.io import load_instance, read_roster, table_bytes  # noqa: E402
from roster.domain.sources.generated import write_instance  # noqa: E402
from solver.engine.params import SolveParams  # noqa: E402
from solver.engine.solve import solve  # noqa: E402


def spread(xs: list[float]) -> str:
    if not xs:
        return "-"
    return f"median {statistics.median(xs):.3f}, max {max(xs):.3f} (n={len(xs)})"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clinicians", type=int, default=300)
    ap.add_argument("--weeks", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--roster", type=Path, help="A solved roster.csv of that instance.")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--swaps", type=int, default=100)
    ap.add_argument("--covers", type=int, default=40)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="roster-daily-") as tmp:
        measure(args, Path(tmp))


def measure(args: argparse.Namespace, tmp: Path) -> None:
    folder = write_instance(tmp / "instance", args.clinicians, args.weeks, args.seed)
    t = time.perf_counter()
    inst = load_instance(folder)
    load_s = time.perf_counter() - t
    if args.roster is not None:
        roster_csv = args.roster
    else:
        result = solve(build_problem(inst), SolveParams(time_limit=args.time_limit, workers=2))
        roster_csv = tmp / "roster.csv"
        roster_csv.write_bytes(
            table_bytes(
                ({"clinician": c, "session": s} for c, s in result.assignments),
                ("clinician", "session"),
            )
        )
        print(f"solved: {result.status.value}, objective {result.objective}", flush=True)
        if not result.status.has_solution:
            sys.exit("no roster to work on: give a longer --time-limit, or --roster")
    pairs = read_roster(roster_csv, inst)
    print(
        f"instance: {len(inst.clinicians)} clinicians, {len(inst.sessions)} sessions, "
        f"{len(pairs)} assignments; load {load_s:.2f} s"
    )

    rng = random.Random(args.seed)
    mine: dict[str, list[str]] = defaultdict(list)
    for c, s in pairs:
        mine[c].append(s)
    people = sorted(mine)

    def colleague(a: str, session: str) -> str | None:
        """Someone else eligible for a's session, as a colleague asked to swap would be."""
        s = inst.session_by_id[session]
        able = [
            c.id
            for c in inst.clinicians
            if c.id != a and c.id in mine and open_to(inst, c, s) and not lapses(inst, c, s)
        ]
        return rng.choice(able) if able else None

    first: tuple[float, float] | None = None
    wall: list[float] = []
    cpu: list[float] = []
    broken = 0
    while len(wall) < args.swaps:
        a = rng.choice(people)
        sa = rng.choice(mine[a])
        b = colleague(a, sa)
        if b is None:
            continue
        sb = rng.choice(mine[b]) if rng.random() < 0.5 else None
        try:
            t, c0 = time.perf_counter(), time.process_time()
            answer = swap(inst, pairs, (a, sa), (b, sb))
            took = (time.perf_counter() - t, time.process_time() - c0)
        except DailyError:
            continue
        broken += not answer.verdict.keeps_hard_rules
        if first is None:
            first = took
        else:
            wall.append(took[0])
            cpu.append(took[1])
    assert first is not None
    print(f"swap, the first: wall {first[0]:.3f}, cpu {first[1]:.3f}")
    print(f"swap: wall {spread(wall)}; cpu {spread(cpu)}")
    print(f"swap: {broken} of {len(wall) + 1} broke a hard rule")

    times: dict[str, tuple[list[float], list[float]]] = {
        "directly": ([], []),
        "with chains": ([], []),
    }
    chain_found = none = 0
    for c, s in rng.sample(pairs, args.covers):
        t, c0 = time.perf_counter(), time.process_time()
        covered = cover(inst, pairs, s, without=c)
        took = (time.perf_counter() - t, time.process_time() - c0)
        kind = "with chains" if covered.searched_chains else "directly"
        times[kind][0].append(took[0])
        times[kind][1].append(took[1])
        chain_found += bool(covered.chains)
        none += not covered.options
    for kind, (w, u) in times.items():
        print(f"cover, answered {kind}: wall {spread(w)}; cpu {spread(u)}")
    print(f"cover: {chain_found} answered by a chain, {none} of {args.covers} with no option")

    for label, command in (
        ("roster swap", ["swap", str(folder), str(roster_csv), f"{pairs[0][0]}:{pairs[0][1]}"]),
        ("roster cover", ["cover", str(folder), str(roster_csv), pairs[0][1]]),
    ):
        if label == "roster swap":
            other = next(c for c in people if c != pairs[0][0])
            command.append(other)
        else:
            command += ["--without", pairs[0][0]]
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from roster.cli import main; main()", *command],
            capture_output=True,
            check=False,
        )
        print(f"{label} (the whole command, once): {time.perf_counter() - t:.2f}")


if __name__ == "__main__":
    main()
