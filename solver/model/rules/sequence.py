"""Rules over a clinician's days: worked weekends, total minutes, successions and runs."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

from ortools.sat.python import cp_model

from solver.model.params import (
    ForbiddenSuccessionsParams,
    MaxConsecutiveDaysParams,
    MaxWeekendsParams,
    MinConsecutiveDaysParams,
    MinDaysOffParams,
    SessionKind,
    TotalMinutesParams,
)
from solver.model.problem import ProblemData
from solver.model.rules.common import at_least, at_most
from solver.model.variables import Term, Variables, one_a_day, worked_days


def add_max_weekends(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: MaxWeekendsParams
) -> list[Term]:
    """Worked weekends <= limit: weekend[w] >= worked[d] for the Saturday and Sunday of week w.

    sum_w weekend[w] <= limit; soft: weight * max(0, worked weekends - limit).
    """
    terms: list[Term] = []
    for c, clin in enumerate(problem.clinicians):
        limit = clin.max_weekends if clin.max_weekends is not None else params.default
        if limit is None:
            continue
        days = worked_days(model, problem, v, c)
        by_week: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for d, day in enumerate(days):
            if d % 7 >= 5 and not isinstance(day, int):  # the horizon starts on a Monday
                by_week[d // 7].append(day)
        if len(by_week) <= limit:
            continue
        worked = []
        for week, ds in sorted(by_week.items()):
            if len(ds) == 1:
                worked.append(ds[0])
                continue
            w = model.new_bool_var(f"weekend[{c},{week}]")
            for day in ds:
                model.add_implication(day, w)
            worked.append(w)
        total = cp_model.LinearExpr.sum(worked)
        terms += at_most(
            model, total, limit, len(worked), params.hard, params.weight, f"max_weekends[{c}]"
        )
    return terms


def add_total_minutes(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: TotalMinutesParams
) -> list[Term]:
    """min_minutes <= sum (end - start) * x <= max_minutes; soft: weight per minute outside."""
    terms: list[Term] = []
    for c, clin in enumerate(problem.clinicians):
        low = clin.min_minutes if clin.min_minutes is not None else params.default_min
        high = clin.max_minutes if clin.max_minutes is not None else params.default_max
        items = v.by_clinician[c]
        lengths = [problem.sessions[s].end - problem.sessions[s].start for s, _ in items]
        minutes = cp_model.LinearExpr.weighted_sum([x for _, x in items], lengths)
        if low is not None:
            terms += at_least(model, minutes, low, params.hard, params.weight, f"min_minutes[{c}]")
        if high is not None:
            terms += at_most(
                model, minutes, high, sum(lengths), params.hard, params.weight, f"max_minutes[{c}]"
            )
    return terms


Slot = tuple[int, int, str]  # a session's (day, activity, period): all a succession looks at


def _by_day(
    slots: tuple[Slot, ...], activities: tuple[str, ...], kind: SessionKind
) -> dict[int, list[int]]:
    """The sessions of ``kind``, by day."""
    out: dict[int, list[int]] = defaultdict(list)
    for s, (day, activity, period) in enumerate(slots):
        if kind.activity is not None and activities[activity] != kind.activity:
            continue
        if kind.period is None or period == kind.period:
            out[day].append(s)
    return out


def _banned(problem: ProblemData, params: ForbiddenSuccessionsParams) -> dict[int, dict[int, int]]:
    """Per session a: the next-day sessions b it may not be followed by, with the number of
    listed pairs that (a, b) matches; worked out once for every clinician."""
    slots = tuple((s.day, s.activity, s.period) for s in problem.sessions)
    pairs = tuple((pair.first, pair.then) for pair in params.pairs)
    return _banned_in(slots, problem.activities, pairs)


# The last answer is kept: the first pass builds one model per clinician over the same sessions
# (on a year-long horizon, working this out again would take much of each build).
@functools.lru_cache(maxsize=1)
def _banned_in(
    slots: tuple[Slot, ...],
    activities: tuple[str, ...],
    pairs: tuple[tuple[SessionKind, SessionKind], ...],
) -> dict[int, dict[int, int]]:
    banned: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    kinds: dict[SessionKind, dict[int, list[int]]] = {}  # each kind's sessions by day, once
    for first, then in pairs:
        for kind in (first, then):
            if kind not in kinds:
                kinds[kind] = _by_day(slots, activities, kind)
        thens = kinds[then]
        for day, firsts in kinds[first].items():
            for a in firsts:
                for b in thens.get(day + 1, ()):
                    banned[a][b] += 1
    return {a: dict(bs) for a, bs in banned.items()}


def add_forbidden_successions(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: ForbiddenSuccessionsParams
) -> list[Term]:
    """x[c, a] + x[c, b] <= 1 for a of kind A on day d and b of kind B on day d + 1, per pair;
    soft: weight per such pair of sessions worked.

    Hard, per clinician and day: the sessions a that forbid the same set B of next-day sessions
    form one group; when c can work at most one session on each of the two days, the whole block
    is the single constraint sum(group) + sum(B) <= 1 (the same rosters, fewer and tighter
    constraints), else one constraint per pair.
    """
    terms: list[Term] = []
    banned = _banned(problem, params)
    for c, items in enumerate(v.by_clinician):
        terms += _after_the_past(model, problem, v, c, params)
        mine = dict(items)
        days: dict[int, list[int]] = defaultdict(list)
        for s, _ in items:
            days[problem.sessions[s].day].append(s)
        for day, today in sorted(days.items()):
            tomorrow = days.get(day + 1, [])
            follows: dict[int, dict[int, int]] = {}
            for a in today:
                bs = banned.get(a)
                if not bs:
                    continue
                if mine.keys() >= bs.keys():  # c may work every one of them (checked in C)
                    follows[a] = bs
                else:
                    open_to_c = {b: n for b, n in bs.items() if b in mine}
                    if open_to_c:
                        follows[a] = open_to_c
            if not follows:
                continue
            if not params.hard:  # one unit per listed pair that a and b match
                for a, bs in sorted(follows.items()):
                    for b, n in sorted(bs.items()):
                        both = model.new_bool_var(f"succession[{c},{a},{b}]")
                        model.add_bool_or([mine[a].Not(), mine[b].Not(), both])
                        terms.append((params.weight * n, both))
                continue
            exclusive = one_a_day(problem, c, today) and one_a_day(problem, c, tomorrow)
            groups: dict[frozenset[int], list[int]] = defaultdict(list)
            for a, bs in follows.items():
                groups[frozenset(bs)].append(a)
            for group_bs, group in sorted(groups.items(), key=lambda item: item[1]):
                if exclusive:
                    model.add_at_most_one([mine[s] for s in group + sorted(group_bs)])
                    continue
                for a in group:
                    for b in sorted(group_bs):
                        model.add_at_most_one([mine[a], mine[b]])
    return terms


def _matches(kind: SessionKind, activity: str, period: str) -> bool:
    return (kind.activity is None or activity == kind.activity) and (
        kind.period is None or period == kind.period
    )


def _after_the_past(
    model: cp_model.CpModel,
    problem: ProblemData,
    v: Variables,
    c: int,
    params: ForbiddenSuccessionsParams,
) -> list[Term]:
    """Sessions on the horizon's first day that follow one published the day before it (a fixed
    session): per listed pair they match, forbidden, or soft the weight each."""
    eve = [p for p in problem.clinicians[c].before if p.day == -1]
    if not eve:
        return []
    terms: list[Term] = []
    for s, x in v.by_clinician[c]:
        session = problem.sessions[s]
        if session.day != 0:
            continue
        activity = problem.activities[session.activity]
        n = sum(
            _matches(pair.first, p.activity, p.period)
            and _matches(pair.then, activity, session.period)
            for p in eve
            for pair in params.pairs
        )
        if not n:
            continue
        if params.hard:
            model.add(x == 0)
        else:
            terms.append((params.weight * n, x))
    return terms


def add_max_consecutive_days(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: MaxConsecutiveDaysParams
) -> list[Term]:
    """Every window of limit + 1 days has a day off: sum worked[d..d+limit] <= limit.

    A run of length n > limit fills n - limit windows, so the soft penalty per full window is
    exactly weight * (n - limit) per run. With outside: history the clinician's days before the
    horizon come first as fixed days, and only windows that reach into the horizon count: a run
    that began before it is charged for its days beyond the limit that fall in the horizon.
    """
    terms: list[Term] = []
    for c, clin in enumerate(problem.clinicians):
        limit = (
            clin.max_consecutive_days if clin.max_consecutive_days is not None else params.default
        )
        past = clin.history if params.outside == "history" else ()
        if limit is None or limit >= len(past) + problem.n_days:
            continue
        worked = [int(w) for w in past] + worked_days(model, problem, v, c)
        # windows that hold at least one day of the horizon
        for d in range(max(0, len(past) - limit), len(worked) - limit):
            window = worked[d : d + limit + 1]
            if any(isinstance(w, int) and not w for w in window):
                continue  # a day with no session open to c (or off before the horizon)
            total = cp_model.LinearExpr.sum(window)
            terms += at_most(
                model,
                total,
                limit,
                limit + 1,
                params.hard,
                params.weight,
                f"max_consecutive[{c},{d}]",
            )
    return terms


def _short_runs(
    model: cp_model.CpModel,
    worked: list[cp_model.IntVar | int],
    low: int,
    value: int,
    exempt_ends: bool,
    hard: bool,
    weight: int,
    name: str,
) -> list[Term]:
    """Forbid each run of days equal to `value` shorter than `low`, with the days around it not.

    A pattern: not value at d - 1, value on d .. d + k - 1, not value at d + k (k < low). At the
    horizon's ends, the outside day is `value` when runs touching an end are exempt, else not.
    Soft: weight * (low - k) per such run.
    """
    days = len(worked)
    terms: list[Term] = []
    if hard:
        _no_short_runs(model, worked, low, value, exempt_ends)
        return terms

    def lit(d: int, want: int) -> Any:
        """A literal true when day d equals `want` (True/False for a fixed day)."""
        w = worked[d]
        is_value = w if value == 1 else (w.Not() if not isinstance(w, int) else 1 - w)
        if isinstance(is_value, int):
            return bool(is_value) == bool(want)
        return is_value if want else is_value.Not()

    for k in range(1, low):
        for d in range(0, days - k + 1):
            clause: list[Any] = []
            impossible = False
            # the day before and after must not be `value`; inside, every day must be `value`
            edges = []
            if d == 0:
                if exempt_ends:
                    continue
            else:
                edges.append(lit(d - 1, 0))
            if d + k == days:
                if exempt_ends:
                    continue
            else:
                edges.append(lit(d + k, 0))
            inside = [lit(e, 1) for e in range(d, d + k)]
            for part in edges + inside:
                if part is False:
                    impossible = True
                elif part is not True:
                    clause.append(part.Not())
            if impossible:
                continue
            hit = model.new_bool_var(f"{name}[{d},{k}]")
            model.add_bool_or([*clause, hit])
            terms.append((weight * (low - k), hit))
    return terms


def _no_short_runs(
    model: cp_model.CpModel,
    worked: list[cp_model.IntVar | int],
    low: int,
    value: int,
    exempt_ends: bool,
) -> None:
    """Hard form of `_short_runs`: a run of `value` days that starts on day d lasts `low` days.

    With v(d) = 1 when day d equals `value`: v(d + j) >= v(d) - v(d - 1) for j = 1 .. low - 1.
    The same rosters as forbidding each short run, with a tighter linear relaxation. The day
    before the horizon is `value` when runs touching an end are exempt (so no run starts on day
    0), else not; a run that would need days past the end is allowed when exempt, else may not
    start there.
    """
    days = len(worked)

    def v(d: int) -> Any:
        if d < 0:
            return 1 if exempt_ends else 0
        return worked[d] if value == 1 else 1 - worked[d]

    for d in range(days):
        if d == 0 and exempt_ends:
            continue
        start = v(d) - v(d - 1)
        for j in range(1, low):
            if d + j >= days:
                if not exempt_ends:
                    _add(model, start <= 0)
                break
            _add(model, v(d + j) >= start)


def _add(model: cp_model.CpModel, constraint: Any) -> None:
    """Add a linear constraint; one that involves only fixed days is settled here."""
    if isinstance(constraint, bool):
        if not constraint:
            model.add_bool_or([])  # forced: infeasible
        return
    model.add(constraint)


def _outside(
    model: cp_model.CpModel,
    problem: ProblemData,
    v: Variables,
    c: int,
    outside: str,
    exempting: str,
) -> tuple[list[cp_model.IntVar | int], bool]:
    """Clinician c's worked days and whether runs touching an end are exempt.

    ``exempting`` is the outside value under which a run touching an end may go on beyond it.
    With ``history`` the known days before the horizon come first as fixed days, beginning with
    the day that ended their run, so that the first run of the horizon is judged with them; the
    end is exempt, as is the start when nothing is known.
    """
    worked = worked_days(model, problem, v, c)
    if outside == "history":
        return [int(w) for w in problem.clinicians[c].history] + worked, True
    return worked, outside == exempting


def _min_runs(
    model: cp_model.CpModel,
    problem: ProblemData,
    v: Variables,
    params: MinConsecutiveDaysParams | MinDaysOffParams,
    limits: list[int | None],
    value: int,
    name: str,
) -> list[Term]:
    """No run of days equal to ``value`` (1: worked, 0: off) shorter than each clinician's limit
    (``limits``, else the rule's default); soft: weight * (minimum - length) per short run."""
    terms: list[Term] = []
    exempting = "worked" if value == 1 else "off"
    for c, own in enumerate(limits):
        low = own if own is not None else params.default
        if low is None or low <= 1:
            continue
        worked, exempt = _outside(model, problem, v, c, params.outside, exempting)
        terms += _short_runs(
            model, worked, low, value, exempt, params.hard, params.weight, f"{name}[{c}]"
        )
    return terms


def add_min_consecutive_days(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: MinConsecutiveDaysParams
) -> list[Term]:
    """No run of worked days shorter than the minimum (runs touching an end are exempt when
    outside counts as worked); soft: weight * (minimum - length) per short run."""
    limits = [c.min_consecutive_days for c in problem.clinicians]
    return _min_runs(model, problem, v, params, limits, 1, "min_consecutive")


def add_min_days_off(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: MinDaysOffParams
) -> list[Term]:
    """No run of days off shorter than the minimum (runs touching an end are exempt when outside
    counts as off); soft: weight * (minimum - length) per short run."""
    limits = [c.min_consecutive_days_off for c in problem.clinicians]
    return _min_runs(model, problem, v, params, limits, 0, "min_days_off")
