"""Regression on the bundled samples: proven optimal objectives, pinned; checker agreement;
determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from roster.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {
    # sample folder: its proven optimal objective
    "hksh-affiliation-week": 54,
    "dual-track-cohort": 75,
}


@pytest.mark.slow
@pytest.mark.parametrize(("sample", "optimum"), sorted(SAMPLES.items()))
def test_sample_solves_to_its_pinned_optimum(tmp_path: Path, sample: str, optimum: int) -> None:
    folder = ROOT / "data" / "samples" / sample
    runner = CliRunner()
    out = tmp_path / "out"
    args = [
        "solve",
        str(folder),
        "--out",
        str(out),
        "--time-limit",
        "120",
        "--workers",
        "2",
        "--json",
    ]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["status"] == "OPTIMAL"
    assert summary["objective"] == optimum
    # the independent checker re-scores the solver's roster the same way, rule by rule
    assert summary["checker"]["hard_violations"] == []
    assert summary["checker"]["objective_by_rule"] == summary["objective_by_rule"]
    checked = runner.invoke(main, ["check", str(folder), str(out / "roster.csv"), "--json"])
    assert checked.exit_code == 0
    assert json.loads(checked.output)["objective"] == optimum
    # same seed and workers: the same roster, byte for byte
    again = tmp_path / "again"
    args[3] = str(again)
    assert runner.invoke(main, args, catch_exceptions=False).exit_code == 0
    assert (again / "roster.csv").read_bytes() == (out / "roster.csv").read_bytes()


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_sample_is_valid(sample: str) -> None:
    result = CliRunner().invoke(main, ["validate", str(ROOT / "data" / "samples" / sample)])
    assert result.exit_code == 0, result.output
