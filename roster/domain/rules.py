"""The rules file: the horizon, the calendar, and every rule's parameters.

Each rule kind is one field of :class:`Rules`. The same string names the rule's builder in
``solver.model.rules`` (``add_<kind>``), its checker in ``roster.domain.check`` (``check_<kind>``)
and its label in the objective breakdown. The exact meaning of each rule is written in
``docs/rules.md``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class _Params(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Every rule says whether it is hard and what a unit of violation costs: a field where the
    # rules file may set it, fixed by the rule's class where it may not.
    hard: ClassVar[bool]
    weight: ClassVar[int]


class _SoftParams(_Params):
    hard: ClassVar[bool] = False
    weight: int = Field(  # type: ignore[misc]
        1, ge=0, description="Penalty per unit of violation, added to the objective."
    )


class _HardOrSoftParams(_Params):
    hard: bool = Field(  # type: ignore[misc]
        True, description="True: never broken. False: broken at a cost of `weight` per unit."
    )
    weight: int = Field(  # type: ignore[misc]
        1000, ge=0, description="Penalty per unit of violation when `hard` is false."
    )


# --- always-on rules (hard only) -------------------------------------------------------------


class EligibilityParams(_Params):
    """Who may take a session: role, specialty, site privileges, teacher qualification, and the
    dates of the clinician's credentials."""

    hard: Literal[True] = Field(  # type: ignore[misc]
        True, description="Always hard: an ineligible assignment is impossible."
    )
    weight: ClassVar[int] = 0
    teaching_needs_teacher: bool = Field(
        True,
        description="Sessions whose activity is 'teaching' need a clinician with teacher=true.",
    )
    warn_days: int = Field(
        30,
        ge=0,
        description="roster validate warns about credentials that lapse within this many days "
        "after the horizon ends.",
    )


class AvailabilityParams(_Params):
    """No session that overlaps one of the clinician's unavailability periods."""

    hard: Literal[True] = Field(True, description="Always hard.")  # type: ignore[misc]
    weight: ClassVar[int] = 0


class NoOverlapParams(_Params):
    """One place at a time: two sessions of one clinician may not overlap, counting travel."""

    hard: Literal[True] = Field(True, description="Always hard.")  # type: ignore[misc]
    weight: ClassVar[int] = 0
    travel: bool = Field(True, description="Add the travel minutes between different sites.")
    min_gap_minutes: int = Field(
        0, ge=0, description="Minimum minutes between two sessions at the same site."
    )


# --- rules that are hard by default and may be made soft ------------------------------------


class CoverMinParams(_HardOrSoftParams):
    """Each session gets at least its minimum headcount for each role."""


class CoverMaxParams(_HardOrSoftParams):
    """Each session gets at most its maximum headcount for each role."""


class MaxPerDayParams(_HardOrSoftParams):
    """At most N sessions a day per clinician (the clinician's own limit, else `default`)."""

    default: int | None = Field(
        None, ge=0, description="Limit for clinicians whose max_per_day is blank; blank: none."
    )


class MaxPerWeekParams(_HardOrSoftParams):
    """At most N sessions a week (Monday to Sunday) per clinician."""

    default: int | None = Field(
        None, ge=0, description="Limit for clinicians whose max_per_week is blank; blank: none."
    )


class RestAfterEveningParams(_HardOrSoftParams):
    """After an evening session, the next session starts at least `rest_minutes` after it ends."""

    rest_minutes: int = Field(660, ge=0, description="Minutes of rest after an evening session.")


class AllocationBoundsParams(_HardOrSoftParams):
    """Each allocation row's min and max (sessions, or share of the clinician's sessions)."""

    prorate: bool = Field(
        True,
        description="Scale a minimum in sessions by the share of the period's working time the "
        "clinician can work, rounded down.",
    )


class TeachingRatioParams(_HardOrSoftParams):
    """A session with students needs at least ceil(students / students_per_teacher) clinicians."""


class MaxWeekendsParams(_HardOrSoftParams):
    """At most N worked weekends; a weekend (Saturday and Sunday of one week) is worked when
    either day has a session."""

    default: int | None = Field(
        None, ge=0, description="Limit for clinicians whose max_weekends is blank; blank: none."
    )


