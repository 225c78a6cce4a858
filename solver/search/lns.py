"""Large neighbourhood search on the whole model, coupling rules included.

From a complete roster, each step frees a neighbourhood of assignments and has CP-SAT solve the
whole model with every other assignment fixed to the roster's value, from the roster itself (a
complete hint, which keeps every rule, so CP-SAT starts from it). A roster that costs less is
taken; the roster never gets worse. Because the model is the whole model, every rule counts as
written: fairness, continuity and the headcounts, which weigh clinicians against each other, and
which a model of a few clinicians alone (solver.search.polish) cannot see.

The model is built once: a step only sets the domains of its assignments (fixed to the roster's
value, or free) and of one constraint on the objective (at most the roster's cost, at least the
best bound known), as solver.columns.support does. CP-SAT's presolve removes what is fixed, so a
step costs what its neighbourhood does, plus one pass over the model.

Neighbourhoods, drawn in turn:

- **window**: every assignment of the sessions in a window of time (a few days, or a part of a
  day where a day holds more than the neighbourhood's size), for everyone;
- **group**: a clinician and the partners who share sessions with them (then the partners'
  partners), over a window of days, every assignment of theirs there;
- **site**: one site's clinicians on a few consecutive days, every assignment of theirs on those
  days, at that site or another (where the instance has more than one site).

Each kind keeps its own size, in free assignments: it grows when a step is solved to optimality,
and shrinks when a step ends unproven. Every random draw comes from a generator seeded with the
seed, and each step is limited in CP-SAT's deterministic time: the same input and settings give
the same steps, as long as no step is cut by the wall-clock deadline.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from solver.model.build import Model
from solver.model.cpsat import configure, new_solver, proto_message
from solver.model.problem import ProblemData
from solver.model.result import Progress
from solver.model.stop import solving


@dataclass(frozen=True)
class LnsParams:
    """The large neighbourhood search's settings."""

    share: float = 0.1
    """Where the polish does not apply (a soft rule couples clinicians, or a long horizon), CP-SAT's
    first try searches on for this share of the time left after its first roster, and the search
    goes on from its best roster (or from the first pass's); 0: never."""
    size: int = 400
    """Free assignments in each kind's first neighbourhood."""
    smallest: int = 40
    """Free assignments below which a kind's size does not shrink."""
    largest: int = 40_000
    """Free assignments above which a kind's size does not grow."""
    grow: float = 1.3
    """A kind's size is multiplied by this after a step solved to optimality..."""
    shrink: float = 0.8
    """...and by this after a step that ended unproven."""
    limit: float = 1.0
    """CP-SAT's deterministic time for one step."""
    seconds: float = 5.0
    """Wall seconds at most for one step (the deterministic limit usually ends it first)."""
    depth: int = 4
    """How far from its assignments a step frees auxiliary variables, in constraints (see
    Closure): 3 reaches a fairness spread (assignment, maximum, spread), 4 a continuity count."""
    group_days: int = 14
    """Days of a group's window (the whole horizon when shorter)."""
    kinds: tuple[str, ...] = ("window", "group", "site")
    """The kinds of neighbourhood drawn in turn (site only where there are several sites)."""
    stall: int = 0
    """Steps in a row that change nothing after which the search stops (0: never)."""


@dataclass(frozen=True)
class Searched:
    """The search's best roster: CP-SAT's solver of a step that found it (its response holds
    every variable's value; None when no step found a roster) and its objective; ``proven``
    when a step that left every variable free proved it optimal."""

    solver: cp_model.CpSolver | None
    objective: float
    steps: int
    improved: int
    seconds: float
    proven: bool = False


@dataclass(frozen=True)
class Step:
    """One step, as reported to ``on_step``: its kind, its free assignments, CP-SAT's status,
    its seconds and the roster's objective after it."""

    kind: str
    free: int
    status: str
    seconds: float
    objective: float


