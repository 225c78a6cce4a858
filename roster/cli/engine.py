"""The engine's settings as command-line options, shared by every command that solves (kept apart
from roster.cli.common, so that the commands that do not solve start without the engine)."""

from __future__ import annotations

import functools
from typing import Any

import click

from roster.cli.common import F, key_values
from solver.engine.params import SolveParams


def engine_options(f: F) -> F:
    """The engine's settings as options, their defaults those of SolveParams, gathered into one
    ``engine: SolveParams`` argument: every command runs the same engine unless told otherwise."""
    defaults = SolveParams()

    @functools.wraps(f)
    def wrapper(
        *args: Any,
        time_limit: float,
        workers: int,
        seed: int,
        first_pass: float,
        columns: float,
        cp_sat: tuple[str, ...],
        log: bool,
        **kwargs: Any,
    ) -> Any:
        engine = SolveParams(
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            log=log,
            first_pass=first_pass,
            columns=columns,
            extra=key_values(cp_sat, "--cp-sat"),
        )
        return f(*args, engine=engine, **kwargs)

    options = [
        click.option(
            "--time-limit",
            default=defaults.time_limit,
            show_default=True,
            type=click.FloatRange(1.0, 7 * 24 * 3600),
            help="Seconds for the whole solve, reading and building included.",
        ),
        click.option(
            "--workers",
            default=defaults.workers,
            show_default=True,
            type=click.IntRange(1, 256),
            help="CP-SAT search workers (threads).",
        ),
        click.option(
            "--seed",
            default=defaults.seed,
            show_default=True,
            help="Random seed; the same seed and workers give the same answer.",
        ),
        click.option(
            "--first-pass",
            "first_pass",
            default=defaults.first_pass,
            show_default=True,
            type=click.FloatRange(0.0, 0.9),
            help="When CP-SAT has searched this share of the time left after its presolve "
            "without a roster (or with one costing more than the one built clinician by "
            "clinician beside it), go on from that roster (0: never).",
        ),
        click.option(
            "--columns",
            default=defaults.columns,
            show_default=True,
            type=click.FloatRange(0.0, 0.9),
            help="The share of the time limit column generation may take for a lower bound and "
            "a first roster, where the objective splits by clinician (0: never; needs "
            "--first-pass above 0).",
        ),
        click.option(
            "--cp-sat",
            "cp_sat",
            multiple=True,
            metavar="KEY=VALUE",
            help="A CP-SAT parameter, passed straight on (repeatable).",
        ),
        click.option("--log", is_flag=True, help="Print CP-SAT's own search log."),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]
