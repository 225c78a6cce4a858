"""Where the history store lives: the database URL, the engine, and the schema's revision.

A plain path means a SQLite file; ``sqlite:///PATH`` and ``postgresql+psycopg://...`` URLs are
taken as they are. The schema is created and migrated by Alembic from the migrations shipped in
this package, on a connection the store opens, so no ``alembic.ini`` is needed.
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from roster.app.store.errors import StoreError

ENV_VAR = "ROSTER_DB"
"""The environment variable read when no database is given."""

MIGRATIONS = Path(__file__).parent / "migrations"

WRITE_OPTION = "roster_write"
"""Execution option marking a connection that writes: SQLite begins it with BEGIN IMMEDIATE."""

_LOCK_KEY = zlib.crc32(b"roster history store")
"""PostgreSQL advisory lock taken by every write, so that writes run one after another."""

_DRIVERS = {
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
}


@dataclass(frozen=True)
class Location:
    """A resolved database: its URL and how to name it to the user."""

    url: URL
    label: str

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.url.database) if self.is_sqlite and self.url.database else None


def resolve_url(db: str | None) -> Location:
    """The database named by ``db`` (a path or a URL), else by the ``ROSTER_DB`` variable."""
    given = db if db is not None and db.strip() else os.environ.get(ENV_VAR, "")
    given = given.strip()
    if not given:
        raise StoreError(f"no database given: pass --db PATH_OR_URL or set {ENV_VAR}")
    if "://" not in given:
        path = Path(given).expanduser().absolute()
        return Location(URL.create("sqlite", database=str(path)), given)
    # the URL as given, with its password hidden
    label = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", given)
    try:
        url = make_url(given)
    except (ArgumentError, ValueError):
        raise StoreError(
            f"malformed database URL {label}: give a SQLite path, sqlite:///PATH or "
            "postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/NAME"
        ) from None
    driver = _DRIVERS.get(url.drivername)
    if driver is None:
        raise StoreError(
            f"unsupported database URL {label}: use a SQLite path, sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST/NAME"
        )
    url = url.set(drivername=driver)
    if driver == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            raise StoreError(f"database URL {label} names no SQLite file: use sqlite:///PATH")
        url = url.set(database=str(Path(url.database).expanduser().absolute()))
    elif not url.database:
        raise StoreError(f"database URL {label} names no database: add /NAME at its end")
    return Location(url, label)


def _reason(error: SQLAlchemyError) -> str:
    """The database's own message, first line only, without SQLAlchemy's wrapping."""
    original: Any = error.orig if isinstance(error, DBAPIError) else error
    message = str(original).strip().splitlines()
    return message[0] if message else type(original).__name__


def unreachable(location: Location, error: SQLAlchemyError) -> StoreError:
    return StoreError(f"cannot use the database {location.label}: {_reason(error)}")


def make_engine(location: Location, *, create: bool) -> Engine:
    """An engine for the database; a missing SQLite file is an error unless ``create``."""
    path = location.sqlite_path
    if path is not None:
        if path.is_dir():
            raise StoreError(f"{location.label} is a folder, not a database file")
        if not path.exists():
            if not create:
                raise StoreError(
                    f"no database at {location.label}: create it with "
                    f"roster db upgrade --db {location.label}"
                )
            if not path.parent.is_dir():
                raise StoreError(
                    f"cannot create the database {location.label}: the folder {path.parent} "
                    "does not exist"
                )
        engine = create_engine(location.url, connect_args={"timeout": 60})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(location.url, connect_args={"connect_timeout": 10})


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (below), so that reads and DDL run inside transactions too
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # a write takes SQLite's write lock at once, so its reads see no other write until it ends
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def lock_for_write(connection: Connection) -> None:
    """Wait until no other write runs (SQLite's BEGIN IMMEDIATE already did)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The schema revision this version of the store writes and reads."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the store's migrations have no head revision"
    return head


@dataclass(frozen=True)
class SchemaState:
    """The database's schema revision beside the one this code needs."""

    current: str | None
    head: str
    known: bool  # the current revision is one of the shipped migrations
    has_tables: bool

    @property
    def ready(self) -> bool:
        return self.current == self.head


def schema_state(connection: Connection) -> SchemaState:
    current = MigrationContext.configure(connection).get_current_revision()
    script = ScriptDirectory.from_config(_alembic_config())
    head = script.get_current_head()
    assert head is not None
    known = current is None or current in {s.revision for s in script.walk_revisions()}
    has_tables = bool(inspect(connection).get_table_names())
    return SchemaState(current, head, known, has_tables)


def require_ready(state: SchemaState, location: Location) -> None:
    """Refuse a schema other than the head, saying what to run."""
    if state.ready:
        return
    upgrade = f"run roster db upgrade --db {location.label}"
    if state.current is None:
        what = "holds other tables but no roster history" if state.has_tables else "is empty"
        raise StoreError(f"the database {location.label} {what}: {upgrade}")
    if not state.known:
        raise StoreError(
            f"the database {location.label} has schema revision {state.current}, newer than this "
            f"roster knows (revision {state.head}): upgrade roster to use it"
        )
    raise StoreError(
        f"the database {location.label} has schema revision {state.current}, older than this "
        f"roster's {state.head}: {upgrade}"
    )


def upgrade_schema(connection: Connection, location: Location) -> SchemaState:
    """Create or migrate the schema to the head revision, inside the connection's transaction."""
    state = schema_state(connection)
    if not state.known:
        require_ready(state, location)
    if state.current is None and state.has_tables:
        require_ready(state, location)
    try:
        command.upgrade(_alembic_config(connection), "head")
    except CommandError as e:
        raise StoreError(f"cannot upgrade the database {location.label}: {e}") from None
    return schema_state(connection)


@contextmanager
def translated(location: Location) -> Iterator[None]:
    """Database failures (unreachable server, locked or corrupt file) as a StoreError."""
    try:
        yield
    except SQLAlchemyError as e:
        raise unreachable(location, e) from None
