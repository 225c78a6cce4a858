"""The `roster` command: parse, call a library function, print."""

from __future__ import annotations

import click

from roster.cli import bench, core, daily, outputs, sweep, workflows


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="roster")
def main() -> None:
    """Weekly rosters for clinicians across hospitals and universities, optimised with CP-SAT.

    \b
    Example:
      roster solve data/samples/hksh-affiliation-week --out out/
    """


for _command in [
    *core.COMMANDS,
    *outputs.COMMANDS,
    *workflows.COMMANDS,
    *sweep.COMMANDS,
    *daily.COMMANDS,
    *bench.COMMANDS,
]:
    main.add_command(_command)
