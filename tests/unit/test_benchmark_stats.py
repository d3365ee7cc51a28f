"""Benchmark statistics, scoring, prescriptions and comparison on synthetic profile tables (no audio)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from persona.benchmark import build, compare_voices, prescribe, score_profiles
from persona.benchmark.score import voice_registers, weighted_percentile
from persona.benchmark.features import FEATURES, Z_CLIP
from persona.errors import BenchmarkError, PersonaWarning
from persona.features import Profiler

HUMAN = {"f0_median_hz": 150.0, "f0_sd_st": 3.0, "f0_range_st": 10.0, "f0_step_sd_st": 0.45, "speech_rate_syl_s": 4.0,
         "pause_ratio": 0.15, "mean_pause_s": 0.4, "loudness_lufs": -23.0, "intensity_sd_db": 9.0, "hnr_db": 12.0}  # fmt: skip
PERTURBATION = {"jitter_local": 0.01, "shimmer_local": 0.05}
"""Typical local jitter and shimmer of a normal voice, the same on every clip: the tests here vary the other features."""


def profiles(n_speakers=5, clips=2, scale=1.0, seed=0, **shift):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_speakers):
        for c in range(clips):
            row = {k: v * (1 + 0.1 * scale * rng.standard_normal()) + shift.get(k, 0.0) for k, v in HUMAN.items()}
            row |= PERTURBATION
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


def test_one_speaker_with_too_few_clips_and_no_human_clip_are_errors():
    with pytest.raises(BenchmarkError, match="one human speaker \\(s0\\) with 2 usable clip.*at least 3 clips"):
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


def test_a_voice_with_atypical_jitter_is_farther_by_its_weight(bench):
    """Every feature at the panel median but jitter 0.01 above it: the panel's jitter is the same on every clip
    (MAD 0), so its spread is the 0.005 floor, z = 2, and the distance is sqrt(0.5 x 2^2 / total weight),
    the total weight being that of every measured feature (hand computation from the FEATURES table)."""
    centre = {f.column: bench.stats["billing"][f.column].median for f in FEATURES}
    rough = centre | {"jitter_local": centre["jitter_local"] + 0.01, "file": "a", "voice": "v", "error": ""}
    d = score_profiles(pd.DataFrame([rough]), bench, "billing").files.iloc[0]["persona_distance"]
    assert d == pytest.approx(np.sqrt(0.5 * 2**2 / sum(f.weight for f in FEATURES)), rel=1e-9)


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
    assert c.ranking.set_index("voice").loc["far", "ci_low"] > 0  # two features 5+ spreads out: not consistent with 0


def test_distribution_catches_a_voice_that_never_varies(bench):
    """A flat voice (every clip at the human median) against a lively one drawn like the humans.

    Expected flat score by hand: the 1-D Wasserstein distance from a point mass at m to a sample
    h is mean |h - m|, and to the uniform reference u likewise mean |u - m| (on the semitone scale).
    """
    lively = profiles(n_speakers=1, clips=6, seed=4).assign(voice="lively")
    flat = pd.concat([lively.iloc[[0]]] * 6).assign(voice="flat")
    for c in HUMAN:
        flat[c] = bench.stats["billing"][c].median
    d = score_profiles(pd.concat([lively, flat]), bench, "billing").distributions
    score = d[d["feature"] == "f0_median_hz"].set_index("voice")["distribution_score"]
    st = lambda hz: 12 * np.log2(np.asarray(hz))  # noqa: E731
    m, h = st(bench.stats["billing"]["f0_median_hz"].median), st(bench.stats["billing"]["f0_median_hz"].clip_values)
    w_human, w_ref = np.mean(np.abs(h - m)), np.mean(np.abs(st(np.linspace(60.0, 400.0, 201)) - m))
    assert score["flat"] == pytest.approx(100 * w_ref / (w_human + w_ref), abs=1e-9)
    assert score["flat"] < score["lively"]


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


def test_a_pitch_change_over_4_st_is_prescribed_only_on_request(bench):
    centre = {f.column: bench.stats["billing"][f.column].median for f in FEATURES}
    low = prescribe(centre | {"f0_median_hz": centre["f0_median_hz"] * 2 ** (-8 / 12)}, bench, scenario="billing")
    assert low.pitch_st == 4.0 and low.pitch_needed_st == pytest.approx(8.0, abs=0.05)
    assert 'pitch="+4.0st"' in low.ssml()
    assert low.summary().startswith("pitch +4.0 st (pitch limited to 4 st: reaching your agents' median needs +8.0 st")
    asked = prescribe(centre | {"f0_median_hz": centre["f0_median_hz"] * 2 ** (-8 / 12)}, bench, scenario="billing", allow_large_pitch_change=True)
    assert asked.pitch_st == pytest.approx(8.0, abs=0.05) and 'pitch="+8.0st"' in asked.ssml() and "would change who" in asked.summary()
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
    assert prescribe(low_voice, panel, scenario="billing").pitch_st == pytest.approx(2.0, abs=0.05)  # register inferred: 98 Hz is low
    pooled = prescribe(low_voice, panel, scenario="billing", register="", allow_large_pitch_change=True).pitch_st  # the whole panel
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


def _voice(f0_hz: float, name: str = "agent") -> pd.DataFrame:
    return pd.DataFrame([HUMAN | {"f0_median_hz": f0_hz, "file": f"{name}.wav", "voice": name, "error": ""}])


def test_a_male_voice_gets_its_pitch_verdict_from_the_male_speakers():
    """Panel: three low speakers around 110 Hz, three high around 220 Hz (register from the manifest).
    Expected by hand: a 110 Hz voice sits at the low speakers' median, z = 12 log2(110 / low median) /
    max(low MAD, 2 st); the whole panel's median lies between the registers, over 6 st above him."""
    panel = build.from_profiles(_two_register_panel(), provenance_record={})
    low_speakers = np.array(panel.pitch_by_register["billing"]["low"].speaker_values)
    assert len(low_speakers) == 3
    high_median = panel.pitch_by_register["billing"]["high"].median
    scored = score_profiles(pd.concat([_voice(110.0, "man"), _voice(high_median, "woman")]), panel, "billing")
    man = scored.voices.set_index("voice").loc["man"]
    assert man["register"] == "low" and man["register_source"].startswith("inferred from median F0 110 Hz")
    assert man["pitch_compared_with"] == "low register" and man["f0_median_hz_verdict"] == "within"
    low_median = np.median(low_speakers)
    low_mad = 1.4826 * np.median(np.abs(12 * np.log2(low_speakers) - np.median(12 * np.log2(low_speakers))))
    assert man["f0_median_hz_human_median"] == pytest.approx(low_median)
    assert man["f0_median_hz_z"] == pytest.approx(12 * np.log2(110.0 / low_median) / max(low_mad, 2.0), abs=1e-9)
    woman = scored.voices.set_index("voice").loc["woman"]
    assert woman["pitch_compared_with"] == "high register" and woman["f0_median_hz_z"] == pytest.approx(0, abs=1e-9)
    pooled = score_profiles(_voice(110.0, "man"), panel, "billing", register="low")  # given explicitly: the same
    assert pooled.voices["f0_median_hz_z"].iloc[0] == pytest.approx(man["f0_median_hz_z"])
    whole = panel.stats["billing"]["f0_median_hz"]
    assert 12 * np.log2(whole.median / 110.0) > 6 > abs(man["f0_median_hz_deviation_st"])  # the mixed median: 6+ st above him
    assert "f0_median_hz" not in man.get("benchmark_note", "") and man["benchmark_note"] == ""


