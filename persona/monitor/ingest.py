"""Ingest recordings of the live agent: profile the agent side, score it against the benchmark, store one row each.

A mono file is an agent clip: it gets the persona profile (:func:`persona.extract.iter_extract`,
with the benchmark's analysis parameters) and its persona distance. A two-channel file is a call:
:class:`persona.calls.CallProfiler` measures the conversation timing and the agent side's profile
(agent channel guessed per call: the first to speak; the benchmark's telephone setting and syllable
method). Work runs in chunks on persona's process pool or a Dask cluster; each chunk's rows are
stored in one transaction as soon as it finishes, so an interrupted ingest keeps everything it
reported stored, and a rerun profiles only the rest.

Recordings are identified by the SHA-256 of their bytes: re-adding one stores nothing. Files that
cannot be used (unreadable, more than two channels, unknown scenario, nothing measurable) are
reported, one line each, and skipped.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np
import pandas as pd
import soundfile as sf

from .. import __version__, io
from ..benchmark import Benchmark, load_benchmark
from ..benchmark.features import FEATURES, feature_values
from ..benchmark.score import persona_distance
from ..cache import content_hash
from ..calls import CallProfiler
from ..errors import BenchmarkError
from ..extract import iter_extract
from .store import TIMING_COLUMNS, MonitorStore

DEFAULT_VERSION = "unversioned"
CALL_CHUNK = 8
"""Calls per unit of work (per pool run, or per Dask task)."""
MANIFEST_SUFFIX = ".csv"


@dataclasses.dataclass(frozen=True)
class Entry:
    """One recording to ingest, with what is known about it before it is measured."""

    file: str
    scenario: str
    agent_version: str
    recorded_at: datetime
    sha256: str = ""
    channels: int = 0


@dataclasses.dataclass
class IngestReport:
    """What an ingest did: recordings stored, already stored (by content hash), and the failures (one line each)."""

    stored: int = 0
    already: int = 0
    failed: list[str] = dataclasses.field(default_factory=list)


def entries(paths: Iterable[str | Path], *, scenario: str | None, agent_version: str | None, at: date | None) -> tuple[list[Entry], list[str]]:
    """The recordings named by files, folders (recursive) and manifest CSVs, and the problems found on the way.

    A manifest has a ``file`` column (relative to the manifest) and optional ``scenario,
    agent_version, recorded_at``; blank cells fall back to the options. ``recorded_at`` is else
    ``at`` (midnight UTC), else the file's modification time (UTC).
    """
    found: list[Entry] = []
    problems: list[str] = []
    plain = []
    for path in map(Path, paths):
        if path.suffix.lower() == MANIFEST_SUFFIX:
            rows, bad = _manifest(path, scenario=scenario, agent_version=agent_version, at=at)
            found += rows
            problems += bad
        else:
            plain.append(path)
    for path in plain:
        if not path.exists():
            problems.append(f"{path}: no such file or folder")
            continue
        for file in io.iter_audio_files([str(path)]):
            if not scenario:
                problems.append(f"{file}: no scenario (give --scenario or a manifest with a scenario column)")
                continue
            found.append(Entry(str(file), scenario, agent_version or DEFAULT_VERSION, _when(None, at, file)))
    return found, problems


def _manifest(path: Path, *, scenario, agent_version, at) -> tuple[list[Entry], list[str]]:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        return [], [f"{path}: not a readable manifest CSV ({exc.__class__.__name__}: {exc})"]
    if "file" not in table:
        return [], [f"{path}: manifest has no 'file' column (columns: {', '.join(table.columns)})"]
    found, problems = [], []
    for number, rec in enumerate(table.to_dict("records"), start=2):
        file = (path.parent / rec["file"].strip()) if rec["file"].strip() else None
        where = f"{path} line {number}"
        chosen = rec.get("scenario", "").strip() or scenario
        if file is None or not chosen:
            problems.append(f"{where}: {'no file' if file is None else 'no scenario (column or --scenario)'}")
            continue
        try:
            when = _when(rec.get("recorded_at", "").strip() or None, at, file)
        except (ValueError, OSError) as exc:
            problems.append(f"{where}: {file}: recorded_at {rec.get('recorded_at')!r}: {exc}")
            continue
        found.append(Entry(str(file), chosen, rec.get("agent_version", "").strip() or agent_version or DEFAULT_VERSION, when))
    return found, problems


def _when(text: str | None, at: date | None, file: Path) -> datetime:
    """Naive UTC timestamp: the manifest's, else ``at`` at midnight, else the file's modification time."""
    if text:
        stamp = pd.Timestamp(text)
        if pd.isna(stamp):
            raise ValueError("not a date")
        return (stamp.tz_convert("UTC").tz_localize(None) if stamp.tzinfo else stamp).to_pydatetime()
    if at is not None:
        return datetime.combine(at, time())
    return datetime.fromtimestamp(Path(file).stat().st_mtime, UTC).replace(tzinfo=None)


def identify(found: list[Entry], benchmark: Benchmark) -> tuple[list[Entry], list[str]]:
    """Entries with their content hash and channel count; unreadable files and unknown scenarios as problems."""
    ready, problems = [], []
    for entry in found:
        if entry.scenario not in benchmark.stats:
            problems.append(f"{entry.file}: scenario {entry.scenario!r} is not in the benchmark ({', '.join(benchmark.scenarios)})")
            continue
        try:
            channels = sf.info(entry.file).channels
            digest = content_hash(entry.file)
        except (OSError, RuntimeError, sf.LibsndfileError) as exc:
            problems.append(f"{entry.file}: not readable audio ({str(exc).strip() or exc.__class__.__name__})")
            continue
        if channels > 2:
            problems.append(f"{entry.file}: {channels} channels; expected a mono agent clip or a two-channel call")
            continue
        ready.append(dataclasses.replace(entry, sha256=digest, channels=channels))
    return ready, problems


def ingest(
    paths: Iterable[str | Path],
    benchmark_file: str | Path,
    *,
    store: MonitorStore,
    calls_benchmark: str | Path | None = None,
    scenario: str | None = None,
    agent_version: str | None = None,
    at: date | None = None,
    jobs: int | None = None,
    dask_scheduler: str | None = None,
    cache: bool = True,
    progress: bool = False,
    on_problem: Callable[[str], None] = lambda message: None,
    on_stored: Callable[[int], None] = lambda total: None,
) -> IngestReport:
    """Profile, score and store recordings (see the module docstring); problems are reported as they are found.

    ``calls_benchmark`` (from ``persona calls benchmark``) is kept with the rows, for the human band
    of the call timing in reports. ``on_problem`` receives each problem line (``FILE: what is wrong``); ``on_stored`` the running
    total of stored recordings after each committed chunk.
    """
    benchmark = load_benchmark(benchmark_file)
    shas = {"benchmark_sha256": keep_benchmark(benchmark_file, store),
            "calls_benchmark_sha256": keep_benchmark(calls_benchmark, store) if calls_benchmark else None}  # fmt: skip
    report = IngestReport()

    def problem(message: str) -> None:
        report.failed.append(message)
        on_problem(message)

    found, bad = entries(paths, scenario=scenario, agent_version=agent_version, at=at)
    ready, unreadable = identify(found, benchmark)
    for message in bad + unreadable:
        problem(message)
    todo = _new(ready, store.known(e.sha256 for e in ready))
    report.already = len(ready) - len(todo)
    clips = [e for e in todo if e.channels == 1]
    calls = [e for e in todo if e.channels == 2]
    chunks = _clip_chunks(clips, benchmark, jobs=jobs, dask_scheduler=dask_scheduler, cache=cache, progress=progress)
    call_chunks = _call_chunks(calls, benchmark, jobs=jobs, dask_scheduler=dask_scheduler, cache=cache)
    for kind, chunk in itertools.chain(zip(itertools.repeat("clip"), chunks), zip(itertools.repeat("call"), call_chunks)):
        rows = []
        for entry, measured in chunk:
            if measured.get("error"):
                problem(measured["error"] if measured["error"].startswith(entry.file) else f"{entry.file}: {measured['error']}")
            else:
                rows.append(_row(entry, kind, measured) | shas)
        _score(rows, benchmark)
        report.stored += store.add(rows)
        on_stored(report.stored)
    return report


def keep_benchmark(path: str | Path, store: MonitorStore) -> str:
    """Store a benchmark JSON (persona or calls) under its content hash, for the human bands of reports; returns the hash.

    Raises
    ------
    BenchmarkError
        The file is missing or is not a benchmark JSON (an object with per-scenario ``stats``).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        body = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BenchmarkError(f"{path}: not a readable benchmark JSON ({exc.__class__.__name__}: {exc})") from None
    if not isinstance(body, dict) or not isinstance(body.get("stats"), dict):
        raise BenchmarkError(f"{path}: not a benchmark (no per-scenario 'stats'); build one with `persona benchmark build` or `persona calls benchmark`")
    sha = hashlib.sha256(text.encode()).hexdigest()
    store.add_benchmark(sha, str(path), body)
    return sha