class Neighbourhoods:
    """The assignments of the problem grouped for drawing neighbourhoods: the variable index of
    each (clinician, session) pair, by day, by clinician and day, and each clinician's partners."""

    def __init__(self, problem: ProblemData, built: Model) -> None:
        self.problem = problem
        x = built.variables.x
        self.days = max((s.day for s in problem.sessions), default=0) + 1
        self.by_day: list[list[int]] = [[] for _ in range(self.days)]
        self.by_session: list[list[int]] = [[] for _ in range(problem.n_sessions)]
        self.by_clinician_day: list[dict[int, list[int]]] = [
            defaultdict(list) for _ in range(problem.n_clinicians)
        ]
        self.site_days: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        sessions = problem.sessions
        for (c, s), var in x.items():
            d = sessions[s].day
            self.by_day[d].append(var.index)
            self.by_session[s].append(var.index)
            self.by_clinician_day[c][d].append(var.index)
            self.site_days[sessions[s].site][d].add(c)
        self.sites = sorted(self.site_days)
        # the sessions in the order of their start, for windows of time
        self.in_time = sorted(range(problem.n_sessions), key=lambda s: (sessions[s].start, s))
        self.pairs = list(x)
        self._clinicians: list[list[int]] | None = None  # each session's, made on first use
        self._partners: dict[int, list[int]] = {}

    def partners(self, c: int) -> list[int]:
        """The clinicians who could work one of c's sessions, listed on first use (a year-long
        instance has thousands of sessions per clinician)."""
        if self._clinicians is None:
            self._clinicians = [[] for _ in range(self.problem.n_sessions)]
            self._sessions: list[list[int]] = [[] for _ in range(self.problem.n_clinicians)]
            for c2, s in self.pairs:
                self._clinicians[s].append(c2)
                self._sessions[c2].append(s)
        if c not in self._partners:
            found = {c2 for s in self._sessions[c] for c2 in self._clinicians[s]}
            found.discard(c)
            self._partners[c] = sorted(found)
        return self._partners[c]

    def window(self, rng: random.Random, size: int) -> list[int]:
        """Every assignment of the sessions that start in a window of time, for everyone: from a
        random session on, in the order of their start, until ``size`` (a session at least).
        Where a day holds fewer than ``size`` assignments, the window is a few days."""
        order = self.in_time
        first = rng.randrange(len(order))
        free: list[int] = []
        k = first
        while k < len(order) and (not free or len(free) + len(self.by_session[order[k]]) <= size):
            free += self.by_session[order[k]]
            k += 1
        k = first - 1
        while k >= 0 and len(free) + len(self.by_session[order[k]]) <= size:
            free += self.by_session[order[k]]  # at the horizon's end: extend backwards
            k -= 1
        return free

    def group(self, rng: random.Random, size: int, span: int) -> list[int]:
        """A random clinician and partners, breadth first in random order, over a window of
        ``span`` days, until ``size`` free assignments."""
        n = self.problem.n_clinicians
        span = min(span, self.days)
        first = rng.randrange(self.days - span + 1)
        days = range(first, first + span)
        seed = rng.randrange(n)
        members = [seed]
        seen = {seed}
        free = self._clinician(seed, days)
        queue = [seed]
        while queue and len(free) < size:
            c = queue.pop(0)
            near = [c2 for c2 in self.partners(c) if c2 not in seen]
            rng.shuffle(near)
            for c2 in near:
                more = self._clinician(c2, days)
                if len(free) + len(more) > size:
                    continue
                seen.add(c2)
                members.append(c2)
                queue.append(c2)
                free += more
                if len(free) >= size:
                    break
        return free

    def _clinician(self, c: int, days: range) -> list[int]:
        by_day = self.by_clinician_day[c]
        return [var for d in days for var in by_day.get(d, [])]

    def site(self, rng: random.Random, size: int) -> list[int]:
        """One site's clinicians on consecutive days from a random one, all their assignments
        on those days, until ``size`` (a day at least)."""
        site = rng.choice(self.sites)
        first = rng.randrange(self.days)
        free: list[int] = []
        for d in range(first, self.days):
            more = self._site_day(site, d)
            if free and len(free) + len(more) > size:
                break
            free += more
        return free

    def _site_day(self, site: int, d: int) -> list[int]:
        clinicians = sorted(self.site_days[site].get(d, ()))
        return [var for c in clinicians for var in self.by_clinician_day[c][d]]


class Handover:
    """Stops CP-SAT's search ``share`` of its time left after its first roster, for the
    neighbourhood search: called with each roster CP-SAT finds. Made just before the solve."""

    def __init__(self, solver: cp_model.CpSolver, share: float) -> None:
        self.solver = solver
        self.begin = time.perf_counter()
        self.share = share
        self.stopped = False
        self._timer: threading.Timer | None = None

    def __call__(self, event: Progress) -> None:
        if self._timer is None and event.stage == "cp-sat" and event.objective is not None:
            limit = self.solver.parameters.max_time_in_seconds
            left = max(0.0, limit - (time.perf_counter() - self.begin))
            self._timer = threading.Timer(self.share * left, self._stop)
            self._timer.daemon = True
            self._timer.start()

    def _stop(self) -> None:
        self.stopped = True
        self.solver.stop_search()


def objective_of(model: cp_model.CpModel, values: list[int]) -> float:
    """The model's objective at a complete solution."""
    objective = model.proto.objective
    total = sum(c * values[v] for v, c in zip(objective.vars, objective.coeffs, strict=True))
    scaling = objective.scaling_factor or 1.0
    return float(scaling * (total + objective.offset))


