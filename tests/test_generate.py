"""The instance generator: deterministic, valid, feasible by construction, and the right size."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from roster.domain.check import check_roster
from roster.domain.io import load_instance
from roster.domain.rules import RULE_KINDS
from roster.domain.sources.generated import generate_instance, generate_with_witness, write_instance
from roster.domain.tables import TABLES


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_writes_identical_files(tmp_path: Path) -> None:
    write_instance(tmp_path / "a", 60, 2, seed=7)
    write_instance(tmp_path / "b", 60, 2, seed=7)
    first = _files(tmp_path / "a")
    assert sorted(first) == sorted([f"{t}.csv" for t in TABLES] + ["rules.yaml"])
    assert first == _files(tmp_path / "b")


def test_another_seed_gives_another_instance() -> None:
    assert generate_instance(60, 1, seed=1) != generate_instance(60, 1, seed=2)


@pytest.mark.parametrize(
    ("clinicians", "weeks", "seed"),
    [
        (1, 1, 0),  # one doctor: a team of one, no nursing practitioner rows
        (5, 1, 3),
        (40, 1, 1),  # the size of the HKSH sample
        (23, 3, 11),  # three weeks, with the Christmas holidays in the third
        (300, 2, 1),  # the benchmark size
    ],
)
def test_generated_folder_loads_and_its_witness_keeps_every_hard_rule(
    tmp_path: Path, clinicians: int, weeks: int, seed: int
) -> None:
    folder = write_instance(tmp_path / "inst", clinicians, weeks, seed)
    instance = load_instance(folder)
    assert len(instance.clinicians) == clinicians
    assert instance.n_weeks == weeks
    # the witness the generator rostered while writing the sessions: the independent checker
    # finds no hard violation, so the hard rules can all hold together
    _, witness = generate_with_witness(clinicians, weeks, seed)
    report = check_roster(instance, witness)
    assert not report.hard_violations, report.hard_violations[:5]


def test_rules_file_turns_every_rule_on(tmp_path: Path) -> None:
    instance = load_instance(write_instance(tmp_path, 10, 1, seed=1))
    # every rule but the horizon-wide ones added for shift benchmarks, which an office week lacks
    # data for
    later = {
        "max_weekends",
        "forbidden_successions",
        "total_minutes",
        "max_consecutive_days",
        "min_consecutive_days",
        "min_days_off",
        "cover_over_preferred",
    }
    assert tuple(instance.rules.rules.active()) == tuple(k for k in RULE_KINDS if k not in later)
    assert instance.rules.horizon.start.isoformat() == "2026-12-07"


def test_only_the_wards_run_on_public_holidays() -> None:
    # Christmas Day (Friday 25 December 2026) and the day after fall in the third week
    tables = generate_instance(23, 3, seed=11)
    on_holidays = {
        str(s["id"]).rsplit("-", 1)[-1]
        for s in tables["sessions"]
        if s["date"] in ("2026-12-25", "2026-12-26")
    }
    assert on_holidays == {"WARD"}


def test_sizes_scale_and_building_is_fast() -> None:
    t0 = time.perf_counter()
    big = generate_instance(300, 2, seed=1)
    seconds = time.perf_counter() - t0
    small = generate_instance(100, 2, seed=1)
    one_week = generate_instance(300, 1, seed=1)
    assert len(big["clinicians"]) == 300
    assert 2_500 <= len(big["sessions"]) <= 6_000  # several thousand sessions
    assert len(big["sessions"]) > 2.5 * len(small["sessions"])
    assert len(big["sessions"]) > 1.8 * len(one_week["sessions"])
    assert seconds < 1.0, f"building 300 clinicians over 2 weeks took {seconds:.2f} s"


def test_tables_have_the_instance_columns() -> None:
    tables = generate_instance(20, 1, seed=4)
    roles = {c["role"] for c in tables["clinicians"]}
    assert roles == {"doctor", "nurse_practitioner"}
    assert {s["activity"] for s in tables["sessions"]} == {"clinical", "teaching", "research"}
    assert {s["start"] for s in tables["sessions"]} == {"09:00", "14:00", "18:00"}
    assert all(r["min"] == 0 for r in tables["needs"] if str(r["session"]).endswith("RESEARCH"))
    assert tables["unavailability"] and tables["requests"] and tables["allocations"]


@pytest.mark.parametrize(("clinicians", "weeks"), [(0, 1), (10, 0)])
def test_rejects_an_empty_instance(clinicians: int, weeks: int) -> None:
    with pytest.raises(ValueError, match="at least one clinician and one week"):
        generate_instance(clinicians, weeks, seed=1)