def _new(ready: list[Entry], known: set[str]) -> list[Entry]:
    """Entries not stored yet, each content once."""
    seen = set(known)
    out = []
    for entry in ready:
        if entry.sha256 not in seen:
            seen.add(entry.sha256)
            out.append(entry)
    return out


def _clip_chunks(clips: list[Entry], benchmark: Benchmark, **run) -> Iterator[list[tuple[Entry, dict]]]:
    if not clips:
        return
    table = pd.DataFrame({"file": [e.file for e in clips]})
    for indices, rows in iter_extract(table, profiler=benchmark.profiler(), **run):
        yield [(clips[i], row) for i, row in zip(indices, rows)]


def _call_chunks(calls: list[Entry], benchmark: Benchmark, *, jobs, dask_scheduler, cache) -> Iterator[list[tuple[Entry, dict]]]:
    clip_profiler = benchmark.profiler()
    profiler = CallProfiler(telephone=clip_profiler.telephone, syllables=clip_profiler.syllables)
    chunks = [calls[i : i + CALL_CHUNK] for i in range(0, len(calls), CALL_CHUNK)]
    if dask_scheduler and chunks:
        from dask.distributed import Client, as_completed

        with Client(dask_scheduler) as client:
            futures = {client.submit(_profile_calls, profiler, [e.file for e in chunk], None, False, pure=False): chunk for chunk in chunks}
            for future in as_completed(futures):
                yield list(zip(futures.pop(future), future.result()))
        return
    for chunk in chunks:
        yield list(zip(chunk, _profile_calls(profiler, [e.file for e in chunk], jobs, cache)))


