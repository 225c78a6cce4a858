"""The engine's settings in one place: every command and library call gets these defaults."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from solver.columns.params import ColumnParams
from solver.diagnose.relaxation import RelaxationParams
from solver.model.cpsat import configure
from solver.search.firstpass import FirstPassParams
from solver.search.groups import GroupParams
from solver.search.lns import LnsParams
from solver.search.polish import PolishParams


@dataclass(frozen=True)
class SolveParams:
    """Settings of one solve; ``extra`` is passed straight onto CP-SAT's parameters."""

    time_limit: float = 60.0
    """Seconds for the whole solve, building the model included."""
    workers: int = 2
    """CP-SAT search workers (threads); the strategies around it use as many."""
    seed: int = 0
    """Random seed: the same seed, workers and input give the same roster."""
    log: bool = False
    """Print CP-SAT's own search log."""
    deterministic: bool = True
    """CP-SAT's interleaved search with several workers: the same answer for the same input."""
    first_pass: float = 0.25
    """When CP-SAT has searched this share of the time left after its presolve without a roster
    (or with one costing more than the first pass's, polished beside it), go on from the first
    pass's roster (solver.search.firstpass); 0: never."""
    columns: float = 0.7
    """Where the objective splits by clinician and the polish applies, column generation may take
    this share of the time limit for its bound and its roster (solver.columns); 0: never. It
    runs only with ``first_pass`` above 0."""
    first: FirstPassParams = field(default_factory=FirstPassParams)
    groups: GroupParams = field(default_factory=GroupParams)
    polish: PolishParams = field(default_factory=PolishParams)
    generation: ColumnParams = field(default_factory=ColumnParams)
    lns: LnsParams = field(default_factory=LnsParams)
    relaxation: RelaxationParams = field(default_factory=RelaxationParams)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def apply(self, parameters: Any, *, light: bool = False) -> None:
        """Onto CP-SAT's parameters (see solver.model.cpsat.configure for ``light``)."""
        configure(
            parameters,
            time_limit=self.time_limit,
            workers=self.workers,
            seed=self.seed,
            log=self.log,
            deterministic=self.deterministic,
            light=light,
            extra=self.extra,
        )
