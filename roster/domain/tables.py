"""The instance a scheduling office writes: sites, clinicians, sessions, requests and rules.

Every table row is a frozen pydantic model with string ids. Cross-table checks (unknown ids,
duplicates, dates outside the horizon, shares that cannot be met) live in
:meth:`Instance._cross_check`, which reports every problem at once as :class:`InstanceProblems`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

import holidays as holiday_calendars
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from roster.domain.history import ClinicianPast, History
from roster.domain.rules import (
    DAYS,
    HEADCOUNT,
    MINUTES,
    MINUTES_A_DAY,
    MULTIPLIER,
    PER_DAY,
    PER_WEEK,
    SESSIONS,
    STUDENTS,
    RuleSet,
    Term,
)

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^;,\s]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

SiteKind = Literal["private_hospital", "medical_centre", "public_hospital", "university"]
Institution = Literal["HKU", "CUHK", "HA", "HKSH"]
Appointment = Literal["affiliation_secondee", "dual_track", "other"]
Period = Literal["am", "pm", "evening"]


class Row(BaseModel):
    """A table row: blank cells take the field's default; list cells are separated by ';'."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_blank_cells(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                k: v
                for k, v in data.items()
                if not (v is None or (isinstance(v, str) and not v.strip()))
            }
        return data


def _split_list(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(";") if part.strip())
    return value


class Site(Row):
    id: Id = Field(description="Short site id, e.g. HSK.")
    name: Name = Field(description="Full site name.")
    kind: SiteKind = Field(
        description="private_hospital, medical_centre, public_hospital or university."
    )


class Travel(Row):
    from_site: Id = Field(description="Site id the clinician leaves.")
    to_site: Id = Field(description="Site id the clinician goes to.")
    minutes: int = Field(
        ge=0,
        le=MINUTES_A_DAY,
        description="Travel minutes; symmetric unless both directions are given.",
    )


class Clinician(Row):
    id: Id = Field(description="Short clinician id.")
    name: Name = Field(description="Name as printed on the roster.")
    role: Id = Field(description="Role, e.g. doctor or nurse_practitioner; sessions need roles.")
    grade: str = Field("", description="Grade, e.g. professor, consultant, APN (informative).")
    institution: Institution = Field(description="Home institution: HKU, CUHK, HA or HKSH.")
    appointment: Appointment = Field(description="affiliation_secondee, dual_track or other.")
    specialties: tuple[Id, ...] = Field(description="Specialties, separated by ';'.")
    privileges: tuple[Id, ...] = Field(
        description="Site ids where the clinician may work, separated by ';'."
    )
    teacher: bool = Field(
        False, description="Qualified clinical teacher (may take teaching sessions)."
    )
    max_per_day: int | None = Field(
        None, ge=0, le=PER_DAY, description="Personal limit of sessions per day."
    )
    max_per_week: int | None = Field(
        None, ge=0, le=PER_WEEK, description="Personal limit of sessions per week."
    )
    max_weekends: int | None = Field(
        None, ge=0, le=DAYS, description="Personal limit of worked weekends."
    )
    min_minutes: int | None = Field(
        None, ge=0, le=MINUTES, description="Minutes to work at least, over the horizon."
    )
    max_minutes: int | None = Field(
        None, ge=0, le=MINUTES, description="Minutes to work at most, over the horizon."
    )
    max_consecutive_days: int | None = Field(
        None, ge=1, le=DAYS, description="Longest run of worked days."
    )
    min_consecutive_days: int | None = Field(
        None, ge=1, le=DAYS, description="Shortest run of worked days."
    )
    min_consecutive_days_off: int | None = Field(
        None, ge=1, le=DAYS, description="Shortest run of days off."
    )
    worked_before: int | None = Field(
        None,
        ge=1,
        le=DAYS,
        description="Days worked in a row up to the day before the horizon (the day before "
        "them off); read by the sequence rules with outside: history, over what the published "
        "rosters say.",
    )
    off_before: int | None = Field(
        None,
        ge=1,
        le=DAYS,
        description="Days off in a row up to the day before the horizon (the day before them "
        "worked); read by the sequence rules with outside: history, over what the published "
        "rosters say.",
    )

    @model_validator(mode="after")
    def _one_history(self) -> Clinician:
        if self.worked_before is not None and self.off_before is not None:
            raise ValueError(
                "worked_before and off_before are both given: the days before the horizon "
                "end either worked or off"
            )
        return self

    @property
    def history(self) -> tuple[bool, ...]:
        """The days before the horizon that are known, oldest first (True: worked), with the
        day that ended the run: () when neither worked_before nor off_before is given."""
        if self.worked_before is not None:
            return (False,) + (True,) * self.worked_before
        if self.off_before is not None:
            return (True,) + (False,) * self.off_before
        return ()

    _lists = field_validator("specialties", "privileges", mode="before")(_split_list)


