"""Pricing by labels (solver.columns.labels): hand-worked least priced rosters per rule, and
agreement with the CP-SAT pricer on generated micro-instances and on Curtois benchmark instances."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from factory import doc, make, sess
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from roster.app.compile import build_problem
from roster.domain.sources.curtois import read_benchmark, to_instance
from roster.domain.tables import Instance
from solver.columns.labels import LabelParams, LabelPricer, expressible, obstacle
from solver.columns.pricer import Pricer
from solver.model.problem import ProblemData
from solver.model.slices import Slices

CURTOIS = Path(__file__).resolve().parent.parent / "data" / "benchmarks" / "curtois"


def least(
    inst: Instance, prices: Mapping[str, float], clinician: int = 0
) -> tuple[float, list[str], bool]:
    """The least priced cost of a clinician's roster, its sessions (ids, sorted) and whether it
    is proven."""
    problem = build_problem(inst)
    pricer = LabelPricer(problem, clinician)
    by_id = {s.id: k for k, s in enumerate(problem.sessions)}
    array = np.zeros(problem.n_sessions)
    for sid, value in prices.items():
        array[by_id[sid]] = value
    columns, bound, proven = pricer.price(array)
    if not columns:
        return bound, [], proven
    column, cost = columns[0]
    value = cost - sum(array[s] for s in column)
    assert value == pytest.approx(bound) or not proven
    return value, sorted(problem.sessions[s].id for s in column), proven


def days(*ds: int, **kw: Any) -> list[dict[str, Any]]:
    """One morning session a day, named D<day>."""
    return [sess(f"D{d}", day=d, **kw) for d in ds]


# --- one rule at a time, worked by hand -----------------------------------------------------


def test_no_rule_takes_every_session_of_positive_price() -> None:
    # prices 3, -1 (a session that costs more than it brings) and 2: take D0 and D2, -5
    inst = make([doc("A")], days(0, 1, 2))
    assert least(inst, {"D0": 3, "D1": -1, "D2": 2}) == (-5, ["D0", "D2"], True)


def test_a_hard_forbidden_succession_keeps_the_better_of_the_pair() -> None:
    # an evening on Monday may not be followed by a morning on Tuesday: E (5) or M (4), not both
    inst = make(
        [doc("A")],
        [sess("E", 0, "18:00", "21:00"), sess("M", 1)],
        rules={
            "forbidden_successions": {
                "pairs": [{"first": {"period": "evening"}, "then": {"period": "am"}}]
            }
        },
    )
    assert least(inst, {"E": 5, "M": 4}) == (-5, ["E"], True)


def test_a_soft_forbidden_succession_is_paid_when_the_pair_is_worth_it() -> None:
    # both: -5 - 4 + 3 = -6, below E alone (-5)
    rules = {
        "forbidden_successions": {
            "hard": False,
            "weight": 3,
            "pairs": [{"first": {"period": "evening"}, "then": {"period": "am"}}],
        }
    }
    inst = make([doc("A")], [sess("E", 0, "18:00", "21:00"), sess("M", 1)], rules=rules)
    assert least(inst, {"E": 5, "M": 4}) == (-6, ["E", "M"], True)


def test_rest_after_an_evening_reaches_into_the_next_morning() -> None:
    # E ends 21:00, rest 660 min: nothing before 08:00 on Tuesday; M at 07:00 clashes, P at 09:00
    # does not. Hard: E + P = -5 - 1 = -6 beats M + P = -4 - 1 (M and P both Tuesday, no overlap)
    inst = make(
        [doc("A")],
        [sess("E", 0, "18:00", "21:00"), sess("M", 1, "07:00", "08:30"), sess("P", 1)],
        rules={"rest_after_evening": {}},
    )
    assert least(inst, {"E": 5, "M": 4, "P": 1}) == (-6, ["E", "P"], True)


def test_the_longest_run_is_kept_or_paid_per_day_beyond_it() -> None:
    # hard, at most 2 days in a row over Mon-Wed at 5 each: two of the three, -10
    hard = make([doc("A")], days(0, 1, 2), rules={"max_consecutive_days": {"default": 2}})
    value, _, proven = least(hard, {"D0": 5, "D1": 5, "D2": 5})
    assert (value, proven) == (-10, True)
    # soft at 3 a day beyond: all three, -15 + 3 = -12
    soft = make(
        [doc("A")],
        days(0, 1, 2),
        rules={"max_consecutive_days": {"default": 2, "hard": False, "weight": 3}},
    )
    assert least(soft, {"D0": 5, "D1": 5, "D2": 5}) == (-12, ["D0", "D1", "D2"], True)


def test_the_longest_run_counts_the_days_worked_before_the_horizon() -> None:
    # two days worked before, at most 3: only one more at the start; Mon (5) then off, then Wed
    # and Thu (2 + 2): -9, against Tue-Thu (1 + 2 + 2 = -5) or Mon + Wed + Thu
    rules = {"max_consecutive_days": {"default": 3, "outside": "history"}}
    inst = make([doc("A", worked_before=2)], days(0, 1, 2, 3), rules=rules)
    assert least(inst, {"D0": 5, "D1": 1, "D2": 2, "D3": 2}) == (-9, ["D0", "D2", "D3"], True)


def test_the_shortest_run_of_worked_days() -> None:
    # at least 2 days in a row, outside off (runs at the ends are judged): Mon 5, Tue -1, Wed 5:
    # Mon-Wed -5 + 1 - 5 = -9; a lone day is short
    rules = {"min_consecutive_days": {"default": 2, "outside": "off"}}
    inst = make([doc("A")], days(0, 1, 2), rules=rules)
    assert least(inst, {"D0": 5, "D1": -1, "D2": 5}) == (-9, ["D0", "D1", "D2"], True)
    # outside worked: runs touching an end are exempt: Mon and Wed alone, -10
    rules = {"min_consecutive_days": {"default": 2, "outside": "worked"}}
    inst = make([doc("A")], days(0, 1, 2, 3, 4, 5, 6), rules=rules)
    prices = {"D0": 5, "D1": -1, "D2": 5, "D3": -1, "D6": 5}
    # Mon alone (touches the start) 5, Wed alone is short: Wed with Tue (-1) or Thu (-1): 4;
    # Sun alone touches the end: 5. Total -14
    value, chosen, proven = least(inst, prices)
    assert (value, proven) == (-14, True)
    assert "D0" in chosen and "D6" in chosen and "D2" in chosen


def test_the_shortest_run_of_days_off_soft() -> None:
    # at least 2 days off in a row, soft at 2 per missing day: Mon-Wed at 3, 0.5, 3. Working
    # Mon and Wed leaves Tue alone off: -6 + 2 = -4; all three -6.5; all three wins
    rules = {"min_days_off": {"default": 2, "hard": False, "weight": 2}}
    inst = make([doc("A")], days(0, 1, 2), rules=rules)
    assert least(inst, {"D0": 3, "D1": 0.5, "D2": 3}) == (-6.5, ["D0", "D1", "D2"], True)
    # Tue at -1.5: all three -4.5, Mon and Wed -4: all three still
    assert least(inst, {"D0": 3, "D1": -1.5, "D2": 3}) == (-4.5, ["D0", "D1", "D2"], True)
    # Tue at -2.5: all three -3.5, Mon and Wed -4
    assert least(inst, {"D0": 3, "D1": -2.5, "D2": 3}) == (-4, ["D0", "D2"], True)


def test_worked_weekends_are_capped() -> None:
    # at most 1 worked weekend over two weeks; Sat and Sun of week 1 at 2 each, Sat of week 2 at
    # 3: one weekend, the first (4) beats the second (3)
    inst = make([doc("A")], days(5, 6, 12), rules={"max_weekends": {"default": 1}}, weeks=2)
    assert least(inst, {"D5": 2, "D6": 2, "D12": 3}) == (-4, ["D5", "D6"], True)


def test_total_minutes_between_a_minimum_and_a_maximum() -> None:
    # 4-hour sessions, between 480 and 480 minutes: exactly two. Prices 3, -1, -2: the best two
    # are D0 and D1, 3 - 1 = 2 (negative cost: -2)
    rules = {"total_minutes": {"default_min": 480, "default_max": 480}}
    inst = make([doc("A")], days(0, 1, 2), rules=rules)
    assert least(inst, {"D0": 3, "D1": -1, "D2": -2}) == (-2, ["D0", "D1"], True)
    # soft at 1 a minute: one session (240 short, 240) is worse than D0 + D1 (-2)
    rules = {"total_minutes": {"default_min": 480, "hard": False, "weight": 1}}
    inst = make([doc("A")], days(0, 1, 2), rules=rules)
    assert least(inst, {"D0": 3, "D1": -1, "D2": -2})[0] == -2


def test_allocations_per_week_and_targets() -> None:
    # teaching at least 1 a week (hard) and at most 1; week 1: T0 (1) and T1 (2): T1; week 2: T7
    # (-3, the only one): -1 - 2 + 3 = ... T1 gives -2, T7 gives +3: -2 + 3 = 1
    sessions = [
        sess("T0", 0, activity="teaching"),
        sess("T1", 1, activity="teaching"),
        sess("T7", 7, activity="teaching"),
    ]
    alloc = [
        {
            "clinician": "A",
            "activity": "teaching",
            "period": "week",
            "unit": "sessions",
            "min": 1,
            "max": 1,
        }
    ]
    inst = make([doc("A")], sessions, rules={"allocation_bounds": {}}, weeks=2, allocations=alloc)
    assert least(inst, {"T0": 1, "T1": 2, "T7": -3}) == (1, ["T1", "T7"], True)
    # a target of 2 over the horizon at 4 per session away from it; prices 1, 2, -3: T0 + T1
    # at -3 meets it; one only: -2 + 4 = 2; all three: 0 + 4 = 4
    alloc = [
        {
            "clinician": "A",
            "activity": "teaching",
            "period": "horizon",
            "unit": "sessions",
            "target": 2,
        }
    ]
    inst = make(
        [doc("A")], sessions, rules={"allocation_target": {"weight": 4}}, weeks=2, allocations=alloc
    )
    assert least(inst, {"T0": 1, "T1": 2, "T7": -3}) == (-3, ["T0", "T1"], True)


def test_sessions_per_week_and_per_day() -> None:
    # at most 2 a week: the best two of 5, 4, 3 on Mon-Wed: -9
    inst = make([doc("A")], days(0, 1, 2), rules={"max_per_week": {"default": 2}})
    assert least(inst, {"D0": 5, "D1": 4, "D2": 3}) == (-9, ["D0", "D1"], True)
    # two sessions on Monday, at most one a day soft at 1: both, -5 - 4 + 1 = -8
    two = [sess("AM", 0), sess("PM", 0, "14:00", "18:00")]
    rules = {"max_per_day": {"default": 1, "hard": False, "weight": 1}}
    assert least(make([doc("A")], two, rules=rules), {"AM": 5, "PM": 4}) == (-8, ["AM", "PM"], True)


def test_requests_want_and_avoid() -> None:
    # want any session on Tuesday (weight 6): D1 at -2 is worth taking: -2 + ... = 2 vs 6 missed;
    # avoid D0 (weight 4) at price 3: 3 - 4 < 0, so not D0. Total: D1 (+2) and D2 (-5): -3
    requests = [
        {"clinician": "A", "kind": "want", "weight": 6, "date": "2026-12-08"},
        {"clinician": "A", "kind": "avoid", "weight": 4, "session": "D0"},
    ]
    inst = make([doc("A")], days(0, 1, 2), rules={"requests": {}}, requests=requests)
    assert least(inst, {"D0": 3, "D1": -2, "D2": 5}) == (-3, ["D1", "D2"], True)
    # a want over the whole horizon (any clinical session, weight 6): prices all -3: take one,
    # -3 + 0 against 6 for none: 3 - ... = 3
    requests = [{"clinician": "A", "kind": "want", "weight": 6, "activity": "clinical"}]
    inst = make([doc("A")], days(0, 1, 2), rules={"requests": {}}, requests=requests)
    assert least(inst, {"D0": -3, "D1": -3, "D2": -3})[0] == 3


def test_site_changes_and_travel_within_a_day() -> None:
    # AM at HSK, PM at QMH (25 min travel fits): both 4 + 4 less 2 for the change of site: -6
    two = [sess("AM", 0), sess("PM", 0, "14:00", "18:00", site="QMH")]
    inst = make([doc("A")], two, rules={"site_changes": {"weight": 2}})
    assert least(inst, {"AM": 4, "PM": 4}) == (-6, ["AM", "PM"], True)
    # PM at 13:15 at QMH: 15 minutes after AM, less than the 25 minutes of travel: one of them
    two = [sess("AM", 0), sess("PM", 0, "13:15", "18:00", site="QMH")]
    assert least(make([doc("A")], two), {"AM": 4, "PM": 5}) == (-5, ["PM"], True)


def test_a_hard_rule_no_roster_keeps_is_infeasible() -> None:
    # at least 3 clinical sessions over the horizon, only 2 exist
    alloc = [
        {
            "clinician": "A",
            "activity": "clinical",
            "period": "horizon",
            "unit": "sessions",
            "min": 3,
        }
    ]
    inst = make([doc("A")], days(0, 1), rules={"allocation_bounds": {}}, allocations=alloc)
    assert least(inst, {"D0": 1, "D1": 1}) == (float("inf"), [], True)


def test_shares_are_not_expressible() -> None:
    alloc = [
        {"clinician": "A", "activity": "clinical", "period": "horizon", "unit": "share", "min": 50}
    ]
    inst = make([doc("A")], days(0, 1), rules={"allocation_bounds": {}}, allocations=alloc)
    problem = build_problem(inst)
    assert not expressible(problem, 0)
    assert obstacle(problem, 0) == "an allocation as a share"
    with pytest.raises(ValueError, match="clinician A: an allocation as a share"):
        LabelPricer(problem, 0)


def test_restrict_and_cost() -> None:
    # at most 2 days in a row; with D1 barred the best is D0 + D2 (-10), with D1 forced D0 + D1
    inst = make([doc("A")], days(0, 1, 2), rules={"max_consecutive_days": {"default": 2}})
    problem = build_problem(inst)
    pricer = LabelPricer(problem, 0)
    prices = np.array([5.0, 4.0, 5.0])
    pricer.restrict({1: 0})
    columns, bound, proven = pricer.price(prices)
    assert (columns[0], bound, proven) == ((frozenset({0, 2}), 0), -10, True)
    pricer.restrict({1: 1})
    columns, bound, _ = pricer.price(prices)
    assert bound == -9 and 1 in columns[0][0]
    pricer.restrict({})
    assert pricer.cost(frozenset({0, 1, 2})) is None  # three in a row
    assert pricer.cost(frozenset({0, 1})) == 0


# --- agreement with the CP-SAT pricer ---------------------------------------------------------


# the default pricer; one with no multiplier step (the labels must close the gap); and one with
# no labels to spare (no proof, but a valid bound and true costs)
WEAK = LabelParams(iterations=0)
POOR = LabelParams(iterations=1, labels=0, beam=1)


def agree(
    problem: ProblemData,
    c: int,
    prices: np.ndarray,
    slices: Slices,
    variants: tuple[LabelParams, ...] = (LabelParams(), WEAK, POOR),
) -> None:
    """The labels' least priced cost equals the CP-SAT pricer's proven one (or, unproven, is at
    most that), and every column's own cost is what the CP-SAT model gives it."""
    cpsat = Pricer(problem, slices, c)
    found, _, sure = cpsat.price(lambda s: float(prices[s]), 0)
    # CP-SAT's prices are rounded to a thousandth: the optimum moves by half of that per session
    slack = 0.5e-3 * len(slices.sessions[c]) + 1e-6
    for params in variants:
        labels = LabelPricer(problem, c, slices.sessions[c], params)
        columns, bound, proven = labels.price(prices)
        assert proven or params is POOR
        if not found:
            assert not columns
            assert bound == float("inf") or not proven  # no roster at all: any bound holds
            continue
        assert sure, "the CP-SAT pricer did not prove its optimum"
        cp_best = min(cost - sum(prices[s] for s in column) for column, cost in found)
        if proven:
            assert bound == pytest.approx(cp_best, abs=slack)
        else:
            assert bound <= cp_best + slack
        for column, cost in columns:
            assert cpsat.cost(column, 0) == cost
            assert cost - sum(prices[s] for s in column) >= bound - 1e-6


