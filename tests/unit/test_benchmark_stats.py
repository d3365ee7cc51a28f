"""Benchmark statistics, scoring, prescriptions and comparison on synthetic profile tables (no audio)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from persona.benchmark import build, compare_voices, prescribe, score_profiles
from persona.benchmark.score import voice_registers
from persona.benchmark.features import FEATURES, Z_CLIP
from persona.errors import BenchmarkError, PersonaWarning
from persona.features import Profiler

HUMAN = {"f0_median_hz": 150.0, "f0_sd_st": 3.0, "f0_range_st": 10.0, "f0_step_sd_st": 0.45, "speech_rate_syl_s": 4.0,
         "pause_ratio": 0.15, "mean_pause_s": 0.4, "loudness_lufs": -23.0, "intensity_sd_db": 9.0, "hnr_db": 12.0}  # fmt: skip


def profiles(n_speakers=5, clips=2, scale=1.0, seed=0, **shift):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_speakers):
        for c in range(clips):
            row = {k: v * (1 + 0.1 * scale * rng.standard_normal()) + shift.get(k, 0.0) for k, v in HUMAN.items()}
            rows.append(row | {"speech_s": 5.0, "file": f"s{s}_{c}.wav", "speaker": f"s{s}", "voice": f"s{s}", "scenario": "billing", "error": ""})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def bench():
    return build.from_profiles(profiles(), provenance_record=Profiler().provenance())


def test_speaker_medians_first_so_a_talkative_speaker_does_not_dominate():
    table = profiles(n_speakers=3, clips=1)
    chatty = pd.concat([table.iloc[[0]].assign(f0_median_hz=300.0)] * 50)
    b = build.from_profiles(pd.concat([table, chatty]), provenance_record={})
    s = b.stats["billing"]["f0_median_hz"]
    assert s.n_speakers == 3 and s.n_clips == 53
    assert s.median < 200


def test_one_speaker_scenario_and_no_human_clip_are_errors():
    with pytest.raises(BenchmarkError, match="1 human speaker"):
        build.from_profiles(profiles(n_speakers=1), provenance_record={})
    with pytest.raises(BenchmarkError, match="no usable human clip"):
        with pytest.warns(PersonaWarning, match="left out: bad"):
            build.from_profiles(profiles().assign(error="bad"), provenance_record={})


def test_scoring_when_no_clip_could_be_measured_names_the_error(bench):
    failed = profiles(n_speakers=1, clips=2).assign(error="a.wav: no voiced speech found")
    with pytest.raises(BenchmarkError, match="no clip could be measured.*no voiced speech"):
        score_profiles(failed, bench, "billing")


def test_a_saved_benchmark_measures_agents_with_its_own_parameters(bench, tmp_path):
    """JSON turns the parameters' tuples into lists; the rebuilt profiler must still measure."""
    loaded = build.load_benchmark(bench.save(tmp_path / "b.json"))
    assert loaded.profiler() == Profiler()
    tone = np.sin(2 * np.pi * 150 * np.arange(16000) / 16000) * np.hanning(16000)
    assert loaded.profiler().process_signal(tone, 16000)["error"].iloc[0] == ""


def test_distance_is_zero_at_median_grows_with_deviation_and_is_bounded(bench):
    centre = {f.column: bench.stats["billing"][f.column].median for f in FEATURES}
    at = score_profiles(pd.DataFrame([centre | {"file": "a", "voice": "v", "error": ""}]), bench, "billing").files.iloc[0]
    assert at["persona_distance"] == pytest.approx(0, abs=1e-9) and at["match_score"] == pytest.approx(100)
    rows = [centre | {"speech_rate_syl_s": centre["speech_rate_syl_s"] * k, "file": str(k), "voice": "v", "error": ""} for k in (1.1, 1.5, 10)]
    d = score_profiles(pd.DataFrame(rows), bench, "billing").files["persona_distance"].to_numpy()
    assert d[0] < d[1] <= d[2] <= Z_CLIP
    assert score_profiles(pd.DataFrame(rows), bench, "billing").files["speech_rate_syl_s_verdict"].tolist()[-1] == "above"