class Allocation(Row):
    clinician: Id = Field(description="Clinician id.")
    activity: Id = Field(description="Activity, e.g. clinical, teaching, research.")
    period: Literal["week", "horizon", "term"] = Field(
        description="Applies to each week, to the whole horizon, or to a term (rules file, "
        "terms) counting what was delivered in it before the horizon."
    )
    term: Id | None = Field(
        None,
        description="With period term: the term's name; blank: the one term that overlaps the "
        "horizon.",
    )
    unit: Literal["sessions", "share"] = Field(
        description="sessions: session counts; share: percent (0-100) of the clinician's "
        "sessions in the period."
    )
    target: int | None = Field(
        None, ge=0, le=SESSIONS, description="Target (soft rule allocation_target)."
    )
    min: int | None = Field(
        None, ge=0, le=SESSIONS, description="Hard lower bound (rule allocation_bounds)."
    )
    max: int | None = Field(
        None, ge=0, le=SESSIONS, description="Hard upper bound (rule allocation_bounds)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Allocation:
        values = [
            (n, v)
            for n, v in (("min", self.min), ("target", self.target), ("max", self.max))
            if v is not None
        ]
        if self.unit == "share":
            for n, v in values:
                if v > 100:
                    raise ValueError(f"{n} {v} is a share above 100 percent")
        for (n1, v1), (n2, v2) in zip(values, values[1:], strict=False):
            if v1 > v2:
                raise ValueError(f"{n1} {v1} is greater than {n2} {v2}")
        if not values:
            raise ValueError("give at least one of target, min, max")
        if self.term is not None and self.period != "term":
            raise ValueError(f"term {self.term} is given but the period is {self.period}, not term")
        return self


class Session(Row):
    id: Id = Field(description="Session id.")
    site: Id = Field(description="Site id.")
    date: dt.date = Field(description="Date (YYYY-MM-DD).")
    start: dt.time = Field(description="Start time (HH:MM).")
    end: dt.time = Field(description="End time (HH:MM), after start on the same day.")
    activity: Id = Field(description="clinical, teaching, research, or another named kind.")
    specialty: Id | None = Field(None, description="Specialty needed; blank: any specialty.")
    priority: int = Field(
        1, ge=1, le=MULTIPLIER, description="Multiplies this session's cover penalties."
    )
    series: Id | None = Field(
        None, description="Recurring clinic id; a series wants the same people."
    )
    students: int | None = Field(
        None, ge=0, le=STUDENTS, description="Students taught (teaching sessions)."
    )
    students_per_teacher: int | None = Field(
        None, ge=1, le=STUDENTS, description="Students one teacher may take."
    )

    @field_validator("start", "end")
    @classmethod
    def _local_time(cls, value: dt.time) -> dt.time:
        return _local(value)

    @model_validator(mode="after")
    def _times(self) -> Session:
        if self.end <= self.start:
            raise ValueError(f"end {self.end:%H:%M} is not after start {self.start:%H:%M}")
        return self

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.end)


