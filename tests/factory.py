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
