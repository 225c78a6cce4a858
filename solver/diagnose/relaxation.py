"""A proven lower bound from the linear relaxation of the built CP-SAT model.

The model's constraints are read from its proto into a linear program over the same variables,
each integer variable relaxed to the interval of its domain:

- a linear constraint keeps its domain's hull; under enforcement literals it holds only when they
  all do, so each side is loosened by its slack times the number of enforcement literals off
  (a big-M from the variables' bounds);
- a clause (``bool_or``) is ``sum of its literals >= 1``, a ``bool_and`` is each literal
  ``>= 1``, an at-most-one and an exactly-one their sums, each loosened by the enforcement
  literals that are off;
- ``target = max(expressions)`` becomes ``target >= each expression`` and ``target <= the sum of
  each expression less its least value, plus the largest least value`` (the maximum is at most
  that sum: every term is non-negative);
- any other constraint is dropped: a program with fewer constraints has a value no greater, so
  its bound still holds for the model.

The program is solved by HiGHS's interior point method within a time limit, and is not trusted to
have converged: the bound is the Lagrangian value of the row duals it returns, computed here: for
any duals y and reduced costs r = c - A'y, min c'x over the program is at least the sum over rows
of y times the row's lower side (y > 0) or upper side (y < 0), plus the sum over variables of r
times the variable's lower bound (r > 0) or upper bound (r < 0). Every variable has finite
bounds, so this holds for any y whatever, converged or not; where the objective is integral it is
rounded up.
"""

from __future__ import annotations

import math
import time
from array import array
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from solver.model.cpsat import proto_message


@dataclass(frozen=True)
class RelaxationParams:
    """When and how the linear relaxation is solved."""

    beside: bool = True
    """Solve it in a thread beside the search, for the time limit (at the lowest scheduling
    priority: it takes what the search leaves of the machine)."""
    max_constraints: int = 400_000
    """Constraints of the model above which the relaxation is not read: reading it takes about
    a second per hundred thousand, and the program's memory grows with it (a year-long
    instance with many shift types has a million)."""
    max_nonzeros: int = 5_000_000
    """Non-zeros of the program above which it is not solved: the interior point method would
    not end in any time limit the engine is given."""


@dataclass(frozen=True)
class Relaxed:
    """The relaxation's proven bound (None when no bound came out) and what it took."""

    bound: float | None
    rows: int
    columns: int
    nonzeros: int
    status: str  # HiGHS's model status at the end
    seconds: float


class _Program:
    """The linear program as rows of (variable, coefficient) with lower and upper sides."""

    def __init__(self, lower: np.ndarray, upper: np.ndarray) -> None:
        self.col_lower = lower
        self.col_upper = upper
        # compact arrays, not lists: a large model's program has millions of non-zeros
        self.starts = array("q", [0])
        self.index = array("q")
        self.value = array("d")
        self.row_lower = array("d")
        self.row_upper = array("d")

    def lit(self, literal: int) -> tuple[int, float, float]:
        """A literal as (variable, coefficient, constant): x or 1 - x."""
        return (literal, 1.0, 0.0) if literal >= 0 else (-literal - 1, -1.0, 1.0)

    def activity(self, terms: dict[int, float]) -> tuple[float, float]:
        """The least and greatest value of sum coefficient * variable over the bounds."""
        low = high = 0.0
        for var, coef in terms.items():
            a, b = coef * self.col_lower[var], coef * self.col_upper[var]
            low += min(a, b)
            high += max(a, b)
        return low, high

    def add(
        self,
        terms: dict[int, float],
        low: float,
        high: float,
        enforcement: list[int],
    ) -> None:
        """low <= terms <= high, loosened by the enforcement literals that are off."""
        if enforcement:
            least, most = self.activity(terms)
            # each literal off adds (1 - l) times the slack to the side, which is then slack:
            # low - (low - least) * sum(1 - l) <= terms <= high + (most - high) * sum(1 - l)
            off: dict[int, float] = {}
            count = 0.0
            for literal in enforcement:
                var, coef, const = self.lit(literal)
                off[var] = off.get(var, 0.0) - coef  # 1 - l = (1 - const) - coef * x
                count += 1.0 - const
            if low > -math.inf and low > least:
                self._row(_plus(terms, off, low - least), low - (low - least) * count, math.inf)
            if high < math.inf and high < most:
                self._row(_plus(terms, off, high - most), -math.inf, high + (most - high) * count)
            return
        self._row(terms, low, high)

    def _row(self, terms: dict[int, float], low: float, high: float) -> None:
        for var, coef in terms.items():
            if coef != 0.0:
                self.index.append(var)
                self.value.append(coef)
        self.starts.append(len(self.index))
        self.row_lower.append(low)
        self.row_upper.append(high)


def _plus(terms: dict[int, float], off: dict[int, float], times: float) -> dict[int, float]:
    """terms + times * off (the enforcement's slack, moved to the left-hand side)."""
    out = dict(terms)
    for var, coef in off.items():
        out[var] = out.get(var, 0.0) + times * coef
    return out


