"""Database engines for persona's stores: which database, and how to connect to it.

The database is chosen by, in order: an explicit URL, the ``PERSONA_DB_URL`` environment
variable (``postgresql://user@host/persona`` or ``sqlite:///path/file.sqlite3``), else a SQLite
file ``trials.sqlite3`` in the user data folder (``~/.local/share/persona`` on Linux, from
platformdirs).

SQLite connections use WAL journaling and a busy timeout, set on every connect, so readers never
block the writer and writers from several processes queue instead of failing. ``postgresql://``
URLs use the psycopg 3 driver (``pip install "persona[postgres]"``), with a liveness check
before a pooled connection is reused, so a restarted database server costs one retry, not an
error page. Engines hide query parameters in their error messages (no stored values in a log).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from .errors import StoreError

DB_URL_ENV = "PERSONA_DB_URL"
SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_EXTRA = 'pip install "persona[postgres]"'


def default_db_url() -> str:
    """``PERSONA_DB_URL`` if set, else a SQLite file in the user data folder."""
    if os.environ.get(DB_URL_ENV):
        return os.environ[DB_URL_ENV]
    folder = Path(platformdirs.user_data_dir("persona"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'trials.sqlite3'}"


def driver_url(db_url: str) -> str:
    """The URL with its driver made explicit: ``postgresql://`` and ``postgres://`` use psycopg 3.

    Raises
    ------
    StoreError
        If the URL cannot be parsed.
    """
    try:
        url = make_url(db_url)
    except ArgumentError:
        raise StoreError(f"{DB_URL_ENV}: cannot parse database URL {safe_url(db_url)!r}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def make_engine(db_url: str) -> Engine:
    """An engine for ``db_url`` (SQLite: WAL and busy timeout on every connect).

    Raises
    ------
    StoreError
        A malformed URL, an unknown database, or a missing driver (with the command that installs it).
    """
    url = driver_url(db_url)
    try:
        engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"), hide_parameters=True)
    except (ModuleNotFoundError, NoSuchModuleError) as exc:
        hint = f"; install it with: {POSTGRES_EXTRA}" if url.startswith("postgresql") else ""
        raise StoreError(f"{DB_URL_ENV}: no driver for {safe_url(db_url)!r} ({exc}){hint}") from None
    except (ArgumentError, ValueError) as exc:
        raise StoreError(f"{DB_URL_ENV}: cannot use database URL {safe_url(db_url)!r} ({exc})") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def error_reason(exc: SQLAlchemyError) -> str:
    """The first line of a database error's driver message (the error's class name without one), for messages."""
    return str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()[0]


def safe_url(db_url: str) -> str:
    """The database URL with any password masked, for messages."""
    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"
