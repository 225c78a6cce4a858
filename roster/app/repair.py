"""Repair a published roster after something changed, moving as little as possible.

Sessions that start before ``start`` (the ``--from`` moment) are frozen as published. Every later
change to a published assignment (a clinician taken off a session, or put on one) costs
``change_weight`` plus ``urgency_weight`` for each day inside the notice window: a change to a
session d whole days after ``start`` costs
``change_weight + urgency_weight * max(0, notice_days - d)``.
With ``max_changes`` the number of changes is also capped, as a hard limit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from roster.app.compile import build_problem
from roster.app.explain import conflict_lines, diagnose
from roster.domain.check import CheckReport, check_roster
from roster.domain.tables import Instance
from solver.engine.params import SolveParams
from solver.engine.solve import solve
from solver.model.changes import Changes, add_changes
from solver.model.problem import ProblemData
from solver.model.result import Result, SolveStatus
from solver.model.variables import Term, Variables

CHANGES_LABEL = "changes"


@dataclass(frozen=True)
class RepairSettings:
    start: dt.datetime = field(metadata={"help": "Sessions starting before this are frozen."})
    change_weight: int = 100
    urgency_weight: int = 50
    notice_days: int = 7
    max_changes: int | None = None

    def cost(self, session_start: dt.datetime) -> int:
        days = max(0, (session_start - self.start).days)
        return self.change_weight + self.urgency_weight * max(0, self.notice_days - days)


@dataclass(frozen=True)
class Change:
    clinician: str
    session: str
    kind: str  # removed, added, cancelled (the session itself was cancelled)


@dataclass(frozen=True)
class RepairOutcome:
    result: Result
    changes: tuple[Change, ...]
    old_objective: int | None  # the published roster, scored by the checker on the old instance
    check: CheckReport | None  # the new roster, scored by the checker on the changed instance
    frozen_problems: tuple[str, ...] = ()  # frozen published assignments that no longer hold
    why: tuple[str, ...] = ()  # when no repair exists: the conflicts, as lines to print

    @property
    def n_changes(self) -> int:
        return sum(1 for c in self.changes if c.kind != "cancelled")


def repair(
    before: Instance,
    after: Instance,
    published: Iterable[tuple[str, str]],
    settings: RepairSettings,
    params: SolveParams,
) -> RepairOutcome:
    published = sorted(set(published))
    old = check_roster(before, published).objective
    cancelled = tuple(
        Change(c, s, "cancelled")
        for c, s in published
        if s not in after.session_by_id or c not in after.clinician_by_id
    )
    kept = [(c, s) for c, s in published if s in after.session_by_id and c in after.clinician_by_id]
    problem = build_problem(after)
    frozen_problems = _frozen_problems(problem, after, kept, settings)
    if frozen_problems:
        empty = Result(SolveStatus.INFEASIBLE, (), None, None, {}, 0.0, 0.0)
        return RepairOutcome(empty, cancelled, old, None, tuple(frozen_problems))

    start = _changes(problem, after, kept, settings)

    def customize(model: cp_model.CpModel, p: ProblemData, v: Variables) -> dict[str, list[Term]]:
        return {CHANGES_LABEL: add_changes(model, p, v, start)}

    result = solve(problem, params, hint=kept, customize=customize)
    if not result.status.has_solution:
        # why: the rules' hard groups plus the frozen past, each clinician-week a group
        frozen_only = dataclasses.replace(start, cost=[0] * len(start.cost))

        def freeze(model: cp_model.CpModel, p: ProblemData, v: Variables) -> dict[str, list[Term]]:
            add_changes(model, p, v, frozen_only)
            return {}

        diagnosis = diagnose(after, min(60.0, params.time_limit), freeze)
        return RepairOutcome(result, cancelled, old, None, why=tuple(conflict_lines(diagnosis)))
    new = set(result.assignments)
    changes = [Change(c, s, "removed") for c, s in kept if (c, s) not in new]
    changes += [Change(c, s, "added") for c, s in sorted(new - set(kept))]
    report = check_roster(after, result.assignments)
    return RepairOutcome(result, cancelled + tuple(changes), old, report)


def _frozen_problems(
    problem: ProblemData, after: Instance, kept: list[tuple[str, str]], settings: RepairSettings
) -> list[str]:
    eligible = {(problem.clinicians[c].id, problem.sessions[s].id) for c, s in problem.eligible}
    unavailable = {
        (problem.clinicians[c].id, problem.sessions[s].id) for c, s in problem.unavailable
    }
    out = []
    for c, s in kept:
        session = after.session_by_id[s]
        if session.start_at >= settings.start:
            continue
        if (c, s) not in eligible or (c, s) in unavailable:
            out.append(
                f"{c} on {s} ({session.date} {session.start:%H:%M}) is frozen (before "
                f"{settings.start:%Y-%m-%d %H:%M}) but is no longer eligible or available"
            )
    return out


def _changes(
    problem: ProblemData, after: Instance, kept: list[tuple[str, str]], settings: RepairSettings
) -> Changes:
    """The repair's starting point by index: the kept published pairs, the frozen sessions (they
    start before ``settings.start``) and each session's cost of a change."""
    clin = {c.id: i for i, c in enumerate(problem.clinicians)}
    sess = {s.id: i for i, s in enumerate(problem.sessions)}
    starts = [after.session_by_id[s.id].start_at for s in problem.sessions]
    return Changes(
        published=frozenset((clin[c], sess[s]) for c, s in kept),
        frozen=frozenset(i for i, start in enumerate(starts) if start < settings.start),
        cost=[settings.cost(start) for start in starts],
        max_changes=settings.max_changes,
    )


def change_rows(instance: Instance, outcome: RepairOutcome) -> list[dict[str, Any]]:
    """One row per change, in session order, with the session's place and time."""
    rows = []
    for ch in outcome.changes:
        session = instance.session_by_id.get(ch.session)
        clin = instance.clinician_by_id.get(ch.clinician)
        rows.append(
            {
                "clinician": ch.clinician,
                "name": clin.name if clin else "",
                "change": ch.kind,
                "session": ch.session,
                "site": session.site if session else "",
                "date": session.date.isoformat() if session else "",
                "start": f"{session.start:%H:%M}" if session else "",
                "end": f"{session.end:%H:%M}" if session else "",
            }
        )
    return sorted(rows, key=lambda r: (r["date"], r["start"], r["session"], r["clinician"]))


def changes_by_clinician(outcome: RepairOutcome) -> dict[str, dict[str, list[str]]]:
    """Per clinician: sessions removed, added, and cancelled (a clinician with both was moved)."""
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for ch in outcome.changes:
        out[ch.clinician][ch.kind].append(ch.session)
    return {c: dict(kinds) for c, kinds in sorted(out.items())}


CHANGE_COLUMNS = ("clinician", "name", "change", "session", "site", "date", "start", "end")