class Need(Row):
    session: Id = Field(description="Session id.")
    role: Id = Field(description="Role needed.")
    min: int = Field(0, ge=0, le=HEADCOUNT, description="Minimum headcount (rule cover_min).")
    preferred: int | None = Field(
        None, ge=0, le=HEADCOUNT, description="Preferred headcount; blank: the minimum."
    )
    max: int | None = Field(
        None, ge=0, le=HEADCOUNT, description="Maximum headcount; blank: the preferred."
    )
    under_weight: int | None = Field(
        None,
        ge=0,
        le=MULTIPLIER,
        description="Multiplies cover_preferred per missing person; blank: the session's priority.",
    )
    over_weight: int | None = Field(
        None,
        ge=0,
        le=MULTIPLIER,
        description="Multiplies cover_over_preferred per extra person; blank: 1.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Need:
        if self.preferred is not None and self.min > self.preferred:
            raise ValueError(f"min {self.min} is greater than preferred {self.preferred}")
        if self.max is not None and self.pref > self.max:
            raise ValueError(
                f"{'preferred' if self.preferred is not None else 'min'} {self.pref} is greater "
                f"than max {self.max}"
            )
        return self

    @property
    def pref(self) -> int:
        return self.min if self.preferred is None else self.preferred

    @property
    def most(self) -> int:
        return self.pref if self.max is None else self.max


Clock = TypeVar("Clock", dt.time, dt.datetime)


def _local(value: Clock) -> Clock:
    """Times are Hong Kong's local times: a value with a time zone is refused, not compared."""
    if value.tzinfo is not None:
        raise ValueError("give a local time, without a time zone")
    return value


def _parse_moment(value: Any, *, end: bool) -> Any:
    """A date alone means the start of that day, or for an end the end of that day."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        day = value
    elif isinstance(value, str) and len(value.strip()) == 10:
        try:
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            return value
    else:
        return value
    return (
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        if end
        else dt.datetime.combine(day, dt.time())
    )


class Unavailability(Row):
    clinician: Id = Field(description="Clinician id.")
    start: dt.datetime = Field(description="From (a date means from 00:00 that day).")
    end: dt.datetime = Field(description="To (a date means to the end of that day).")
    reason: str = Field("", description="Leave, conference, ... (informative).")

    @field_validator("start", mode="before")
    @classmethod
    def _start(cls, v: Any) -> Any:
        return _parse_moment(v, end=False)

    @field_validator("end", mode="before")
    @classmethod
    def _end(cls, v: Any) -> Any:
        return _parse_moment(v, end=True)

    @field_validator("start", "end")
    @classmethod
    def _local_moment(cls, value: dt.datetime) -> dt.datetime:
        return _local(value)

    @model_validator(mode="after")
    def _ordered(self) -> Unavailability:
        if self.end <= self.start:
            raise ValueError(
                f"end {self.end:%Y-%m-%d %H:%M} is not after start {self.start:%Y-%m-%d %H:%M}"
            )
        return self


APPOINTMENT_CREDENTIALS: tuple[str, ...] = (
    "practising_certificate",
    "hku_appointment",
    "cuhk_appointment",
    "ha_appointment",
    "hksh_appointment",
    "dual_track_post",
)
"""Credentials that bound every session of their holder: outside their windows the clinician may
not be rostered at all."""


class Credential(Row):
    clinician: Id = Field(description="Clinician id.")
    credential: Id = Field(
        description="A site id (privileges there), a specialty (registration in it), or one of "
        + ", ".join(APPOINTMENT_CREDENTIALS)
        + " (bounds every session)."
    )
    valid_from: dt.datetime | None = Field(
        None, description="Valid from (a date means from 00:00 that day); blank: no start."
    )
    valid_to: dt.datetime | None = Field(
        None, description="Valid to (a date means to the end of that day); blank: no end."
    )
    note: str = Field("", description="Certificate number, post, ... (informative).")

    @field_validator("valid_from", mode="before")
    @classmethod
    def _from(cls, v: Any) -> Any:
        return _parse_moment(v, end=False)

    @field_validator("valid_to", mode="before")
    @classmethod
    def _to(cls, v: Any) -> Any:
        return _parse_moment(v, end=True)

    @model_validator(mode="after")
    def _ordered(self) -> Credential:
        if (
            self.valid_from is not None
            and self.valid_to is not None
            and self.valid_to <= self.valid_from
        ):
            end = self.valid_to
            # a date alone means the end of that day: show it as written
            shown = (
                f"{end.date() - dt.timedelta(days=1)}"
                if end.time() == dt.time()
                else f"{end:%Y-%m-%d %H:%M}"
            )
            raise ValueError(
                f"valid_to {shown} is not after valid_from {self.valid_from:%Y-%m-%d %H:%M}"
            )
        return self

    def covers(self, start: dt.datetime, end: dt.datetime) -> bool:
        """The window holds the whole of [start, end]."""
        return (self.valid_from is None or self.valid_from <= start) and (
            self.valid_to is None or end <= self.valid_to
        )


class Request(Row):
    clinician: Id = Field(description="Clinician id.")
    kind: Literal["want", "avoid"] = Field(
        description="want: penalty if none matches; avoid: per match."
    )
    weight: int = Field(ge=0, le=MULTIPLIER, description="Penalty weight of this request.")
    session: Id | None = Field(None, description="Match this session only.")
    date: dt.date | None = Field(None, description="Match sessions on this date.")
    period: Period | None = Field(
        None, description="Match sessions of this period: am, pm or evening."
    )
    site: Id | None = Field(None, description="Match sessions at this site.")
    activity: Id | None = Field(None, description="Match sessions of this activity.")

    @model_validator(mode="after")
    def _some_filter(self) -> Request:
        if all(v is None for v in (self.session, self.date, self.period, self.site, self.activity)):
            raise ValueError("give at least one of session, date, period, site, activity")
        return self


@dataclass(frozen=True)
class Problem:
    """One cross-table problem: the table, the row index (0-based), the column, the value."""

    table: str
    index: int | None
    column: str | None
    value: Any
    message: str


class InstanceProblems(Exception):
    """Raised by :class:`Instance` when cross-table checks fail; carries every problem."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the instance")
        self.problems = list(problems)


