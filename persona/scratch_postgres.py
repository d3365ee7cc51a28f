"""A throwaway PostgreSQL server for tests and benchmarks: ``initdb`` and ``pg_ctl`` in a temp dir.

It uses the server binaries of Debian's ``postgresql`` package (``/usr/lib/postgresql/*/bin``,
or the folder in ``PERSONA_PG_BIN``), listens on a free loopback port and on a unix socket in
its own folder, trusts local connections, and is deleted when stopped. PostgreSQL refuses to run
as root, so under root the server runs as the unprivileged ``nobody`` user (``runuser``).

Example
-------
>>> with ScratchPostgres() as server:                     # doctest: +SKIP
...     url = server.new_database("study")                 # postgresql://persona@127.0.0.1:PORT/study
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from .errors import StoreError

PG_BIN_ENV = "PERSONA_PG_BIN"
SUPERUSER = "persona"
_RUN_AS = "nobody"


def server_binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl`` (newest Debian version first), or ``None``."""
    candidates = [os.environ[PG_BIN_ENV]] if os.environ.get(PG_BIN_ENV) else []
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin")), key=_version, reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    return next((Path(c) for c in candidates if (Path(c) / "initdb").is_file() and (Path(c) / "pg_ctl").is_file()), None)


def _version(folder: str) -> int:
    name = Path(folder).parent.name
    return int(name) if name.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScratchPostgres:
    """A private PostgreSQL server; use as a context manager, or call :meth:`start` and :meth:`stop`."""

    def __init__(self, *, max_connections: int = 200):
        self.max_connections = max_connections
        self.folder: Path | None = None
        self.port = 0

    def __enter__(self) -> ScratchPostgres:
        self.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def start(self) -> None:
        """Create the cluster and start the server (waits until it accepts connections).

        Raises
        ------
        StoreError
            No PostgreSQL server binaries, or the server did not start (with the first log line).
        """
        binaries = server_binaries()
        if binaries is None:
            raise StoreError(f"no PostgreSQL server binaries (apt-get install postgresql, or set {PG_BIN_ENV})")
        self.folder = Path(tempfile.mkdtemp(prefix="persona-pg-"))
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, user=_RUN_AS)
        data, log = self.folder / "data", self.folder / "server.log"
        self._run([binaries / "initdb", "-D", data, "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"])
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.folder} "
                   f"-c max_connections={self.max_connections} -c fsync=off -c full_page_writes=off")  # fmt: skip
        self._run([binaries / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"], log=log)

    def stop(self) -> None:
        """Stop the server at once and delete its folder."""
        if self.folder is None:
            return
        binaries = server_binaries()
        if binaries is not None and (self.folder / "data" / "postmaster.pid").exists():
            self._run([binaries / "pg_ctl", "-D", self.folder / "data", "-m", "immediate", "-w", "stop"], check=False)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def url(self, database: str = "postgres") -> str:
        """The ``postgresql://`` URL of a database on this server."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def new_database(self, name: str) -> str:
        """Create an empty database (dropping any of that name) and return its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run(self, command: list, *, log: Path | None = None, check: bool = True) -> None:
        argv = [str(part) for part in command]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", _RUN_AS, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, cwd=self.folder, check=False)
        if check and done.returncode != 0:
            detail = (log.read_text(errors="replace") if log and log.exists() else "") or done.stderr or done.stdout
            first = next((line for line in detail.splitlines() if line.strip()), "no output")
            self.stop()
            raise StoreError(f"scratch PostgreSQL: {Path(str(command[0])).name} failed: {first}")
