"""Absence scales what a clinician owes: allocation minimums and targets, prorated.

In each period of an allocation row (each week, or the horizon), the clinician's *working time*
is the time covered by the sessions open to them (eligible leaving the credentials' dates aside,
see :func:`roster.domain.credentials.open_to`), overlapping sessions counted once. The part of it
they can work is the time covered by those of the sessions that they are available for and that
their credentials' dates allow. A minimum or target in sessions becomes
``floor(value × available / working)``: rounded in the clinician's favour. Shares are not scaled
(they are already a share of the sessions worked), nor are maximums.

A row with ``period: term`` owes, in sessions, the horizon's part of what remains of the term's
bounds: ``ceil(max(0, value - delivered) × weeks / weeks left)`` for its minimum, target and
maximum, where ``delivered`` is what the clinician worked in the term before the horizon (the
instance's history); that minimum and target are then prorated like any other.

This is computed once per instance (:func:`dues_of`) and read by both the model's compiler
and the checker, so that both hold the clinician to the same numbers.
"""

from __future__ import annotations

import datetime as dt
import weakref
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
    max: int | None = None  # a term row's maximum: the horizon's part of it (else None)

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
    """The row's periods: each week's index, or None once for the horizon (or its term's days)."""
    return list(range(instance.n_weeks)) if row.period == "week" else [None]


def term_part(instance: Instance, row: Allocation) -> tuple[int | None, int | None, int | None]:
    """A term row's (min, target, max) in sessions for this horizon: what remains of each after
    what was delivered, spread evenly over the weeks left in the term. Other rows': their own min
    and target, and no max (theirs is the row's)."""
    term = instance.term_of(row)
    if term is None or row.unit != "sessions":
        return row.min, row.target, None
    _, _, weeks, left = instance.term_weeks(term)
    past = instance.past(row.clinician)
    done = 0 if past is None else past.delivered_in(term.name, row.activity)

    def part(value: int | None) -> int | None:
        return None if value is None else -(-max(0, value - done) * weeks // left)

    return part(row.min), part(row.target), part(row.max)


Dues = dict[tuple[str, str, str], tuple[Due, ...]]
# each live instance's dues, by the instance's id (the weak reference tells a reused id apart)
_DUES: dict[int, tuple[weakref.ref[Instance], Dues]] = {}


def dues_of(instance: Instance) -> Dues:
    """Each allocation row's minimum and target per period, prorated by the clinician's available
    working time; keyed (clinician, activity, period). Computed once per instance: the model and
    the checker both read them."""
    key = id(instance)
    known = _DUES.get(key)
    if known is not None and known[0]() is instance:
        return known[1]
    dues = allocation_dues(instance)
    _DUES[key] = (weakref.ref(instance, lambda _: _DUES.pop(key, None)), dues)
    return dues


def share_dues(whole: Instance, part: Instance) -> None:
    """Let ``part`` (a few of ``whole``'s sessions, for a quick check) read ``whole``'s dues:
    prorating looks at every session of the horizon."""
    dues = dues_of(whole)
    key = id(part)
    _DUES[key] = (weakref.ref(part, lambda _: _DUES.pop(key, None)), dues)


def allocation_dues(instance: Instance) -> Dues:
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
            low, aim, high = term_part(instance, row)
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
            dues.append(Due(low, aim, available, working, high))
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
