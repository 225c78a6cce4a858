"""The `roster` command through Click's runner, on the worked example of docs/format.md.

The example is tiny (3 clinicians, 4 sessions): every solve here is proven optimal in well under a
second; the time limit of 10 s and the single worker only keep the runs reproducible.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from worked_example import DOCS, NOT_INT, cell, write_instance

from roster.cli import main
from roster.domain.io import instance_hash
from roster.domain.rules import RULE_KINDS
from roster.domain.tables import TABLES

FAST = ["--time-limit", "10", "--workers", "1"]

# The optimum worked out in docs/format.md: 19 = 10 cover_preferred + 5 teaching_ratio + 4
# site_changes. Only CHAN may teach at HKU (1 of 2 preferred doctors: 10; 1 of ceil(12/6) = 2
# teachers: 5). LEE is away on Wednesday, so CHAN takes WED-AM-HSK. All three take the priority-2
# Monday morning (each one missing would cost 20). WONG, the only nurse practitioner, goes on to EMC
# (a site change: 2), and so does LEE rather than CHAN, who asked to avoid Monday afternoon (a site
# change either way, plus 3 for CHAN's request). The next best roster costs 22.
ROSTER = [
    ("CHAN", "MON-AM-HSK"),
    ("LEE", "MON-AM-HSK"),
    ("WONG", "MON-AM-HSK"),
    ("LEE", "MON-PM-EMC"),
    ("WONG", "MON-PM-EMC"),
    ("CHAN", "TUE-AM-HKU"),
    ("CHAN", "WED-AM-HSK"),
    ("WONG", "WED-AM-HSK"),
]
BY_RULE = {
    "teaching_ratio": 5,
    "cover_preferred": 10,
    "requests": 0,
    "site_changes": 4,
    "continuity": 0,
}
OUTPUTS = [
    "clinicians.csv",
    "coverage.csv",
    "instance.json",
    "roster.csv",
    "roster.xlsx",
    "summary.json",
]
SUMMARY_KEYS = {
    "status",
    "objective",
    "best_bound",
    "gap",
    "wall_seconds",
    "settings",
    "input_hash",
    "objective_by_rule",
}
TWO_TEACHERS = cell("needs", 6, "min", "2")  # TUE-AM-HKU: 2 doctors, but CHAN is the only teacher


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def pairs(roster_csv: Path) -> list[tuple[str, str]]:
    return [(r["clinician"], r["session"]) for r in rows(roster_csv)]


def no_crash(result: Result) -> None:
    """The command ended by sys.exit, not by an exception, and printed no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def solved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Result]:
    """The worked example, solved once for the tests that read its outputs."""
    root = tmp_path_factory.mktemp("solved")
    instance = write_instance(root / "week")
    out = root / "out"
    return instance, out, run("solve", str(instance), "--out", str(out), *FAST)


# --- validate -------------------------------------------------------------------------------------


def test_validate_a_valid_instance(tmp_path: Path) -> None:
    path = write_instance(tmp_path / "week")
    result = run("validate", str(path))
    assert result.exit_code == 0
    rules = (
        "eligibility, availability, no_overlap, cover_min, cover_max, max_per_day, "
        "allocation_bounds, teaching_ratio, cover_preferred, requests, site_changes, "
        "continuity"
    )
    assert result.output == (
        f"{path}: valid (3 clinicians, 4 sessions, 2026-12-07 to 2026-12-13, rules: {rules})\n"
    )


def test_validate_prints_every_problem_and_exits_2(tmp_path: Path) -> None:
    path = write_instance(
        tmp_path / "week",
        cell("clinicians", 2, "max_per_day", "two"),
        cell("needs", 2, "min", "x"),
        cell("sessions", 3, "date", "2026-12-20"),
    )
    result = run("validate", str(path))
    assert result.exit_code == 2
    no_crash(result)
    assert result.output.splitlines() == [
        f"error: clinicians.csv, row 2, column 'max_per_day': {NOT_INT} (value: 'two')",
        f"error: needs.csv, row 2, column 'min': {NOT_INT} (value: 'x')",
        "error: sessions.csv, row 3, column 'date': date outside the horizon 2026-12-07 to "
        "2026-12-13 (value: '2026-12-20')",
        "3 problems in the input.",
    ]


