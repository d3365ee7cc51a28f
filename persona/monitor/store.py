"""Monitor storage: one row per ingested recording, and the benchmarks they were scored against (SQLAlchemy 2.0 Core).

The tables live in the same database as the listening tests (``PERSONA_DB_URL``, else SQLite in
the user data folder) and are created when missing. Recordings are keyed by the SHA-256 of their
bytes: inserting one that is already stored does nothing (``ON CONFLICT DO NOTHING``), so
re-ingesting a folder, or two ingests racing on one database, store each recording once. Each
:meth:`MonitorStore.add` is one transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Iterable

import pandas as pd
from sqlalchemy import Column, DateTime, Float, ForeignKey, Integer, MetaData, String, Table, Text, cast, func, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..benchmark.features import FEATURES
from ..errors import StoreError
from ..storage import default_db_url, make_engine, safe_url
from .metrics import METRICS

TIMING_COLUMNS = (
    "agent_turns", "caller_turns", "response_latency_median_s", "response_latency_p90_s", "response_over_1s_share",
    "overlap_count", "overlap_s", "barge_in_count", "barge_in_stop_median_s", "agent_talk_ratio",
    "dead_air_3s_count", "dead_air_10s_count",
)  # fmt: skip
"""Per-call timing columns stored for two-channel calls (s, counts, 0-1 shares; see :mod:`persona.calls.timing`)."""
VALUE_COLUMNS = ("duration_s", "speech_s", "persona_distance", *(f.column for f in FEATURES), *TIMING_COLUMNS)
"""Every numeric column of a stored recording, in the profile's units."""
DATETIME_COLUMNS = {"recorded_at", "ingested_at"}
HASH_BATCH = 500
"""Hashes per ``IN (...)`` lookup (SQLite allows 999 parameters by default)."""

metadata = MetaData()

