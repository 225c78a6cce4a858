"""What the history store hands back: plain frozen records, free of the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

Source = Literal["publish", "repair", "swap", "cover"]
"""What made a version or a change: a publish, a repair, a swap between colleagues, a cover."""
SOURCES: tuple[Source, ...] = ("publish", "repair", "swap", "cover")

ChangeKind = Literal["removed", "added"]

Period = Literal["week", "month", "term"]
"""The periods history adds up by."""

DayPeriod = Literal["am", "pm", "evening"]


@dataclass(frozen=True)
class AssignmentRow:
    """A clinician on a session in a published version, with the session's facts and flags."""

    clinician: str
    session: str
    site: str
    date: dt.date
    start: dt.time
    end: dt.time
    minutes: int
    activity: str
    specialty: str | None
    period: DayPeriod  # by the instance's calendar when published
    weekend: bool  # Saturday, Sunday or a public holiday, as the instance's calendar said
    holiday: bool

    @property
    def pair(self) -> tuple[str, str]:
        return (self.clinician, self.session)

    @property
    def evening(self) -> bool:
        return self.period == "evening"


@dataclass(frozen=True)
class ClinicianRow:
    """A clinician of the instance a version was published from."""

    id: str
    name: str
    role: str


@dataclass(frozen=True)
class Change:
    """A difference from the previous version of a horizon: a clinician taken off a session
    (removed) or put on one (added), and what made it."""

    clinician: str
    session: str
    kind: ChangeKind
    source: Source = "publish"


@dataclass(frozen=True)
class VersionInfo:
    """A published version of a horizon, without its rows."""

    horizon_start: dt.date
    horizon_end: dt.date
    number: int
    published_at: dt.datetime  # UTC
    published_by: str
    note: str
    input_hash: str
    summary: dict[str, Any]
    forced: bool
    source: Source


@dataclass(frozen=True)
class PublishedRoster:
    """A version with its assignments, its clinicians and its changes from the version before."""

    info: VersionInfo
    assignments: tuple[AssignmentRow, ...]
    clinicians: tuple[ClinicianRow, ...]
    changes: tuple[Change, ...]

    @property
    def pairs(self) -> list[tuple[str, str]]:
        """The roster as (clinician, session) pairs, the form the checker and the solver read."""
        return [a.pair for a in self.assignments]


@dataclass(frozen=True)
class Difference:
    """One clinician's sessions removed and added by a version."""

    removed: tuple[AssignmentRow, ...] = ()
    added: tuple[AssignmentRow, ...] = ()


@dataclass(frozen=True)
class Published:
    """What a publish recorded: the new version, and per clinician how it differs from the
    previous version of the horizon (empty for version 1)."""

    info: VersionInfo
    previous: int | None
    differences: dict[str, Difference] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.info.number


class FairnessCounts(TypedDict):
    """Sessions of each kind that fairness shares out."""

    evening: int
    weekend: int
    holiday: int


@dataclass(frozen=True)
class HistoryRow:
    """A clinician's work in one period (a week, a month or a term), from the latest versions."""

    clinician: str
    name: str
    period: str  # 2026-W50, 2026-12, or the term's name
    start: dt.date
    end: dt.date
    sessions: dict[str, int]  # by activity
    minutes: dict[str, int]  # by activity
    evenings: int
    weekends: int
    holidays: int

    @property
    def total_sessions(self) -> int:
        return sum(self.sessions.values())

    @property
    def total_minutes(self) -> int:
        return sum(self.minutes.values())
