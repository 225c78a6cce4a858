"""Generated instances of the HKSH sample's shape, for benchmarks and randomised tests.

Clinicians come in specialty teams of about nine (doctors and nursing practitioners) that work at
Queen Mary Hospital and HKU and hold privileges at some HKSH sites. Each week every team gets ward
rounds, outpatient and private clinics, procedure lists, evening and Saturday clinics, teaching
with students, nurse-led clinics and research time.

Feasibility is built in: while it writes the sessions, the generator rosters a *witness* (a
roster that keeps every hard rule), and each session's minimum headcount is what the witness gives
it; preferred and maximum headcounts may ask for more. Hard allocation minimums are also read off
the witness. So demand never exceeds supply, and the hard rules can always hold together.

Everything follows from the seed (``random.Random(seed)``); the same arguments give the same files.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import math
import os
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import holidays as holiday_calendars
import yaml

from roster.domain.tables import ROW_MODELS, TABLES

Cell = str | int | bool | None
Table = list[dict[str, Cell]]

MONDAY = dt.date(2026, 12, 7)
DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
TIMES = {"AM": ("09:00", "13:00"), "PM": ("14:00", "18:00"), "EVE": ("18:00", "21:00")}

SITES: tuple[tuple[str, str, str], ...] = (
    ("HSK", "Hong Kong Sanatorium & Hospital (Happy Valley)", "private_hospital"),
    ("EMC", "HKSH Eastern Medical Centre (Chai Wan)", "medical_centre"),
    ("HCC", "HKSH Healthcare Medical Centre (Central)", "medical_centre"),
    ("HCB", "HKSH Healthcare Medical Centre (Causeway Bay)", "medical_centre"),
    ("HKL", "HKSH Healthcare Medical Centre (Tsim Sha Tsui)", "medical_centre"),
    ("QMH", "Queen Mary Hospital (Pok Fu Lam)", "public_hospital"),
    ("HKU", "HKU LKS Faculty of Medicine (Pok Fu Lam)", "university"),
)
# Illustrative minutes, not surveyed; every one is under the hour between an AM and a PM session.
TRAVEL: tuple[tuple[str, str, int], ...] = (
    ("HSK", "EMC", 20),
    ("HSK", "HCC", 15),
    ("HSK", "HCB", 10),
    ("HSK", "HKL", 25),
    ("HSK", "QMH", 25),
    ("HSK", "HKU", 25),
    ("EMC", "HCC", 25),
    ("EMC", "HCB", 20),
    ("EMC", "HKL", 30),
    ("EMC", "QMH", 40),
    ("EMC", "HKU", 40),
    ("HCC", "HCB", 15),
    ("HCC", "HKL", 20),
    ("HCC", "QMH", 20),
    ("HCC", "HKU", 20),
    ("HCB", "HKL", 25),
    ("HCB", "QMH", 30),
    ("HCB", "HKU", 30),
    ("HKL", "QMH", 35),
    ("HKL", "HKU", 35),
    ("QMH", "HKU", 10),
)
OUTLYING = ("EMC", "HCC", "HCB", "HKL")  # HKSH sites besides Happy Valley

SPECIALTIES: tuple[tuple[str, str], ...] = (
    ("cardiology", "CAR"),
    ("oncology", "ONC"),
    ("paediatrics", "PAE"),
    ("obstetrics_gynaecology", "OBG"),
    ("orthopaedics", "ORT"),
    ("general_medicine", "GM"),
    ("neurology", "NEU"),
    ("gastroenterology", "GAS"),
    ("respiratory_medicine", "RES"),
    ("endocrinology", "END"),
    ("general_surgery", "SUR"),
    ("psychiatry", "PSY"),
)


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(","))


SURNAMES = _names(
    "Chan, Wong, Lee, Cheung, Lau, Ng, Ho, Leung, Lam, Yeung, Tsang, Chow, Tse, Yip, Kwok, Mak, "
    "Fung, Choi, Lo, Tang, Siu, Kwan, Law, Chu, Hui, Tam, Li, Wan, Szeto, Kong, Pang, Ma, Chiu, "
    "Sin, Yuen, To, Poon, Lui, Au Yeung, Cheng, Wu, So, Tong, Kam, Hung, Ip, Fok, Shum, Yu, Lai"
)
SYLLABLES = _names(
    "Ka, Wing, Siu, Hoi, Chun, Wai, Man, Kit, Yan, Ming, Fung, Lam, Yee, Ling, Tak, Kin, Ho, Sze, "
    "Hiu, Tung, Pui, Yuk, Chi, Hang, Kwok, Keung, Lok, Suet, Ying, Tsz, Pak, Hei, Yu, Lun, Kai, "
    "Mei, Kuen, Ting, Chak, Sing, Wah, Shan, Yin, Lai, Kei, Hin"
)

PROFESSOR = "clinical professor"
ASSOCIATE = "clinical associate professor"
ASSISTANT = "clinical assistant professor"
HONORARY = "honorary clinical assistant professor"
TEAM_SIZE = 7
# sessions a week the witness gives at most (the rules allow 9, and 6 for honorary staff)
WITNESS_LOAD = {PROFESSOR: 8, ASSOCIATE: 8, ASSISTANT: 8, HONORARY: 5, "nurse": 8}

RULES: dict[str, Any] = {
    "eligibility": {"teaching_needs_teacher": True},
    "no_overlap": {"travel": True, "min_gap_minutes": 0},
    "cover_min": {"hard": True},
    "cover_max": {"hard": True},
    "max_per_day": {"hard": True, "default": 2},
    "max_per_week": {"hard": True, "default": 9},
    "rest_after_evening": {"hard": True, "rest_minutes": 660},
    "allocation_bounds": {"hard": True},
    "teaching_ratio": {"hard": True},
    "cover_preferred": {"weight": 20},
    "allocation_target": {"weight": 8},
    "requests": {"weight": 3},
    "fairness": {"weight": 4, "kinds": ["evening", "weekend"]},
    "continuity": {"weight": 3},
    "site_changes": {"weight": 2},
}


@dataclass
class _Person:
    id: str
    role: str
    grade: str
    specialties: list[str]
    privileges: list[str]
    teacher: bool
    max_per_week: int | None
    away: set[tuple[dt.date, str]] = field(default_factory=set)  # (date, AM/PM/EVE)


@dataclass
class _Team:
    index: int
    specialty: str
    code: str
    sites: list[str]  # HKSH sites the team works at; HSK first
    members: list[_Person]


@dataclass
class _Witness:
    """A roster kept alongside the sessions; it keeps every hard rule by construction."""

    at: dict[tuple[str, dt.date], dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    load: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    by_activity: dict[tuple[str, int, str], int] = field(default_factory=lambda: defaultdict(int))
    assignments: list[tuple[str, str]] = field(default_factory=list)  # (clinician, session)

    def free(self, p: _Person, day: dt.date, period: str, site: str, week: int) -> bool:
        if (day, period) in p.away or site not in p.privileges:
            return False
        if self.load[(p.id, week)] >= WITNESS_LOAD["nurse" if p.role != "doctor" else p.grade]:
            return False
        taken = self.at[(p.id, day)]
        if period in taken or len(taken) >= 2:
            return False
        # PM ends when the evening starts: only back to back at the same site
        other = {"PM": "EVE", "EVE": "PM"}.get(period)
        return other not in taken or taken[other] == site

    def take(
        self, p: _Person, sid: str, day: dt.date, period: str, site: str, week: int, activity: str
    ) -> None:
        self.assignments.append((p.id, sid))
        self.at[(p.id, day)][period] = site
        self.load[(p.id, week)] += 1
        self.by_activity[(p.id, week, activity)] += 1


class _Builder:
    def __init__(self, clinicians: int, weeks: int, seed: int, start: dt.date) -> None:
        if clinicians < 1 or weeks < 1:
            raise ValueError("give at least one clinician and one week")
        if start.weekday() != 0:
            raise ValueError(f"start {start} is not a Monday")
        self.rng = random.Random(seed)
        self.n = clinicians
        self.weeks = weeks
        self.start = start
        end = start + dt.timedelta(days=7 * weeks - 1)
        years = range(start.year, end.year + 1)
        self.holidays = set(holiday_calendars.country_holidays("HK", years=years))
        self.witness = _Witness()
        self.sessions: Table = []
        self.needs: Table = []
        self.teams = self._teams()

    # --- people ---------------------------------------------------------------------------------

    def _name(self, title: str, used: set[str]) -> str:
        while True:
            a, b = self.rng.sample(SYLLABLES, 2)
            name = f"{title} {self.rng.choice(SURNAMES)} {a}-{b.lower()}"
            if name not in used:
                used.add(name)
                return name

    def _teams(self) -> list[_Team]:
        n_teams = max(1, round(self.n / TEAM_SIZE))
        sizes = [self.n // n_teams + (1 if t < self.n % n_teams else 0) for t in range(n_teams)]
        width = max(2, len(str(self.n)))
        counters = {"doctor": 0, "nurse_practitioner": 0}
        teams: list[_Team] = []
        for t, size in enumerate(sizes):
            specialty, code = SPECIALTIES[t % len(SPECIALTIES)]
            sites = ["HSK", *sorted(self.rng.sample(OUTLYING, self.rng.choice((1, 2))))]
            n_nurses = 0 if size < 3 else max(1, round(size * 0.2))
            members = []
            for i in range(size):
                role = "doctor" if i < size - n_nurses else "nurse_practitioner"
                counters[role] += 1
                prefix = "D" if role == "doctor" else "N"
                members.append(
                    self._person(
                        f"{prefix}{counters[role]:0{width}d}",
                        role,
                        i,
                        size - n_nurses,
                        specialty,
                        sites,
                    )
                )
            teams.append(_Team(t, specialty, f"{code}{t // len(SPECIALTIES) + 1}", sites, members))
        return teams

    def _person(
        self, pid: str, role: str, rank: int, doctors: int, specialty: str, sites: list[str]
    ) -> _Person:
        if role == "doctor":
            grade = (
                PROFESSOR
                if rank == 0
                else ASSOCIATE
                if rank == 1
                else HONORARY
                if rank == doctors - 1 and doctors >= 5
                else ASSISTANT
            )
            teacher = grade != HONORARY
        else:
            grade = self.rng.choice(("advanced practice nurse", "nurse consultant"))
            teacher = self.rng.random() < 0.5
        specialties = [specialty]
        if role == "doctor" and self.rng.random() < 0.15:
            extra = self.rng.choice(SPECIALTIES)[0]
            if extra != specialty:
                specialties.append(extra)
        privileges = ["QMH", "HKU", *sites]
        if len(sites) > 1 and self.rng.random() < 0.2:
            privileges.remove(self.rng.choice(sites[1:]))  # not yet credentialed there
        return _Person(
            pid, role, grade, specialties, privileges, teacher, 6 if grade == HONORARY else None
        )

    # --- sessions ---------------------------------------------------------------------------------

    def _pick(
        self,
        team: _Team,
        sid: str,
        role: str,
        k: int,
        day: dt.date,
        period: str,
        site: str,
        week: int,
        activity: str,
        teachers: bool,
    ) -> list[_Person]:
        if k <= 0:
            return []
        candidates = [
            p
            for p in team.members
            if p.role == role
            and (p.teacher or not teachers)
            and self.witness.free(p, day, period, site, week)
        ]
        # those with least of this activity first, then the least loaded; ties by the seed
        w = self.witness
        keyed = [
            ((w.by_activity[(p.id, week, activity)], w.load[(p.id, week)], self.rng.random()), p)
            for p in candidates
        ]
        chosen = [p for _, p in sorted(keyed, key=lambda kp: kp[0])[:k]]
        for p in chosen:
            self.witness.take(p, sid, day, period, site, week, activity)
        return chosen

    def _session(
        self,
        team: _Team,
        week: int,
        day: dt.date,
        period: str,
        site: str,
        activity: str,
        tag: str,
        doctors: tuple[int, int, int] | None,
        nurses: tuple[int, int, int] | None = None,
        series: str | None = None,
        priority: int = 1,
        students: bool = False,
    ) -> None:
        """One session; (want, preferred, max) per role: the witness takes up to `want`."""
        if all(p.role == "doctor" for p in team.members):
            nurses = None  # a need row names a role that some clinician has
        sid = f"W{week + 1}-{DAY_NAMES[day.weekday()]}-{period}-{site}-{team.code}-{tag}"
        found: dict[str, int] = {}
        for role, spec in (("doctor", doctors), ("nurse_practitioner", nurses)):
            if spec is None:
                continue
            found[role] = len(
                self._pick(
                    team,
                    sid,
                    role,
                    spec[0],
                    day,
                    period,
                    site,
                    week,
                    activity,
                    activity == "teaching",
                )
            )
        row: dict[str, Cell] = {
            "id": sid,
            "site": site,
            "date": day.isoformat(),
            "start": TIMES[period][0],
            "end": TIMES[period][1],
            "activity": activity,
            "specialty": team.specialty,
            "priority": priority if priority > 1 else None,
            "series": series,
            "students": None,
            "students_per_teacher": None,
        }
        teachers = sum(found.values())
        if students and teachers:
            per_teacher = self.rng.choice((3, 4, 5, 6))
            row["students"] = teachers * per_teacher - self.rng.randrange(per_teacher)
            row["students_per_teacher"] = per_teacher
        self.sessions.append(row)
        for role, spec in (("doctor", doctors), ("nurse_practitioner", nurses)):
            if spec is None:
                continue
            low = found[role] if spec[0] > 0 else 0
            pref = max(low, spec[1])
            self.needs.append(
                {
                    "session": sid,
                    "role": role,
                    "min": low,
                    "preferred": pref,
                    "max": max(pref, spec[2]),
                }
            )

    def _team_week(self, team: _Team, week: int) -> None:
        rng = self.rng
        days = [self.start + dt.timedelta(days=7 * week + i) for i in range(6)]
        working = [d for d in days[:5] if d not in self.holidays]
        c = team.code
        for d in days[:5]:  # the wards run on holidays too
            self._session(
                team,
                week,
                d,
                "AM",
                "QMH",
                "clinical",
                "WARD",
                (1, 2, 2),
                (0, 1, 1) if d.weekday() in (0, 2, 4) else None,
            )
        if not working:
            return
        for d in working:
            self._session(team, week, d, "PM", "QMH", "clinical", "WARDPM", (1, 1, 2))
        for d in sorted(rng.sample(working, min(2, len(working)))):
            self._session(
                team, week, d, "PM", "QMH", "clinical", "SOPC", (1, 1, 2), series=f"QMH-{c}-SOPC"
            )
        for site in team.sites:
            for d in sorted(rng.sample(working, min(4, len(working)))):
                period = rng.choice(("AM", "PM"))
                nurse = (0, 1, 1) if rng.random() < 0.4 else None
                self._session(
                    team,
                    week,
                    d,
                    period,
                    site,
                    "clinical",
                    "CLINIC",
                    (1, 1, 1),
                    nurse,
                    series=f"{site}-{c}-CLINIC",
                )
        self._session(
            team, week, rng.choice(working), "AM", "HSK", "clinical", "LIST", (1, 2, 2), priority=2
        )
        for d in rng.sample(working, min(2, len(working))):
            self._session(
                team, week, d, "EVE", rng.choice(team.sites), "clinical", "EVENING", (1, 1, 1)
            )
        if days[5] not in self.holidays:
            for site in team.sites[:2]:
                self._session(
                    team, week, days[5], "AM", site, "clinical", "SATURDAY", (1, 1, 1), (0, 1, 1)
                )
        teachers = [p for p in team.members if p.role == "doctor" and p.teacher]
        for i in range(math.ceil(len(teachers) / 2)):
            site = "HKU" if i % 2 == 0 else "HSK"
            self._session(
                team,
                week,
                rng.choice(working),
                rng.choice(("AM", "PM")),
                site,
                "teaching",
                f"TEACH{i + 1}",
                (2, 2, 3),
                students=True,
            )
        for p in team.members:
            if p.role != "doctor":
                for d in sorted(rng.sample(working, min(2, len(working)))):
                    self._session(
                        team,
                        week,
                        d,
                        "PM",
                        rng.choice(team.sites),
                        "clinical",
                        f"NURSE-{p.id}",
                        None,
                        (1, 1, 1),
                        series=f"{c}-NURSE-{p.id}",
                    )
        # protected research time at HKU for the team's specialty, no minimum; the witness books
        # the professors so that their research minimums can hold
        for i, d in enumerate(sorted(rng.sample(working, min(3, len(working))))):
            self._research(team, week, d, i)

    def _research(self, team: _Team, week: int, day: dt.date, i: int) -> None:
        sid = f"W{week + 1}-{DAY_NAMES[day.weekday()]}-PM-HKU-{team.code}-RESEARCH"
        booked = [
            p
            for p in team.members
            if p.grade in (PROFESSOR, ASSOCIATE)
            and (i == 0 or p.grade == PROFESSOR)
            and self.witness.free(p, day, "PM", "HKU", week)
        ]
        for p in booked:
            self.witness.take(p, sid, day, "PM", "HKU", week, "research")
        self.sessions.append(
            {
                "id": sid,
                "site": "HKU",
                "date": day.isoformat(),
                "start": TIMES["PM"][0],
                "end": TIMES["PM"][1],
                "activity": "research",
                "specialty": team.specialty,
                "priority": None,
                "series": None,
                "students": None,
                "students_per_teacher": None,
            }
        )
        self.needs.append(
            {"session": sid, "role": "doctor", "min": 0, "preferred": 0, "max": len(booked) + 3}
        )

    # --- absences, allocations, requests ----------------------------------------------------------

    def _absences(self) -> Table:
        rows: Table = []
        for team in self.teams:
            for p in team.members:
                for week in range(self.weeks):
                    monday = self.start + dt.timedelta(days=7 * week)
                    roll = self.rng.random()
                    if roll < 0.08:
                        first = monday + dt.timedelta(days=self.rng.randrange(4))
                        last = first + dt.timedelta(days=self.rng.randrange(3))
                        reason = self.rng.choice(("annual leave", "conference", "study leave"))
                        rows.append(
                            {
                                "clinician": p.id,
                                "start": first.isoformat(),
                                "end": last.isoformat(),
                                "reason": reason,
                            }
                        )
                        for k in range((last - first).days + 1):
                            p.away |= {(first + dt.timedelta(days=k), per) for per in TIMES}
                    elif roll < 0.12:
                        day = monday + dt.timedelta(days=self.rng.randrange(5))
                        period = self.rng.choice(("AM", "PM"))
                        start, end = TIMES[period]
                        rows.append(
                            {
                                "clinician": p.id,
                                "start": f"{day} {start}",
                                "end": f"{day} {end}",
                                "reason": "committee meeting",
                            }
                        )
                        p.away.add((day, period))
        return rows

    def _allocations(self) -> Table:
        rows: Table = []
        w = self.witness

        def counts(p: _Person, activity: str) -> list[int]:
            return [w.by_activity[(p.id, k, activity)] for k in range(self.weeks)]

        def row(
            p: _Person,
            activity: str,
            unit: str,
            low: int | None,
            target: int | None,
            high: int | None,
        ) -> None:
            rows.append(
                {
                    "clinician": p.id,
                    "activity": activity,
                    "period": "week",
                    "unit": unit,
                    "target": target,
                    "min": low or None,
                    "max": high,
                }
            )

        for team in self.teams:
            for p in team.members:
                clinical = counts(p, "clinical")
                if p.teacher and p.role == "doctor":
                    taught = counts(p, "teaching")
                    row(p, "teaching", "sessions", min(1, *taught), 1, max(2, *taught))
                if p.grade in (PROFESSOR, ASSOCIATE):
                    research = counts(p, "research")
                    target, high = (2, 3) if p.grade == PROFESSOR else (1, 2)
                    floor = min(1, *research) if p.grade == PROFESSOR else None
                    row(p, "research", "sessions", floor, target, max(high, *research))
                if p.role == "doctor" and p.grade != HONORARY:
                    # the floor of the witness's clinical share, at most 40 percent
                    totals = [w.load[(p.id, k)] for k in range(self.weeks)]
                    shares = [100 * n // t for n, t in zip(clinical, totals, strict=True) if t]
                    low = min([40, *shares])
                    share = {PROFESSOR: 50, ASSOCIATE: 60}.get(p.grade)
                    if low or share:
                        row(p, "clinical", "share", low, share, None)
                elif p.role != "doctor":
                    row(p, "clinical", "sessions", min(3, *clinical), 4, None)
                else:
                    row(p, "clinical", "sessions", None, 3, None)
        return rows

    def _requests(self) -> Table:
        rows: Table = []
        people = [p for team in self.teams for p in team.members]
        dates = [self.start + dt.timedelta(days=k) for k in range(7 * self.weeks)]
        weekdays = [d for d in dates if d.weekday() < 5]
        dates = [d for d in dates if d.weekday() < 6]
        for p in self.rng.sample(people, max(1, len(people) // 8)):
            kind = self.rng.choice(("want", "avoid"))
            filters: dict[str, Cell] = {}
            pick = self.rng.randrange(4)
            if pick == 0:
                filters = {"date": self.rng.choice(dates).isoformat()}
            elif pick == 1:
                filters = (
                    {"period": "evening"}
                    if kind == "avoid"
                    else {"date": self.rng.choice(weekdays).isoformat(), "period": "am"}
                )
            elif pick == 2:
                filters = {"site": self.rng.choice(p.privileges)}
            else:
                filters = {
                    "date": self.rng.choice(weekdays).isoformat(),
                    "activity": "research" if p.role == "doctor" else "clinical",
                }
            rows.append(
                {
                    "clinician": p.id,
                    "kind": kind,
                    "weight": self.rng.randint(1, 3),
                    "session": None,
                    "date": None,
                    "period": None,
                    "site": None,
                    "activity": None,
                    **filters,
                }
            )
        return rows

    def _title(self, p: _Person) -> str:
        if p.role != "doctor":
            return self.rng.choice(("Ms", "Mr"))
        return "Prof" if p.grade == PROFESSOR else "Dr"

    def build(self) -> dict[str, Table]:
        names: set[str] = set()
        unavailability = self._absences()
        for week in range(self.weeks):
            for team in self.teams:
                self._team_week(team, week)
        clinicians: Table = [
            {
                "id": p.id,
                "name": self._name(self._title(p), names),
                "role": p.role,
                "grade": p.grade,
                "institution": "HKU",
                "appointment": "affiliation_secondee",
                "specialties": ";".join(p.specialties),
                "privileges": ";".join(p.privileges),
                "teacher": p.teacher,
                "max_per_day": None,
                "max_per_week": p.max_per_week,
            }
            for team in self.teams
            for p in team.members
        ]
        return {
            "sites": [{"id": i, "name": n, "kind": k} for i, n, k in SITES],
            "travel": [{"from_site": a, "to_site": b, "minutes": m} for a, b, m in TRAVEL],
            "clinicians": clinicians,
            "allocations": self._allocations(),
            "sessions": self.sessions,
            "needs": self.needs,
            "unavailability": unavailability,
            "requests": self._requests(),
        }


def generate_instance(
    clinicians: int, weeks: int, seed: int, start: dt.date = MONDAY
) -> dict[str, Table]:
    """The instance's tables (rows as plain dicts, keyed by the CSV column names), from the seed."""
    return _Builder(clinicians, weeks, seed, start).build()


