"""The decision variables: one Boolean per eligible (clinician, session) pair."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.problem import ProblemData

Term = tuple[int, cp_model.IntVar]  # a weighted penalty term: coefficient times variable


@dataclass(frozen=True)
class Variables:
    x: dict[tuple[int, int], cp_model.IntVar]  # (clinician, session) -> assigned
    by_clinician: tuple[tuple[tuple[int, cp_model.IntVar], ...], ...]  # (session, var), by start
    by_session: tuple[tuple[tuple[int, cp_model.IntVar], ...], ...]  # (clinician, var)


def make_variables(model: cp_model.CpModel, problem: ProblemData) -> Variables:
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    by_c: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(problem.n_clinicians)]
    by_s: list[list[tuple[int, cp_model.IntVar]]] = [[] for _ in range(problem.n_sessions)]
    for c, s in problem.eligible:
        var = model.new_bool_var(f"x[{problem.clinicians[c].id},{problem.sessions[s].id}]")
        x[(c, s)] = var
        by_c[c].append((s, var))
        by_s[s].append((c, var))
    for lst in by_c:
        lst.sort(key=lambda item: (problem.sessions[item[0]].start, item[0]))
    return Variables(x, tuple(tuple(v) for v in by_c), tuple(tuple(v) for v in by_s))
