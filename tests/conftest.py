"""Fixtures shared by the test modules; the factories of tiny instances are in factory.py and
worked_example.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from worked_example import WEEK_EDITS, write_instance

from roster.cli import main


@pytest.fixture(scope="session")
def solved_week(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The edited worked example (worked_example.WEEK_EDITS), solved: its output folder."""
    root = tmp_path_factory.mktemp("week")
    instance = write_instance(root / "week", *WEEK_EDITS)
    out = root / "out"
    args = ["solve", str(instance), "--out", str(out), "--time-limit", "10", "--workers", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out
