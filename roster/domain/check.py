"""The independent checker: re-score any roster from ``docs/rules.md``, without the solver.

Every rule is plain Python over the assignments, written from the specification and nothing else,
so that a bug in the CP-SAT model cannot hide here as well. The checker shares only the instance's
calendar facts (periods, weekends, weeks, travel minutes) and the rules' parameters with the model.

A rule kind ``k`` is checked by ``check_<k>(instance, view, params)``, registered in
:data:`CHECKERS`. It returns ``(sentences, penalty)``: when the rule is hard, one plain-English
sentence per item whose units are above 0 and penalty 0; when soft, no sentences and
``weight * sum(units)``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from roster.domain.credentials import holds_site, holds_specialty, lapses
from roster.domain.history import PastSession
from roster.domain.prorate import Due, dues_of
from roster.domain.rules import (
    AllocationBoundsParams,
    AllocationTargetParams,
    AvailabilityParams,
    ContinuityParams,
    CoverMaxParams,
    CoverMinParams,
    CoverOverPreferredParams,
    CoverPreferredParams,
    EligibilityParams,
    FairnessParams,
    ForbiddenSuccessionsParams,
    MaxConsecutiveDaysParams,
    MaxPerDayParams,
    MaxPerWeekParams,
    MaxWeekendsParams,
    MinConsecutiveDaysParams,
    MinDaysOffParams,
    NoOverlapParams,
    RequestsParams,
    RestAfterEveningParams,
    SessionKind,
    SiteChangesParams,
    TeachingRatioParams,
    TotalMinutesParams,
)
from roster.domain.tables import Allocation, Clinician, Instance, Session, Unavailability

RuleResult = tuple[list[str], int]
"""(hard violation sentences, soft penalty = weight * units)."""

Item = tuple[int, str]
"""One item of a rule with units above 0, and the sentence that describes it."""


@dataclass(frozen=True)
class CheckReport:
    """What the checker finds: every hard breach, and the soft penalty of each active soft rule."""

    hard_violations: tuple[str, ...]
    objective_by_rule: dict[str, int]

    @property
    def objective(self) -> int:
        return sum(self.objective_by_rule.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "hard_violations": list(self.hard_violations),
            "objective": self.objective,
            "objective_by_rule": dict(self.objective_by_rule),
        }


class RosterView:
    """The roster seen from both sides: each clinician's sessions and each session's clinicians.

    A pair listed more than once is kept once; :attr:`repeats` remembers how often it was listed.
    """

    def __init__(self, instance: Instance, assignments: Iterable[tuple[str, str]]) -> None:
        listed: Counter[tuple[str, str]] = Counter()
        for clinician_id, session_id in assignments:
            if clinician_id not in instance.clinician_by_id:
                raise ValueError(f"unknown clinician id {clinician_id!r} in the roster")
            if session_id not in instance.session_by_id:
                raise ValueError(f"unknown session id {session_id!r} in the roster")
            listed[(clinician_id, session_id)] += 1
        self.instance = instance
        self.repeats: dict[tuple[str, str], int] = {p: k for p, k in listed.items() if k > 1}

        session_index = {s.id: i for i, s in enumerate(instance.sessions)}
        clinician_index = {c.id: i for i, c in enumerate(instance.clinicians)}
        mine: dict[str, list[Session]] = defaultdict(list)
        theirs: dict[str, list[Clinician]] = defaultdict(list)
        for clinician_id, session_id in listed:
            mine[clinician_id].append(instance.session_by_id[session_id])
            theirs[session_id].append(instance.clinician_by_id[clinician_id])
        self._sessions_of = {
            c: tuple(sorted(ss, key=lambda s: (s.start_at, session_index[s.id])))
            for c, ss in mine.items()
        }
        self._clinicians_on = {
            s: tuple(sorted(cs, key=lambda c: clinician_index[c.id])) for s, cs in theirs.items()
        }
        leave: dict[str, list[Unavailability]] = defaultdict(list)
        for u in instance.unavailability:
            leave[u.clinician].append(u)
        self._leave = dict(leave)

    def sessions_of(self, clinician_id: str) -> tuple[Session, ...]:
        """The clinician's assigned sessions, in order of start."""
        return self._sessions_of.get(clinician_id, ())

    def days_of(self, clinician_id: str) -> dict[dt.date, list[Session]]:
        """The clinician's assigned sessions by date: the dates in order, each in order of start."""
        days: dict[dt.date, list[Session]] = {}
        for s in self.sessions_of(clinician_id):
            days.setdefault(s.date, []).append(s)
        return days

    def clinicians_on(self, session_id: str) -> tuple[Clinician, ...]:
        """The clinicians assigned to the session, in the order of the clinicians table."""
        return self._clinicians_on.get(session_id, ())

    def n(self, session_id: str, role: str | None = None) -> int:
        """n(s, r): assigned clinicians of the role; n(s) with no role: all of them."""
        return sum(1 for c in self.clinicians_on(session_id) if role is None or c.role == role)

    def assignments(self) -> Iterator[tuple[Clinician, Session]]:
        """Every distinct assignment, by clinician (table order), then by start."""
        for c in self.instance.clinicians:
            for s in self.sessions_of(c.id):
                yield c, s

    def leave_of(self, clinician_id: str) -> tuple[Unavailability, ...]:
        return tuple(self._leave.get(clinician_id, ()))


