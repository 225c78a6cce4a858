"""Sweeps: grids expanded, runs on local processes and on Ray, failures as rows, resume, the
Pareto set, Ctrl-C, and the sweep page in a browser."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from test_curtois import tiny
from test_html_browser import BROWSER, chromium
from test_workflows import roster_pairs, three_days

from roster.app.compare import key_figures, pareto
from roster.app.runners import ProcessRunner, RayRunner, Results, TaskFailed
from roster.app.sweep import Source, expand, parse_axis, run_sweep
from roster.cli import main
from roster.domain.io import load_instance
from roster.outputs.files import output_files
from roster.outputs.sweep_html import CHART, SECTIONS
from solver.engine.params import SolveParams

SAMPLE = Path(__file__).parent.parent / "data" / "samples" / "hksh-affiliation-week"
FAST = ["--time-limit", "20", "--workers", "1"]
GRID = ["--grid", "rules.fairness.weight=1,10", "--grid", "rules.continuity.weight=0,5"]
GRID_RUNS = [
    "fairness.weight=1,continuity.weight=0",
    "fairness.weight=1,continuity.weight=5",
    "fairness.weight=10,continuity.weight=0",
    "fairness.weight=10,continuity.weight=5",
]


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def table(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / "comparison.json").read_text())
    return data


def by_name(folder: Path) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in table(folder)["runs"]}


def week_without_b_on_wednesday(root: Path) -> Path:
    """three_days with B away on Wednesday: whoever covers S3, B's want (5) is missed, so the
    optimum costs 5 x the requests weight."""
    inst = three_days(root)
    (inst / "unavailability.csv").write_text("clinician,start,end\nB,2026-12-09,2026-12-09\n")
    return inst


# --- grids ------------------------------------------------------------------------------------


def test_a_grid_value_list_is_read_as_yaml() -> None:
    assert parse_axis("rules.fairness.weight=1,4,16") == ("rules.fairness.weight", (1, 4, 16))
    assert parse_axis("rules.fairness.kinds=[evening],[evening, weekend]") == (
        "rules.fairness.kinds",
        (["evening"], ["evening", "weekend"]),
    )
    assert parse_axis("rules.continuity=false,true") == ("rules.continuity", (False, True))
    with pytest.raises(ValueError, match="expected KEY=VALUE1,VALUE2"):
        parse_axis("rules.fairness.weight")
    with pytest.raises(ValueError, match="lists 4 more than once"):
        parse_axis("rules.fairness.weight=4,1,4")


def test_a_grid_expands_to_exactly_its_combinations() -> None:
    week = Source("week", "week", False)
    axes = [parse_axis("rules.fairness.weight=1,4,16"), parse_axis("rules.continuity.weight=0,3")]
    runs = expand([week], axes)
    # 3 x 2 combinations, the last axis varying fastest; one instance: named by settings alone
    assert [r.name for r in runs] == [
        "fairness.weight=1,continuity.weight=0",
        "fairness.weight=1,continuity.weight=3",
        "fairness.weight=4,continuity.weight=0",
        "fairness.weight=4,continuity.weight=3",
        "fairness.weight=16,continuity.weight=0",
        "fairness.weight=16,continuity.weight=3",
    ]
    assert [dict(r.settings) for r in runs] == [
        {"rules.fairness.weight": f, "rules.continuity.weight": c}
        for f in (1, 4, 16)
        for c in (0, 3)
    ]
    # beside scenario files, each file with each combination, named after the file first
    more = Source("more.yaml", "more-teaching", True)
    mixed = expand([week, more], [parse_axis("rules.requests.weight=1,5")])
    assert [r.name for r in mixed] == [
        "week,requests.weight=1",
        "week,requests.weight=5",
        "more-teaching,requests.weight=1",
        "more-teaching,requests.weight=5",
    ]
    assert [r.name for r in expand([more], [])] == ["more-teaching"]
    lists = expand([week], [parse_axis("rules.fairness.kinds=[evening],[evening, weekend]")])
    assert [r.name for r in lists] == ["fairness.kinds=evening", "fairness.kinds=evening+weekend"]
    with pytest.raises(ValueError, match="rules.requests.weight more than once"):
        expand(
            [week], [parse_axis("rules.requests.weight=1"), parse_axis("rules.requests.weight=2")]
        )
    with pytest.raises(ValueError, match="share the folder more-teaching"):
        expand([more, Source("other/more.yaml", "more-teaching", True)], [])


def test_a_grid_sweep_writes_each_run_with_its_settings(tmp_path: Path) -> None:
    inst = week_without_b_on_wednesday(tmp_path / "week")
    out = tmp_path / "sweep"
    grid = ["--grid", "rules.requests.weight=1,3", "--grid", "rules.cover_preferred.weight=1,2"]
    result = run("sweep", str(inst), "--out", str(out), *grid, *FAST)
    assert result.exit_code == 0, result.output
    runs = by_name(out)
    assert (
        sorted(p.name for p in out.iterdir() if p.is_dir())
        == sorted(runs)
        == sorted(f"requests.weight={r},cover_preferred.weight={c}" for r in (1, 3) for c in (1, 2))
    )
    for name, row in runs.items():
        weight = row["settings"]["rules.requests.weight"]
        # every session covered, so only B's missed want counts: 5 x the requests weight
        assert row["objective"] == 5 * weight, name
        summary = json.loads((out / name / "summary.json").read_text())
        assert summary["objective"] == 5 * weight
        assert summary["settings"]["overrides"] == row["settings"]
        assert ("B", "S3") not in roster_pairs(out / name)
    assert table(out)["grid"] == ["rules.requests.weight", "rules.cover_preferred.weight"]


# --- key figures and the Pareto set -----------------------------------------------------------


def test_the_pareto_set_of_a_hand_made_table() -> None:
    senses = {"shortfall": "min", "spread": "min", "met": "max"}
    points: list[dict[str, float] | None] = [
        {"shortfall": 0, "spread": 3, "met": 5},  # a
        {"shortfall": 0, "spread": 3, "met": 5},  # b = a: neither beats the other
        {"shortfall": 1, "spread": 3, "met": 5},  # a beats it (less shortfall, the rest equal)
        {"shortfall": 2, "spread": 1, "met": 4},  # the smallest spread: nobody beats it
        {"shortfall": 2, "spread": 1, "met": 3},  # the row above beats it (more met)
        {"shortfall": 0, "spread": 4, "met": 6},  # the most met: nobody beats it
        None,  # no roster
    ]
    assert pareto(points, senses) == [True, True, False, True, False, True, False]  # type: ignore[arg-type]
    assert pareto([], senses) == []  # type: ignore[arg-type]


def test_key_figures_of_a_hand_made_roster(tmp_path: Path) -> None:
    inst = load_instance(week_without_b_on_wednesday(tmp_path / "week"))
    # S1 uncovered (1 short of preferred); A on S2 (A's S2 want met, S1 want missed); C on S3
    figures = key_figures(inst, (("A", "S2"), ("C", "S3")))
    assert figures == {
        "cover_shortfall": 1,
        "fairness_spread": 0,  # no evening or weekend sessions
        "continuity_breaks": 0,  # no series
        "requests_met": 1,
        "allocation_attained": 100.0,  # no allocation targets
    }


# --- failures, resume, Ctrl-C -----------------------------------------------------------------


def test_a_failing_scenario_is_a_row_and_the_others_are_solved(tmp_path: Path) -> None:
    three_days(tmp_path / "week")
    nobody = tmp_path / "nobody-monday.yaml"
    away = [{"clinician": c, "start": "2026-12-07", "end": "2026-12-07"} for c in "ABC"]
    nobody.write_text(yaml.safe_dump({"base": "week", "add": {"unavailability": away}}))
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"base": "week"}))
    out = tmp_path / "out"
    grid = ["--grid", "rules.requests.weight=1,x"]
    result = run("sweep", str(nobody), str(good), "--out", str(out), *grid, *FAST)
    assert result.exit_code == 2  # a setting was not valid
    rows = by_name(out)
    assert {n: r["status"] for n, r in rows.items()} == {
        "nobody-monday,requests.weight=1": "INFEASIBLE",
        "nobody-monday,requests.weight=x": "INVALID",
        "good,requests.weight=1": "OPTIMAL",
        "good,requests.weight=x": "INVALID",
    }
    assert rows["nobody-monday,requests.weight=1"]["message"] == (
        "sessions need more clinicians than are eligible and available: "
        "S1 needs 1 doctor, 3 eligible, 0 of them available"
    )
    assert rows["good,requests.weight=x"]["message"] == (
        "--grid: key 'rules.requests.weight': Input should be a valid integer, unable to parse "
        "string as an integer (value: 'x')"
    )
    assert rows["good,requests.weight=1"]["objective"] == 0
    assert [n for n, r in rows.items() if r["pareto"]] == ["good,requests.weight=1"]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["good,requests.weight=1"]
    md = (out / "comparison.md").read_text()
    assert "| nobody-monday,requests.weight=1 | INFEASIBLE |" in md
    assert "[1/4] nobody-monday,requests.weight=x: INVALID: --grid" in result.output


def test_a_dying_worker_is_one_failed_task_on_local_processes() -> None:
    # SIGWINCH is ignored by default: that task returns; SIGKILL ends its process
    tasks = [signal.SIGWINCH, signal.SIGKILL, signal.SIGWINCH]
    results = dict(ProcessRunner(2).run(signal.raise_signal, tasks, 1))
    assert results == {
        0: None,
        1: TaskFailed("the worker process died (killed, or out of memory)"),
        2: None,
    }


class _OneDies:
    """A runner that runs every task here, except that the worker of ``name`` dies."""

    def __init__(self, name: str) -> None:
        self.name = name

    def run(self, fn: Any, args: Sequence[Any], cpus: int) -> Results[Any]:
        for i, job in enumerate(args):
            yield i, TaskFailed("the worker process died") if job.name == self.name else fn(job)


def test_a_dead_worker_is_a_row(tmp_path: Path) -> None:
    inst = three_days(tmp_path / "week")
    runs = expand([Source.of(str(inst))], [parse_axis("rules.requests.weight=1,2")])
    outcome = run_sweep(
        runs,
        tmp_path / "out",
        SolveParams(time_limit=10, workers=1),
        _OneDies("requests.weight=2"),
        output_files,
    )
    assert [(r.run.name, r.status, r.message) for r in outcome.rows] == [
        ("requests.weight=1", "OPTIMAL", ""),
        ("requests.weight=2", "FAILED", "the worker process died"),
    ]
    rows = by_name(tmp_path / "out")
    assert rows["requests.weight=2"]["status"] == "FAILED"
    assert rows["requests.weight=1"]["pareto"] and not rows["requests.weight=2"]["pareto"]


def test_resume_skips_the_runs_already_finished(tmp_path: Path) -> None:
    inst = week_without_b_on_wednesday(tmp_path / "week")
    out = tmp_path / "out"
    first = run("sweep", str(inst), "--out", str(out), "--grid", "rules.requests.weight=1,2", *FAST)
    assert first.exit_code == 0, first.output
    kept = (out / "requests.weight=1" / "summary.json").stat().st_mtime_ns
    more = ["--grid", "rules.requests.weight=1,2,3"]
    second = run("sweep", str(inst), "--out", str(out), *more, "--resume", *FAST)
    assert second.exit_code == 0, second.output
    rows = by_name(out)
    assert {n: r["resumed"] for n, r in rows.items()} == {
        "requests.weight=1": True,
        "requests.weight=2": True,
        "requests.weight=3": False,
    }
    assert [r["objective"] for r in rows.values()] == [5, 10, 15]
    assert (out / "requests.weight=1" / "summary.json").stat().st_mtime_ns == kept
    assert "[1/3] requests.weight=1: OPTIMAL, objective 5" in second.output
    # other settings (a seed) or another input: solved again
    third = run("sweep", str(inst), "--out", str(out), *more, "--resume", *FAST, "--seed", "1")
    assert not any(r["resumed"] for r in by_name(out).values()), third.output
    (inst / "requests.csv").write_text("clinician,kind,weight,session\nB,want,5,S3\n")
    fourth = run("sweep", str(inst), "--out", str(out), *more, "--resume", *FAST, "--seed", "1")
    assert fourth.exit_code == 0, fourth.output
    assert [r["resumed"] for r in by_name(out).values()] == [False, False, False]
    assert [r["objective"] for r in by_name(out).values()] == [5, 10, 15]  # B's want still missed


def test_ctrl_c_cancels_the_rest_and_writes_the_table(tmp_path: Path) -> None:
    week = three_days(tmp_path / "week")
    big = tmp_path / "big"
    assert run("generate", "--clinicians", "100", "--weeks", "2", "--out", str(big)).exit_code == 0
    command = [sys.executable, "-c", "from roster.cli import main; main()", "sweep"]
    args = [str(week), str(big), "--out", str(tmp_path / "out"), "--jobs", "1"]
    # the big instance gets 600 s: it is still being solved when Ctrl-C comes
    sweep = subprocess.Popen(
        [*command, *args, "--time-limit", "600", "--workers", "1"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert sweep.stderr is not None
    lines = []
    for line in sweep.stderr:
        lines.append(line)
        if line.startswith("[1/2]"):
            break
    os.killpg(sweep.pid, signal.SIGINT)  # as a terminal's Ctrl-C does: the whole group
    _, err = sweep.communicate(timeout=120)
    assert sweep.returncode == 130, "".join(lines) + err
    assert "Interrupted: run again with --resume" in err
    rows = by_name(tmp_path / "out")
    assert {n: r["status"] for n, r in rows.items()} == {"week": "OPTIMAL", "big": "CANCELLED"}
    assert not (tmp_path / "out" / "big").exists()
    assert "| big | CANCELLED |" in (tmp_path / "out" / "comparison.md").read_text()


def test_the_sweep_says_how_to_install_ray_when_it_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    inst = three_days(tmp_path / "week")
    result = CliRunner().invoke(main, ["sweep", str(inst), "--out", str(tmp_path / "o"), "--ray"])
    assert result.exit_code == 2
    assert "error: Ray is not installed. Install the optional extra: pip install -e '.[ray]'" in (
        result.output
    )
    assert not (tmp_path / "o").exists()
    result = CliRunner().invoke(main, ["sweep", "--ray", str(inst), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "is a file or folder, not a Ray address" in result.output


# --- Ray --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[Any]:
    """A local Ray of 2 CPUs for this module's tests. Skipped without Ray, except on CI, where
    `.ci/run` installs the extra and the test must run."""
    if os.environ.get("CI") == "true":
        import ray
    else:
        ray = pytest.importorskip("ray", reason="pip install -e '.[ray]' to run the Ray tests")
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="WARNING")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def sample_sweep(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HKSH sample over a 2 x 2 grid of fairness and continuity weights, local processes."""
    out = tmp_path_factory.mktemp("sweep") / "processes"
    result = run("sweep", str(SAMPLE), "--out", str(out), *GRID, *FAST, "--jobs", "2")
    assert result.exit_code == 0, result.output
    return out