def _literal_sum(program: _Program, literals: Any) -> tuple[dict[int, float], float]:
    """sum of literals as (terms, constant)."""
    terms: dict[int, float] = {}
    const = 0.0
    for literal in literals:
        var, coef, c = program.lit(literal)
        terms[var] = terms.get(var, 0.0) + coef
        const += c
    return terms, const


def _linear(expr: Any) -> tuple[dict[int, float], float]:
    """A LinearExpressionProto (or a linear constraint's left-hand side) as (terms, offset)."""
    terms: dict[int, float] = {}
    for var, coef in zip(expr.vars, expr.coeffs, strict=True):
        terms[var] = terms.get(var, 0.0) + coef
    return terms, float(getattr(expr, "offset", 0))


def read_program(proto: Any) -> tuple[_Program, np.ndarray, float, float]:
    """The relaxation of a CpModelProto (a protobuf message, see proto_message): the program,
    the objective's coefficients, its offset and its scaling factor (CP-SAT's objective is
    scaling * (c'x + offset))."""
    n = len(proto.variables)
    lower = np.empty(n)
    upper = np.empty(n)
    for i, variable in enumerate(proto.variables):
        domain = variable.domain
        lower[i], upper[i] = domain[0], domain[len(domain) - 1]
    program = _Program(lower, upper)
    for constraint in proto.constraints:
        enforcement = list(constraint.enforcement_literal)
        kind = constraint.WhichOneof("constraint")
        if kind == "linear":
            linear = constraint.linear
            terms, _ = _linear(linear)
            domain = linear.domain
            program.add(terms, float(domain[0]), float(domain[len(domain) - 1]), enforcement)
        elif kind == "bool_or":
            terms, const = _literal_sum(program, constraint.bool_or.literals)
            program.add(terms, 1.0 - const, math.inf, enforcement)
        elif kind == "bool_and":
            for literal in constraint.bool_and.literals:
                var, coef, const = program.lit(literal)
                program.add({var: coef}, 1.0 - const, math.inf, enforcement)
        elif kind == "at_most_one":
            terms, const = _literal_sum(program, constraint.at_most_one.literals)
            program.add(terms, -math.inf, 1.0 - const, enforcement)
        elif kind == "exactly_one":
            terms, const = _literal_sum(program, constraint.exactly_one.literals)
            program.add(terms, 1.0 - const, 1.0 - const, enforcement)
        elif kind == "lin_max" and not enforcement:
            _max(program, constraint.lin_max)
        # anything else is dropped: the relaxation stays a relaxation
    objective = np.zeros(n)
    offset, scaling = 0.0, 1.0
    if proto.HasField("objective"):
        for var, coef in zip(proto.objective.vars, proto.objective.coeffs, strict=True):
            objective[var] += coef
        offset = float(proto.objective.offset)
        scaling = float(proto.objective.scaling_factor) or 1.0
    return program, objective, offset, scaling


def _max(program: _Program, lin_max: Any) -> None:
    """target = max(exprs): target >= each, and target <= sum(expr - its least) + max least."""
    target, t_off = _linear(lin_max.target)
    exprs = [_linear(e) for e in lin_max.exprs]
    if not exprs:
        return
    leasts = []
    total: dict[int, float] = dict(target)
    for terms, off in exprs:
        row = dict(target)
        for var, coef in terms.items():
            row[var] = row.get(var, 0.0) - coef
        program.add(row, off - t_off, math.inf, [])  # target - expr >= 0
        least = program.activity(terms)[0] + off
        leasts.append(least)
        for var, coef in terms.items():
            total[var] = total.get(var, 0.0) - coef
    # target + t_off <= sum(terms + off - least) + max(least)
    rhs = sum(off - least for (_, off), least in zip(exprs, leasts, strict=True))
    program.add(total, -math.inf, rhs + max(leasts) - t_off, [])


def lagrangian_bound(
    program: _Program, objective: np.ndarray, row_dual: np.ndarray
) -> tuple[float, float]:
    """min objective'x over the program, bounded below from any row duals (see the module's
    doc); returns the bound and the sum of the magnitudes of its terms (for rounding error)."""
    low = np.asarray(program.row_lower)
    high = np.asarray(program.row_upper)
    y = np.where(np.isfinite(low), np.maximum(row_dual, 0.0), 0.0) + np.where(
        np.isfinite(high), np.minimum(row_dual, 0.0), 0.0
    )
    rows = np.repeat(np.arange(len(low)), np.diff(np.asarray(program.starts)))
    index = np.asarray(program.index, dtype=np.int64)
    value = np.asarray(program.value)
    reduced = objective - np.bincount(index, weights=value * y[rows], minlength=len(objective))
    row_terms = np.where(y > 0, y * np.where(np.isfinite(low), low, 0.0), 0.0) + np.where(
        y < 0, y * np.where(np.isfinite(high), high, 0.0), 0.0
    )
    col_terms = np.where(reduced > 0, reduced * program.col_lower, reduced * program.col_upper)
    bound = float(row_terms.sum() + col_terms.sum())
    scale = float(np.abs(row_terms).sum() + np.abs(col_terms).sum())
    return bound, scale


