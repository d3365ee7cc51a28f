"""Measure real calls page in AppTest: uploads, per-call table, timelines, errors, scoring against a calls benchmark."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest
import soundfile as sf
from workbench_support import PASSWORD, REPO, open_page, texts

sys.path.insert(0, str(REPO / "tests" / "unit"))
import _calls  # noqa: E402  (the synthetic calls of the unit tests)

from persona.calls import CallProfiler
from persona.calls.benchmark import from_calls


def two_party_call(gap_s: float) -> bytes:
    """:func:`_calls.two_party_call` as 8 kHz stereo WAV bytes, as a browser would send it."""
    buffer = io.BytesIO()
    sf.write(buffer, _calls.two_party_call(gap_s), 8000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def environment(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("PERSONA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "profile_cache"))
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", PASSWORD)


def test_upload_calls_see_table_timeline_and_errors(tmp_path):
    at = open_page("calls")
    assert not at.exception, at.exception
    assert "Upload one or more calls" in texts(at)
    mono = io.BytesIO()
    sf.write(mono, np.random.default_rng(0).normal(0, 0.1, 16000), 8000, format="WAV")
    sent = [("quick.wav", two_party_call(0.8), "audio/wav"), ("slow.wav", two_party_call(2.3), "audio/wav"), ("mono.wav", mono.getvalue(), "audio/wav")]
    at.file_uploader(key="calls_files").set_value(sent).run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert len(table) == 3
    good = table[table["error"] == ""]
    assert good["agent_channel"].tolist() == [0, 0]  # the agent speaks first
    # the same clips, the second response 1.5 s later: the latencies differ by 1.5 s (the 50 ms)
    assert np.diff(good["response_latency_median_s"].to_numpy())[0] == pytest.approx(1.5, abs=0.05)
    assert "mono recording" in texts(at)  # the mono call's one-line error
    assert "persona-workbench" not in texts(at) and set(table["file"]) == {"quick.wav", "slow.wav", "mono.wav"}
    assert len(at.image) == 2, "one timeline per call that could be measured"


def test_score_against_an_uploaded_calls_benchmark(tmp_path):
    humans = []
    for i, gap in enumerate((0.4, 0.6)):
        path = tmp_path / f"human_{i}.wav"
        path.write_bytes(two_party_call(gap))
        humans.append(path)
    calls = CallProfiler(syllables="fused").process_files(humans, agent_channel=0).calls.assign(scenario="booking")
    bench = from_calls(calls, provenance_record=calls.attrs["provenance"])
    saved = bench.save(tmp_path / "calls.json")
    at = open_page("calls")
    at.file_uploader(key="calls_files").set_value([("agent.wav", two_party_call(2.5), "audio/wav")]).run()
    at.file_uploader(key="calls_benchmark").set_value(("calls.json", saved.read_bytes(), "application/json")).run()
    assert not at.exception, at.exception
    # the agent answers 2.5 s after the caller; the humans 0.4 and 0.6 s: about 2 s slower (floor 0.15 s)
    assert "response latency: 2.0 s slower than your best agents in booking" in texts(at)
    # scored as the benchmark's humans were measured: the agent call profiled directly with 'fused' is the independent source
    assert "syllables counted by 'fused'" in texts(at)
    agent = tmp_path / "agent.wav"
    agent.write_bytes(two_party_call(2.5))
    fused = CallProfiler(syllables="fused").process_files([agent], agent_channel=0).calls["agent_speech_rate_syl_s"].iat[0]
    assert at.dataframe[1].value["speech_rate_syl_s_value"].iat[0] == pytest.approx(fused, rel=1e-9)
