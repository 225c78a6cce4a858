"""Compare solved rosters: objective by rule, KPIs people ask about, and what changed."""

from __future__ import annotations

from collections import Counter
from typing import Any

from roster.domain.solved import Solved
from roster.domain.tables import Instance


def kpis(instance: Instance, pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Cover shortfall, allocation attainment per activity, requests met and fairness spread."""
    on: dict[str, list[str]] = {}
    mine: dict[str, list[str]] = {}
    for c, s in pairs:
        on.setdefault(s, []).append(c)
        mine.setdefault(c, []).append(s)
    below_min = below_pref = 0
    for need in instance.needs:
        n = sum(
            1 for c in on.get(need.session, []) if instance.clinician_by_id[c].role == need.role
        )
        below_min += max(0, need.min - n)
        below_pref += max(0, need.pref - n)

    attained: Counter[str] = Counter()
    targeted: Counter[str] = Counter()
    for a in instance.allocations:
        if a.target is None or a.unit != "sessions":
            continue
        # each period's target, prorated by absence
        dues = instance.dues[(a.clinician, a.activity, a.period)]
        targeted[a.activity] += sum(d.target or 0 for d in dues)
        attained[a.activity] += sum(
            1 for s in mine.get(a.clinician, []) if instance.session_by_id[s].activity == a.activity
        )

    met = 0
    for r in instance.requests:
        hits = sum(
            1 for s in mine.get(r.clinician, []) if instance.matches(r, instance.session_by_id[s])
        )
        met += int(hits > 0) if r.kind == "want" else int(hits == 0)

    spread = {}
    for kind in ("evening", "weekend"):
        counts = [
            sum(1 for s in mine.get(c.id, []) if _is_kind(instance, s, kind))
            for c in instance.clinicians
        ]
        spread[kind] = max(counts) - min(counts) if counts else 0

    return {
        "assignments": len(pairs),
        "cover_below_min": below_min,
        "cover_below_preferred": below_pref,
        **{f"allocation_{a}": f"{attained[a]}/{targeted[a]}" for a in sorted(targeted)},
        "requests_met": f"{met}/{len(instance.requests)}",
        "evening_spread": spread["evening"],
        "weekend_spread": spread["weekend"],
    }


def _is_kind(instance: Instance, session_id: str, kind: str) -> bool:
    s = instance.session_by_id[session_id]
    return instance.period(s) == "evening" if kind == "evening" else instance.is_weekend(s.date)


def comparison(runs: list[Solved]) -> dict[str, Any]:
    """Rows of metric -> value per run, and the assignments that differ between the first two."""
    rows: dict[str, list[Any]] = {
        "status": [r.summary.get("status") for r in runs],
        "objective": [r.summary.get("objective") for r in runs],
    }
    rules: list[str] = []
    for r in runs:
        rules += [k for k in r.summary.get("objective_by_rule", {}) if k not in rules]
    for k in rules:
        rows[f"rule {k}"] = [r.summary.get("objective_by_rule", {}).get(k, "") for r in runs]
    measured = [kpis(r.instance, r.pairs) for r in runs]
    for key in dict.fromkeys(k for m in measured for k in m):
        rows[key] = [m.get(key, "") for m in measured]
    diff: dict[str, list[list[str]]] = {}
    if len(runs) >= 2:
        a, b = set(runs[0].pairs), set(runs[1].pairs)
        diff = {
            "only_in_" + runs[0].name: [list(p) for p in sorted(a - b)],
            "only_in_" + runs[1].name: [list(p) for p in sorted(b - a)],
        }
    return {"runs": [r.name for r in runs], "rows": rows, "differences": diff}


def markdown(table: dict[str, Any]) -> str:
    names = table["runs"]
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key, values in table["rows"].items():
        lines.append(f"| {key} | " + " | ".join("" if v is None else str(v) for v in values) + " |")
    return "\n".join(lines) + "\n"
