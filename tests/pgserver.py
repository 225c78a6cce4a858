"""A throwaway PostgreSQL server for the store's tests: initdb and pg_ctl into a temporary folder.

The server listens on a Unix socket inside that folder only, so no port is shared with anything
else on the machine. PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` system user, which then owns the folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

SEARCH_PATH = ("/usr/lib/postgresql/15/bin",)
INSTALLED = Path("/usr/lib/postgresql")  # Debian's packages: one folder per major version
USER = "roster"


def tool(name: str) -> str | None:
    """The PostgreSQL program ``name`` on PATH or in PostgreSQL 15's folder, if any."""
    found = shutil.which(name)
    if found:
        return found
    others = sorted(INSTALLED.glob("*/bin"), reverse=True) if INSTALLED.is_dir() else []
    for folder in [*map(Path, SEARCH_PATH), *others]:
        candidate = folder / name
        if candidate.is_file():
            return str(candidate)
    return None


@dataclass
class PostgresServer:
    folder: Path
    pg_ctl: str
    prefix: list[str]
    port: int = 5432
    databases: int = 0

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@/{database}?host={self.socket_dir}&port={self.port}"

    def new_database(self) -> str:
        """A new empty database's URL."""
        self.databases += 1
        name = f"roster_test_{self.databases}"
        with psycopg.connect(
            host=str(self.socket_dir), port=self.port, user=USER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        subprocess.run(
            [*self.prefix, self.pg_ctl, "-D", str(self.folder / "data"), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres(*, durable: bool = False) -> PostgresServer | None:
    """Start a server, or None when initdb or pg_ctl is missing. Unless ``durable``, it does not
    wait for its writes to reach the disk (fsync off), which tests do not need."""
    initdb, pg_ctl = tool("initdb"), tool("pg_ctl")
    if initdb is None or pg_ctl is None:
        return None
    folder = Path(tempfile.mkdtemp(prefix="roster-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres", "postgres")
    server = PostgresServer(folder, pg_ctl, prefix)
    # the server's user may not enter the folder the tests run from
    subprocess.run(
        [*prefix, "mkdir", str(server.socket_dir)], check=True, capture_output=True, cwd=folder
    )
    subprocess.run(
        [*prefix, initdb, "-D", str(folder / "data"), "-U", USER, "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        cwd=folder,
    )
    options = f"-k {server.socket_dir} -p {server.port} -c listen_addresses='' "
    options += "-c max_connections=50" + ("" if durable else " -c fsync=off")
    started = subprocess.run(
        [
            *prefix,
            pg_ctl,
            "-D",
            str(folder / "data"),
            "-o",
            options,
            "-l",
            str(folder / "log"),
            "-w",
            "start",
        ],
        capture_output=True,
        text=True,
        cwd=folder,
    )
    if started.returncode != 0:
        log = (folder / "log").read_text() if (folder / "log").exists() else ""
        server.stop()
        raise RuntimeError(f"pg_ctl start failed: {started.stderr}\n{log}")
    return server