TABLES: tuple[str, ...] = (
    "sites",
    "travel",
    "clinicians",
    "allocations",
    "sessions",
    "needs",
    "unavailability",
    "requests",
    "credentials",
)
ROW_MODELS: dict[str, type[Row]] = {
    "sites": Site,
    "travel": Travel,
    "clinicians": Clinician,
    "allocations": Allocation,
    "sessions": Session,
    "needs": Need,
    "unavailability": Unavailability,
    "requests": Request,
    "credentials": Credential,
}
REQUIRED_TABLES: tuple[str, ...] = ("sites", "clinicians", "sessions", "needs")


class Instance(BaseModel):
    """A whole instance. Construction runs every cross-table check."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sites: tuple[Site, ...] = Field(description="Sites.")
    travel: tuple[Travel, ...] = Field((), description="Travel minutes between sites.")
    clinicians: tuple[Clinician, ...] = Field(description="Clinicians.")
    allocations: tuple[Allocation, ...] = Field((), description="Allocation profile rows.")
    sessions: tuple[Session, ...] = Field(description="Sessions (the demand).")
    needs: tuple[Need, ...] = Field(description="Headcount needed per session and role.")
    unavailability: tuple[Unavailability, ...] = Field((), description="Leave and other absences.")
    requests: tuple[Request, ...] = Field((), description="Wishes: want or avoid.")
    credentials: tuple[Credential, ...] = Field(
        (), description="Dated privileges, registrations and appointments."
    )
    rules: RuleSet = Field(description="Horizon, calendar and rules.")
    history: History | None = Field(
        None,
        description="What the published rosters before the horizon say (roster solve --db).",
    )

    @model_validator(mode="after")
    def _cross_check(self) -> Instance:
        problems = list(_cross_problems(self))
        if problems:
            raise InstanceProblems(problems)
        return self

    # --- lookups and calendar facts shared by the model and the checker ---------------------

    @functools.cached_property
    def site_by_id(self) -> dict[str, Site]:
        return {s.id: s for s in self.sites}

    @functools.cached_property
    def clinician_by_id(self) -> dict[str, Clinician]:
        return {c.id: c for c in self.clinicians}

    @functools.cached_property
    def session_by_id(self) -> dict[str, Session]:
        return {s.id: s for s in self.sessions}

    @functools.cached_property
    def credentials_of(self) -> dict[str, dict[str, tuple[Credential, ...]]]:
        """Each clinician's credential rows by credential name, in table order."""
        out: dict[str, dict[str, list[Credential]]] = defaultdict(lambda: defaultdict(list))
        for row in self.credentials:
            out[row.clinician][row.credential].append(row)
        return {c: {k: tuple(v) for k, v in by.items()} for c, by in out.items()}

    @functools.cached_property
    def sessions_at(self) -> dict[str, tuple[Session, ...]]:
        """The sessions at each site, in table order."""
        out: dict[str, list[Session]] = defaultdict(list)
        for s in self.sessions:
            out[s.site].append(s)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def needs_by_session(self) -> dict[str, tuple[Need, ...]]:
        out: dict[str, list[Need]] = defaultdict(list)
        for n in self.needs:
            out[n.session].append(n)
        return {k: tuple(v) for k, v in out.items()}

    @functools.cached_property
    def travel_minutes(self) -> dict[tuple[str, str], int]:
        """Minutes from site a to site b (a != b); a given direction wins over the mirrored one."""
        out: dict[tuple[str, str], int] = {}
        for t in self.travel:
            out.setdefault((t.to_site, t.from_site), t.minutes)
        for t in self.travel:
            out[(t.from_site, t.to_site)] = t.minutes
        return out

    @functools.cached_property
    def holidays(self) -> frozenset[dt.date]:
        cal = self.rules.calendar
        days: set[dt.date] = set(cal.extra_holidays)
        if cal.public_holidays == "hong_kong":
            h = self.rules.horizon
            days |= set(
                holiday_calendars.country_holidays("HK", years=range(h.start.year, h.end.year + 1))
            )
        return frozenset(days)

    def past(self, clinician: str) -> ClinicianPast | None:
        """The clinician's history before the horizon, when the instance carries one."""
        return None if self.history is None else self.history.of(clinician)

    def days_before(self, clinician: Clinician) -> tuple[bool, ...]:
        """The known days before the horizon, oldest first (True: worked): the clinician's
        worked_before or off_before when given, else the published rosters' (history), else ()."""
        typed = clinician.history
        if typed:
            return typed
        past = self.past(clinician.id)
        return () if past is None else past.days

    def term_of(self, allocation: Allocation) -> Term | None:
        """The term a period: term allocation adds up over: the one named, else the one term
        that overlaps the horizon; None when there is no such term (a cross-table problem)."""
        if allocation.period != "term":
            return None
        if allocation.term is not None:
            return self.rules.term(allocation.term)
        overlapping = self.terms_overlapping()
        return overlapping[0] if len(overlapping) == 1 else None

    def terms_overlapping(self) -> list[Term]:
        h = self.rules.horizon
        return [t for t in self.rules.terms if t.start <= h.end and h.start <= t.end]

    def term_weeks(self, term: Term) -> tuple[dt.date, dt.date, int, int]:
        """The horizon's days in the term (first, last), the weeks they span, and the weeks left
        in the term from the first of them to its end (both rounded up to whole weeks)."""
        h = self.rules.horizon
        first, last = max(h.start, term.start), min(h.end, term.end)
        inside = -(-((last - first).days + 1) // 7)
        left = -(-((term.end - first).days + 1) // 7)
        return first, last, inside, left

    def is_weekend(self, day: dt.date) -> bool:
        """Saturday, Sunday or a holiday."""
        return day.weekday() >= 5 or day in self.holidays

    def period(self, session: Session) -> Period:
        cal = self.rules.calendar
        if session.start < cal.am_until:
            return "am"
        return "evening" if session.start >= cal.evening_from else "pm"

    def week(self, day: dt.date) -> int:
        """Week index in the horizon, 0 for the first Monday-to-Sunday week."""
        return (day - self.rules.horizon.start).days // 7

    @property
    def n_weeks(self) -> int:
        return self.rules.horizon.days // 7

    def activities(self) -> list[str]:
        return sorted({s.activity for s in self.sessions})

    def matches(self, request: Request, session: Session) -> bool:
        """Every filter the request gives equals the session's."""
        return (
            (request.session is None or request.session == session.id)
            and (request.date is None or request.date == session.date)
            and (request.period is None or request.period == self.period(session))
            and (request.site is None or request.site == session.site)
            and (request.activity is None or request.activity == session.activity)
        )


def _duplicates(table: str, rows: Iterable[Any], key: str) -> Iterable[Problem]:
    seen: set[Any] = set()
    for i, row in enumerate(rows):
        value = getattr(row, key)
        if value in seen:
            yield Problem(table, i, key, value, f"duplicate {key}")
        seen.add(value)


def _unknown(
    table: str, i: int, column: str, value: str, known: Iterable[str], what: str
) -> Problem:
    ks = sorted(set(known))
    shown = ", ".join(ks[:8]) + (", ..." if len(ks) > 8 else "")
    return Problem(table, i, column, value, f"unknown {what} (known: {shown})")


def _cross_problems(inst: Instance) -> Iterable[Problem]:
    site_ids = {s.id for s in inst.sites}
    clin_ids = {c.id for c in inst.clinicians}
    sess_ids = {s.id for s in inst.sessions}
    roles = {c.role for c in inst.clinicians}
    specialties = {sp for c in inst.clinicians for sp in c.specialties}
    activities = {s.activity for s in inst.sessions}
    horizon = inst.rules.horizon
    # a specialty may be held through a dated registration alone
    registrations = {
        r.credential
        for r in inst.credentials
        if r.credential not in site_ids and r.credential not in APPOINTMENT_CREDENTIALS
    }

    yield from _duplicates("sites", inst.sites, "id")
    yield from _duplicates("clinicians", inst.clinicians, "id")
    yield from _duplicates("sessions", inst.sessions, "id")

    pairs: set[tuple[str, str]] = set()
    for i, t in enumerate(inst.travel):
        for col in ("from_site", "to_site"):
            v = getattr(t, col)
            if v not in site_ids:
                yield _unknown("travel", i, col, v, site_ids, "site")
        if t.from_site == t.to_site:
            yield Problem("travel", i, "to_site", t.to_site, "travel from a site to itself")
        if (t.from_site, t.to_site) in pairs:
            yield Problem(
                "travel", i, "to_site", t.to_site, f"duplicate travel {t.from_site} -> {t.to_site}"
            )
        pairs.add((t.from_site, t.to_site))

    for i, c in enumerate(inst.clinicians):
        for p in c.privileges:
            if p not in site_ids:
                yield _unknown("clinicians", i, "privileges", p, site_ids, "site")

    alloc_keys: set[tuple[str, str, str, str | None]] = set()
    share_sums: dict[tuple[str, str, str], int] = defaultdict(int)
    for i, a in enumerate(inst.allocations):
        if a.clinician not in clin_ids:
            yield _unknown("allocations", i, "clinician", a.clinician, clin_ids, "clinician")
        if a.activity not in activities:
            yield _unknown("allocations", i, "activity", a.activity, activities, "activity")
        if a.period == "term":
            yield from _term_problems(inst, i, a)
        key = (a.clinician, a.activity, a.period, a.term)
        if key in alloc_keys:
            yield Problem(
                "allocations",
                i,
                "activity",
                a.activity,
                f"duplicate allocation for {a.clinician}, {a.activity}, per {a.period}"
                + (f" {a.term}" if a.term else ""),
            )
        alloc_keys.add(key)
        if a.unit == "share":
            per = a.period + (f" {a.term}" if a.term else "")
            for col in ("min", "target"):
                v = getattr(a, col)
                if v is not None:
                    share_sums[(a.clinician, per, col)] += v
                    if share_sums[(a.clinician, per, col)] > 100:
                        yield Problem(
                            "allocations",
                            i,
                            col,
                            v,
                            f"shares cannot be met: the {col} shares of {a.clinician} per "
                            f"{per} add up to {share_sums[(a.clinician, per, col)]} "
                            "percent",
                        )
        elif a.min is not None and a.period == "week":
            who = inst.clinician_by_id.get(a.clinician)
            if who is not None and who.max_per_week is not None and a.min > who.max_per_week:
                yield Problem(
                    "allocations",
                    i,
                    "min",
                    a.min,
                    f"cannot be met: {a.clinician} works at most {who.max_per_week} sessions a "
                    "week",
                )

    for i, s in enumerate(inst.sessions):
        if s.site not in site_ids:
            yield _unknown("sessions", i, "site", s.site, site_ids, "site")
        if not horizon.start <= s.date <= horizon.end:
            yield Problem(
                "sessions",
                i,
                "date",
                s.date.isoformat(),
                f"date outside the horizon {horizon.start} to {horizon.end}",
            )
        if s.specialty is not None and s.specialty not in specialties | registrations:
            yield _unknown("sessions", i, "specialty", s.specialty, specialties, "specialty")
        if (s.students is None) != (s.students_per_teacher is None):
            col = "students" if s.students is None else "students_per_teacher"
            yield Problem(
                "sessions", i, col, "", "give both students and students_per_teacher, or neither"
            )

    seen_needs: set[tuple[str, str]] = set()
    for i, n in enumerate(inst.needs):
        if n.session not in sess_ids:
            yield _unknown("needs", i, "session", n.session, sess_ids, "session")
        if n.role not in roles:
            yield _unknown("needs", i, "role", n.role, roles, "role")
        if (n.session, n.role) in seen_needs:
            yield Problem(
                "needs", i, "role", n.role, f"duplicate need for session {n.session}, role {n.role}"
            )
        seen_needs.add((n.session, n.role))
    missing = sess_ids - {s for s, _ in seen_needs}
    for i, s in enumerate(inst.sessions):
        if s.id in missing:
            yield Problem("sessions", i, "id", s.id, "session has no row in needs")

    if inst.history is not None:
        seen_past: set[str] = set()
        for i, past in enumerate(inst.history.clinicians):
            if past.clinician not in clin_ids:
                yield _unknown("history", i, "clinician", past.clinician, clin_ids, "clinician")
            if past.clinician in seen_past:
                yield Problem("history", i, "clinician", past.clinician, "duplicate clinician")
            seen_past.add(past.clinician)

    for i, u in enumerate(inst.unavailability):
        if u.clinician not in clin_ids:
            yield _unknown("unavailability", i, "clinician", u.clinician, clin_ids, "clinician")

    session_specialties = {s.specialty for s in inst.sessions if s.specialty is not None}
    for i, row in enumerate(inst.credentials):
        if row.clinician not in clin_ids:
            yield _unknown("credentials", i, "clinician", row.clinician, clin_ids, "clinician")
        name = row.credential
        kinds = [
            kind
            for kind, names in (
                ("a site", site_ids),
                ("a specialty", specialties | session_specialties),
                ("an appointment", set(APPOINTMENT_CREDENTIALS)),
            )
            if name in names
        ]
        if not kinds:
            yield Problem(
                "credentials",
                i,
                "credential",
                name,
                "unknown credential: give a site id, a specialty or one of "
                + ", ".join(APPOINTMENT_CREDENTIALS),
            )
        elif len(kinds) > 1:
            yield Problem("credentials", i, "credential", name, f"ambiguous: {' and '.join(kinds)}")

    for i, r in enumerate(inst.requests):
        if r.clinician not in clin_ids:
            yield _unknown("requests", i, "clinician", r.clinician, clin_ids, "clinician")
        if r.session is not None and r.session not in sess_ids:
            yield _unknown("requests", i, "session", r.session, sess_ids, "session")
        if r.site is not None and r.site not in site_ids:
            yield _unknown("requests", i, "site", r.site, site_ids, "site")


def notices(inst: Instance) -> list[Problem]:
    """What is valid but surely not meant, to be shown as warnings: leave that ends before the
    horizon or starts after it, and requests that match no session of the horizon (a date
    outside it, say). Neither changes the roster."""
    out: list[Problem] = []
    horizon = inst.rules.horizon
    first = dt.datetime.combine(horizon.start, dt.time())
    after = dt.datetime.combine(horizon.end + dt.timedelta(days=1), dt.time())
    span = f"the horizon {horizon.start} to {horizon.end}"
    for i, u in enumerate(inst.unavailability):
        if u.end <= first or u.start >= after:
            out.append(
                Problem(
                    "unavailability",
                    i,
                    None,
                    None,
                    f"this leave is entirely outside {span}; it changes nothing",
                )
            )
    by_date: dict[dt.date, list[Session]] = defaultdict(list)
    for s in inst.sessions:
        by_date[s.date].append(s)
    for i, r in enumerate(inst.requests):
        if r.session is not None:
            found = inst.session_by_id.get(r.session)
            candidates: Sequence[Session] = [] if found is None else [found]
        else:
            candidates = inst.sessions if r.date is None else by_date.get(r.date, [])
        if not any(inst.matches(r, s) for s in candidates):
            outside = r.date is not None and not horizon.start <= r.date <= horizon.end
            out.append(
                Problem(
                    "requests",
                    i,
                    "date" if outside else None,
                    r.date.isoformat() if outside and r.date is not None else None,
                    f"this request's date is outside {span}; it changes nothing"
                    if outside
                    else "this request matches no session of the horizon; it changes nothing",
                )
            )
    return out


def _term_problems(inst: Instance, i: int, a: Allocation) -> Iterable[Problem]:
    """A period: term row names a term of the rules file that overlaps the horizon, or leaves
    the term blank when exactly one does."""
    horizon = inst.rules.horizon
    span = f"the horizon {horizon.start} to {horizon.end}"
    if a.term is None:
        overlapping = inst.terms_overlapping()
        if not overlapping:
            known = ", ".join(t.name for t in inst.rules.terms) or "none"
            yield Problem(
                "allocations",
                i,
                "period",
                a.period,
                f"no term of the rules file overlaps {span} (terms: {known})",
            )
        elif len(overlapping) > 1:
            names = ", ".join(t.name for t in overlapping)
            yield Problem(
                "allocations",
                i,
                "term",
                "",
                f"several terms overlap {span} ({names}): name one in the term column",
            )
        return
    term = inst.rules.term(a.term)
    if term is None:
        known = ", ".join(t.name for t in inst.rules.terms) or "none"
        yield Problem("allocations", i, "term", a.term, f"unknown term (known: {known})")
    elif term.end < horizon.start or horizon.end < term.start:
        yield Problem(
            "allocations",
            i,
            "term",
            a.term,
            f"the term ({term.start} to {term.end}) does not overlap {span}",
        )