benchmarks = Table(
    "monitor_benchmarks", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("source", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("added_at", DateTime, nullable=False),
)  # fmt: skip

recordings = Table(
    "monitor_recordings", metadata,
    Column("id", Integer, primary_key=True),
    Column("content_sha256", String(64), nullable=False, unique=True),
    Column("file", Text, nullable=False),
    Column("scenario", String(64), nullable=False, index=True),
    Column("agent_version", String(64), nullable=False),
    Column("recorded_at", DateTime, nullable=False, index=True),
    Column("ingested_at", DateTime, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("agent_channel", Integer),
    Column("benchmark_sha256", ForeignKey("monitor_benchmarks.sha256"), nullable=False),
    Column("calls_benchmark_sha256", ForeignKey("monitor_benchmarks.sha256")),
    *(Column(name, Float) for name in VALUE_COLUMNS),
    Column("warning", Text),
    Column("persona_version", String(32), nullable=False),
)  # fmt: skip
"""One row per recording; ``kind`` is ``clip`` (mono, persona profile) or ``call`` (two channels: timing too)."""

WATCH_COLUMNS = ["id", "file", "scenario", "agent_version", "recorded_at",
                 *dict.fromkeys(m.column for m in METRICS)]  # fmt: skip


def utcnow() -> datetime:
    """Naive UTC now (stored naive, so SQLite and PostgreSQL round-trip alike)."""
    return datetime.now(UTC).replace(tzinfo=None)


class MonitorStore:
    """The monitor's tables in one database.

    Parameters
    ----------
    db_url : str, optional
        SQLAlchemy URL; default :func:`default_db_url`.
    """

    def __init__(self, db_url: str | None = None):
        self.db_url = db_url or default_db_url()
        try:
            self.engine = make_engine(self.db_url)
            metadata.create_all(self.engine)
            _add_new_columns(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"monitor database {safe_url(self.db_url)}: {exc.__class__.__name__}: {getattr(exc, 'orig', exc)}") from None

    def _insert(self, table: Table):
        dialect = {"sqlite": sqlite, "postgresql": postgresql}.get(self.engine.dialect.name)
        if dialect is None:
            raise StoreError(f"monitor database {safe_url(self.db_url)}: {self.engine.dialect.name} is not supported (SQLite or PostgreSQL)")
        return dialect.insert(table).on_conflict_do_nothing()

    def add_benchmark(self, sha256: str, source: str, body: dict) -> None:
        """Keep a benchmark the recordings are scored against (once per content hash)."""
        row = {"sha256": sha256, "source": source, "body": json.dumps(body), "added_at": utcnow()}
        with self.engine.begin() as conn:
            conn.execute(self._insert(benchmarks), [row])

    def add(self, rows: list[dict]) -> int:
        """Insert recording rows in one transaction; rows whose content hash is stored are skipped. Returns how many were new."""
        if not rows:
            return 0
        now = utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(self._insert(recordings).returning(recordings.c.id), [{"ingested_at": now} | r for r in rows])
            return len(result.all())

    def known(self, hashes: Iterable[str]) -> set[str]:
        """The content hashes among ``hashes`` that are already stored."""
        hashes = list(hashes)
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(hashes), HASH_BATCH):
                batch = hashes[start : start + HASH_BATCH]
                found |= set(conn.scalars(select(recordings.c.content_sha256).where(recordings.c.content_sha256.in_(batch))))
        return found

    def frame(self, *, columns: list[str] | None = None, scenario: str | None = None) -> pd.DataFrame:
        """Stored recordings as a table (default: what :func:`persona.monitor.watch` needs), oldest first.

        Timestamps are read as text and parsed in one vectorised pass (per-row parsing dominated a
        100,000-row read).
        """
        names = columns or WATCH_COLUMNS
        chosen = [cast(recordings.c[c], String).label(c) if c in DATETIME_COLUMNS else recordings.c[c] for c in names]
        query = select(*chosen).order_by(recordings.c.recorded_at, recordings.c.id)
        if scenario is not None:
            query = query.where(recordings.c.scenario == scenario)
        with self.engine.connect() as conn:
            frame = pd.read_sql(query, conn)
        for c in DATETIME_COLUMNS & set(frame.columns):
            frame[c] = pd.to_datetime(frame[c], format="ISO8601")
        numeric = [c for c in frame.columns if c in VALUE_COLUMNS]
        frame[numeric] = frame[numeric].astype(float)
        return frame

    def bands(self) -> dict[str, dict[str, tuple[float, float]]]:
        """Per scenario, the human p10-p90 band of each benchmark feature (column units), from the benchmarks of its latest recording.

        Persona features come from the persona benchmark; call timing from the calls benchmark, if one was given.
        """
        latest = select(recordings.c.scenario, func.max(recordings.c.id).label("id")).group_by(recordings.c.scenario).subquery()
        query = select(latest.c.scenario, recordings.c.benchmark_sha256, recordings.c.calls_benchmark_sha256).join(recordings, recordings.c.id == latest.c.id)
        with self.engine.connect() as conn:
            chosen = conn.execute(query).all()
            wanted = {sha for row in chosen for sha in row[1:] if sha}
            found = conn.execute(select(benchmarks.c.sha256, benchmarks.c.body).where(benchmarks.c.sha256.in_(wanted))) if wanted else []
            bodies = {sha: body for sha, body in found}
        out = {}
        for scenario, persona_sha, calls_sha in chosen:
            out[scenario] = _bands(bodies.get(calls_sha), scenario) | _bands(bodies[persona_sha], scenario)
        return out

    def count(self) -> int:
        """Stored recordings."""
        with self.engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(recordings)))


def _add_new_columns(engine) -> None:
    """Bring tables made by an earlier persona up to date: add the nullable columns they lack."""
    present = {c["name"] for c in inspect(engine).get_columns(recordings.name)}
    missing = [c for c in recordings.columns if c.name not in present]
    if any(not c.nullable for c in missing):
        raise StoreError(f"{recordings.name} lacks required column(s) {', '.join(c.name for c in missing)}; use a new database")
    with engine.begin() as conn:
        for column in missing:
            conn.execute(text(f"ALTER TABLE {recordings.name} ADD COLUMN {column.name} {column.type.compile(engine.dialect)}"))


def _bands(body: str | None, scenario: str) -> dict[str, tuple[float, float]]:
    """``{column: (p10, p90)}`` of one scenario of a stored benchmark JSON; features without a band left out."""
    stats = json.loads(body)["stats"].get(scenario, {}) if body else {}
    return {col: (s["p10"], s["p90"]) for col, s in stats.items() if s.get("p10") is not None and s.get("p90") is not None}
