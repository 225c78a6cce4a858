"""The model and the independent checker agree: on pinned rosters and against brute force.

Hypothesis generates micro-instances with a random set of rules, each hard or soft with random
weights. For each one (1) every roster over the eligible pairs is scored by the checker and the
cheapest roster without a hard violation must equal the solver's proven optimum (or the solver
must say INFEASIBLE when there is none), and (2) a random roster pinned into the model is
infeasible exactly when the checker finds a hard violation, otherwise both score it the same,
rule by rule.
"""

from __future__ import annotations

import itertools
from typing import Any

from factory import make
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from roster.check import check_roster
from roster.domain import Instance
from solver.problem import build_problem
from solver.result import SolveStatus
from solver.solve import SolveParams, solve

STARTS = [
    ("09:00", "13:00"),
    ("12:30", "16:00"),
    ("14:00", "18:00"),
    ("18:00", "21:00"),
    ("07:00", "08:30"),
]
SITES = ["HSK", "EMC", "QMH"]
DAYS = [0, 1, 2, 4, 5, 6]  # Mon, Tue, Wed, Fri, Sat, Sun


# what clinicians did just before the horizon, for the rules with outside: history
HISTORIES: list[dict[str, Any]] = [
    {},
    {"worked_before": 1},
    {"worked_before": 2},
    {"off_before": 1},
]


@st.composite
def micro_instances(draw: st.DrawFn, max_pairs: int = 9) -> Instance:
    n_c = draw(st.integers(1, 3))
    n_s = draw(st.integers(1, 4))
    clinicians = []
    for i in range(n_c):
        clinicians.append(
            {
                "id": f"C{i}",
                "name": f"Dr {i}",
                "role": draw(st.sampled_from(["doctor", "doctor", "nurse_practitioner"])),
                "institution": "HKU",
                "appointment": "other",
                "specialties": ";".join(
                    draw(
                        st.lists(
                            st.sampled_from(["cardiology", "oncology"]),
                            min_size=1,
                            max_size=2,
                            unique=True,
                        )
                    )
                ),
                "privileges": ";".join(
                    draw(st.lists(st.sampled_from(SITES), min_size=1, max_size=3, unique=True))
                ),
                "teacher": draw(st.booleans()),
                "max_per_day": draw(st.sampled_from([None, 1, 2])),
                "max_per_week": draw(st.sampled_from([None, 2, 3])),
                "max_weekends": draw(st.sampled_from([None, 0, 1])),
                "min_minutes": draw(st.sampled_from([None, 180, 240])),
                "max_minutes": draw(st.sampled_from([None, 300, 480])),
                "max_consecutive_days": draw(st.sampled_from([None, 1, 2])),
                "min_consecutive_days": draw(st.sampled_from([None, 2, 3])),
                "min_consecutive_days_off": draw(st.sampled_from([None, 2, 3])),
                **draw(st.sampled_from(HISTORIES)),
            }
        )
    roles = sorted({c["role"] for c in clinicians})
    specialties = {sp for c in clinicians for sp in c["specialties"].split(";")}
    sessions, needs = [], []
    for j in range(n_s):
        start, end = draw(st.sampled_from(STARTS))
        day = draw(st.sampled_from(DAYS))
        activity = draw(st.sampled_from(["clinical", "clinical", "teaching", "research"]))
        s: dict[str, Any] = {
            "id": f"S{j}",
            "site": draw(st.sampled_from(SITES)),
            "date": f"2026-12-{7 + day:02d}",
            "start": start,
            "end": end,
            "activity": activity,
            "specialty": draw(st.sampled_from([None, *sorted(specialties)])),
            "priority": draw(st.integers(1, 2)),
            "series": draw(st.sampled_from([None, "A", "A", "B"])),
        }
        if activity == "teaching" and draw(st.booleans()):
            s["students"] = draw(st.integers(1, 10))
            s["students_per_teacher"] = draw(st.integers(2, 6))
        sessions.append(s)
        for role in draw(
            st.lists(st.sampled_from(roles), min_size=1, max_size=len(roles), unique=True)
        ):
            low = draw(st.integers(0, 2))
            pref = low + draw(st.integers(0, 1))
            needs.append(
                {
                    "session": s["id"],
                    "role": role,
                    "min": low,
                    "preferred": pref,
                    "max": pref + draw(st.integers(0, 1)),
                    "under_weight": draw(st.sampled_from([None, 0, 3])),
                    "over_weight": draw(st.sampled_from([None, 2])),
                }
            )
    unavailability = []
    if draw(st.booleans()):
        unavailability.append(
            {"clinician": "C0", "start": "2026-12-07T12:00", "end": "2026-12-08T10:00"}
        )
    requests = []
    for _ in range(draw(st.integers(0, 2))):
        r: dict[str, Any] = {
            "clinician": f"C{draw(st.integers(0, n_c - 1))}",
            "kind": draw(st.sampled_from(["want", "avoid"])),
            "weight": draw(st.integers(0, 5)),
        }
        key = draw(st.sampled_from(["session", "date", "period", "site", "activity"]))
        r[key] = {
            "session": f"S{draw(st.integers(0, n_s - 1))}",
            "date": "2026-12-08",
            "period": draw(st.sampled_from(["am", "pm", "evening"])),
            "site": "HSK",
            "activity": "clinical",
        }[key]
        requests.append(r)
    allocations = []
    activities = sorted({s["activity"] for s in sessions})
    for c in clinicians[: draw(st.integers(0, 2))]:
        unit = draw(st.sampled_from(["sessions", "share"]))
        low = draw(st.sampled_from([None, 1] if unit == "sessions" else [None, 30]))
        target = draw(st.sampled_from([None, 1, 2] if unit == "sessions" else [None, 50]))
        high = draw(st.sampled_from([None, 2] if unit == "sessions" else [None, 80]))
        if low is None and target is None and high is None:
            continue
        if low is not None and target is not None and low > target:
            continue
        allocations.append(
            {
                "clinician": c["id"],
                "activity": draw(st.sampled_from(activities)),
                "period": draw(st.sampled_from(["week", "horizon"])),
                "unit": unit,
                "min": low,
                "target": target,
                "max": high,
            }
        )

    def hard_or_soft(extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"hard": draw(st.booleans()), "weight": draw(st.integers(0, 6)), **(extra or {})}

    optional: dict[str, Any] = {
        "cover_min": lambda: hard_or_soft(),
        "cover_max": lambda: hard_or_soft(),
        "max_per_day": lambda: hard_or_soft({"default": draw(st.sampled_from([None, 1]))}),
        "max_per_week": lambda: hard_or_soft({"default": draw(st.sampled_from([None, 2]))}),
        "rest_after_evening": lambda: hard_or_soft(
            {"rest_minutes": draw(st.sampled_from([600, 900]))}
        ),
        "allocation_bounds": lambda: hard_or_soft(),
        "teaching_ratio": lambda: hard_or_soft(),
        "cover_preferred": lambda: {"weight": draw(st.integers(0, 6))},
        "allocation_target": lambda: {"weight": draw(st.integers(0, 6))},
        "requests": lambda: {"weight": draw(st.integers(0, 3))},
        "fairness": lambda: {
            "weight": draw(st.integers(0, 6)),
            "kinds": draw(
                st.lists(
                    st.sampled_from(["evening", "weekend"]), min_size=1, max_size=2, unique=True
                )
            ),
        },
        "site_changes": lambda: {"weight": draw(st.integers(0, 6))},
        "continuity": lambda: {"weight": draw(st.integers(0, 6))},
        "max_weekends": lambda: hard_or_soft({"default": draw(st.sampled_from([None, 0, 1]))}),
        "total_minutes": lambda: hard_or_soft(
            {
                "default_min": draw(st.sampled_from([None, 200])),
                "default_max": draw(st.sampled_from([None, 400])),
            }
        ),
        "cover_over_preferred": lambda: {"weight": draw(st.integers(0, 6))},
        "max_consecutive_days": lambda: hard_or_soft(
            {
                "default": draw(st.sampled_from([None, 1])),
                "outside": draw(st.sampled_from(["off", "history"])),
            }
        ),
        "min_consecutive_days": lambda: hard_or_soft(
            {
                "default": draw(st.sampled_from([None, 2])),
                "outside": draw(st.sampled_from(["worked", "off", "history"])),
            }
        ),
        "min_days_off": lambda: hard_or_soft(
            {
                "default": draw(st.sampled_from([None, 2])),
                "outside": draw(st.sampled_from(["worked", "off", "history"])),
            }
        ),
        "forbidden_successions": lambda: hard_or_soft(
            {
                "pairs": [
                    {
                        "first": draw(
                            st.sampled_from([{"period": "evening"}, {"activity": "teaching"}, {}])
                        ),
                        "then": draw(st.sampled_from([{"period": "am"}, {"activity": "clinical"}])),
                    }
                ]
            }
        ),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(optional)), min_size=1, max_size=7, unique=True))
    rules: dict[str, Any] = {k: optional[k]() for k in chosen}
    rules["no_overlap"] = {
        "travel": draw(st.booleans()),
        "min_gap_minutes": draw(st.sampled_from([0, 30])),
    }
    rules["eligibility"] = {"teaching_needs_teacher": draw(st.booleans())}
    inst = make(
        clinicians,
        sessions,
        needs=needs,
        rules=rules,
        unavailability=unavailability,
        requests=requests,
        allocations=allocations,
    )
    return inst


