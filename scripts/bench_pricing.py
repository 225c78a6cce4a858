"""One round of pricing (every clinician once) by labels and by CP-SAT, on benchmark files.

    python scripts/bench_pricing.py data/benchmarks/curtois/Instance{1,2,3,4,5,6,7,8}.txt
    python scripts/bench_pricing.py FILE... --random --seed 3 --no-cpsat

The prices are the master LP's duals after its first solve over a first column per clinician
(each clinician's least cost roster at zero prices, by labels where they apply), or with
`--random` uniform on [0, 30) per session. Each pricer runs alone, one clinician after another,
on one thread. Prints, per file: the clinicians priced by labels (the others fall back to CP-SAT
in both columns), the seconds to build the pricers and to price every clinician once by each
way, how many of them each proved, how many of the labels' pricers asked CP-SAT for rosters
(when they found none without proving there is none, as in column generation), the sum of
their lower bounds (each clinician's least priced cost, proven or not: the part of the
Lagrangian bound they give), and the agreement: the clinicians where both proved the same least
priced cost (within CP-SAT's rounding of prices to a thousandth), where only the labels or only
CP-SAT proved theirs, and where they disagree (a bug: different proven costs, a roster below a
proven least, or a bound above a roster). Then the same as a Markdown table.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roster.app.compile import build_problem  # noqa: E402
from roster.domain.sources.curtois import read_benchmark, to_instance  # noqa: E402
from roster.outputs.tables import markdown_table  # noqa: E402
from solver.columns.labels import LabelPricer  # noqa: E402
from solver.columns.master import MasterLP  # noqa: E402
from solver.columns.params import ColumnParams  # noqa: E402
from solver.columns.pricer import Pricer  # noqa: E402
from solver.model.problem import ProblemData  # noqa: E402
from solver.model.slices import Slices  # noqa: E402


def first_duals(problem: ProblemData, pricers: list[Any]) -> list[Callable[[int], float]]:
    """Per clinician, the session prices at the duals of the master's first LP."""
    master = MasterLP(problem)
    for c, pricer in enumerate(pricers):
        found, _, _ = pricer.price(lambda s: 0.0, 0)
        for column, cost in found:
            master.add(c, column, cost)
    master.solve()
    return [master.price_of(c) for c in range(problem.n_clinicians)]


def measure(path: str, random_prices: bool, seed: int, cpsat: bool) -> dict[str, object]:
    problem = build_problem(to_instance(read_benchmark(path)))
    slices = Slices(problem)
    began = time.perf_counter()
    labels: list[Any] = []
    for c in range(problem.n_clinicians):
        try:
            # as column generation makes them: CP-SAT is asked when the labels find no roster
            # and cannot prove there is none
            labels.append(
                LabelPricer(
                    problem,
                    c,
                    slices.sessions[c],
                    fallback=lambda c=c: Pricer(problem, slices, c),  # type: ignore[misc]
                )
            )
        except ValueError:
            labels.append(None)
    built_labels = time.perf_counter() - began
    fallback: dict[int, Pricer] = {}
    began = time.perf_counter()
    cp = [Pricer(problem, slices, c) for c in range(problem.n_clinicians)] if cpsat else []
    built_cp = time.perf_counter() - began
    for c, pricer in enumerate(labels):
        if pricer is None:
            fallback[c] = cp[c] if cpsat else Pricer(problem, slices, c)
    mixed = [fallback.get(c, p) for c, p in enumerate(labels)]
    prices: list[Callable[[int], float]]
    if random_prices:
        rng = random.Random(seed)
        table = [rng.uniform(0, 30) for _ in range(problem.n_sessions)]
        prices = [table.__getitem__] * problem.n_clinicians
    else:
        prices = first_duals(problem, mixed)
    arrays = [np.array([f(s) for s in range(problem.n_sessions)]) for f in prices]

    def round_of(pricers: list[Any]) -> tuple[float, list[tuple[float, bool, float]]]:
        began = time.perf_counter()
        out = []
        for c, pricer in enumerate(pricers):
            asked = arrays[c] if isinstance(pricer, LabelPricer) else prices[c]
            found, low, proven = pricer.price(asked, seed)
            best = min(
                (cost - float(arrays[c][list(col)].sum()) for col, cost in found), default=math.inf
            )
            out.append((float(low), bool(proven), best))
        return time.perf_counter() - began, out

    seconds_labels, by_labels = round_of(mixed)
    row: dict[str, object] = {
        "instance": Path(path).stem,
        "staff": problem.n_clinicians,
        "days": problem.n_days,
        "labels": sum(p is not None for p in labels),
        "build labels (s)": round(built_labels, 2),
        "round labels (s)": round(seconds_labels, 2),
        "proven labels": sum(proven for _, proven, _ in by_labels),
        "asked cp-sat": sum(p is not None and p.other is not None for p in labels),
        "bound labels": round(sum(low for low, _, _ in by_labels), 1),
    }
    if cpsat:
        seconds_cp, by_cp = round_of(cp)
        same = only = cp_only = differ = 0
        for c, ((low, proven, _), (_, cp_proven, cp_best)) in enumerate(
            zip(by_labels, by_cp, strict=True)
        ):
            slack = 0.5 * len(slices.sessions[c]) / ColumnParams().scale + 1e-6
            if proven and cp_proven:
                same += abs(low - cp_best) <= slack
                differ += abs(low - cp_best) > slack
            elif proven:
                only += 1
                differ += cp_best < low - slack  # a roster below the proven least
            else:
                cp_only += cp_proven
                differ += low > cp_best + slack  # a bound above a roster
        row |= {
            "build cp-sat (s)": round(built_cp, 2),
            "round cp-sat (s)": round(seconds_cp, 2),
            "proven cp-sat": sum(proven for _, proven, _ in by_cp),
            "bound cp-sat": round(sum(low for low, _, _ in by_cp), 1),
            "same": same,
            "labels only": only,
            "cp-sat only": cp_only,
            "differ": differ,
        }
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", help="benchmark files (Curtois format)")
    parser.add_argument("--random", action="store_true", help="random prices, not the LP's")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-cpsat", dest="cpsat", action="store_false", help="time the labels alone"
    )
    args = parser.parse_args()
    rows = []
    for path in args.files:
        row = measure(path, args.random, args.seed, args.cpsat)
        print(", ".join(f"{k} {v}" for k, v in row.items()), flush=True)
        rows.append(row)
    print()
    print(markdown_table(list(rows[0]), rows), end="")


if __name__ == "__main__":
    main()
