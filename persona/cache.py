"""Profile cache: one SQLite file keyed by audio content hash + extraction parameters + persona version + code.

Re-profiling an unchanged archive does no audio work. The cache lives in the user cache dir
(``platformdirs.user_cache_dir("persona")``), or in ``$PERSONA_CACHE_DIR``; ``PERSONA_CACHE=0``
(or ``cache=False`` in the API, ``--no-cache`` on the CLI) turns it off. Only the calling process
writes; workers return rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import closing
from pathlib import Path

from . import provenance, tables

CHUNK_BYTES = 1 << 20


def enabled() -> bool:
    """Whether caching is on (``PERSONA_CACHE`` is not ``0``/``false``/``no``/``off``)."""
    return os.environ.get("PERSONA_CACHE", "1").strip().lower() not in {"0", "false", "no", "off"}


def default_path() -> Path:
    """``$PERSONA_CACHE_DIR/profiles.sqlite``, else ``profiles.sqlite`` in the user cache dir."""
    import platformdirs

    folder = os.environ.get("PERSONA_CACHE_DIR") or platformdirs.user_cache_dir("persona")
    return Path(folder) / "profiles.sqlite"


def content_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (memory stays flat)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def key(content_sha256: str, *, params: dict, channel, transcript: str | None) -> str:
    """Cache key of one extraction: content, parameters, channel, transcript, persona version and measurement code."""
    parts = {
        "content": content_sha256,
        "params": provenance.params_digest(params),
        "channel": None if channel is None else int(channel),
        "transcript": transcript or "",
        "persona": provenance.software()["persona"],
        "code": provenance.measurement_code(),
    }
    return provenance.params_digest(parts)


class ProfileCache:
    """A SQLite table ``profiles(key TEXT PRIMARY KEY, row TEXT)`` of profile rows as JSON.

    >>> cache = ProfileCache("/tmp/p.sqlite")  # doctest: +SKIP
    >>> cache.put_many({"k": {"f0_median_hz": 120.0}}); cache.get_many(["k"])  # doctest: +SKIP
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute("CREATE TABLE IF NOT EXISTS profiles (key TEXT PRIMARY KEY, row TEXT NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        """Cached rows for the keys that are present."""
        found: dict[str, dict] = {}
        with closing(self._connect()) as db:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                marks = ",".join("?" * len(batch))
                for k, row in db.execute(f"SELECT key, row FROM profiles WHERE key IN ({marks})", batch):
                    found[k] = json.loads(row)
        return found

    def put_many(self, rows: dict[str, dict]) -> None:
        """Store rows (NaN kept as JSON null); rows with an ``error`` are not cached."""
        items = [(k, json.dumps(tables.jsonable(r))) for k, r in rows.items() if not r.get("error")]
        with closing(self._connect()) as db, db:
            db.executemany("INSERT OR REPLACE INTO profiles (key, row) VALUES (?, ?)", items)

    def __len__(self) -> int:
        with closing(self._connect()) as db:
            return int(db.execute("SELECT COUNT(*) FROM profiles").fetchone()[0])
