"""Shared pytest fixtures: where the bundled and the development audio live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PERSONA_SHARED", REPO.parent / "shared"))  # a worktree elsewhere: set PERSONA_SHARED


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