class SessionKind(_Params):
    """Which sessions a succession names: every filter given must match (none given: any
    session)."""

    activity: str | None = Field(None, description="The session's activity, e.g. clinical.")
    period: Literal["am", "pm", "evening"] | None = Field(None, description="am, pm or evening.")


class Succession(_Params):
    """A session of kind `first` on one day may not be followed by one of kind `then` the next
    day."""

    first: SessionKind = Field(description="The earlier session's kind.")
    then: SessionKind = Field(description="The next day's session's kind.")


class ForbiddenSuccessionsParams(_HardOrSoftParams):
    """No session of kind B on day d + 1 after one of kind A on day d, for each listed pair."""

    pairs: tuple[Succession, ...] = Field((), description="The forbidden (first, then) pairs.")


class MaxConsecutiveDaysParams(_HardOrSoftParams):
    """Runs of consecutive worked days are at most N long."""

    default: int | None = Field(
        None, ge=1, description="Limit for clinicians whose max_consecutive_days is blank."
    )
    outside: Literal["off", "history"] = Field(
        "off",
        description="Days outside the horizon: off, or history (the clinician's worked_before "
        "days lengthen a run that starts the horizon; days after the horizon off).",
    )


class MinConsecutiveDaysParams(_HardOrSoftParams):
    """Runs of consecutive worked days are at least N long."""

    default: int | None = Field(
        None, ge=1, description="Minimum for clinicians whose min_consecutive_days is blank."
    )
    outside: Literal["worked", "off", "history"] = Field(
        "worked",
        description="Days outside the horizon: worked (runs touching an end are exempt), off, "
        "or history (before the horizon the clinician's worked_before or off_before, exempt "
        "when both are blank; after it as worked).",
    )


class MinDaysOffParams(_HardOrSoftParams):
    """Runs of consecutive days off are at least N long."""

    default: int | None = Field(
        None, ge=1, description="Minimum for clinicians whose min_consecutive_days_off is blank."
    )
    outside: Literal["worked", "off", "history"] = Field(
        "off",
        description="Days outside the horizon: off (runs touching an end are exempt), worked, "
        "or history (before the horizon the clinician's worked_before or off_before, exempt "
        "when both are blank; after it as off).",
    )


class TotalMinutesParams(_HardOrSoftParams):
    """Minutes worked over the horizon within the clinician's min_minutes and max_minutes."""

    default_min: int | None = Field(
        None, ge=0, description="Minimum for clinicians whose min_minutes is blank; blank: none."
    )
    default_max: int | None = Field(
        None, ge=0, description="Maximum for clinicians whose max_minutes is blank; blank: none."
    )


# --- soft rules ------------------------------------------------------------------------------


class CoverPreferredParams(_SoftParams):
    """Shortfall below the preferred headcount, per role, times the session's priority."""


class AllocationTargetParams(_SoftParams):
    """Distance from each allocation row's target, in sessions (shares rounded up)."""

    prorate: bool = Field(
        True,
        description="Scale a target in sessions by the share of the period's working time the "
        "clinician can work, rounded down.",
    )


class RequestsParams(_SoftParams):
    """Want and avoid requests; each request's own weight times this rule's weight."""


FairnessKind = Literal["evening", "weekend"]


class FairnessParams(_SoftParams):
    """Fair sharing: max minus min count of evening (weekend) sessions among a role's clinicians."""

    kinds: tuple[FairnessKind, ...] = Field(
        ("evening", "weekend"), description="Which kinds of session to share fairly."
    )


class SiteChangesParams(_SoftParams):
    """Changes of site within a day: distinct sites a clinician works at that day, minus one."""


class ContinuityParams(_SoftParams):
    """A series wants the same people: distinct clinicians in it minus its largest headcount."""


class CoverOverPreferredParams(_SoftParams):
    """Headcount above the preferred, per session and role."""