def test_ray_gives_the_same_rosters_as_local_processes(
    ray_cluster: Any, sample_sweep: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ray"
    result = run("sweep", str(SAMPLE), "--out", str(out), *GRID, *FAST, "--ray")
    assert result.exit_code == 0, result.output
    assert "4 runs on Ray" in result.output
    local, remote = by_name(sample_sweep), by_name(out)
    assert sorted(local) == sorted(remote) == sorted(GRID_RUNS)
    for name in GRID_RUNS:
        assert remote[name]["status"] == local[name]["status"] == "OPTIMAL"
        assert remote[name]["objective"] == local[name]["objective"]
        assert remote[name]["figures"] == local[name]["figures"]
        ours = (out / name / "roster.csv").read_bytes()
        assert ours == (sample_sweep / name / "roster.csv").read_bytes(), name
    # the fairness weight scales the fairness penalty; continuity is met in full when weighed
    objectives = {n: r["objective_by_rule"] for n, r in local.items()}
    fair1 = objectives["fairness.weight=1,continuity.weight=5"]["fairness"]
    assert objectives["fairness.weight=10,continuity.weight=5"]["fairness"] == 10 * fair1
    assert local["fairness.weight=1,continuity.weight=5"]["figures"]["continuity_breaks"] == 0


def test_a_dying_worker_is_one_failed_task_on_ray(ray_cluster: Any) -> None:
    tasks = [signal.SIGWINCH, signal.SIGKILL, signal.SIGWINCH]
    results = dict(RayRunner().run(signal.raise_signal, tasks, 1))
    assert results[0] is None and results[2] is None
    failed = results[1]
    assert isinstance(failed, TaskFailed) and failed.message.startswith("the Ray worker died")


def test_ray_says_when_no_node_has_the_cpus_a_task_asks_for(ray_cluster: Any) -> None:
    from roster.app.runners import RunnerError

    with pytest.raises(RunnerError, match="asks for 3 CPUs .* the largest Ray node has 2"):
        list(RayRunner().run(abs, [1], 3))


def test_bench_curtois_on_ray(ray_cluster: Any, tmp_path: Path) -> None:
    path = tiny(tmp_path)  # its hand-worked optimum is 3
    args = ["bench", "curtois", str(path), "--time-limit", "20", "--workers", "1"]
    local = run(*args, "--out", str(tmp_path / "local"))
    assert local.exit_code == 0, local.output
    on_ray = run(*args, "--out", str(tmp_path / "ray"), "--ray")
    assert on_ray.exit_code == 0, on_ray.output
    solution = (tmp_path / "ray" / "Tiny.csv").read_text()
    assert solution == (tmp_path / "local" / "Tiny.csv").read_text()
    with (tmp_path / "ray" / "results.csv").open() as f:
        row = next(csv.DictReader(f))
    assert (row["instance"], row["objective"], row["status"]) == ("Tiny", "3", "OPTIMAL")


# --- the sweep page ---------------------------------------------------------------------------


def test_the_sweep_page_names_and_marks_every_run(sample_sweep: Path, tmp_path: Path) -> None:
    page = tmp_path / "sweep.html"
    args = ["report", "--sweep", str(sample_sweep), "--to", str(page), "--y", "continuity_breaks"]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "(4 runs, 4 plotted; no network needed" in result.output
    text = page.read_text()
    figures = json.loads(
        re.search(r'id="figures">(.*?)</script>', text, re.S).group(1)  # type: ignore[union-attr]
    )
    traces = figures[CHART]["data"]
    pareto_names = sorted(n for n, r in by_name(sample_sweep).items() if r["pareto"])
    labels = [[t.replace("<br>", ",") for t in trace["text"]] for trace in traces]
    assert sorted(labels[1]) == pareto_names and pareto_names
    assert sorted(labels[0] + labels[1]) == sorted(GRID_RUNS)
    bad = run("report", "--sweep", str(sample_sweep), "--x", "happiness")
    assert bad.exit_code == 2 and "unknown figure 'happiness'" in bad.output
    neither = run("report")
    assert neither.exit_code == 2 and "give either OUT_DIR" in neither.output


@pytest.mark.skipif(BROWSER is None, reason="chromium is not on PATH (apt-get install chromium)")
def test_the_sweep_page_renders_in_chromium(sample_sweep: Path, tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    shutil.copytree(sample_sweep, folder)
    assert run("report", "--sweep", str(folder)).exit_code == 0
    dom = chromium(tmp_path / "profile", "--dump-dom", (folder / "sweep.html").as_uri())
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None, dom[:2000]
    errors = re.search(r'<pre id="script-errors"[^>]*>(.*?)</pre>', dom, re.S)
    assert errors is not None and errors.group(1) == "", errors and errors.group(1)
    assert 'data-rendered="ok"' in body.group(0) and 'data-errors="0"' in body.group(0)
    for sid, title in SECTIONS:
        assert re.search(rf'<section id="{sid}"><h2>{title}</h2>', dom), sid
    drawn = re.search(
        rf'<div id="{CHART}" class="[^"]*js-plotly-plot[^"]*".*?class="main-svg"', dom, re.S
    )
    assert drawn
    # each point's label is drawn as text in the SVG, a setting a line
    labels = re.findall(r'<g class="textpoint"[^>]*><text[^>]*data-unformatted="([^"]*)"', dom)
    assert sorted(label.replace("&lt;br&gt;", ",") for label in labels) == sorted(GRID_RUNS)
