"""One self-contained HTML page about a solved roster, for a head of department.

Sections (each a ``<section>`` with a fixed id): ``summary`` (solve status, objective, bound, gap
and the key figures), ``objective`` (the objective by rule), ``cover`` (a heatmap of the shortfall
below the preferred headcount, by date and time), ``allocation`` (each clinician's sessions by
activity against their targets), ``sites`` (the roster as a calendar grid per site) and
``clinicians`` (the roster as a calendar grid per clinician).

The charts are Plotly figures; plotly.js is inlined, so the page needs no network. The page's own
script draws every chart, then sets ``<body data-rendered="ok">``; any script error is written into
``<pre id="script-errors">`` (shown when not empty), which the browser test reads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from roster.domain.tables import Instance
from roster.outputs.xlsx import (
    AWAY,
    BELOW_MIN,
    BELOW_PREFERRED,
    PERIODS,
    Cover,
    activity_colours,
    allocation_rows,
    away,
    dates,
    session_cover,
    short_of_target,
    slot_label,
    slots,
    soft_rules,
    timetable,
)

SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Summary"),
    ("objective", "Objective by rule"),
    ("cover", "Cover"),
    ("allocation", "Allocation"),
    ("sites", "Sites"),
    ("clinicians", "Clinicians"),
)
CHARTS: tuple[str, ...] = ("chart-objective", "chart-cover", "chart-allocation")
_RED, _AMBER, _GREEN = "#C00000", "#E0A800", "#2E7D32"


def _day(day: dt.date) -> str:
    return f"{day:%a %d %b}"


# --- figures --------------------------------------------------------------------------------------


def objective_figure(instance: Instance, summary: Mapping[str, Any]) -> go.Figure:
    by_rule: Mapping[str, int] = summary.get("objective_by_rule") or {}
    kinds = [kind for kind, hard, _ in soft_rules(instance) if not hard]
    kinds += [k for k in by_rule if k not in kinds]
    values = [by_rule.get(k, 0) for k in kinds]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=kinds,
            orientation="h",
            text=[f"{v:,}" for v in values],
            textposition="outside",
            cliponaxis=False,
            marker_color="#4472C4",
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_layout(
        title=f"Objective {summary.get('objective', 0):,} by soft rule",
        height=140 + 34 * max(1, len(kinds)),
        margin={"l": 150, "r": 30, "t": 50, "b": 40},
        yaxis={"autorange": "reversed"},
        xaxis={"title": "penalty", "rangemode": "tozero"},
        template="plotly_white",
    )
    return fig


def cover_figure(instance: Instance, cover: Mapping[str, Cover]) -> go.Figure:
    """Dates across, session times down; colour: headcount short of preferred, all sites."""
    days = dates(instance)
    rows = slots(instance.sessions)
    short: dict[tuple[dt.date, tuple[dt.time, dt.time]], int] = defaultdict(int)
    notes: dict[tuple[dt.date, tuple[dt.time, dt.time]], list[str]] = defaultdict(list)
    for c in cover.values():
        key = (c.session.date, (c.session.start, c.session.end))
        short[key] += c.short_preferred
        people = len(c.people)
        line = f"{c.session.id} ({c.session.site}): {people} on it"
        notes[key].append(line + "".join(f"; {n}" for n in c.notes))
    z = [[short[(d, s)] if (d, s) in notes else None for d in days] for s in rows]
    text = [[str(short[(d, s)]) if (d, s) in notes else "" for d in days] for s in rows]
    hover = [["<br>".join(notes.get((d, s), ["no session"])) for d in days] for s in rows]
    top = max([1, *short.values()])
    fig = go.Figure(
        go.Heatmap(
            x=[_day(d) for d in days],
            y=[slot_label(s) for s in rows],
            z=z,
            text=text,
            texttemplate="%{text}",
            customdata=hover,
            hovertemplate="%{x} %{y}<br>short of preferred: %{z}<br>%{customdata}<extra></extra>",
            colorscale=[[0.0, "#E2F0D9"], [1e-6, "#FFEB9C"], [1.0, _RED]],
            zmin=0,
            zmax=top,
            xgap=2,
            ygap=2,
            colorbar={"title": {"text": "short"}},
        )
    )
    fig.update_layout(
        title="Headcount short of preferred, by date and session time (all sites)",
        height=160 + 36 * max(1, len(rows)),
        margin={"l": 110, "r": 30, "t": 50, "b": 50},
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis={"type": "category"},
        template="plotly_white",
    )
    return fig


def allocation_summary(
    instance: Instance, pairs: Iterable[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Per clinician and activity over the horizon: assigned, target in sessions (None if no
    target), and 'bounds' / 'short' / 'ok' from every week and horizon allocation row."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in allocation_rows(instance, pairs):
        grouped[(row["clinician"], row["activity"])].append(row)
    out = []
    for (clinician, activity), rows in grouped.items():
        # clinicians.csv has no horizon row for an activity with no sessions and no horizon target
        horizon = next((r for r in rows if r["period"] == "horizon"), None)
        weeks = [r for r in rows if r["period"] != "horizon"]
        if horizon is not None and horizon["target"] != "":
            target: float | None = horizon["target_sessions"]
        elif any(r["target"] != "" for r in weeks):
            target = round(sum(r["target_sessions"] or 0 for r in weeks), 1)
        else:
            target = None
        if any(r["status"] in ("below min", "above max") for r in rows):
            state = "bounds"
        elif any(short_of_target(r) for r in rows):
            state = "short"
        else:
            state = "ok"
        details = [
            f"{r['period']}: {r['assigned']} of {r['all_sessions']}"
            + (f", target {r['target']}" if r["target"] != "" else "")
            + (f", min {r['min']}" if r["min"] != "" else "")
            + (f", max {r['max']}" if r["max"] != "" else "")
            + (f" ({r['unit']})" if r["unit"] else "")
            + (f": {r['status']}" if r["status"] else "")
            for r in rows
            if r["unit"] or r["period"] == "horizon"
        ]
        out.append(
            {
                "clinician": clinician,
                "activity": activity,
                "assigned": 0 if horizon is None else horizon["assigned"],
                "target": target,
                "state": state,
                "details": details,
            }
        )
    return out


def allocation_figure(instance: Instance, pairs: Sequence[tuple[str, str]]) -> go.Figure:
    """A panel per activity: each clinician's sessions over the horizon, the target as a tick."""
    colours = activity_colours(instance.activities())
    rows = allocation_summary(instance, pairs)
    activities = [a for a in colours if any(r["activity"] == a for r in rows)] or ["clinical"]
    label = {c.id: f"{c.name} ({c.id})" for c in instance.clinicians}
    order = [label[c.id] for c in instance.clinicians]
    fig = make_subplots(
        rows=1,
        cols=len(activities),
        shared_yaxes=True,
        subplot_titles=activities,
        horizontal_spacing=0.04,
    )
    shown_target = False
    for col, activity in enumerate(activities, 1):
        mine = {r["clinician"]: r for r in rows if r["activity"] == activity}
        ys = [label[c.id] for c in instance.clinicians]
        xs = [mine[c.id]["assigned"] if c.id in mine else 0 for c in instance.clinicians]
        strong = "#" + colours.get(activity, ("4472C4", ""))[0]
        bar_colours = [
            {"bounds": _RED, "short": _AMBER}.get(mine[c.id]["state"], strong)
            if c.id in mine
            else strong
            for c in instance.clinicians
        ]
        hover = [
            "<br>".join(mine[c.id]["details"]) if c.id in mine else "no sessions"
            for c in instance.clinicians
        ]
        fig.add_trace(
            go.Bar(
                x=xs,
                y=ys,
                orientation="h",
                marker_color=bar_colours,
                name=activity,
                customdata=hover,
                showlegend=False,
                hovertemplate="%{y}<br>" + activity + ": %{x}<br>%{customdata}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        targets = [(label[c], r["target"]) for c, r in mine.items() if r["target"] is not None]
        if targets:
            fig.add_trace(
                go.Scatter(
                    x=[t for _, t in targets],
                    y=[y for y, _ in targets],
                    mode="markers",
                    marker={"symbol": "line-ns", "size": 16, "line": {"width": 3, "color": "#000"}},
                    name="target",
                    showlegend=not shown_target,
                    legendgroup="target",
                    hovertemplate="%{y}<br>target %{x}<extra></extra>",
                ),
                row=1,
                col=col,
            )
            shown_target = True
        fig.update_xaxes(title_text="sessions", rangemode="tozero", row=1, col=col)
    # a fixed range: autorange pads a category axis for the target markers
    fig.update_yaxes(categoryorder="array", categoryarray=order, range=[len(order) - 0.5, -0.5])
    fig.update_layout(
        title="Sessions over the horizon by activity (bar) against target (tick); "
        "amber: short of target, red: outside the hard bounds",
        height=170 + 26 * max(1, len(order)),
        margin={"l": 200, "r": 30, "t": 80, "b": 50},
        barmode="overlay",
        template="plotly_white",
        legend={"orientation": "h", "y": -0.05 if len(order) > 10 else -0.25},
    )
    return fig


# --- tables ---------------------------------------------------------------------------------------


def _site_grids(instance: Instance, cover: Mapping[str, Cover]) -> str:
    names = instance.clinician_by_id
    colours = activity_colours(instance.activities())
    weeks = [dates(instance)[i : i + 7] for i in range(0, instance.rules.horizon.days, 7)]
    parts = []
    for site in instance.sites:
        here = [s for s in instance.sessions if s.site == site.id]
        parts.append(
            f'<h3 id="site-{escape(site.id)}">{escape(site.name)} ({escape(site.id)})</h3>'
        )
        if not here:
            parts.append('<p class="muted">No sessions at this site.</p>')
            continue
        for w, week in enumerate(weeks):
            week_slots = slots(s for s in here if s.date in week)
            if not week_slots:
                continue
            head = "".join(f"<th>{_day(d)}</th>" for d in week)
            body = []
            for slot in week_slots:
                cells = []
                for day in week:
                    on = sorted(
                        (s for s in here if s.date == day and (s.start, s.end) == slot),
                        key=lambda s: s.id,
                    )
                    cls = ""
                    blocks = []
                    for s in on:
                        c = cover[s.id]
                        if c.short_min:
                            cls = "short-min"
                        elif c.short_preferred and cls != "short-min":
                            cls = "short-pref"
                        people = "<br>".join(escape(names[p].name) for p in c.people) or "nobody"
                        notes = "".join(f'<div class="note">{escape(n)}</div>' for n in c.notes)
                        what = escape(s.activity + (f", {s.specialty}" if s.specialty else ""))
                        colour = colours[s.activity][0]
                        blocks.append(
                            f'<div class="sess" style="border-left-color:#{colour}">'
                            f'<b>{escape(s.id)}</b> <span class="muted">{what}</span>'
                            f"<div>{people}</div>{notes}</div>"
                        )
                    cells.append(f'<td class="{cls}">{"".join(blocks)}</td>')
                body.append(f"<tr><th>{slot_label(slot)}</th>{''.join(cells)}</tr>")
            parts.append(
                f'<table class="grid"><caption>Week {w + 1}</caption>'
                f"<thead><tr><th>Time</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            )
    return "\n".join(parts)


def _clinician_grids(instance: Instance, pairs: Sequence[tuple[str, str]]) -> str:
    colours = activity_colours(instance.activities())
    table = timetable(instance, pairs)
    weeks = [dates(instance)[i : i + 7] for i in range(0, instance.rules.horizon.days, 7)]
    parts = []
    for w, week in enumerate(weeks):
        head = "".join(f"<th>{_day(d)}</th>" for d in week)
        body = []
        for clin in instance.clinicians:
            cells = []
            for day in week:
                chips = []
                reasons = {
                    p: away(instance, clin.id, day, p)
                    for p in PERIODS
                    if not table.get((clin.id, day, p))
                }
                whole_day = len(reasons) == len(PERIODS) and len(set(reasons.values())) == 1
                if whole_day and reasons["am"] is not None:
                    chips.append(
                        f'<span class="chip away" style="background:#{AWAY}">'
                        f"{escape(reasons['am'])}</span>"
                    )
                    reasons = {}
                for period in PERIODS:
                    for s in table.get((clin.id, day, period), []):
                        light = colours[s.activity][1]
                        chips.append(
                            f'<span class="chip" style="background:#{light}" '
                            f'title="{escape(s.id)}">{s.start:%H:%M}-{s.end:%H:%M} '
                            f"{escape(s.site)} {escape(s.activity)}</span>"
                        )
                    reason = reasons.get(period)
                    if reason is not None:
                        chips.append(
                            f'<span class="chip away" style="background:#{AWAY}">'
                            f"{period} {escape(reason)}</span>"
                        )
                cells.append(f"<td>{''.join(chips)}</td>")
            body.append(
                f'<tr><th>{escape(clin.name)} <span class="muted">{escape(clin.id)}</span></th>'
                f"{''.join(cells)}</tr>"
            )
        parts.append(
            f'<table class="grid people"><caption>Week {w + 1}</caption>'
            f"<thead><tr><th>Clinician</th>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        )
    legend = "".join(
        f'<span class="chip" style="background:#{light}">{escape(a)}</span>'
        for a, (_, light) in colours.items()
    )
    return (
        f'<p class="legend">{legend}<span class="chip" style="background:#{AWAY}">away</span></p>'
        + ("\n".join(parts))
    )


def _summary(
    instance: Instance,
    summary: Mapping[str, Any],
    cover: Mapping[str, Cover],
    alloc: Sequence[Mapping[str, Any]],
) -> str:
    status = str(summary.get("status", "?"))
    gap = summary.get("gap")
    bound = summary.get("best_bound")
    checker = summary.get("checker") or {}
    facts = [
        ("Status", f'<span class="status {escape(status.lower())}">{escape(status)}</span>'),
        ("Objective", f"{summary.get('objective', 0):,}"),
        (
            "Best bound",
            "n/a"
            if bound is None
            else f"{bound:,.0f} ({escape(str(summary.get('bound_source') or '?'))})",
        ),
        ("Gap", "n/a" if gap is None else f"{gap:.2%}"),
        ("Solve time", f"{summary.get('wall_seconds', 0):.1f} s"),
        ("Assignments", f"{summary.get('assignments', 0):,}"),
        ("Clinicians", f"{len(instance.clinicians):,}"),
        ("Sessions", f"{len(instance.sessions):,}"),
    ]
    below_min = sum(1 for c in cover.values() if c.short_min)
    below_pref = sum(1 for c in cover.values() if c.short_preferred)
    kpis: list[tuple[str, int | str, str]] = [
        ("Sessions below minimum", below_min, _RED if below_min else _GREEN),
        ("Sessions below preferred", below_pref, _AMBER if below_pref else _GREEN),
    ]
    for activity in sorted({r["activity"] for r in alloc if r["target"] is not None}):
        with_target = [r for r in alloc if r["activity"] == activity and r["target"] is not None]
        kept = sum(1 for r in with_target if r["state"] == "ok")
        colour = _GREEN if kept == len(with_target) else _AMBER
        kpis.append(
            (f"{activity.capitalize()} targets kept", f"{kept} of {len(with_target)}", colour)
        )
    broken = sum(1 for r in alloc if r["state"] == "bounds")
    if broken:
        kpis.append(("Allocations outside bounds", broken, _RED))
    cards = "".join(f'<div class="fact"><span>{k}</span><b>{v}</b></div>' for k, v in facts)
    cards += "".join(
        f'<div class="fact" style="border-top-color:{c}"><span>{escape(k)}</span><b>{v}</b></div>'
        for k, v, c in kpis
    )
    if checker:
        n_hard = len(checker.get("hard_violations") or [])
        agrees = n_hard == 0 and checker.get("objective") == summary.get("objective")
        verdict = (
            "The independent checker agrees: no hard violation, same objective."
            if agrees
            else f"The independent checker disagrees: {n_hard} hard violation(s), "
            f"objective {checker.get('objective')}."
        )
    else:
        verdict = "No checker verdict in summary.json."
    h = instance.rules.horizon
    return (
        f'<div class="facts">{cards}</div>'
        f'<p class="muted">Horizon {h.start} to {h.end} ({instance.n_weeks} week(s)). '
        f"{escape(verdict)}</p>"
    )


# --- the page -------------------------------------------------------------------------------------

_STYLE = """
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; }
body { margin: 0; background: #f5f7fa; }
header { background: #1F3864; color: #fff; padding: 14px 28px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header nav a { color: #cfe0ff; margin-right: 16px; text-decoration: none; font-size: 14px; }
main { max-width: 1360px; margin: 0 auto; padding: 8px 24px 40px; }
section { background: #fff; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.12);
  margin: 18px 0; padding: 14px 20px; }
section h2 { margin: 4px 0 12px; font-size: 18px; }
.facts { display: flex; flex-wrap: wrap; gap: 10px; }
.fact { border-top: 4px solid #4472C4; background: #f8fafc; padding: 8px 14px; min-width: 120px; }
.fact span { display: block; font-size: 12px; color: #52606d; }
.fact b { font-size: 20px; }
.status.optimal { color: #2E7D32; } .status.feasible { color: #B26A00; }
.muted { color: #7b8794; font-size: 12px; }
table.grid { border-collapse: collapse; margin: 8px 0 18px; font-size: 12px; width: 100%;
  table-layout: fixed; }
table.grid th:first-child { width: 90px; } table.people th:first-child { width: 190px; }
table.grid caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.grid th, table.grid td { border: 1px solid #d9e2ec; padding: 4px; vertical-align: top; }
table.grid thead th { background: #1F3864; color: #fff; position: sticky; top: 0; }
table.grid tbody th { background: #f0f4f8; text-align: left; white-space: nowrap; }
td.short-min { background: #BELOW_MIN; } td.short-pref { background: #BELOW_PREFERRED; }
.sess { border-left: 4px solid #4472C4; padding-left: 5px; margin-bottom: 4px; }
.note { color: #8a1c1c; font-style: italic; }
.chip { display: inline-block; border-radius: 3px; padding: 1px 5px; margin: 1px 2px 1px 0; }
.chip.away { font-style: italic; }
#script-errors { background: #fde8e8; color: #8a1c1c; padding: 10px; white-space: pre-wrap; }
@media print { header nav { display: none; } section { box-shadow: none; break-inside: avoid; } }
""".replace("BELOW_MIN", BELOW_MIN).replace("BELOW_PREFERRED", BELOW_PREFERRED)

_ERRORS_JS = """
window.rosterErrors = [];
function rosterShowErrors() {
  var el = document.getElementById('script-errors');
  if (el && window.rosterErrors.length) {
    el.textContent = window.rosterErrors.join('\\n');
    el.hidden = false;
  }
  if (document.body) { document.body.dataset.errors = String(window.rosterErrors.length); }
}
function rosterError(message) { window.rosterErrors.push(String(message)); rosterShowErrors(); }
window.addEventListener('error', function (e) { rosterError(e.message || e); });
window.addEventListener('unhandledrejection', function (e) {
  rosterError('unhandled rejection: ' + ((e.reason && e.reason.message) || e.reason));
});
"""

_DRAW_JS = """
(function () {
  var body = document.body;
  if (typeof Plotly === 'undefined') {
    rosterError('plotly.js did not load');
    body.dataset.rendered = 'failed';
    return;
  }
  var figures = JSON.parse(document.getElementById('figures').textContent);
  var config = {displaylogo: false, responsive: true};
  var ids = Object.keys(figures);
  Promise.all(ids.map(function (id) {
    var figure = figures[id];
    return Plotly.newPlot(document.getElementById(id), figure.data, figure.layout, config);
  })).then(function () {
    var missing = ids.filter(function (id) {
      return !document.querySelector('#' + id + ' .main-svg');
    });
    if (missing.length) { rosterError('charts not drawn: ' + missing.join(', ')); }
    rosterShowErrors();
    body.dataset.rendered = window.rosterErrors.length ? 'failed' : 'ok';
  }).catch(function (e) { rosterError(e && e.message || e); body.dataset.rendered = 'failed'; });
})();
"""


def _script_json(data: str) -> str:
    """JSON that is safe inside a <script> element (no '</script>' can close it early)."""
    return data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def report_html(
    instance: Instance, pairs: Iterable[tuple[str, str]], summary: Mapping[str, Any]
) -> str:
    """The whole page as text: the same roster gives the same page."""
    pairs = sorted(set(pairs))
    cover = session_cover(instance, pairs)
    alloc = allocation_summary(instance, pairs)
    figures = {
        "chart-objective": objective_figure(instance, summary),
        "chart-cover": cover_figure(instance, cover),
        "chart-allocation": allocation_figure(instance, pairs),
    }
    h = instance.rules.horizon
    bodies = {
        "summary": _summary(instance, summary, cover, alloc),
        "objective": '<div id="chart-objective" class="chart"></div>',
        "cover": '<div id="chart-cover" class="chart"></div>',
        "allocation": '<div id="chart-allocation" class="chart"></div>',
        "sites": _site_grids(instance, cover),
        "clinicians": _clinician_grids(instance, pairs),
    }
    sections = [(sid, label, bodies[sid]) for sid, label in SECTIONS]
    return page_html(f"Roster {h.start} to {h.end}", sections, figures)


def page_html(
    title: str,
    sections: Sequence[tuple[str, str, str]],
    figures: Mapping[str, go.Figure],
    style: str = "",
) -> str:
    """A self-contained page: a header linking to each section (id, title, HTML body), plotly.js
    inlined, and each figure drawn into the element of its id; ``style`` adds CSS."""
    figures_json = (
        "{"
        + ",".join(
            f"{json.dumps(k)}:{pio.to_json(fig, validate=True, pretty=False)}"
            for k, fig in figures.items()
        )
        + "}"
    )
    nav = "".join(f'<a href="#{sid}">{label}</a>' for sid, label, _ in sections)
    body = "\n".join(
        f'<section id="{sid}"><h2>{label}</h2>\n{html}\n</section>' for sid, label, html in sections
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_STYLE}{style}</style>
<script>{_ERRORS_JS}</script>
<script>{get_plotlyjs()}</script>
</head>
<body data-rendered="pending">
<header><h1>{escape(title)}</h1><nav>{nav}</nav></header>
<main>
<pre id="script-errors" hidden></pre>
{body}
</main>
<script type="application/json" id="figures">{_script_json(figures_json)}</script>
<script>{_DRAW_JS}</script>
</body>
</html>
"""
