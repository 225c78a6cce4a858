"""A frozen, index-based compilation of an instance: the only code that sees both layers.

Clinicians and sessions become integer indices; times become minutes from the horizon's start;
eligible (clinician, session) pairs are listed once. The model's rule builders read only this.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from roster.domain import Instance, Session
from roster.rules import Rules


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


def _minutes(moment: dt.datetime, origin: dt.datetime) -> int:
    return int((moment - origin).total_seconds() // 60)


def build_problem(instance: Instance) -> ProblemData:
    """Compile a validated instance into index-based data."""
    rules = instance.rules.rules
    origin = dt.datetime.combine(instance.rules.horizon.start, dt.time())
    site_index = {s.id: i for i, s in enumerate(instance.sites)}
    roles = tuple(sorted({c.role for c in instance.clinicians}))
    role_index = {r: i for i, r in enumerate(roles)}
    activities = tuple(instance.activities())
    activity_index = {a: i for i, a in enumerate(activities)}
    series_index = {
        k: i for i, k in enumerate(sorted({s.series for s in instance.sessions if s.series}))
    }

    sessions = []
    for s in instance.sessions:
        needs = tuple(
            (role_index[n.role], n.min, n.pref, n.most)
            for n in instance.needs_by_session.get(s.id, ())
        )
        teachers = 0
        if s.students is not None and s.students_per_teacher:
            teachers = -(-s.students // s.students_per_teacher)
        sessions.append(
            SessionData(
                id=s.id,
                site=site_index[s.site],
                day=(s.date - instance.rules.horizon.start).days,
                week=instance.week(s.date),
                start=_minutes(s.start_at, origin),
                end=_minutes(s.end_at, origin),
                activity=activity_index[s.activity],
                evening=instance.period(s) == "evening",
                weekend=instance.is_weekend(s.date),
                priority=s.priority,
                series=series_index[s.series] if s.series else -1,
                needs=needs,
                teachers_needed=teachers,
                period=instance.period(s),
                need_weights=tuple(
                    (
                        s.priority if n.under_weight is None else n.under_weight,
                        1 if n.over_weight is None else n.over_weight,
                    )
                    for n in instance.needs_by_session.get(s.id, ())
                ),
            )
        )

    clinicians = tuple(
        ClinicianData(
            c.id,
            role_index[c.role],
            c.max_per_day,
            c.max_per_week,
            c.max_weekends,
            c.min_minutes,
            c.max_minutes,
            c.max_consecutive_days,
            c.min_consecutive_days,
            c.min_consecutive_days_off,
            c.history,
        )
        for c in instance.clinicians
    )

    n_sites = len(instance.sites)
    travel = [[0] * n_sites for _ in range(n_sites)]
    for (a, b), minutes in instance.travel_minutes.items():
        travel[site_index[a]][site_index[b]] = minutes

    eligible = []
    unavailable = set()
    absences = _merged_absences(instance)
    spans = [(s.start_at, s.end_at) for s in instance.sessions]
    needs_roles = {
        s.id: {n.role for n in instance.needs_by_session.get(s.id, ())} for s in instance.sessions
    }
    at_site: dict[str, list[int]] = {}
    for si, s in enumerate(instance.sessions):
        at_site.setdefault(s.site, []).append(si)
    for ci, c in enumerate(instance.clinicians):
        specialties = set(c.specialties)
        privileges = set(c.privileges)
        starts, ends = absences.get(c.id, ([], []))
        # only sessions at sites where the clinician holds privileges can be eligible
        candidates = sorted(si for site in privileges for si in at_site.get(site, ()))
        for si in candidates:
            s = instance.sessions[si]
            if not _eligible(
                c.role, specialties, privileges, c.teacher, s, needs_roles[s.id], rules
            ):
                continue
            eligible.append((ci, si))
            # the last absence starting before the session ends is the only one that can overlap
            k = bisect.bisect_left(starts, spans[si][1]) - 1
            if k >= 0 and spans[si][0] < ends[k]:
                unavailable.add((ci, si))

    clin_index = {c.id: i for i, c in enumerate(instance.clinicians)}
    allocations = tuple(
        AllocationData(
            clin_index[a.clinician],
            activity_index[a.activity],
            a.period == "week",
            a.unit == "share",
            a.target,
            a.min,
            a.max,
        )
        for a in instance.allocations
    )
    requests = []
    by_id = {s.id: si for si, s in enumerate(instance.sessions)}
    by_date: dict[dt.date, list[int]] = {}
    for si, s in enumerate(instance.sessions):
        by_date.setdefault(s.date, []).append(si)
    everything = list(range(len(instance.sessions)))
    for r in instance.requests:
        if r.session is not None:
            pool = [by_id[r.session]] if r.session in by_id else []
        elif r.date is not None:
            pool = by_date.get(r.date, [])
        else:
            pool = everything
        matching = tuple(
            si
            for si in pool
            if (r.session is None or r.session == instance.sessions[si].id)
            and (r.date is None or r.date == instance.sessions[si].date)
            and (r.period is None or r.period == instance.period(instance.sessions[si]))
            and (r.site is None or r.site == instance.sessions[si].site)
            and (r.activity is None or r.activity == instance.sessions[si].activity)
        )
        requests.append(RequestData(clin_index[r.clinician], r.kind == "want", r.weight, matching))

    return ProblemData(
        clinicians=clinicians,
        sessions=tuple(sessions),
        roles=roles,
        activities=activities,
        n_sites=n_sites,
        n_days=instance.rules.horizon.days,
        n_weeks=instance.n_weeks,
        travel=tuple(tuple(row) for row in travel),
        eligible=tuple(eligible),
        unavailable=frozenset(unavailable),
        allocations=allocations,
        requests=tuple(requests),
        rules=rules,
    )


def _merged_absences(
    instance: Instance,
) -> dict[str, tuple[list[dt.datetime], list[dt.datetime]]]:
    """Per clinician, their unavailability merged into disjoint intervals: (starts, ends),
    sorted."""
    raw: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for u in instance.unavailability:
        raw.setdefault(u.clinician, []).append((u.start, u.end))
    out: dict[str, tuple[list[dt.datetime], list[dt.datetime]]] = {}
    for clinician, intervals in raw.items():
        starts: list[dt.datetime] = []
        ends: list[dt.datetime] = []
        for start, end in sorted(intervals):
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        out[clinician] = (starts, ends)
    return out


def _eligible(
    role: str,
    specialties: set[str],
    privileges: set[str],
    teacher: bool,
    s: Session,
    roles_needed: set[str],
    rules: Rules,
) -> bool:
    if role not in roles_needed:
        return False
    if s.specialty is not None and s.specialty not in specialties:
        return False
    if s.site not in privileges:
        return False
    return not (
        rules.eligibility.teaching_needs_teacher and s.activity == "teaching" and not teacher
    )
