"""Shared pytest fixtures: where the bundled and the development audio live, and a scratch PostgreSQL.

A test that needs something the machine lacks (Chromium, PostgreSQL) fails; set
``PERSONA_ALLOW_SKIP=1`` to let it skip on a developer machine. In CI (``CI=true``) it always
fails, so a broken installation can never pass as a green run.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from persona.scratch_postgres import ScratchPostgres, server_binaries

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PERSONA_SHARED", REPO.parent / "shared"))  # a worktree elsewhere: set PERSONA_SHARED
ALLOW_SKIP_ENV = "PERSONA_ALLOW_SKIP"
CHROMIUM = Path("/usr/bin/chromium")


def missing(what: str) -> None:
    """Fail (CI, or by default) or skip (``PERSONA_ALLOW_SKIP=1`` outside CI) for a missing dependency."""
    in_ci = os.environ.get("CI", "").lower() == "true"
    if os.environ.get(ALLOW_SKIP_ENV) == "1" and not in_ci:
        pytest.skip(f"{what} ({ALLOW_SKIP_ENV}=1)")
    pytest.fail(f"{what}; tests/run.sh installs it (set {ALLOW_SKIP_ENV}=1 to skip on a developer machine)", pytrace=False)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The bundled ``reference_audio/`` folder (permissive clips, ``manifest.csv``)."""
    return REPO / "reference_audio"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """``../shared/corpus`` beside the clone; tests using it skip when it is absent."""
    corpus = SHARED / "corpus"
    if not (corpus / "manifest.csv").is_file():
        pytest.skip(f"development corpus not found at {corpus}")
    return corpus


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, for the real-browser tests."""
    if not CHROMIUM.exists():
        missing(f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for this test session (Debian's ``postgresql`` binaries)."""
    if server_binaries() is None:
        missing("needs PostgreSQL server binaries (apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError:
        missing('needs the psycopg driver (pip install "persona[postgres]")')
    with ScratchPostgres() as server:
        yield server


@pytest.fixture
def new_database(request, tmp_path):
    """Make a fresh, empty database: ``new_database("sqlite")`` or ``new_database("postgresql")`` -> URL."""

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'trials_{uuid.uuid4().hex[:8]}.sqlite3'}"
        return request.getfixturevalue("postgres_server").new_database(f"t_{uuid.uuid4().hex[:12]}")

    return make