def _profile_calls(profiler: CallProfiler, files: list[str], jobs: int | None, cache: bool) -> list[dict]:
    """Call rows of ``files``, in order, with the agent side's profile columns under their plain names."""
    calls = profiler.process_files(files, jobs=jobs, cache=cache).calls
    renamed = calls.rename(columns={f"agent_{c}": c for c in ("speech_s", *(f.column for f in FEATURES))})
    return renamed.to_dict("records")


def _row(entry: Entry, kind: str, measured: dict) -> dict:
    """The stored row of one measured recording (scores filled in by :func:`_score`)."""
    values = {c: _number(measured.get(c)) for c in ("duration_s", "speech_s", *(f.column for f in FEATURES))}
    timing = {c: _number(measured.get(c)) for c in TIMING_COLUMNS} if kind == "call" else {}
    return {
        "content_sha256": entry.sha256, "file": entry.file, "scenario": entry.scenario, "agent_version": entry.agent_version,
        "recorded_at": entry.recorded_at, "kind": kind,
        "agent_channel": int(measured["agent_channel"]) if kind == "call" else None,
        "warning": measured.get("warning") or None, "persona_version": __version__,
    } | values | timing  # fmt: skip


def _number(value) -> float | None:
    """A float for the database; NaN and missing as NULL."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _score(rows: list[dict], benchmark: Benchmark) -> None:
    """Fill in each row's persona distance against its scenario (NULL when no feature was measured)."""
    for scenario in {r["scenario"] for r in rows}:
        mine = [r for r in rows if r["scenario"] == scenario]
        values = feature_values(pd.DataFrame(mine).reindex(columns=[f.column for f in FEATURES]).astype(float))
        for r, d in zip(mine, persona_distance(values.to_numpy(), benchmark, scenario)):
            r["persona_distance"] = _number(d)

