"""Speed of ``persona monitor``: ingest throughput (recordings/s, real-time factor) and ``check`` over 100,000 rows.

Ingest: a simulated deployment from the bundled clips (mono agent clips and two-channel calls, each
with content of its own), ingested into a fresh SQLite database without the profile cache, with
``jobs=1``, ``jobs=2`` and on a local Dask cluster of two single-threaded workers. Check: 100,000
simulated recordings (5 scenarios x 100 weeks x 200 calls) stored, then the in-process check
(read, watch, pick alarms) and the whole ``persona monitor check`` command (process start included).

    nice -n 10 python bench/monitor_speed.py [--clips 40] [--calls 20] [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import soundfile as sf

from persona.benchmark import build_benchmark
from persona.monitor import MonitorStore, ingest, simulate
from persona.monitor.check import raised, watch_store

REF = Path(__file__).resolve().parents[1] / "reference_audio"
AGENT = sorted((REF / "billing_dispute" / "agents" / "piper_joe").glob("billing_dispute_0*.flac"))
CALLERS = sorted(REF.glob("*/human_*.flac"))


def recordings(root: Path, clips: int, calls: int) -> tuple[list[str], float]:
    """Files of a simulated deployment and their total duration (s)."""
    mono = simulate.audio_deployment(AGENT, root / "clips", weeks=1, calls_per_week=clips, scenario="billing_dispute", seed=1)
    stereo = simulate.audio_deployment(AGENT, root / "calls", weeks=1, calls_per_week=calls, scenario="billing_dispute",
                                       caller_clips=CALLERS, seed=2)  # fmt: skip
    files = [*mono["file"], *stereo["file"]]
    return files, sum(sf.info(f).duration for f in files)


def time_ingest(files: list[str], seconds: float, bench: Path, root: Path, label: str, **run) -> None:
    name = label.replace(" ", "_").replace(",", "")
    store = MonitorStore(f"sqlite:///{root / f'ingest_{name}.sqlite3'}")
    started, cpu = time.perf_counter(), time.process_time()
    report = ingest(files, bench, store=store, scenario="billing_dispute", cache=False, **run)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(f"  {label:22s} {report.stored} stored in {wall:6.1f} s: {report.stored / wall:5.2f} recordings/s, "
          f"{seconds / wall:5.1f}x real time ({seconds:.0f} s of audio; {cpu:.1f} s CPU in this process; "
          f"load average {os.getloadavg()[0]:.1f})")  # fmt: skip


def ingest_speed(args, root: Path) -> None:
    bench = build_benchmark(REF, jobs=2).save(root / "bench.json")
    files, seconds = recordings(root, args.clips, args.calls)
    print(f"ingest: {args.clips} mono clips + {args.calls} two-channel calls, no profile cache")
    time_ingest(files, seconds, bench, root, "jobs 1", jobs=1)
    time_ingest(files, seconds, bench, root, "jobs 2", jobs=2)
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        time_ingest(files, seconds, bench, root, "Dask, 2 workers", dask_scheduler=cluster.scheduler_address)


def check_speed(args, root: Path) -> None:
    url = f"sqlite:///{root / 'check.sqlite3'}"
    store = MonitorStore(url)
    store.add_benchmark("bench", "simulated", {"stats": {}})
    per_scenario = args.rows // 5
    weeks = 100
    started = time.perf_counter()
    for i in range(5):
        frame = simulate.deployment(weeks, calls_per_week=per_scenario // weeks, scenario=f"scenario_{i}", seed=i,
                                    change_week=80 if i == 0 else None, changes={"response_latency_median_s": 0.6})  # fmt: skip
        frame["file"] = f"s{i}_" + frame["file"]
        store.add(simulate.stored_rows(frame, benchmark_sha256="bench"))
    print(f"check: {store.count()} stored rows (written in {time.perf_counter() - started:.0f} s)")
    print(f"  load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall time stretches with it; CPU time much less)")
    for attempt in range(3):
        started, cpu = time.perf_counter(), time.process_time()
        watched, _ = watch_store(store)
        alarms = raised(watched)
        print(f"  in-process check, run {attempt + 1}: {time.perf_counter() - started:.2f} s wall, "
              f"{time.process_time() - cpu:.2f} s CPU ({len(alarms)} alarm(s))")  # fmt: skip
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    started = time.perf_counter()
    command = [sys.executable, "-c", "from persona.cli import app; app()", "monitor", "check", "--db", url]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    print(f"  `persona monitor check` command, process start included: {time.perf_counter() - started:.2f} s (exit {done.returncode})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=40)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-ingest", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if not args.skip_ingest:
            ingest_speed(args, root)
        check_speed(args, root)


if __name__ == "__main__":
    main()
