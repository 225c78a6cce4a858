"""Each hard rule's requirement in plain words, for the explanation of an infeasible instance.

The explanation (roster.app.explain) names a few groups of hard constraints that cannot hold
together; a group is one rule's constraints about one session, or about one clinician (in one
week, or over the horizon), or about a few sessions of one clinician that cannot all be worked.
:data:`WORDS` maps every rule kind that can be hard to the function that words such a group; a
test checks that it covers exactly those kinds, so a new hard rule gets its sentence here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from roster.domain.prorate import dues_of
from roster.domain.tables import Clinician, Instance, Session


@dataclass(frozen=True)
class Concern:
    """What one group of hard constraints is about, with what its sentence needs to say."""

    instance: Instance
    kind: str
    session: Session | None = None
    clinician: Clinician | None = None
    week: int | None = None
    # the few sessions of the clinician the group is about (two that overlap, say)
    sessions: tuple[Session, ...] = ()
    # for a session's group: the eligible clinicians by role needed, and who of them is away
    eligible: Mapping[str, tuple[Clinician, ...]] = field(default_factory=dict)
    unavailable: frozenset[str] = frozenset()
    # for a cover group about no session in particular: the needs (session, role) no one is
    # eligible for, which the model cannot tie to a clinician
    nobody: tuple[tuple[Session, str], ...] = ()


Words = Callable[[Concern], str]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 session', '2 sessions'."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def role_words(role: str) -> str:
    return role.replace("_", " ")


def when(s: Session) -> str:
    return f"{s.date:%a %-d %b} {s.start:%H:%M}-{s.end:%H:%M}"


def session_words(inst: Instance, s: Session) -> str:
    site = inst.site_by_id[s.site].name
    what = " ".join(x for x in (s.specialty, s.activity) if x)
    return f"{when(s)}, {site} {what} ({s.id})"


def names(people: Sequence[Clinician]) -> str:
    return ", ".join(c.name for c in people) or "nobody"


def absences(inst: Instance, clinician: str, s: Session | None = None) -> list[str]:
    """The clinician's unavailability, or only what overlaps session ``s``."""
    out = []
    for u in inst.unavailability:
        if u.clinician == clinician and (s is None or (u.start < s.end_at and s.start_at < u.end)):
            reason = f" ({u.reason})" if u.reason else ""
            out.append(f"{u.start:%a %-d %b %H:%M} to {u.end:%a %-d %b %H:%M}{reason}")
    return out


def why_nobody(inst: Instance, s: Session, role: str) -> str:
    """Why no clinician of ``role`` is eligible for ``s``: the requirements none of them meets
    (the role itself, the specialty, privileges at the site, the teacher flag), each on its own,
    or that no one meets them all at once."""
    people = [c for c in inst.clinicians if c.role == role]
    if not people:
        return f"no clinician has the role {role_words(role)}"
    teacher_rule = inst.rules.rules.eligibility.teaching_needs_teacher
    checks: list[tuple[str, Callable[[Clinician], bool]]] = []
    if s.specialty is not None:
        specialty = s.specialty
        checks.append((f"the specialty {specialty}", lambda c: specialty in c.specialties))
    checks.append((f"privileges at {s.site}", lambda c: s.site in c.privileges))
    if teacher_rule and s.activity == "teaching":
        checks.append(("the teacher flag", lambda c: c.teacher))
    plural = f"{role_words(role)}s" if len(people) != 1 else role_words(role)
    missing = [what for what, ok in checks if not any(ok(c) for c in people)]
    if missing:
        return f"none of the {len(people)} {plural} has " + " or ".join(missing)
    return (
        f"no {role_words(role)} has all of "
        + ", ".join(what for what, _ in checks)
        + " at once ("
        + "; ".join(f"{what}: {names([c for c in people if ok(c)])}" for what, ok in checks)
        + ")"
    )


def _week(concern: Concern) -> str:
    if concern.week is None:
        return ""
    first = concern.instance.rules.horizon.start + dt.timedelta(days=7 * concern.week)
    return f" in the week of {first:%a %-d %b}"


def _rule(concern: Concern) -> Any:
    return getattr(concern.instance.rules.rules, concern.kind)


def _limit(concern: Concern, column: str, default: str = "default") -> int | None:
    """The clinician's own limit in ``column``, else the rule's ``default``."""
    own = getattr(concern.clinician, column, None)
    return own if own is not None else getattr(_rule(concern), default, None)


def _eligible_words(concern: Concern, roles: Sequence[str]) -> str:
    """'eligible: A, B; of them unavailable: B, Tue 8 Dec 00:00 to Wed 9 Dec 00:00', per role
    needed when there are several, and why no one is when no one is."""
    inst, s = concern.instance, concern.session
    assert s is not None
    parts = []
    for role in roles:
        people = concern.eligible.get(role, ())
        label = "eligible" if len(roles) == 1 else f"eligible {role_words(role)}s"
        if not people:
            parts.append(f"no {role_words(role)} is eligible: {why_nobody(inst, s, role)}")
            continue
        parts.append(f"{label}: {names(people)}")
        away = [c for c in people if c.id in concern.unavailable]
        if away:
            parts.append(
                "of them unavailable: "
                + "; ".join(f"{c.name}, {', '.join(absences(inst, c.id, s))}" for c in away)
            )
    return "; ".join(parts)