def test_validate_a_path_that_does_not_exist(tmp_path: Path) -> None:
    result = run("validate", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    no_crash(result)
    assert result.output.splitlines() == [
        f"error: {tmp_path / 'nowhere'}: no such file or folder",
        "1 problem in the input.",
    ]


# --- solve ----------------------------------------------------------------------------------------


def test_solve_a_bad_instance_exits_2_and_creates_no_output_folder(tmp_path: Path) -> None:
    path = write_instance(tmp_path / "week", cell("sessions", 2, "end", "08:00"))
    result = run("solve", str(path), "--out", str(tmp_path / "out"), *FAST)
    assert result.exit_code == 2
    no_crash(result)
    assert result.output.splitlines() == [
        "error: sessions.csv, row 2, column 'end': end 08:00 is not after start 09:00 "
        "(value: '08:00')",
        "1 problem in the input; nothing was written.",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week"]  # no out/, no staging folder


def test_solve_writes_the_optimal_roster(solved: tuple[Path, Path, Result]) -> None:
    instance, out, result = solved
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS
    assert pairs(out / "roster.csv") == ROSTER
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary) >= SUMMARY_KEYS
    assert summary["status"] == "OPTIMAL"
    assert summary["objective"] == 19
    assert summary["best_bound"] == 19
    assert summary["gap"] == 0
    assert summary["objective_by_rule"] == BY_RULE
    assert summary["settings"]["time_limit"] == 10
    assert summary["settings"]["workers"] == 1
    assert summary["input_hash"] == instance_hash(instance)
    assert summary["wall_seconds"] >= 0


def test_solve_writes_the_roster_shown_in_the_docs(solved: tuple[Path, Path, Result]) -> None:
    _, out, _ = solved
    docs = DOCS.read_text(encoding="utf-8")
    shown = re.search(r"^`roster\.csv`\n\n```csv\n(.*?)^```", docs, re.M | re.S)
    assert shown is not None, "docs/format.md shows no roster.csv"
    assert (out / "roster.csv").read_text(encoding="utf-8") == shown.group(1)


def test_solve_writes_coverage_and_clinician_tables(solved: tuple[Path, Path, Result]) -> None:
    _, out, _ = solved
    teaching = [r for r in rows(out / "coverage.csv") if r["session"] == "TUE-AM-HKU"]
    assert [
        (r["role"], r["assigned"], r["preferred"], r["shortfall"], r["clinicians"])
        for r in teaching
    ] == [("doctor", "1", "2", "1", "CHAN")]
    chan = [
        r
        for r in rows(out / "clinicians.csv")
        if r["clinician"] == "CHAN" and r["activity"] == "teaching"
    ]
    assert [(r["period"], r["assigned"], r["min"], r["status"]) for r in chan] == [
        ("week 1", "1", "1", "ok"),
        ("horizon", "1", "", ""),
    ]


def test_solve_exits_3_and_names_the_session_when_cover_cannot_be_met(tmp_path: Path) -> None:
    path = write_instance(tmp_path / "week", TWO_TEACHERS)
    result = run("solve", str(path), "--out", str(tmp_path / "out"), *FAST)
    assert result.exit_code == 3
    no_crash(result)
    lines = result.output.splitlines()
    assert (
        "  Tue 8 Dec 09:00-12:00, HKU Li Ka Shing Faculty of Medicine teaching (TUE-AM-HKU) needs "
        "2 doctors, but only 1 is eligible and 1 of them available"
    ) in lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week"]


def test_set_makes_cover_min_soft_and_prints_the_summary(tmp_path: Path) -> None:
    # The same two doctors with cover_min soft: the one missing costs the default weight of 1000,
    # and the roster stays the optimum above, at 1000 + 19.
    path = write_instance(tmp_path / "week", TWO_TEACHERS)
    out = tmp_path / "out"
    result = run(
        "solve",
        str(path),
        "--out",
        str(out),
        *FAST,
        "--set",
        "rules.cover_min.hard=false",
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["objective"] == 1019
    assert summary["objective_by_rule"] == {"cover_min": 1000, **BY_RULE}
    assert summary == json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert pairs(out / "roster.csv") == ROSTER


def test_set_with_an_unknown_parameter_exits_2(tmp_path: Path) -> None:
    path = write_instance(tmp_path / "week")
    result = run(
        "solve",
        str(path),
        "--out",
        str(tmp_path / "out"),
        *FAST,
        "--set",
        "rules.cover_min.wieght=3",
    )
    assert result.exit_code == 2
    no_crash(result)
    assert "unknown parameter 'wieght' of rule 'cover_min' (known: hard, weight)" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week"]


# --- check ----------------------------------------------------------------------------------------


def test_check_the_solved_roster_agrees_with_the_summary(solved: tuple[Path, Path, Result]) -> None:
    instance, out, _ = solved
    result = run("check", str(instance), str(out / "roster.csv"))
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "0 hard violations; objective 19"
    as_json = run("check", str(instance), str(out / "roster.csv"), "--json")
    assert as_json.exit_code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    verdict: dict[str, Any] = json.loads(as_json.output)
    assert verdict == {
        "hard_violations": [],
        "objective": summary["objective"],
        "objective_by_rule": summary["objective_by_rule"],
    }


def edited_roster(tmp_path: Path, out: Path, old: str, new: str) -> Path:
    """A copy of the solved roster.csv with one line changed, as a scheduler would edit it."""
    text = (out / "roster.csv").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "edited" / "roster.csv"
    path.parent.mkdir()
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_check_a_hand_edited_roster_with_a_hard_violation_exits_1(
    solved: tuple[Path, Path, Result], tmp_path: Path
) -> None:
    # LEE takes the teaching from CHAN: LEE is no teacher and has no privileges at HKU, and CHAN's
    # weekly teaching minimum of 1 is no longer met. The soft costs stay those of the optimum.
    instance, out, _ = solved
    roster = edited_roster(
        tmp_path, out, "CHAN,Dr Chan Tai Man,TUE-AM-HKU", "LEE,Dr Lee Ka Yan,TUE-AM-HKU"
    )
    result = run("check", str(instance), str(roster))
    assert result.exit_code == 1
    no_crash(result)
    assert result.output.splitlines()[:3] == [
        "hard: Dr Lee Ka Yan (LEE) is assigned to TUE-AM-HKU (HKU 2026-12-08 09:00-12:00) but is "
        "not eligible: LEE has no privileges at HKU; TUE-AM-HKU is a teaching session and LEE is "
        "not a teacher",
        "hard: Dr Chan Tai Man (CHAN) has 0 teaching sessions in week 1 (2026-12-07 to "
        "2026-12-13), below the minimum of 1",
        "2 hard violations; objective 19",
    ]


def test_check_a_roster_with_an_unknown_clinician_exits_2(
    solved: tuple[Path, Path, Result], tmp_path: Path
) -> None:
    instance, out, _ = solved
    roster = edited_roster(tmp_path, out, "WONG,Wong Siu Ming,WED-AM-HSK", "HO,Dr Ho,WED-AM-HSK")
    result = run("check", str(instance), str(roster))
    assert result.exit_code == 2
    no_crash(result)
    assert result.output.splitlines() == [
        "error: roster.csv, row 9, column 'clinician': unknown clinician (value: 'HO')",
        "1 problem in the input.",
    ]


# --- schema, rules, help --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "top_level"),
    [
        ([], {*TABLES, "rules", "history"}),
        (["--rules"], {"horizon", "calendar", "rules", "terms"}),
    ],
)
def test_schema_prints_json_schema(args: list[str], top_level: set[str]) -> None:
    result = run("schema", *args)
    assert result.exit_code == 0
    assert set(json.loads(result.output)["properties"]) == top_level


def test_rules_lists_every_kind() -> None:
    result = run("rules")
    assert result.exit_code == 0
    assert result.output.splitlines() == list(RULE_KINDS)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["validate"],
        ["solve"],
        ["check"],
        ["schema"],
        ["generate"],
        pytest.param(["rules"]),
    ],
)
def test_every_help_has_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


