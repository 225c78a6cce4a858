"""What a horizon knows of the weeks before it, as the published rosters recorded them.

An instance may carry a :class:`History` (``roster solve --db`` reads it from the history store):
per clinician the days just before the horizon, the sessions of the last of them, what was
delivered so far in each term that overlaps the horizon, and the sessions of each kind that
fairness shares out in the window of weeks before it. The checker and the model read these same
facts; hand-typed ``worked_before`` and ``off_before`` columns override the days.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^;,\s]+$")]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PastSession(_Record):
    """A session a clinician worked before the horizon, as it was published."""

    session: str = Field(description="The session's id in its own horizon.")
    site: str = Field(description="Site id.")
    date: dt.date = Field(description="Date.")
    start: dt.time = Field(description="Start time.")
    end: dt.time = Field(description="End time.")
    activity: str = Field(description="Activity.")
    period: Literal["am", "pm", "evening"] = Field(
        description="am, pm or evening, by the calendar it was published with."
    )

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.end)


class Delivered(_Record):
    """Sessions of one activity a clinician worked in a term before the horizon."""

    term: Id = Field(description="The term's name (rules file, terms).")
    activity: Id = Field(description="Activity.")
    sessions: int = Field(ge=0, description="Sessions worked in the term before the horizon.")


class ClinicianPast(_Record):
    """One clinician's history before the horizon."""

    clinician: Id = Field(description="Clinician id.")
    days: tuple[bool, ...] = Field(
        (),
        description="The known days just before the horizon, oldest first (true: worked); the "
        "last is the day before the horizon. Empty when none is known.",
    )
    sessions: tuple[PastSession, ...] = Field(
        (), description="Sessions of the last days before the horizon, in order of start."
    )
    delivered: tuple[Delivered, ...] = Field(
        (), description="Sessions per term and activity before the horizon."
    )
    evenings: int = Field(0, ge=0, description="Evening sessions in the fairness window.")
    weekends: int = Field(
        0, ge=0, description="Sessions on weekend days (and holidays) in the fairness window."
    )
    holidays: int = Field(
        0, ge=0, description="Sessions on public holidays in the fairness window."
    )

    def delivered_in(self, term: str, activity: str | None = None) -> int:
        """Sessions delivered in the term before the horizon, of one activity or of all."""
        return sum(
            d.sessions
            for d in self.delivered
            if d.term == term and (activity is None or d.activity == activity)
        )

    def worked(self, kind: str) -> int:
        """Sessions of a fairness kind (evening, weekend, holiday) in the window."""
        return {"evening": self.evenings, "weekend": self.weekends, "holiday": self.holidays}[kind]


class History(_Record):
    """What the published rosters before the horizon say, per clinician."""

    source: str = Field("", description="Where it was read, e.g. the history store's name.")
    window_start: dt.date | None = Field(
        None, description="First day of the fairness window (when fairness has window_weeks)."
    )
    clinicians: tuple[ClinicianPast, ...] = Field((), description="Per clinician.")

    @functools.cached_property
    def by_clinician(self) -> dict[str, ClinicianPast]:
        return {c.clinician: c for c in self.clinicians}

    def of(self, clinician: str) -> ClinicianPast | None:
        return self.by_clinician.get(clinician)
