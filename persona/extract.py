"""Batch profile extraction for archives: content-hash cache, process pool, or an existing Dask cluster.

Audio is loaded one file at a time inside the workers and only profile rows travel back, so
memory stays flat however large the archive. Files are processed in chunks on one pool of
workers (:mod:`persona.workers`); each chunk's rows are cached as soon as it finishes, so an
interrupted run resumes where it stopped.

>>> frame = extract(["a.wav", "b.wav"], jobs=2)                       # doctest: +SKIP
>>> frame = extract(clips, dask_scheduler="tcp://10.0.0.5:8786")      # doctest: +SKIP
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd

from . import cache as cache_mod
from . import workers
from .extras import require
from .features import COLUMNS, Profiler

CHUNK_FILES = 64
"""Files per unit of work (per pool run, or per Dask task)."""
TEXT_COLUMNS = ("file", "channel", "error", "warning")


def extract(
    clips: pd.DataFrame | Iterable[str | Path],
    *,
    profiler: Profiler | None = None,
    jobs: int | None = None,
    cache: bool | cache_mod.ProfileCache = True,
    dask_scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Profile clips, reusing cached rows; one row per clip in input order, columns :data:`COLUMNS`.

    Parameters
    ----------
    clips : DataFrame or iterable of paths
        Paths, or a table with ``file`` and optional ``channel`` (0-based, NA = mix) and ``transcript``.
    profiler : Profiler, optional
        What to measure (default ``Profiler()``).
    jobs : int or None
        Local CPUs, one worker process each (:mod:`persona.workers`; ``None``: the calling thread
        as it is). Ignored with ``dask_scheduler``.
    cache : bool or ProfileCache
        ``True`` uses the default cache unless ``PERSONA_CACHE=0``; ``False`` disables it.
    dask_scheduler : str, optional
        Address of a running ``dask.distributed`` scheduler (e.g. ``tcp://host:8786``) to run on.
    progress : bool
        Show a progress bar (stderr).

    Returns
    -------
    DataFrame
        Profile rows; provenance of the profiler in ``attrs["provenance"]``.
    """
    profiler = profiler or Profiler()
    rows: dict[int, dict] = {}
    for indices, chunk_rows in iter_extract(clips, profiler=profiler, jobs=jobs, cache=cache, dask_scheduler=dask_scheduler, progress=progress):
        rows |= zip(indices, chunk_rows)
    frame = pd.DataFrame([rows[i] for i in range(len(rows))], columns=list(COLUMNS))
    numeric = [c for c in COLUMNS if c not in TEXT_COLUMNS]
    frame[numeric] = frame[numeric].apply(pd.to_numeric, errors="coerce")
    frame.attrs["provenance"] = profiler.provenance()
    return frame


def iter_extract(
    clips: pd.DataFrame | Iterable[str | Path],
    *,
    profiler: Profiler | None = None,
    jobs: int | None = None,
    cache: bool | cache_mod.ProfileCache = True,
    dask_scheduler: str | None = None,
    progress: bool = False,
) -> Iterator[tuple[list[int], list[dict]]]:
    """Profile clips as :func:`extract` does, yielding ``(positions, rows)`` as each chunk finishes.

    Cached rows come first, in one chunk; each computed chunk is cached before it is yielded,
    so a consumer that stores chunks as they come loses nothing already yielded if stopped.
    """
    if jobs is not None:
        workers.check(jobs)
    profiler = profiler or Profiler()
    tasks = _tasks(clips)
    store = _cache(cache)
    keys = [_key(t, profiler) for t in tasks] if store is not None else [None] * len(tasks)
    found = store.get_many([k for k in keys if k]) if store is not None else {}
    cached = [i for i, k in enumerate(keys) if k in found]
    if cached:
        yield cached, [dict(found[keys[i]], file=tasks[i]["file"]) for i in cached]
    todo = [i for i, k in enumerate(keys) if k not in found]
    for indices, chunk_rows in _run(profiler, [tasks[i] for i in todo], todo, jobs=jobs, dask_scheduler=dask_scheduler, progress=progress):
        if store is not None:
            store.put_many({keys[i]: row for i, row in zip(indices, chunk_rows) if keys[i]})
        yield indices, chunk_rows


def _tasks(clips) -> list[dict]:
    table = clips if isinstance(clips, pd.DataFrame) else pd.DataFrame({"file": [str(p) for p in clips]})
    out = []
    for rec in table.to_dict("records"):
        channel = rec.get("channel")
        out.append({
            "file": str(rec["file"]),
            "channel": None if channel is None or pd.isna(channel) else int(channel),
            "transcript": rec.get("transcript") or None,
        })  # fmt: skip
    return out


def _cache(cache) -> cache_mod.ProfileCache | None:
    if isinstance(cache, cache_mod.ProfileCache):
        return cache
    return cache_mod.ProfileCache() if cache and cache_mod.enabled() else None


def _key(task: dict, profiler: Profiler) -> str | None:
    try:
        digest = cache_mod.content_hash(task["file"])
    except OSError:
        return None  # the profiler reports the missing or unreadable file in its row
    return cache_mod.key(digest, params=profiler.params(), channel=task["channel"], transcript=task["transcript"])


def _chunks(tasks: list[dict], indices: list[int], size: int):
    """Consecutive runs of at most ``size`` tasks sharing one channel setting."""
    start = 0
    while start < len(tasks):
        stop = start + 1
        while stop < len(tasks) and stop - start < size and tasks[stop]["channel"] == tasks[start]["channel"]:
            stop += 1
        yield indices[start:stop], tasks[start:stop]
        start = stop


def profile_chunk(profiler: Profiler, tasks: list[dict], executor: Executor | None = None) -> list[dict]:
    """Profile one chunk of tasks sharing a channel; rows in task order, in the caller or on ``executor``."""
    texts = {t["file"]: t["transcript"] for t in tasks if t["transcript"]}
    return profiler.rows([t["file"] for t in tasks], channel=tasks[0]["channel"], transcripts=texts, executor=executor)


def _run(profiler, tasks, indices, *, jobs, dask_scheduler, progress):
    """Yield ``(indices, rows)`` per finished chunk, locally or on Dask."""
    from tqdm import tqdm

    if not tasks:
        return
    bar = tqdm(total=len(tasks), disable=not progress, desc="profiling", unit="file", leave=False)
    if dask_scheduler:
        yield from _run_dask(profiler, tasks, indices, dask_scheduler, bar)
    else:
        with workers.pool(jobs, n_tasks=len(tasks)) as executor:
            for chunk_idx, chunk in _chunks(tasks, indices, max(CHUNK_FILES, 8 * (jobs or 1))):
                yield chunk_idx, profile_chunk(profiler, chunk, executor)
                bar.update(len(chunk))
    bar.close()


def _run_dask(profiler, tasks, indices, address: str, bar):
    distributed = require("dask.distributed", "dask", "--dask-scheduler")
    Client, as_completed = distributed.Client, distributed.as_completed

    with Client(address) as client:
        remote = client.scatter(profiler, broadcast=True)
        futures = {}
        for chunk_idx, chunk in _chunks(tasks, indices, CHUNK_FILES // 4):
            futures[client.submit(profile_chunk, remote, chunk, pure=False)] = chunk_idx
        for future in as_completed(futures):
            rows = future.result()
            bar.update(len(rows))
            yield futures.pop(future), rows
