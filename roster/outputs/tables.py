"""Tables people read: the roster, each clinician's allocation, each session's cover."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from roster.domain.prorate import dues_of
from roster.domain.tables import Instance

ROSTER_COLUMNS = (
    "clinician",
    "name",
    "session",
    "site",
    "date",
    "start",
    "end",
    "activity",
    "specialty",
)
CLINICIAN_COLUMNS = (
    "clinician",
    "name",
    "activity",
    "period",
    "assigned",
    "all_sessions",
    "unit",
    "target",
    "min",
    "max",
    "status",
)
COVERAGE_COLUMNS = (
    "session",
    "site",
    "date",
    "start",
    "end",
    "activity",
    "specialty",
    "role",
    "assigned",
    "min",
    "preferred",
    "max",
    "shortfall",
    "clinicians",
)


def _sorted_pairs(
    instance: Instance, assignments: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    order = {s.id: i for i, s in enumerate(instance.sessions)}
    return sorted(
        set(assignments), key=lambda p: (instance.session_by_id[p[1]].start_at, order[p[1]], p[0])
    )


def roster_rows(instance: Instance, assignments: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    rows = []
    for c, s in _sorted_pairs(instance, assignments):
        session = instance.session_by_id[s]
        rows.append(
            {
                "clinician": c,
                "name": instance.clinician_by_id[c].name,
                "session": s,
                "site": session.site,
                "date": session.date.isoformat(),
                "start": f"{session.start:%H:%M}",
                "end": f"{session.end:%H:%M}",
                "activity": session.activity,
                "specialty": session.specialty or "",
            }
        )
    return rows


def clinician_rows(
    instance: Instance, assignments: Iterable[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Per clinician, activity and period (each week, then the horizon): sessions against the
    profile."""
    mine: dict[str, list[str]] = defaultdict(list)
    for c, s in set(assignments):
        mine[c].append(s)
    profile = {(a.clinician, a.activity, a.period): a for a in instance.allocations}
    periods: list[tuple[str, int | None]] = [(f"week {w + 1}", w) for w in range(instance.n_weeks)]
    periods.append(("horizon", None))
    rows = []
    for clin in instance.clinicians:
        sessions = [instance.session_by_id[s] for s in mine.get(clin.id, [])]
        activities = sorted(
            {s.activity for s in sessions} | {a for (c, a, _) in profile if c == clin.id}
        )
        for activity in activities:
            for label, week in periods:
                inside = [s for s in sessions if week is None or instance.week(s.date) == week]
                n = sum(1 for s in inside if s.activity == activity)
                alloc = profile.get((clin.id, activity, "horizon" if week is None else "week"))
                if n == 0 and alloc is None:
                    continue
                row = {
                    "clinician": clin.id,
                    "name": clin.name,
                    "activity": activity,
                    "period": label,
                    "assigned": n,
                    "all_sessions": len(inside),
                    "unit": "",
                    "target": "",
                    "min": "",
                    "max": "",
                    "status": "",
                }
                if alloc is not None:
                    # the period's minimum and target as the rules hold them: prorated by absence
                    due = dues_of(instance)[(clin.id, activity, alloc.period)][week or 0]
                    row.update(
                        unit=alloc.unit,
                        target=_blank(due.target),
                        min=_blank(due.min),
                        max=_blank(alloc.max),
                        status=_status(n, len(inside), alloc.unit, due.min, alloc.max),
                    )
                rows.append(row)
    return rows


def _blank(v: int | None) -> Any:
    return "" if v is None else v


def _status(n: int, total: int, unit: str, low: int | None, high: int | None) -> str:
    scale, base = (100, total) if unit == "share" else (1, 1)
    if low is not None and scale * n < low * base:
        return "below min"
    if high is not None and scale * n > high * base:
        return "above max"
    return "ok"


def coverage_rows(
    instance: Instance, assignments: Iterable[tuple[str, str]]
) -> list[dict[str, Any]]:
    on: dict[str, list[str]] = defaultdict(list)
    for c, s in sorted(set(assignments)):
        on[s].append(c)
    rows = []
    for session in instance.sessions:
        for need in instance.needs_by_session.get(session.id, ()):
            people = [
                c for c in on.get(session.id, []) if instance.clinician_by_id[c].role == need.role
            ]
            rows.append(
                {
                    "session": session.id,
                    "site": session.site,
                    "date": session.date.isoformat(),
                    "start": f"{session.start:%H:%M}",
                    "end": f"{session.end:%H:%M}",
                    "activity": session.activity,
                    "specialty": session.specialty or "",
                    "role": need.role,
                    "assigned": len(people),
                    "min": need.min,
                    "preferred": need.pref,
                    "max": need.most,
                    "shortfall": max(0, need.pref - len(people)),
                    "clinicians": ";".join(people),
                }
            )
    return rows


def markdown_table(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> str:
    """A Markdown table: a header of ``columns``, then each row's values in that order."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"
