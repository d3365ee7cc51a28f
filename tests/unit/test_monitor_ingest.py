"""``persona monitor add``: one row per recording, idempotent by content, bad files reported and skipped, nothing lost when killed."""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from _calls import two_party_call
from _signals import SR_HZ, syllable_train
from typer.testing import CliRunner

from persona.benchmark import from_profiles
from persona.calls import CallProfiler
from persona.cli import app
from persona.features import COLUMNS, Profiler
from persona.monitor import MonitorStore, ingest
from persona.trials.store import Store

SCENARIO = "billing_dispute"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PERSONA_DB_URL", raising=False)
    return tmp_path


def human_profiles() -> pd.DataFrame:
    """Profile rows of two synthetic speakers (values only: ingest needs the bands, not the audio)."""
    rows = []
    for speaker, f0 in (("ann", 200.0), ("bob", 110.0)):
        row = {c: np.nan for c in COLUMNS} | {"file": f"{speaker}.wav", "error": "", "warning": "", "scenario": SCENARIO, "speaker": speaker}
        row |= {"f0_median_hz": f0, "f0_sd_st": 2.5, "f0_range_st": 9.0, "f0_step_sd_st": 0.4, "speech_rate_syl_s": 4.2,
                "pause_ratio": 0.15, "mean_pause_s": 0.5, "loudness_lufs": -22.0, "intensity_sd_db": 6.0, "hnr_db": 12.0, "speech_s": 10.0}  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def bench_file(tmp_path) -> Path:
    """A benchmark of two synthetic speakers, profiled with the default profiler."""
    return from_profiles(human_profiles(), provenance_record=Profiler().provenance()).save(tmp_path / "bench.json")