# --- wording ---------------------------------------------------------------------------------


def _who(c: Clinician) -> str:
    return f"{c.name} ({c.id})"


def _what(s: Session) -> str:
    return f"{s.id} ({s.site} {s.date:%Y-%m-%d} {s.start:%H:%M}-{s.end:%H:%M})"


def _what_past(p: PastSession) -> str:
    return f"{p.session} ({p.site} {p.date:%Y-%m-%d} {p.start:%H:%M}-{p.end:%H:%M})"


def _at(moment: dt.datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _role(role: str) -> str:
    return role.replace("_", " ")


def _week_label(instance: Instance, week: int) -> str:
    first = instance.rules.horizon.start + dt.timedelta(days=7 * week)
    return f"week {week + 1} ({first:%Y-%m-%d} to {first + dt.timedelta(days=6):%Y-%m-%d})"


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _score(params: Any, items: Iterable[Item]) -> RuleResult:
    """Hard: one sentence per item. Soft: weight times the units of all items."""
    found = list(items)
    if params.hard:
        return [text for _, text in found], 0
    return [], params.weight * sum(units for units, _ in found)


# --- eligibility and availability, also used by fairness -------------------------------------


def _ineligible_because(
    instance: Instance, c: Clinician, s: Session, teacher_rule: bool
) -> Iterator[str]:
    """Why c may not take s, one reason at a time; none when c is eligible for s (fairness asks
    only whether there is a first reason)."""
    roles = [n.role for n in instance.needs_by_session.get(s.id, ())]
    if c.role not in roles:
        yield f"{s.id} has no need for role {c.role} (it needs {', '.join(roles) or 'none'})"
    if s.specialty is not None and not holds_specialty(instance, c, s.specialty):
        yield (
            f"{s.id} needs specialty {s.specialty}, which {c.id} does not have "
            f"({', '.join(c.specialties)})"
        )
    if not holds_site(instance, c, s.site):
        yield f"{c.id} has no privileges at {s.site}"
    if teacher_rule and s.activity == "teaching" and not c.teacher:
        yield f"{s.id} is a teaching session and {c.id} is not a teacher"
    # the dates of the credentials the session needs: an assignment outside them is ineligible
    yield from lapses(instance, c, s)


def _clashing_leave(view: RosterView, c: Clinician, s: Session) -> list[Unavailability]:
    """c's unavailability rows u with u.start < s.end_at and s.start_at < u.end."""
    return [u for u in view.leave_of(c.id) if u.start < s.end_at and s.start_at < u.end]


# --- always-on rules ---------------------------------------------------------------------------


def check_eligibility(
    instance: Instance, view: RosterView, params: EligibilityParams
) -> RuleResult:
    """Each assignment (c, s) is eligible: role needed, specialty, site privilege, teacher."""
    items = []
    for c, s in view.assignments():
        reasons = list(_ineligible_because(instance, c, s, params.teaching_needs_teacher))
        if reasons:
            items.append(
                (
                    1,
                    f"{_who(c)} is assigned to {_what(s)} but is not eligible: "
                    + "; ".join(reasons),
                )
            )
    return _score(params, items)


def check_availability(
    instance: Instance, view: RosterView, params: AvailabilityParams
) -> RuleResult:
    """No assignment (c, s) overlaps one of c's unavailability rows."""
    items = []
    for c, s in view.assignments():
        clashes = _clashing_leave(view, c, s)
        if clashes:
            spans = "; ".join(
                f"{_at(u.start)} to {_at(u.end)}" + (f" ({u.reason})" if u.reason else "")
                for u in clashes
            )
            items.append((1, f"{_who(c)} is assigned to {_what(s)} but is unavailable {spans}"))
    return _score(params, items)


def check_no_overlap(instance: Instance, view: RosterView, params: NoOverlapParams) -> RuleResult:
    """Two sessions of one clinician are compatible, counting the gap; one item per pair.

    compatible(a, b) = a.end_at + gap(a, b) <= b.start_at or b.end_at + gap(b, a) <= a.start_at.
    """

    def gap(x: Session, y: Session) -> int:
        if x.site == y.site or not params.travel:
            return params.min_gap_minutes
        return max(params.min_gap_minutes, instance.travel_minutes.get((x.site, y.site), 0))

    def minutes(m: int) -> dt.timedelta:
        return dt.timedelta(minutes=m)

    # no gap is longer than this: once b starts this long after a ends, so does every later one
    longest = minutes(max([params.min_gap_minutes, *instance.travel_minutes.values()]))
    items = []
    for c in instance.clinicians:
        mine = view.sessions_of(c.id)
        for i, a in enumerate(mine):
            for b in mine[i + 1 :]:
                if a.end_at + longest <= b.start_at:
                    break  # b and all after it start late enough (they are in order of start)
                if not (
                    a.end_at + minutes(gap(a, b)) <= b.start_at
                    or b.end_at + minutes(gap(b, a)) <= a.start_at
                ):
                    items.append((1, _clash(c, a, b, gap(a, b))))
    return _score(params, items)


def _clash(c: Clinician, a: Session, b: Session, gap: int) -> str:
    """The no_overlap sentence for a, b (a starts no later than b) that are not compatible."""
    # either they overlap in time, or a ends before b starts and the gap from a to b is too short
    if a.end_at > b.start_at:
        why = "which overlap in time"
    else:
        left = int((b.start_at - a.end_at).total_seconds() // 60)
        kind = (
            f"at least {gap} minutes between sessions at {a.site}"
            if a.site == b.site
            else f"{gap} minutes to get from {a.site} to {b.site}"
        )
        why = f"which leave {_count(left, 'minute')} between them, but {kind} are needed"
    return f"{_who(c)} is assigned to {_what(a)} and {_what(b)}, {why}"


# --- cover -----------------------------------------------------------------------------------


def check_cover_min(instance: Instance, view: RosterView, params: CoverMinParams) -> RuleResult:
    """Per session and need row: max(0, min - n(s, r)) * priority."""
    items = []
    for need in instance.needs:
        s = instance.session_by_id[need.session]
        n = view.n(s.id, need.role)
        if n < need.min:
            items.append(
                (
                    (need.min - n) * s.priority,
                    f"{_what(s)} has {_count(n, _role(need.role))}, "
                    f"below its minimum of {need.min}",
                )
            )
    return _score(params, items)


def check_cover_max(instance: Instance, view: RosterView, params: CoverMaxParams) -> RuleResult:
    """Per session and need row: max(0, n(s, r) - most)."""
    items = []
    for need in instance.needs:
        s = instance.session_by_id[need.session]
        n = view.n(s.id, need.role)
        if n > need.most:
            items.append(
                (
                    n - need.most,
                    f"{_what(s)} has {_count(n, _role(need.role))}, "
                    f"above its maximum of {need.most}",
                )
            )
    return _score(params, items)


def check_cover_preferred(
    instance: Instance, view: RosterView, params: CoverPreferredParams
) -> RuleResult:
    """Per session and need row: max(0, pref - n(s, r)) * (under_weight, else priority)."""
    units = 0
    for need in instance.needs:
        s = instance.session_by_id[need.session]
        under = s.priority if need.under_weight is None else need.under_weight
        units += max(0, need.pref - view.n(s.id, need.role)) * under
    return [], params.weight * units


def check_teaching_ratio(
    instance: Instance, view: RosterView, params: TeachingRatioParams
) -> RuleResult:
    """Per session with students: max(0, ceil(students / students_per_teacher) - n(s))."""
    items = []
    for s in instance.sessions:
        if s.students is None or s.students_per_teacher is None:
            continue
        needed = _ceil_div(s.students, s.students_per_teacher)
        n = view.n(s.id)
        if n < needed:
            items.append(
                (
                    needed - n,
                    f"{_what(s)} has {_count(n, 'clinician')} for "
                    f"{_count(s.students, 'student')}, below the "
                    f"ceil({s.students} / {s.students_per_teacher}) = {needed} needed",
                )
            )
    return _score(params, items)


# --- limits ----------------------------------------------------------------------------------


def check_max_per_day(instance: Instance, view: RosterView, params: MaxPerDayParams) -> RuleResult:
    """Per clinician and date: max(0, sessions that date - limit)."""
    items = []
    for c in instance.clinicians:
        limit = c.max_per_day if c.max_per_day is not None else params.default
        if limit is None:
            continue
        for day, ss in view.days_of(c.id).items():
            if len(ss) > limit:
                items.append(
                    (
                        len(ss) - limit,
                        f"{_who(c)} has {_count(len(ss), 'session')} on {day:%Y-%m-%d} "
                        f"({', '.join(s.id for s in ss)}), above the limit of {limit}",
                    )
                )
    return _score(params, items)


def check_max_per_week(
    instance: Instance, view: RosterView, params: MaxPerWeekParams
) -> RuleResult:
    """Per clinician and week: max(0, sessions that week - limit)."""
    items = []
    for c in instance.clinicians:
        limit = c.max_per_week if c.max_per_week is not None else params.default
        if limit is None:
            continue
        by_week: dict[int, list[Session]] = defaultdict(list)
        for s in view.sessions_of(c.id):
            by_week[instance.week(s.date)].append(s)
        for week, ss in sorted(by_week.items()):
            if len(ss) > limit:
                items.append(
                    (
                        len(ss) - limit,
                        f"{_who(c)} has {_count(len(ss), 'session')} in "
                        f"{_week_label(instance, week)}, above the limit of {limit}",
                    )
                )
    return _score(params, items)


def check_rest_after_evening(
    instance: Instance, view: RosterView, params: RestAfterEveningParams
) -> RuleResult:
    """Per ordered pair (a, b), a evening: 1 when a.end_at <= b.start_at < a.end_at + rest; a may
    be a published session before the horizon (the instance's history)."""
    rest = dt.timedelta(minutes=params.rest_minutes)
    items = []
    for c in instance.clinicians:
        mine = view.sessions_of(c.id)
        past = instance.past(c.id)
        evenings: list[tuple[dt.datetime, str]] = [
            (p.end_at, f"{_what_past(p)}, published before the horizon")
            for p in (past.sessions if past is not None else ())
            if p.period == "evening"
        ]
        evenings += [(a.end_at, _what(a)) for a in mine if instance.period(a) == "evening"]
        for end_at, what in evenings:
            for b in mine:
                if end_at <= b.start_at < end_at + rest:
                    gap = int((b.start_at - end_at).total_seconds() // 60)
                    items.append(
                        (
                            1,
                            f"{_who(c)} works the evening session {what} and then "
                            f"{_what(b)} {_count(gap, 'minute')} after it ends, "
                            f"less than the {params.rest_minutes} minutes of rest",
                        )
                    )
    return _score(params, items)


# --- allocations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationPeriod:
    """An allocation row in one of its periods: n counts the clinician's sessions of the row's
    activity there, N all their sessions there; ``due`` holds what the clinician owes there (the
    minimum and target prorated by absence, ``dues_of``; a term row's bounds in sessions
    are the horizon's part of what remains of the term's).

    A term row counts the horizon's days in the term; as a share, n and N add what was delivered
    in the term before the horizon (``done`` of the activity, of every activity)."""

    row: Allocation
    due: Due
    label: str
    n: int
    total: int
    done: int = 0  # a term row's sessions of the activity delivered before the horizon

    @property
    def low(self) -> int | None:
        return self.due.min if self.row.unit == "sessions" else self.row.min

    @property
    def target(self) -> int | None:
        return self.due.target if self.row.unit == "sessions" else self.row.target

    @property
    def high(self) -> int | None:
        term_part = self.row.unit == "sessions" and self.row.period == "term"
        return self.due.max if term_part else self.row.max


def allocation_periods(instance: Instance, view: RosterView) -> Iterator[AllocationPeriod]:
    """Each allocation row in each of its periods (each week, the horizon, or its term)."""
    horizon = instance.rules.horizon
    for a in instance.allocations:
        dues = dues_of(instance)[(a.clinician, a.activity, a.period)]
        mine = view.sessions_of(a.clinician)
        if a.period == "term":
            term = instance.term_of(a)
            if term is None:
                continue
            first, last, _, _ = instance.term_weeks(term)
            inside = [s for s in mine if first <= s.date <= last]
            n = sum(1 for s in inside if s.activity == a.activity)
            past = instance.past(a.clinician)
            done = 0 if past is None else past.delivered_in(term.name, a.activity)
            label = f"term {term.name} ({first:%Y-%m-%d} to {last:%Y-%m-%d}, {done} before)"
            if a.unit == "share":
                every = 0 if past is None else past.delivered_in(term.name)
                yield AllocationPeriod(a, dues[0], label, n + done, len(inside) + every, done)
            else:
                yield AllocationPeriod(a, dues[0], label, n, len(inside), done)
            continue
        periods: list[tuple[str, list[Session]]]
        if a.period == "horizon":
            periods = [
                (f"the horizon ({horizon.start:%Y-%m-%d} to {horizon.end:%Y-%m-%d})", list(mine))
            ]
        else:
            periods = [
                (_week_label(instance, w), [s for s in mine if instance.week(s.date) == w])
                for w in range(instance.n_weeks)
            ]
        for due, (label, inside) in zip(dues, periods, strict=True):
            n = sum(1 for s in inside if s.activity == a.activity)
            yield AllocationPeriod(a, due, label, n, len(inside))


def check_allocation_bounds(
    instance: Instance, view: RosterView, params: AllocationBoundsParams
) -> RuleResult:
    """Per allocation row with a min or max, per period: below + above.

    sessions: below = max(0, min - n), above = max(0, n - max), min prorated by absence;
    share: below = ceil(max(0, min*N - 100n) / 100), above = ceil(max(0, 100n - max*N) / 100).
    """
    items = []
    for p in allocation_periods(instance, view):
        a, due, n, total = p.row, p.due, p.n, p.total
        if a.min is None and a.max is None:
            continue
        c = instance.clinician_by_id[a.clinician]
        if a.unit == "sessions":
            below = max(0, p.low - n) if p.low is not None else 0
            above = max(0, n - p.high) if p.high is not None else 0
            has = f"{_who(c)} has {_count(n, a.activity + ' session')} in {p.label}"
            bounds = []
            if a.period == "term":  # the horizon's part of what remains of the term's bounds
                available = f", available {due.share}" if due.working else ""
                if below:
                    part = "" if p.low == a.min else f"this horizon's part {p.low} of "
                    bounds.append(f"below {part}the term's minimum {a.min}{available}")
                if above:
                    part = "" if p.high == a.max else f"this horizon's part {p.high} of "
                    bounds.append(f"above {part}the term's maximum {a.max}")
            else:
                if below:
                    prorated = (
                        f" ({a.min} prorated: available {due.share})" if due.min != a.min else ""
                    )
                    bounds.append(f"below the minimum of {due.min}{prorated}")
                if above:
                    bounds.append(f"above the maximum of {p.high}")
        else:
            below = _ceil_div(max(0, p.low * total - 100 * n), 100) if p.low is not None else 0
            above = _ceil_div(max(0, 100 * n - p.high * total), 100) if p.high is not None else 0
            share = f" ({100 * n / total:.0f}%)" if total else ""
            has = (
                f"{_who(c)} has {n} {a.activity} of {_count(total, 'session')}{share} in {p.label}"
            )
            bounds = []
            if below:
                bounds.append(f"below the minimum share of {p.low}% by {_count(below, 'session')}")
            if above:
                bounds.append(f"above the maximum share of {p.high}% by {_count(above, 'session')}")
        if below + above:
            items.append((below + above, f"{has}, {' and '.join(bounds)}"))
    return _score(params, items)


def check_allocation_target(
    instance: Instance, view: RosterView, params: AllocationTargetParams
) -> RuleResult:
    """Per allocation row with a target, per period: the deviation.

    sessions: |n - target|, target prorated by absence; share: ceil(|100n - target*N| / 100).
    """
    units = 0
    for p in allocation_periods(instance, view):
        if p.target is None:
            continue
        if p.row.unit == "sessions":
            units += abs(p.n - p.target)
        else:
            units += _ceil_div(abs(100 * p.n - p.target * p.total), 100)
    return [], params.weight * units


# --- people ----------------------------------------------------------------------------------


def check_requests(instance: Instance, view: RosterView, params: RequestsParams) -> RuleResult:
    """want: the request's weight if no assigned session matches; avoid: its weight per match."""
    units = 0
    for r in instance.requests:
        matching = sum(1 for s in view.sessions_of(r.clinician) if instance.matches(r, s))
        if r.kind == "want":
            units += r.weight if matching == 0 else 0
        else:
            units += r.weight * matching
    return [], params.weight * units


def check_fairness(instance: Instance, view: RosterView, params: FairnessParams) -> RuleResult:
    """Per kind and role: max - min of such sessions among the clinicians of the role who are
    eligible and available for at least one session of the kind (when at least 2 are); with
    window_weeks, each counts those they worked in the window before the horizon too."""
    teacher_rule = instance.rules.rules.eligibility.teaching_needs_teacher

    def of_kind(kind: str, s: Session) -> bool:
        if kind == "evening":
            return instance.period(s) == "evening"
        if kind == "holiday":
            return s.date in instance.holidays
        return instance.is_weekend(s.date)

    def before(kind: str, c: Clinician) -> int:
        past = instance.past(c.id) if params.window_weeks else None
        return 0 if past is None else past.worked(kind)

    roles = list(dict.fromkeys(c.role for c in instance.clinicians))
    units = 0
    for kind in params.kinds:
        kind_sessions = [s for s in instance.sessions if of_kind(kind, s)]
        for role in roles:
            group = [
                c
                for c in instance.clinicians
                if c.role == role
                and any(
                    next(_ineligible_because(instance, c, s, teacher_rule), None) is None
                    and not _clashing_leave(view, c, s)
                    for s in kind_sessions
                )
            ]
            if len(group) < 2:
                continue
            counts = [
                before(kind, c) + sum(1 for s in view.sessions_of(c.id) if of_kind(kind, s))
                for c in group
            ]
            units += max(counts) - min(counts)
    return [], params.weight * units


def check_site_changes(
    instance: Instance, view: RosterView, params: SiteChangesParams
) -> RuleResult:
    """Per clinician and date with a session: distinct sites that date - 1."""
    units = 0
    for c in instance.clinicians:
        sites: dict[dt.date, set[str]] = defaultdict(set)
        for s in view.sessions_of(c.id):
            sites[s.date].add(s.site)
        units += sum(len(where) - 1 for where in sites.values())
    return [], params.weight * units


def check_continuity(instance: Instance, view: RosterView, params: ContinuityParams) -> RuleResult:
    """Per series with an assignment: distinct clinicians in it - the largest n(s) in it."""
    series: dict[str, list[Session]] = defaultdict(list)
    for s in instance.sessions:
        if s.series is not None:
            series[s.series].append(s)
    units = 0
    for ss in series.values():
        people = {c.id for s in ss for c in view.clinicians_on(s.id)}
        if people:
            units += len(people) - max(view.n(s.id) for s in ss)
    return [], params.weight * units


def check_max_weekends(
    instance: Instance, view: RosterView, params: MaxWeekendsParams
) -> RuleResult:
    """Per clinician: max(0, worked weekends - limit); a weekend is worked when its Saturday or
    Sunday has a session."""
    items = []
    for c in instance.clinicians:
        limit = c.max_weekends if c.max_weekends is not None else params.default
        if limit is None:
            continue
        weekends = {instance.week(s.date) for s in view.sessions_of(c.id) if s.date.weekday() >= 5}
        if len(weekends) > limit:
            items.append(
                (
                    len(weekends) - limit,
                    f"{_who(c)} works {_count(len(weekends), 'weekend')}, above the limit of "
                    f"{limit}",
                )
            )
    return _score(params, items)


def check_forbidden_successions(
    instance: Instance, view: RosterView, params: ForbiddenSuccessionsParams
) -> RuleResult:
    """Per clinician and listed pair: each session of kind A on day d with one of kind B on d +
    1."""

    def matches(s: Session, kind: SessionKind) -> bool:
        return (kind.activity is None or s.activity == kind.activity) and (
            kind.period is None or instance.period(s) == kind.period
        )

    def matches_past(p: PastSession, kind: SessionKind) -> bool:
        return (kind.activity is None or p.activity == kind.activity) and (
            kind.period is None or p.period == kind.period
        )

    # the listed pairs broken by a session followed by another, per kind of session (activity
    # and period): a year-long roster has hundreds of such pairs per clinician and a benchmark
    # hundreds of listed pairs, where there are a few dozen kinds
    broken: dict[tuple[tuple[str, str], tuple[str, str]], int] = {}

    def kind_of(s: Session) -> tuple[str, str]:
        return s.activity, instance.period(s)

    items: list[Item] = []
    eve = instance.rules.horizon.start - dt.timedelta(days=1)
    for c in instance.clinicians:
        days = view.days_of(c.id)
        # a published session the day before the horizon, then one on its first day
        past = instance.past(c.id)
        for p in past.sessions if past is not None else ():
            if p.date != eve:
                continue
            for b in days.get(instance.rules.horizon.start, ()):
                for pair in params.pairs:
                    if matches_past(p, pair.first) and matches(b, pair.then):
                        items.append(
                            (
                                1,
                                f"{_who(c)} works {_what(b)} the day after {_what_past(p)}, "
                                "published before the horizon",
                            )
                        )
        for day, firsts in days.items():
            for a in firsts:
                for b in days.get(day + dt.timedelta(days=1), ()):
                    key = kind_of(a), kind_of(b)
                    if key not in broken:
                        broken[key] = sum(
                            matches(a, pair.first) and matches(b, pair.then)
                            for pair in params.pairs
                        )
                    items.extend(
                        (1, f"{_who(c)} works {_what(b)} the day after {_what(a)}")
                        for _ in range(broken[key])
                    )
    return _score(params, items)


def check_total_minutes(
    instance: Instance, view: RosterView, params: TotalMinutesParams
) -> RuleResult:
    """Per clinician: minutes below min_minutes plus minutes above max_minutes."""
    items = []
    for c in instance.clinicians:
        low = c.min_minutes if c.min_minutes is not None else params.default_min
        high = c.max_minutes if c.max_minutes is not None else params.default_max
        minutes = sum(
            int((s.end_at - s.start_at).total_seconds() // 60) for s in view.sessions_of(c.id)
        )
        if low is not None and minutes < low:
            items.append(
                (low - minutes, f"{_who(c)} works {minutes} minutes, below the minimum of {low}")
            )
        if high is not None and minutes > high:
            items.append(
                (minutes - high, f"{_who(c)} works {minutes} minutes, above the maximum of {high}")
            )
    return _score(params, items)


def _day_runs(
    instance: Instance,
    view: RosterView,
    c: Clinician,
    worked: bool,
    past: tuple[bool, ...] = (),
) -> list[tuple[int, int]]:
    """(first day, length) of each maximal run of worked (or off) days inside the horizon, with
    the known days before it (``past``, oldest first, on days -len(past) .. -1) in front."""
    start = instance.rules.horizon.start
    days = instance.rules.horizon.days
    on = {(s.date - start).days for s in view.sessions_of(c.id)}
    on |= {i - len(past) for i, w in enumerate(past) if w}
    runs: list[tuple[int, int]] = []
    d = -len(past)
    while d < days:
        if (d in on) == worked:
            first = d
            while d < days and (d in on) == worked:
                d += 1
            runs.append((first, d - first))
        else:
            d += 1
    return runs


def _day_label(instance: Instance, day: int) -> str:
    return f"{instance.rules.horizon.start + dt.timedelta(days=day):%a %Y-%m-%d}"


def check_max_consecutive_days(
    instance: Instance, view: RosterView, params: MaxConsecutiveDaysParams
) -> RuleResult:
    """Per run of worked days longer than the limit: length - limit (outside counts as off).

    With outside: history a run that began before the horizon counts its days before it, and is
    charged only for the days beyond the limit that fall in the horizon."""
    items = []
    for c in instance.clinicians:
        limit = c.max_consecutive_days if c.max_consecutive_days is not None else params.default
        if limit is None:
            continue
        past = instance.days_before(c) if params.outside == "history" else ()
        for first, length in _day_runs(instance, view, c, True, past):
            before = max(0, -first)  # days of the run before the horizon
            if length > limit and length > before:
                items.append(
                    (
                        length - limit - max(0, before - limit),
                        f"{_who(c)} works {length} days in a row from "
                        f"{_day_label(instance, first)}, above the limit of {limit}",
                    )
                )
    return _score(params, items)


def _short(
    instance: Instance,
    view: RosterView,
    c: Clinician,
    low: int | None,
    worked: bool,
    outside: str,
    exempting: str,
    what: str,
) -> list[Item]:
    """Runs shorter than ``low``; with outside ``exempting`` (or history) runs touching an end
    of the days judged are exempt; with history the known days before the horizon come first."""
    items: list[Item] = []
    if low is None:
        return items
    days = instance.rules.horizon.days
    past = instance.days_before(c) if outside == "history" else ()
    exempt = outside in (exempting, "history")
    for first, length in _day_runs(instance, view, c, worked, past):
        if exempt and (first == -len(past) or first + length == days):
            continue
        if length < low:
            items.append(
                (
                    low - length,
                    f"{_who(c)} has {length} {what} in a row from "
                    f"{_day_label(instance, first)}, below the minimum of {low}",
                )
            )
    return items


def check_min_consecutive_days(
    instance: Instance, view: RosterView, params: MinConsecutiveDaysParams
) -> RuleResult:
    """Per run of worked days shorter than the minimum: minimum - length (runs touching an end
    are exempt when outside counts as worked)."""
    items = []
    for c in instance.clinicians:
        low = c.min_consecutive_days if c.min_consecutive_days is not None else params.default
        items += _short(instance, view, c, low, True, params.outside, "worked", "worked days")
    return _score(params, items)


def check_min_days_off(
    instance: Instance, view: RosterView, params: MinDaysOffParams
) -> RuleResult:
    """Per run of days off shorter than the minimum: minimum - length (runs touching an end are
    exempt when outside counts as off)."""
    items = []
    for c in instance.clinicians:
        low = (
            c.min_consecutive_days_off if c.min_consecutive_days_off is not None else params.default
        )
        items += _short(instance, view, c, low, False, params.outside, "off", "days off")
    return _score(params, items)


def check_cover_over_preferred(
    instance: Instance, view: RosterView, params: CoverOverPreferredParams
) -> RuleResult:
    """Per session and need row: max(0, n(s, r) - pref)."""
    units = sum(
        max(0, view.n(need.session, need.role) - need.pref)
        * (1 if need.over_weight is None else need.over_weight)
        for need in instance.needs
    )
    return [], params.weight * units


CHECKERS: dict[str, Callable[[Instance, RosterView, Any], RuleResult]] = {
    "eligibility": check_eligibility,
    "availability": check_availability,
    "no_overlap": check_no_overlap,
    "cover_min": check_cover_min,
    "cover_max": check_cover_max,
    "max_per_day": check_max_per_day,
    "max_per_week": check_max_per_week,
    "rest_after_evening": check_rest_after_evening,
    "allocation_bounds": check_allocation_bounds,
    "teaching_ratio": check_teaching_ratio,
    "max_weekends": check_max_weekends,
    "forbidden_successions": check_forbidden_successions,
    "total_minutes": check_total_minutes,
    "max_consecutive_days": check_max_consecutive_days,
    "min_consecutive_days": check_min_consecutive_days,
    "min_days_off": check_min_days_off,
    "cover_preferred": check_cover_preferred,
    "allocation_target": check_allocation_target,
    "requests": check_requests,
    "fairness": check_fairness,
    "site_changes": check_site_changes,
    "continuity": check_continuity,
    "cover_over_preferred": check_cover_over_preferred,
}


def check_roster(instance: Instance, assignments: Iterable[tuple[str, str]]) -> CheckReport:
    """Score a roster: every hard breach as a sentence, and each active soft rule's penalty."""
    view = RosterView(instance, assignments)
    violations = [
        f"{_who(instance.clinician_by_id[c])} is assigned "
        f"{'twice' if k == 2 else f'{k} times'} to {_what(instance.session_by_id[s])}"
        for (c, s), k in view.repeats.items()
    ]
    by_rule: dict[str, int] = {}
    for kind, params in instance.rules.rules.active().items():
        found, penalty = CHECKERS[kind](instance, view, params)
        violations.extend(found)
        if not params.hard:
            by_rule[kind] = penalty
    return CheckReport(hard_violations=tuple(violations), objective_by_rule=by_rule)
