"""Provenance: which software and which parameters produced a result."""

from __future__ import annotations

import hashlib
import json
import platform
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

SCHEMA_VERSION = 1


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


@lru_cache(maxsize=1)
def software() -> dict[str, str]:
    """Versions of persona and of the libraries that shape its numbers (dtw-python: paired-mode alignment; moonshine-cpp, onnxruntime: recognised syllables)."""
    import parselmouth

    return {
        "persona": _version("persona"),
        "persona_measurement_code": measurement_code(),
        "praat": parselmouth.PRAAT_VERSION,
        "praat-parselmouth": parselmouth.__version__,
        "dtw-python": _version("dtw-python"),
        "pyebur128": _version("pyebur128"),
        "moonshine-cpp": _version("moonshine-cpp"),
        "onnxruntime": _version("onnxruntime"),
        "scipy": _version("scipy"),
        "numpy": _version("numpy"),
        "python": platform.python_version(),
    }


@lru_cache(maxsize=1)
def measurement_code() -> str:
    """Digest of the source of the measuring modules (``io.py``, ``features/``).

    Part of every provenance record and cache key, so profiles computed by other measurement code
    are never served from a cache, even within one persona version.
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for source in sorted([package / "io.py", *(package / "features").glob("*.py")]):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def params_digest(params: dict) -> str:
    """Short stable hash of analysis parameters (sorted JSON), for cache keys and compatibility checks."""
    blob = json.dumps(params, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def record(params: dict, **extra) -> dict:
    """A provenance record: schema version, software versions, every parameter and its digest."""
    return {
        "schema_version": SCHEMA_VERSION,
        "software": software(),
        "params": params,
        "params_digest": params_digest(params),
        **extra,
    }
