"""Every rule's parameters as the model reads them: plain frozen records, one per rule kind.

They mirror the rules file's schema (``roster.domain.rules``) field for field, with no defaults:
the schema is the one place that sets defaults, and the application layer copies each validated
rule into its record here. Every record has ``hard`` and ``weight``: a rule that is always hard has
weight 0, a rule that is always soft has ``hard`` False.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class RuleParams:
    hard: bool  # never broken; else broken at a cost of ``weight`` per unit
    weight: int  # penalty per unit of violation when soft


@dataclass(frozen=True)
class EligibilityParams(RuleParams):
    teaching_needs_teacher: bool  # teaching sessions need a clinician with teacher=true
    warn_days: int  # credentials lapsing this many days after the horizon are warned of


@dataclass(frozen=True)
class AvailabilityParams(RuleParams):
    pass


@dataclass(frozen=True)
class NoOverlapParams(RuleParams):
    travel: bool  # add the travel minutes between different sites
    min_gap_minutes: int  # minimum minutes between two sessions at the same site


@dataclass(frozen=True)
class CoverMinParams(RuleParams):
    pass


@dataclass(frozen=True)
class CoverMaxParams(RuleParams):
    pass


@dataclass(frozen=True)
class MaxPerDayParams(RuleParams):
    default: int | None  # the limit of clinicians who give none


@dataclass(frozen=True)
class MaxPerWeekParams(RuleParams):
    default: int | None


@dataclass(frozen=True)
class RestAfterEveningParams(RuleParams):
    rest_minutes: int


@dataclass(frozen=True)
class AllocationBoundsParams(RuleParams):
    prorate: bool  # the minimums come scaled (AllocationData.mins)


@dataclass(frozen=True)
class TeachingRatioParams(RuleParams):
    pass


@dataclass(frozen=True)
class MaxWeekendsParams(RuleParams):
    default: int | None


@dataclass(frozen=True)
class SessionKind:
    """Which sessions a succession names; None matches any."""

    activity: str | None
    period: Literal["am", "pm", "evening"] | None


@dataclass(frozen=True)
class Succession:
    first: SessionKind
    then: SessionKind


@dataclass(frozen=True)
class ForbiddenSuccessionsParams(RuleParams):
    pairs: tuple[Succession, ...]


@dataclass(frozen=True)
class MaxConsecutiveDaysParams(RuleParams):
    default: int | None
    outside: Literal["off", "history"]


@dataclass(frozen=True)
class MinConsecutiveDaysParams(RuleParams):
    default: int | None
    outside: Literal["worked", "off", "history"]


@dataclass(frozen=True)
class MinDaysOffParams(RuleParams):
    default: int | None
    outside: Literal["worked", "off", "history"]


@dataclass(frozen=True)
class TotalMinutesParams(RuleParams):
    default_min: int | None
    default_max: int | None


@dataclass(frozen=True)
class CoverPreferredParams(RuleParams):
    pass


@dataclass(frozen=True)
class AllocationTargetParams(RuleParams):
    prorate: bool  # the targets come scaled (AllocationData.targets)


@dataclass(frozen=True)
class RequestsParams(RuleParams):
    pass


@dataclass(frozen=True)
class FairnessParams(RuleParams):
    kinds: tuple[Literal["evening", "weekend"], ...]


@dataclass(frozen=True)
class SiteChangesParams(RuleParams):
    pass


@dataclass(frozen=True)
class ContinuityParams(RuleParams):
    pass


@dataclass(frozen=True)
class CoverOverPreferredParams(RuleParams):
    pass


@dataclass(frozen=True)
class Rules:
    """The rules in force by kind (None: off), in the order their builders run."""

    eligibility: EligibilityParams
    availability: AvailabilityParams
    no_overlap: NoOverlapParams
    cover_min: CoverMinParams | None = None
    cover_max: CoverMaxParams | None = None
    max_per_day: MaxPerDayParams | None = None
    max_per_week: MaxPerWeekParams | None = None
    rest_after_evening: RestAfterEveningParams | None = None
    allocation_bounds: AllocationBoundsParams | None = None
    teaching_ratio: TeachingRatioParams | None = None
    max_weekends: MaxWeekendsParams | None = None
    forbidden_successions: ForbiddenSuccessionsParams | None = None
    total_minutes: TotalMinutesParams | None = None
    max_consecutive_days: MaxConsecutiveDaysParams | None = None
    min_consecutive_days: MinConsecutiveDaysParams | None = None
    min_days_off: MinDaysOffParams | None = None
    cover_preferred: CoverPreferredParams | None = None
    allocation_target: AllocationTargetParams | None = None
    requests: RequestsParams | None = None
    fairness: FairnessParams | None = None
    site_changes: SiteChangesParams | None = None
    continuity: ContinuityParams | None = None
    cover_over_preferred: CoverOverPreferredParams | None = None

    def active(self) -> dict[str, RuleParams]:
        """The rules in force, by kind, in the fixed order of this record."""
        out: dict[str, RuleParams] = {}
        for f in dataclasses.fields(self):
            params = getattr(self, f.name)
            if params is not None:
                out[f.name] = params
        return out

    def changed(self, **changes: RuleParams | None) -> Rules:
        """A copy with these kinds replaced (None: turned off)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


RULE_KINDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Rules))