class Rules(_Params):
    """Every rule by kind. The first three are always on; any other rule is on when listed."""

    eligibility: EligibilityParams = Field(
        default_factory=EligibilityParams, description=EligibilityParams.__doc__
    )
    availability: AvailabilityParams = Field(
        default_factory=AvailabilityParams, description=AvailabilityParams.__doc__
    )
    no_overlap: NoOverlapParams = Field(
        default_factory=NoOverlapParams, description=NoOverlapParams.__doc__
    )
    cover_min: CoverMinParams | None = Field(None, description=CoverMinParams.__doc__)
    cover_max: CoverMaxParams | None = Field(None, description=CoverMaxParams.__doc__)
    max_per_day: MaxPerDayParams | None = Field(None, description=MaxPerDayParams.__doc__)
    max_per_week: MaxPerWeekParams | None = Field(None, description=MaxPerWeekParams.__doc__)
    rest_after_evening: RestAfterEveningParams | None = Field(
        None, description=RestAfterEveningParams.__doc__
    )
    allocation_bounds: AllocationBoundsParams | None = Field(
        None, description=AllocationBoundsParams.__doc__
    )
    teaching_ratio: TeachingRatioParams | None = Field(
        None, description=TeachingRatioParams.__doc__
    )
    max_weekends: MaxWeekendsParams | None = Field(None, description=MaxWeekendsParams.__doc__)
    forbidden_successions: ForbiddenSuccessionsParams | None = Field(
        None, description=ForbiddenSuccessionsParams.__doc__
    )
    total_minutes: TotalMinutesParams | None = Field(None, description=TotalMinutesParams.__doc__)
    max_consecutive_days: MaxConsecutiveDaysParams | None = Field(
        None, description=MaxConsecutiveDaysParams.__doc__
    )
    min_consecutive_days: MinConsecutiveDaysParams | None = Field(
        None, description=MinConsecutiveDaysParams.__doc__
    )
    min_days_off: MinDaysOffParams | None = Field(None, description=MinDaysOffParams.__doc__)
    cover_preferred: CoverPreferredParams | None = Field(
        None, description=CoverPreferredParams.__doc__
    )
    allocation_target: AllocationTargetParams | None = Field(
        None, description=AllocationTargetParams.__doc__
    )
    requests: RequestsParams | None = Field(None, description=RequestsParams.__doc__)
    fairness: FairnessParams | None = Field(None, description=FairnessParams.__doc__)
    site_changes: SiteChangesParams | None = Field(None, description=SiteChangesParams.__doc__)
    continuity: ContinuityParams | None = Field(None, description=ContinuityParams.__doc__)
    cover_over_preferred: CoverOverPreferredParams | None = Field(
        None, description=CoverOverPreferredParams.__doc__
    )

    def active(self) -> dict[str, _Params]:
        """The rules in force, by kind, in the fixed order of this schema."""
        out: dict[str, _Params] = {}
        for kind in type(self).model_fields:
            params = getattr(self, kind)
            if params is not None:
                out[kind] = params
        return out


RULE_KINDS: tuple[str, ...] = tuple(Rules.model_fields)


class Horizon(_Params):
    """The roster's dates: whole weeks, Monday to Sunday."""

    start: dt.date = Field(description="First date (a Monday).")
    end: dt.date = Field(description="Last date (a Sunday), inclusive.")

    @model_validator(mode="after")
    def _whole_weeks(self) -> Horizon:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.start.weekday() != 0:
            raise ValueError(
                f"start {self.start} is a {self.start:%A}; the horizon starts on a Monday"
            )
        if self.end.weekday() != 6:
            raise ValueError(f"end {self.end} is a {self.end:%A}; the horizon ends on a Sunday")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class Calendar(_Params):
    """Which days count as weekend days and which sessions count as evening sessions."""

    public_holidays: Literal["hong_kong", "none"] = Field(
        "hong_kong", description="Public holidays from the Hong Kong calendar, or none."
    )
    extra_holidays: tuple[dt.date, ...] = Field(
        (), description="Further dates treated as holidays."
    )
    evening_from: dt.time = Field(
        dt.time(17, 0),
        description="A session starting at or after this time is an evening session.",
    )
    am_until: dt.time = Field(
        dt.time(12, 0), description="A session starting before this time is an AM session."
    )

    @field_validator("evening_from", "am_until", mode="before")
    @classmethod
    def _clock_time(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 18:00 as the sexagesimal number 1080 (minutes)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return dt.time(value // 60, value % 60)
        return value

    @field_validator("evening_from", "am_until")
    @classmethod
    def _naive(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError('give a clock time such as "17:00", without a time zone')
        return value


class RuleSet(_Params):
    """The whole rules file."""

    horizon: Horizon = Field(description="First and last date of the roster.")
    calendar: Calendar = Field(
        default_factory=Calendar, description="Holidays and periods of the day."
    )
    rules: Rules = Field(default_factory=Rules, description="Rule parameters by kind.")
