"""One self-contained HTML page about a sweep, from its comparison.json.

Sections (each a ``<section>`` with a fixed id): ``summary`` (runs by status, the grid, the Pareto
set's size), ``tradeoff`` (a scatter of two key figures, one point per run with a roster, labelled
by its name, the Pareto set highlighted) and ``runs`` (every run's status, objective and key
figures, failed runs included). Like the roster report, the page inlines plotly.js, sets
``<body data-rendered="ok">`` once its chart is drawn and writes script errors into
``<pre id="script-errors">``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import plotly.graph_objects as go

from roster.outputs.html import page_html

SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("tradeoff", "Trade-off"),
    ("runs", "Runs"),
)
CHART = "chart-tradeoff"
_PARETO, _OTHER = "#C00000", "#8FA3BF"

_STYLE = """
table.runs { border-collapse: collapse; font-size: 13px; width: 100%; }
table.runs th, table.runs td { border: 1px solid #d9e2ec; padding: 4px 6px; text-align: right; }
table.runs th:first-child, table.runs td:first-child { text-align: left; }
table.runs td.note { text-align: left; color: #8a1c1c; }
table.runs thead th { background: #1F3864; color: #fff; position: sticky; top: 0; }
table.runs tr.pareto td { background: #FDECEA; font-weight: 600; }
table.runs tr.failed td { color: #7b8794; }
"""


def figure_labels(table: Mapping[str, Any]) -> dict[str, str]:
    """Key -> label of every figure a page can plot: the key figures and the objective."""
    labels = {f["key"]: f"{f['label']} ({f['better']} is better)" for f in table["figures"]}
    labels["objective"] = "objective (lower is better)"
    return labels


def _value(run: Mapping[str, Any], key: str) -> Any:
    return run["objective"] if key == "objective" else (run["figures"] or {}).get(key)


def _padded(runs: Sequence[Mapping[str, Any]], key: str, share: float) -> list[float] | None:
    """The axis range with room for the labels beside the outermost points."""
    values = [float(_value(r, key)) for r in runs]
    if not values:
        return None
    low, high = min(values), max(values)
    pad = (high - low) * share or 1.0
    return [low - pad, high + pad]


def tradeoff_figure(table: Mapping[str, Any], x: str, y: str) -> go.Figure:
    """One point per run with a roster at (x, y); the Pareto set in red, each point named."""
    labels = figure_labels(table)
    plotted = [r for r in table["runs"] if r["figures"] is not None]
    # neighbours along x take turns above and below their points, so their labels overlap less
    order = sorted(plotted, key=lambda r: (_value(r, x), _value(r, y)))
    above = {r["name"]: i % 2 == 0 for i, r in enumerate(order)}
    fig = go.Figure()
    for name, colour, size, in_set in (
        ("other runs", _OTHER, 10, False),
        ("Pareto set (no run beats it on every figure)", _PARETO, 14, True),
    ):
        runs = [r for r in table["runs"] if r["figures"] is not None and r["pareto"] == in_set]
        hover = [
            "<br>".join(
                [f"<b>{escape(r['name'])}</b>", f"objective {r['objective']:,}"]
                + [f"{f['label']}: {r['figures'][f['key']]}" for f in table["figures"]]
            )
            for r in runs
        ]
        fig.add_trace(
            go.Scatter(
                x=[_value(r, x) for r in runs],
                y=[_value(r, y) for r in runs],
                mode="markers+text",
                name=name,
                text=[r["name"].replace(",", "<br>") for r in runs],
                textposition=["top center" if above[r["name"]] else "bottom center" for r in runs],
                cliponaxis=False,
                textfont={"size": 10, "color": colour},
                marker={"size": size, "color": colour, "line": {"width": 1, "color": "#1f2933"}},
                customdata=hover,
                hovertemplate="%{customdata}<extra></extra>",
            )
        )
    fig.update_layout(
        title=f"{labels[y].split(' (')[0]} against {labels[x].split(' (')[0]}, one point per run",
        xaxis={"title": labels[x], "zeroline": False, "range": _padded(plotted, x, 0.12)},
        yaxis={"title": labels[y], "zeroline": False, "range": _padded(plotted, y, 0.2)},
        height=620,
        margin={"l": 80, "r": 30, "t": 60, "b": 60},
        template="plotly_white",
        legend={"orientation": "h", "y": -0.12},
    )
    return fig


def _summary(table: Mapping[str, Any]) -> str:
    runs: Sequence[Mapping[str, Any]] = table["runs"]
    statuses = Counter(r["status"] for r in runs)
    facts = [("Runs", str(len(runs)))]
    facts += [(status.capitalize(), str(n)) for status, n in statuses.items()]
    facts.append(("In the Pareto set", str(sum(1 for r in runs if r["pareto"]))))
    resumed = sum(1 for r in runs if r["resumed"])
    if resumed:
        facts.append(("Kept from before (--resume)", str(resumed)))
    cards = "".join(
        f'<div class="fact"><span>{escape(k)}</span><b>{escape(v)}</b></div>' for k, v in facts
    )
    grid = ", ".join(escape(k) for k in table["grid"]) or "none (scenario files only)"
    return f'<div class="facts">{cards}</div><p class="muted">Grid: {grid}.</p>'


def _runs_table(table: Mapping[str, Any]) -> str:
    figures = table["figures"]
    head = ["Run", "Status", "Objective", *(f["label"] for f in figures), "Pareto", "Note"]
    rows = []
    for r in table["runs"]:
        measured = r["figures"] or {}
        cls = "pareto" if r["pareto"] else ("" if r["figures"] is not None else "failed")
        objective = "" if r["objective"] is None else f"{r['objective']:,}"
        note = r["message"] or ("kept from before" if r["resumed"] else "")
        cells = [
            escape(r["name"]),
            escape(r["status"]),
            objective,
            *(escape(str(measured.get(f["key"], ""))) for f in figures),
            "yes" if r["pareto"] else "",
        ]
        rows.append(
            f'<tr class="{cls}">'
            + "".join(f"<td>{c}</td>" for c in cells)
            + f'<td class="note">{escape(note)}</td></tr>'
        )
    return (
        '<table class="runs"><thead><tr>'
        + "".join(f"<th>{escape(h)}</th>" for h in head)
        + f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def sweep_html(table: Mapping[str, Any], x: str, y: str, title: str = "Sweep") -> str:
    """The page for a sweep's comparison table, plotting figure ``y`` against figure ``x``."""
    labels = figure_labels(table)
    for key in (x, y):
        if key not in labels:
            raise ValueError(f"unknown figure '{key}' (known: {', '.join(labels)})")
    bodies = {
        "summary": _summary(table),
        "tradeoff": f'<div id="{CHART}" class="chart"></div>',
        "runs": _runs_table(table),
    }
    sections = [(sid, label, bodies[sid]) for sid, label in SECTIONS]
    return page_html(title, sections, {CHART: tradeoff_figure(table, x, y)}, _STYLE)
