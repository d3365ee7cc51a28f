"""The engine layer: which database, SQLite settings on every connection, driver mapping and errors."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import text

from persona.errors import StoreError
from persona.storage import POSTGRES_EXTRA, SQLITE_BUSY_TIMEOUT_MS, default_db_url, driver_url, make_engine


def test_default_url_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PERSONA_DB_URL", "postgresql://panel@db.example/persona")
    assert default_db_url() == "postgresql://panel@db.example/persona"
    monkeypatch.delenv("PERSONA_DB_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_url() == f"sqlite:///{tmp_path / 'persona' / 'trials.sqlite3'}"


def test_every_sqlite_connection_gets_wal_and_the_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    for _ in range(2):  # a second pooled or fresh connection carries the same settings
        with engine.connect() as c:
            assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert c.execute(text("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
        engine.dispose()


@pytest.mark.parametrize("url", ["postgresql://u:pw@h/db", "postgres://u:pw@h/db", "postgresql+psycopg://u:pw@h/db"])
def test_postgresql_urls_use_psycopg3(url):
    assert driver_url(url) == "postgresql+psycopg://u:pw@h/db"


def test_missing_driver_is_one_line_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    with pytest.raises(StoreError) as caught:
        make_engine("postgresql://panel:hunter2@localhost/persona")
    message = str(caught.value)
    assert "\n" not in message and POSTGRES_EXTRA in message
    assert "hunter2" not in message  # the password is masked


@pytest.mark.parametrize("url", ["nonsense", "mysqlx://h/db", ""])
def test_unusable_urls_are_store_errors(url):
    with pytest.raises(StoreError, match="PERSONA_DB_URL"):
        make_engine(url)
