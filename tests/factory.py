"""Tiny instances for tests, written as compactly as the hand-worked answers need."""

from __future__ import annotations

import datetime as dt
from typing import Any

from roster.domain import Instance
from roster.io import parse_rules

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