class Closure:
    """Which variables a neighbourhood's model leaves free, and which constraints it must hold.

    Free: the neighbourhood's assignments, the auxiliary variables (a penalty, a worked day, a
    fairness maximum) of the constraints on them, those of the constraints on these, and so on,
    ``depth`` steps out. Every other variable is fixed at the roster's value. The model holds
    every constraint on a free variable; any other holds fixed variables only, at values that
    keep it: it is left out. So a step's roster keeps every rule, and the step's model prices
    it exactly. The depth only limits how far a step may reach: auxiliary variables chain along
    a horizon (a worked day appears in the runs of the days around it), and beyond a few steps
    out they are determined by assignments the step does not change.

    The variables of each constraint, and the constraints of each variable, are listed once, as
    arrays."""

    def __init__(self, model: cp_model.CpModel, assignments: list[int]) -> None:
        proto = proto_message(model)
        n = len(proto.variables)
        starts = [0]
        flat: list[int] = []
        always: list[int] = []
        for k, constraint in enumerate(proto.constraints):
            found = _variables(constraint)
            if found is None:  # a kind not read here: always in the model
                always.append(k)
                found = []
            flat += found
            starts.append(len(flat))
        self.con_start = np.asarray(starts, dtype=np.int64)
        self.con_var = np.asarray(flat, dtype=np.int64)
        order = np.argsort(self.con_var, kind="stable")
        owners = np.repeat(np.arange(len(starts) - 1, dtype=np.int64), np.diff(self.con_start))
        self.var_con = owners[order]
        self.var_start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.con_var, minlength=n), out=self.var_start[1:])
        self.always = np.asarray(always, dtype=np.int64)
        self.is_assignment = np.zeros(n, dtype=bool)
        self.is_assignment[assignments] = True

    def reach(self, free: list[int], depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The constraints the step's model holds, and the auxiliary variables it leaves free:
        those ``depth - 1`` constraints out from the free assignments at most."""
        n_cons = len(self.con_start) - 1
        taken = np.zeros(n_cons, dtype=bool)
        taken[self.always] = True
        seen = np.zeros(len(self.is_assignment), dtype=bool)
        frontier = np.asarray(free, dtype=np.int64)
        seen[frontier] = True
        for level in range(depth):
            if not len(frontier):
                break
            cons = _gather(self.var_start, self.var_con, frontier)
            cons = np.unique(cons[~taken[cons]])
            taken[cons] = True
            if level == depth - 1:
                break  # the variables these hold beyond the free ones stay fixed
            found = np.unique(_gather(self.con_start, self.con_var, cons))
            frontier = found[~seen[found] & ~self.is_assignment[found]]
            seen[frontier] = True
        aux = np.flatnonzero(seen & ~self.is_assignment)
        return np.flatnonzero(taken), aux


def _gather(starts: np.ndarray, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """values[starts[r]:starts[r + 1]] for every r in rows, concatenated."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    lengths = starts[rows + 1] - starts[rows]
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts[rows] - np.cumsum(lengths) + lengths, lengths)
    return values[offsets + np.arange(total)]


def _variables(constraint: Any) -> list[int] | None:
    """The variables a constraint (a protobuf message) holds, a negated literal's as its
    variable's; None for a kind not read here."""
    kind = constraint.WhichOneof("constraint")
    found = list(constraint.enforcement_literal)
    if kind == "linear":
        found += constraint.linear.vars
    elif kind in ("bool_or", "bool_and", "at_most_one", "exactly_one"):
        found += getattr(constraint, kind).literals
    elif kind == "lin_max":
        lin_max = constraint.lin_max
        found += lin_max.target.vars
        for expr in lin_max.exprs:
            found += expr.vars
    else:
        return None
    return [v if v >= 0 else -v - 1 for v in found]


