"""The problem the engine solves: a frozen, index-based compilation of an instance.

Clinicians and sessions are integer indices; times are minutes from the horizon's start; eligible
(clinician, session) pairs are listed once; rule parameters are plain records. The application
layer builds it (roster.app.compile); everything in ``solver`` reads only this.
"""

from __future__ import annotations

from dataclasses import dataclass

from solver.model.params import Rules


@dataclass(frozen=True)
class SessionData:
    id: str
    site: int
    day: int  # days from the horizon's start
    week: int
    start: int  # minutes from the horizon's start
    end: int
    activity: int
    evening: bool
    weekend: bool
    priority: int
    series: int  # -1: none
    needs: tuple[tuple[int, int, int, int], ...]  # (role, min, preferred, most)
    teachers_needed: int  # ceil(students / students_per_teacher), 0 when not given
    period: str = ""  # am, pm or evening
    need_weights: tuple[tuple[int, int], ...] = ()  # per need row: (under, over) multipliers


@dataclass(frozen=True)
class ClinicianData:
    id: str
    role: int
    max_per_day: int | None
    max_per_week: int | None
    max_weekends: int | None = None
    min_minutes: int | None = None
    max_minutes: int | None = None
    max_consecutive_days: int | None = None
    min_consecutive_days: int | None = None
    min_consecutive_days_off: int | None = None
    history: tuple[bool, ...] = ()  # known days before the horizon, oldest first (Clinician)


@dataclass(frozen=True)
class AllocationData:
    clinician: int
    activity: int
    per_week: bool
    share: bool
    target: int | None
    min: int | None
    max: int | None
    # per period (each week, or the horizon once): the minimum and target to hold the clinician
    # to, when they differ from min and target (prorated by absence); empty: min and target
    mins: tuple[int | None, ...] = ()
    targets: tuple[int | None, ...] = ()

    def min_in(self, period: int) -> int | None:
        """The minimum in the row's period ``period`` (0 for a horizon row)."""
        return self.mins[period] if self.mins else self.min

    def target_in(self, period: int) -> int | None:
        return self.targets[period] if self.targets else self.target


@dataclass(frozen=True)
class RequestData:
    clinician: int
    want: bool
    weight: int
    sessions: tuple[int, ...]  # sessions that match the request's filters


@dataclass(frozen=True)
class ProblemData:
    clinicians: tuple[ClinicianData, ...]
    sessions: tuple[SessionData, ...]
    roles: tuple[str, ...]
    activities: tuple[str, ...]
    n_sites: int
    n_days: int
    n_weeks: int
    travel: tuple[tuple[int, ...], ...]  # minutes from site a to site b; 0 on the diagonal
    eligible: tuple[tuple[int, int], ...]  # (clinician, session) pairs that pass eligibility
    unavailable: frozenset[tuple[int, int]]  # eligible pairs that overlap an unavailability
    allocations: tuple[AllocationData, ...]
    requests: tuple[RequestData, ...]
    rules: Rules

    @property
    def n_clinicians(self) -> int:
        return len(self.clinicians)

    @property
    def n_sessions(self) -> int:
        return len(self.sessions)