SITES = ["HSK", "EMC", "QMH"]
TIMES = [("07:00", "08:30"), ("09:00", "13:00"), ("14:00", "18:00"), ("18:00", "21:00")]


@st.composite
def pricing_instances(draw: st.DrawFn) -> Instance:
    """One clinician over one or two weeks, a few sessions a day, and per-clinician rules."""
    weeks = draw(st.integers(1, 2))
    history = draw(
        st.sampled_from([{}, {"worked_before": 1}, {"worked_before": 3}, {"off_before": 1}])
    )
    clinician = doc(
        "A",
        max_per_day=draw(st.sampled_from([None, 1, 2])),
        max_per_week=draw(st.sampled_from([None, 2, 4])),
        max_weekends=draw(st.sampled_from([None, 0, 1])),
        min_minutes=draw(st.sampled_from([None, 480, 900])),
        max_minutes=draw(st.sampled_from([None, 1200, 2000])),
        max_consecutive_days=draw(st.sampled_from([None, 1, 2, 3])),
        min_consecutive_days=draw(st.sampled_from([None, 2, 3])),
        min_consecutive_days_off=draw(st.sampled_from([None, 2, 3])),
        **history,
    )
    sessions = []
    for d in range(7 * weeks):
        for k, (start, end) in enumerate(TIMES):
            if draw(st.integers(0, 9)) < 3:
                sessions.append(
                    sess(
                        f"S{d}-{k}",
                        d,
                        start,
                        end,
                        site=draw(st.sampled_from(SITES)),
                        activity=draw(st.sampled_from(["clinical", "clinical", "teaching"])),
                    )
                )
    assume(sessions)
    unavailability = []
    if draw(st.booleans()):
        unavailability.append(
            {"clinician": "A", "start": "2026-12-08T12:00", "end": "2026-12-09T10:00"}
        )
    requests = []
    for _ in range(draw(st.integers(0, 3))):
        r: dict[str, Any] = {
            "clinician": "A",
            "kind": draw(st.sampled_from(["want", "avoid"])),
            "weight": draw(st.integers(0, 5)),
        }
        key = draw(st.sampled_from(["session", "date", "period", "activity"]))
        r[key] = {
            "session": draw(st.sampled_from([s["id"] for s in sessions])),
            "date": "2026-12-09",
            "period": draw(st.sampled_from(["am", "pm", "evening"])),
            "activity": "teaching",
        }[key]
        requests.append(r)
    allocations: dict[tuple[str, str], dict[str, Any]] = {}
    activities = sorted({s["activity"] for s in sessions})
    for _ in range(draw(st.integers(0, 2))):
        row = {
            "clinician": "A",
            "activity": draw(st.sampled_from(activities)),
            "period": draw(st.sampled_from(["week", "horizon"])),
            "unit": "sessions",
            "min": draw(st.sampled_from([None, 1, 2])),
            "target": draw(st.sampled_from([None, 2, 3])),
            "max": draw(st.sampled_from([None, 3, 4])),
        }
        given = [row[k] for k in ("min", "target", "max") if row[k] is not None]
        if given and given == sorted(given):
            allocations[row["activity"], row["period"]] = row
    if clinician["max_per_week"] is not None:
        for row in allocations.values():
            if row["period"] == "week" and (row["min"] or 0) > clinician["max_per_week"]:
                row["min"] = None

    def hard_or_soft(extra: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"hard": draw(st.booleans()), "weight": draw(st.integers(0, 6)), **(extra or {})}

    optional: dict[str, Any] = {
        "max_per_day": lambda: hard_or_soft({"default": draw(st.sampled_from([None, 1]))}),
        "max_per_week": lambda: hard_or_soft({"default": draw(st.sampled_from([None, 3]))}),
        "rest_after_evening": lambda: hard_or_soft(
            {"rest_minutes": draw(st.sampled_from([600, 900]))}
        ),
        "allocation_bounds": lambda: hard_or_soft(),
        "allocation_target": lambda: {"weight": draw(st.integers(0, 6))},
        "requests": lambda: {"weight": draw(st.integers(0, 3))},
        "site_changes": lambda: {"weight": draw(st.integers(0, 6))},
        "max_weekends": lambda: hard_or_soft({"default": draw(st.sampled_from([None, 1]))}),
        "total_minutes": lambda: hard_or_soft(
            {
                "default_min": draw(st.sampled_from([None, 600])),
                "default_max": draw(st.sampled_from([None, 1500])),
            }
        ),
        "max_consecutive_days": lambda: hard_or_soft(
            {
                "default": draw(st.sampled_from([None, 2])),
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
    chosen = draw(st.lists(st.sampled_from(sorted(optional)), min_size=1, max_size=8, unique=True))
    rules: dict[str, Any] = {k: optional[k]() for k in chosen}
    rules["no_overlap"] = {
        "travel": draw(st.booleans()),
        "min_gap_minutes": draw(st.sampled_from([0, 30])),
    }
    return make(
        [clinician],
        sessions,
        rules=rules,
        weeks=weeks,
        unavailability=unavailability,
        requests=requests,
        allocations=[a for a in allocations.values() if a["min"] or a["target"] or a["max"]],
    )


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(pricing_instances(), st.integers(0, 2**16))
def test_labels_agree_with_the_cpsat_pricer_on_micro_instances(inst: Instance, seed: int) -> None:
    problem = build_problem(inst)
    assume(expressible(problem, 0))
    rng = np.random.default_rng(seed)
    prices = rng.uniform(-2.0, 8.0, problem.n_sessions).round(3)
    agree(problem, 0, prices, Slices(problem))


@pytest.mark.parametrize("name", ["Instance1", "Instance5", "Instance8", "Instance15"])
def test_labels_agree_with_the_cpsat_pricer_on_curtois(name: str) -> None:
    problem = build_problem(to_instance(read_benchmark(CURTOIS / f"{name}.txt")))
    slices = Slices(problem)
    rng = random.Random(7)
    for c in rng.sample(range(problem.n_clinicians), 4):
        prices = np.array([round(rng.uniform(0, 30), 3) for _ in range(problem.n_sessions)])
        # no multiplier step would leave too many labels here to prove within the budget
        agree(problem, c, prices, slices, (LabelParams(), POOR))


def test_a_label_budget_too_small_gives_a_valid_bound_unproven() -> None:
    # with no labels allowed the exact search gives up: the answer is the Lagrangian bound,
    # at or below the proven optimum of a full search
    problem = build_problem(to_instance(read_benchmark(CURTOIS / "Instance15.txt")))
    rng = random.Random(3)
    prices = np.array([rng.uniform(0, 30) for _ in range(problem.n_sessions)])
    full = LabelPricer(problem, 2).price(prices)
    tight = LabelPricer(problem, 2, params=LabelParams(labels=0, beam=1)).price(prices)
    assert full[2]
    assert tight[1] <= full[1] + 1e-6
    for column, cost in tight[0]:
        assert cost - prices[list(column)].sum() >= full[1] - 1e-6


def test_the_fallback_pricer_gives_rosters_when_the_labels_find_none() -> None:
    # at least 480 minutes (two of the three 4-hour sessions); with no multiplier step the
    # relaxation's roster is the empty one, no beam, and with no labels to spare the search
    # gives up: the CP-SAT pricer is asked, once made, and its rosters come back with the
    # labels' bound
    inst = make([doc("A")], days(0, 1, 2), rules={"total_minutes": {"default_min": 480}})
    problem = build_problem(inst)
    slices = Slices(problem)
    made: list[Pricer] = []

    def other() -> Pricer:
        made.append(Pricer(problem, slices, 0))
        return made[-1]

    pricer = LabelPricer(
        problem, 0, params=LabelParams(iterations=0, labels=0, beam=0), fallback=other
    )
    columns, bound, proven = pricer.price(np.zeros(3))
    assert len(made) == 1 and not proven and bound <= 0
    assert columns and all(len(column) >= 2 and cost == 0 for column, cost in columns)
