"""``persona calls profile | benchmark | score``: tables, printed agent channel, one-line errors, verdicts in words."""

from __future__ import annotations

import io as stdio
import json
import sys

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from _calls import two_party_call
from typer.testing import CliRunner

from persona import tables
from persona.calls import TIMING_FEATURES, CallProfiler
from persona.cli import app

HUMAN_GAPS_S = (0.3, 0.5, 0.7, 0.4, 0.6)
AGENT_GAP_S = 1.6


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Five human calls answering 0.3-0.7 s after the caller, two agent calls answering 1.6 s after, and a manifest."""
    root = tmp_path_factory.mktemp("calls")
    rows = []
    for i, gap in enumerate(HUMAN_GAPS_S):
        sf.write(root / f"human_{i}.wav", two_party_call(gap), 8000, subtype="PCM_16")
        rows.append((f"human_{i}.wav", "booking", 0, "human"))
    for i in range(2):
        sf.write(root / f"agent_{i}.wav", two_party_call(AGENT_GAP_S), 8000, subtype="PCM_16")
        rows.append((f"agent_{i}.wav", "booking", 0, "agent"))
    pd.DataFrame(rows, columns=["file", "scenario", "agent_channel", "role"]).to_csv(root / "manifest.csv", index=False)
    return root


@pytest.fixture(autouse=True)
def no_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("PERSONA_CACHE_DIR", str(tmp_path / "cache"))


def _run(*args):
    return CliRunner().invoke(app, ["calls", *map(str, args)])


def test_profile_writes_calls_and_turns_and_prints_the_agent_channel(folder, tmp_path):
    out, turns = tmp_path / "calls.csv", tmp_path / "turns.csv"
    result = _run("profile", folder / "human_0.wav", folder / "agent_0.wav", "--out", out, "--turns-out", turns, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "agent on channel 0 (guessed: speaks first)" in result.stderr
    calls = tables.read(out)
    assert calls.attrs["provenance"]["params"]["activity"]["frame_s"] == 0.01
    # the same clips, the agent's response 1.3 s later in the second call
    assert np.diff(calls["response_latency_median_s"])[0] == pytest.approx(AGENT_GAP_S - HUMAN_GAPS_S[0], abs=0.05)
    per_turn = pd.read_csv(turns)
    assert list(per_turn.columns[:4]) == ["file", "speaker", "start_s", "end_s"]
    assert set(per_turn["speaker"]) == {"agent", "caller"}


def test_profile_given_channel_and_a_bad_file(folder, tmp_path):
    (tmp_path / "broken.wav").write_text("not audio")
    result = _run("profile", folder / "human_0.wav", tmp_path / "broken.wav", "--agent-channel", "1", "--jobs", "1", "--strict")
    assert result.exit_code == 1
    frame = pd.read_csv(stdio.StringIO(result.stdout))
    assert frame["agent_channel"].iloc[0] == 1 and frame["agent_channel_source"].iloc[0] == "given"
    assert "channel 0 looks like the agent" in result.stderr  # the given channel 1 speaks second
    assert f"error: {tmp_path / 'broken.wav'}: not a readable audio file" in result.stderr


def test_benchmark_and_score_in_words(folder, tmp_path):
    bench = tmp_path / "calls.json"
    result = _run("benchmark", folder, "--out", bench, "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "booking: 5 human call(s)" in result.stdout
    stats = json.loads(bench.read_text())["stats"]["booking"]
    assert {f.column for f in TIMING_FEATURES} <= set(stats)
    report = tmp_path / "agent.html"
    result = _run("score", folder / "agent_0.wav", folder / "agent_1.wav", "--scenario", "booking", "--benchmark", bench, "--out", report, "--jobs", "1")
    assert result.exit_code == 0, result.output
    # human calls answer 0.3-0.7 s after the caller (median 0.5), the agent's 1.6 s: 1.1 s slower
    assert "response latency: 1.1 s slower than your best agents in booking" in result.stdout
    html = report.read_text()
    assert "Timelines" in html and html.count("data:image/png") >= 2
    table = tmp_path / "agent.csv"
    assert _run("score", folder / "agent_0.wav", "--scenario", "booking", "--benchmark", bench, "--out", table, "--jobs", "1").exit_code == 0
    scored = pd.read_csv(table)
    assert scored["response_latency_median_s_deviation"].iat[0] == pytest.approx(1.1, abs=0.05)
    assert scored["response_latency_median_s_verdict"].iat[0] == "above"
    assert scored["timing_distance"].iat[0] > scored["persona_distance"].iat[0]  # same agent voice, other timing


def test_score_rejects_a_voice_benchmark(folder, tmp_path):
    fake = tmp_path / "benchmark.json"
    fake.write_text(json.dumps({"schema_version": 1, "stats": {}, "provenance": {}}))
    result = _run("score", folder / "agent_0.wav", "--scenario", "booking", "--benchmark", fake)
    assert result.exit_code == 2 and "not a calls benchmark" in result.stderr


def test_mono_call_without_turns_is_one_line(tmp_path):
    sf.write(tmp_path / "mono.wav", np.random.default_rng(0).normal(0, 0.1, 16000), 8000)
    result = _run("profile", tmp_path / "mono.wav", "--jobs", "1")
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "mono recording" in lines[0] and "--turns" in lines[0]


# ---- --syllables: calls measured as the benchmark's humans were ------------------------------------


@pytest.fixture(scope="module")
def fused_bench(folder, tmp_path_factory):
    """A calls benchmark of the five human calls with syllables counted the 'fused' way."""
    bench = tmp_path_factory.mktemp("fused") / "calls.json"
    result = CliRunner().invoke(app, ["calls", "benchmark", str(folder), "--syllables", "fused", "--out", str(bench), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return bench


def test_benchmark_records_its_syllable_method(fused_bench):
    provenance = json.loads(fused_bench.read_text())["provenance"]
    assert provenance["params"]["syllables"] == provenance["params"]["profile"]["syllables"] == "fused"
    assert provenance["method"]["syllable_count"].startswith("mean of the syllable nuclei count")


def test_score_measures_the_agent_with_the_benchmark_method(folder, fused_bench, tmp_path):
    table, again = tmp_path / "scores.csv", tmp_path / "again.csv"
    result = _run("score", folder / "agent_0.wav", "--scenario", "booking", "--benchmark", fused_bench, "--out", table, "--jobs", "1")
    assert result.exit_code == 0, result.output
    # independent source: the same call profiled directly, with each method named
    direct = {m: CallProfiler(syllables=m).process_files([folder / "agent_0.wav"], agent_channel=0).calls["agent_speech_rate_syl_s"].iat[0]
              for m in ("fused", "nuclei")}  # fmt: skip
    assert direct["fused"] != direct["nuclei"]  # the methods differ on this call, so the check below tells them apart
    assert pd.read_csv(table)["speech_rate_syl_s_value"].iat[0] == pytest.approx(direct["fused"], rel=1e-9)
    # naming the benchmark's own method changes nothing
    result = _run("score", folder / "agent_0.wav", "--scenario", "booking", "--benchmark", fused_bench, "--syllables", "fused", "--out", again, "--jobs", "1")
    assert result.exit_code == 0, result.output
    pd.testing.assert_frame_equal(pd.read_csv(table), pd.read_csv(again))


def test_a_syllable_method_other_than_the_benchmark_is_one_line(folder, fused_bench):
    result = _run("score", folder / "agent_0.wav", "--scenario", "booking", "--benchmark", fused_bench, "--syllables", "nuclei", "--jobs", "1")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("error: --syllables nuclei disagrees with the calls benchmark, whose human calls were counted with --syllables fused")


def test_profile_with_a_syllable_method(folder, tmp_path):
    out = tmp_path / "calls.csv"
    result = _run("profile", folder / "agent_0.wav", "--agent-channel", "0", "--syllables", "fused", "--out", out, "--jobs", "1")
    assert result.exit_code == 0, result.output
    calls = tables.read(out)
    assert calls.attrs["provenance"]["params"]["profile"]["syllables"] == "fused"
    # 'fused' is the mean of the nuclei and the recognised counts (persona.features.Profiler docstring)
    row = calls.iloc[0]
    assert row["agent_syllable_count"] == (row["agent_syllable_count_nuclei"] + row["agent_syllable_count_recognised"]) / 2


@pytest.mark.parametrize("command", ["profile", "benchmark"])
def test_recogniser_without_its_extra_names_it(folder, command, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # not found, as if not installed
    target = folder / "agent_0.wav" if command == "profile" else folder
    result = _run(command, target, "--syllables", "recogniser", "--jobs", "1")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: syllables='recogniser' needs the optional 'recogniser' dependencies: pip install 'persona[recogniser]'"]
