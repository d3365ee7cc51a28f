"""``jobs`` counts CPUs: workers and the ``jobs=1`` calling thread are confined, the mask is restored."""

from __future__ import annotations

import os

import pytest

from persona import workers
from persona.errors import ParameterError

needs_affinity = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity on this OS")


def _cpus(_) -> frozenset[int]:
    return frozenset(os.sched_getaffinity(0))


def test_resolve_gives_the_command_line_default_and_rejects_zero():
    assert workers.resolve(None) == workers.cpu_budget() <= len(workers.available_cpus())
    assert workers.resolve(3) == 3
    with pytest.raises(ParameterError, match="--jobs must be >= 1, got 0"):
        workers.resolve(0)


def test_assign_cpus_gives_one_cpu_per_job_distinct_while_there_are_enough():
    cpus = workers.available_cpus()
    shares = workers.assign_cpus(len(cpus))
    assert all(len(s) == 1 for s in shares)
    assert set().union(*shares) == set(cpus)
    assert len(workers.assign_cpus(len(cpus) + 2)) == len(cpus) + 2


@needs_affinity
def test_jobs_one_confines_the_calling_thread_to_one_cpu_and_restores_it():
    before = os.sched_getaffinity(0)
    with workers.pool(1, n_tasks=3) as executor:
        assert executor is None
        assert len(os.sched_getaffinity(0)) == 1
    assert os.sched_getaffinity(0) == before


@needs_affinity
@pytest.mark.parametrize(("jobs", "n_tasks"), [(1, 1), (None, 5)], ids=["a single task", "jobs=None (library default)"])
def test_runs_unconfined_in_the_calling_thread(jobs, n_tasks):
    before = os.sched_getaffinity(0)
    with workers.pool(jobs, n_tasks=n_tasks) as executor:
        assert executor is None
        assert os.sched_getaffinity(0) == before


@needs_affinity
def test_pool_workers_each_run_on_one_cpu_and_results_keep_task_order():
    with workers.pool(2, n_tasks=6) as executor:
        masks = list(workers.map_ordered(_cpus, range(6), executor))
        order = list(workers.map_ordered(str, range(6), executor))
    assert all(len(m) == 1 for m in masks)
    assert order == [str(i) for i in range(6)]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"cpu.max": "200000 100000\n"}, 2.0),
        ({"cpu.max": "150000 100000\n"}, 1.5),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "300000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3.0),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({}, None),
    ],
)
def test_container_cpu_quota_is_read_from_cgroup_v2_or_v1(tmp_path, files, expected):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert workers._cgroup_cpu_quota(tmp_path) == expected


def test_cpu_budget_is_capped_by_the_quota(monkeypatch):
    monkeypatch.setattr(workers, "available_cpus", lambda: list(range(64)))
    monkeypatch.setattr(workers, "_cgroup_cpu_quota", lambda: 1.5)
    assert workers.cpu_budget() == 2
    monkeypatch.setattr(workers, "_cgroup_cpu_quota", lambda: None)
    assert workers.cpu_budget() == 64
