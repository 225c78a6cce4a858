"""Tiny instances for tests, written as compactly as the hand-worked answers need."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from roster.app.compile import build_problem
from roster.domain.check import check_roster
from roster.domain.io import parse_rules
from roster.domain.tables import Instance
from solver.model.problem import ProblemData
from solver.search.polish import applies

MONDAY = dt.date(2026, 12, 7)
SITES = [
    {"id": "HSK", "name": "Hong Kong Sanatorium & Hospital", "kind": "private_hospital"},
    {"id": "EMC", "name": "HKSH Eastern Medical Centre", "kind": "medical_centre"},
    {"id": "QMH", "name": "Queen Mary Hospital", "kind": "public_hospital"},
]
TRAVEL = [
    {"from_site": "HSK", "to_site": "EMC", "minutes": 20},
    {"from_site": "HSK", "to_site": "QMH", "minutes": 25},
    {"from_site": "EMC", "to_site": "QMH", "minutes": 40},
]


def doc(cid: str, **kw: Any) -> dict[str, Any]:
    """A doctor in cardiology with privileges everywhere, unless told otherwise."""
    base = {
        "id": cid,
        "name": f"Dr {cid}",
        "role": "doctor",
        "institution": "HKU",
        "appointment": "affiliation_secondee",
        "specialties": "cardiology",
        "privileges": "HSK;EMC;QMH",
        "teacher": True,
    }
    return base | kw


def sess(
    sid: str, day: int = 0, start: str = "09:00", end: str = "13:00", **kw: Any
) -> dict[str, Any]:
    """A cardiology clinic at HSK on MONDAY + day."""
    base = {
        "id": sid,
        "site": "HSK",
        "date": (MONDAY + dt.timedelta(days=day)).isoformat(),
        "start": start,
        "end": end,
        "activity": "clinical",
        "specialty": "cardiology",
    }
    return base | kw


def need(
    sid: str, low: int = 1, pref: int | None = None, most: int | None = None, role: str = "doctor"
) -> dict[str, Any]:
    return {"session": sid, "role": role, "min": low, "preferred": pref, "max": most}


def make(
    clinicians: list[dict[str, Any]],
    sessions: list[dict[str, Any]],
    needs: list[dict[str, Any]] | None = None,
    rules: dict[str, Any] | None = None,
    weeks: int = 1,
    calendar: dict[str, Any] | None = None,
    **tables: list[dict[str, Any]],
) -> Instance:
    """An instance; needs default to one doctor (min 1) per session, rules to none beyond the
    always-on."""
    horizon = {
        "start": MONDAY.isoformat(),
        "end": (MONDAY + dt.timedelta(days=7 * weeks - 1)).isoformat(),
    }
    issues: list[Any] = []
    data: dict[str, Any] = {"horizon": horizon, "rules": rules or {}}
    if calendar is not None:
        data["calendar"] = calendar
    ruleset = parse_rules(data, "rules.yaml", issues)
    assert ruleset is not None, issues
    return Instance.model_validate(
        {
            "sites": SITES,
            "travel": TRAVEL,
            "clinicians": clinicians,
            "sessions": sessions,
            "needs": needs if needs is not None else [need(s["id"]) for s in sessions],
            "rules": ruleset,
            **tables,
        }
    )


def stall_instance() -> Instance:
    """Sessions on Monday (M, at HSK) and Tuesday (T, at EMC), each preferring one doctor: 5 per
    shortfall, 1 per doctor above. A may work one session in the week and wants M (1); B holds
    privileges at HSK only. One clinician at a time, A takes M (T short: 5; T instead would cost
    5 + 1) and B stays off M (1 more): 5, and no one alone can do better. Best: A on T, B on M,
    only the missed want (1)."""
    return make(
        [doc("A", max_per_week=1), doc("B", privileges="HSK")],
        [sess("M"), sess("T", day=1, site="EMC")],
        needs=[need("M", 0, 1, 2), need("T", 0, 1, 2)],
        rules={
            "max_per_week": {},
            "cover_preferred": {"weight": 5},
            "requests": {},
            "cover_over_preferred": {"weight": 1},
        },
        requests=[{"clinician": "A", "kind": "want", "weight": 1, "session": "M"}],
    )


# --- random micro-instances, small enough to enumerate every roster ---------------------------

MICRO_STARTS = [
    ("09:00", "13:00"),
    ("12:30", "16:00"),
    ("14:00", "18:00"),
    ("18:00", "21:00"),
    ("07:00", "08:30"),
]
MICRO_SITES = ["HSK", "EMC", "QMH"]
MICRO_DAYS = [0, 1, 2, 4, 5, 6]  # Mon, Tue, Wed, Fri, Sat, Sun


# what clinicians did just before the horizon, for the rules with outside: history
MICRO_HISTORIES: list[dict[str, Any]] = [
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
                    draw(
                        st.lists(st.sampled_from(MICRO_SITES), min_size=1, max_size=3, unique=True)
                    )
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
                **draw(st.sampled_from(MICRO_HISTORIES)),
            }
        )
    roles = sorted({c["role"] for c in clinicians})
    specialties = {sp for c in clinicians for sp in c["specialties"].split(";")}
    sessions, needs = [], []
    for j in range(n_s):
        start, end = draw(st.sampled_from(MICRO_STARTS))
        day = draw(st.sampled_from(MICRO_DAYS))
        activity = draw(st.sampled_from(["clinical", "clinical", "teaching", "research"]))
        s: dict[str, Any] = {
            "id": f"S{j}",
            "site": draw(st.sampled_from(MICRO_SITES)),
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
    credentials = []
    if draw(st.booleans()):
        # a dated credential of the last clinician: a site's privileges or an appointment
        credentials.append(
            {
                "clinician": f"C{n_c - 1}",
                "credential": draw(st.sampled_from([*MICRO_SITES, "hku_appointment"])),
                **draw(
                    st.sampled_from(
                        [
                            {"valid_to": "2026-12-08T13:00"},
                            {"valid_from": "2026-12-09"},
                            {"valid_from": "2026-12-08", "valid_to": "2026-12-11"},
                        ]
                    )
                ),
            }
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
        credentials=credentials,
    )
    return inst


def eligible_pairs(inst: Instance) -> list[tuple[str, str]]:
    problem = build_problem(inst)
    return [(problem.clinicians[c].id, problem.sessions[s].id) for c, s in problem.eligible]


def names(problem: ProblemData, pairs: frozenset[tuple[int, int]]) -> list[tuple[str, str]]:
    return sorted((problem.clinicians[c].id, problem.sessions[s].id) for c, s in pairs)


def feasible_rosters(inst: Any, pairs: list[tuple[str, str]]) -> list[tuple[list[Any], int]]:
    """Every roster over the eligible pairs that keeps every hard rule, with its cost."""
    found = []
    for k in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, k):
            report = check_roster(inst, subset)
            if not report.hard_violations:
                found.append((list(subset), report.objective))
    return found


def small_polishable(inst: Any) -> tuple[ProblemData, list[tuple[list[Any], int]]]:
    """A micro-instance the polish (and column generation) applies to, small enough to
    enumerate (at most 9 eligible pairs, else the example is discarded): its problem and every
    roster that keeps every hard rule, with its cost."""
    problem = build_problem(inst)
    assume(applies(problem))
    pairs = eligible_pairs(inst)
    assume(len(pairs) <= 9)
    return problem, feasible_rosters(inst, pairs)
