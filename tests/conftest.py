"""Fixtures shared by the test modules; the factories of tiny instances are in factory.py and
worked_example.py."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pgserver import PostgresServer, start_postgres
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


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the session's tests (skipped without one, except on CI)."""
    server = start_postgres()
    if server is None:
        message = "PostgreSQL's initdb and pg_ctl are not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI must run the PostgreSQL tests")
        pytest.skip(message)
    yield server
    server.stop()
