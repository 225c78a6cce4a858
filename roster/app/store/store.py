"""The history store: published rosters as versions of their horizons, and what they add up to.

Every publish is one transaction, and writes run one at a time (SQLite's write lock, a PostgreSQL
advisory lock), so two publishes of the same horizon both land, as consecutive versions. Reads
take the latest version of every published horizon; horizons never overlap, so each date belongs
to one published roster at most.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import Any, cast

from sqlalchemy import Engine, Select, and_, case, distinct, func, insert, select
from sqlalchemy.orm import Session

from roster.app.store.database import (
    WRITE_OPTION,
    Location,
    SchemaState,
    lock_for_write,
    make_engine,
    require_ready,
    resolve_url,
    schema_state,
    translated,
    upgrade_schema,
)
from roster.app.store.errors import StoreError
from roster.app.store.models import (
    AssignmentRecord,
    ChangeRecord,
    ClinicianRecord,
    HorizonRecord,
    VersionRecord,
)
from roster.app.store.records import (
    SOURCES,
    AssignmentRow,
    Change,
    ClinicianRow,
    DayPeriod,
    Difference,
    FairnessCounts,
    HistoryRow,
    Period,
    Published,
    PublishedRoster,
    Source,
    VersionInfo,
)
from roster.domain.tables import Instance

_SHOWN = 5
"""Unknown ids named in a refusal before the rest are counted."""


class Store:
    """A history store, opened with :meth:`open`; use it in a ``with`` block, or call
    :meth:`close`."""

    def __init__(self, location: Location, engine: Engine) -> None:
        self.location = location
        self._engine = engine
        self._schema_ready = False

    @classmethod
    def open(cls, db: str | None, *, create: bool = False) -> Store:
        """Open the store at ``db`` (a path or URL; ``None`` reads ``ROSTER_DB``).

        The schema must be the one this code writes, else :class:`StoreError` says what to run.
        With ``create`` (for :meth:`upgrade`) a missing SQLite file is created and the schema is
        not checked.
        """
        location = resolve_url(db)
        store = cls(location, make_engine(location, create=create))
        if not create:
            try:
                store._require_schema()
            except StoreError:
                store.close()
                raise
        return store

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # --- schema ----------------------------------------------------------------------------

    def schema(self) -> SchemaState:
        """The database's schema revision beside the one this code needs."""
        with translated(self.location), self._engine.connect() as connection:
            return schema_state(connection)

    def upgrade(self) -> tuple[str | None, str]:
        """Create or migrate the schema to the newest revision: (revision before, after)."""
        writer = self._engine.execution_options(**{WRITE_OPTION: True})
        with translated(self.location), writer.connect() as connection, connection.begin():
            lock_for_write(connection)
            before = schema_state(connection).current
            after = upgrade_schema(connection, self.location)
        self._schema_ready = True
        return before, after.head

    def _require_schema(self) -> None:
        if not self._schema_ready:
            require_ready(self.schema(), self.location)
            self._schema_ready = True

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        self._require_schema()
        with translated(self.location), Session(self._engine) as session, session.begin():
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        self._require_schema()
        writer = self._engine.execution_options(**{WRITE_OPTION: True})
        with translated(self.location), Session(writer) as session, session.begin():
            lock_for_write(session.connection())
            yield session

    # --- publishing --------------------------------------------------------------------------

    def publish(
        self,
        instance: Instance,
        pairs: Iterable[tuple[str, str]],
        *,
        published_by: str,
        note: str = "",
        input_hash: str,
        summary: Mapping[str, Any],
        forced: bool = False,
        source: Source = "publish",
        changes: Iterable[Change] | None = None,
    ) -> Published:
        """Record ``pairs`` (clinician, session) as the next version of the instance's horizon.

        ``changes`` name the origin of some differences from the previous version (a repair's,
        a swap's); each must be one of those differences, and every other difference is recorded
        with ``source``. A pair listed twice is kept once. Refused with :class:`StoreError`: a
        roster with ids the instance does not have, a horizon that overlaps a published horizon
        with other dates, a forced publish without a note.
        """
        if source not in SOURCES:
            raise StoreError(f"unknown source {source!r} (known: {', '.join(SOURCES)})")
        if not published_by.strip():
            raise StoreError("say who publishes: published_by is empty")
        if forced and not note.strip():
            raise StoreError("a forced publish needs a note saying why")
        rows = assignment_rows(instance, pairs)
        given = list(changes or ())
        for ch in given:
            if ch.kind not in ("removed", "added") or ch.source not in SOURCES:
                raise StoreError(
                    f"change {ch.kind!r} of {ch.clinician} on {ch.session} from {ch.source!r}: "
                    f"a change is removed or added, from one of {', '.join(SOURCES)}"
                )
        summary_json = _json(summary)
        start, end = instance.rules.horizon.start, instance.rules.horizon.end
        with self._writing() as session:
            horizon_id = _horizon_for(session, start, end)
            previous = session.scalars(
                select(VersionRecord)
                .where(VersionRecord.horizon_id == horizon_id)
                .order_by(VersionRecord.number.desc())
                .limit(1)
            ).first()
            before = _rows_of(session, previous.id) if previous is not None else None
            differences, recorded = _differences(before, rows, given, source)
            version = VersionRecord(
                horizon_id=horizon_id,
                number=1 if previous is None else previous.number + 1,
                published_at=dt.datetime.now(dt.UTC),
                published_by=published_by.strip(),
                note=note,
                input_hash=input_hash,
                summary=summary_json,
                forced=forced,
                source=source,
            )
            session.add(version)
            session.flush()
            session.execute(
                insert(ClinicianRecord),
                [
                    {"version_id": version.id, "clinician": c.id, "name": c.name, "role": c.role}
                    for c in instance.clinicians
                ],
            )
            if rows:
                session.execute(insert(AssignmentRecord), [_record(version.id, r) for r in rows])
            if recorded:
                session.execute(
                    insert(ChangeRecord),
                    [
                        {
                            "version_id": version.id,
                            "clinician": ch.clinician,
                            "session": ch.session,
                            "kind": ch.kind,
                            "source": ch.source,
                        }
                        for ch in recorded
                    ],
                )
            info = _info(version, start, end)
            previous_number = None if previous is None else previous.number
        return Published(info, previous_number, differences)

    # --- one horizon ---------------------------------------------------------------------------

    def versions(
        self, horizon_start: dt.date | None = None, horizon_end: dt.date | None = None
    ) -> list[VersionInfo]:
        """Every published version (of one horizon when its dates are given), oldest first."""
        query = select(VersionRecord, HorizonRecord.start_date, HorizonRecord.end_date).join(
            HorizonRecord, HorizonRecord.id == VersionRecord.horizon_id
        )
        if horizon_start is not None:
            query = query.where(HorizonRecord.start_date == horizon_start)
        if horizon_end is not None:
            query = query.where(HorizonRecord.end_date == horizon_end)
        query = query.order_by(HorizonRecord.start_date, VersionRecord.number)
        with self._reading() as session:
            return [_info(v, s, e) for v, s, e in session.execute(query)]

    def latest(self, horizon_start: dt.date, horizon_end: dt.date) -> PublishedRoster | None:
        """The horizon's latest version with its rows; None when it was never published."""
        return self.version(horizon_start, horizon_end, None)

    def version(
        self, horizon_start: dt.date, horizon_end: dt.date, number: int | None
    ) -> PublishedRoster | None:
        """Version ``number`` of the horizon (the latest when None) with its rows, or None."""
        query = (
            select(VersionRecord)
            .join(HorizonRecord, HorizonRecord.id == VersionRecord.horizon_id)
            .where(HorizonRecord.start_date == horizon_start)
            .where(HorizonRecord.end_date == horizon_end)
        )
        if number is not None:
            query = query.where(VersionRecord.number == number)
        query = query.order_by(VersionRecord.number.desc()).limit(1)
        with self._reading() as session:
            version = session.scalars(query).first()
            if version is None:
                return None
            clinicians = session.scalars(
                select(ClinicianRecord)
                .where(ClinicianRecord.version_id == version.id)
                .order_by(ClinicianRecord.clinician)
            ).all()
            changes = session.scalars(
                select(ChangeRecord)
                .where(ChangeRecord.version_id == version.id)
                .order_by(ChangeRecord.clinician, ChangeRecord.kind.desc(), ChangeRecord.session)
            ).all()
            return PublishedRoster(
                _info(version, horizon_start, horizon_end),
                _rows_of(session, version.id),
                tuple(ClinicianRow(c.clinician, c.name, c.role) for c in clinicians),
                tuple(
                    Change(ch.clinician, ch.session, cast(Any, ch.kind), cast(Any, ch.source))
                    for ch in changes
                ),
            )

    def sequences(
        self, horizon_start: dt.date, horizon_end: dt.date, number: int | None = None
    ) -> dict[tuple[str, str], int]:
        """Per (clinician, session) that ever changed in the horizon: in how many of its versions
        up to ``number`` (all when None) it changed, which is what a calendar event's SEQUENCE
        counts; a pair never changed since version 1 is absent (0)."""
        query = (
            select(
                ChangeRecord.clinician,
                ChangeRecord.session,
                func.count(distinct(ChangeRecord.version_id)),
            )
            .join(VersionRecord, VersionRecord.id == ChangeRecord.version_id)
            .join(HorizonRecord, HorizonRecord.id == VersionRecord.horizon_id)
            .where(HorizonRecord.start_date == horizon_start)
            .where(HorizonRecord.end_date == horizon_end)
            .group_by(ChangeRecord.clinician, ChangeRecord.session)
        )
        if number is not None:
            query = query.where(VersionRecord.number <= number)
        with self._reading() as session:
            return {(c, s): int(n) for c, s, n in session.execute(query)}

    # --- what comes before a horizon -----------------------------------------------------------

    def worked_days_before(self, start: dt.date, days: int) -> dict[str, tuple[bool, ...]]:
        """Per clinician, the known days among the ``days`` days before ``start``, oldest first
        (True: the clinician has a session that day).

        A day is known for a clinician when a published horizon covers it and the clinician is
        in the instance it was published from; the tuple runs back from the day before
        ``start`` and stops at the first day not known, so it may be shorter than ``days``.
        """
        first, last = start - dt.timedelta(days=days), start - dt.timedelta(days=1)
        if days <= 0:
            return {}
        with self._reading() as session:
            spans = _latest_spans(session, first, last)
            members = session.execute(
                select(ClinicianRecord.version_id, ClinicianRecord.clinician).where(
                    ClinicianRecord.version_id.in_(spans)
                )
            )
            covered: dict[str, set[dt.date]] = defaultdict(set)
            for version_id, clinician in members:
                span_start, span_end = spans[version_id]
                day = max(span_start, first)
                while day <= min(span_end, last):
                    covered[clinician].add(day)
                    day += dt.timedelta(days=1)
            worked = set(
                session.execute(
                    select(AssignmentRecord.clinician, AssignmentRecord.date)
                    .where(AssignmentRecord.version_id.in_(spans))
                    .where(AssignmentRecord.date.between(first, last))
                    .distinct()
                )
            )
        out: dict[str, tuple[bool, ...]] = {}
        for clinician in sorted(covered):
            known: list[bool] = []
            day = last
            while day >= first and day in covered[clinician]:
                known.append((clinician, day) in worked)
                day -= dt.timedelta(days=1)
            if known:
                out[clinician] = tuple(reversed(known))
        return out

    def sessions_before(self, start: dt.date, days: int) -> list[AssignmentRow]:
        """The assignments of the ``days`` days before ``start``, in order of date and time."""
        first, last = start - dt.timedelta(days=days), start - dt.timedelta(days=1)
        if days <= 0:
            return []
        with self._reading() as session:
            query = (
                select(AssignmentRecord)
                .where(AssignmentRecord.version_id.in_(_latest_ids(first, last)))
                .where(AssignmentRecord.date.between(first, last))
            )
            return sorted(
                (_row(a) for a in session.scalars(query)),
                key=_in_time,
            )

    def delivered(
        self, from_date: dt.date, to_date: dt.date
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """Per (clinician, activity) with any session from ``from_date`` to ``to_date``
        (inclusive): (sessions, minutes)."""
        query = (
            select(
                AssignmentRecord.clinician,
                AssignmentRecord.activity,
                func.count(),
                func.sum(AssignmentRecord.minutes),
            )
            .where(AssignmentRecord.version_id.in_(_latest_ids(from_date, to_date)))
            .where(AssignmentRecord.date.between(from_date, to_date))
            .group_by(AssignmentRecord.clinician, AssignmentRecord.activity)
        )
        with self._reading() as session:
            return {
                (clinician, activity): (int(n), int(minutes))
                for clinician, activity, n, minutes in session.execute(query)
            }

    def fairness_counts(self, from_date: dt.date, to_date: dt.date) -> dict[str, FairnessCounts]:
        """Per clinician of the versions that cover any date from ``from_date`` to ``to_date``
        (inclusive): the evening, weekend and public-holiday sessions in those dates."""
        ids = _latest_ids(from_date, to_date)
        query = (
            select(
                AssignmentRecord.clinician,
                _count_if(AssignmentRecord.period == "evening"),
                _count_if(AssignmentRecord.weekend),
                _count_if(AssignmentRecord.holiday),
            )
            .where(AssignmentRecord.version_id.in_(ids))
            .where(AssignmentRecord.date.between(from_date, to_date))
            .group_by(AssignmentRecord.clinician)
        )
        with self._reading() as session:
            members = session.scalars(
                select(ClinicianRecord.clinician).where(ClinicianRecord.version_id.in_(ids))
            )
            out = {c: FairnessCounts(evening=0, weekend=0, holiday=0) for c in members}
            for clinician, evening, weekend, holiday in session.execute(query):
                out[clinician] = FairnessCounts(
                    evening=int(evening), weekend=int(weekend), holiday=int(holiday)
                )
        return dict(sorted(out.items()))

    # --- history -------------------------------------------------------------------------------

    def history(
        self,
        clinician: str | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        by: Period = "week",
        terms: Mapping[str, tuple[dt.date, dt.date]] | None = None,
    ) -> list[HistoryRow]:
        """Per clinician and period (week, month, or each of ``terms``, named date ranges): the
        sessions and minutes by activity, evenings, weekends and public holidays of the latest
        versions, counting only dates from ``date_from`` to ``date_to`` when given."""
        if by not in ("week", "month", "term"):
            raise StoreError(f"unknown period {by!r}: give week, month or term")
        if by == "term" and not terms:
            raise StoreError("history by term needs the terms (named date ranges)")
        for name, (first, last) in (terms or {}).items():
            if last < first:
                raise StoreError(f"term {name} ends ({last}) before it starts ({first})")
        query = select(
            AssignmentRecord.clinician,
            AssignmentRecord.date,
            AssignmentRecord.activity,
            func.count(),
            func.sum(AssignmentRecord.minutes),
            _count_if(AssignmentRecord.period == "evening"),
            _count_if(AssignmentRecord.weekend),
            _count_if(AssignmentRecord.holiday),
        ).where(AssignmentRecord.version_id.in_(_latest_ids(date_from, date_to)))
        if clinician is not None:
            query = query.where(AssignmentRecord.clinician == clinician)
        if date_from is not None:
            query = query.where(AssignmentRecord.date >= date_from)
        if date_to is not None:
            query = query.where(AssignmentRecord.date <= date_to)
        query = query.group_by(
            AssignmentRecord.clinician, AssignmentRecord.date, AssignmentRecord.activity
        )
        names_query = (
            select(ClinicianRecord.clinician, ClinicianRecord.name)
            .join(VersionRecord, VersionRecord.id == ClinicianRecord.version_id)
            .order_by(VersionRecord.published_at, VersionRecord.id)
        )
        if clinician is not None:
            names_query = names_query.where(ClinicianRecord.clinician == clinician)
        with self._reading() as session:
            grouped = session.execute(query).all()
            names = dict(session.execute(names_query).all())
        buckets: dict[tuple[str, str], _Bucket] = {}
        for who, day, activity, n, minutes, evenings, weekends, holidays in grouped:
            for label, first, last in _periods(day, by, terms or {}):
                bucket = buckets.get((who, label))
                if bucket is None:
                    bucket = buckets[(who, label)] = _Bucket(first, last)
                bucket.sessions[activity] += int(n)
                bucket.minutes[activity] += int(minutes)
                bucket.evenings += int(evenings)
                bucket.weekends += int(weekends)
                bucket.holidays += int(holidays)
        rows = [
            HistoryRow(
                clinician=who,
                name=names.get(who, who),
                period=label,
                start=b.start,
                end=b.end,
                sessions=dict(sorted(b.sessions.items())),
                minutes=dict(sorted(b.minutes.items())),
                evenings=b.evenings,
                weekends=b.weekends,
                holidays=b.holidays,
            )
            for (who, label), b in buckets.items()
        ]
        return sorted(rows, key=lambda r: (r.clinician, r.start, r.end, r.period))


# --- helpers -----------------------------------------------------------------------------------


class _Bucket:
    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start = start
        self.end = end
        self.sessions: dict[str, int] = defaultdict(int)
        self.minutes: dict[str, int] = defaultdict(int)
        self.evenings = 0
        self.weekends = 0
        self.holidays = 0


def _periods(
    day: dt.date, by: Period, terms: Mapping[str, tuple[dt.date, dt.date]]
) -> list[tuple[str, dt.date, dt.date]]:
    """The periods a date falls in: its ISO week, its month, or every term that holds it."""
    if by == "week":
        monday = day - dt.timedelta(days=day.weekday())
        year, week, _ = day.isocalendar()
        return [(f"{year}-W{week:02d}", monday, monday + dt.timedelta(days=6))]
    if by == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return [(f"{day:%Y-%m}", day.replace(day=1), day.replace(day=last))]
    return [(name, first, last) for name, (first, last) in terms.items() if first <= day <= last]


def _count_if(flag: Any) -> Any:
    return func.sum(case((flag, 1), else_=0))


def _json(summary: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(json.dumps(dict(summary), allow_nan=False))
    except (TypeError, ValueError) as e:
        raise StoreError(f"the summary cannot be stored as JSON: {e}") from None
    return cast(dict[str, Any], data)


def assignment_rows(instance: Instance, pairs: Iterable[tuple[str, str]]) -> list[AssignmentRow]:
    """The roster's pairs as assignment rows, each pair once, with the instance's calendar flags;
    :class:`StoreError` names the ids the instance does not have."""
    unknown: list[str] = []
    chosen: set[tuple[str, str]] = set()
    for clinician, session in pairs:
        if clinician not in instance.clinician_by_id:
            unknown.append(f"clinician {clinician!r}")
        if session not in instance.session_by_id:
            unknown.append(f"session {session!r}")
        chosen.add((clinician, session))
    if unknown:
        names = list(dict.fromkeys(unknown))
        more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
        raise StoreError(
            "the roster does not belong to the instance: unknown "
            + ", ".join(names[:_SHOWN])
            + more
        )
    holidays = instance.holidays
    rows = []
    for clinician, session_id in chosen:
        s = instance.session_by_id[session_id]
        rows.append(
            AssignmentRow(
                clinician=clinician,
                session=session_id,
                site=s.site,
                date=s.date,
                start=s.start,
                end=s.end,
                minutes=int((s.end_at - s.start_at).total_seconds()) // 60,
                activity=s.activity,
                specialty=s.specialty,
                period=instance.period(s),
                weekend=instance.is_weekend(s.date),
                holiday=s.date in holidays,
            )
        )
    return sorted(rows, key=_in_time)


def _horizon_for(session: Session, start: dt.date, end: dt.date) -> int:
    """The horizon's id, added when new; a published horizon it overlaps with other dates
    refuses it."""
    overlapping = session.execute(
        select(HorizonRecord.id, HorizonRecord.start_date, HorizonRecord.end_date)
        .where(HorizonRecord.start_date <= end)
        .where(HorizonRecord.end_date >= start)
        .order_by(HorizonRecord.start_date)
    ).all()
    for horizon_id, first, last in overlapping:
        if (first, last) == (start, end):
            return int(horizon_id)
    if overlapping:
        _, first, last = overlapping[0]
        raise StoreError(
            f"the horizon {start} to {end} overlaps the published horizon {first} to {last}: "
            "publish the same dates or dates that do not overlap"
        )
    horizon = HorizonRecord(start_date=start, end_date=end)
    session.add(horizon)
    session.flush()
    return horizon.id


def _differences(
    before: Sequence[AssignmentRow] | None,
    after: Sequence[AssignmentRow],
    given: Sequence[Change],
    source: Source,
) -> tuple[dict[str, Difference], list[Change]]:
    """Per clinician the sessions removed and added since the previous version, and the changes
    to record, each with the source the caller gave it or ``source``.

    A session kept whose facts changed (its time, site, activity, or a flag) is both removed, as
    it was, and added, as it is: the clinician must be told of it as of any other change.
    """
    if before is None:
        if given:
            first = given[0]
            raise StoreError(
                f"change {first.kind} of {first.clinician} on {first.session}: the horizon has no "
                "published version to change"
            )
        return {}, []
    old = {r.pair: r for r in before}
    new = {r.pair: r for r in after}
    removed = [r for p, r in old.items() if new.get(p) != r]
    added = [r for p, r in new.items() if old.get(p) != r]
    sources: dict[tuple[str, str, str], Source] = {}
    found = {(r.clinician, r.session, "removed") for r in removed}
    found |= {(r.clinician, r.session, "added") for r in added}
    for ch in given:
        key = (ch.clinician, ch.session, ch.kind)
        if key not in found:
            raise StoreError(
                f"change {ch.kind} of {ch.clinician} on {ch.session} is not a difference from "
                "the published version"
            )
        sources[key] = ch.source
    by_clinician: dict[str, tuple[list[AssignmentRow], list[AssignmentRow]]] = defaultdict(
        lambda: ([], [])
    )
    recorded: list[Change] = []
    for kind, rows in (("removed", removed), ("added", added)):
        for r in rows:
            by_clinician[r.clinician][0 if kind == "removed" else 1].append(r)
            recorded.append(
                Change(
                    r.clinician,
                    r.session,
                    cast(Any, kind),
                    sources.get((r.clinician, r.session, kind), source),
                )
            )
    differences = {
        c: Difference(tuple(sorted(gone, key=_in_time)), tuple(sorted(came, key=_in_time)))
        for c, (gone, came) in sorted(by_clinician.items())
    }
    return differences, recorded


def _in_time(r: AssignmentRow) -> tuple[dt.date, dt.time, str, str]:
    return (r.date, r.start, r.clinician, r.session)


def _latest_ids(first: dt.date | None, last: dt.date | None) -> Select[Any]:
    """The ids of the latest version of every horizon that overlaps first..last."""
    newest = (
        select(VersionRecord.horizon_id, func.max(VersionRecord.number).label("number"))
        .group_by(VersionRecord.horizon_id)
        .subquery()
    )
    query = (
        select(VersionRecord.id)
        .join(
            newest,
            and_(
                newest.c.horizon_id == VersionRecord.horizon_id,
                newest.c.number == VersionRecord.number,
            ),
        )
        .join(HorizonRecord, HorizonRecord.id == VersionRecord.horizon_id)
    )
    if first is not None:
        query = query.where(HorizonRecord.end_date >= first)
    if last is not None:
        query = query.where(HorizonRecord.start_date <= last)
    return query


def _latest_spans(
    session: Session, first: dt.date, last: dt.date
) -> dict[int, tuple[dt.date, dt.date]]:
    """The latest version of every horizon that overlaps first..last, with its dates."""
    query = (
        select(VersionRecord.id, HorizonRecord.start_date, HorizonRecord.end_date)
        .join(HorizonRecord, HorizonRecord.id == VersionRecord.horizon_id)
        .where(VersionRecord.id.in_(_latest_ids(first, last)))
    )
    return {i: (s, e) for i, s, e in session.execute(query)}


def _rows_of(session: Session, version_id: int) -> tuple[AssignmentRow, ...]:
    records = session.scalars(
        select(AssignmentRecord).where(AssignmentRecord.version_id == version_id)
    )
    rows = (_row(a) for a in records)
    return tuple(sorted(rows, key=_in_time))


def _row(a: AssignmentRecord) -> AssignmentRow:
    return AssignmentRow(
        clinician=a.clinician,
        session=a.session,
        site=a.site,
        date=a.date,
        start=a.start_time,
        end=a.end_time,
        minutes=a.minutes,
        activity=a.activity,
        specialty=a.specialty,
        period=cast(DayPeriod, a.period),
        weekend=a.weekend,
        holiday=a.holiday,
    )


def _record(version_id: int, r: AssignmentRow) -> dict[str, Any]:
    return {
        "version_id": version_id,
        "clinician": r.clinician,
        "session": r.session,
        "site": r.site,
        "date": r.date,
        "start_time": r.start,
        "end_time": r.end,
        "minutes": r.minutes,
        "activity": r.activity,
        "specialty": r.specialty,
        "period": r.period,
        "weekend": r.weekend,
        "holiday": r.holiday,
    }


def _info(v: VersionRecord, start: dt.date, end: dt.date) -> VersionInfo:
    published_at = v.published_at
    # SQLite keeps no time zone: the store writes UTC
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=dt.UTC)
    return VersionInfo(
        horizon_start=start,
        horizon_end=end,
        number=v.number,
        published_at=published_at.astimezone(dt.UTC),
        published_by=v.published_by,
        note=v.note,
        input_hash=v.input_hash,
        summary=dict(v.summary),
        forced=v.forced,
        source=cast(Source, v.source),
    )