def generate_with_witness(
    clinicians: int, weeks: int, seed: int, start: dt.date = MONDAY
) -> tuple[dict[str, Table], list[tuple[str, str]]]:
    """The tables, and the witness: (clinician, session) pairs that keep every hard rule."""
    builder = _Builder(clinicians, weeks, seed, start)
    tables = builder.build()
    return tables, sorted(builder.witness.assignments)


def generate_rules(weeks: int, start: dt.date = MONDAY) -> dict[str, Any]:
    """The rules file of a generated instance: the HKSH sample's rules over `weeks` weeks."""
    end = start + dt.timedelta(days=7 * weeks - 1)
    return {
        "horizon": {"start": start.isoformat(), "end": end.isoformat()},
        "calendar": {"public_holidays": "hong_kong", "am_until": "12:00", "evening_from": "17:00"},
        "rules": copy.deepcopy(RULES),
    }


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_instance(
    folder: str | os.PathLike[str], clinicians: int, weeks: int, seed: int, start: dt.date = MONDAY
) -> Path:
    """Write `<table>.csv` for every table and `rules.yaml` into `folder` (created if needed)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    tables = generate_instance(clinicians, weeks, seed, start)
    for name in TABLES:
        columns = list(ROW_MODELS[name].model_fields)
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([_cell(r.get(c)) for c in columns] for r in tables.get(name, []))
    header = f"# Generated: {clinicians} clinicians, {weeks} week(s), seed {seed}.\n"
    body = yaml.safe_dump(generate_rules(weeks, start), sort_keys=False, default_flow_style=None)
    (out / "rules.yaml").write_text(header + body, encoding="utf-8")
    return out
