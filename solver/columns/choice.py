"""The restricted master as a MIP: the best choice of one generated roster per clinician.

Column generation (solver.columns.generation) leaves thousands of rosters per instance. Choosing one
per clinician so that the cover penalties and their own penalties add up to the least is a set
partitioning problem with piecewise linear costs, which HiGHS (through highspy) solves well. A
cutoff can be given, so that only a choice at or below it is looked for."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

import highspy
import numpy as np
from highspy._core import cb

from solver.columns.master import Column


def best_columns(
    columns: Sequence[Sequence[tuple[Column, int]]],
    roles: Sequence[int],
    pieces: dict[tuple[int, int], list[tuple[int, bool, float]]],
    seconds: float,
    threads: int = 2,
    seed: int = 0,
    cutoff: float | None = None,
    stop: threading.Event | None = None,
) -> tuple[list[int], float, bool] | None:
    """Pick one column per clinician: ``columns[c]`` lists c's (sessions, own cost); a column of
    c adds one to the count rows (s, roles[c]) and (s, -1) of each of its sessions s; ``pieces``
    gives each count row's penalties (bound, below, weight): weight * max(0, bound - n) when
    below, else weight * max(0, n - bound). ``cutoff``: only a choice of objective at most this.

    Returns the chosen indices, their objective and whether HiGHS proved them best, or None when
    it found no choice in ``seconds`` (or before ``stop`` was set)."""
    # the C++ solver class itself: the Python wrapper's constructor prints HiGHS's banner on the
    # console before any option can turn its output off, and adds nothing used here
    h = highspy._Highs()  # type: ignore[attr-defined]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.01, seconds))
    h.setOptionValue("threads", max(1, threads))
    h.setOptionValue("random_seed", seed)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1 - 1e-6)  # the objective is whole: a gap below 1 is proven
    if cutoff is not None:
        h.setOptionValue("objective_bound", cutoff + 0.5)
    # no restart after the root: with a cutoff, restarts cost far more than they save
    h.setOptionValue("mip_allow_restart", False)
    offsets = np.cumsum([0] + [len(cs) for cs in columns])
    n_y = int(offsets[-1])
    key_list = sorted(pieces)
    key_index = {k: i for i, k in enumerate(key_list)}
    # the columns' choices (0 or 1), then a gap (>= 0) per penalty, costed at its weight
    weights = [w for k in key_list for _, _, w in pieces[k]]
    costs = np.array([cost for cs in columns for _, cost in cs] + weights, dtype=float)
    n = len(costs)
    bounds = np.concatenate([np.ones(n_y), np.full(n - n_y, highspy.kHighsInf)])
    h.addCols(n, costs, np.zeros(n), bounds, 0, [], [], [])
    h.changeColsIntegrality(
        n_y, np.arange(n_y, dtype=np.int32), np.full(n_y, highspy.HighsVarType.kInteger)
    )
    # rows: one roster per clinician, then per count row each penalty: n + gap >= bound (below)
    # or n - gap <= bound (above), with n the sum of the columns that add to it
    covering: list[list[int]] = [[] for _ in key_list]
    for c, cs in enumerate(columns):
        for j, (column, _) in enumerate(cs):
            for s in column:
                for key in ((s, roles[c]), (s, -1)):
                    if key in key_index:
                        covering[key_index[key]].append(int(offsets[c]) + j)
    lower: list[float] = []
    upper: list[float] = []
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    for c in range(len(columns)):
        starts.append(len(index))
        index += range(int(offsets[c]), int(offsets[c + 1]))
        value += [1.0] * (int(offsets[c + 1]) - int(offsets[c]))
        lower.append(1.0)
        upper.append(1.0)
    gap = n_y
    for k, key in enumerate(key_list):
        for bound, below, _ in pieces[key]:
            starts.append(len(index))
            index += covering[k]
            value += [1.0] * len(covering[k])
            index.append(gap)
            value.append(1.0 if below else -1.0)
            lower.append(bound if below else -highspy.kHighsInf)
            upper.append(highspy.kHighsInf if below else bound)
            gap += 1
    h.addRows(
        len(lower),
        np.array(lower, dtype=float),
        np.array(upper, dtype=float),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=float),
    )
    if stop is not None:

        def interrupt(kind: Any, message: str, out: Any, given: Any, user: Any) -> None:
            if given is not None and stop.is_set():
                given.user_interrupt = True

        h.setCallback(interrupt, None)
        h.startCallback(cb.HighsCallbackType.kCallbackMipInterrupt)
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return None
    values = h.getSolution().col_value
    picked = []
    for c in range(len(columns)):
        block = values[int(offsets[c]) : int(offsets[c + 1])]
        picked.append(int(np.argmax(block)))
    objective = math.floor(float(info.objective_function_value) + 0.5)
    if cutoff is not None and objective > cutoff:
        return None  # a choice HiGHS found above the cutoff: it does not prune its own heuristics
    proven = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return picked, objective, proven
