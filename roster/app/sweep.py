"""Sweeps: many variants of an instance, each solved apart, and one table of how they trade off.

A sweep's runs are its sources (instance folders or workbooks, and scenario files) times every
combination of its grid's values (``rules.fairness.weight=1,4,16``); each run is named by its
settings and written to a folder of that name. The runs go to a runner (local processes, or Ray);
the results come back here, where the files are written, so the machines that solve need no shared
disk. A run that fails (a bad setting, no roster, a worker that died) is a row with its status and
message; on Ctrl-C the runs not yet finished are cancelled and the table of the others is still
written; with ``resume`` a run whose folder already holds a finished summary of the same input and
settings is not solved again.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from roster.app.compare import FIGURES, comparison, key_figures, pareto
from roster.app.runners import Runner, TaskFailed
from roster.app.solving import Outcome, engine_settings, solve_instance, summary
from roster.domain.io import InputError, instance_hash, json_bytes, load_instance, write_outputs
from roster.domain.scenario import apply_changes, load_scenario, scenario_hash, scenario_name
from roster.domain.solved import FolderError, Solved, load_solved
from roster.domain.tables import Instance
from solver.engine.params import SolveParams

SOLVED = ("OPTIMAL", "FEASIBLE")
"""Statuses of a run with a roster. The others: INFEASIBLE, UNKNOWN (no roster in time), INVALID
(the scenario or a setting is not valid), FAILED (the task raised or its worker died), CANCELLED
(stopped by Ctrl-C before it finished)."""

Render = Callable[[Instance, Outcome, dict[str, Any]], dict[str, bytes]]
"""The files of a solved run, by name (``roster.outputs.files.output_files``)."""

Axis = tuple[str, tuple[Any, ...]]


@dataclass(frozen=True)
class Source:
    """An instance (folder or workbook) or a scenario file a sweep starts from."""

    path: str
    name: str
    scenario: bool

    @classmethod
    def of(cls, path: str) -> Source:
        p = Path(path)
        if p.suffix.lower() in (".yaml", ".yml"):
            return cls(path, scenario_name(p), True)
        return cls(path, p.stem if p.suffix else (p.name or p.resolve().name), False)


@dataclass(frozen=True)
class Run:
    """One run of a sweep: a source and the grid's value of each key."""

    name: str
    source: Source
    settings: tuple[tuple[str, Any], ...] = ()


def parse_axis(text: str) -> Axis:
    """``KEY=V1,V2,...`` as (key, values); each value is read as YAML, as with --set."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not raw.strip():
        raise ValueError(f"expected KEY=VALUE1,VALUE2,..., got '{text}'")
    try:
        values = yaml.safe_load(f"[{raw}]")
    except yaml.YAMLError:
        raise ValueError(f"'{raw}' is not a comma-separated list of values") from None
    repeated = [v for i, v in enumerate(values) if v in values[:i]]
    if repeated:
        raise ValueError(f"'{key}' lists {repeated[0]!r} more than once")
    return key, tuple(values)


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "+".join(_text(v) for v in value)
    return str(value)


def run_name(parts: Sequence[str]) -> str:
    """A folder name from the source's name and the settings: letters, digits and ``._=,+-``."""
    return re.sub(r"[^\w.=,+-]", "-", ",".join(parts))


def expand(sources: Sequence[Source], axes: Sequence[Axis]) -> list[Run]:
    """Every source with every combination of the axes' values, in order (the last axis varies
    fastest). A run is named by its settings (``rules.`` left out), after its source's name unless
    the sweep is one instance's grid."""
    keys = [k for k, _ in axes]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ValueError(f"--grid gives {', '.join(twice)} more than once")
    with_source = len(sources) > 1 or any(s.scenario for s in sources) or not axes
    runs = []
    for source in sources:
        for combo in itertools.product(*(values for _, values in axes)):
            settings = tuple(zip(keys, combo, strict=True))
            parts = [f"{k.removeprefix('rules.')}={_text(v)}" for k, v in settings]
            runs.append(
                Run(run_name([source.name, *parts] if with_source else parts), source, settings)
            )
    names = [r.name for r in runs]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ValueError(
            f"two runs would share the folder {clash[0]}: give the scenarios different names"
        )
    return runs


# --- one run, in a worker ---------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """What a worker needs to solve one run: everything in memory, nothing read from disk."""

    name: str
    instance: Instance
    engine: SolveParams
    input_hash: str
    settings: dict[str, Any]  # as summary.json records them
    render: Render


