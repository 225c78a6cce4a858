"""Rules about people's wishes and fairness: requests, fair sharing, site changes, continuity."""

from __future__ import annotations

from collections import defaultdict

from ortools.sat.python import cp_model

from solver.model.params import ContinuityParams, FairnessParams, RequestsParams, SiteChangesParams
from solver.model.problem import ProblemData
from solver.model.variables import Term, Variables


def add_requests(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: RequestsParams
) -> list[Term]:
    """want: weight if no matching session is assigned; avoid: weight per matching assignment."""
    terms: list[Term] = []
    for i, r in enumerate(problem.requests):
        xs = [v.x[(r.clinician, s)] for s in r.sessions if (r.clinician, s) in v.x]
        w = params.weight * r.weight
        if r.want:
            missed = model.new_bool_var(f"request_missed[{i}]")
            model.add_bool_or([*xs, missed])
            terms.append((w, missed))
        else:
            terms += [(w, x) for x in xs]
    return terms


def add_fairness(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: FairnessParams
) -> list[Term]:
    """Per kind and role: weight * (max - min) of such sessions over the clinicians who could take
    one, each counting those worked in the window before the horizon (ClinicianData.prior) when
    the rule has window_weeks."""
    terms: list[Term] = []
    for kind in params.kinds:

        def is_kind(s: int, kind: str = kind) -> bool:
            session = problem.sessions[s]
            if kind == "evening":
                return session.evening
            return session.holiday if kind == "holiday" else session.weekend

        groups: dict[int, list[tuple[int, list[cp_model.IntVar]]]] = defaultdict(list)
        for c, items in enumerate(v.by_clinician):
            xs = [x for s, x in items if is_kind(s) and (c, s) not in problem.unavailable]
            if xs:
                prior = problem.clinicians[c].prior(kind) if params.window_weeks else 0
                groups[problem.clinicians[c].role].append((prior, xs))
        for role, counts in sorted(groups.items()):
            if len(counts) < 2:
                continue
            top = max(prior + len(xs) for prior, xs in counts)
            hi = model.new_int_var(0, top, f"fair_max[{kind},{role}]")
            lo = model.new_int_var(0, top, f"fair_min[{kind},{role}]")
            for prior, xs in counts:
                model.add(hi >= cp_model.LinearExpr.sum(xs) + prior)
                model.add(lo <= cp_model.LinearExpr.sum(xs) + prior)
            spread = model.new_int_var(0, top, f"fair_spread[{kind},{role}]")
            model.add(spread == hi - lo)
            terms.append((params.weight, spread))
    return terms


def add_site_changes(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: SiteChangesParams
) -> list[Term]:
    """Per clinician and day worked: distinct sites - 1 = sum_site used[site] - worked."""
    terms: list[Term] = []
    for c, items in enumerate(v.by_clinician):
        by_day: dict[int, dict[int, list[cp_model.IntVar]]] = defaultdict(lambda: defaultdict(list))
        for s, x in items:
            session = problem.sessions[s]
            by_day[session.day][session.site].append(x)
        for day, sites in sorted(by_day.items()):
            if len(sites) < 2:
                continue
            changes = model.new_int_var(0, len(sites) - 1, f"site_changes[{c},{day}]")
            used = []
            for site, xs in sorted(sites.items()):
                u = model.new_bool_var(f"site_used[{c},{day},{site}]")
                for x in xs:
                    model.add_implication(x, u)
                used.append(u)
            worked = model.new_bool_var(f"worked[{c},{day}]")
            model.add(worked <= cp_model.LinearExpr.sum([x for xs in sites.values() for x in xs]))
            model.add(changes >= cp_model.LinearExpr.sum(used) - worked)
            terms.append((params.weight, changes))
    return terms


def add_continuity(
    model: cp_model.CpModel, problem: ProblemData, v: Variables, params: ContinuityParams
) -> list[Term]:
    """Per series: distinct clinicians in it - the largest headcount of one of its sessions."""
    terms: list[Term] = []
    series: dict[int, list[int]] = defaultdict(list)
    for s, session in enumerate(problem.sessions):
        if session.series >= 0:
            series[session.series].append(s)
    for k, members in sorted(series.items()):
        people: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for s in members:
            for c, x in v.by_session[s]:
                people[c].append(x)
        if not people:
            continue
        heads = []
        for s in members:
            head = model.new_int_var(0, len(v.by_session[s]), f"series_head[{k},{s}]")
            model.add(head == cp_model.LinearExpr.sum([x for _, x in v.by_session[s]]))
            heads.append(head)
        largest = model.new_int_var(0, len(people), f"series_largest[{k}]")
        model.add_max_equality(largest, heads)
        used = []
        for c, xs in sorted(people.items()):
            u = model.new_bool_var(f"series_used[{k},{c}]")
            for x in xs:
                model.add_implication(x, u)
            used.append(u)
        extra = model.new_int_var(0, len(people), f"continuity[{k}]")
        model.add(extra >= cp_model.LinearExpr.sum(used) - largest)
        terms.append((params.weight, extra))
    return terms