def test_registers_inferred_from_speaker_f0_without_a_manifest_column():
    panel = build.from_profiles(_two_register_panel().drop(columns="register"), provenance_record={})
    registers = panel.summary["billing"]["speaker_registers"]
    assert {r["register"] for s, r in registers.items() if s.endswith("_f")} == {"high"}
    assert {r["register"] for s, r in registers.items() if not s.endswith("_f")} == {"low"}
    assert {r["source"] for r in registers.values()} == {"inferred"}
    assert "160 Hz" in panel.provenance["register_method"]


def test_a_register_with_fewer_than_three_speakers_is_said_and_widened():
    panel_rows = _two_register_panel()
    panel_rows = panel_rows[panel_rows["speaker"] != "s2_f"]  # two high speakers left
    panel = build.from_profiles(panel_rows, provenance_record={})
    woman = score_profiles(_voice(220.0, "woman"), panel, "billing").voices.iloc[0]
    assert "only 2 high-register speaker(s)" in woman["benchmark_note"]
    high = panel.pitch_by_register["billing"]["high"]
    half = 1.2816 * max(high.mad, 2.0)  # the p10-p90 half-width of a normal with the floor SD (st)
    assert high.p10 <= high.median * 2 ** (-half / 12) + 1e-9 and high.p90 >= high.median * 2 ** (half / 12) - 1e-9
    lows_only = build.from_profiles(_two_register_panel().query("register == 'low'"), provenance_record={})
    alone = score_profiles(_voice(220.0, "woman"), lows_only, "billing").voices.iloc[0]
    assert alone["pitch_compared_with"] == "whole panel" and "no high-register speaker" in alone["benchmark_note"]