def test_floor_keeps_z_sane_when_humans_agree_closely():
    tight = build.from_profiles(profiles(scale=0.001), provenance_record={})
    s = tight.stats["billing"]["speech_rate_syl_s"]
    row = {f.column: tight.stats["billing"][f.column].median for f in FEATURES} | {"speech_rate_syl_s": s.median + 0.5}
    scored = score_profiles(pd.DataFrame([row | {"file": "a", "voice": "v", "error": ""}]), tight, "billing").files.iloc[0]
    assert scored["speech_rate_syl_s_z"] == pytest.approx(1.0, rel=1e-6)  # floor 0.5 syl/s
    assert scored["speech_rate_syl_s_deviation"] == pytest.approx(0.5)


def test_contract_columns(bench):
    files = score_profiles(profiles(n_speakers=2).assign(voice="agent"), bench, "billing").files
    assert {"file", "voice", "scenario", "persona_distance", "match_score"} <= set(files.columns)
    for f in FEATURES:
        assert {f"{f.column}_{x}" for x in ("value", "human_median", "deviation", "z", "verdict", "percentile", "p10", "p90")} <= set(files.columns)
    assert "f0_median_hz_deviation_st" in files and "speech_rate_syl_s_deviation_pct" in files


def test_prescription_points_back_to_the_median(bench):
    centre = {f.column: bench.stats["billing"][f.column].median for f in FEATURES}
    shifted = centre | {"f0_median_hz": centre["f0_median_hz"] * 2 ** (4 / 12), "speech_rate_syl_s": centre["speech_rate_syl_s"] / 0.75}
    p = prescribe(shifted, bench, scenario="billing")
    assert p.pitch_st == pytest.approx(-4, abs=0.1) and p.rate_pct == pytest.approx(-25, abs=1)
    assert 'rate="-25%"' in p.ssml() and 'pitch="-4.0st"' in p.ssml()
    assert prescribe(centre, bench, scenario="billing").summary() == "no noticeable change needed"
    quiet = prescribe(centre | {"pause_ratio": 0.0}, bench, scenario="billing")
    assert quiet.break_ms > 0 and '<break time="' in quiet.ssml("Hello, how are you? Fine.")


def test_compare_resolves_a_far_voice_and_not_a_twin(bench):
    agents = pd.concat([
        profiles(n_speakers=1, clips=8, seed=1).assign(voice="near"),
        profiles(n_speakers=1, clips=8, seed=2).assign(voice="twin"),
        profiles(n_speakers=1, clips=8, seed=3, f0_median_hz=120.0, speech_rate_syl_s=2.0).assign(voice="far"),
    ])  # fmt: skip
    c = compare_voices(score_profiles(agents, bench, "billing"), bench, n_resamples=300)
    assert c.ranking["voice"].iloc[-1] == "far"
    pairs = c.pairs.set_index(["voice_a", "voice_b"])
    assert not pairs.filter(like="twin", axis=0).query("voice_b != 'far'")["resolvable"].any()
    assert c.pairs[c.pairs["voice_b"] == "far"]["resolvable"].all()
    assert (c.ranking["ci_low"] <= c.ranking["persona_distance"]).all()


def test_distribution_catches_a_voice_that_never_varies(bench):
    lively = profiles(n_speakers=1, clips=6, seed=4).assign(voice="lively")
    flat = pd.concat([lively.iloc[[0]]] * 6).assign(voice="flat")
    for c in HUMAN:
        flat[c] = bench.stats["billing"][c].median
    d = score_profiles(pd.concat([lively, flat]), bench, "billing").distributions
    score = d[d["feature"] == "f0_median_hz"].set_index("voice")["distribution_score"]
    assert 50 < score["flat"] < 100 and score["lively"] > 50