def search(
    problem: ProblemData,
    built: Model,
    values: list[int],
    objective: float,
    seconds: float,
    workers: int,
    seed: int,
    bound: float = -math.inf,
    params: LnsParams = LnsParams(),
    halt: threading.Event | None = None,
    on_improve: Callable[[float], None] | None = None,
    on_step: Callable[[Step], None] | None = None,
) -> Searched:
    """Improve the roster whose every variable's value is ``values`` (a complete solution of
    ``built``, costing ``objective``) for ``seconds``; see the module's doc. The built model is not
    changed. ``bound``: a proven lower bound (a step that reaches it ends the search). ``halt``:
    set, the search stops (the step under way at once when it is a solver.model.stop.Stop).
    ``on_improve`` is called with each better objective, ``on_step`` after each step."""
    start = time.perf_counter()
    full = built.model.proto
    hoods = Neighbourhoods(problem, built)
    kinds = [k for k in params.kinds if k != "site" or len(hoods.sites) > 1]
    sizes = dict.fromkeys(kinds, float(params.size))
    rng = random.Random(seed)
    x_index = [var.index for var in built.variables.x.values()]
    closure = Closure(built.model, x_index)
    # the step models' skeleton: every variable fixed at the roster's value, the objective, the
    # roster as a complete hint, and the objective's constraint, whose domain each step sets from
    # the bound to the roster's cost; it holds the objective less its constant part, so its domain
    # is shifted by that, as the domain built from ``>= 0`` shows
    skeleton = cp_model.CpModel()
    skeleton.proto.copy_from(full)
    skeleton.proto.constraints.clear()
    skeleton.clear_hints()  # type: ignore[no-untyped-call]
    proto = skeleton.proto
    n = len(proto.variables)
    original = [tuple(proto.variables[i].domain) for i in range(n)]
    current = list(values)
    for i in range(n):
        _fix(proto, i, current[i])
    cut = skeleton.add(built.objective() >= 0).index
    shift = proto.constraints[cut].linear.domain[0]
    _hint(skeleton, current)
    best: cp_model.CpSolver | None = None
    n_aux = n - len(x_index)
    proven = False
    steps = improved = still = 0
    longest = 0.0
    turn = 0
    while not (halt is not None and halt.is_set()):
        left = seconds - (time.perf_counter() - start)
        if left < max(0.2, min(longest, params.seconds)) or objective <= bound + 0.5:
            break
        if params.stall and still >= params.stall:
            break
        kind = kinds[turn % len(kinds)]
        turn += 1
        size = int(sizes[kind])
        if kind == "window":
            free = hoods.window(rng, size)
        elif kind == "group":
            free = hoods.group(rng, size, params.group_days)
        else:
            free = hoods.site(rng, size)
        step_start = time.perf_counter()
        constraints, aux = closure.reach(free, params.depth)
        opened = [*free, *aux.tolist()]
        for i in opened:
            _set(proto, i, original[i])
        domain = proto.constraints[cut].linear.domain
        if bound > -math.inf:
            domain[0] = shift + math.ceil(bound - 1e-9)
        domain[1] = shift + int(math.floor(objective + 1e-9))
        step = cp_model.CpModel()
        step.proto.copy_from(proto)
        add = step.proto.constraints.add
        for k in constraints.tolist():
            add().copy_from(full.constraints[k])
        solver = new_solver()
        configure(solver.parameters, time_limit=1e9, workers=workers, seed=seed + steps)
        solver.parameters.max_deterministic_time = params.limit
        solver.parameters.max_time_in_seconds = max(0.1, min(params.seconds, left))
        with solving(halt, solver):
            code = solver.solve(step)
        del step
        took = time.perf_counter() - step_start
        longest = max(longest, took)
        steps += 1
        better = (
            code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            and solver.objective_value < objective - 0.5
        )
        if code == cp_model.OPTIMAL and len(free) == len(x_index) and len(aux) == n_aux:
            # every variable was free: the whole model, solved to optimality
            proven = True
        if best is None and code in (cp_model.OPTIMAL, cp_model.FEASIBLE) and not better:
            best = solver  # the roster as it is, found again: its every value
        if better:
            solution = solver.response_proto.solution
            for i in opened:
                current[i] = solution[i]
            objective = solver.objective_value
            best = solver
            improved += 1
            still = 0
            hint = proto.solution_hint.values
            for i in opened:
                hint[i] = current[i]
            if on_improve is not None:
                on_improve(objective)
        else:
            still += 1
        for i in opened:
            _fix(proto, i, current[i])
        if on_step is not None:
            on_step(Step(kind, len(free), solver.status_name(code), took, objective))
        if code == cp_model.OPTIMAL:
            sizes[kind] = min(params.largest, sizes[kind] * params.grow)
        elif code != cp_model.INFEASIBLE:
            sizes[kind] = max(params.smallest, sizes[kind] * params.shrink)
        if proven:
            break
    return Searched(best, objective, steps, improved, time.perf_counter() - start, proven)


def _set(proto: Any, i: int, values: tuple[int, ...]) -> None:
    domain = proto.variables[i].domain
    if len(values) == 2 and len(domain) == 2:
        domain[0], domain[1] = values
    else:
        domain.clear()
        domain.extend(values)


def _fix(proto: Any, i: int, value: int) -> None:
    _set(proto, i, (value, value))


def _hint(model: cp_model.CpModel, values: list[int]) -> None:
    model.clear_hints()  # type: ignore[no-untyped-call]
    hint = model.proto.solution_hint
    hint.vars.extend(range(len(values)))
    hint.values.extend(values)
