"""The Curtois and Qu shift scheduling benchmark: its file format and an independent evaluator.

The evaluator scores a solution (rows ``employee, day, shift``) directly against the parsed
benchmark file, from the rules as the benchmark publishes them (see ``data/benchmarks/curtois``),
sharing nothing with the CP-SAT model or with ``roster.domain.check``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from roster.domain.rules import RuleSet
from roster.domain.tables import Instance


@dataclass(frozen=True)
class Shift:
    id: str
    minutes: int
    cannot_follow: tuple[str, ...]  # shifts that may not be worked the day after this one


@dataclass(frozen=True)
class Staff:
    id: str
    max_shifts: dict[str, int]  # per shift type
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    day: int
    shift: str
    requirement: int
    under: int
    over: int


@dataclass(frozen=True)
class Benchmark:
    name: str
    days: int
    shifts: tuple[Shift, ...]
    staff: tuple[Staff, ...]
    days_off: dict[str, frozenset[int]]
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    cover: tuple[Cover, ...]


class FormatError(ValueError):
    """A benchmark file that does not follow the format; names the file and line."""


def read_benchmark(path: str | os.PathLike[str]) -> Benchmark:
    p = Path(path)
    sections: dict[str, list[tuple[int, list[str]]]] = defaultdict(list)
    current = None
    for number, raw in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = line
            continue
        if current is None:
            raise FormatError(f"{p.name}, line {number}: data before the first SECTION_ line")
        sections[current].append((number, [part.strip() for part in line.split(",")]))

    def ints(number: int, values: list[str]) -> list[int]:
        try:
            return [int(v) for v in values]
        except ValueError:
            raise FormatError(
                f"{p.name}, line {number}: expected whole numbers, got {values}"
            ) from None

    try:
        ((number, horizon),) = sections["SECTION_HORIZON"]
    except ValueError:
        raise FormatError(f"{p.name}: SECTION_HORIZON must hold one number") from None
    days = ints(number, horizon)[0]
    shifts = tuple(
        Shift(
            v[0], ints(n, [v[1]])[0], tuple(x for x in (v[2].split("|") if len(v) > 2 else []) if x)
        )
        for n, v in sections["SECTION_SHIFTS"]
    )
    staff = []
    for n, v in sections["SECTION_STAFF"]:
        if len(v) != 8:
            raise FormatError(f"{p.name}, line {n}: a staff line has 8 fields, this one {len(v)}")
        limits = {}
        for part in v[1].split("|"):
            shift, _, count = part.partition("=")
            limits[shift] = ints(n, [count])[0]
        staff.append(Staff(v[0], limits, *ints(n, v[2:8])))
    days_off = {v[0]: frozenset(ints(n, v[1:])) for n, v in sections["SECTION_DAYS_OFF"]}

    def requests(key: str) -> tuple[Request, ...]:
        return tuple(
            Request(v[0], ints(n, [v[1]])[0], v[2], ints(n, [v[3]])[0]) for n, v in sections[key]
        )

    cover = tuple(
        Cover(ints(n, [v[0]])[0], v[1], *ints(n, v[2:5])) for n, v in sections["SECTION_COVER"]
    )
    return Benchmark(
        p.stem,
        days,
        shifts,
        tuple(staff),
        days_off,
        requests("SECTION_SHIFT_ON_REQUESTS"),
        requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover,
    )


@dataclass(frozen=True)
class Score:
    hard_violations: tuple[str, ...]
    objective: int


def _runs(worked: list[bool], value: bool) -> list[tuple[int, int]]:
    """(start, length) of each maximal run of days equal to value."""
    out, start = [], None
    for d, w in enumerate([*worked, not value]):
        if w == value and start is None:
            start = d
        elif w != value and start is not None:
            out.append((start, d - start))
            start = None
    return out


def evaluate(bench: Benchmark, rows: Iterable[tuple[str, int, str]]) -> Score:
    """Hard violations (rules 1-9 of the benchmark) and the objective of a solution."""
    shifts = {s.id: s for s in bench.shifts}
    staff = {s.id: s for s in bench.staff}
    bad: list[str] = []
    plan: dict[str, dict[int, list[str]]] = {s.id: defaultdict(list) for s in bench.staff}
    for employee, day, shift in rows:
        if employee not in staff or shift not in shifts or not 0 <= day < bench.days:
            bad.append(f"unknown row {employee},{day},{shift}")
            continue
        plan[employee][day].append(shift)
    for e in bench.staff:
        mine = plan[e.id]
        for day, worked in sorted(mine.items()):
            if len(worked) > 1:  # rule 1
                bad.append(f"{e.id} works {len(worked)} shifts on day {day}")
            if day in bench.days_off.get(e.id, ()):  # rule 9
                bad.append(f"{e.id} works on day off {day}")
            for s in worked:  # rule 2
                for t in mine.get(day + 1, []):
                    if t in shifts[s].cannot_follow:
                        bad.append(f"{e.id} works {t} on day {day + 1} after {s} on day {day}")
        counts: dict[str, int] = defaultdict(int)
        minutes = 0
        for worked in mine.values():
            for s in worked:
                counts[s] += 1
                minutes += shifts[s].minutes
        for s, n in counts.items():  # rule 3
            if n > e.max_shifts.get(s, 0):
                bad.append(f"{e.id} works {n} shifts {s}, at most {e.max_shifts.get(s, 0)}")
        if not e.min_minutes <= minutes <= e.max_minutes:  # rule 4
            bad.append(f"{e.id} works {minutes} minutes, outside {e.min_minutes}-{e.max_minutes}")
        worked_days = [bool(mine.get(d)) for d in range(bench.days)]
        for start, length in _runs(worked_days, True):
            if length > e.max_consecutive:  # rule 5: outside the horizon counts as off
                bad.append(f"{e.id} works {length} days in a row from day {start}")
            touches = start == 0 or start + length == bench.days
            if length < e.min_consecutive and not touches:  # rule 6
                bad.append(f"{e.id} works only {length} days in a row from day {start}")
        for start, length in _runs(worked_days, False):
            touches = start == 0 or start + length == bench.days
            if length < e.min_days_off and not touches:  # rule 7
                bad.append(f"{e.id} has only {length} days off in a row from day {start}")
        weekends = sum(
            1 for w in range(bench.days // 7) if worked_days[7 * w + 5] or worked_days[7 * w + 6]
        )
        if weekends > e.max_weekends:  # rule 8
            bad.append(f"{e.id} works {weekends} weekends, at most {e.max_weekends}")

    objective = 0
    for r in bench.on_requests:
        objective += r.weight * (r.shift not in plan.get(r.employee, {}).get(r.day, []))
    for r in bench.off_requests:
        objective += r.weight * (r.shift in plan.get(r.employee, {}).get(r.day, []))
    on_duty: dict[tuple[int, str], int] = defaultdict(int)
    for mine in plan.values():
        for day, worked in mine.items():
            for s in worked:
                on_duty[(day, s)] += 1
    for c in bench.cover:
        n = on_duty[(c.day, c.shift)]
        objective += c.under * max(0, c.requirement - n) + c.over * max(0, n - c.requirement)
    return Score(tuple(bad), objective)


BEST_KNOWN = {
    "Instance1": 607,
    "Instance2": 828,
    "Instance3": 1001,
    "Instance4": 1716,
    "Instance5": 1143,
    "Instance6": 1950,
    "Instance7": 1056,
    "Instance8": 1300,
    "Instance11": 3443,
    "Instance14": 1278,
    "Instance15": 3828,
    "Instance18": 4459,
    "Instance20": 4769,
    "Instance22": 30241,
    "Instance24": 40439,
}  # published best known objectives (Instance15: 3828 or 3829; Instance24: 40439 or 42463)

START = dt.date(2024, 1, 1)  # a Monday; the benchmark's day 0
SITE = "WARD"
ROLE = "nurse"


def _session_id(day: int, shift: str) -> str:
    return f"d{day}-{shift}"


def to_instance(bench: Benchmark) -> Instance:
    """The benchmark as our own instance: employees become clinicians, each day and shift type a
    session with its cover line, days off unavailability, shift on/off requests want/avoid requests,
    and the benchmark's rules the engine's rules (see docs/benchmarks.md for the mapping)."""
    cover = {(c.day, c.shift): c for c in bench.cover}
    staff = len(bench.staff)
    sessions, needs = [], []
    for day in range(bench.days):
        date = (START + dt.timedelta(days=day)).isoformat()
        for shift in bench.shifts:
            sid = _session_id(day, shift.id)
            end = dt.time(shift.minutes // 60, shift.minutes % 60)
            # every shift of a day starts at midnight, so two shifts of one day always overlap
            sessions.append(
                {
                    "id": sid,
                    "site": SITE,
                    "date": date,
                    "start": "00:00",
                    "end": end.isoformat("minutes"),
                    "activity": f"shift_{shift.id}",
                }
            )
            line = cover.get((day, shift.id))
            needs.append(
                {
                    "session": sid,
                    "role": ROLE,
                    "min": 0,
                    "preferred": line.requirement if line else 0,
                    "max": staff,
                    "under_weight": line.under if line else 0,
                    "over_weight": line.over if line else 0,
                }
            )
    clinicians, allocations, unavailability = [], [], []
    for e in bench.staff:
        clinicians.append(
            {
                "id": e.id,
                "name": e.id,
                "role": ROLE,
                "institution": "HA",
                "appointment": "other",
                "specialties": "nursing",
                "privileges": SITE,
                "max_per_day": 1,
                "max_weekends": e.max_weekends,
                "min_minutes": e.min_minutes,
                "max_minutes": e.max_minutes,
                "max_consecutive_days": e.max_consecutive,
                "min_consecutive_days": e.min_consecutive,
                "min_consecutive_days_off": e.min_days_off,
            }
        )
        for shift in bench.shifts:
            limit = e.max_shifts.get(shift.id, 0)
            if limit < bench.days:
                allocations.append(
                    {
                        "clinician": e.id,
                        "activity": f"shift_{shift.id}",
                        "period": "horizon",
                        "unit": "sessions",
                        "max": limit,
                    }
                )
        for day in sorted(bench.days_off.get(e.id, ())):
            date = (START + dt.timedelta(days=day)).isoformat()
            unavailability.append(
                {"clinician": e.id, "start": date, "end": date, "reason": "day off"}
            )
    requests = [
        {
            "clinician": r.employee,
            "kind": kind,
            "weight": r.weight,
            "session": _session_id(r.day, r.shift),
        }
        for kind, rows in (("want", bench.on_requests), ("avoid", bench.off_requests))
        for r in rows
    ]
    pairs = [
        {"first": {"activity": f"shift_{s.id}"}, "then": {"activity": f"shift_{t}"}}
        for s in bench.shifts
        for t in s.cannot_follow
    ]
    rules = RuleSet.model_validate(
        {
            "horizon": {"start": START, "end": START + dt.timedelta(days=bench.days - 1)},
            "calendar": {"public_holidays": "none"},
            "rules": {
                "max_per_day": {},
                "allocation_bounds": {},
                "forbidden_successions": {"pairs": pairs},
                "total_minutes": {},
                "max_consecutive_days": {},
                "min_consecutive_days": {"outside": "worked"},
                "min_days_off": {"outside": "off"},
                "max_weekends": {},
                "cover_preferred": {"weight": 1},
                "cover_over_preferred": {"weight": 1},
                "requests": {"weight": 1},
            },
        }
    )
    return Instance.model_validate(
        {
            "sites": [{"id": SITE, "name": "Ward", "kind": "public_hospital"}],
            "clinicians": clinicians,
            "sessions": sessions,
            "needs": needs,
            "allocations": allocations,
            "unavailability": unavailability,
            "requests": requests,
            "rules": rules,
        }
    )


def solution_rows(assignments: Iterable[tuple[str, str]]) -> list[tuple[str, int, str]]:
    """Our roster as the benchmark's solution rows (employee, day, shift), sorted."""
    rows = []
    for clinician, session in assignments:
        day, shift = session[1:].split("-", 1)
        rows.append((clinician, int(day), shift))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2]))
