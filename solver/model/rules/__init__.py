"""Rule builders, one per rule kind, registered under the kind's name with what the engine's
strategies need to know about the rule.

Each builder receives the model, the problem, the variables and the rule's parameters, adds its
constraints, and returns its weighted penalty terms (empty when the rule is hard).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from solver.model import params as p
from solver.model.problem import ProblemData, SessionData
from solver.model.rules.allocation import add_allocation_bounds, add_allocation_target
from solver.model.rules.cover import (
    CoverPiece,
    add_cover_max,
    add_cover_min,
    add_cover_over_preferred,
    add_cover_preferred,
    add_teaching_ratio,
    cover_max_pieces,
    cover_min_pieces,
    cover_over_preferred_pieces,
    cover_preferred_pieces,
    teaching_ratio_pieces,
)
from solver.model.rules.limits import add_max_per_day, add_max_per_week, add_rest_after_evening
from solver.model.rules.people import add_continuity, add_fairness, add_requests, add_site_changes
from solver.model.rules.sequence import (
    add_forbidden_successions,
    add_max_consecutive_days,
    add_max_weekends,
    add_min_consecutive_days,
    add_min_days_off,
    add_total_minutes,
)
from solver.model.rules.structural import add_availability, add_eligibility, add_no_overlap
from solver.model.variables import Term, Variables

Builder = Callable[[cp_model.CpModel, ProblemData, Variables, Any], list[Term]]
Pieces = Callable[[Any, SessionData], list[CoverPiece]]


@dataclass(frozen=True)
class RuleSpec:
    """A rule kind as the engine knows it."""

    params: type[p.RuleParams]  # its parameters' record
    build: Builder  # adds its constraints and returns its penalty terms
    # its soft penalty weighs clinicians against each other (a spread or a count of people over
    # many clinicians), so it is not a sum of each clinician's own penalties and each session's
    couples: bool = False
    # a rule on a session's headcount: its penalties in column generation's master problem
    cover: Pieces | None = None
    # it asks a session for at least some headcount, which one clinician alone rarely gives: the
    # first pass treats it as soft when hard (the full model then keeps it)
    minimum: bool = False
    # each of its hard constraints forbids a few sessions of one clinician together (two that
    # overlap, an evening session and the next one too soon): an explanation names them
    pairs: bool = False
    # column generation's labels (solver.columns.labels) price a clinician's roster under it
    labels: bool = False


SPECS: dict[str, RuleSpec] = {
    "eligibility": RuleSpec(p.EligibilityParams, add_eligibility, labels=True),
    "availability": RuleSpec(p.AvailabilityParams, add_availability, labels=True),
    "no_overlap": RuleSpec(p.NoOverlapParams, add_no_overlap, labels=True, pairs=True),
    "cover_min": RuleSpec(p.CoverMinParams, add_cover_min, cover=cover_min_pieces, minimum=True),
    "cover_max": RuleSpec(p.CoverMaxParams, add_cover_max, cover=cover_max_pieces),
    "max_per_day": RuleSpec(p.MaxPerDayParams, add_max_per_day, labels=True),
    "max_per_week": RuleSpec(p.MaxPerWeekParams, add_max_per_week, labels=True),
    "rest_after_evening": RuleSpec(
        p.RestAfterEveningParams, add_rest_after_evening, labels=True, pairs=True
    ),
    "allocation_bounds": RuleSpec(p.AllocationBoundsParams, add_allocation_bounds, labels=True),
    "teaching_ratio": RuleSpec(
        p.TeachingRatioParams, add_teaching_ratio, cover=teaching_ratio_pieces, minimum=True
    ),
    "max_weekends": RuleSpec(p.MaxWeekendsParams, add_max_weekends, labels=True),
    "forbidden_successions": RuleSpec(
        p.ForbiddenSuccessionsParams, add_forbidden_successions, labels=True
    ),
    "total_minutes": RuleSpec(p.TotalMinutesParams, add_total_minutes, labels=True),
    "max_consecutive_days": RuleSpec(
        p.MaxConsecutiveDaysParams, add_max_consecutive_days, labels=True
    ),
    "min_consecutive_days": RuleSpec(
        p.MinConsecutiveDaysParams, add_min_consecutive_days, labels=True
    ),
    "min_days_off": RuleSpec(p.MinDaysOffParams, add_min_days_off, labels=True),
    "cover_preferred": RuleSpec(
        p.CoverPreferredParams, add_cover_preferred, cover=cover_preferred_pieces
    ),
    "allocation_target": RuleSpec(p.AllocationTargetParams, add_allocation_target, labels=True),
    "requests": RuleSpec(p.RequestsParams, add_requests, labels=True),
    "fairness": RuleSpec(p.FairnessParams, add_fairness, couples=True, labels=True),
    "site_changes": RuleSpec(p.SiteChangesParams, add_site_changes, labels=True),
    "continuity": RuleSpec(p.ContinuityParams, add_continuity, couples=True, labels=True),
    "cover_over_preferred": RuleSpec(
        p.CoverOverPreferredParams, add_cover_over_preferred, cover=cover_over_preferred_pieces
    ),
}


def without_cover(rules: p.Rules) -> p.Rules:
    """The rules with every cover rule off: what binds one clinician alone."""
    return rules.changed(**dict.fromkeys((k for k, s in SPECS.items() if s.cover), None))


def splits_by_clinician(rules: p.Rules) -> bool:
    """No active soft rule couples clinicians: the objective is a sum of each clinician's own
    penalties and each session's cover penalties."""
    return not any(SPECS[k].couples and not r.hard for k, r in rules.active().items())