def test_a_single_speaker_benchmark_scores_its_held_out_clips_within_its_band():
    """One brand voice, 30 clips i.i.d.: build on 20, score 10 held out. Known answers for exchangeable
    clips: a new clip falls inside the sample p10-p90 of n = 20 clips with probability 0.8 (n - 1) / (n + 1)
    = 0.72 (order statistics), per feature; its rank among the leave-one-clip-out distances is uniform,
    so the median human_percentile of 10 clips is near 50 (SD about 9)."""
    clips = profiles(n_speakers=1, clips=30, seed=7)
    one = build.from_profiles(clips.iloc[:20], provenance_record={})
    assert one.is_one_voice("billing") and one.notes("billing")[0].startswith("one-voice benchmark")
    assert len(one.held_out["billing"]["clip"]) == 20
    held = score_profiles(clips.iloc[20:].assign(voice="s0"), one, "billing").files
    verdicts = held[[f"{f.column}_verdict" for f in FEATURES]].to_numpy().ravel()
    assert np.mean(verdicts == "within") >= 0.72 - 3 * np.sqrt(0.72 * 0.28 / verdicts.size)
    assert 50 - 3 * 9 <= held["human_percentile"].median() <= 50 + 3 * 9
    assert held["benchmark_note"].str.startswith("one-voice benchmark").all()
    far = score_profiles(_voice(90.0).assign(speech_rate_syl_s=2.0), one, "billing").voices.iloc[0]
    assert far["human_percentile"] == 100.0 and far["pitch_compared_with"] == "reference voice"
    from persona.benchmark import describe

    assert "% slower than your reference voice in billing" in " ".join(describe(far, scenario="billing"))


def test_a_many_clip_speaker_is_not_pushed_to_the_panel_edge():
    """One speaker with 100 clips at the population centre and ten with one clip each: speakers weigh
    equally, so the many-clip speaker's held-out clips are no farther than a typical held-out human clip
    (median human_percentile at most 50 plus 3 SD of the median of 20 uniform ranks, 3 x 6.5)."""
    rng = np.random.default_rng(11)
    busy = profiles(n_speakers=1, clips=120, seed=12).assign(speaker="busy", voice="busy")
    rows = [pd.DataFrame([{k: v * (1 + 0.1 * rng.standard_normal()) for k, v in HUMAN.items()}
                          | {"speech_s": 5.0, "file": f"one{i}.wav", "speaker": f"one{i}", "scenario": "billing", "error": ""}])
            for i in range(10)]  # fmt: skip
    panel = build.from_profiles(pd.concat([busy.iloc[:100], *rows], ignore_index=True), provenance_record={})
    summary = panel.summary["billing"]
    assert summary["clips_per_speaker"]["busy"] == 100 and summary["unequal_clips"]
    held = score_profiles(busy.iloc[100:], panel, "billing").files
    assert held["human_percentile"].median() <= 50 + 3 * 6.5


