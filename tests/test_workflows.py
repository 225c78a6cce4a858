"""Scenarios, comparisons and repairs of a published roster, on tiny instances worked out by
hand."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result

from roster.app.repair import RepairSettings, repair
from roster.cli import main
from roster.domain.io import load_instance
from roster.domain.scenario import apply_changes, load_scenario
from solver.engine.params import SolveParams

FAST = ["--time-limit", "10", "--workers", "1"]


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def three_days(root: Path) -> Path:
    """Three morning clinics, Mon to Wed, one cardiologist each; doctors A, B, C.

    A wants Monday and Tuesday (5 each), B wants Wednesday (5): the optimum A, A, B costs 0.
    """
    root.mkdir(parents=True)
    write_csv(
        root / "sites.csv",
        [{"id": "HSK", "name": "Hong Kong Sanatorium & Hospital", "kind": "private_hospital"}],
    )
    write_csv(
        root / "clinicians.csv",
        [
            {
                "id": c,
                "name": f"Dr {c}",
                "role": "doctor",
                "institution": "HKU",
                "appointment": "affiliation_secondee",
                "specialties": "cardiology",
                "privileges": "HSK",
            }
            for c in "ABC"
        ],
    )
    days = {"S1": "2026-12-07", "S2": "2026-12-08", "S3": "2026-12-09"}
    write_csv(
        root / "sessions.csv",
        [
            {
                "id": s,
                "site": "HSK",
                "date": d,
                "start": "09:00",
                "end": "13:00",
                "activity": "clinical",
                "specialty": "cardiology",
            }
            for s, d in days.items()
        ],
    )
    write_csv(
        root / "needs.csv",
        [{"session": s, "role": "doctor", "min": 1, "preferred": 1, "max": 1} for s in days],
    )
    write_csv(
        root / "requests.csv",
        [
            {"clinician": "A", "kind": "want", "weight": 5, "session": "S1"},
            {"clinician": "A", "kind": "want", "weight": 5, "session": "S2"},
            {"clinician": "B", "kind": "want", "weight": 5, "session": "S3"},
        ],
    )
    (root / "rules.yaml").write_text(
        yaml.safe_dump(
            {
                "horizon": {"start": "2026-12-07", "end": "2026-12-13"},
                "rules": {
                    "cover_min": {},
                    "cover_max": {},
                    "requests": {"weight": 1},
                    "continuity": {"weight": 1},
                },
            }
        )
    )
    return root


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def roster_pairs(folder: Path) -> list[tuple[str, str]]:
    with (folder / "roster.csv").open() as f:
        return sorted((r["clinician"], r["session"]) for r in csv.DictReader(f))


def test_repair_after_one_absence_changes_the_fewest_assignments(tmp_path: Path) -> None:
    inst = three_days(tmp_path / "week")
    assert run("solve", str(inst), "--out", str(tmp_path / "pub"), *FAST).exit_code == 0
    assert roster_pairs(tmp_path / "pub") == [("A", "S1"), ("A", "S2"), ("B", "S3")]
    # A falls sick on Tuesday, published on Monday evening: S1 is in the past and frozen.
    (tmp_path / "sick.yaml").write_text(
        yaml.safe_dump(
            {
                "add": {
                    "unavailability": [
                        {
                            "clinician": "A",
                            "start": "2026-12-08",
                            "end": "2026-12-08",
                            "reason": "sick leave",
                        }
                    ]
                }
            }
        )
    )
    result = run(
        "repair",
        str(inst),
        "--published",
        str(tmp_path / "pub" / "roster.csv"),
        "--changes",
        str(tmp_path / "sick.yaml"),
        "--from",
        "2026-12-08",
        "--out",
        str(tmp_path / "fix"),
        *FAST,
    )
    assert result.exit_code == 0, result.output
    # The fewest changes: A off S2 (forced) and one doctor onto S2 = 2. B could take S2 and C S3
    # (4 changes) or C takes S2 (2 changes): C takes S2. A's missed want costs 5 either way.
    assert roster_pairs(tmp_path / "fix") == [("A", "S1"), ("B", "S3"), ("C", "S2")]
    summary = json.loads((tmp_path / "fix" / "summary.json").read_text())
    assert summary["repair"]["changes"] == 2
    assert summary["repair"]["old_objective"] == 0
    assert summary["repair"]["new_objective"] == 5
    # Changes to a session 0 whole days after --from cost 100 + 50 * 7 = 450 each.
    assert summary["repair"]["change_penalty"] == 900
    assert summary["repair"]["by_clinician"] == {"A": {"removed": ["S2"]}, "C": {"added": ["S2"]}}
    assert summary["checker"]["hard_violations"] == []
    assert summary["checker"]["objective"] == 5
    with (tmp_path / "fix" / "changes.csv").open() as f:
        assert [(r["clinician"], r["change"], r["session"]) for r in csv.DictReader(f)] == [
            ("A", "removed", "S2"),
            ("C", "added", "S2"),
        ]


def test_repair_freezes_the_past_and_honours_max_changes(tmp_path: Path) -> None:
    before = load_instance(three_days(tmp_path / "week"))
    published = [("A", "S1"), ("A", "S2"), ("B", "S3")]
    # A is away on Monday, but Monday is before --from: the frozen past cannot be repaired.
    after = apply_changes(
        before,
        {
            "add": {
                "unavailability": [{"clinician": "A", "start": "2026-12-07", "end": "2026-12-07"}]
            }
        },
        "sick.yaml",
    )
    frozen = repair(
        before, after, published, RepairSettings(dt.datetime(2026, 12, 8)), SolveParams(workers=1)
    )
    assert len(frozen.frozen_problems) == 1 and "A on S1" in frozen.frozen_problems[0]
    # From Monday on, two changes are needed; a cap of one cannot be met.
    capped = repair(
        before,
        after,
        published,
        RepairSettings(dt.datetime(2026, 12, 7), max_changes=1),
        SolveParams(workers=1),
    )
    assert capped.result.status.value == "INFEASIBLE"
    # why: Monday needs a doctor, A is away, and the cap allows one change where two are needed
    assert capped.why == (
        "Dr A is unavailable Mon 7 Dec 00:00 to Tue 8 Dec 00:00",
        "Mon 7 Dec 09:00-13:00, Hong Kong Sanatorium & Hospital cardiology clinical (S1) needs at "
        "least 1 doctor; eligible: Dr A, Dr B, Dr C; of them unavailable: Dr A (Mon 7 Dec 00:00 to "
        "Tue 8 Dec 00:00)",
        "the repair changes no more assignments than --max-changes allows",
    )
    free = repair(
        before,
        after,
        published,
        RepairSettings(dt.datetime(2026, 12, 7), max_changes=2),
        SolveParams(workers=1),
    )
    assert free.n_changes == 2
    assert ("A", "S2") in free.result.assignments and ("B", "S3") in free.result.assignments


def test_set_override_changes_the_objective_as_expected(tmp_path: Path) -> None:
    inst = three_days(tmp_path / "week")
    # Remove B's availability on Wednesday: B's want (5) is missed whoever covers S3.
    (inst / "unavailability.csv").write_text("clinician,start,end\nB,2026-12-09,2026-12-09\n")
    base = run("solve", str(inst), "--out", str(tmp_path / "a"), "--json", *FAST)
    assert json.loads(base.output)["objective"] == 5
    doubled = run(
        "solve",
        str(inst),
        "--out",
        str(tmp_path / "b"),
        "--json",
        "--set",
        "rules.requests.weight=3",
        *FAST,
    )
    assert json.loads(doubled.output)["objective"] == 15
    assert json.loads(doubled.output)["settings"]["overrides"] == {"rules.requests.weight": 3}


def test_scenario_file_and_compare(tmp_path: Path) -> None:
    inst = three_days(tmp_path / "week")
    scenario = tmp_path / "no-a.yaml"
    scenario.write_text(
        yaml.safe_dump(
            {
                "base": "week",
                "name": "without-a",
                "remove": {"clinicians": ["A"]},
                "set": {"rules.requests.weight": 2},
            }
        )
    )
    name, changed = load_scenario(scenario)
    assert name == "without-a"
    assert [c.id for c in changed.clinicians] == ["B", "C"]
    assert len(changed.requests) == 1  # A's two requests went with A
    assert run("solve", str(inst), "--out", str(tmp_path / "base"), *FAST).exit_code == 0
    result = run(
        "sweep",
        str(scenario),
        "--out",
        str(tmp_path / "sweep"),
        "--time-limit",
        "10",
        "--jobs",
        "1",
    )
    assert result.exit_code == 0, result.output
    # Without A, B keeps Wednesday (its want met); B or C cover Monday and Tuesday at no cost.
    assert ("B", "S3") in roster_pairs(tmp_path / "sweep" / "without-a")
    compared = run(
        "compare", str(tmp_path / "base"), str(tmp_path / "sweep" / "without-a"), "--json"
    )
    table = json.loads(compared.output)
    assert table["rows"]["objective"] == [0, 0]
    assert table["rows"]["requests_met"] == ["3/3", "1/1"]
    assert table["differences"]["only_in_base"] == [["A", "S1"], ["A", "S2"]]
    assert len(table["differences"]["only_in_without-a"]) == 2
    # the one run: all covered, no evenings or series, B's want met, no allocation targets
    lines = (tmp_path / "sweep" / "comparison.md").read_text().splitlines()
    assert lines[0].startswith("| run | status | objective | cover shortfall |")
    assert lines[2] == "| without-a | OPTIMAL | 0 | 0 | 0 | 0 | 1 | 100.0 | yes |  |"


def test_scenario_with_a_bad_row_names_it(tmp_path: Path) -> None:
    three_days(tmp_path / "week")
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(
        yaml.safe_dump(
            {
                "base": "week",
                "add": {
                    "unavailability": [
                        {"clinician": "Z", "start": "2026-12-08", "end": "2026-12-08"}
                    ]
                },
            }
        )
    )
    result = run("sweep", str(scenario), "--out", str(tmp_path / "out"), "--jobs", "1")
    assert result.exit_code == 2
    assert "bad.yaml, column 'add.unavailability[1].clinician': unknown clinician" in result.output


def test_every_command_runs_the_engine_roster_solve_runs(tmp_path: Path) -> None:
    # solve, sweep, repair and explain --relax, given no engine option, all record the engine's
    # default settings (SolveParams()) in summary.json: one set of defaults for every command.
    inst = three_days(tmp_path / "week")
    assert run("solve", str(inst), "--out", str(tmp_path / "pub")).exit_code == 0
    scenario = tmp_path / "same.yaml"
    scenario.write_text(yaml.safe_dump({"base": "week", "name": "same"}))
    assert (
        run("sweep", str(scenario), "--out", str(tmp_path / "sweep"), "--jobs", "1").exit_code == 0
    )
    repaired = run(
        "repair",
        str(inst),
        "--published",
        str(tmp_path / "pub" / "roster.csv"),
        "--from",
        "2026-12-08",
        "--out",
        str(tmp_path / "fix"),
    )
    assert repaired.exit_code == 0, repaired.output
    # one doctor for two sessions on the same morning: cover_min cannot hold
    tight = three_days(tmp_path / "tight")
    sessions = (tight / "sessions.csv").read_text().replace("2026-12-08", "2026-12-07")
    (tight / "sessions.csv").write_text(sessions)
    (tight / "clinicians.csv").write_text(
        "\n".join((tight / "clinicians.csv").read_text().splitlines()[:2]) + "\n"
    )
    (tight / "requests.csv").write_text("clinician,kind,weight,session\nA,want,5,S1\n")
    relaxed = run("explain", str(tight), "--relax", "--out", str(tmp_path / "relaxed"))
    assert relaxed.exit_code == 3, relaxed.output
    defaults = SolveParams()
    expected = {
        "time_limit": defaults.time_limit,
        "workers": defaults.workers,
        "seed": defaults.seed,
        "deterministic": defaults.deterministic,
        "first_pass": defaults.first_pass,
        "columns": defaults.columns,
    }
    for folder in ("pub", "sweep/same", "fix", "relaxed"):
        settings = json.loads((tmp_path / folder / "summary.json").read_text())["settings"]
        assert {k: settings[k] for k in expected} == expected, folder
