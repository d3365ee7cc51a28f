"""persona.calls: speech activity, turns and timing of two-channel calls, against known answers."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from persona.benchmark import Benchmark
from persona.calls import CALL_COLUMNS, CallProfiler, profile_calls, read_turns
from persona.cache import ProfileCache
from persona.calls import timing, turns
from persona.calls.activity import ActivityParams
from persona.calls.benchmark import profiler_for
from persona.errors import MissingExtraError, ParameterError
from persona.features import Profiler
from persona.io import Audio

import _calls

DATA = Path(__file__).resolve().parents[1] / "data"
ISSUE_COLUMNS = (
    "file", "agent_channel", "duration_s", "agent_turns", "caller_turns", "response_latency_median_s",
    "response_latency_p90_s", "response_over_1s_share", "overlap_count", "overlap_s", "barge_in_count",
    "barge_in_stop_median_s", "agent_talk_ratio", "dead_air_3s_count", "dead_air_10s_count", "error",
)  # fmt: skip


# ---- timing on hand-made speech runs (answers computed by hand beside each assert) -------------


def test_turns_timing_from_hand_made_runs():
    agent = np.array([[0.0, 2.0], [2.5, 4.0], [6.0, 9.0], [12.5, 13.0]])
    caller = np.array([[4.5, 6.2], [7.0, 7.3], [8.0, 10.0], [10.5, 12.0]])
    table = timing.turn_table(turns.build_turns(agent, caller), agent, caller)
    # agent 0-2 and 2.5-4 are one turn (no caller speech between); caller 7.0-7.3 lies inside agent 6-9: within
    assert table[["speaker", "start_s", "end_s", "within"]].values.tolist() == [
        ["agent", 0.0, 4.0, False], ["caller", 4.5, 6.2, False], ["agent", 6.0, 9.0, False],
        ["caller", 7.0, 7.3, True], ["caller", 8.0, 12.0, False], ["agent", 12.5, 13.0, False],
    ]  # fmt: skip
    # latencies: caller 4.5-4.0 = 0.5; agent 6.0-6.2 = -0.2 (overlap); caller 8.0-9.0 = -1.0; agent 12.5-12.0 = 0.5
    assert table["latency_s"].round(6).tolist()[:3] == [pytest.approx(np.nan, nan_ok=True), 0.5, -0.2]
    row = timing.call_timing(table, agent, caller)
    assert row["response_latency_median_s"] == pytest.approx(np.median([-0.2, 0.5]))
    assert row["caller_response_latency_median_s"] == pytest.approx(np.median([0.5, -1.0]))
    # overlaps: 6.0-6.2 (agent started), 7.0-7.3 (caller), 8.0-9.0 (caller)
    assert row["overlap_count"] == 3 and row["overlap_s"] == pytest.approx(0.2 + 0.3 + 1.0)
    assert (row["overlap_agent_started_count"], row["overlap_caller_started_count"]) == (1, 2)
    # barge-ins (caller runs >= 0.4 s starting inside agent speech): only 8.0-10.0; the agent stops at 9.0
    assert row["barge_in_count"] == 1 and row["barge_in_stop_median_s"] == pytest.approx(1.0)
    # talk: agent 2+1.5+3+0.5 = 7, caller 1.7+0.3+2+1.5 = 5.5
    assert row["agent_talk_ratio"] == pytest.approx(7 / 12.5)
    assert row["dead_air_3s_count"] == 0 and row["longest_silence_s"] == pytest.approx(0.5)


def test_dead_air_counts_silences_over_3_and_10_s():
    agent = np.array([[0.0, 1.0], [15.0, 16.0]])
    caller = np.array([[4.5, 5.0]])
    gaps = timing.silences(agent, caller)  # 1.0-4.5 = 3.5 s, 5.0-15.0 = 10 s (not over 10)
    assert gaps.tolist() == pytest.approx([3.5, 10.0])
    row = timing.call_timing(timing.turn_table(turns.build_turns(agent, caller), agent, caller), agent, caller)
    assert (row["dead_air_3s_count"], row["dead_air_10s_count"]) == (2, 0)


# ---- synthetic calls built from real speech and TTS clips with known timing ---------------------

MIXES = [  # echo of the other party -15..-30 dB, 20-80 ms late; line noise -60..-45 dBFS; G.711
    dict(echo_db=-15.0, echo_delay_s=0.02, noise_dbfs=-60.0),
    dict(echo_db=-20.0, echo_delay_s=0.05, noise_dbfs=-55.0),
    dict(echo_db=-25.0, echo_delay_s=0.08, noise_dbfs=-50.0),
    dict(echo_db=-30.0, echo_delay_s=0.04, noise_dbfs=-45.0),
]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calls")
    scripts = {}
    for seed, mix in enumerate(MIXES):
        call = _calls.scripted_call(seed)
        scripts[str(call.write(folder / f"call_{seed}.wav", seed=seed, **mix))] = call
    tables = CallProfiler().process_files(list(scripts), agent_channel=0)
    return scripts, tables


def _nearest(frame: pd.DataFrame, t: float, reach_s: float = 0.5):
    if frame.empty:
        return None
    j = int(np.argmin(np.abs(frame["start_s"].to_numpy() - t)))
    return frame.iloc[j] if abs(frame["start_s"].iat[j] - t) <= reach_s else None


def test_synthetic_response_latency_within_50_ms(synthetic):
    scripts, tables = synthetic
    errors = []
    for file, call in scripts.items():
        t = tables.turns[(tables.turns["file"] == file) & (tables.turns["speaker"] == "agent") & ~tables.turns["within"]]
        for start, gap in call.responses:  # gaps 0.1-3 s, one -0.3 s (overlap), one 0.6 s after a barge-in
            found = _nearest(t, start)
            assert found is not None, f"{file}: agent response at {start:.2f} s not found"
            errors.append(found["latency_s"] - gap)
    assert len(errors) == 5 * len(MIXES)
    assert np.median(np.abs(errors)) <= 0.050  # the issue's bound


def test_synthetic_barge_in_stop_time_within_100_ms_and_talk_through(synthetic):
    scripts, tables = synthetic
    errors = []
    for file, call in scripts.items():
        b = tables.turns[(tables.turns["file"] == file) & tables.turns["barge_in"].astype(bool)]
        for onset, stop in call.stops:  # the agent stops 0.2-1 s after the caller's onset
            found = _nearest(b, onset)
            assert found is not None and found["agent_stopped"], f"{file}: barge-in at {onset:.2f} s not found as stopped"
            errors.append(found["agent_stop_s"] - stop)
        for onset in call.talk_through:  # the agent talks through a 0.6-0.9 s caller phrase
            found = _nearest(b, onset)
            assert found is not None and not found["agent_stopped"], f"{file}: talk-through at {onset:.2f} s"
    assert len(errors) == len(MIXES) and sum(len(c.talk_through) for c in scripts.values()) == len(MIXES)
    assert np.median(np.abs(errors)) <= 0.100  # the issue's bound


def test_synthetic_echo_never_counted_as_speech(synthetic):
    scripts, tables = synthetic
    for file, call in scripts.items():
        t = tables.turns[tables.turns["file"] == file]
        for party in ("agent", "caller"):
            truth = call.intervals(party)
            for row in t[t["speaker"] == party].itertuples():
                assert np.any((truth[:, 0] < row.end_s) & (truth[:, 1] > row.start_s)), f"{file}: {party} speech at {row.start_s:.2f}-{row.end_s:.2f} s is echo"


def test_synthetic_leak_estimated(synthetic):
    scripts, tables = synthetic
    calls = tables.calls.set_index("file")
    for (file, _), mix in zip(scripts.items(), MIXES):
        # where the echo (speech at -20 dBFS RMS + echo_db) stands 15-20 dB above the line noise, it is found
        # at its delay (+-1 frame) and gain (+-3 dB); quieter copies sink into the noise, which then is the leak
        if mix["echo_db"] >= -20:
            assert calls.loc[file, "agent_leak_delay_s"] == pytest.approx(mix["echo_delay_s"], abs=0.011)
            assert calls.loc[file, "agent_leak_db"] == pytest.approx(mix["echo_db"], abs=3.0)


def test_call_row_has_the_issue_columns_and_agent_profile(synthetic):
    _, tables = synthetic
    calls = tables.calls
    assert set(ISSUE_COLUMNS) <= set(calls.columns) and list(calls.columns) == list(CALL_COLUMNS)
    assert (calls["error"] == "").all()
    assert calls["agent_channel"].tolist() == [0] * len(MIXES)
    # the agent side is TTS at 16 kHz through G.711: its pitch is a speaking voice's, 70-300 Hz
    assert calls["agent_f0_median_hz"].between(70, 300).all()
    assert calls.attrs["provenance"]["params"]["activity"]["leak_margin_db"] == 6.0
    assert list(tables.turns.columns[:4]) == ["file", "speaker", "start_s", "end_s"]


def test_agent_side_profile_matches_the_agent_alone(synthetic):
    """The agent side of the call (echo, noise and the caller's turns excluded) reads like the agent's own clips
    through the telephone chain, profiled alone: F0 within 0.3 st and pace within 5 %, persona's bounds for a
    studio clip against its telephone copy (README, Validation)."""
    scripts, tables = synthetic
    calls = tables.calls.set_index("file")
    for file, call in scripts.items():
        clean = np.zeros(int((call.end_s() + 1.0) * _calls.SR_HZ))
        for start, x in call.agent:
            i = int(round(start * _calls.SR_HZ))
            clean[i : i + x.size] += x
        alone = Profiler(telephone=True).process_audio(Audio(clean, _calls.SR_HZ))
        assert 12 * np.log2(calls.loc[file, "agent_f0_median_hz"] / alone["f0_median_hz"]) == pytest.approx(0, abs=0.3)
        assert calls.loc[file, "agent_speech_rate_syl_s"] / alone["speech_rate_syl_s"] == pytest.approx(1, abs=0.05)


def test_cached_calls_read_back_the_same(synthetic, tmp_path):
    scripts, tables = synthetic
    store = ProfileCache(tmp_path / "cache.sqlite")
    first = CallProfiler().process_files(list(scripts)[:2], agent_channel=0, cache=store)
    assert len(store) == 2
    again = CallProfiler().process_files(list(scripts)[:2], agent_channel=0, cache=store)
    pd.testing.assert_frame_equal(first.calls, again.calls, check_dtype=False)
    pd.testing.assert_frame_equal(first.turns, again.turns, check_dtype=False)


def test_swapped_channels_are_named(synthetic, tmp_path):
    scripts, _ = synthetic
    file = next(iter(scripts))
    row = profile_calls([file], agent_channel=1).iloc[0]
    assert "channel 0 looks like the agent" in row["warning"]
    guessed = profile_calls([file]).iloc[0]  # the agent speaks first in every scripted call
    assert guessed["agent_channel"] == 0 and guessed["agent_channel_source"].startswith("guessed")


def test_mono_call_with_a_turns_file(synthetic, tmp_path):
    scripts, _ = synthetic
    file, call = next(iter(scripts.items()))
    stereo, sr = sf.read(file)
    mono = tmp_path / "mono.wav"
    sf.write(mono, stereo.mean(axis=1), sr)
    segments = [("agent", s, e) for s, e in call.intervals("agent")] + [("caller", s, e) for s, e in call.intervals("caller")]
    table = tmp_path / "turns.csv"
    pd.DataFrame(segments, columns=["speaker", "start_s", "end_s"]).to_csv(table, index=False)
    row = profile_calls([mono], turns=table).iloc[0]
    assert row["error"] == "" and row["agent_channel_source"] == "turns file"
    # with the true segments, latencies are the scripted gaps exactly (independent of any detection)
    gaps = [g for _, g in call.responses]
    assert row["response_latency_median_s"] == pytest.approx(np.median(gaps), abs=1e-6)
    rttm = tmp_path / "turns.rttm"
    rttm.write_text("".join(f"SPEAKER mono 1 {s:.3f} {e - s:.3f} <NA> <NA> {who} <NA> <NA>\n" for who, s, e in segments))
    assert read_turns(rttm)[["speaker", "start_s"]].iloc[0].tolist() == ["agent", pytest.approx(segments[0][1], abs=1e-3)]


# ---- bad input: one clear line naming the file ------------------------------------------------


def _write(path: Path, data: np.ndarray, sr: int = 8000) -> str:
    sf.write(path, data, sr, subtype="PCM_16")
    return str(path)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda rng: rng.normal(0, 0.1, 16000), "mono recording"),
        (lambda rng: rng.normal(0, 0.1, (16000, 6)), "6 channels"),
        (lambda rng: np.column_stack([rng.normal(0, 0.1, 16000), np.zeros(16000)]), "channel 1 is digital silence"),
    ],
)
def test_bad_calls_get_one_line(tmp_path, make, message):
    file = _write(tmp_path / "bad.wav", make(np.random.default_rng(0)))
    row = profile_calls([file]).iloc[0]
    assert message in row["error"] and row["error"].startswith(file) and "\n" not in row["error"]


def test_a_channel_of_line_noise_only_is_one_line(tmp_path):
    call = _calls.two_party_call(0.5)
    call[:, 1] = np.random.default_rng(0).normal(0, 10 ** (-50 / 20), call.shape[0])  # steady noise, no caller
    row = profile_calls([_write(tmp_path / "noise.wav", call)]).iloc[0]
    assert row["error"].endswith("no caller speech found; not a two-party call?")


def test_too_long_call_refused_from_the_header(tmp_path):
    file = _write(tmp_path / "long.wav", np.zeros((8000 * 5, 2)))
    tables = CallProfiler(max_duration_s=2.0).process_files([file])
    assert "longer than" in tables.calls["error"].iat[0]


def test_turns_file_must_fit_the_call_and_name_its_calls(synthetic, tmp_path):
    scripts, _ = synthetic
    files = list(scripts)
    late = tmp_path / "late.csv"
    late.write_text("speaker,start_s,end_s\nagent,1,2\ncaller,3,999\n")
    assert "until 999.0 s but the call lasts" in profile_calls(files[:1], turns=late).iloc[0]["error"]
    with pytest.raises(ParameterError, match="names no call"):
        profile_calls(files[:2], turns=late)
    assert "agent channel 3 requested" in profile_calls(files[:1], agent_channel=3).iloc[0]["error"]


def test_malformed_turns_file(tmp_path):
    bad = tmp_path / "turns.csv"
    bad.write_text("speaker,start_s\nagent,1\n")
    with pytest.raises(ParameterError, match="lacks column"):
        read_turns(bad)
    bad.write_text("speaker,start_s,end_s\nagent,2,1\n")
    with pytest.raises(ParameterError, match="start_s < end_s"):
        read_turns(bad)


# ---- the real 8 kHz two-channel booking call, against hand labels -----------------------------


@pytest.mark.corpus
def test_real_call_matches_hand_labels(corpus_dir):
    labels = pd.read_csv(DATA / "spokenwoz_MUL1011_hand_turns.csv", comment="#")
    file = corpus_dir / "human/spokenwoz_MUL1011_stereo.wav"
    tables = CallProfiler().process_files([file], agent_channel=1)
    assert tables.calls["error"].iat[0] == ""
    t = tables.turns[~tables.turns["within"]]
    errors, missed = [], []
    for lab in labels.itertuples():
        who = "agent" if lab.next_channel == 1 else "caller"
        found = _nearest(t[t["speaker"] == who], lab.next_start_s, reach_s=0.3)
        if found is None:
            missed.append(lab.next_start_s)
            continue
        errors.append(found["latency_s"] - (lab.next_start_s - lab.prev_end_s))
    # known miss (see the data file): the click at 13.73 s (-48 dBFS, 38 dB under the agent's speech), which
    # the labeller ignored, opens the agent's turn 0.44 s early
    assert set(missed) <= {14.16}, missed
    assert len(errors) >= 3
    # the issue's 50 ms, plus one 10 ms frame of hand-label resolution
    assert np.median(np.abs(errors)) <= 0.060


# ---- the syllable method of the agent side ------------------------------------------------------


def test_the_syllable_method_is_in_params_and_provenance():
    fused = CallProfiler(syllables="fused")
    # the method named as asked, at the top and in the nested agent profile's params
    assert fused.params()["syllables"] == fused.params()["profile"]["syllables"] == "fused"
    # the description is the Profiler's own for the method (persona.features.profile.SYLLABLE_METHODS)
    assert fused.provenance()["method"]["syllable_count"] == Profiler(syllables="fused").provenance()["method"]["syllable_count"]
    assert fused.provenance()["method"]["syllable_count"].startswith("mean of the syllable nuclei count and the recognised")
    # the default is the Profiler's documented default, the nuclei (any language, no extra needed)
    assert CallProfiler().syllables == Profiler().syllables == "nuclei"
    assert CallProfiler().provenance()["method"]["syllable_count"].startswith("syllable nuclei")


def test_the_agent_side_is_counted_by_the_method_and_cached_apart(tmp_path):
    file = tmp_path / "call.wav"
    sf.write(file, _calls.two_party_call(0.5), 8000, subtype="PCM_16")
    store = ProfileCache(tmp_path / "cache.sqlite")
    nuclei = CallProfiler().process_files([file], agent_channel=0, cache=store).calls.iloc[0]
    fused = CallProfiler(syllables="fused").process_files([file], agent_channel=0, cache=store).calls.iloc[0]
    assert len(store) == 2  # the method is part of the cache key: the fused row is measured, not read back as nuclei
    assert np.isnan(nuclei["agent_syllable_count_recognised"]) and np.isfinite(fused["agent_syllable_count_recognised"])
    # the nuclei count does not depend on the method; 'fused' is the mean of the two counts (Profiler docstring)
    assert fused["agent_syllable_count_nuclei"] == nuclei["agent_syllable_count_nuclei"] == nuclei["agent_syllable_count"]
    assert fused["agent_syllable_count"] == (fused["agent_syllable_count_nuclei"] + fused["agent_syllable_count_recognised"]) / 2


def test_a_missing_recogniser_is_named_before_any_call_is_read(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # not found, as if not installed
    with pytest.raises(MissingExtraError, match=r"syllables='recogniser' needs the optional 'recogniser' dependencies: pip install 'persona\[recogniser\]'"):
        CallProfiler(syllables="recogniser")
    with pytest.raises(MissingExtraError, match=r"persona\[recogniser\]"):
        profile_calls(["no_such_call.wav"], syllables="fused")  # refused before the (missing) file is looked for
    with pytest.raises(ParameterError, match="syllables must be one of fused, recogniser, nuclei, not 'phones'"):
        CallProfiler(syllables="phones")


def _calls_benchmark(params: dict) -> Benchmark:
    return Benchmark({}, {}, {"kind": "persona-calls-benchmark", "params": params}, 1)


def test_a_calls_benchmark_counted_by_pocketsphinx_is_refused_and_a_nuclei_one_scores():
    """Recorded before Moonshine replaced PocketSphinx: the nested profile holds PocketSphinx's settings
    (``beam``, ``lw``, ... from recognised.py's history); they counted nothing under nuclei."""
    pocketsphinx = {"beam": 1e-48, "wbeam": 7e-29, "lw": 6.5, "pad_s": 0.2}
    for method in ("nuclei", "fused"):
        params = CallProfiler(syllables=method).params()
        params["profile"]["recogniser"] = pocketsphinx
        if method == "nuclei":
            assert profiler_for(_calls_benchmark(params)).syllables == "nuclei"
        else:
            with pytest.raises(ParameterError, match="syllables='fused' by another speech recogniser"):
                profiler_for(_calls_benchmark(params))


def test_scoring_measures_with_the_benchmark_method():
    fused = _calls_benchmark(CallProfiler(syllables="fused", telephone=True).params())
    assert (profiler_for(fused).syllables, profiler_for(fused).telephone) == ("fused", True)
    assert profiler_for(fused, syllables="fused").syllables == "fused"  # asking for the benchmark's own method is fine
    # a benchmark from before the method was recorded counted the nuclei, then the only method
    assert profiler_for(_calls_benchmark({"telephone": False, "profile": {"telephone": False}})).syllables == "nuclei"
    with pytest.raises(ParameterError, match=r"^--syllables nuclei disagrees with the calls benchmark, whose human calls were counted with --syllables fused"):
        profiler_for(fused, syllables="nuclei")


def test_scoring_measures_with_every_parameter_of_the_benchmark():
    """The profiler a benchmark stored (its params, through JSON as a saved benchmark holds them) comes back field for
    field: agent-side length, activity and timing thresholds too, not only telephone and syllables; a resource limit
    (max_duration_s) keeps the default, and a stage an older benchmark lacks takes today's defaults."""
    built = CallProfiler(telephone=True, profile_max_s=60.0, activity=ActivityParams(hysteresis_db=9.0, min_speech_s=0.2),
                         timing=timing.TimingParams(min_overlap_s=0.1), max_duration_s=600.0)  # fmt: skip
    scored = profiler_for(_calls_benchmark(json.loads(json.dumps(built.params()))))
    assert scored == dataclasses.replace(built, max_duration_s=CallProfiler().max_duration_s)
    older = profiler_for(_calls_benchmark({"telephone": True, "profile": {"telephone": True}}))
    assert older == CallProfiler(telephone=True)
    newer = _calls_benchmark({"telephone": True, "timing": {"min_overlap_s": 0.1, "echo_guard_s": 0.2}})
    with pytest.raises(ParameterError, match=r"^the calls benchmark was measured with timing parameters this persona does not know \(echo_guard_s\)"):
        profiler_for(newer)
