"""CP-SAT's parameters as every part of the engine sets them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from typing import Any

from ortools.sat import cp_model_pb2
from ortools.sat.python import cp_model


def new_solver() -> cp_model.CpSolver:
    """A CP-SAT solver that leaves Ctrl-C to the caller (solver.model.stop): CP-SAT's own
    handler aborts the process when the signal comes while a search runs outside the main
    thread."""
    solver = cp_model.CpSolver()
    solver.parameters.catch_sigint_signal = False
    return solver


def configure(
    parameters: Any,
    *,
    time_limit: float,
    workers: int,
    seed: int,
    log: bool = False,
    deterministic: bool = True,
    light: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Set CP-SAT's parameters; ``extra`` is passed straight onto them.

    With several workers and ``deterministic``, CP-SAT runs its interleaved search, which gives
    the same answer for the same input: one full search with the strongest LP (the bound) and,
    in turn, the first-solution local search and neighbourhood search (the rosters). ``light``
    replaces the LP search by a light full search without LP: the right one to improve a
    complete roster given as a hint (an LP search follows a hint variable by variable, with an
    LP at each step) or to find a first roster fast in a one-clinician model; with one worker,
    ``light`` also interleaves, which finds a year-long clinician's first roster far sooner than
    CP-SAT's default single search.
    """
    parameters.max_time_in_seconds = time_limit
    parameters.catch_sigint_signal = False
    parameters.num_workers = workers
    parameters.random_seed = seed
    parameters.log_search_progress = log
    if (deterministic and workers > 1) or (light and workers == 1):
        parameters.interleave_search = True
        parameters.subsolvers.append("quick_restart_no_lp" if light else "max_lp")
    parameters.linearization_level = 2
    for key, value in (extra or {}).items():
        if isinstance(value, list | tuple):  # a repeated field, such as subsolvers
            field_values = getattr(parameters, key)
            field_values.clear()
            field_values.extend(value)
        else:
            setattr(parameters, key, value)


def proto_message(model: Any) -> Any:
    """A CpModel's proto as a protobuf message of its own (cp_model_pb2.CpModelProto): reading a
    large model's constraints one by one is many times faster from it than through the model's
    own wrapper. It goes through a file, the one way the model gives its bytes."""
    message = cp_model_pb2.CpModelProto()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.pb")
        model.export_to_file(path)
        with open(path, "rb") as file:
            message.ParseFromString(file.read())
    return message
