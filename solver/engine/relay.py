"""The first pass beside the whole of CP-SAT's first try where the neighbourhood search follows:
whichever of the two has the first complete roster hands it on."""

from __future__ import annotations

from ortools.sat.python import cp_model

from solver.engine.params import SolveParams
from solver.engine.race import Race, Recorder
from solver.model.build import Model, hint_complete
from solver.model.problem import ProblemData
from solver.search.firstpass import FirstSweep
from solver.search.lns import objective_of


class Relay(Race):
    """As a race (solver.engine.race), the first sweep goes on with the rest of the first pass in
    its thread beside CP-SAT's try, on the core CP-SAT's presolve leaves idle; then, when its
    roster is complete and CP-SAT has none yet, CP-SAT is stopped and the neighbourhood search
    starts from the pass's roster (``polished``). On a large model the pass's roster comes long
    before CP-SAT's presolve ends. When CP-SAT has a roster first it searches on, and the judge
    never stops it (the hand-over to the search does)."""

    def __init__(
        self,
        problem: ProblemData,
        sweep: FirstSweep,
        params: SolveParams,
        solver: cp_model.CpSolver,
        recorder: Recorder,
    ) -> None:
        super().__init__(problem, sweep, params)
        self.solver = solver
        self.recorder = recorder

    def polish_ahead(self) -> None:
        """In the sweep's thread, after the pass: hand its complete roster on."""
        if self.sweep.complete and not self.recorder.events:
            self.polished = self.sweep.state.roster()
            self.solver.stop_search()

    def judge(self, recorder: Recorder) -> bool:
        return False


def cheaper_pass(
    relay: Relay | None, built: Model, objective: float, workers: int, seconds: float
) -> list[int] | None:
    """Every variable's value for the pass's roster when it is complete and costs less than
    ``objective`` (CP-SAT's roster's), read from the model with it pinned; else None."""
    if relay is None or not relay.sweep.complete:
        return None
    code = hint_complete(built, relay.sweep.state.roster(), workers, seconds)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    values = list(built.model.proto.solution_hint.values)
    return values if objective_of(built.model, values) < objective else None
