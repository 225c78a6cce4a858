"""Compare solved rosters: objective by rule, KPIs people ask about, and what changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from roster.domain.check import RosterView, check_continuity, check_fairness
from roster.domain.rules import ContinuityParams, FairnessParams
from roster.domain.solved import Solved
from roster.domain.tables import Instance

Sense = Literal["min", "max"]

FIGURES: tuple[tuple[str, str, Sense], ...] = (
    ("cover_shortfall", "cover shortfall", "min"),
    ("fairness_spread", "fairness spread", "min"),
    ("continuity_breaks", "continuity breaks", "min"),
    ("requests_met", "requests met", "max"),
    ("allocation_attained", "allocation attained %", "max"),
)
"""The key figures of a roster: (key, label, whether less or more is better)."""


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


def key_figures(instance: Instance, pairs: tuple[tuple[str, str], ...]) -> dict[str, float]:
    """One number per trade-off an analyst weighs, the same measure whatever the rules' weights.

    - cover_shortfall: headcount below the preferred, summed over need rows.
    - fairness_spread: per kind of session the fairness rule shares (evening and weekend when
      the rule is off) and per role, max - min of such sessions among the clinicians who could
      take one, summed (the fairness rule's units).
    - continuity_breaks: per series, distinct clinicians - its largest headcount, summed (the
      continuity rule's units).
    - requests_met: want requests with a matching session plus avoid requests with none.
    - allocation_attained: percent of the targeted sessions attained, each allocation row with a
      target in each of its periods counting at most its target (a share target in sessions of
      that period, rounded up).
    """
    view = RosterView(instance, pairs)
    shortfall = sum(max(0, n.pref - view.n(n.session, n.role)) for n in instance.needs)
    shared = instance.rules.rules.fairness
    kinds = (
        FairnessParams(weight=1) if shared is None else FairnessParams(weight=1, kinds=shared.kinds)
    )
    _, fairness = check_fairness(instance, view, kinds)
    _, breaks = check_continuity(instance, view, ContinuityParams(weight=1))
    met = 0
    for r in instance.requests:
        hits = sum(1 for s in view.sessions_of(r.clinician) if instance.matches(r, s))
        met += int(hits > 0) if r.kind == "want" else int(hits == 0)
    wanted = got = 0
    for a in instance.allocations:
        if a.target is None:
            continue
        mine = view.sessions_of(a.clinician)
        weeks = [None] if a.period == "horizon" else list(range(instance.n_weeks))
        dues = instance.dues[(a.clinician, a.activity, a.period)]  # prorated by absence
        for w, due in zip(weeks, dues, strict=True):
            inside = [s for s in mine if w is None or instance.week(s.date) == w]
            n = sum(1 for s in inside if s.activity == a.activity)
            target = due.target or 0 if a.unit == "sessions" else -(-a.target * len(inside) // 100)
            wanted += target
            got += min(n, target)
    return {
        "cover_shortfall": shortfall,
        "fairness_spread": fairness,
        "continuity_breaks": breaks,
        "requests_met": met,
        "allocation_attained": round(100 * got / wanted, 1) if wanted else 100.0,
    }


def pareto(points: Sequence[Mapping[str, float] | None], senses: Mapping[str, Sense]) -> list[bool]:
    """Whether each point is in the Pareto set: no other point is at least as good on every
    figure and better on one. A point of None (a run without a roster) never is."""

    def beats(a: Mapping[str, float], b: Mapping[str, float]) -> bool:
        sign = {k: 1 if sense == "min" else -1 for k, sense in senses.items()}
        no_worse = all(sign[k] * a[k] <= sign[k] * b[k] for k in senses)
        return no_worse and any(sign[k] * a[k] < sign[k] * b[k] for k in senses)

    return [
        p is not None and not any(q is not None and beats(q, p) for q in points) for p in points
    ]


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
