"""Pricing a clinician's roster by dynamic programming over the days.

Column generation asks, per clinician, for the roster of least own penalties less the prices of the
sessions it covers (solver.columns.pricer does it with CP-SAT). Where every rule that binds the
clinician is a cost on one day's choice, on two consecutive days' choices, on the runs of worked
days and days off, or on a sum over a period (minutes, sessions of an activity, sessions of a week,
worked weekends, the sessions a want request matches), that is a shortest path with resources over
the days:

- each day, a choice among the clinician's day patterns: the sets of that day's sessions they
  can work together (no overlap with travel, the hard limit per day, hard rest), none included;
- a small state: the length of the current run of worked days (for the longest run), of worked
  days and of days off (for the shortest runs, exempt at an end as the rule says), the kind of
  the last day's pattern (what it forbids or charges on the next day) and whether Saturday was
  worked (for worked weekends);
- the sums, as resources, each with its penalty: a convex piecewise-linear function of the sum,
  infinite outside its hard bounds.

The search is exact in two steps. First the Lagrangian relaxation: each sum's penalty is bounded
below by a line of slope lambda, P(g) >= lambda * g - P*(lambda), which leaves a shortest path
over (day, state) alone, solved backwards with numpy; its value less the lines' offsets is a
lower bound on the priced cost. The multipliers come from Kelley's cutting planes within a box
around the best so far (each path found is a plane), warm-started at the last call's. Second,
labels: forward over the days, one per (state, sums) reached, pruned when its cost so far, plus
the relaxed cost of the best way on from its state, plus the least penalty its sums can still
come to less their lines (over the growth the sequence rules still allow from its state), is
no less than the best roster found. A sum whose remaining range lies within one linear piece of
its penalty is moved to that piece's start with the difference charged at once, so labels that
differ only there merge; of two labels of one state and the same two-sided sums, one no dearer
and no worse on every one-sided sum dominates the other. A beam search (the best few labels per
state) first finds rosters to prune with. When the labels would exceed a budget, the answer is
the rosters found with the Lagrangian bound, not proven.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp

from solver.model.problem import ProblemData, SessionData
from solver.model.rules import SPECS

Column = frozenset[int]  # the sessions of a roster
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
INF = math.inf
EPS = 1e-7  # a cost this much below another is below it
DAY = 1440  # minutes
TOP = np.iinfo(np.int64).max


@dataclasses.dataclass(frozen=True)
class LabelParams:
    """How hard a label pricer works."""

    iterations: int = 30
    """Subgradient steps on the Lagrangian multipliers per pricing, at most."""
    labels: int = 400_000
    """Labels the exact search may create in all before it settles for the beam search."""
    beam: int = 3
    """Labels kept per state and day in the beam search (no proof), at least; 0 and a budget
    too small for more: no beam search."""
    widest: int = 64
    """Labels kept per state and day in the beam search, at most (unless it finds none)."""
    columns: int = 5
    """Rosters returned per pricing, the cheapest first."""
    patterns: int = 64
    """Day patterns of one day above which the clinician is not expressible."""
    radius: float = 10.0
    """The first box around the multipliers, in cost per largest step of each sum."""


# --- the penalty of a sum -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class _Penalty:
    """A sum's penalty: infinite below ``lo`` or above ``hi`` (hard), plus weight * max(0,
    bound - g) per ``below`` piece and weight * max(0, g - bound) per ``above`` piece."""

    lo: int | None
    hi: int | None
    below: tuple[tuple[int, int], ...]  # (bound, weight)
    above: tuple[tuple[int, int], ...]

    @functools.cached_property
    def breaks(self) -> tuple[int, ...]:
        points = {b for b, _ in self.below} | {b for b, _ in self.above}
        points |= {b for b in (self.lo, self.hi) if b is not None}
        return tuple(sorted(points))

    @functools.cached_property
    def widest(self) -> float:
        """The longest piece a sum's range can lie within (INF: the last, open to the right)."""
        breaks = self.breaks
        if self.hi is None:
            return INF
        pieces = [b - a for a, b in zip(breaks, breaks[1:], strict=False)]
        if self.lo is None and breaks:
            pieces.append(breaks[0])
        return max(pieces, default=0)

    def __call__(self, g: int) -> float:
        if (self.lo is not None and g < self.lo) or (self.hi is not None and g > self.hi):
            return INF
        return float(
            sum(w * max(0, b - g) for b, w in self.below)
            + sum(w * max(0, g - b) for b, w in self.above)
        )

    def zero_on(self, low: int, high: int) -> bool:
        """Nought for every sum in [low, high]."""
        return all(self(g) == 0 for g in {low, high, *(b for b in self.breaks if low < b < high)})

    def least(self, start: int, low: int, high: int, lam: float) -> float:
        """min over g in [low, high] of P(start + g) - lam * g (convex: at a break or an end)."""
        best = INF
        for g in (low, high, *(b - start for b in self.breaks if low < b - start < high)):
            best = min(best, self(start + g) - lam * g)
        return best

    def many(self, g: IntArray) -> FloatArray:
        """P at each sum of ``g``."""
        out = np.zeros(len(g))
        for b, w in self.below:
            out += w * np.maximum(0, b - g)
        for b, w in self.above:
            out += w * np.maximum(0, g - b)
        if self.lo is not None:
            out[g < self.lo] = INF
        if self.hi is not None:
            out[g > self.hi] = INF
        return out

    def least_many(self, start: IntArray, high: int, lam: float) -> FloatArray:
        """``least`` for each start, over growths in [0, high]."""
        if len(start) > 64:  # sums repeat: work out each in their range once
            low = int(start.min())
            span = int(start.max()) - low + 1
            if span < len(start) // 2:
                table = self.least_many(np.arange(low, low + span, dtype=np.int64), high, lam)
                return table[start - low]
        best = np.minimum(self.many(start), self.many(start + high) - lam * high)
        for b in self.breaks:
            g = np.minimum(np.maximum(b - start, 0), high)
            best = np.minimum(best, self.many(start + g) - lam * g)
        return best

    def least_each(self, start: IntArray, high: IntArray, lam: float) -> FloatArray:
        """``least`` for each start, over growths in [0, high] for its own high."""
        best = np.minimum(self.many(start), self.many(start + high) - lam * high)
        for b in self.breaks:
            g = np.minimum(np.maximum(b - start, 0), high)
            best = np.minimum(best, self.many(start + g) - lam * g)
        return best

    def canonical_many(
        self, r: IntArray, width: int
    ) -> tuple[IntArray, FloatArray, npt.NDArray[np.bool_]]:
        """For sums ``r`` that can still grow by at most ``width``: the least sum equivalent
        to each (where [r, r + width] lies within one linear piece of P, its start s, as
        P(r + g) = P(s + g) + P(r) - P(s) for every g in [0, width]; else r itself), the
        penalty differences P(r) - P(s), and whether the hard bounds can still be met."""
        feasible = np.ones(len(r), dtype=bool)
        if self.hi is not None:
            feasible &= r <= self.hi
        if self.lo is not None:
            feasible &= r + width >= self.lo
        if width > self.widest:
            return r, np.zeros(len(r)), feasible  # no piece holds a whole range
        breaks = np.array(self.breaks, dtype=np.int64)
        j = np.searchsorted(breaks, r, side="right")
        right = np.where(j < len(breaks), breaks[np.minimum(j, len(breaks) - 1)], TOP)
        left = np.where(j > 0, breaks[np.maximum(j - 1, 0)], 0)
        move = feasible & (r + width <= right) & (left != r)
        if self.lo is not None:
            move &= r >= self.lo
        moved = np.where(move, left, r)
        extra = np.zeros(len(r))
        if move.any():
            extra[move] = self.many(r[move]) - self.many(left[move])
        return moved, extra, feasible