def clips(folder: Path, n: int) -> list[Path]:
    """``n`` distinct syllable trains (different F0s: different content)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(n):
        path = folder / f"clip_{i:02d}.wav"
        sf.write(path, syllable_train(8, f0_hz=110.0 + 3 * i), SR_HZ, subtype="PCM_16")
        out.append(path)
    return out


def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'persona.sqlite3'}"


def add(*args: str):
    return CliRunner().invoke(app, ["monitor", "add", *args])


def test_one_row_per_recording_and_re_adding_inserts_nothing(env, bench_file):
    files = clips(env / "clips", 3)
    args = [*map(str, files), "--scenario", SCENARIO, "--benchmark", str(bench_file), "--db", db(env), "--at", "2026-03-02", "--agent-version", "v7"]
    first = add(*args)
    assert first.exit_code == 0, first.output
    assert "3 new recording(s) stored; 0 already stored" in first.output
    again = add(*args)
    assert again.exit_code == 0 and "0 new recording(s) stored; 3 already stored (same content, nothing inserted)" in again.output
    stored = MonitorStore(db(env)).frame()
    assert len(stored) == 3 and set(stored["agent_version"]) == {"v7"}
    assert (stored["recorded_at"] == pd.Timestamp("2026-03-02")).all()
    assert stored["persona_distance"].notna().all() and stored["f0_median_hz"].notna().all()
    assert stored["response_latency_median_s"].isna().all()  # mono clips carry no call timing


def test_a_copy_under_another_name_is_the_same_recording(env, bench_file):
    [original] = clips(env / "clips", 1)
    copy = env / "copy.wav"
    copy.write_bytes(original.read_bytes())
    report = ingest([original, copy], bench_file, store=MonitorStore(db(env)), scenario=SCENARIO)
    assert (report.stored, report.already) == (1, 1)


def test_bad_files_get_one_error_line_each_and_the_rest_are_stored(env, bench_file):
    good = clips(env / "clips", 2)
    bad = env / "bad"
    bad.mkdir()
    (bad / "corrupt.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" * 10)
    (bad / "empty.wav").write_bytes(b"")
    sf.write(bad / "silent.wav", np.zeros(SR_HZ * 2), SR_HZ)
    sf.write(bad / "six.wav", np.zeros((SR_HZ, 6)), SR_HZ)
    result = add(*map(str, good), str(bad), str(env / "missing.wav"), "--scenario", SCENARIO, "--benchmark", str(bench_file),
                 "--db", db(env), "--no-cache")  # fmt: skip
    assert result.exit_code == 0, result.output
    errors = [line for line in result.output.splitlines() if "error: " in line]  # a progress bar may share the line
    for name in ("corrupt.wav", "empty.wav", "silent.wav", "six.wav", "missing.wav"):
        assert sum(name in line for line in errors) == 1, result.output
    assert "6 channels" in result.output and "Traceback" not in result.output
    assert "2 new recording(s) stored" in result.output and "5 skipped" in result.output
    assert MonitorStore(db(env)).count() == 2
    strict = add(str(bad / "silent.wav"), "--scenario", SCENARIO, "--benchmark", str(bench_file), "--db", db(env), "--strict")
    assert strict.exit_code == 1


def test_a_manifest_names_scenario_version_and_date(env, bench_file):
    files = clips(env / "calls", 3)
    manifest = env / "calls" / "manifest.csv"
    pd.DataFrame({
        "file": [f.name for f in files] + ["clip_00.wav", "nowhere.wav"],
        "scenario": [SCENARIO, "", SCENARIO, "no_such_scenario", SCENARIO],
        "agent_version": ["v1", "v2", "", "v1", "v1"],
        "recorded_at": ["2026-02-02T09:30:00", "2026-02-03", "not a date", "2026-02-04", "2026-02-05"],
    }).to_csv(manifest, index=False)  # fmt: skip
    result = add(str(manifest), "--scenario", SCENARIO, "--agent-version", "v0", "--benchmark", str(bench_file), "--db", db(env))
    assert result.exit_code == 0, result.output
    assert "line 4" in result.output and "not a date" in result.output  # the row, the file and the problem
    assert "no_such_scenario" in result.output and "nowhere.wav" in result.output
    stored = MonitorStore(db(env)).frame().set_index("file")
    assert len(stored) == 2
    first, second = (str(f) for f in files[:2])
    assert stored.loc[first, "recorded_at"] == pd.Timestamp("2026-02-02 09:30")
    assert stored.loc[second, "agent_version"] == "v2" and stored.loc[second, "scenario"] == SCENARIO  # blank cell: --scenario


def test_the_file_time_dates_a_recording_without_one(env, bench_file):
    [path] = clips(env / "clips", 1)
    os.utime(path, (1767225600, 1767225600))  # 2026-01-01 00:00 UTC
    ingest([path], bench_file, store=MonitorStore(db(env)), scenario=SCENARIO)
    assert MonitorStore(db(env)).frame()["recorded_at"].iloc[0] == pd.Timestamp("2026-01-01")


def test_monitor_tables_live_beside_the_listening_tests(env, bench_file):
    Store(db(env))  # the trial tables first
    ingest(clips(env / "clips", 1), bench_file, store=MonitorStore(db(env)), scenario=SCENARIO)
    assert Store(db(env)).study_ids() == [] and MonitorStore(db(env)).count() == 1


KILLED_INGEST = """
import sys
import persona.extract
persona.extract.CHUNK_FILES = 1  # chunks of 8 files (the floor for one job)
from persona.cli import app
sys.argv = ["persona", "monitor", "add", *sys.argv[1:]]
app()
"""


def test_a_killed_ingest_keeps_what_it_reported_stored(env, bench_file):
    files = clips(env / "clips", 24)
    args = [*map(str, files), "--scenario", SCENARIO, "--benchmark", str(bench_file), "--db", db(env), "--jobs", "1"]
    process = subprocess.Popen([sys.executable, "-c", KILLED_INGEST, *args], stderr=subprocess.PIPE, text=True, env=os.environ | {"PYTHONPATH": os.getcwd()})
    reported = 0
    for line in process.stderr:
        if found := re.search(r"stored (\d+) recording\(s\) so far", line):  # a progress bar may share the line
            reported = int(found[1])
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=300)
    assert reported >= 8
    assert MonitorStore(db(env)).count() >= reported
    rerun = add(*args)
    assert rerun.exit_code == 0 and MonitorStore(db(env)).count() == 24


def test_a_calls_benchmark_gives_the_timing_its_human_band(env, bench_file):
    calls_bench = env / "calls.json"
    calls_bench.write_text('{"stats": {"billing_dispute": {"response_latency_median_s": {"p10": 0.1, "p90": 0.6}}}}')
    store = MonitorStore(db(env))
    ingest(clips(env / "clips", 1), bench_file, store=store, calls_benchmark=calls_bench, scenario=SCENARIO)
    bands = store.bands()[SCENARIO]
    assert bands["response_latency_median_s"] == (0.1, 0.6)
    assert bands["f0_median_hz"][0] < bands["f0_median_hz"][1]  # the persona benchmark's band, alongside


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"no": "stats"}'])
def test_an_unusable_benchmark_is_one_error_line(env, bench_file, content):
    bad = env / "bad.json"
    bad.write_text(content)
    [clip] = clips(env / "clips", 1)
    for option, value in (("--benchmark", bad), ("--calls-benchmark", bad)):
        args = [str(clip), "--scenario", SCENARIO, "--db", db(env), option, str(value)]
        args += ["--benchmark", str(bench_file)] if option == "--calls-benchmark" else []
        result = add(*args)
        assert result.exit_code == 2 and result.output.startswith("error: ") and "bad.json" in result.output, result.output
    assert MonitorStore(db(env)).count() == 0


def test_a_dask_cluster_stores_the_same_rows_as_the_local_pool(env, bench_file):
    from dask.distributed import LocalCluster

    from persona.monitor import simulate

    ref = Path(__file__).resolve().parents[2] / "reference_audio"
    agent = sorted((ref / "billing_dispute" / "agents" / "piper_joe").glob("billing_dispute_0[12].flac"))
    calls = simulate.audio_deployment(agent, env / "calls", weeks=1, calls_per_week=1, scenario=SCENARIO,
                                      caller_clips=sorted(ref.glob("*/human_*.flac"))[:1])  # fmt: skip
    files = [*clips(env / "clips", 2), *calls["file"]]
    local = MonitorStore(f"sqlite:///{env / 'local.sqlite3'}")
    ingest(files, bench_file, store=local, scenario=SCENARIO, at=None, cache=False)
    on_dask = MonitorStore(f"sqlite:///{env / 'dask.sqlite3'}")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        report = ingest(files, bench_file, store=on_dask, scenario=SCENARIO, dask_scheduler=cluster.scheduler_address, cache=False)
    assert report.stored == 3
    a, b = (s.frame().sort_values("file").drop(columns="id").reset_index(drop=True) for s in (local, on_dask))
    pd.testing.assert_frame_equal(a, b)
    assert b["response_latency_median_s"].notna().sum() == 1  # the call's timing, on the cluster too


def test_calls_are_measured_with_the_benchmark_syllable_method(env):
    """A benchmark counted 'fused' has the agent side of a call counted 'fused' too, as its clips are."""
    fused_file = from_profiles(human_profiles(), provenance_record=Profiler(syllables="fused").provenance()).save(env / "fused.json")
    call = env / "call.wav"
    sf.write(call, two_party_call(0.5), 8000, subtype="PCM_16")
    store = MonitorStore(db(env))
    ingest([call], fused_file, store=store, scenario=SCENARIO, cache=False)
    stored = store.frame()["speech_rate_syl_s"].iat[0]
    # independent source: the call profiled directly, with each method named (agent channel guessed, as ingest does)
    direct = {m: CallProfiler(syllables=m).process_files([call]).calls["agent_speech_rate_syl_s"].iat[0] for m in ("fused", "nuclei")}
    assert direct["fused"] != direct["nuclei"]  # the methods differ on this call, so the check tells them apart
    assert stored == pytest.approx(direct["fused"], rel=1e-9)
