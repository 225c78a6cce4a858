"""Column generation's settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.columns.labels import LabelParams


@dataclass(frozen=True)
class ColumnParams:
    """Column generation's settings."""

    root: float = 0.6
    """Share of the generation's time for the rounds before the dive."""
    scale: int = 1000
    """Prices of cover are rounded to 1/scale of a point in a clinician's model."""
    first_limit: float = 0.5
    """CP-SAT's deterministic seconds for a clinician's priced model, default search."""
    price_limit: float = 2.0
    """...and with LP, when the default search did not prove its answer."""
    whole_share: float = 0.999
    """An LP roster (or assignment) taken at least this much is whole."""
    stall: int = 3
    """The rounds stop when the LP's value fell by at most ``tail`` (relative) in so many."""
    tail: float = 1e-4
    """See ``stall``."""
    smooth: float = 0.5
    """Prices asked: this share of the best bound's prices, the rest the LP's."""
    hard_penalty: float = 1e6
    """Per unit of a hard cover rule broken, while the columns cannot yet keep it."""
    mip_first: float = 0.15
    """Share of the time left after the dive for the first choice among the columns."""
    mip_last: float = 0.5
    """...and for the last one, after the branch and price."""
    aim: int = 2
    """The branch and price first looks for rosters this far above the bound..."""
    aim_share: float = 0.005
    """...and at most ``aim`` or this share of the bound above it."""
    support_limit: float = 5.0
    """CP-SAT's deterministic seconds for a roster of the LP's support; 0: never."""
    support_open: int = 300
    """The most assignments a roster of the support may leave open..."""
    support_open_share: float = 0.45
    """...or this share of the support's assignments, whichever is more."""
    labels: bool = False
    """Price a clinician's roster by labels over the days (solver.columns.labels) where they
    express the clinician's rules, by CP-SAT elsewhere. Off by default: on the benchmark instances
    measured the CP-SAT pricer's rounds are quicker and its bounds no weaker (docs/engine.md)."""
    label: LabelParams = field(default_factory=LabelParams)
    """How hard the labels work."""
