"""Personal calendars: one iCalendar file per clinician, times in Asia/Hong_Kong.

Each assignment is one event whose UID is ``<session>-<clinician>@roster``, the same in every
export of every roster, so a calendar that imports (or subscribes to) a re-published roster moves
or drops the event instead of adding a second copy. Nothing depends on the clock: DTSTAMP is the
horizon's first day at 00:00 UTC unless a stamp is given, so the same roster exports to the same
bytes.

A later version of a published roster (``roster export ics --db``) keeps the UIDs and gives each
event the SEQUENCE the history store counts (the versions in which it changed), and an event of
an earlier version that this one dropped comes back cancelled, so that calendar programs update
or remove the events they already have.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneStandard

from roster.domain.tables import Clinician, Instance, Session, Site

TZID = "Asia/Hong_Kong"
PRODID = "-//roster//Clinical rosters for Hong Kong//EN"


def event_uid(session_id: str, clinician_id: str) -> str:
    """Stable across exports: a re-published roster updates the event instead of duplicating it."""
    return f"{session_id}-{clinician_id}@roster"


def calendar_file_name(clinician_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", clinician_id) + ".ics"


def default_stamp(instance: Instance) -> dt.datetime:
    return dt.datetime.combine(instance.rules.horizon.start, dt.time(0, 0), tzinfo=dt.UTC)


def _hong_kong() -> Timezone:
    """Hong Kong has kept UTC+8 all year since 1980: one STANDARD rule describes it."""
    tz = Timezone()
    tz.add("tzid", TZID)
    standard = TimezoneStandard()
    standard.add("dtstart", dt.datetime(1980, 1, 1))
    standard.add("tzoffsetfrom", dt.timedelta(hours=8))
    standard.add("tzoffsetto", dt.timedelta(hours=8))
    standard.add("tzname", "HKT")
    tz.add_component(standard)
    return tz


def _event(
    instance: Instance,
    clinician: Clinician,
    session: Session,
    stamp: dt.datetime,
    sequence: int | None = None,
    cancelled: bool = False,
) -> Event:
    hk = ZoneInfo(TZID)
    site = instance.site_by_id.get(session.site) or Site(
        id=session.site, name=session.site, kind="private_hospital"
    )
    what = session.activity.capitalize() + (f" ({session.specialty})" if session.specialty else "")
    event = Event()
    event.add("uid", event_uid(session.id, clinician.id))
    event.add("dtstamp", stamp)
    event.add("dtstart", session.start_at.replace(tzinfo=hk))
    event.add("dtend", session.end_at.replace(tzinfo=hk))
    event.add("summary", f"{what}, {site.id}")
    event.add("location", site.name)
    event.add(
        "description",
        "\n".join(
            [
                f"Site: {site.name} ({site.id})",
                f"Activity: {session.activity}",
                f"Specialty: {session.specialty or 'any'}",
                f"Session: {session.id}",
            ]
        ),
    )
    event.add("categories", [session.activity])
    if sequence is not None:
        event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("x-roster-session", session.id)
    event.add("x-roster-site", site.id)
    event.add("x-roster-activity", session.activity)
    if session.specialty:
        event.add("x-roster-specialty", session.specialty)
    return event


def clinician_calendar(
    instance: Instance,
    clinician_id: str,
    pairs: Iterable[tuple[str, str]],
    stamp: dt.datetime | None = None,
    sequences: Mapping[tuple[str, str], int] | None = None,
    cancelled: Iterable[Session] = (),
) -> Calendar:
    """One clinician's calendar: an event per assigned session, earliest first, then the
    ``cancelled`` sessions of earlier versions; with ``sequences`` every event has a SEQUENCE
    (0 when the pair is not listed)."""
    clinician = instance.clinician_by_id[clinician_id]
    stamp = stamp or default_stamp(instance)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("name", f"Roster: {clinician.name}")
    cal.add("x-wr-calname", f"Roster: {clinician.name}")
    cal.add("x-wr-timezone", TZID)
    cal.add_component(_hong_kong())
    sessions = sorted(
        {instance.session_by_id[s] for c, s in pairs if c == clinician_id},
        key=lambda s: (s.start_at, s.id),
    )

    def sequence(session: Session) -> int | None:
        return None if sequences is None else sequences.get((clinician_id, session.id), 0)

    for session in sessions:
        cal.add_component(_event(instance, clinician, session, stamp, sequence(session)))
    for session in sorted(cancelled, key=lambda s: (s.start_at, s.id)):
        cal.add_component(
            _event(instance, clinician, session, stamp, sequence(session), cancelled=True)
        )
    return cal


def calendar_files(
    instance: Instance,
    pairs: Iterable[tuple[str, str]],
    stamp: dt.datetime | None = None,
    sequences: Mapping[tuple[str, str], int] | None = None,
    cancelled: Iterable[tuple[str, Session]] = (),
) -> dict[str, bytes]:
    """File name -> iCalendar bytes, one file for every clinician (empty when off all week,
    so that a subscribed calendar clears); ``cancelled`` lists (clinician, session) events of
    earlier versions to cancel."""
    pairs = sorted(set(pairs))
    dropped: dict[str, list[Session]] = {}
    for clinician_id, session in cancelled:
        dropped.setdefault(clinician_id, []).append(session)
    return {
        calendar_file_name(c.id): clinician_calendar(
            instance, c.id, pairs, stamp, sequences, dropped.get(c.id, ())
        ).to_ical()
        for c in instance.clinicians
    }
