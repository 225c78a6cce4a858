"""Credentials with dates: which of a clinician's credentials govern a session, whether their
windows hold it, and what `roster validate` warns about.

A credential row names a site (privileges there), a specialty (registration in it) or an
appointment (:data:`~roster.domain.tables.APPOINTMENT_CREDENTIALS`). A credential the clinician
has rows for governs a session when it is an appointment, the session's site, or the session's
specialty; the session must then lie inside one of that credential's windows. A site in the
``privileges`` column, or a specialty in ``specialties``, without rows is held without dates.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from roster.domain.tables import (
    APPOINTMENT_CREDENTIALS,
    Clinician,
    Credential,
    Instance,
    Session,
)


def holds_site(instance: Instance, c: Clinician, site: str) -> bool:
    """Privileges at the site: in the privileges column, or with credential rows for it."""
    return site in c.privileges or site in instance.credentials_of.get(c.id, {})


def holds_specialty(instance: Instance, c: Clinician, specialty: str) -> bool:
    """The specialty: in the specialties column, or with credential rows for it."""
    return specialty in c.specialties or specialty in instance.credentials_of.get(c.id, {})


def open_to(instance: Instance, c: Clinician, s: Session) -> bool:
    """Eligible for the session leaving the credentials' dates aside: its role is needed, the
    specialty and the site's privileges are held, and a teaching session gets a teacher."""
    if c.role not in {n.role for n in instance.needs_by_session.get(s.id, ())}:
        return False
    if s.specialty is not None and not holds_specialty(instance, c, s.specialty):
        return False
    if not holds_site(instance, c, s.site):
        return False
    teacher_rule = instance.rules.rules.eligibility.teaching_needs_teacher
    return not (teacher_rule and s.activity == "teaching" and not c.teacher)


def governing(instance: Instance, c: Clinician, s: Session) -> dict[str, tuple[Credential, ...]]:
    """The clinician's dated credentials that govern the session, by name."""
    mine = instance.credentials_of.get(c.id)
    if not mine:
        return {}
    return {
        name: rows
        for name, rows in mine.items()
        if name in APPOINTMENT_CREDENTIALS or name == s.site or name == s.specialty
    }


def lapses(instance: Instance, c: Clinician, s: Session) -> list[str]:
    """Each governing credential none of whose windows holds the session, in words ("D01's
    privileges at HSK are valid to 2026-12-09"); empty when the dates allow the session."""
    if c.id not in instance.credentials_of:
        return []
    return [
        f"{c.id}'s {label(instance, name)} {'is' if name in APPOINTMENT_CREDENTIALS else 'are'} "
        f"{windows_text(rows)}"
        for name, rows in governing(instance, c, s).items()
        if not any(r.covers(s.start_at, s.end_at) for r in rows)
    ]


def label(instance: Instance, name: str) -> str:
    """A credential's name in words: privileges at HSK, registration in cardiology, hku
    appointment."""
    if name in instance.site_by_id:
        return f"privileges at {name}"
    if name in APPOINTMENT_CREDENTIALS:
        return name.replace("_", " ")
    return f"registration in {name}"


def _start_text(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d}" if moment.time() == dt.time() else f"{moment:%Y-%m-%d %H:%M}"


def _end_text(moment: dt.datetime) -> str:
    """An end at midnight is shown as the day it closes (a date in the table means its end)."""
    if moment.time() == dt.time():
        return f"{moment.date() - dt.timedelta(days=1):%Y-%m-%d}"
    return f"{moment:%Y-%m-%d %H:%M}"


def window_text(row: Credential) -> str:
    if row.valid_from is None and row.valid_to is None:
        return "without dates"
    if row.valid_from is None:
        assert row.valid_to is not None
        return f"to {_end_text(row.valid_to)}"
    if row.valid_to is None:
        return f"from {_start_text(row.valid_from)}"
    return f"{_start_text(row.valid_from)} to {_end_text(row.valid_to)}"


def windows_text(rows: tuple[Credential, ...]) -> str:
    return "valid " + " or ".join(window_text(r) for r in rows)


def ends(rows: tuple[Credential, ...]) -> list[dt.datetime]:
    """The moments a credential lapses: the ends of its windows once overlapping and adjoining
    windows are merged (a renewal that starts when the old window ends is no lapse)."""
    lo, hi = dt.datetime.min, dt.datetime.max
    spans = sorted((r.valid_from or lo, r.valid_to or hi) for r in rows)
    merged: list[list[dt.datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [end for _, end in merged if end != hi]


def credential_warnings(instance: Instance) -> list[str]:
    """What `roster validate` warns about, clinician by clinician: the sessions inside the
    horizon that a clinician could take but for a credential's dates, and every credential that
    lapses within ``eligibility.warn_days`` days after the horizon ends."""
    horizon = instance.rules.horizon
    after = dt.datetime.combine(horizon.end + dt.timedelta(days=1), dt.time())
    warn_days = instance.rules.rules.eligibility.warn_days
    out: list[str] = []
    for c in instance.clinicians:
        mine = instance.credentials_of.get(c.id)
        if not mine:
            continue
        who = f"{c.name} ({c.id})"
        lost: dict[str, list[str]] = defaultdict(list)
        for s in instance.sessions:
            if not governing(instance, c, s) or not open_to(instance, c, s):
                continue
            for reason in lapses(instance, c, s):
                lost[reason].append(s.id)
        for reason, sessions in lost.items():
            shown = ", ".join(sessions[:4]) + (
                f" and {len(sessions) - 4} more" if len(sessions) > 4 else ""
            )
            n = len(sessions)
            out.append(
                f"{who} loses eligibility for {n} session{'' if n == 1 else 's'} inside the "
                f"horizon: {reason} ({shown})"
            )
        for name, rows in mine.items():
            for end in ends(rows):
                days = (end - after) / dt.timedelta(days=1)
                if 0 < days <= warn_days:
                    out.append(
                        f"{who}: {label(instance, name)} "
                        f"{'lapses' if name in APPOINTMENT_CREDENTIALS else 'lapse'} after "
                        f"{_end_text(end)}, {_days(days)} after the horizon ends"
                    )
    return out


def _days(days: float) -> str:
    whole = int(days) if days == int(days) else round(days, 1)
    return f"{whole} day{'' if whole == 1 else 's'}"
