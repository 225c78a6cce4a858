"""The HTML report rendered in a real browser: Debian's chromium, headless, offline.

The page's own script draws every chart, then sets <body data-rendered="ok">, and writes any
script error into <pre id="script-errors">; chromium's --dump-dom gives the DOM after the scripts
ran. A screenshot shows the page really painted. Skipped when chromium is not installed
(`apt-get install chromium`; .ci/run installs it on CI).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from roster.cli import main
from roster.outputs.html import CHARTS, SECTIONS

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER = next((b for b in BROWSERS if shutil.which(b)), None)

pytestmark = pytest.mark.skipif(
    BROWSER is None,
    reason="chromium is not on PATH: `apt-get install chromium` to run the browser test "
    "(.ci/run installs it on CI)",
)


def chromium(profile: Path, *args: str) -> str:
    """Run headless chromium with no network and a throwaway profile; return its stdout."""
    assert BROWSER is not None
    command = [
        BROWSER,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=15000",
        *args,
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=120, env={**os.environ, "LANG": "C.UTF-8"}
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, solved_week: Path) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    shutil.copytree(solved_week, out)
    result = CliRunner().invoke(main, ["report", str(out)])
    assert result.exit_code == 0, result.output
    return out / "report.html"


def test_the_report_renders_every_section_without_script_errors(page: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path / "profile", "--dump-dom", page.as_uri())
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None, dom[:2000]
    errors = re.search(r'<pre id="script-errors"[^>]*>(.*?)</pre>', dom, re.S)
    assert errors is not None and errors.group(1) == "", errors and errors.group(1)
    assert 'data-rendered="ok"' in body.group(0), body.group(0)
    assert 'data-errors="0"' in body.group(0), body.group(0)
    for sid, title in SECTIONS:
        assert re.search(rf'<section id="{sid}"><h2>{title}</h2>', dom), sid
    for chart in CHARTS:
        # Plotly drew an SVG into each chart's div
        drawn = re.search(
            rf'<div id="{chart}" class="[^"]*js-plotly-plot[^"]*".*?class="main-svg"', dom, re.S
        )
        assert drawn, chart
    assert "TUE-AM-HKU" in dom and "1 doctor short of preferred 2" in dom
    assert "=SUM(A1)" in dom  # Wong's name, as text


def test_the_report_paints_a_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    chromium(tmp_path / "profile", f"--screenshot={shot}", "--window-size=1400,1000", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 1000)
    assert len(data) > 30_000  # a blank page of this size compresses to a few kB
