"""Infeasibility in a person's terms: cheap supply checks, then the minimal conflicting set."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from roster.app.compile import build_problem
from roster.domain.check import CheckReport, check_roster
from roster.domain.tables import Instance, Session
from solver.diagnose.conflicts import Explanation, Group, explain, relax_groups
from solver.diagnose.gaps import cover_gaps
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.build import Customize
from solver.model.problem import ProblemData


@dataclass(frozen=True)
class Diagnosis:
    cheap: tuple[str, ...]  # supply against demand, found without solving
    explanation: Explanation
    sentences: tuple[str, ...]  # one per group of the minimal set


@dataclass(frozen=True)
class Relaxed:
    status: str
    assignments: tuple[tuple[str, str], ...]
    check: CheckReport | None  # what the least bad roster breaks, by the independent checker


def _when(s: Session) -> str:
    return f"{s.date:%a %-d %b} {s.start:%H:%M}-{s.end:%H:%M}"


def _session_words(inst: Instance, s: Session) -> str:
    site = inst.site_by_id[s.site].name
    what = " ".join(x for x in (s.specialty, s.activity) if x)
    return f"{_when(s)}, {site} {what} ({s.id})"


def _names(inst: Instance, ids: list[str]) -> str:
    return ", ".join(f"{inst.clinician_by_id[c].name}" for c in ids) or "nobody"


def _absences(inst: Instance, clinician: str, s: Session | None = None) -> list[str]:
    out = []
    for u in inst.unavailability:
        if u.clinician == clinician and (s is None or (u.start < s.end_at and s.start_at < u.end)):
            reason = f" ({u.reason})" if u.reason else ""
            out.append(f"{u.start:%a %-d %b %H:%M} to {u.end:%a %-d %b %H:%M}{reason}")
    return out


def cheap_checks(inst: Instance, problem: ProblemData) -> list[str]:
    """Demand no solve is needed to see: cover minimums and allocation minimums beyond supply."""
    out = []
    cover_min = inst.rules.rules.cover_min
    if cover_min is not None and cover_min.hard:
        for gap in cover_gaps(problem):
            short = inst.session_by_id[gap.session]
            out.append(
                f"{_session_words(inst, short)} needs {gap.minimum} {gap.role}, but only "
                f"{gap.eligible} "
                f"are eligible and {gap.available} of them available"
            )
    bounds = inst.rules.rules.allocation_bounds
    if bounds is not None and bounds.hard:
        open_to: dict[str, list[Session]] = defaultdict(list)
        for c, s in problem.eligible:
            if (c, s) not in problem.unavailable:
                open_to[problem.clinicians[c].id].append(inst.session_by_id[problem.sessions[s].id])
        for a in inst.allocations:
            if a.min is None or a.unit != "sessions":
                continue
            weeks = range(inst.n_weeks) if a.period == "week" else [None]
            dues = inst.dues[(a.clinician, a.activity, a.period)]  # prorated by absence
            for w, due in zip(weeks, dues, strict=True):
                n = sum(
                    1
                    for s in open_to[a.clinician]
                    if s.activity == a.activity and (w is None or inst.week(s.date) == w)
                )
                if due.min is not None and n < due.min:
                    when = (
                        "over the horizon"
                        if w is None
                        else "in the week of "
                        f"{inst.rules.horizon.start + dt.timedelta(days=7 * w):%a %-d %b}"
                    )
                    out.append(
                        f"{inst.clinician_by_id[a.clinician].name} must do at least {due.min} "
                        f"{a.activity} "
                        f"sessions {when}, but only {n} are open to them"
                    )
    return out


def describe(inst: Instance, problem: ProblemData, group: Group) -> str:
    """One group of hard requirements in plain words."""
    rules = inst.rules.rules
    if group.session >= 0:
        s = inst.session_by_id[problem.sessions[group.session].id]
        eligible = [problem.clinicians[c].id for c, si in problem.eligible if si == group.session]
        index = {cl.id: i for i, cl in enumerate(problem.clinicians)}
        away = [c for c in eligible if (index[c], group.session) in problem.unavailable]
        detail = f"; eligible: {_names(inst, eligible)}"
        if away:
            detail += "; of them unavailable: " + "; ".join(
                f"{inst.clinician_by_id[c].name} ({', '.join(_absences(inst, c, s))})" for c in away
            )
        needs = inst.needs_by_session.get(s.id, ())
        if group.kind == "cover_min":
            wanted = ", ".join(f"{n.min} {n.role}" for n in needs if n.min)
            return f"{_session_words(inst, s)} needs at least {wanted}{detail}"
        if group.kind == "cover_max":
            return f"{_session_words(inst, s)} may have at most " + ", ".join(
                f"{n.most} {n.role}" for n in needs
            )
        if group.kind == "teaching_ratio":
            return (
                f"{_session_words(inst, s)} teaches {s.students} students, at most "
                f"{s.students_per_teacher} "
                f"per teacher{detail}"
            )
        return f"{group.kind} for {_session_words(inst, s)}"
    if group.clinician >= 0:
        c = inst.clinician_by_id[problem.clinicians[group.clinician].id]
        week = (
            ""
            if group.week < 0
            else " in the week of "
            f"{inst.rules.horizon.start + dt.timedelta(days=7 * group.week):%a %-d %b}"
        )
        if group.kind == "published":
            return f"{c.name}'s assignments before the repair's start stay as published{week}"
        if group.kind == "availability":
            return f"{c.name} is unavailable " + "; ".join(_absences(inst, c.id))
        if group.kind == "no_overlap":
            return f"{c.name} cannot be in two places at once, counting travel between sites{week}"
        if group.kind == "max_per_day":
            limit = (
                c.max_per_day
                if c.max_per_day is not None
                else getattr(rules.max_per_day, "default", None)
            )
            return f"{c.name} works at most {limit} sessions a day{week}"
        if group.kind == "max_per_week":
            limit = (
                c.max_per_week
                if c.max_per_week is not None
                else getattr(rules.max_per_week, "default", None)
            )
            return f"{c.name} works at most {limit} sessions a week{week}"
        if group.kind == "rest_after_evening":
            rest = getattr(rules.rest_after_evening, "rest_minutes", 0)
            return (
                f"{c.name} needs {rest // 60} h {rest % 60:02d} min of rest "
                f"after an evening session{week}"
            )
        if group.kind == "allocation_bounds":
            rows = [
                a
                for a in inst.allocations
                if a.clinician == c.id and (a.min is not None or a.max is not None)
            ]
            parts = []
            for a in rows:
                unit = "%" if a.unit == "share" else " sessions"
                low = a.min
                if a.period == "week" and group.week >= 0:
                    # the week's minimum, prorated by absence
                    low = inst.dues[(a.clinician, a.activity, a.period)][group.week].min
                elif a.period == "horizon":
                    low = inst.dues[(a.clinician, a.activity, a.period)][0].min
                rng = " to ".join(f"{v}{unit}" for v in (low, a.max) if v is not None)
                word = "at least" if a.max is None else "at most" if low is None else "from"
                parts.append(f"{a.activity} {word} {rng} per {a.period}")
            return f"{c.name}'s time allocation: {'; '.join(parts)}{week}"
        return f"{group.kind} for {c.name}{week}"
    if group.kind == "published":
        return "the repair changes no more assignments than --max-changes allows"
    return f"the {group.kind} rule"


def diagnose(
    inst: Instance, time_limit: float = 60.0, customize: Customize | None = None
) -> Diagnosis:
    problem = build_problem(inst)
    cheap = cheap_checks(inst, problem)
    explanation = explain(problem, time_limit, customize)
    sentences = tuple(describe(inst, problem, g) for g in explanation.groups)
    return Diagnosis(tuple(cheap), explanation, sentences)


def relax(inst: Instance, diagnosis: Diagnosis, params: SolveParams) -> Relaxed:
    """The least bad roster with the minimal set's hard rules turned into heavy penalties, by the
    engine every command runs."""
    problem = build_problem(inst)
    groups = diagnosis.explanation.groups
    result = solve(problem, params, transform=lambda built: relax_groups(built, problem, groups))
    report = check_roster(inst, result.assignments) if result.status.has_solution else None
    return Relaxed(result.status.value, result.assignments, report)
