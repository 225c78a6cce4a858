"""Time `explain` on infeasible variants and `repair` after one absence, on the samples and a
generated instance.

    python scripts/bench_workflows.py     # both samples and 300 clinicians over 2 weeks
    python scripts/bench_workflows.py --sizes 100 --time-limit 30

Infeasible variant: the clinician with the most sessions in the first roster is made unavailable
for the whole first week, and their personal weekly limit stays; the busiest session they could
cover gets its minimum raised to everyone eligible for it. Repair: that clinician falls sick on the
horizon's third day; everything before it is frozen.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roster.app.compile import build_problem  # noqa: E402
from roster.app.explain import diagnose  # noqa: E402
from roster.app.repair import RepairSettings, repair  # noqa: E402
from roster.domain.io import load_instance  # noqa: E402
from roster.domain.scenario import apply_changes  # noqa: E402
from solver.engine.params import SolveParams  # noqa: E402
from solver.engine.solve import solve  # noqa: E402

SAMPLES = ["data/samples/hksh-affiliation-week", "data/samples/dual-track-cohort"]


def measure(path: str, time_limit: float, workers: int) -> dict[str, object]:
    inst = load_instance(path)
    problem = build_problem(inst)
    params = SolveParams(time_limit=time_limit, workers=workers)
    base = solve(problem, params)
    pairs = list(base.assignments)
    busiest = Counter(c for c, _ in pairs).most_common(1)[0][0]
    third = inst.rules.horizon.start + dt.timedelta(days=2)

    # explain: every clinician eligible for the busiest clinician's first session on day 3 is away
    mine = sorted((inst.session_by_id[s].start_at, s) for c, s in pairs if c == busiest)
    role = inst.clinician_by_id[busiest].role

    def covered(s: str) -> bool:
        return any(n.role == role and n.min >= 1 for n in inst.needs_by_session.get(s, ()))

    target = next(
        (s for when, s in mine if when.date() >= third and covered(s)),
        next(s for _, s in mine if covered(s)),
    )
    session = inst.session_by_id[target]
    eligible = {
        problem.clinicians[c].id
        for c, s in problem.eligible
        if problem.sessions[s].id == target
        and problem.clinicians[c].id in inst.clinician_by_id
        and inst.clinician_by_id[problem.clinicians[c].id].role == role
    }
    away = [
        {
            "clinician": c,
            "start": session.date.isoformat(),
            "end": session.date.isoformat(),
            "reason": "away",
        }
        for c in sorted(eligible)
    ]
    # keep one of them available but give them a clash: a same-time session only they may cover
    keeper = sorted(eligible)[0]
    infeasible = apply_changes(
        inst,
        {
            "add": {
                "unavailability": [a for a in away if a["clinician"] != keeper],
                "sessions": [
                    {
                        "id": "EXTRA",
                        "site": session.site,
                        "date": session.date.isoformat(),
                        "start": f"{session.start:%H:%M}",
                        "end": f"{session.end:%H:%M}",
                        "activity": session.activity,
                        "specialty": session.specialty,
                    }
                ],
                "needs": [
                    {"session": "EXTRA", "role": inst.clinician_by_id[keeper].role, "min": 1}
                ],
            }
        },
        "variant",
    )
    t = time.perf_counter()
    d = diagnose(infeasible, time_limit)
    explain_s = time.perf_counter() - t

    sick = apply_changes(
        inst,
        {
            "add": {
                "unavailability": [
                    {
                        "clinician": busiest,
                        "start": third.isoformat(),
                        "end": third.isoformat(),
                        "reason": "sick",
                    }
                ]
            }
        },
        "sick",
    )
    t = time.perf_counter()
    fixed = repair(inst, sick, pairs, RepairSettings(dt.datetime.combine(third, dt.time())), params)
    repair_s = time.perf_counter() - t
    return {
        "instance": Path(path).name,
        "clinicians": len(inst.clinicians),
        "sessions": len(inst.sessions),
        "base_status": base.status.value,
        "explain_status": d.explanation.status,
        "minimal_set": len(d.explanation.groups),
        "explain_solves": d.explanation.solves,
        "explain_s": round(explain_s, 2),
        "repair_status": fixed.result.status.value,
        "changes": fixed.n_changes,
        "repair_s": round(repair_s, 2),
        "repair_hard_violations": None if fixed.check is None else len(fixed.check.hard_violations),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="*", default=[300])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    from roster.domain.sources.generated import write_instance

    cases = [str(ROOT / s) for s in SAMPLES]
    tmp = Path(tempfile.mkdtemp(prefix="roster-wf-"))
    for n in args.sizes:
        cases.append(str(write_instance(tmp / f"generated-{n}x2w", n, 2, 1)))
    header = None
    for case in cases:
        row = measure(case, args.time_limit, args.workers)
        if header is None:
            header = list(row)
            print("| " + " | ".join(header) + " |")
            print("|" + "---|" * len(header))
        print("| " + " | ".join(str(row[h]) for h in header) + " |", flush=True)


if __name__ == "__main__":
    main()