@dataclasses.dataclass(frozen=True)
class _Resource:
    """A sum over the days ``first`` to ``last``: per session a coefficient, or per worked
    weekend 1 (``weekend``)."""

    name: str
    first: int
    last: int
    coef: dict[int, int]
    weekend: bool
    penalty: _Penalty


# --- what the labels can express ----------------------------------------------------------


def _limit(own: int | None, params: Any, field: str = "default") -> int | None:
    return own if own is not None else getattr(params, field, None)


def _mine(problem: ProblemData, c: int, sessions: Iterable[int] | None) -> list[int]:
    if sessions is None:
        sessions = (s for k, s in problem.eligible if k == c)
    return sorted(s for s in sessions if (c, s) not in problem.unavailable)


def _compatible(problem: ProblemData, a: SessionData, b: SessionData, shift: int = 0) -> bool:
    """No overlap between a and b (b moved ``shift`` minutes later), travel counted."""
    params = problem.rules.no_overlap

    def gap(x: SessionData, y: SessionData) -> int:
        if x.site == y.site or not params.travel:
            return params.min_gap_minutes
        return max(params.min_gap_minutes, problem.travel[x.site][y.site])

    return a.end + gap(a, b) <= b.start + shift or b.end + shift + gap(b, a) <= a.start


def obstacle(
    problem: ProblemData, c: int, sessions: Iterable[int] | None = None, most: int = 64
) -> str | None:
    """Why clinician c's pricing cannot be written as labels (None: it can). ``sessions``: c's
    eligible sessions, when known; ``most``: the day patterns a day may have."""
    rules = problem.rules
    for kind in rules.active():
        spec = SPECS[kind]
        if not spec.labels and spec.cover is None:  # cover rules go into the master
            return f"rule {kind}"
    if rules.allocation_bounds is not None or rules.allocation_target is not None:
        for row in problem.allocations:
            if row.clinician == c and row.share:
                return "an allocation as a share"
            if row.clinician == c and (row.mins or row.targets or row.days is not None):
                return "an allocation prorated or counted over a term"
    clinician = problem.clinicians[c]
    if clinician.before and (
        rules.rest_after_evening is not None or rules.forbidden_successions is not None
    ):
        return "sessions worked just before the horizon"
    by_day: dict[int, list[SessionData]] = defaultdict(list)
    for s in _mine(problem, c, sessions):
        by_day[problem.sessions[s].day].append(problem.sessions[s])
    rest = rules.rest_after_evening.rest_minutes if rules.rest_after_evening is not None else 0
    reach = max([rules.no_overlap.min_gap_minutes, *(m for row in problem.travel for m in row)])
    # nothing may tie sessions two or more days apart: per day, the first start two days on
    after: dict[int, float] = {}  # the first start on day d or later
    later = INF
    for d in range(problem.n_days - 1, -1, -1):
        if by_day.get(d):
            later = min(later, min(x.start for x in by_day[d]))
        after[d] = later
    for d, day in by_day.items():
        two_on = after.get(d + 2, INF)
        for x in day:
            if not d * DAY <= x.start < (d + 1) * DAY:
                return "a session that starts outside its day"
            if x.end + reach + (rest if x.evening else 0) > two_on:
                return "a session that reaches two days on"
    limit = _day_limit(problem, c)
    for d, day in by_day.items():
        if len(day) > 1 and len(_patterns(problem, day, list(range(len(day))), limit, most)) > most:
            return f"more than {most} day patterns on day {d}"
    return None


def expressible(
    problem: ProblemData, c: int, sessions: Iterable[int] | None = None, most: int = 64
) -> bool:
    """True when clinician c's pricing can be written as labels (LabelPricer)."""
    return obstacle(problem, c, sessions, most) is None


def _day_limit(problem: ProblemData, c: int) -> int | None:
    """The hard limit of sessions a day, if any."""
    params = problem.rules.max_per_day
    if params is None or not params.hard:
        return None
    return _limit(problem.clinicians[c].max_per_day, params)


def _rest_clash(problem: ProblemData, a: SessionData, b: SessionData, shift: int = 0) -> bool:
    """b (moved ``shift`` minutes later) starts within the rest after evening session a."""
    params = problem.rules.rest_after_evening
    if params is None or not a.evening:
        return False
    return a.end <= b.start + shift < a.end + params.rest_minutes