@dataclass(frozen=True)
class Solution:
    status: str
    message: str
    objective: int | None
    seconds: float
    files: dict[str, bytes] | None  # None without a roster


def solve_job(job: Job) -> Solution:
    """Solve one run and return its files (the caller writes them)."""
    t0 = time.perf_counter()
    outcome = solve_instance(job.instance, job.engine)
    result = outcome.result
    status = result.status.value
    if outcome.cover_gaps:
        gaps = "; ".join(
            f"{g.session} needs {g.minimum} {g.role}, {g.eligible} eligible, "
            f"{g.available} of them available"
            for g in outcome.cover_gaps[:3]
        )
        more = len(outcome.cover_gaps) - 3
        message = "sessions need more clinicians than are eligible and available: " + gaps
        return Solution(status, message + (f"; {more} more" if more > 0 else ""), None, 0.0, None)
    if status == "INFEASIBLE":
        message = "the hard rules cannot all hold (`roster explain` says why)"
        return Solution(status, message, None, time.perf_counter() - t0, None)
    if not result.status.has_solution:
        message = f"no roster within {job.engine.time_limit:g} s"
        return Solution(status, message, None, time.perf_counter() - t0, None)
    data = summary(outcome, job.engine, job.input_hash, job.instance)
    data["settings"] = dict(job.settings)
    files = job.render(job.instance, outcome, data)
    return Solution(status, "", result.objective, time.perf_counter() - t0, files)


# --- the sweep, in the caller -----------------------------------------------------------------


@dataclass
class Row:
    """What became of one run."""

    run: Run
    status: str
    message: str = ""
    objective: int | None = None
    seconds: float | None = None
    resumed: bool = False


@dataclass
class SweepOutcome:
    rows: list[Row]
    table: dict[str, Any]
    interrupted: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def run_settings(run: Run, engine: SolveParams) -> dict[str, Any]:
    """The settings a run's summary.json records: the engine's, the scenario file, the grid's."""
    settings = engine_settings(engine)
    if run.source.scenario:
        settings["scenario"] = Path(run.source.path).name
    settings["overrides"] = dict(run.settings)
    return settings


def _source_hash(source: Source) -> str:
    if source.scenario:
        return scenario_hash(source.path)
    try:
        return instance_hash(source.path)
    except OSError:
        return ""  # a missing instance fails when it is loaded, with its own message


def _finished(folder: Path, input_hash: str, settings: dict[str, Any]) -> dict[str, Any] | None:
    """The summary in ``folder`` when it is of a roster of this input and these settings."""
    try:
        data = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (
        isinstance(data, dict)
        and data.get("status") in SOLVED
        and data.get("input_hash") == input_hash
        and data.get("settings") == json.loads(json.dumps(settings, default=str))
    )
    return data if same else None


class _Instances:
    """Each source read once; a run's instance is its source's with the grid's settings."""

    def __init__(self) -> None:
        self.bases: dict[str, Instance | InputError] = {}

    def of(self, run: Run) -> Instance:
        path = run.source.path
        if path not in self.bases:
            try:
                if run.source.scenario:
                    self.bases[path] = load_scenario(path)[1]
                else:
                    self.bases[path] = load_instance(path)
            except InputError as err:
                self.bases[path] = err
        base = self.bases[path]
        if isinstance(base, InputError):
            raise base
        if not run.settings:
            return base
        return apply_changes(base, {"set": dict(run.settings)}, "--grid")


