"""Per-session workbench state for the Streamlit pages: working folder, reference folder, memoised results.

Each browser session gets its own private temporary folder for uploads and takes; it is deleted
when the session ends (the :class:`tempfile.TemporaryDirectory` held in ``st.session_state`` is
finalised with it). The reference folder is ``$PERSONA_REFERENCE_DIR`` when set, else the bundled
``reference_audio/``. Long results (a benchmark, a comparison) are memoised per session under a
key that changes with their inputs (:func:`memo`, :func:`fingerprint`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

import streamlit as st

from .. import io, provenance
from ..benchmark.build import Benchmark
from ..benchmark.reference import bundled_reference
from .progress import Progress, build_with_progress
from .uploads import new_working_folder

T = TypeVar("T")

REFERENCE_DIR_ENV = "PERSONA_REFERENCE_DIR"
_FOLDER_KEY = "workbench_folder"
_MEMO_PREFIX = "workbench_memo_"


def working_folder() -> Path:
    """This session's private working folder (created on first use)."""
    if _FOLDER_KEY not in st.session_state:
        st.session_state[_FOLDER_KEY] = new_working_folder()
    return Path(st.session_state[_FOLDER_KEY].name)


def reference_dir() -> Path:
    """The reference folder the pages read and record into: ``$PERSONA_REFERENCE_DIR`` or the bundled one."""
    configured = os.environ.get(REFERENCE_DIR_ENV)
    return Path(configured) if configured else bundled_reference()


def memo(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """This session's result of ``compute()``, computed again only when ``key`` changes."""
    slot = _MEMO_PREFIX + name
    held = st.session_state.get(slot)
    if held is None or held[0] != key:
        st.session_state[slot] = (key, compute())
    return st.session_state[slot][1]


def fingerprint(paths) -> tuple:
    """What changes when files or folders change: ``(path, mtime_ns, size)`` of every file under ``paths``."""
    files = [p for p in io.iter_audio_files(paths, suffixes=frozenset({*io.AUDIO_SUFFIXES, ".csv"})) if p.is_file()]
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


def content_key(payload) -> str:
    """A short stable key of JSON-able content (e.g. ``Benchmark.to_dict()``), for :func:`memo`."""
    return provenance.params_digest(payload)


def reference_benchmark(ref_dir: Path, *, telephone: bool, on_progress: Progress) -> Benchmark:
    """The benchmark of a reference folder for this session, rebuilt only when the folder's files change."""
    key = (str(ref_dir), telephone, fingerprint([ref_dir]))
    return memo("benchmark", key, lambda: build_with_progress(ref_dir, telephone=telephone, on_progress=on_progress))
