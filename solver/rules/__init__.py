"""Rule builders, one per rule kind, registered under the kind's name.

Each builder receives the model, the problem, the variables and the rule's validated parameters,
adds its constraints, and returns its weighted penalty terms (empty when the rule is hard).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ortools.sat.python import cp_model

from solver.problem import ProblemData
from solver.rules.allocation import add_allocation_bounds, add_allocation_target
from solver.rules.cover import add_cover_max, add_cover_min, add_cover_preferred, add_teaching_ratio
from solver.rules.limits import add_max_per_day, add_max_per_week, add_rest_after_evening
from solver.rules.people import add_continuity, add_fairness, add_requests, add_site_changes
from solver.rules.sequence import (
    add_cover_over_preferred,
    add_forbidden_successions,
    add_max_consecutive_days,
    add_max_weekends,
    add_min_consecutive_days,
    add_min_days_off,
    add_total_minutes,
)
from solver.rules.structural import add_availability, add_eligibility, add_no_overlap
from solver.variables import Term, Variables

Builder = Callable[[cp_model.CpModel, ProblemData, Variables, Any], list[Term]]

BUILDERS: dict[str, Builder] = {
    "eligibility": add_eligibility,
    "availability": add_availability,
    "no_overlap": add_no_overlap,
    "cover_min": add_cover_min,
    "cover_max": add_cover_max,
    "max_per_day": add_max_per_day,
    "max_per_week": add_max_per_week,
    "rest_after_evening": add_rest_after_evening,
    "allocation_bounds": add_allocation_bounds,
    "teaching_ratio": add_teaching_ratio,
    "max_weekends": add_max_weekends,
    "forbidden_successions": add_forbidden_successions,
    "total_minutes": add_total_minutes,
    "max_consecutive_days": add_max_consecutive_days,
    "min_consecutive_days": add_min_consecutive_days,
    "min_days_off": add_min_days_off,
    "cover_preferred": add_cover_preferred,
    "allocation_target": add_allocation_target,
    "requests": add_requests,
    "fairness": add_fairness,
    "site_changes": add_site_changes,
    "continuity": add_continuity,
    "cover_over_preferred": add_cover_over_preferred,
}