class Relaxation:
    """The relaxation of a model, read from a copy of its proto (a protobuf message, see
    proto_message: later changes to the model do not reach it), solved by ``solve``, which HiGHS
    runs without holding the interpreter: it can run in a thread beside the search."""

    def __init__(self, proto: Any, params: RelaxationParams = RelaxationParams()) -> None:
        start = time.perf_counter()
        self.params = params
        self.program, self.objective, self.offset, self.scaling = read_program(proto)
        self.integral = _integral(proto)
        self.rows, self.columns = len(self.program.row_lower), len(self.objective)
        self.nonzeros = len(self.program.index)
        self.read_seconds = time.perf_counter() - start
        self._cancelled = False

    def solve(self, seconds: float, seed: int = 0) -> Relaxed:
        """The bound proven within ``seconds``, or None."""
        start = time.perf_counter()
        if self.nonzeros > self.params.max_nonzeros or self.scaling <= 0:
            return self._relaxed(None, "not tried", start)
        if not self.rows or not self.columns:  # each variable at its cheaper end
            return self._relaxed(self._value(np.zeros(self.rows)), "no rows or columns", start)
        # the C++ solver class itself: the Python wrapper's constructor prints HiGHS's banner
        highs = highspy._Highs()  # type: ignore[attr-defined]
        options: dict[str, bool | float | str] = {
            "output_flag": False,
            "random_seed": seed,
            "solver": "ipm",
            "presolve": "off",  # its postsolve spoils the duals of an unfinished solve
            "run_crossover": "off",
            "time_limit": max(0.1, seconds),
        }
        for key, value in options.items():
            highs.setOptionValue(key, value)
        # cancel() stops the interior point method at its next iteration
        highs.setCallback(self._interrupt, None)
        highs.startCallback(highspy.cb.HighsCallbackType.kCallbackIpmInterrupt)
        program = self.program
        lp = highspy.HighsLp()
        lp.num_col_ = self.columns
        lp.num_row_ = self.rows
        lp.col_cost_ = self.objective
        lp.col_lower_ = program.col_lower
        lp.col_upper_ = program.col_upper
        inf = highspy.kHighsInf
        lp.row_lower_ = np.nan_to_num(np.asarray(program.row_lower), neginf=-inf, posinf=inf)
        lp.row_upper_ = np.nan_to_num(np.asarray(program.row_upper), neginf=-inf, posinf=inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.asarray(program.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.asarray(program.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.asarray(program.value)
        highs.passModel(lp)
        if self._cancelled:
            return self._relaxed(None, "cancelled", start)
        highs.run()
        status = highs.modelStatusToString(highs.getModelStatus())
        solution = highs.getSolution()
        if self._cancelled or not solution.dual_valid:
            return self._relaxed(None, status, start)
        return self._relaxed(self._value(np.asarray(solution.row_dual)), status, start)

    def _value(self, row_dual: np.ndarray) -> float:
        """The model's bound from these row duals: the Lagrangian value, less its rounding
        error, scaled as CP-SAT scales the objective, rounded up where the objective is whole."""
        value, scale = lagrangian_bound(self.program, self.objective, row_dual)
        value -= 1e-9 * scale + 1e-6  # the floating-point error of the sums
        value = self.scaling * (value + self.offset)
        return math.ceil(value - 1e-9) if self.integral else value

    def cancel(self) -> None:
        """Stop a solve under way (from another thread): it returns no bound."""
        self._cancelled = True

    def _interrupt(
        self, _kind: object, _message: str, _out: object, data_in: Any, _data: object
    ) -> None:
        if self._cancelled and data_in is not None:
            data_in.user_interrupt = True

    def _relaxed(self, bound: float | None, status: str, start: float) -> Relaxed:
        return Relaxed(
            bound,
            self.rows,
            self.columns,
            self.nonzeros,
            status,
            self.read_seconds + time.perf_counter() - start,
        )


def relaxation_bound(
    model: Any, seconds: float, params: RelaxationParams = RelaxationParams(), seed: int = 0
) -> Relaxed:
    """The bound the relaxation of ``model`` (a CpModel) proves within ``seconds``."""
    return Relaxation(proto_message(model), params).solve(seconds, seed)


def _integral(proto: Any) -> bool:
    """The objective takes whole values only: whole coefficients on integer variables, a whole
    offset and a scaling of one."""
    objective = proto.objective
    return (
        float(objective.scaling_factor) in (0.0, 1.0)
        and float(objective.offset).is_integer()
        and all(float(c).is_integer() for c in objective.coeffs)
    )
