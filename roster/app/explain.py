"""Infeasibility in a person's terms: cheap supply checks, then the conflicts, each a minimal set
of requirements that cannot hold together."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from roster.app.compile import build_problem
from roster.domain.check import CheckReport, check_roster
from roster.domain.explain_words import (
    Concern,
    count,
    role_words,
    sentence,
    session_words,
    why_nobody,
)
from roster.domain.prorate import dues_of
from roster.domain.tables import Clinician, Instance, Session
from solver.diagnose.conflicts import Explanation, Group, explain, relax_groups
from solver.diagnose.gaps import CoverGap, cover_gaps
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.build import Customize
from solver.model.problem import ProblemData


@dataclass(frozen=True)
class Diagnosis:
    cheap: tuple[str, ...]  # supply against demand, found without solving
    explanation: Explanation
    # one sentence per group, conflict by conflict (disjoint minimal sets, see solver.diagnose)
    conflicts: tuple[tuple[str, ...], ...]

    @property
    def sentences(self) -> tuple[str, ...]:
        """Every conflict's sentences, in order."""
        return tuple(line for conflict in self.conflicts for line in conflict)


@dataclass(frozen=True)
class Relaxed:
    status: str
    assignments: tuple[tuple[str, str], ...]
    check: CheckReport | None  # what the least bad roster breaks, by the independent checker


def cheap_checks(inst: Instance, problem: ProblemData) -> list[str]:
    """Demand no solve is needed to see: cover minimums and allocation minimums beyond supply."""
    out = []
    cover_min = inst.rules.rules.cover_min
    if cover_min is not None and cover_min.hard:
        out += [gap_words(inst, gap) for gap in cover_gaps(problem)]
    bounds = inst.rules.rules.allocation_bounds
    if bounds is not None and bounds.hard:
        open_to: dict[str, list[Session]] = defaultdict(list)
        for c, s in problem.eligible:
            if (c, s) not in problem.unavailable:
                open_to[problem.clinicians[c].id].append(inst.session_by_id[problem.sessions[s].id])
        start = inst.rules.horizon.start
        for a in inst.allocations:
            if a.min is None or a.unit != "sessions":
                continue
            weeks = range(inst.n_weeks) if a.period == "week" else [None]
            # prorated by absence; a term row's is the horizon's part of what remains
            dues = dues_of(inst)[(a.clinician, a.activity, a.period)]
            term = inst.term_of(a)
            first, last = (start, inst.rules.horizon.end)
            if term is not None:
                first, last, _, _ = inst.term_weeks(term)
            for w, due in zip(weeks, dues, strict=True):
                n = sum(
                    1
                    for s in open_to[a.clinician]
                    if s.activity == a.activity
                    and (w is None or inst.week(s.date) == w)
                    and first <= s.date <= last
                )
                if due.min is not None and n < due.min:
                    when = (
                        "over the horizon"
                        if w is None
                        else f"in the week of {start + dt.timedelta(days=7 * w):%a %-d %b}"
                    )
                    if term is not None:
                        when = f"in this horizon, its part of the term {term.name}'s minimum"
                    out.append(
                        f"{inst.clinician_by_id[a.clinician].name} must do at least "
                        f"{count(due.min, a.activity + ' session')} {when}, but only {n} "
                        f"{'is' if n == 1 else 'are'} open to them"
                    )
    return out


def gap_words(inst: Instance, gap: CoverGap) -> str:
    """A session that needs more of a role than are eligible and available, and why."""
    s = inst.session_by_id[gap.session]
    needs = f"{session_words(inst, s)} needs {count(gap.minimum, role_words(gap.role))}"
    if gap.eligible == 0:
        return f"{needs}, but no one is eligible: {why_nobody(inst, s, gap.role)}"
    return (
        f"{needs}, but only {gap.eligible} {'is' if gap.eligible == 1 else 'are'} eligible "
        f"and {gap.available} of them available"
    )