def test_save_load_roundtrip_and_warnings(bench, tmp_path):
    path = bench.save(tmp_path / "b.json")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = build.load_benchmark(path)
    assert again.table("billing").equals(bench.table("billing"))
    payload = json.loads(path.read_text())
    payload["provenance"]["params_digest"] = "different"
    payload["provenance"]["software"]["persona"] = "999.0"
    (tmp_path / "other.json").write_text(json.dumps(payload))
    with pytest.warns(PersonaWarning) as caught:
        build.load_benchmark(tmp_path / "other.json")
    assert any("newer" in str(w.message) for w in caught) and any("other extraction parameters" in str(w.message) for w in caught)


@pytest.mark.parametrize("content, message", [
    ("not json", "not a benchmark JSON"), ('{"a": 1}', "not a persona benchmark"),
    ('{"schema_version": 99, "stats": {}, "provenance": {}}', "newer than this persona"),
    ('{"schema_version": 1, "stats": {"x": {}}, "provenance": {}}', "lacks feature"),
])  # fmt: skip
def test_incompatible_benchmark_files(tmp_path, content, message):
    (tmp_path / "b.json").write_text(content)
    with pytest.raises(BenchmarkError, match=message):
        build.load_benchmark(tmp_path / "b.json")


def test_unknown_scenario(bench):
    with pytest.raises(BenchmarkError, match="unknown scenario 'sales'; known: billing"):
        score_profiles(profiles(), bench, "sales")


def test_a_large_pitch_change_comes_with_a_note_and_a_small_one_without(bench):
    centre = {f.column: bench.stats["billing"][f.column].median for f in FEATURES}
    low = prescribe(centre | {"f0_median_hz": centre["f0_median_hz"] * 2 ** (-8 / 12)}, bench, scenario="billing")
    assert low.summary().startswith("pitch +8.0 st (note: 8.0 st would change who the voice sounds like")
    assert 'pitch="+8.0st"' in low.ssml()  # the SSML still says what would reach the median
    near = prescribe(centre | {"f0_median_hz": centre["f0_median_hz"] * 2 ** (-3 / 12)}, bench, scenario="billing")
    assert near.summary() == "pitch +3.0 st"


def _two_register_panel():
    low = profiles(n_speakers=3, clips=2, seed=1).assign(f0_median_hz=lambda t: t["f0_median_hz"] * 110 / 150, register="low")
    high = profiles(n_speakers=3, clips=2, seed=2).assign(f0_median_hz=lambda t: t["f0_median_hz"] * 220 / 150, register="high")
    high["speaker"] = high["speaker"] + "_f"
    return pd.concat([low, high], ignore_index=True)


def test_registers_named_in_the_manifest_aim_pitch_at_the_voice_s_own_register():
    panel = build.from_profiles(_two_register_panel(), provenance_record={})
    by_register = panel.summary["billing"]["register_f0_hz"]
    assert by_register["low"] == pytest.approx(110, rel=0.1) and by_register["high"] == pytest.approx(220, rel=0.1)
    centre = {f.column: panel.stats["billing"][f.column].median for f in FEATURES}
    low_voice = centre | {"f0_median_hz": by_register["low"] * 2 ** (-2 / 12)}
    assert prescribe(low_voice, panel, scenario="billing", register="low").pitch_st == pytest.approx(2.0, abs=0.05)
    pooled = prescribe(low_voice, panel, scenario="billing").pitch_st  # no register: the median of all six speakers
    assert pooled == pytest.approx(12 * np.log2(panel.stats["billing"]["f0_median_hz"].median / low_voice["f0_median_hz"]), abs=0.05)
    assert pooled > 6


def test_a_speaker_with_two_registers_is_an_error():
    panel = _two_register_panel()
    panel.loc[0, "register"] = "high"
    with pytest.raises(BenchmarkError, match="speaker 's0' is listed with registers"):
        build.from_profiles(panel, provenance_record={})


def test_voice_registers_come_from_the_profiles_register_column():
    scored = pd.DataFrame({"voice": ["a", "a", "b", "c"], "register": ["", "low", "high", ""]})
    assert voice_registers(scored) == {"a": "low", "b": "high"}
    assert voice_registers(scored.drop(columns="register")) == {}
