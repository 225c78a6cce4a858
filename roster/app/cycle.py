"""The office's weekly cycle: carry the published history into a horizon, publish a roster, and
read back what was published.

:func:`read_history` turns what the history store holds before a horizon into the domain's
:class:`~roster.domain.history.History`, which the instance carries to the checker and, compiled,
to the model: both then read the same facts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from roster.app.store import AssignmentRow, HistoryRow, Published, Store, StoreError
from roster.domain.check import CheckReport, check_roster
from roster.domain.history import ClinicianPast, Delivered, History, PastSession
from roster.domain.rules import Term
from roster.domain.tables import Allocation, Instance, Session

DAYS_KNOWN = 14
"""Days before the horizon read for the sequence rules, at least (more when a limit is longer)."""


def _days_to_read(instance: Instance) -> int:
    """Enough days before the horizon for every run the sequence rules judge: a run longer than
    the longest limit or minimum is judged the same however much longer it is."""
    rules = instance.rules.rules
    limits = [DAYS_KNOWN]
    for params, own in (
        (rules.max_consecutive_days, "max_consecutive_days"),
        (rules.min_consecutive_days, "min_consecutive_days"),
        (rules.min_days_off, "min_consecutive_days_off"),
    ):
        if params is None:
            continue
        if params.default is not None:
            limits.append(params.default + 1)
        limits += [getattr(c, own) + 1 for c in instance.clinicians if getattr(c, own) is not None]
    return max(limits)


def _session_days(instance: Instance) -> int:
    """Days before the horizon whose sessions can bear on it: the day before (successions) and as
    many more as an evening's rest reaches into the horizon."""
    rest = instance.rules.rules.rest_after_evening
    return 1 + (math.ceil(rest.rest_minutes / (24 * 60)) if rest is not None else 0)


def _terms_used(instance: Instance) -> list[Term]:
    used: dict[str, Term] = {}
    for a in instance.allocations:
        term = instance.term_of(a)
        if term is not None:
            used[term.name] = term
    return list(used.values())


def fairness_window(instance: Instance) -> tuple[dt.date, dt.date] | None:
    """The dates before the horizon whose sessions fairness counts, when it looks back."""
    fairness = instance.rules.rules.fairness
    if fairness is None or not fairness.window_weeks:
        return None
    start = instance.rules.horizon.start
    return start - dt.timedelta(weeks=fairness.window_weeks), start - dt.timedelta(days=1)


def read_history(store: Store, instance: Instance) -> History:
    """What the latest published versions before the instance's horizon say, per clinician of
    the instance: the days just before it, the sessions of the last of them, the sessions
    delivered in each term an allocation adds up over, and the fairness window's counts."""
    start = instance.rules.horizon.start
    wanted = set(instance.clinician_by_id)
    days = store.worked_days_before(start, _days_to_read(instance))
    sessions: dict[str, list[PastSession]] = {}
    for row in store.sessions_before(start, _session_days(instance)):
        if row.clinician in wanted:
            sessions.setdefault(row.clinician, []).append(_past_session(row))
    delivered: dict[str, list[Delivered]] = {}
    for term in _terms_used(instance):
        if term.start >= start:
            continue
        done = store.delivered(term.start, start - dt.timedelta(days=1))
        for (clinician, activity), (n, _) in sorted(done.items()):
            if clinician in wanted:
                delivered.setdefault(clinician, []).append(
                    Delivered(term=term.name, activity=activity, sessions=n)
                )
    window = fairness_window(instance)
    counts = store.fairness_counts(*window) if window is not None else {}
    people = []
    for c in instance.clinicians:
        worked = counts.get(c.id)
        past = ClinicianPast(
            clinician=c.id,
            days=days.get(c.id, ()),
            sessions=tuple(sessions.get(c.id, ())),
            delivered=tuple(delivered.get(c.id, ())),
            evenings=worked["evening"] if worked else 0,
            weekends=worked["weekend"] if worked else 0,
            holidays=worked["holiday"] if worked else 0,
        )
        if past != ClinicianPast(clinician=c.id):
            people.append(past)
    return History(
        source=store.location.label,
        window_start=None if window is None else window[0],
        clinicians=tuple(people),
    )


def _past_session(row: AssignmentRow) -> PastSession:
    return PastSession(
        session=row.session,
        site=row.site,
        date=row.date,
        start=row.start,
        end=row.end,
        activity=row.activity,
        period=row.period,
    )


