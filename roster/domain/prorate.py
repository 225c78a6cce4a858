"""Absence scales what a clinician owes: allocation minimums and targets, prorated.

In each period of an allocation row (each week, or the horizon), the clinician's *working time*
is the time covered by the sessions open to them (eligible leaving the credentials' dates aside,
see :func:`roster.domain.credentials.open_to`), overlapping sessions counted once. The part of it
they can work is the time covered by those of the sessions that they are available for and that
their credentials' dates allow. A minimum or target in sessions becomes
``floor(value × available / working)``: rounded in the clinician's favour. Shares are not scaled
(they are already a share of the sessions worked), nor are maximums.

This is computed once per instance (:attr:`Instance.dues`) and read by both the model's compiler
and the checker, so that both hold the clinician to the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from roster.domain.credentials import lapses, open_to
from roster.domain.tables import Allocation, Instance, Session, Unavailability

Span = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Due:
    """What an allocation row asks in one period, once prorated."""

    min: int | None
    target: int | None
    # minutes of working time open to the clinician in the period, and of it those they can
    # work; both 0 when nothing is prorated (no absence or dated credential, or prorate off)
    available: int
    working: int

    @property
    def share(self) -> str:
        """The available share in words, e.g. '24 of 40 hours'."""
        return f"{_hours(self.available)} of {_hours(self.working)} hours"


def _hours(minutes: int) -> str:
    return f"{minutes // 60}" if minutes % 60 == 0 else f"{minutes / 60:.1f}"


def scaled(value: int, available: int, working: int) -> int:
    """floor(value × available / working); the value itself when there is no working time."""
    return value if working == 0 else value * available // working


def covered_minutes(spans: list[Span]) -> int:
    """Minutes covered by the spans, overlaps counted once."""
    total = 0
    end: dt.datetime | None = None
    for a, b in sorted(spans):
        if end is None or a >= end:
            total += int((b - a).total_seconds() // 60)
            end = b
        elif b > end:
            total += int((b - end).total_seconds() // 60)
            end = b
    return total


def periods(instance: Instance, row: Allocation) -> list[int | None]:
    """The row's periods: each week's index, or None once for the horizon."""
    return list(range(instance.n_weeks)) if row.period == "week" else [None]


def allocation_dues(instance: Instance) -> dict[tuple[str, str, str], tuple[Due, ...]]:
    """Per allocation row, keyed (clinician, activity, period): its Due in each period."""
    rules = instance.rules.rules
    bounds, targets = rules.allocation_bounds, rules.allocation_target
    scale_min = bounds is not None and bounds.prorate
    scale_target = targets is not None and targets.prorate
    time: dict[str, dict[int | None, tuple[int, int]]] = {}
    leave: dict[str, list[Unavailability]] = defaultdict(list)
    for u in instance.unavailability:
        leave[u.clinician].append(u)
    by_kind: dict[tuple[str, str | None], list[Session]] = defaultdict(list)
    for s in instance.sessions:
        by_kind[(s.site, s.specialty)].append(s)
    out: dict[tuple[str, str, str], tuple[Due, ...]] = {}
    for row in instance.allocations:
        dues = []
        for key in periods(instance, row):
            low, aim = row.min, row.target
            available = working = 0
            away = row.clinician in leave or row.clinician in instance.credentials_of
            if (
                away
                and row.unit == "sessions"
                and ((scale_min and low is not None) or (scale_target and aim is not None))
            ):
                if row.clinician not in time:
                    time[row.clinician] = _working_time(
                        instance, row.clinician, leave.get(row.clinician, []), by_kind
                    )
                available, working = time[row.clinician].get(key, (0, 0))
                if scale_min and low is not None:
                    low = scaled(low, available, working)
                if scale_target and aim is not None:
                    aim = scaled(aim, available, working)
            dues.append(Due(low, aim, available, working))
        out[(row.clinician, row.activity, row.period)] = tuple(dues)
    return out


def _working_time(
    instance: Instance,
    clinician_id: str,
    leave: list[Unavailability],
    by_kind: dict[tuple[str, str | None], list[Session]],
) -> dict[int | None, tuple[int, int]]:
    """(available, working) minutes per week index and for the horizon (None)."""
    c = instance.clinician_by_id[clinician_id]
    open_spans: dict[int | None, list[Span]] = defaultdict(list)
    free_spans: dict[int | None, list[Span]] = defaultdict(list)
    dated = clinician_id in instance.credentials_of

    def free(s: Session) -> bool:
        away = any(u.start < s.end_at and s.start_at < u.end for u in leave)
        return not away and not (dated and lapses(instance, c, s))

    dates = instance.credentials_of.get(clinician_id, {})
    sites = set(c.privileges) | set(dates)
    held: list[str | None] = [None, *sorted(set(c.specialties) | set(dates))]
    # the sessions at a site the clinician holds, of a specialty they hold (or none)
    maybe = [s for site in sites for sp in held for s in by_kind.get((site, sp), ())]
    for s in maybe:
        if not open_to(instance, c, s):
            continue
        span = (s.start_at, s.end_at)
        ok = free(s)
        for key in (instance.week(s.date), None):
            open_spans[key].append(span)
            if ok:
                free_spans[key].append(span)
    return {
        key: (covered_minutes(free_spans.get(key, [])), covered_minutes(spans))
        for key, spans in open_spans.items()
    }
