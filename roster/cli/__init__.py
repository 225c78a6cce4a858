"""The `roster` command: parse, call a library function, print."""

from __future__ import annotations

import importlib

import click

# Each command's module, imported when the command runs (or `roster --help` lists it): a command
# loads only what it uses, so `roster publish` or `roster history` start without the engine.
COMMAND_MODULES: dict[str, str] = {
    **dict.fromkeys(["validate", "solve", "check", "schema", "generate", "rules"], "core"),
    **dict.fromkeys(["export", "report"], "outputs"),
    **dict.fromkeys(["compare", "repair", "explain"], "workflows"),
    "sweep": "sweep",
    **dict.fromkeys(["db", "publish", "history"], "cycle"),
    **dict.fromkeys(["swap", "cover"], "daily"),
    "bench": "bench",
}


class _LazyGroup(click.Group):
    """A group whose commands are looked up in their modules' ``COMMANDS`` when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"roster.cli.{module_name}")
        commands: list[click.Command] = module.COMMANDS
        return next(c for c in commands if c.name == cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="roster")
def main() -> None:
    """Weekly rosters for clinicians across hospitals and universities, optimised with CP-SAT.

    \b
    Example:
      roster solve data/samples/hksh-affiliation-week --out out/
    """