def with_history(instance: Instance, history: History | None) -> Instance:
    """The instance carrying ``history`` (None: none), validated again."""
    fields = {name: getattr(instance, name) for name in Instance.model_fields}
    return Instance.model_validate({**fields, "history": history})


def history_line(instance: Instance) -> str:
    """One line saying what the instance knows of the weeks before its horizon."""
    history = instance.history
    if history is None:
        return "no history before the horizon"
    start = instance.rules.horizon.start
    people = history.clinicians
    known = sum(1 for p in people if p.days)
    parts = [f"{known} of {len(instance.clinicians)} clinicians with days before {start}"]
    late = sum(1 for p in people if p.sessions)
    if late:
        parts.append(f"{late} with sessions just before it")
    terms = sorted({d.term for p in people for d in p.delivered})
    if terms:
        parts.append(f"delivered so far in {', '.join(terms)}")
    if history.window_start is not None:
        parts.append(f"fairness counted from {history.window_start}")
    return f"history from {history.source}: " + "; ".join(parts)


# --- publishing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """A publish refused for the roster's hard violations (by the checker, with the history)."""

    report: CheckReport


def publish_roster(
    store: Store,
    instance: Instance,
    pairs: Iterable[tuple[str, str]],
    summary: Mapping[str, Any],
    *,
    published_by: str,
    note: str = "",
    force: bool = False,
    source: str = "publish",
    changes: Iterable[Any] | None = None,
) -> Published | Refused:
    """Check the roster against the store's history before its horizon, and record it as the
    next version of its horizon unless it breaks a hard rule (``force`` records it all the same,
    with a note saying why)."""
    pairs = sorted(set(pairs))
    if force and not note.strip():
        raise StoreError("--force needs a --note saying why the roster is published as it is")
    checked = with_history(instance, read_history(store, instance))
    report = check_roster(checked, pairs)
    if report.hard_violations and not force:
        return Refused(report)
    return store.publish(
        checked,
        pairs,
        published_by=published_by,
        note=note,
        input_hash=str(summary.get("input_hash") or ""),
        summary=summary,
        forced=force,
        source=source,  # type: ignore[arg-type]
        changes=changes,
    )


def describe_row(r: AssignmentRow) -> str:
    return f"{r.session} ({r.site} {r.date:%a %Y-%m-%d} {r.start:%H:%M}-{r.end:%H:%M})"


def difference_lines(instance: Instance, published: Published) -> list[str]:
    """Per clinician, the sessions the new version took away and added."""
    lines = []
    for clinician, diff in published.differences.items():
        who = instance.clinician_by_id.get(clinician)
        name = f"{clinician} {who.name}" if who is not None else clinician
        parts = [f"- {describe_row(r)}" for r in diff.removed]
        parts += [f"+ {describe_row(r)}" for r in diff.added]
        lines.append(f"{name}: " + "; ".join(parts))
    return lines


def published_pairs(db: str, instance: Instance) -> list[tuple[str, str]]:
    """The store's latest version of the instance's horizon, as (clinician, session) pairs; its
    ids must all be the instance's."""
    h = instance.rules.horizon
    with Store.open(db) as store:
        latest = store.latest(h.start, h.end)
        label = store.location.label
    if latest is None:
        raise StoreError(
            f"the horizon {h.start} to {h.end} has no published version in {label}: publish "
            "one first (roster publish OUT_DIR), or give --published ROSTER.csv"
        )
    unknown = sorted(
        {f"clinician {c}" for c, _ in latest.pairs if c not in instance.clinician_by_id}
        | {f"session {s}" for _, s in latest.pairs if s not in instance.session_by_id}
    )
    if unknown:
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        shown = ", ".join(unknown[:5]) + more
        raise StoreError(
            f"version {latest.info.number} of {h.start} to {h.end} in {label} does not belong to "
            f"the instance: it names {shown}, which the instance does not have"
        )
    return latest.pairs


# --- history -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermAim:
    """An allocation a clinician has over a term: its target and bounds, in sessions."""

    activity: str
    target: int | None
    min: int | None
    max: int | None


def term_aims(instance: Instance) -> dict[tuple[str, str], list[TermAim]]:
    """Per (clinician, term name): the instance's term allocations in sessions."""
    out: dict[tuple[str, str], list[TermAim]] = {}
    for a in instance.allocations:
        term = instance.term_of(a)
        if term is None or a.unit != "sessions":
            continue
        out.setdefault((a.clinician, term.name), []).append(_aim(a))
    return out