def run_sweep(
    runs: Sequence[Run],
    out_dir: str | Path,
    engine: SolveParams,
    runner: Runner,
    render: Render,
    *,
    resume: bool = False,
    on_row: Callable[[Row, int, int], None] | None = None,
) -> SweepOutcome:
    """Solve the runs on the runner, write each solved run to ``out_dir/<name>/`` as it comes
    back, and write ``comparison.md`` and ``comparison.json`` (also after Ctrl-C)."""
    out = Path(out_dir)
    rows: dict[int, Row] = {}

    def done(i: int, row: Row) -> None:
        rows[i] = row
        if on_row is not None:
            on_row(row, len(rows), len(runs))

    instances = _Instances()
    hashes: dict[str, str] = {}
    jobs: list[Job] = []
    index: list[int] = []
    for i, run in enumerate(runs):
        settings = run_settings(run, engine)
        path = run.source.path
        if path not in hashes:
            hashes[path] = _source_hash(run.source)
        input_hash = hashes[path]
        kept = _finished(out / run.name, input_hash, settings) if resume else None
        if kept is not None:
            seconds = kept.get("wall_seconds")
            done(i, Row(run, kept["status"], "", kept.get("objective"), seconds, resumed=True))
            continue
        try:
            instance = instances.of(run)
        except InputError as err:
            done(i, Row(run, "INVALID", "; ".join(str(issue) for issue in err.issues)))
            continue
        jobs.append(Job(run.name, instance, engine, input_hash, settings, render))
        index.append(i)

    interrupted = False
    results = runner.run(solve_job, jobs, engine.workers)
    try:
        for k, result in results:
            i = index[k]
            if isinstance(result, TaskFailed):
                done(i, Row(runs[i], "FAILED", result.message))
                continue
            if result.files is not None:
                write_outputs(out / runs[i].name, result.files)
            done(i, Row(runs[i], result.status, result.message, result.objective, result.seconds))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        results.close()
    for i, run in enumerate(runs):
        if i not in rows:
            rows[i] = Row(run, "CANCELLED", "not finished: the sweep was interrupted")
    ordered = [rows[i] for i in range(len(runs))]
    table = sweep_table(ordered, out)
    write_outputs(
        out,
        {"comparison.md": markdown(table).encode("utf-8"), "comparison.json": json_bytes(table)},
    )
    counts: dict[str, int] = {}
    for row in ordered:
        counts[row.status] = counts.get(row.status, 0) + 1
    return SweepOutcome(ordered, table, interrupted, counts)


def sweep_table(rows: Sequence[Row], out_dir: Path) -> dict[str, Any]:
    """Each run's status, objective and key figures, with the Pareto set marked; and the
    comparison of the solved runs by rule and KPI (as `roster compare` gives it)."""
    solved: dict[str, Solved] = {}
    for row in rows:
        if row.status in SOLVED:
            try:
                solved[row.run.name] = load_solved(out_dir / row.run.name)
            except FolderError as err:
                row.status, row.message = "FAILED", "; ".join(err.lines)
    figures = [
        key_figures(solved[r.run.name].instance, solved[r.run.name].pairs)
        if r.run.name in solved
        else None
        for r in rows
    ]
    marks = pareto(figures, {key: sense for key, _, sense in FIGURES})
    entries = []
    for row, measured, mark in zip(rows, figures, marks, strict=True):
        data = solved[row.run.name].summary if row.run.name in solved else {}
        entries.append(
            {
                "name": row.run.name,
                "source": row.run.source.path,
                "settings": dict(row.run.settings),
                "status": row.status,
                "message": row.message,
                "resumed": row.resumed,
                "objective": data.get("objective", row.objective),
                "wall_seconds": data.get("wall_seconds"),
                "objective_by_rule": data.get("objective_by_rule", {}),
                "figures": measured,
                "pareto": mark,
            }
        )
    compared = comparison(list(solved.values())) if solved else {"runs": [], "rows": {}}
    return {
        "grid": list(dict.fromkeys(k for r in rows for k, _ in r.run.settings)),
        "figures": [
            {"key": key, "label": label, "better": "lower" if sense == "min" else "higher"}
            for key, label, sense in FIGURES
        ],
        "runs": entries,
        "metrics": {"runs": compared["runs"], "rows": compared["rows"]},
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown(table: dict[str, Any]) -> str:
    """The runs as rows: status, objective, key figures, Pareto mark; then the objective by rule."""
    figures = table["figures"]
    head = ["run", "status", "objective", *(f["label"] for f in figures), "Pareto", "note"]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for run in table["runs"]:
        measured = run["figures"] or {}
        note = run["message"] or ("resumed" if run["resumed"] else "")
        cells = [
            run["name"],
            run["status"],
            _cell(run["objective"]),
            *(_cell(measured.get(f["key"])) for f in figures),
            "yes" if run["pareto"] else "",
            _cell(note),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    better = ", ".join(f"{f['better']} {f['label']}" for f in figures)
    lines += [
        "",
        f"Pareto: no other run is at least as good on every key figure ({better}) and better on "
        "one.",
    ]
    solved = [r for r in table["runs"] if r["objective_by_rule"]]
    rules = list(dict.fromkeys(k for r in solved for k in r["objective_by_rule"]))
    if rules:
        lines += ["", "| run | " + " | ".join(rules) + " |", "|---" * (len(rules) + 1) + "|"]
        for r in solved:
            by_rule = r["objective_by_rule"]
            lines.append(
                f"| {r['name']} | " + " | ".join(_cell(by_rule.get(k)) for k in rules) + " |"
            )
    return "\n".join(lines) + "\n"
