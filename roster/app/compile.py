"""Compile a validated instance into the engine's index-based problem.

The only code that sees both the domain (pydantic tables and rules) and the engine's problem.
"""

from __future__ import annotations

import bisect
import datetime as dt

from roster.domain.prorate import dues_of
from roster.domain.rules import Rules as DomainRules
from roster.domain.tables import APPOINTMENT_CREDENTIALS, Allocation, Instance, Session
from solver.model import params as plain
from solver.model.problem import (
    AllocationData,
    ClinicianData,
    PastSessionData,
    ProblemData,
    RequestData,
    SessionData,
)
from solver.model.rules import SPECS


def plain_rules(rules: DomainRules) -> plain.Rules:
    """The validated rules as the engine's plain records, kind by kind."""
    active: dict[str, plain.RuleParams] = {}
    for kind, params in rules.active().items():
        data = params.model_dump() | {"hard": params.hard, "weight": params.weight}
        if "pairs" in data:
            data["pairs"] = tuple(
                plain.Succession(plain.SessionKind(**p["first"]), plain.SessionKind(**p["then"]))
                for p in data["pairs"]
            )
        if "kinds" in data:
            data["kinds"] = tuple(data["kinds"])
        active[kind] = SPECS[kind].params(**data)
    return plain.Rules(**active)  # type: ignore[arg-type]


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
                holiday=s.date in instance.holidays,
            )
        )

    clinicians = []
    for c in instance.clinicians:
        past = instance.past(c.id)
        before = tuple(
            PastSessionData(
                day=(p.date - instance.rules.horizon.start).days,
                start=_minutes(p.start_at, origin),
                end=_minutes(p.end_at, origin),
                activity=p.activity,
                period=p.period,
            )
            for p in (past.sessions if past is not None else ())
        )
        clinicians.append(
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
                history=instance.days_before(c),
                before=before,
                prior_evenings=past.evenings if past is not None else 0,
                prior_weekends=past.weekends if past is not None else 0,
                prior_holidays=past.holidays if past is not None else 0,
            )
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
        # dated credentials: each name's windows; a site or specialty with rows is held
        windows = {
            name: [(r.valid_from or dt.datetime.min, r.valid_to or dt.datetime.max) for r in rows]
            for name, rows in instance.credentials_of.get(c.id, {}).items()
        }
        specialties = set(c.specialties) | set(windows)
        privileges = set(c.privileges) | (set(windows) & set(at_site))
        appointments = [name for name in windows if name in APPOINTMENT_CREDENTIALS]
        starts, ends = absences.get(c.id, ([], []))
        # only sessions at sites where the clinician holds privileges can be eligible
        candidates = sorted(si for site in privileges for si in at_site.get(site, ()))
        for si in candidates:
            s = instance.sessions[si]
            if not _eligible(
                c.role, specialties, privileges, c.teacher, s, needs_roles[s.id], rules
            ):
                continue
            if windows:
                names = [*appointments, s.site, *([s.specialty] if s.specialty else [])]
                lo, hi = spans[si]
                if any(
                    name in windows and not any(a <= lo and hi <= b for a, b in windows[name])
                    for name in names
                ):
                    continue  # outside every window of a credential the session needs
            eligible.append((ci, si))
            # the last absence starting before the session ends is the only one that can overlap
            k = bisect.bisect_left(starts, spans[si][1]) - 1
            if k >= 0 and spans[si][0] < ends[k]:
                unavailable.add((ci, si))

    clin_index = {c.id: i for i, c in enumerate(instance.clinicians)}
    allocations = [
        _allocation(instance, row, clin_index[row.clinician], activity_index[row.activity])
        for row in instance.allocations
    ]
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
        matching = tuple(si for si in pool if instance.matches(r, instance.sessions[si]))
        requests.append(RequestData(clin_index[r.clinician], r.kind == "want", r.weight, matching))

    return ProblemData(
        clinicians=tuple(clinicians),
        sessions=tuple(sessions),
        roles=roles,
        activities=activities,
        n_sites=n_sites,
        n_days=instance.rules.horizon.days,
        n_weeks=instance.n_weeks,
        travel=tuple(tuple(row) for row in travel),
        eligible=tuple(eligible),
        unavailable=frozenset(unavailable),
        allocations=tuple(allocations),
        requests=tuple(requests),
        rules=plain_rules(rules),
    )


def _allocation(
    instance: Instance, row: Allocation, clinician: int, activity: int
) -> AllocationData:
    """An allocation row as the model reads it: each period's minimum and target prorated by
    absence (``dues_of``, which the checker reads too). A term row counts the horizon's days
    in its term: in sessions its bounds are the horizon's part of what remains of the term's (its
    due); as a share, what was delivered in the term before the horizon adds to n and N."""
    dues = dues_of(instance)[(row.clinician, row.activity, row.period)]
    share = row.unit == "share"
    term = instance.term_of(row)
    if term is None:
        mins = tuple(d.min for d in dues)
        targets = tuple(d.target for d in dues)
        return AllocationData(
            clinician,
            activity,
            row.period == "week",
            share,
            row.target,
            row.min,
            row.max,
            mins=() if all(m == row.min for m in mins) else mins,
            targets=() if all(t == row.target for t in targets) else targets,
        )
    first, last, _, _ = instance.term_weeks(term)
    start = instance.rules.horizon.start
    days = ((first - start).days, (last - start).days)
    past = instance.past(row.clinician)
    if share:
        done = 0 if past is None else past.delivered_in(term.name, row.activity)
        every = 0 if past is None else past.delivered_in(term.name)
        return AllocationData(
            clinician,
            activity,
            False,
            True,
            row.target,
            row.min,
            row.max,
            days=days,
            prior=done,
            prior_total=every,
        )
    (due,) = dues
    return AllocationData(
        clinician, activity, False, False, due.target, due.min, due.max, days=days
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
    rules: DomainRules,
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