def eligible_pairs(inst: Instance) -> list[tuple[str, str]]:
    problem = build_problem(inst)
    return [(problem.clinicians[c].id, problem.sessions[s].id) for c, s in problem.eligible]


PARAMS = SolveParams(time_limit=30, workers=1)


def brute_force_optimum(inst: Instance, pairs: list[tuple[str, str]]) -> int | None:
    best: int | None = None
    for k in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, k):
            report = check_roster(inst, subset)
            if not report.hard_violations and (best is None or report.objective < best):
                best = report.objective
    return best


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(micro_instances())
def test_solver_optimum_equals_brute_force_through_the_checker(inst: Instance) -> None:
    pairs = eligible_pairs(inst)
    assume(len(pairs) <= 9)  # larger ones take too long to enumerate; the pinned test covers them
    result = solve(build_problem(inst), PARAMS)
    best = brute_force_optimum(inst, pairs)
    if best is None:
        assert result.status is SolveStatus.INFEASIBLE
    else:
        assert result.status is SolveStatus.OPTIMAL
        assert result.objective == best
        report = check_roster(inst, result.assignments)
        assert report.hard_violations == ()
        assert report.objective_by_rule == result.objective_by_rule


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(micro_instances(), st.data())
def test_pinned_roster_scores_the_same_in_model_and_checker(
    inst: Instance, data: st.DataObject
) -> None:
    every = [(c.id, s.id) for c in inst.clinicians for s in inst.sessions]
    roster = data.draw(st.lists(st.sampled_from(every), unique=True, max_size=len(every)))
    report = check_roster(inst, roster)
    result = solve(build_problem(inst), PARAMS, fixed=roster)
    if report.hard_violations:
        assert result.status is SolveStatus.INFEASIBLE, report.hard_violations
    else:
        assert result.status is SolveStatus.OPTIMAL
        assert result.objective_by_rule == report.objective_by_rule
        assert result.objective == report.objective
