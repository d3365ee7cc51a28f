"""Prepared clips on disk, so no listener waits for trimming, resampling or loudness normalisation.

``persona survey validate`` and ``persona survey invite`` prepare every clip of a study once; the
prepared samples are kept as ``<cache dir>/stimuli/<key>.npy`` (float32, at the survey rate),
where the key digests the recording's content hash, the kind of copy (recorded, anchor, gold),
the survey's audio settings, the persona version and the source of the preparation code. Any app
process, including one started after a crash, then reads a clip in about a millisecond instead of
preparing it. The cache dir is ``$PERSONA_CACHE_DIR``, else the user cache dir; ``PERSONA_CACHE=0``
turns the disk layer off. Files are written to a temporary name and renamed, so a reader never
sees half a clip, and concurrent writers of one clip write the same bytes.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import cache, provenance
from .spec import AudioSpec

SUBFOLDER = "stimuli"


@lru_cache(maxsize=1)
def preparation_code() -> str:
    """Digest of the code a prepared clip depends on: the measuring modules and ``trials/stimuli.py``."""
    source = (Path(__file__).parent / "stimuli.py").read_bytes()
    return hashlib.sha256(provenance.measurement_code().encode() + source).hexdigest()[:16]


def clip_key(content_sha256: str, derived: str, spec: AudioSpec) -> str:
    """The cache key of one prepared clip."""
    return provenance.params_digest({
        "content": content_sha256, "derived": derived, "audio": dataclasses.asdict(spec),
        "persona": provenance.software()["persona"], "code": preparation_code(),
    })  # fmt: skip


def folder() -> Path:
    """Where prepared clips are kept."""
    return cache.default_path().parent / SUBFOLDER


def load(key: str) -> np.ndarray | None:
    """The cached samples of a clip, or ``None`` (absent, unreadable, or the disk layer off)."""
    if not cache.enabled():
        return None
    try:
        return np.load(folder() / f"{key}.npy", allow_pickle=False).astype(np.float64)
    except (OSError, ValueError):
        return None


def save(key: str, samples: np.ndarray) -> None:
    """Keep a clip's samples (float32); a failure to write only costs a later re-preparation."""
    if not cache.enabled():
        return
    target = folder()
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target, suffix=".tmp", delete=False) as handle:
            np.save(handle, np.asarray(samples, dtype=np.float32), allow_pickle=False)
    except OSError:
        return
    try:
        os.replace(handle.name, target / f"{key}.npy")
    except OSError:
        Path(handle.name).unlink(missing_ok=True)
