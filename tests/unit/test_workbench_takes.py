"""Take quality check and adding takes to the references with an atomic, locked manifest update."""

from __future__ import annotations

import shutil
import threading
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from persona.errors import BenchmarkError, ClippingWarning
from persona.io import from_array
from persona.workbench import manifest, takes

SR_HZ = 16000


def take(*, seconds: float = 2.0, peak: float = 0.3, noise_dbfs: float = -70.0, clip_gain: float = 1.0, seed: int = 0) -> np.ndarray:
    """Speech-like take: 0.3 s of room noise, a harmonic complex with syllabic envelope, 0.3 s of noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR_HZ)) / SR_HZ
    phase = 2 * np.pi * np.cumsum(140 * (1 + 0.1 * np.sin(2 * np.pi * t))) / SR_HZ
    voice = sum(np.sin(k * phase) / k for k in range(1, 10))
    voice *= (0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2) * peak / np.max(np.abs(voice))
    pad = np.zeros(int(0.3 * SR_HZ))
    y = np.concatenate([pad, voice, pad])
    y += rng.standard_normal(y.size) * 10 ** (noise_dbfs / 20)
    return np.clip(y * clip_gain, -1.0, 1.0)


def check(samples: np.ndarray) -> takes.TakeCheck:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ClippingWarning)  # the clipped take is meant to clip
        return takes.check_take(from_array(samples, SR_HZ, min_duration_s=0.0))


def test_good_take_is_accepted_with_its_measurements():
    result = check(take())
    assert result.accepted, result.problems
    assert -30 < result.loudness_lufs < -10 and result.noise_floor_dbfs < -60
    assert result.duration_s == pytest.approx(2.6, abs=0.01)
    assert list(result.table()["unit"]) == ["s", "LUFS", "dBFS", "%", "dBFS"]


@pytest.mark.parametrize(
    ("samples", "reason"),
    [
        (take(peak=0.003), "too quiet"),
        (take(clip_gain=6.0), "clipped"),
        (take(seconds=0.3), "too short"),
        (take(noise_dbfs=-30.0), "noisy background"),
    ],
)
def test_bad_takes_are_rejected_with_a_reason(samples, reason):
    result = check(samples)
    assert not result.accepted
    assert [p for p in result.problems if p.startswith(reason)], result.problems


def test_noise_floor_is_the_quiet_tenth_of_frames():
    noise_only = np.random.default_rng(1).standard_normal(SR_HZ) * 10 ** (-50 / 20)
    assert takes.noise_floor_dbfs(from_array(noise_only, SR_HZ)) == pytest.approx(-50, abs=1.0)


@pytest.fixture
def reference(tmp_path) -> Path:
    root = tmp_path / "reference_audio"
    (root / "billing_dispute").mkdir(parents=True)
    (root / "manifest.csv").write_text(
        "file,scenario,speaker,role,transcript,line_id,channel,license,source\n"
        'billing_dispute/agents/v/l1.flac,billing_dispute,v,agent,"Hello, how can I help?",l1,,,\n'
        "billing_dispute/agents/v/l2.flac,billing_dispute,v,agent,Goodbye.,l2,,,\n"
    )
    return root


def test_script_lines_come_from_the_manifest(reference):
    table = pd.read_csv(reference / "manifest.csv", dtype=str, keep_default_na=False)
    lines = takes.script_lines(table, "billing_dispute")
    assert lines.to_dict("records") == [
        {"line_id": "l1", "transcript": "Hello, how can I help?"},
        {"line_id": "l2", "transcript": "Goodbye."},
    ]


def test_add_take_writes_flac_and_lists_it(reference):
    audio = from_array(take(), SR_HZ)
    entry = takes.add_take(audio, reference_dir=reference, scenario="billing_dispute", speaker="Ann Lee",
                           line_id="l1", transcript="Hello, how can I help?")  # fmt: skip
    assert entry == "billing_dispute/human_Ann_Lee_l1.flac"
    assert sf.info(str(reference / entry)).samplerate == SR_HZ
    rows = pd.read_csv(reference / "manifest.csv", dtype=str, keep_default_na=False)
    assert rows.iloc[-1][["file", "speaker", "role", "line_id"]].tolist() == [entry, "Ann_Lee", "human", "l1"]
    again = takes.add_take(audio, reference_dir=reference, scenario="billing_dispute", speaker="Ann Lee", line_id="l1", transcript="x")
    assert again == "billing_dispute/human_Ann_Lee_l1-2.flac"


def test_add_take_records_the_register_where_the_manifest_has_the_column(reference):
    audio = from_array(take(), SR_HZ)
    takes.add_take(audio, reference_dir=reference, scenario="billing_dispute", speaker="Ann", line_id="l1", transcript="", register="high")
    assert "register" not in pd.read_csv(reference / "manifest.csv").columns  # an older manifest keeps its columns
    path = reference / "manifest.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False).assign(register="")
    table.to_csv(path, index=False)
    takes.add_take(audio, reference_dir=reference, scenario="billing_dispute", speaker="Bo", line_id="l2", transcript="", register="low")
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert rows.iloc[-1][["speaker", "register"]].tolist() == ["Bo", "low"]


def test_add_take_refuses_unknown_or_hostile_scenarios(reference):
    audio = from_array(take(), SR_HZ)
    for scenario in ("sales", "../billing_dispute", "billing_dispute/../.."):
        with pytest.raises(BenchmarkError, match="no scenario folder"):
            takes.add_take(audio, reference_dir=reference, scenario=scenario, speaker="a", line_id="l1", transcript="")


def test_failed_manifest_write_keeps_manifest_and_removes_the_audio(reference, monkeypatch):
    before = (reference / "manifest.csv").read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(manifest.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        takes.add_take(from_array(take(), SR_HZ), reference_dir=reference, scenario="billing_dispute", speaker="a",
                       line_id="l1", transcript="")  # fmt: skip
    assert (reference / "manifest.csv").read_bytes() == before
    assert sorted(p.name for p in reference.rglob("*") if p.is_file()) == ["manifest.csv", "manifest.csv.lock"]


def test_refused_rows_leave_the_manifest_untouched(reference):
    path = reference / "manifest.csv"
    before = path.read_bytes()
    bad_rows = [
        [{"file": "billing_dispute/agents/v/l1.flac", "scenario": "billing_dispute", "speaker": "v", "role": "agent"}],
        [{"file": "x.flac", "scenario": "billing_dispute", "speaker": "", "role": "human"}],
        [{"file": "y.flac", "scenario": "billing_dispute", "speaker": "s", "role": "human", "mood": "calm"}],
    ]
    for rows in bad_rows:
        with pytest.raises(BenchmarkError, match=str(path)):
            manifest.append_rows(path, rows)
    assert path.read_bytes() == before


def test_concurrent_appends_lose_and_corrupt_nothing(reference):
    path = reference / "manifest.csv"
    n_threads, per_thread = 8, 6

    def writer(k: int) -> None:
        for i in range(per_thread):
            row = {"file": f"billing_dispute/t{k}_{i}.flac", "scenario": "billing_dispute", "speaker": f"s{k}", "role": "human"}
            manifest.append_rows(path, [row])

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(rows) == 2 + n_threads * per_thread and rows["file"].is_unique
    assert list(rows.columns) == ["file", "scenario", "speaker", "role", "transcript", "line_id", "channel", "license", "source"]
    assert not list(reference.glob(".manifest.csv.*.tmp"))


def test_bundled_manifest_accepts_a_take_in_a_copy(tmp_path):
    bundled = Path(__file__).resolve().parents[2] / "reference_audio"
    copy = tmp_path / "ref"
    shutil.copytree(bundled, copy, ignore=shutil.ignore_patterns("*.flac"))
    entry = takes.add_take(from_array(take(), SR_HZ), reference_dir=copy, scenario="cancellation", speaker="me",
                           line_id="cancellation_01", transcript="I'm sorry to hear you'd like to cancel.")  # fmt: skip
    rows = pd.read_csv(copy / "manifest.csv", dtype=str, keep_default_na=False)
    assert rows.iloc[-1]["file"] == entry and len(rows) == len(pd.read_csv(bundled / "manifest.csv")) + 1


def test_concurrent_takes_of_one_line_get_their_own_files_and_rows(reference):
    audio = from_array(take(), SR_HZ)
    entries: list[str] = []

    def add() -> None:
        entries.append(takes.add_take(audio, reference_dir=reference, scenario="billing_dispute", speaker="ann", line_id="l1", transcript=""))

    threads = [threading.Thread(target=add) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = pd.read_csv(reference / "manifest.csv", dtype=str, keep_default_na=False)
    assert len(set(entries)) == 6 and set(entries) <= set(rows["file"]) and len(rows) == 2 + 6
    assert all((reference / e).is_file() for e in entries)