def _patterns(
    problem: ProblemData,
    day: Sequence[SessionData],
    indices: Sequence[int],
    limit: int | None,
    most: int,
) -> list[tuple[int, ...]]:
    """The sets of one day's sessions that can be worked together (the empty set first)."""
    if limit is not None and limit <= 1:  # one session at most: no pair to check
        alone: list[tuple[int, ...]] = [(s,) for s in indices] if limit == 1 else []
        return [(), *alone]
    rest = problem.rules.rest_after_evening
    hard_rest = rest is not None and rest.hard
    n = len(day)
    ok = [[True] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            if i != j:
                a, b = day[i], day[j]
                fits = _compatible(problem, a, b)
                if hard_rest and (_rest_clash(problem, a, b) or _rest_clash(problem, b, a)):
                    fits = False
                ok[i][j] = fits
    out: list[tuple[int, ...]] = []

    def grow(chosen: list[int], start: int) -> None:
        out.append(tuple(indices[i] for i in chosen))
        if len(out) > most or (limit is not None and len(chosen) >= limit):
            return
        for k in range(start, n):
            if all(ok[i][k] for i in chosen):
                chosen.append(k)
                grow(chosen, k + 1)
                chosen.pop()

    grow([], 0)
    return out


# --- the runs of worked days and days off ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Run:
    """A shortest-run rule on days equal to ``value`` (1 worked, 0 off)."""

    value: int
    low: int
    hard: bool
    weight: int
    end_exempt: bool

    def step(self, n: int, x: int) -> tuple[int, float]:
        """The run's length after a day x (capped at low: long enough, or exempt) and its cost."""
        if x == self.value:
            return min(n + 1, self.low), 0.0
        if 0 < n < self.low:
            return 0, INF if self.hard else float(self.weight * (self.low - n))
        return 0, 0.0

    def end(self, n: int) -> float:
        if self.end_exempt or not 0 < n < self.low:
            return 0.0
        return INF if self.hard else float(self.weight * (self.low - n))

    def start(self, outside: str, exempting: str, history: tuple[bool, ...]) -> tuple[int, float]:
        """The length before the horizon's first day, and the cost of the history's own runs."""
        if outside != "history":
            return (self.low if outside == exempting else 0), 0.0
        n, cost = self.low, 0.0  # the start of what is known is exempt
        for worked in history:
            n, more = self.step(n, int(worked))
            cost += more
        return n, cost


State = tuple[int, int, int, int, int]  # (run for the longest, worked run, off run, kind, sat)


# --- the pricer ------------------------------------------------------------------------------


class _Table:
    """One day's transitions, for every state: sorted by source state."""

    def __init__(self, rows: list[tuple[int, int, int, float, int]], n_states: int) -> None:
        rows.sort()
        self.src = np.array([r[0] for r in rows], dtype=np.int64)
        self.opt = np.array([r[1] for r in rows], dtype=np.int64)
        self.dst = np.array([r[2] for r in rows], dtype=np.int64)
        self.cost = np.array([r[3] for r in rows], dtype=np.float64)
        self.wk = np.array([r[4] for r in rows], dtype=np.float64)
        starts = [0] + [i for i in range(1, len(rows)) if rows[i][0] != rows[i - 1][0]]
        self.starts = np.array(starts, dtype=np.int64)
        self.srcs = self.src[self.starts] if rows else np.zeros(0, dtype=np.int64)
        self.wk_int = self.wk.astype(np.int64)
        self.first = np.zeros(n_states, dtype=np.int64)
        self.count = np.zeros(n_states, dtype=np.int64)
        self.first[self.srcs] = self.starts
        self.count[self.srcs] = np.diff(np.r_[self.starts, len(rows)])


class LabelPricer:
    """One clinician's pricing by labels over the days (see the module's doc); the same
    contract as the CP-SAT pricer (solver.columns.pricer): ``price``, ``restrict`` and ``cost``.

    Raises ValueError when the clinician's rules cannot be written as labels (``obstacle``)."""

    def __init__(
        self,
        problem: ProblemData,
        c: int,
        sessions: Iterable[int] | None = None,
        params: LabelParams | None = None,
        fallback: Callable[[], Any] | None = None,
    ) -> None:
        """``fallback`` makes another pricer of the same contract, asked for rosters when the
        labels find none and cannot prove there is none (made once, when first needed)."""
        mine = _mine(problem, c, sessions)
        self.params = params or LabelParams()
        why = obstacle(problem, c, mine, self.params.patterns)
        if why is not None:
            raise ValueError(f"clinician {problem.clinicians[c].id}: {why}")
        self.problem, self.c = problem, c
        self.fallback = fallback
        self.other: Any = None  # the fallback pricer, once made
        self.days = problem.n_days
        rules = problem.rules
        clin = problem.clinicians[c]
        self.constant = 0.0  # penalties no roster can change
        self.infeasible = False

        # the sums: built first, since a hard maximum of 0 takes its sessions away
        resources: dict[tuple[Any, ...], dict[str, Any]] = {}

        def resource(
            key: tuple[Any, ...], first: int, last: int, coef: dict[int, int], weekend: bool = False
        ) -> dict[str, Any]:
            if key not in resources:
                resources[key] = {
                    "first": first,
                    "last": last,
                    "coef": coef,
                    "weekend": weekend,
                    "lo": None,
                    "hi": None,
                    "below": [],
                    "above": [],
                }
            return resources[key]

        def bound(entry: dict[str, Any], value: int, low: bool, hard: bool, weight: int) -> None:
            if hard:
                side = "lo" if low else "hi"
                old = entry[side]
                entry[side] = value if old is None else (max if low else min)(old, value)
            elif weight:
                entry["below" if low else "above"].append((value, weight))

        sessions_ = problem.sessions
        weeks = [(w * 7, min(self.days, w * 7 + 7) - 1) for w in range(problem.n_weeks)]
        horizon = (0, self.days - 1)
        tm = rules.total_minutes
        if tm is not None:
            low, high = (
                _limit(clin.min_minutes, tm, "default_min"),
                _limit(clin.max_minutes, tm, "default_max"),
            )
            minutes = {s: sessions_[s].end - sessions_[s].start for s in mine}
            entry = resource(("minutes",), *horizon, minutes)
            if low is not None and low > 0:
                bound(entry, low, True, tm.hard, tm.weight)
            if high is not None:
                bound(entry, high, False, tm.hard, tm.weight)
        ab, at = rules.allocation_bounds, rules.allocation_target
        for row in problem.allocations:
            if row.clinician != c:
                continue
            periods = list(enumerate(weeks)) if row.per_week else [(None, horizon)]
            for week, (first, last) in periods:
                coef = {
                    s: 1
                    for s in mine
                    if sessions_[s].activity == row.activity
                    and (week is None or sessions_[s].week == week)
                }
                entry = resource(("allocation", row.activity, week), first, last, coef)
                if ab is not None:
                    if row.min is not None:
                        bound(entry, row.min, True, ab.hard, ab.weight)
                    if row.max is not None:
                        bound(entry, row.max, False, ab.hard, ab.weight)
                if at is not None and row.target is not None:
                    bound(entry, row.target, True, False, at.weight)
                    bound(entry, row.target, False, False, at.weight)
        mw = rules.max_per_week
        if mw is not None:
            limit = _limit(clin.max_per_week, mw)
            if limit is not None:
                for week, (first, last) in enumerate(weeks):
                    coef = {s: 1 for s in mine if sessions_[s].week == week}
                    bound(
                        resource(("week", week), first, last, coef),
                        limit,
                        False,
                        mw.hard,
                        mw.weight,
                    )
        mx = rules.max_weekends
        if mx is not None:
            limit = _limit(clin.max_weekends, mx)
            if limit is not None:
                bound(resource(("weekends",), *horizon, {}, True), limit, False, mx.hard, mx.weight)
        # requests: avoid per session worked, want once when none is worked
        self.day_cost: dict[int, float] = defaultdict(float)  # per session: its own cost
        self.wants: list[tuple[set[int], float]] = []  # one-day wants: (sessions, weight)
        rq = rules.requests
        if rq is not None:
            mine_set = set(mine)
            for i, r in enumerate(problem.requests):
                if r.clinician != c:
                    continue
                w = rq.weight * r.weight
                if not w:
                    continue
                open_ = {s for s in r.sessions if s in mine_set}
                if not r.want:
                    for s in open_:
                        self.day_cost[s] += w
                elif not open_:
                    self.constant += w
                elif len({sessions_[s].day for s in open_}) == 1:
                    self.wants.append((open_, float(w)))
                else:
                    entry = resource(("want", i), *horizon, dict.fromkeys(open_, 1))
                    bound(entry, 1, True, False, w)

        # sessions a hard maximum of 0 takes away
        removed: set[int] = set()
        for entry in resources.values():
            if entry["hi"] == 0 and not entry["weekend"]:
                removed |= {s for s, k in entry["coef"].items() if k > 0}
        mine = [s for s in mine if s not in removed]
        self.sessions = mine

        # the day patterns
        by_day: dict[int, list[int]] = defaultdict(list)
        for s in mine:
            by_day[sessions_[s].day].append(s)
        limit = _day_limit(problem, c)
        self.patterns: list[list[tuple[int, ...]]] = []
        for d in range(self.days):
            items = sorted(by_day.get(d, []), key=lambda s: (sessions_[s].start, s))
            if len(items) <= 1:
                pats: list[tuple[int, ...]] = [()] + [(s,) for s in items]
                if limit == 0:
                    pats = [()]
            else:
                pats = _patterns(
                    problem, [sessions_[s] for s in items], items, limit, self.params.patterns
                )
            self.patterns.append(pats)

        # sums: drop those nought over every sum they can reach; settle those that cannot vary
        multi = {d for d, pats in enumerate(self.patterns) if any(len(p) > 1 for p in pats)}
        self.resources: list[_Resource] = []
        for key, entry in resources.items():
            penalty = _Penalty(
                entry["lo"], entry["hi"], tuple(entry["below"]), tuple(entry["above"])
            )
            coef = {s: k for s, k in entry["coef"].items() if s not in removed and k}
            first, last = entry["first"], entry["last"]
            if entry["weekend"]:
                top = sum(
                    1
                    for d in range(first, last + 1)
                    if d % 7 == 5 and (len(self.patterns[d]) > 1 or len(self._pats(d + 1)) > 1)
                )
            else:
                # the most a day can add: its largest coefficient, or on a day of patterns of
                # several sessions, the largest pattern's sum
                most: dict[int, int] = defaultdict(int)
                for s, k in coef.items():
                    most[sessions_[s].day] = max(most[sessions_[s].day], k)
                for d in multi & most.keys():
                    most[d] = max(sum(coef.get(s, 0) for s in p) for p in self.patterns[d])
                top = sum(most.values())
            if penalty.zero_on(0, top):
                continue
            if top == 0:
                self.constant += penalty(0)
                continue
            name = "-".join(str(k) for k in key)
            self.resources.append(_Resource(name, first, last, coef, entry["weekend"], penalty))
        if math.isinf(self.constant):
            self.infeasible = True
        self.weekend = next((i for i, r in enumerate(self.resources) if r.weekend), -1)

        # the runs
        mc = rules.max_consecutive_days
        self.max_run: tuple[int, bool, int] | None = None
        a0 = 0
        if mc is not None:
            limit = _limit(clin.max_consecutive_days, mc)
            past = clin.history if mc.outside == "history" else ()
            if limit is not None and limit < len(past) + self.days:
                self.max_run = (limit, mc.hard, mc.weight)
                for worked in past:
                    a0 = min(a0 + 1, limit + 1) if worked else 0
        self.runs: list[_Run | None] = [None, None]
        starts = [0, 0]
        for i, (rule, own, exempting) in enumerate(
            (
                (rules.min_consecutive_days, clin.min_consecutive_days, "worked"),
                (rules.min_days_off, clin.min_consecutive_days_off, "off"),
            )
        ):
            if rule is None:
                continue
            low = _limit(own, rule)
            if low is None or low <= 1:
                continue
            run = _Run(
                1 - i,
                low,
                rule.hard,
                rule.weight,
                rule.outside in (exempting, "history"),
            )
            self.runs[i] = run
            starts[i], cost = run.start(rule.outside, exempting, clin.history)
            self.constant += cost

        # what one day's pattern costs on the next day's: kinds of patterns by that cost
        self._links()
        self.init: State = (a0, starts[0], starts[1], self.kind_of_desc[0], 0)
        self._states()
        self.decided: dict[int, int] = {}
        self.lam = np.zeros(len(self.resources))
        self._compile()

    def _pats(self, d: int) -> list[tuple[int, ...]]:
        return self.patterns[d] if 0 <= d < self.days else [()]

    # -- the links between days ------------------------------------------------------------

    def _links(self) -> None:
        """Each pattern's descriptor (its sessions as seen from their day), the cost of each
        pair of descriptors on consecutive days, and each descriptor's kind: descriptors that
        cost the same before every other share a kind."""
        problem = self.problem
        rules = problem.rules
        sessions = problem.sessions
        fs = rules.forbidden_successions
        rest = rules.rest_after_evening
        slot: dict[int, tuple[Any, ...]] = {}
        for s in self.sessions:
            x = sessions[s]
            base = x.day * DAY
            slot[s] = (x.activity, x.period, x.evening, x.site, x.start - base, x.end - base)
        descs: dict[tuple[tuple[Any, ...], ...], int] = {(): 0}
        self.descs: list[list[int]] = []  # per day, per pattern: its descriptor
        for pats in self.patterns:
            ids = []
            for p in pats:
                key = tuple(sorted(slot[s] for s in p))
                ids.append(descs.setdefault(key, len(descs)))
            self.descs.append(ids)
        keys = sorted(descs, key=descs.__getitem__)
        pairs: list[tuple[Any, Any]] = []
        if fs is not None:
            pairs = [(pair.first, pair.then) for pair in fs.pairs]
        activities = problem.activities

        def matches(kind: Any, x: tuple[Any, ...]) -> bool:
            if kind.activity is not None and activities[x[0]] != kind.activity:
                return False
            return kind.period is None or x[1] == kind.period

        def as_session(x: tuple[Any, ...], day: int) -> SessionData:
            return SessionData(
                "",
                x[3],
                day,
                0,
                x[4] + day * DAY,
                x[5] + day * DAY,
                x[0],
                x[2],
                False,
                1,
                -1,
                (),
                0,
                x[1],
            )

        # per slot, the listed pairs whose first (then) kind it matches, as bits
        slots = {x for key in keys for x in key}
        firsts = {x: sum(1 << i for i, (f, _) in enumerate(pairs) if matches(f, x)) for x in slots}
        thens = {x: sum(1 << i for i, (_, h) in enumerate(pairs) if matches(h, x)) for x in slots}

        def link(p: tuple[tuple[Any, ...], ...], q: tuple[tuple[Any, ...], ...]) -> float:
            total = 0.0
            for x in p:
                for y in q:
                    a, b = as_session(x, 0), as_session(y, 1)
                    if not _compatible(problem, a, b):
                        return INF
                    if fs is not None:
                        n = (firsts[x] & thens[y]).bit_count()
                        if n:
                            if fs.hard:
                                return INF
                            total += fs.weight * n
                    if rest is not None and _rest_clash(problem, a, b):
                        if rest.hard:
                            return INF
                        total += rest.weight
            return total

        rows: dict[tuple[float, ...], int] = {}
        self.kind_of_desc: list[int] = []
        matrix: list[tuple[float, ...]] = []
        for key in keys:
            row = tuple(link(key, q) for q in keys) if key else (0.0,) * len(keys)
            if row not in rows:
                rows[row] = len(rows)
                matrix.append(row)
            self.kind_of_desc.append(rows[row])
        self.link = matrix  # per kind, per descriptor: the cost of that descriptor next

    # -- the states ---------------------------------------------------------------------

    def _step(self, state: State, desc: int, d: int) -> tuple[State, float, int] | None:
        """The state after a pattern of descriptor ``desc`` on day d, the cost of the step
        (links and runs, not the pattern's own) and the worked weekend it adds (0 or 1); None
        when a hard rule forbids it."""
        a, b, e, kind, sat = state
        cost = self.link[kind][desc]
        if cost == INF:
            return None
        x = int(desc != 0)  # descriptor 0: the day off
        if self.max_run is not None:
            limit, hard, weight = self.max_run
            if x:
                a = min(a + 1, limit + 1)
                if a > limit:
                    if hard:
                        return None
                    cost += weight
            else:
                a = 0
        for i, run in enumerate(self.runs):
            if run is not None:
                n, more = run.step(b if i == 0 else e, x)
                if more == INF:
                    return None
                cost += more
                if i == 0:
                    b = n
                else:
                    e = n
        wk = 0
        if self.weekend >= 0:
            if d % 7 == 5:
                wk, sat = x, x
            elif d % 7 == 6:
                wk, sat = x * (1 - sat), 0
            else:
                sat = 0
        return (a, b, e, self.kind_of_desc[desc], sat), cost, wk

    def _end(self, state: State) -> float:
        cost = 0.0
        for i, run in enumerate(self.runs):
            if run is not None:
                cost += run.end(state[1 + i])
        return cost

    def _states(self) -> None:
        """Every state reachable from the start, over any pattern on any day."""
        moves = {  # (day of week, descriptor)
            (d % 7 if self.weekend >= 0 else 0, desc)
            for d, ids in enumerate(self.descs)
            for desc in ids
        }
        self.index: dict[State, int] = {self.init: 0}
        self.states: list[State] = [self.init]
        todo = [self.init]
        while todo:
            state = todo.pop()
            for dow, desc in moves:
                got = self._step(state, desc, dow)
                if got is not None and got[0] not in self.index:
                    self.index[got[0]] = len(self.states)
                    self.states.append(got[0])
                    todo.append(got[0])
        self.terminal = np.array([self._end(s) for s in self.states])

    # -- the days' tables ------------------------------------------------------------------

    def restrict(self, decided: dict[int, int]) -> None:
        """Rosters with session s worked (1) or not (0) for each s in ``decided``, and any
        otherwise."""
        if decided != self.decided:
            self.decided = dict(decided)
            self._compile()
        if self.other is not None:
            self.other.restrict(decided)

    def _compile(self) -> None:
        """The day patterns left by the decisions, their own costs and sums, and each day's
        transitions (shared between days with the same patterns)."""
        sessions = self.problem.sessions
        site_changes = self.problem.rules.site_changes
        per_day = self.problem.rules.max_per_day
        soft_day = None
        if per_day is not None and not per_day.hard:
            soft_day = _limit(self.problem.clinicians[self.c].max_per_day, per_day)
        rest = self.problem.rules.rest_after_evening
        soft_rest = rest is not None and not rest.hard
        forced: dict[int, set[int]] = defaultdict(set)
        barred: set[int] = set()
        for s, v in self.decided.items():
            if v:
                forced[sessions[s].day].add(s)
            else:
                barred.add(s)
        self.day_patterns: list[list[tuple[int, ...]]] = []
        self.day_descs: list[list[int]] = []
        own: list[float] = []
        self.offset: list[int] = []
        flat_sessions: list[int] = []
        flat_options: list[int] = []
        # the patterns' sums, nonzeros only: (pattern, sum, coefficient)
        nz_option: list[int] = []
        nz_sum: list[int] = []
        nz_coef: list[int] = []
        of_session: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for i, r in enumerate(self.resources):
            for s, k in r.coef.items():
                of_session[s].append((i, k))
        want_by_day: dict[int, list[tuple[set[int], float]]] = defaultdict(list)
        for sessions_wanted, w in self.wants:
            want_by_day[sessions[next(iter(sessions_wanted))].day].append((sessions_wanted, w))
        for d in range(self.days):
            kept = [
                j
                for j, p in enumerate(self.patterns[d])
                if forced[d] <= set(p) and not barred.intersection(p)
            ]
            if forced[d] - set(self.sessions):
                kept = []  # a session that cannot be worked at all
            pats = [self.patterns[d][j] for j in kept]
            self.day_patterns.append(pats)
            self.day_descs.append([self.descs[d][j] for j in kept])
            self.offset.append(len(own))
            for p in pats:
                cost = sum(self.day_cost.get(s, 0.0) for s in p)
                for wanted, w in want_by_day.get(d, ()):
                    if not wanted.intersection(p):
                        cost += w
                if soft_day is not None and per_day is not None and len(p) > soft_day:
                    cost += per_day.weight * (len(p) - soft_day)
                if site_changes is not None and p:
                    cost += site_changes.weight * (len({sessions[s].site for s in p}) - 1)
                if soft_rest and rest is not None:
                    for a in p:
                        for b in p:
                            if a != b and _rest_clash(self.problem, sessions[a], sessions[b]):
                                cost += rest.weight
                k = len(own)
                own.append(cost)
                for s in p:
                    flat_sessions.append(s)
                    flat_options.append(k)
                adds: dict[int, int] = defaultdict(int)
                for s in p:
                    for i, c in of_session.get(s, ()):
                        adds[i] += c
                for i, c in sorted(adds.items()):
                    nz_option.append(k)
                    nz_sum.append(i)
                    nz_coef.append(c)
        self.offset.append(len(own))
        self.own = np.array(own)
        self.flat_sessions = np.array(flat_sessions, dtype=np.int64)
        self.flat_options = np.array(flat_options, dtype=np.int64)
        self.nz_option = np.array(nz_option, dtype=np.int64)
        self.nz_sum = np.array(nz_sum, dtype=np.int64)
        self.nz_coef = np.array(nz_coef, dtype=np.int64)
        n = len(self.resources)
        # per sum, its largest step (a session's minutes, say): the multipliers' scale
        self.scale = np.ones(n)
        np.maximum.at(self.scale, self.nz_sum, self.nz_coef)
        # the range each sum can still add from day d on, within its period
        day_max = np.zeros((self.days, n), dtype=np.int64)
        days_of = np.searchsorted(np.array(self.offset), self.nz_option, side="right") - 1
        np.maximum.at(day_max, (days_of, self.nz_sum), self.nz_coef)
        for i, r in enumerate(self.resources):
            if r.weekend:  # a weekend not over yet: one more at most
                day_max[[d for d in range(r.first, r.last + 1) if d % 7 == 6], i] = 1
        self.grow_max = np.zeros((self.days + 1, n), dtype=np.int64)
        self.grow_max[: self.days] = np.cumsum(day_max[::-1], axis=0)[::-1]
        # the tables
        cache: dict[tuple[Any, ...], _Table] = getattr(self, "_cache", {})
        self._cache = cache
        self.tables: list[_Table] = []
        for d, ids in enumerate(self.day_descs):
            key = (d % 7 if self.weekend >= 0 else 0, tuple(ids))
            table = cache.get(key)
            if table is None:
                rows = []
                for s, state in enumerate(self.states):
                    for o, desc in enumerate(ids):
                        got = self._step(state, desc, d)
                        if got is not None:
                            rows.append((s, o, self.index[got[0]], got[1], got[2]))
                table = _Table(rows, len(self.states))
                cache[key] = table
            self.tables.append(table)
        self._reach()

    def _reach(self) -> None:
        """For each sum with a lower side (a minimum, or a penalty below a bound), the most it
        can still grow from each day and state along ways the sequence rules allow (-1: no way
        to the end); the labels drop what cannot reach a hard minimum."""
        lower = [
            i for i, r in enumerate(self.resources) if r.penalty.lo is not None or r.penalty.below
        ]
        self.reach_index = {i: j for j, i in enumerate(lower)}
        # sums whose penalty never falls (rises) as they grow: the fewer (more), the better
        self.rising = [
            i for i, r in enumerate(self.resources) if r.penalty.lo is None and not r.penalty.below
        ]
        self.falling = [
            i
            for i, r in enumerate(self.resources)
            if r.penalty.hi is None and not r.penalty.above and i not in self.rising
        ]
        n = len(self.states)
        reach = np.full((self.days + 1, n, len(lower)), -np.inf)
        reach[self.days][np.isfinite(self.terminal)] = 0.0
        if lower:
            for d in range(self.days - 1, -1, -1):
                table = self.tables[d]
                if not len(table.src):
                    continue
                val = self.coef_block(d)[:, lower][table.opt] + reach[d + 1][table.dst]
                if self.weekend in self.reach_index:
                    val[:, self.reach_index[self.weekend]] += table.wk
                reach[d][table.srcs] = np.maximum.reduceat(val, table.starts, axis=0)
        self.reach = np.where(np.isfinite(reach), reach, -1).astype(np.int32)

    # -- the relaxation --------------------------------------------------------------------

    def _backward(self, option_cost: FloatArray, lam_weekend: float) -> FloatArray:
        """Per day d and state, the least cost from the start of day d to the end."""
        n = len(self.states)
        values = np.empty((self.days + 1, n))
        values[self.days] = self.terminal
        for d in range(self.days - 1, -1, -1):
            table = self.tables[d]
            row = np.full(n, INF)
            if len(table.src):
                val = (
                    table.cost + option_cost[self.offset[d] + table.opt] + values[d + 1][table.dst]
                )
                if lam_weekend:
                    val += lam_weekend * table.wk
                row[table.srcs] = np.minimum.reduceat(val, table.starts)
            values[d] = row
        return values

    def _path(
        self, values: FloatArray, option_cost: FloatArray, lam_weekend: float
    ) -> list[int] | None:
        """The patterns (per day, an index into its patterns) of a least-cost way through
        ``values``."""
        state = 0
        out = []
        for d in range(self.days):
            table = self.tables[d]
            first, count = int(table.first[state]), int(table.count[state])
            if not count:
                return None
            moves = slice(first, first + count)
            val = (
                table.cost[moves]
                + option_cost[self.offset[d] + table.opt[moves]]
                + lam_weekend * table.wk[moves]
                + values[d + 1][table.dst[moves]]
            )
            pick = first + int(np.argmin(val))
            out.append(int(table.opt[pick]))
            state = int(table.dst[pick])
        return out

    def _walk(self, choice: Sequence[int]) -> tuple[float, IntArray]:
        """A roster's own cost but for its sums' penalties (INF when it breaks a hard rule),
        and its sums; ``choice``: per day, an index into its patterns."""
        own = self.constant
        state = self.init
        for d, j in enumerate(choice):
            got = self._step(state, self.day_descs[d][j], d)
            if got is None:
                return INF, self._sums(choice)
            state, cost, _ = got
            own += cost + float(self.own[self.offset[d] + j])
        return own + self._end(state), self._sums(choice)

    def _sums(self, choice: Sequence[int]) -> IntArray:
        """A roster's sums; ``choice``: per day, an index into its patterns."""
        chosen = np.zeros(len(self.own), dtype=bool)
        chosen[np.array(self.offset[:-1]) + np.asarray(choice, dtype=np.int64)] = True
        picked = chosen[self.nz_option]
        sums = np.bincount(
            self.nz_sum[picked], weights=self.nz_coef[picked], minlength=len(self.resources)
        ).astype(np.int64)
        if self.weekend >= 0:
            worked = [self.day_descs[d][j] != 0 for d, j in enumerate(choice)]
            sums[self.weekend] = sum(
                1 for d in range(5, len(worked) - 1, 7) if worked[d] or worked[d + 1]
            )
        return sums

    def evaluate(self, choice: Sequence[int], prices: FloatArray) -> tuple[float, float]:
        """A roster's own cost and its priced cost (INF, INF when it breaks a hard rule);
        ``choice``: per day, an index into its patterns."""
        own, sums = self._walk(choice)
        for i, r in enumerate(self.resources):
            own += r.penalty(int(sums[i]))
        if own == INF:
            return INF, INF
        worked = [s for d, j in enumerate(choice) for s in self.day_patterns[d][j]]
        return own, own - float(prices[worked].sum())

    def column(self, choice: Sequence[int]) -> Column:
        return frozenset(s for d, j in enumerate(choice) for s in self.day_patterns[d][j])

    # -- pricing ---------------------------------------------------------------------------

    def price(
        self,
        price: Callable[[int], float] | Sequence[float] | FloatArray,
        seed: int = 0,
        stop: threading.Event | None = None,
    ) -> tuple[list[tuple[Column, int]], float, bool]:
        """The rosters found (sessions, own cost), a lower bound of the least priced cost (own
        penalties less the prices of the sessions worked) and whether it is proven the least.
        ``price``: per session, a function or an array over all the problem's sessions. The
        labels' work is bounded by their budget; ``stop`` reaches the other pricer's search."""
        prices = np.zeros(self.problem.n_sessions)
        if callable(price):
            for s in self.sessions:
                prices[s] = price(s)
        else:
            prices[:] = np.asarray(price, dtype=np.float64)
        if self.infeasible or any(not pats for pats in self.day_patterns):
            return [], INF, True
        base: FloatArray = self.own - np.bincount(
            self.flat_options, weights=prices[self.flat_sessions], minlength=len(self.own)
        )
        found: dict[Column, tuple[float, int]] = {}  # column -> (priced, own)

        def keep(choice: Sequence[int]) -> float:
            own, priced = self.evaluate(choice, prices)
            if priced < INF:
                found[self.column(choice)] = (priced, round(own))
            return priced

        lower, best = self._relax(base, keep, found)
        if lower == INF:
            return [], INF, True
        upper = min((v for v, _ in found.values()), default=INF)
        proven = upper <= lower + EPS * max(1.0, abs(lower))
        if not proven:
            # the beam first, for rosters near the best to prune the exact search with: as wide
            # as a quarter of the labels' budget allows, wider while it finds none
            beam = max(
                self.params.beam,
                min(self.params.widest, self.params.labels // (4 * len(self.states) * self.days)),
            )
            while beam > 0:
                self._search(base, best, upper, found, prices, beam)
                beam *= 4
                if found or beam * len(self.states) * self.days > 4 * self.params.labels:
                    break
            upper = min((v for v, _ in found.values()), default=INF)
            proven = upper <= lower + EPS * max(1.0, abs(lower))
            if not proven:
                proven = self._search(base, best, upper, found, prices, 0)
        ranked = sorted(found.items(), key=lambda item: (item[1][0], sorted(item[0])))
        columns = [(column, own) for column, (_, own) in ranked[: self.params.columns]]
        if proven:
            lower = ranked[0][1][0] if ranked else INF
        elif not columns and self.fallback is not None:
            # no roster, nor a proof that there is none: the other pricer's rosters, with the
            # labels' bound (valid whatever the other one's)
            if self.other is None:
                self.other = self.fallback()
                self.other.restrict(self.decided)
            found_other, _, _ = self.other.price(lambda s: float(prices[s]), seed, stop)
            columns = list(found_other)
        return columns, lower, proven

    def _relax(
        self,
        base: FloatArray,
        keep: Callable[[Sequence[int]], float],
        found: dict[Column, tuple[float, int]],
    ) -> tuple[float, tuple[FloatArray, FloatArray]]:
        """The best Lagrangian bound over subgradient steps (INF: no roster at all) and the
        multipliers and backward values that gave it."""
        n = len(self.resources)
        if n == 0:
            values = self._backward(base, 0.0)
            lower = float(values[0][0]) + self.constant
            if lower < INF:
                path = self._path(values, base, 0.0)
                if path is not None:
                    keep(path)
            return lower, (np.zeros(0), values)
        high_g = [int(x) for x in self.grow_max[0]]
        # the conjugates' pieces: P*(lam) = max over these g of lam * g - P(g)
        pieces: list[list[tuple[int, float]]] = []
        for i, r in enumerate(self.resources):
            points = {0, high_g[i], *(b for b in r.penalty.breaks if 0 < b < high_g[i])}
            finite = [(g, r.penalty(g)) for g in sorted(points) if r.penalty(g) < INF]
            if not finite:
                return INF, (self.lam, self._backward(base, 0.0))  # no sum meets a hard bound
            pieces.append(finite)

        def dual(lam: FloatArray) -> tuple[float, FloatArray, FloatArray, float]:
            """L(lam), its backward values, the sums of its path and the path's cost less the
            lines (f(x) with lam * g(x) taken off)."""
            lam_w = float(lam[self.weekend]) if self.weekend >= 0 else 0.0
            option_cost = base + np.bincount(
                self.nz_option, weights=lam[self.nz_sum] * self.nz_coef, minlength=len(base)
            )
            values = self._backward(option_cost, lam_w)
            top = float(values[0][0])
            if top == INF:
                return INF, values, np.zeros(n), INF
            offsets = sum(max(x * g - pen for g, pen in pieces[i]) for i, x in enumerate(lam))
            path = self._path(values, option_cost, lam_w)
            assert path is not None
            keep(path)
            sums = self._sums(path).astype(np.float64)
            return top + self.constant - offsets, values, sums, top - float(lam @ sums)

        # Kelley's cutting planes in a box around the best multipliers so far (a trust region):
        # the model's bound L <= f(x_k) + lam * g(x_k) - P*(lam) for every path x_k found
        center = self.lam.copy()
        lower, values, sums, f = dual(center)
        if lower == INF:
            return INF, (center, values)
        best_values = values
        lp = pywraplp.Solver.CreateSolver("GLOP")
        inf = lp.infinity()
        lam_vars = [lp.NumVar(-inf, inf, "") for _ in range(n)]
        conj = [lp.NumVar(-inf, inf, "") for _ in range(n)]
        theta = lp.NumVar(-inf, inf, "")
        for i in range(n):
            for g, pen in pieces[i]:
                row = lp.Constraint(-pen, inf)
                row.SetCoefficient(conj[i], 1)
                row.SetCoefficient(lam_vars[i], -g)
        objective = lp.Objective()
        objective.SetCoefficient(theta, 1)
        for i in range(n):
            objective.SetCoefficient(conj[i], -1)
        objective.SetMaximization()

        def cut(sums: FloatArray, f: float) -> None:
            row = lp.Constraint(-inf, f)
            row.SetCoefficient(theta, 1)
            for i in range(n):
                row.SetCoefficient(lam_vars[i], -float(sums[i]))

        cut(sums, f)
        radius = self.params.radius
        for _ in range(self.params.iterations):
            upper = min((v for v, _ in found.values()), default=INF)
            if upper <= lower + EPS * max(1.0, abs(lower)):
                break
            for i in range(n):
                width = radius / self.scale[i]
                lam_vars[i].SetBounds(float(center[i]) - width, float(center[i]) + width)
            if lp.Solve() != pywraplp.Solver.OPTIMAL:
                break  # pragma: no cover - the box keeps the model bounded
            model = objective.Value() + self.constant
            if model - lower <= 1e-6 * max(1.0, abs(lower)):
                # no better multipliers in the box: done unless the box held them in
                if all(
                    abs(lam_vars[i].solution_value() - center[i]) < 0.99 * radius / self.scale[i]
                    for i in range(n)
                ):
                    break
                radius *= 2
                continue
            trial = np.array([v.solution_value() for v in lam_vars])
            value, values, sums, f = dual(trial)
            if value == INF:
                return INF, (trial, values)
            cut(sums, f)
            if value >= lower + 0.1 * (model - lower):
                on_edge = any(
                    abs(trial[i] - center[i]) > 0.99 * radius / self.scale[i] for i in range(n)
                )
                center, lower, best_values = trial, value, values
                if on_edge:
                    radius *= 2
            else:
                radius *= 0.5
        self.lam = center
        return lower, (center, best_values)

    def coef_block(self, d: int) -> IntArray:
        """Day d's patterns' sums, dense: one row per pattern."""
        first, last = self.offset[d], self.offset[d + 1]
        block = np.zeros((last - first, len(self.resources)), dtype=np.int64)
        lo, hi = np.searchsorted(self.nz_option, [first, last])
        block[self.nz_option[lo:hi] - first, self.nz_sum[lo:hi]] = self.nz_coef[lo:hi]
        return block

    # -- the labels ------------------------------------------------------------------------

    def _search(
        self,
        base: FloatArray,
        best: tuple[FloatArray, FloatArray],
        upper: float,
        found: dict[Column, tuple[float, int]],
        prices: FloatArray,
        beam: int,
    ) -> bool:
        """Labels forward over the days (see the module's doc), all of them below ``upper`` or,
        with ``beam``, that many of least bound per state; adds the rosters it ends with to
        ``found``. True when it ended within the budget of labels without a beam: then no roster
        is cheaper than the best in ``found``."""
        lam, values = best
        resources = self.resources
        k = len(resources)
        closing = [[i for i in range(k) if resources[i].last == d] for d in range(self.days)]
        starting = [r.first for r in resources]
        weekend = self.weekend
        cap = upper - EPS * max(1.0, abs(upper)) if upper < INF else INF
        # a label per row: its state, sums and cost so far; per day, each label's parent and
        # pattern, to read the rosters back
        state = np.zeros(1, dtype=np.int64)
        sums = np.zeros((1, k), dtype=np.int64)
        cost = np.full(1, self.constant)
        trail: list[tuple[IntArray, IntArray]] = []
        created = 0
        for d in range(self.days):
            table = self.tables[d]
            off = self.offset[d]
            # every label joined with every transition out of its state
            count = table.count[state]
            total = int(count.sum())
            if total == 0:
                return beam == 0  # no label left: none is below the best found
            parent = np.repeat(np.arange(len(state)), count)
            first = np.cumsum(count) - count
            move = np.arange(total) - np.repeat(first, count) + np.repeat(table.first[state], count)
            option = table.opt[move]
            nxt_state = table.dst[move]
            nxt_cost = cost[parent] + table.cost[move] + base[off + option]
            nxt_sums = sums[parent] + self.coef_block(d)[option]
            if weekend >= 0:
                nxt_sums[:, weekend] += table.wk_int[move]
            ok = nxt_cost < INF
            for i in closing[d]:
                nxt_cost += resources[i].penalty.many(nxt_sums[:, i])
                nxt_sums[:, i] = 0
            bound = nxt_cost + values[d + 1][nxt_state]
            for i in range(k):
                if d + 1 > resources[i].last:
                    continue  # its penalty is paid
                width = int(self.grow_max[d + 1, i])
                penalty = resources[i].penalty
                j = self.reach_index.get(i)
                if j is not None:  # the most the sum can still grow from each label's state
                    high = self.reach[d + 1, nxt_state, j]
                    ok &= high >= 0
                    high = np.maximum(high, 0).astype(np.int64)
                if d + 1 < starting[i]:
                    # its period is still to come: the same least for every label
                    if j is None:
                        bound += penalty.least(0, 0, width, float(lam[i]))
                    else:
                        bound += penalty.least_each(np.zeros_like(high), high, float(lam[i]))
                    continue
                moved, extra, feasible = penalty.canonical_many(nxt_sums[:, i], width)
                ok &= feasible
                nxt_sums[:, i] = moved
                nxt_cost += extra
                if j is None:
                    bound += extra + penalty.least_many(moved, width, float(lam[i]))
                else:
                    bound += extra + penalty.least_each(moved, high, float(lam[i]))
            ok &= bound < cap
            keep = np.flatnonzero(ok)
            nxt_state, nxt_sums, nxt_cost, bound = (
                nxt_state[keep],
                nxt_sums[keep],
                nxt_cost[keep],
                bound[keep],
            )
            parent, option = parent[keep], option[keep]
            # one label per (state, sums): the cheapest
            order = np.lexsort((nxt_cost, *nxt_sums.T[::-1], nxt_state))
            key = np.column_stack((nxt_state, nxt_sums))[order]
            fresh = np.ones(len(order), dtype=bool)
            if len(order) > 1:
                fresh[1:] = np.any(key[1:] != key[:-1], axis=1)
            keep = order[fresh]
            if len(keep) > 1 and (self.rising or self.falling):
                keep = self._undominated(keep, nxt_state, nxt_sums, nxt_cost)
            if beam:
                # the ``beam`` labels of least bound per state
                by_bound = keep[np.lexsort((bound[keep], nxt_state[keep]))]
                states = nxt_state[by_bound]
                starts = np.flatnonzero(np.r_[True, states[1:] != states[:-1]])
                rank = np.arange(len(by_bound)) - np.repeat(
                    starts, np.diff(np.r_[starts, len(by_bound)])
                )
                keep = by_bound[rank < beam]
            state, sums, cost = nxt_state[keep], nxt_sums[keep], nxt_cost[keep]
            trail.append((parent[keep], option[keep]))
            created += len(keep)
            # out of budget, or on a pace to run out of it
            if not beam and created > self.params.labels * min(1.0, 4 * (d + 1) / self.days):
                return False
        total_cost = cost + self.terminal[state]
        ranked = np.argsort(total_cost, kind="stable")[: 4 * self.params.columns]
        for label in ranked:
            if total_cost[label] == INF:
                break
            choice: list[int] = []
            at = int(label)
            for d in range(self.days - 1, -1, -1):
                parents, options = trail[d]
                choice.append(int(options[at]))
                at = int(parents[at])
            choice.reverse()
            own, priced = self.evaluate(choice, prices)
            if priced < INF:
                found[self.column(choice)] = (priced, round(own))
        return beam == 0

    def _undominated(
        self, keep: IntArray, state: IntArray, sums: IntArray, cost: FloatArray
    ) -> IntArray:
        """``keep`` less labels another dominates: of the same state and the same other sums,
        no dearer, and no higher on each sum whose penalty never falls with it (no lower on
        each whose penalty never rises). Each label is compared with the first few of its
        group (the cheapest) and the few just before it."""
        fixed = [i for i in range(len(self.resources)) if i not in self.rising + self.falling]
        order = keep[np.lexsort((cost[keep], *sums[keep][:, fixed].T[::-1], state[keep]))]
        group = np.column_stack((state[order], sums[order][:, fixed]))
        starts = np.r_[True, np.any(group[1:] != group[:-1], axis=1)]
        first = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
        up, down = sums[order][:, self.rising], sums[order][:, self.falling]
        out = np.zeros(len(order), dtype=bool)
        here = np.arange(len(order))
        for other in [first + t for t in range(4)] + [here - t for t in range(1, 5)]:
            valid = (other < here) & (other >= first)
            other = np.where(valid, other, here)
            out |= valid & np.all(up[other] <= up, axis=1) & np.all(down[other] >= down, axis=1)
        return order[~out]

    def cost(self, column: Column, seed: int = 0) -> int | None:
        """The clinician's own penalties for working exactly ``column`` (None: it breaks one of
        their hard rules)."""
        sessions = self.problem.sessions
        by_day: dict[int, list[int]] = defaultdict(list)
        for s in column:
            by_day[sessions[s].day].append(s)
        choice = []
        for d in range(self.days):
            items = sorted(by_day.get(d, []))
            match = [j for j, p in enumerate(self.day_patterns[d]) if sorted(p) == items]
            if not match:
                return None
            choice.append(match[0])
        own, _ = self.evaluate(choice, np.zeros(self.problem.n_sessions))
        return None if own == INF else round(own)
