"""What every command shares: exit codes, how bad input is reported, and the engine's options."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
import yaml

from roster.domain.io import (
    InputError,
    InputIssue,
    OutputError,
    check_writable,
    load_instance,
    parse_yaml,
    write_outputs,
)
from roster.domain.tables import Instance

if TYPE_CHECKING:
    from roster.app.store import StoreError

EXIT_INVALID = 2
EXIT_INFEASIBLE = 3
EXIT_NO_SOLUTION = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C

F = TypeVar("F", bound=Callable[..., Any])


def fail_input(err: InputError, writes: bool = True) -> NoReturn:
    """Print every problem of the input, say nothing was written, and exit 2."""
    for issue in err.issues:
        click.echo(f"error: {issue}", err=True)
    n = len(err.issues)
    tail = "; nothing was written." if writes else "."
    click.echo(f"{n} problem{'s' if n != 1 else ''} in the input{tail}", err=True)
    sys.exit(EXIT_INVALID)


def fail_output(err: OutputError) -> NoReturn:
    """An output folder that cannot be written: say why, that nothing was written, exit 2."""
    click.echo(f"error: {err}; nothing was written.", err=True)
    sys.exit(EXIT_INVALID)


def writable(out_dir: str | None) -> None:
    """Exit 2 now, before any work, when ``out_dir`` cannot be created or written."""
    if out_dir is not None:
        try:
            check_writable(out_dir)
        except OutputError as err:
            fail_output(err)


def write(out_dir: str | Path, files: Mapping[str, bytes]) -> None:
    """Write the files all at once, or exit 2 saying why none were."""
    try:
        write_outputs(out_dir, files)
    except OutputError as err:
        fail_output(err)


def warn(issues: list[InputIssue]) -> None:
    for issue in issues:
        click.echo(f"warning: {issue}", err=True)


def key_values(values: tuple[str, ...], option: str) -> dict[str, Any]:
    """KEY=VALUE items, each value read as YAML (so 50 is a number and true a flag)."""
    out: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got '{item}'", param_hint=option)
        try:
            out[key.strip()] = parse_yaml(raw)
        except yaml.YAMLError:
            raise click.BadParameter(
                f"the value of '{key.strip()}' is not a valid YAML value: '{raw}'",
                param_hint=option,
            ) from None
    return out


def load(path: str, sets: tuple[str, ...] = (), writes: bool = True) -> Instance:
    """The instance at ``path`` with the --set overrides, or exit 2 with every problem; what is
    valid but surely not meant is printed as warnings."""
    notes: list[InputIssue] = []
    try:
        inst = load_instance(path, overrides=key_values(sets, "--set"), warnings=notes)
    except InputError as err:
        fail_input(err, writes)
    warn(notes)
    return inst


def sets_option(f: F) -> F:
    """--set KEY=VALUE (repeatable): override a rules-file key."""
    return click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="KEY=VALUE",
        help="Override a rules-file key, e.g. rules.cover_preferred.weight=50 (repeatable).",
    )(f)


# --- the history store ---------------------------------------------------------------------------


def db_option(f: F) -> F:
    """--db PATH_OR_URL: the history store (a SQLite file, or a PostgreSQL URL), else ROSTER_DB."""
    return click.option(
        "--db",
        "db",
        envvar="ROSTER_DB",
        show_envvar=True,
        metavar="PATH_OR_URL",
        help="The history store: a SQLite file or a postgresql+psycopg:// URL.",
    )(f)


def fail_store(err: StoreError) -> NoReturn:
    """Print the store's message and exit 2."""
    click.echo(f"error: {err}", err=True)
    sys.exit(EXIT_INVALID)


@contextmanager
def store_errors() -> Iterator[None]:
    """Bad input to the history store (a missing file, a wrong URL, an old schema, a roster that
    does not belong): its message and exit 2, never a traceback."""
    from roster.app.store import StoreError

    try:
        yield
    except StoreError as err:
        fail_store(err)


def given_db(db: str | None) -> str | None:
    """The --db value, None when neither it nor ROSTER_DB names a store."""
    return db if db is not None and db.strip() else None


def with_db_history(
    instance: Instance, db: str | None, say: Callable[[str], None] | None = None
) -> Instance:
    """The instance carrying the history the store at ``db`` holds before its horizon (the
    instance as it is without a store); exit 2 when the store cannot be used."""
    if given_db(db) is None:
        return instance
    from roster.app.cycle import history_line, read_history, with_history
    from roster.app.store import Store

    with store_errors(), Store.open(db) as store:
        carried = with_history(instance, read_history(store, instance))
    if say is not None:
        say(history_line(carried))
    return carried