def test_human_percentile_ranks_a_voice_among_held_out_speakers(bench):
    """Leave-one-speaker-out by hand: rebuild the panel without s0 and score s0's clip median against it."""
    panel = profiles()
    rest = build.from_profiles(panel[panel["speaker"] != "s0"], provenance_record={})
    s0 = score_profiles(panel[panel["speaker"] == "s0"], rest, "billing").voices.iloc[0]
    assert bench.held_out["billing"]["speaker"][0] == pytest.approx(s0["persona_distance"], rel=1e-9)
    assert len(bench.held_out["billing"]["speaker"]) == 5 and len(bench.held_out["billing"]["clip"]) == 10
    centre = {f.column: bench.stats["billing"][f.column].median for f in FEATURES}
    at = score_profiles(pd.DataFrame([centre | {"file": "a", "voice": "v", "error": ""}]), bench, "billing").voices.iloc[0]
    assert at["human_percentile"] == 0.0
    held = np.array(bench.held_out["billing"]["speaker"])
    middle = score_profiles(_voice(150.0).assign(speech_rate_syl_s=4.0 + 0.5 * np.sort(held)[2]), bench, "billing").voices.iloc[0]
    expected = 100 * (np.mean(held < middle["persona_distance"]) + 0.5 * np.mean(held == middle["persona_distance"]))
    assert middle["human_percentile"] == pytest.approx(expected)


def test_register_and_typicality_survive_save_and_load(tmp_path):
    panel = build.from_profiles(_two_register_panel(), provenance_record=Profiler().provenance())
    again = build.load_benchmark(panel.save(tmp_path / "b.json"))
    assert again.pitch_by_register["billing"]["low"] == panel.pitch_by_register["billing"]["low"]
    assert again.held_out == panel.held_out and again.compared("billing", "high") == panel.compared("billing", "high")


def test_an_unknown_register_is_a_clear_error_and_an_old_benchmark_says_it_has_none(bench, tmp_path):
    from persona.errors import ParameterError

    with pytest.raises(ParameterError, match="unknown register 'male'; use low or high"):
        score_profiles(_voice(110.0), bench, "billing", register="male")
    payload = json.loads(bench.save(tmp_path / "b.json").read_text())
    payload["schema_version"] = 1
    del payload["pitch_by_register"], payload["held_out"]
    (tmp_path / "old.json").write_text(json.dumps(payload))
    old = build.load_benchmark(tmp_path / "old.json")
    scored = score_profiles(_voice(110.0), old, "billing").voices.iloc[0]
    assert scored["pitch_compared_with"] == "whole panel" and "without pitch registers" in scored["benchmark_note"]
    assert np.isnan(scored["human_percentile"])


def test_percentiles_weigh_each_speaker_equally_however_many_clips():
    """Speaker a: nine clips at 100 Hz; speaker b: one at 200 Hz. A 150 Hz voice is above half of the
    speakers (50 %), not above nine clips in ten (90 %)."""
    rows = profiles(n_speakers=2, clips=9)
    rows = pd.concat([rows[rows["speaker"] == "s0"].assign(f0_median_hz=100.0), rows[rows["speaker"] == "s1"].iloc[[0]].assign(f0_median_hz=200.0)])
    panel = build.from_profiles(rows, provenance_record={})
    assert weighted_percentile(150.0, panel.stats["billing"]["f0_median_hz"]) == pytest.approx(50.0)
    assert weighted_percentile(100.0, panel.stats["billing"]["f0_median_hz"]) == pytest.approx(25.0)  # ties count half