def _aim(a: Allocation) -> TermAim:
    return TermAim(a.activity, a.target, a.min, a.max)


def history_table(
    rows: list[HistoryRow], aims: Mapping[tuple[str, str], list[TermAim]] | None = None
) -> tuple[list[str], list[dict[str, Any]]]:
    """The history as flat rows (for a CSV file): sessions and minutes per activity, evenings,
    weekends, holidays, and each term target beside it."""
    activities = sorted({a for r in rows for a in r.sessions})
    targets = sorted({t.activity for ts in (aims or {}).values() for t in ts})
    columns = ["clinician", "name", "period", "start", "end", "sessions", "minutes"]
    columns += [f"sessions_{a}" for a in activities] + [f"minutes_{a}" for a in activities]
    columns += ["evenings", "weekends", "holidays"]
    columns += [f"term_target_{a}" for a in targets]
    out = []
    for r in rows:
        flat: dict[str, Any] = {
            "clinician": r.clinician,
            "name": r.name,
            "period": r.period,
            "start": r.start.isoformat(),
            "end": r.end.isoformat(),
            "sessions": r.total_sessions,
            "minutes": r.total_minutes,
            "evenings": r.evenings,
            "weekends": r.weekends,
            "holidays": r.holidays,
        }
        for a in activities:
            flat[f"sessions_{a}"] = r.sessions.get(a, 0)
            flat[f"minutes_{a}"] = r.minutes.get(a, 0)
        mine = {t.activity: t for t in (aims or {}).get((r.clinician, r.period), [])}
        for a in targets:
            flat[f"term_target_{a}"] = "" if a not in mine else _blank(mine[a].target)
        out.append(flat)
    return columns, out


def _blank(v: int | None) -> Any:
    return "" if v is None else v


def term_rows(
    rows: list[HistoryRow], instance: Instance, clinician: str | None = None
) -> list[HistoryRow]:
    """The history by term with a row of zeros for each clinician of the instance who has a
    term allocation but nothing published in that term, so that every target shows."""
    have = {(r.clinician, r.period) for r in rows}
    extra = []
    for (who, name), _ in term_aims(instance).items():
        term = instance.rules.term(name)
        if term is None or (who, name) in have or clinician not in (None, who):
            continue
        person = instance.clinician_by_id[who]
        extra.append(HistoryRow(who, person.name, name, term.start, term.end, {}, {}, 0, 0, 0))
    return sorted(rows + extra, key=lambda r: (r.clinician, r.start, r.end, r.period))


# --- calendars -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarVersion:
    """What a re-exported calendar needs from the store: the version the roster is, its
    publication time, each changed event's SEQUENCE, and the earlier versions' events it
    dropped (clinician, the session as it was published)."""

    number: int
    stamp: dt.datetime
    sequences: dict[tuple[str, str], int]
    cancelled: tuple[tuple[str, Session], ...]


def calendar_version(
    store: Store, instance: Instance, pairs: Iterable[tuple[str, str]]
) -> CalendarVersion:
    """The published version of the instance's horizon that is this roster (the latest such)."""
    h = instance.rules.horizon
    wanted = set(pairs)
    versions = store.versions(h.start, h.end)
    if not versions:
        raise StoreError(
            f"the horizon {h.start} to {h.end} has no published version in "
            f"{store.location.label}: publish the roster first (roster publish OUT_DIR)"
        )
    found = None
    earlier: dict[tuple[str, str], AssignmentRow] = {}
    for info in versions:
        version = store.version(h.start, h.end, info.number)
        assert version is not None
        if set(version.pairs) == wanted:
            found = version
        if found is None or found.info.number == info.number:
            earlier.update({r.pair: r for r in version.assignments})
    if found is None:
        numbers = ", ".join(str(v.number) for v in versions)
        raise StoreError(
            f"the roster is none of the published versions of {h.start} to {h.end} "
            f"({numbers}) in {store.location.label}: publish it first (roster publish OUT_DIR)"
        )
    number = found.info.number
    cancelled = tuple(
        (r.clinician, _session(r))
        for pair, r in sorted(earlier.items())
        if pair not in wanted and r.clinician in instance.clinician_by_id
    )
    return CalendarVersion(
        number, found.info.published_at, store.sequences(h.start, h.end, number), cancelled
    )


def _session(r: AssignmentRow) -> Session:
    return Session(
        id=r.session,
        site=r.site,
        date=r.date,
        start=r.start,
        end=r.end,
        activity=r.activity,
        specialty=r.specialty,
    )