def _nobody(concern: Concern) -> str:
    inst = concern.instance
    if not concern.nobody:
        return f"the {concern.kind} rule"
    return "no one is eligible for " + "; ".join(
        f"{session_words(inst, s)}, which needs a {role_words(role)} ({why_nobody(inst, s, role)})"
        for s, role in concern.nobody
    )


def _cover_min(concern: Concern) -> str:
    s = concern.session
    if s is None:
        return _nobody(concern)
    needs = [n for n in concern.instance.needs_by_session.get(s.id, ()) if n.min]
    wanted = " and ".join(count(n.min, role_words(n.role)) for n in needs)
    detail = _eligible_words(concern, [n.role for n in needs])
    return f"{session_words(concern.instance, s)} needs at least {wanted}; {detail}"


def _cover_max(concern: Concern) -> str:
    s = concern.session
    if s is None:
        return f"the {concern.kind} rule"
    needs = concern.instance.needs_by_session.get(s.id, ())
    return f"{session_words(concern.instance, s)} may have at most " + " and ".join(
        count(n.most, role_words(n.role)) for n in needs
    )


def _teaching_ratio(concern: Concern) -> str:
    s = concern.session
    if s is None or s.students is None or s.students_per_teacher is None:
        return _nobody(concern)
    teachers = -(-s.students // s.students_per_teacher)
    roles = [n.role for n in concern.instance.needs_by_session.get(s.id, ())]
    return (
        f"{session_words(concern.instance, s)} teaches {count(s.students, 'student')}, at most "
        f"{s.students_per_teacher} per teacher, so needs {count(teachers, 'teacher')}; "
        f"{_eligible_words(concern, roles)}"
    )


def _who(concern: Concern) -> str:
    return concern.clinician.name if concern.clinician is not None else "each clinician"


def _eligibility(concern: Concern) -> str:
    return (
        f"{_who(concern)} takes only sessions they are eligible for (a role the session needs, "
        "its specialty, privileges at its site, and the teacher flag for teaching)"
    )


def _availability(concern: Concern) -> str:
    c = concern.clinician
    if c is None:
        return "no one works while unavailable"
    return f"{c.name} is unavailable " + "; ".join(absences(concern.instance, c.id))


def _gap(concern: Concern, a: Session, b: Session) -> int:
    params = concern.instance.rules.rules.no_overlap
    if a.site == b.site or not params.travel:
        return params.min_gap_minutes
    return max(params.min_gap_minutes, concern.instance.travel_minutes.get((a.site, b.site), 0))


def _no_overlap(concern: Concern) -> str:
    inst, sessions = concern.instance, sorted(concern.sessions, key=lambda s: s.start_at)
    who = _who(concern)
    if len(sessions) < 2:
        return (
            f"{who} cannot be in two places at once, counting travel between sites{_week(concern)}"
        )
    if len(sessions) > 2:
        return (
            f"{who} can work only one of "
            + "; ".join(session_words(inst, s) for s in sessions)
            + ": they overlap in time"
        )
    a, b = sessions
    both = f"{who} cannot work both {session_words(inst, a)} and {session_words(inst, b)}"
    if a.end_at > b.start_at:
        return f"{both}: they overlap in time"
    left = int((b.start_at - a.end_at).total_seconds() // 60)
    between = (
        f"they leave {count(left, 'minute')} between them"
        if left
        else f"{b.id} starts as {a.id} ends"
    )
    need = count(_gap(concern, a, b), "minute")
    if a.site == b.site:
        return f"{both}: {between}, and {need} are needed between sessions at one site"
    return (
        f"{both}: {between}, and the travel from {inst.site_by_id[a.site].name} to "
        f"{inst.site_by_id[b.site].name} takes {need}"
    )


def _rest_after_evening(concern: Concern) -> str:
    rest = concern.instance.rules.rules.rest_after_evening
    minutes = 0 if rest is None else rest.rest_minutes
    length = f"{minutes // 60} h {minutes % 60:02d} min"
    sessions = sorted(concern.sessions, key=lambda s: s.start_at)
    if len(sessions) == 2:
        a, b = sessions
        inst = concern.instance
        return (
            f"{_who(concern)} needs {length} of rest after the evening session "
            f"{session_words(inst, a)}, so cannot also work {session_words(inst, b)}"
        )
    return f"{_who(concern)} needs {length} of rest after an evening session{_week(concern)}"


def _at_most(limit: int | None, noun: str) -> str:
    """'at most 2 sessions', 'no session' (a limit of 0), 'any number of sessions' (none)."""
    if limit is None:
        return f"any number of {noun}s"
    return f"no {noun}" if limit == 0 else f"at most {count(limit, noun)}"


def _per(concern: Concern, column: str, unit: str) -> str:
    limit = _limit(concern, column)
    return f"{_who(concern)} works {_at_most(limit, 'session')} {unit}{_week(concern)}"


def _max_per_day(concern: Concern) -> str:
    return _per(concern, "max_per_day", "a day")


def _max_per_week(concern: Concern) -> str:
    return _per(concern, "max_per_week", "a week")


def _max_weekends(concern: Concern) -> str:
    limit = _limit(concern, "max_weekends")
    amount = _at_most(limit, "weekend")
    return f"{_who(concern)} works {amount} over the horizon (a weekend with any session counts)"


def _kind_words(kind: Any) -> str:
    """'an evening session', 'a pm clinical session', 'any session'."""
    parts = [x for x in (kind.period, kind.activity) if x]
    if not parts:
        return "any session"
    return ("an " if parts[0][0] in "aeiou" else "a ") + " ".join(parts) + " session"


def _forbidden_successions(concern: Concern) -> str:
    params = _rule(concern)
    pairs = "; ".join(
        f"{_kind_words(p.then)} the day after {_kind_words(p.first)}" for p in params.pairs
    )
    return f"{_who(concern)} may not work {pairs}{_week(concern)}"


def _total_minutes(concern: Concern) -> str:
    low = _limit(concern, "min_minutes", "default_min")
    high = _limit(concern, "max_minutes", "default_max")
    if low is not None and high is not None:
        amount = f"from {low} to {high} minutes"
    elif low is not None:
        amount = f"at least {low} minutes"
    else:
        amount = f"at most {high} minutes"
    return f"{_who(concern)} works {amount} over the horizon"


def _outside(concern: Concern) -> str:
    """' (counting the days before the horizon)' when the rule reads them and they are known."""
    c = concern.clinician
    known = c is not None and concern.instance.days_before(c)
    if _rule(concern).outside == "history" and known:
        return " (counting the days before the horizon)"
    return ""


def _max_consecutive_days(concern: Concern) -> str:
    limit = _limit(concern, "max_consecutive_days")
    return f"{_who(concern)} works {_at_most(limit, 'day')} in a row{_outside(concern)}"


def _min_consecutive_days(concern: Concern) -> str:
    limit = _limit(concern, "min_consecutive_days")
    amount = "any number of" if limit is None else f"at least {count(limit, 'day')}"
    return f"{_who(concern)} works {amount} in a row once they start{_outside(concern)}"


def _min_days_off(concern: Concern) -> str:
    limit = _limit(concern, "min_consecutive_days_off")
    amount = "any number of days" if limit is None else f"at least {count(limit, 'day')}"
    return f"{_who(concern)} takes {amount} off in a row{_outside(concern)}"


def _allocation_bounds(concern: Concern) -> str:
    c = concern.clinician
    if c is None:
        return "each clinician's time allocation stays within its bounds"
    parts = []
    inst = concern.instance
    for a in inst.allocations:
        if a.clinician != c.id or (a.min is None and a.max is None):
            continue
        low = a.min  # the minimum prorated by absence, for the week or the horizon
        if a.period == "week" and concern.week is not None:
            low = dues_of(inst)[(a.clinician, a.activity, a.period)][concern.week].min
        elif a.period == "horizon":
            low = dues_of(inst)[(a.clinician, a.activity, a.period)][0].min
        if a.unit == "share":
            rng = " to ".join(f"{v}%" for v in (low, a.max) if v is not None)
        elif low is not None and a.max is not None:
            rng = f"{low} to {count(a.max, 'session')}"
        else:
            rng = count(low if low is not None else a.max or 0, "session")
        word = "at least" if a.max is None else "at most" if low is None else "from"
        parts.append(f"{a.activity} {word} {rng} per {a.period}")
    return f"{c.name}'s time allocation: {'; '.join(parts)}{_week(concern)}"


WORDS: dict[str, Words] = {
    "eligibility": _eligibility,
    "availability": _availability,
    "no_overlap": _no_overlap,
    "cover_min": _cover_min,
    "cover_max": _cover_max,
    "max_per_day": _max_per_day,
    "max_per_week": _max_per_week,
    "rest_after_evening": _rest_after_evening,
    "allocation_bounds": _allocation_bounds,
    "teaching_ratio": _teaching_ratio,
    "max_weekends": _max_weekends,
    "forbidden_successions": _forbidden_successions,
    "total_minutes": _total_minutes,
    "max_consecutive_days": _max_consecutive_days,
    "min_consecutive_days": _min_consecutive_days,
    "min_days_off": _min_days_off,
}


def sentence(concern: Concern) -> str:
    """The group's requirement in plain words."""
    return WORDS[concern.kind](concern)