def describe(
    inst: Instance,
    problem: ProblemData,
    group: Group,
    nobody: tuple[tuple[Session, str], ...] = (),
) -> str:
    """One group of hard requirements in plain words: its rule's sentence (dispatched by kind in
    roster.domain.explain_words), or a repair's frozen past. ``nobody``: the needs no one is
    eligible for, which a cover group about no session in particular stands for."""
    clinician = (
        inst.clinician_by_id[problem.clinicians[group.clinician].id]
        if group.clinician >= 0
        else None
    )
    week = group.week if group.week >= 0 else None
    if group.kind == "published":
        if clinician is None:
            return "the repair changes no more assignments than --max-changes allows"
        first = inst.rules.horizon.start + dt.timedelta(days=7 * (week or 0))
        when = "" if week is None else f" in the week of {first:%a %-d %b}"
        return f"{clinician.name}'s assignments before the repair's start stay as published{when}"
    session = inst.session_by_id[problem.sessions[group.session].id] if group.session >= 0 else None
    eligible: dict[str, tuple[Clinician, ...]] = {}
    unavailable: set[str] = set()
    if session is not None:
        for c, si in problem.eligible:
            if si != group.session:
                continue
            who = inst.clinician_by_id[problem.clinicians[c].id]
            eligible[who.role] = (*eligible.get(who.role, ()), who)
            if (c, si) in problem.unavailable:
                unavailable.add(who.id)
    concern = Concern(
        inst,
        group.kind,
        session=session,
        clinician=clinician,
        week=week,
        sessions=tuple(inst.session_by_id[problem.sessions[i].id] for i in group.sessions),
        eligible=eligible,
        unavailable=frozenset(unavailable),
        nobody=nobody if session is None and clinician is None else (),
    )
    return sentence(concern)


def diagnose(
    inst: Instance, time_limit: float = 60.0, customize: Customize | None = None
) -> Diagnosis:
    """The cheap checks, then the disjoint conflicts in words."""
    problem = build_problem(inst)
    cheap = cheap_checks(inst, problem)
    explanation = explain(problem, time_limit, customize)
    nobody = tuple(
        (inst.session_by_id[gap.session], gap.role)
        for gap in cover_gaps(problem)
        if gap.eligible == 0
    )
    conflicts = tuple(
        tuple(describe(inst, problem, g, nobody) for g in conflict)
        for conflict in explanation.conflicts
    )
    return Diagnosis(tuple(cheap), explanation, conflicts)


def conflict_lines(diagnosis: Diagnosis) -> list[str]:
    """The conflicts as a person reads them: how many there are (each needs a fix of its own),
    then each one's requirements, numbered. `roster explain` prints these, and so do `roster
    solve` and `roster repair` when they end without a roster."""
    ex = diagnosis.explanation
    n = len(diagnosis.conflicts)
    out: list[str] = []
    if n > 1:
        more = "" if ex.complete else " at least"
        out.append(
            f"There are{more} {n} separate conflicts: each needs a fix of its own, so fixing one "
            "is not enough."
        )
    for k, sentences in enumerate(diagnosis.conflicts, 1):
        if len(sentences) == 1:
            text = "this requirement cannot hold, whatever else is dropped:"
        else:
            text = (
                f"these {len(sentences)} requirements cannot all hold; drop any one of them and "
                "the rest can:"
            )
        out.append(f"Conflict {k} of {n}: {text}" if n > 1 else text[0].upper() + text[1:])
        out += [f"  {i}. {line}" for i, line in enumerate(sentences, 1)]
    if not ex.complete:
        out.append(f"More conflicts may remain once {'these are' if n > 1 else 'this is'} fixed.")
    return out


def relax(inst: Instance, diagnosis: Diagnosis, params: SolveParams) -> Relaxed:
    """The least bad roster with every conflict's hard rules turned into heavy penalties, by the
    engine every command runs."""
    problem = build_problem(inst)
    groups = diagnosis.explanation.groups
    result = solve(problem, params, transform=lambda built: relax_groups(built, problem, groups))
    report = check_roster(inst, result.assignments) if result.status.has_solution else None
    return Relaxed(result.status.value, result.assignments, report)