def test_the_format_page_shows_this_files_output() -> None:
    # The excerpts of real output in docs/format.md are asserted above, verbatim.
    text = DOCS.read_text(encoding="utf-8")
    for line in [
        "2 hard violations; objective 19",
        "  Tue 8 Dec 09:00-12:00, HKU Li Ka Shing Faculty of Medicine teaching (TUE-AM-HKU) needs "
        "2 doctors, but only 1 is eligible and 1 of them available",
        f"error: needs.csv, row 2, column 'min': {NOT_INT} (value: 'x')",
    ]:
        assert f"\n{line}\n" in text


def test_each_command_is_found_in_the_module_the_group_names() -> None:
    import importlib

    from roster.cli import COMMAND_MODULES

    modules = sorted(set(COMMAND_MODULES.values()))
    found = {
        c.name: m for m in modules for c in importlib.import_module(f"roster.cli.{m}").COMMANDS
    }
    assert found == COMMAND_MODULES
    assert CliRunner().invoke(main, ["nosuch"]).exit_code == 2


def test_the_store_commands_start_without_the_engine() -> None:
    # roster publish and roster history load their own modules only: neither CP-SAT, HiGHS nor
    # pandas (the import is what a command's start costs)
    import subprocess
    import sys

    code = (
        "import sys; from roster.cli import main\n"
        "try: main(['history', '--help'])\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in ('ortools', 'highspy', 'pandas', 'solver') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
