"""Worker processes for batches, where ``jobs`` counts CPUs.

Praat's pitch pass spreads itself over every CPU the process may use. A plain pool of N workers
would then run N times that many threads, and ``jobs=1`` would still occupy the whole machine.
Here each worker is confined to one of the CPUs the caller may use
(``os.sched_setaffinity``, Linux). The same holds for ``jobs=1``, whose batch runs in the calling
thread. This is how joblib's loky backend caps native threads in its workers. A batch with
``jobs=N`` uses N CPUs and no more; on a shared machine ``--jobs 1`` takes one CPU. Where the OS
has no affinity call, the workers run unconfined. ``jobs=None``, the library default, runs the
batch in the calling thread as it is; the command line's default is :func:`cpu_budget`.

>>> with pool(2, n_tasks=10) as executor:                        # doctest: +SKIP
...     rows = list(map_ordered(str.upper, ["a", "b"], executor))
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
from pathlib import Path
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Callable, Iterable, Iterator

from .errors import ParameterError

_HAS_AFFINITY = hasattr(os, "sched_setaffinity")


def available_cpus() -> list[int]:
    """CPUs this process may run on, sorted."""
    return sorted(os.sched_getaffinity(0)) if _HAS_AFFINITY else list(range(os.cpu_count() or 1))


def cpu_budget() -> int:
    """How many CPUs' worth of time this process may use: its CPUs, capped by a container's CPU quota.

    A container limited to 2 CPUs on a 64-core host still sees all 64 in its affinity; the
    cgroup quota (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``) says how many it may keep busy.
    """
    quota = _cgroup_cpu_quota()
    n = len(available_cpus())
    return max(1, min(n, math.ceil(quota))) if quota else n


def _cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup")) -> float | None:
    """CPUs allowed by the cgroup CPU quota, or ``None`` when there is none (or no cgroup file)."""
    try:
        v2 = (root / "cpu.max").read_text().split()
        return None if v2[0] == "max" else int(v2[0]) / int(v2[1])
    except (OSError, IndexError, ValueError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def resolve(jobs: int | None) -> int:
    """``jobs`` checked, or :func:`cpu_budget` when ``None`` (the command line's default)."""
    return cpu_budget() if jobs is None else check(jobs)


def check(jobs: int) -> int:
    """``jobs`` if it is at least 1."""
    if jobs < 1:
        raise ParameterError(f"--jobs must be >= 1, got {jobs}")
    return jobs


def assign_cpus(jobs: int) -> list[set[int]]:
    """One available CPU per job, distinct while there are enough; the first is chosen by process id
    so that concurrent runs on a shared machine start on different CPUs."""
    cpus = available_cpus()
    start = os.getpid() % len(cpus)
    return [{cpus[(start + i) % len(cpus)]} for i in range(jobs)]


@contextlib.contextmanager
def confined(cpus: set[int]) -> Iterator[None]:
    """Run the calling thread, and the threads it starts, on ``cpus`` only; the previous mask is restored after."""
    if not _HAS_AFFINITY:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cpus)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _confine_worker(shares) -> None:
    if _HAS_AFFINITY:
        os.sched_setaffinity(0, shares.get())


@contextlib.contextmanager
def pool(jobs: int | None, *, n_tasks: int) -> Iterator[Executor | None]:
    """Executor for a batch of ``n_tasks``: ``None`` (run in the calling thread) or a confined process pool.

    ``jobs=None`` and a single task run in the calling thread as it is. ``jobs=1`` runs in the
    calling thread confined to one CPU. More jobs get a pool of ``min(jobs, n_tasks)`` workers,
    each on its own CPU. Use one pool for a whole run, because starting workers costs about 0.1 s
    each.
    """
    if jobs is None or n_tasks < 2:
        yield None
    elif check(jobs) == 1:
        with confined(assign_cpus(1)[0]):
            yield None
    else:
        shares = multiprocessing.get_context().SimpleQueue()
        for share in assign_cpus(jobs):
            shares.put(share)
        with ProcessPoolExecutor(max_workers=min(jobs, n_tasks), initializer=_confine_worker, initargs=(shares,)) as executor:
            yield executor


def map_ordered(func: Callable, tasks: Iterable, executor: Executor | None) -> Iterator:
    """``func`` over ``tasks``, results in task order, on ``executor`` or in the calling thread."""
    return executor.map(func, tasks, chunksize=1) if executor is not None else map(func, tasks)
