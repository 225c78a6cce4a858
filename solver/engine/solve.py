"""The engine: build the model, run the strategies that apply within the time limit, keep the best
roster and the best bound, and decode the answer.

The pipeline (docs/engine.md):
1. build the CP-SAT model (every rule's builder);
2. where the objective splits by clinician and the polish applies, column generation for a lower
   bound and a first roster (solver.columns); elsewhere the model's linear relaxation beside the
   search, for a bound (solver.engine.bounds);
3. otherwise CP-SAT's first try on the whole model, with the first sweep of the first pass beside
   its presolve and, where the polish applies, the rest of the pass raced against it
   (solver.engine.race), or, where it does not, relayed beside it (solver.engine.relay);
4. when CP-SAT has no roster (or lost the race), the first pass's roster (solver.search.firstpass),
   polished (solver.search.polish), hinted to CP-SAT's last solve in the time left; where the polish
   does not apply, the neighbourhood search (solver.search.lns) from CP-SAT's roster or the pass's
   takes the time left instead;
5. decode: the roster's assignments, and its exact score with every assignment pinned.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from math import inf

from ortools.sat.python import cp_model

from solver.columns.generation import Generated, generate
from solver.engine.bounds import COLUMNS, CP_SAT, LNS, RELAXATION, BestBound, RelaxationBeside
from solver.engine.params import SolveParams
from solver.engine.race import Race, Recorder, first_try
from solver.engine.relay import Relay, cheaper_pass
from solver.model.build import (
    Customize,
    Model,
    Transform,
    build_model,
    hint_complete,
    solve_pinned,
)
from solver.model.cpsat import new_solver
from solver.model.problem import ProblemData
from solver.model.result import Progress, Result, SolveStatus
from solver.model.stop import Stop, solving
from solver.search.firstpass import FirstSweep, first_pass
from solver.search.lns import Handover, objective_of, search
from solver.search.polish import applies, polish


def solve(
    problem: ProblemData,
    params: SolveParams | None = None,
    *,
    hint: Iterable[tuple[str, str]] | None = None,
    fixed: Iterable[tuple[str, str]] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    customize: Customize | None = None,
    transform: Transform | None = None,
    stop: Stop | None = None,
) -> Result:
    """Solve; ``fixed`` pins the roster to exactly these assignments (to score a given roster).

    ``params.time_limit`` counts from the call: building the model takes from it. ``customize``
    adds a run's own constraints and terms while the model is built (a repair's), ``transform``
    changes the built model and returns terms for its objective (a relaxation's). Either, or a
    ``hint`` or ``fixed``, leaves CP-SAT alone on the model: the first pass and the polish do not
    know them. ``stop``, once set (from any thread: Ctrl-C), ends every stage at once; the result
    then holds the best roster found so far (one that keeps every hard rule), if any, and says it
    was interrupted."""
    params = params or SolveParams()
    stop = stop or Stop()
    t0 = time.perf_counter()
    built = build_model(problem, customize)
    if transform is not None:
        built.terms.update(transform(built))
        built.model.minimize(built.objective())
    clin = {c.id: i for i, c in enumerate(problem.clinicians)}
    sess = {s.id: i for i, s in enumerate(problem.sessions)}
    x = built.variables.x
    if fixed is not None:
        chosen = {(clin[c], sess[s]) for c, s in fixed}
        if any(pair not in x for pair in chosen):  # an ineligible pair has no variable
            return Result(SolveStatus.INFEASIBLE, (), None, None, {}, time.perf_counter() - t0, 0.0)
        for pair, var in x.items():
            built.model.add(var == int(pair in chosen))
    if hint is not None:
        hinted = {(clin[c], sess[s]) for c, s in hint if c in clin and s in sess}
        for pair, var in x.items():
            built.model.add_hint(var, int(pair in hinted))
    build_seconds = time.perf_counter() - t0
    deadline = t0 + params.time_limit  # the answer, scored, comes within the limit
    # the time limit covers building the model too: the answer comes within it
    params = dataclasses.replace(params, time_limit=max(1.0, params.time_limit - build_seconds))

    t1 = time.perf_counter()
    own = customize is not None or transform is not None
    fallback = params.first_pass > 0 and hint is None and fixed is None and not own
    polishing = fallback and applies(problem, params.polish)
    # the neighbourhood search on the whole model where the polish does not apply
    neighbourhoods = fallback and not polishing and params.lns.share > 0
    # the linear relaxation's bound, beside the search; where column generation runs, its bound
    # is the tighter (the convex hull of each clinician's rosters)
    beside = (
        RelaxationBeside(built, params.time_limit, params.relaxation, params.seed)
        if params.relaxation.beside and fixed is None and not (polishing and params.columns > 0)
        else None
    )
    generated: Generated | None = None
    best = BestBound()
    solver = new_solver()
    # made before the solve: CP-SAT's first roster starts the neighbourhood search's clock
    handover = Handover(solver, params.lns.share) if neighbourhoods else None
    recorder = Recorder(t1, _both(on_progress, handover))  # every stage's rosters and bounds
    if polishing and params.columns > 0 and not stop.is_set():
        generated, params = _generate(problem, built, params, stop, recorder)
        if generated is not None:
            best.offer(generated.bound, COLUMNS)
    params.apply(solver.parameters)
    t2 = time.perf_counter()
    if handover is not None:
        handover.begin = t2
    sweep: FirstSweep | None = None
    race: Race | None = None
    relay: Relay | None = None  # the race where the neighbourhood search follows
    first_roster: frozenset[tuple[int, int]] = frozenset()
    if generated is not None and generated.roster is not None:
        # the dive's roster keeps every hard rule: it is the answer should no time be left
        code, presolve, first_roster = cp_model.UNKNOWN, 0.0, generated.roster
    else:
        if fallback and params.workers > 1:
            # the first sweep begins beside CP-SAT's presolve, each clinician first given their
            # share of the pass's share of the time limit
            sweep = FirstSweep(problem, 1, params.seed, params.first, params.groups)
            stop.link(sweep.halting)
            each = params.first_pass * params.time_limit / max(1, problem.n_clinicians)
            if polishing:
                race = Race(problem, sweep, params)
            elif neighbourhoods:
                race = relay = Relay(problem, sweep, params, solver, recorder)
        code, tried, presolve = first_try(
            solver,
            built.model,
            recorder,
            params.first_pass if fallback else None,
            None if sweep is None else (sweep, max(0.05, each)),
            race,
            stop,
        )
        best.offer(tried, CP_SAT)
        if handover is not None and handover.stopped and code == cp_model.FEASIBLE:
            # CP-SAT was stopped for the neighbourhood search: from its roster, or the pass's
            # beside it when that is complete and costs less
            limit = max(1.0, min(10.0, params.time_limit / 10))
            cheaper = cheaper_pass(relay, built, solver.objective_value, params.workers, limit)
            solver, code = _search(
                problem, built, params, solver, best, t2, recorder, stop, cheaper
            )
        if race is not None and race.won:
            # CP-SAT's roster is given up: the pass's keeps every hard rule and costs less
            code, first_roster = cp_model.UNKNOWN, race.roster()
    left = params.time_limit - (time.perf_counter() - t2)
    if fallback and code == cp_model.UNKNOWN and left > 1.0 and not stop.is_set():
        # CP-SAT's last solve from the pass's roster is worth its while when it can presolve the
        # model again and search as long again after that
        worth = 2 * presolve
        stage = "first pass"  # who found the roster CP-SAT's last solve starts from
        if generated is not None and generated.roster is not None:
            assignments, complete, stage = generated.roster, True, "columns"
        elif race is not None and (race.won or race.polished is not None):
            # the pass ran beside CP-SAT's try and its complete roster was being polished
            assignments, complete = race.roster(), True
            stage = "first pass" if race.polished is None else "polish"
        else:
            # the first sweep may run on until a few seconds before the deadline to give every
            # clinician a roster: without one the pass's roster breaks their rules and is no answer
            until = left - min(0.1 * left, 10.0)
            budget = params.first_pass * left
            if left - budget < worth and not polishing and not neighbourhoods:
                budget = until  # no time for a last solve: the pass improves to its last moment
            first = first_pass(
                problem,
                budget,
                params.workers,
                params.seed,
                retry_until=until,
                sweep=sweep,
                params=params.first,
                groups=params.groups,
                stop=stop,
                # the neighbourhood search needs a complete roster to start from
                complete_by=until if neighbourhoods else None,
            )
            assignments, complete = first.assignments, first.complete
        left = params.time_limit - (time.perf_counter() - t2)
        settled = (
            generated is not None
            and generated.objective is not None
            and generated.bound is not None
            and generated.objective < generated.bound + 0.5
        )
        if complete and polishing and not settled and not stop.is_set():
            # groups of clinicians re-solved exactly improve the pass's roster faster than
            # CP-SAT's own search from it, up to the time CP-SAT's last solve needs to be worth
            # its while (or to the end when that is not left)
            margin = min(0.1 * left, 10.0)  # the pinned check and the last solve start in it
            room = left - max(worth, margin) if left >= 2 * worth else left - margin / 2
            assignments = polish(
                problem,
                assignments,
                room,
                params.workers,
                params.seed,
                params=params.polish,
                groups=params.groups,
                stop=stop,
            ).assignments
            stage = "polish"
            left = params.time_limit - (time.perf_counter() - t2)
        if complete and left < worth and not neighbourhoods:
            # loading the model again is not cut short by the time limit, and a roster found
            # after the deadline is no answer: the pass's roster keeps every hard rule as it is
            first_roster = assignments
        else:
            check_limit = max(1.0, min(max(10.0, params.time_limit / 10), left))
            checked, scored = hint_complete(built, assignments, params.workers, check_limit, stop)
            if scored is not None:
                recorder.report(scored, None, stage)
            if checked in (cp_model.OPTIMAL, cp_model.FEASIBLE) or (
                checked == cp_model.UNKNOWN and complete
            ):
                # keeps every hard rule: shown by the pinned model, or (on a model too large to
                # settle in time) by the pass itself
                first_roster = assignments
            left = params.time_limit - (time.perf_counter() - t2)
            pinned = checked in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            if neighbourhoods and first_roster and pinned and not stop.is_set():
                # the neighbourhood search from the pass's roster, its hint complete
                values = list(built.model.proto.solution_hint.values)
                start = new_solver()
                searched, searched_code = _search(
                    problem, built, params, start, best, t2, recorder, stop, values
                )
                if searched is not start:
                    solver, code = searched, searched_code
            elif left >= presolve and not stop.is_set():
                # (else no time to presolve again; a roster short may mend)
                solver = new_solver()
                # from the dive's roster the full search with LP: the model is small enough
                # (the polish's condition), and the LP meets the bound to prove a roster
                params.apply(solver.parameters, light=generated is None)
                solver.parameters.max_time_in_seconds = max(1.0, left)
                with solving(stop, solver):
                    code = solver.solve(built.model, recorder)
                best.offer(float(solver.best_objective_bound), CP_SAT)  # both bound one model
    if beside is not None:
        if code == cp_model.OPTIMAL:
            beside.finish()  # CP-SAT proved its roster: no bound can be better
        else:
            best.offer(beside.finish(), RELAXATION)
    return _decode(
        problem,
        built,
        params,
        solver,
        code,
        first_roster,
        best,
        build_seconds,
        t1,
        deadline,
        recorder,
        scored=fixed is not None,
        stop=stop,
    )


def _both(
    first: Callable[[Progress], None] | None, second: Callable[[Progress], None] | None
) -> Callable[[Progress], None] | None:
    """Call both on each roster CP-SAT finds (either may be None)."""
    if first is None or second is None:
        return first or second

    def both(event: Progress) -> None:
        first(event)
        second(event)

    return both


def _search(
    problem: ProblemData,
    built: Model,
    params: SolveParams,
    solver: cp_model.CpSolver,
    best: BestBound,
    t2: float,
    recorder: Recorder,
    stop: Stop,
    values: list[int] | None = None,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
    """The neighbourhood search (solver.search.lns) from ``values`` (a complete solution; by
    default ``solver``'s roster) for the time left; returns the solver whose response holds the
    best roster, and its status."""
    if values is None:
        values = list(solver.response_proto.solution)
    objective = objective_of(built.model, values)
    left = params.time_limit - (time.perf_counter() - t2)
    searched = search(
        problem,
        built,
        values,
        objective,
        left,
        params.workers,
        params.seed,
        bound=best.value,
        params=params.lns,
        halt=stop,
        on_improve=lambda value: recorder.report(value, best.known, "neighbourhood search"),
    )
    if searched.solver is None:
        return solver, cp_model.FEASIBLE
    if searched.proven or searched.objective < best.value + 0.5:
        best.offer(searched.objective, LNS)  # proven optimal: its own bound
        return searched.solver, cp_model.OPTIMAL
    return searched.solver, cp_model.FEASIBLE


def _generate(
    problem: ProblemData, built: Model, params: SolveParams, stop: Stop, recorder: Recorder
) -> tuple[Generated | None, SolveParams]:
    """Column generation in its share of the time; a proven bound becomes a constraint, so that
    CP-SAT stops as soon as it has a roster that meets it. Returns what it generated and the
    settings with the time left."""
    share = params.columns * params.time_limit
    began = time.perf_counter()
    try:
        generated: Generated | None = generate(
            problem,
            params.generation.root * share,
            share,
            params.workers,
            params.seed,
            params=params.generation,
            stop=stop,
            report=lambda objective, bound: recorder.report(objective, bound, "columns"),
        )
    except RuntimeError:  # the master's LP ended unsolved (numerics): the path without it
        generated = None
    if generated is not None and generated.bound is not None:
        built.model.add(built.objective() >= generated.bound)
    left = max(1.0, params.time_limit - (time.perf_counter() - began))
    return generated, dataclasses.replace(params, time_limit=left)


def _decode(
    problem: ProblemData,
    built: Model,
    params: SolveParams,
    solver: cp_model.CpSolver,
    code: cp_model.CpSolverStatus,
    first_roster: frozenset[tuple[int, int]],
    best: BestBound,
    build_seconds: float,
    began: float,
    deadline: float,
    recorder: Recorder,
    scored: bool,
    stop: Stop,
) -> Result:
    """The roster as (clinician id, session id) pairs, its exact objective by rule, and the bound.

    ``scored``: the solve already had every assignment pinned, so its objective is exact. The
    wall time counts from ``began`` to the end of the scoring, which ends by ``deadline`` (or
    a second after it at most)."""
    status = SolveStatus(solver.status_name(code))
    scorer: cp_model.CpSolver | None = solver
    from_pass = False
    if status.has_solution:
        chosen_pairs = [pair for pair, var in built.variables.x.items() if solver.value(var)]
    elif status is SolveStatus.UNKNOWN and first_roster:
        # CP-SAT found nothing, not even from the hint, before the deadline (on a large model
        # its presolve alone can outlast it): the first pass's roster is the answer
        status, chosen_pairs, from_pass = SolveStatus.FEASIBLE, sorted(first_roster), True
    else:
        return Result(
            status,
            (),
            None,
            None,
            {},
            build_seconds,
            time.perf_counter() - began,
            tuple(recorder.progress),
            interrupted=stop.is_set(),
        )

    if status is SolveStatus.FEASIBLE and not scored:
        # Auxiliary penalty variables need not be tight in an intermediate solution; score the
        # roster exactly by re-solving with every assignment pinned. When that is not settled in
        # time (a year-long model), the objective is left unknown (None) for the caller to score
        # with the checker; so is the pass's roster, which comes at the deadline.
        scorer = None
        if not from_pass:
            limit = max(1.0, deadline - time.perf_counter())
            pinned, scored_code = solve_pinned(built, chosen_pairs, params.workers, limit, stop)
            if scored_code == cp_model.OPTIMAL:  # the penalty variables tight: the exact score
                scorer = pinned
    return Result(
        status=status,
        assignments=tuple(
            sorted((problem.clinicians[c].id, problem.sessions[s].id) for c, s in chosen_pairs)
        ),
        objective=None if scorer is None else int(round(scorer.objective_value)),
        best_bound=best.value if best.value > -inf else None,
        bound_source=best.source,
        objective_by_rule={}
        if scorer is None
        else {
            kind: int(sum(w * scorer.value(var) for w, var in ts))
            for kind, ts in built.terms.items()
        },
        build_seconds=build_seconds,
        wall_seconds=time.perf_counter() - began,
        progress=tuple(recorder.progress),
        interrupted=stop.is_set(),
    )
