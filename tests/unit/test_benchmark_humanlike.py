"""Human-likeness (persona.benchmark.humanlike): one-sided pitch variability, a voice's clip-to-clip consistency.

Expected values are hand computations on constructed statistics and clip tables, stated beside each.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from persona.benchmark import build, humanlike, score_profiles
from persona.benchmark.features import FEATURES, Z_CLIP
from persona.benchmark.panel import FeatureStats
from persona.features import Profiler

WEIGHT_SUM = sum(f.weight for f in FEATURES if f.column not in humanlike.STYLE)
"""5.5 with the documented weights (1 + 1 + 0.5 + 1 + 0.5 + 0.5 + 0.5 + 0.5: pace and pausing left out)."""


def _human(mad: float = 10.0) -> dict[str, FeatureStats]:
    """Every feature's median at 100 (in its unit) and MAD ``mad`` (above every floor), so z = (value - 100) / mad."""
    return {f.column: FeatureStats(100.0, mad, 0.0, 90.0, 110.0, 1, 1, (100.0,), (100.0,)) for f in FEATURES}


def _row(**z) -> np.ndarray:
    """Feature values at the median except the given z (in MADs of 10); F0 level is on the semitone scale, so it stays at 100."""
    return np.array([100.0 + 10.0 * z.get(f.column, 0.0) for f in FEATURES])


def test_pitch_variability_counts_only_when_flatter_and_pace_not_at_all():
    assert WEIGHT_SUM == pytest.approx(5.5)
    human = _human()
    # z = +2 on intonation (f0_sd_st, weight 1): livelier than the humans, no synthetic sign -> 0
    assert humanlike.clip_distance(_row(f0_sd_st=2.0), human)[0] == pytest.approx(0.0)
    # z = -2 on intonation: sqrt(1 x 4 / 5.5) = 0.8528 by hand
    assert humanlike.clip_distance(_row(f0_sd_st=-2.0), human)[0] == pytest.approx(np.sqrt(4 / 5.5))
    # voice quality stays two-sided: z = +2 or -2 on HNR (weight 0.5) -> sqrt(0.5 x 4 / 5.5)
    for z in (2.0, -2.0):
        assert humanlike.clip_distance(_row(hnr_db=z), human)[0] == pytest.approx(np.sqrt(2 / 5.5))
    # pace and pausing are left out: z = 3 on both -> 0
    assert humanlike.clip_distance(_row(speech_rate_syl_s=3.0, pause_ratio=3.0), human)[0] == pytest.approx(0.0)
    # clipped at |z| = 5 like the persona distance: z = -8 on micro-variation (weight 1) -> sqrt(25 / 5.5)
    assert humanlike.clip_distance(_row(f0_step_sd_st=-8.0), human)[0] == pytest.approx(np.sqrt(Z_CLIP**2 / 5.5))


def _clips(n: int, f0_step_st: float, pause_step: float = 0.0, voice: str = "v") -> pd.DataFrame:
    """``n`` clips whose F0 level climbs ``f0_step_st`` semitones per clip from 100 Hz; other spreads set per test."""
    k = np.arange(n, dtype=float)
    return pd.DataFrame({"f0_median_hz": 100.0 * 2 ** (f0_step_st * k / 12), "f0_sd_st": 2.0 + f0_step_st * k,
                         "f0_slope_st_s": -1.0 + f0_step_st * k, "pause_ratio": 0.1 + pause_step * k,
                         "voice": voice, "speaker": voice, "error": ""})  # fmt: skip


def test_clip_spread_is_the_iqr_over_1349_with_f0_level_in_semitones():
    # F0 levels 0, 1, 2, 3, 4 st above 100 Hz: quartiles (linear) 1 and 3 st -> IQR 2 st -> 2 / 1.349 = 1.4826 st
    spread = humanlike.clip_spreads(_clips(5, 1.0))
    assert spread["f0_median_hz"] == pytest.approx(2 / 1.349)
    assert spread["f0_sd_st"] == pytest.approx(2 / 1.349) and spread["pause_ratio"] == pytest.approx(0.0)
    assert np.isnan(humanlike.clip_spreads(_clips(2, 1.0))["f0_median_hz"])  # fewer than 3 clips: no spread


def test_human_spread_is_the_median_over_speakers_with_enough_clips():
    table = pd.concat([_clips(5, 1.0, voice="a"), _clips(5, 3.0, voice="b"), _clips(4, 100.0, voice="c")], ignore_index=True)
    spreads = humanlike.human_spreads(table, table["speaker"])
    # a: 2 / 1.349, b: 6 / 1.349, c has 4 clips (< MIN_REFERENCE_CLIPS = 5) and is left out -> median 4 / 1.349
    assert spreads["n_speakers"] == 2
    assert spreads["spread"]["f0_median_hz"] == pytest.approx(4 / 1.349)


def test_consistency_counts_halvings_below_the_human_spread():
    human = {c: 4.0 for c in humanlike.CONSISTENCY}
    n = humanlike.MIN_VOICE_CLIPS
    # quartiles of 0..9 x step are 2.25 and 6.75 steps: spread 4.5 step / 1.349
    step_for = lambda spread: spread * 1.349 / 4.5  # noqa: E731
    half = _clips(n, step_for(2.0), pause_step=step_for(2.0))  # every spread 2.0 = half the human 4.0: one halving each -> 1
    assert humanlike.consistency_z(half, human) == pytest.approx(1.0)
    livelier = _clips(n, step_for(8.0), pause_step=step_for(8.0))  # twice the human spread: not too consistent -> 0
    assert humanlike.consistency_z(livelier, human) == pytest.approx(0.0)
    # pause ratio constant (spread 0): clipped at Z_CLIP; pitch columns at one halving: sqrt((3 x 1 + 25) / 4)
    assert humanlike.consistency_z(_clips(n, step_for(2.0)), human) == pytest.approx(np.sqrt((3 + Z_CLIP**2) / 4))
    assert np.isnan(humanlike.consistency_z(half.iloc[: n - 1], human))  # too few clips
    assert np.isnan(humanlike.consistency_z(half, {c: np.nan for c in humanlike.CONSISTENCY}))  # no human reference


def test_voice_distance_combines_the_clip_median_with_consistency():
    assert humanlike.voice_distance(np.array([1.0, 3.0, 9.0, np.nan]), 4.0) == pytest.approx(5.0)  # hypot(3, 4)
    assert humanlike.voice_distance(np.array([1.0, 3.0, 9.0]), np.nan) == pytest.approx(3.0)  # the median alone
    assert np.isnan(humanlike.voice_distance(np.array([np.nan]), 1.0))


HUMAN = {"f0_median_hz": 150.0, "f0_sd_st": 3.0, "f0_range_st": 10.0, "f0_step_sd_st": 0.45, "speech_rate_syl_s": 4.0, "pause_ratio": 0.15,
         "mean_pause_s": 0.4, "loudness_lufs": -23.0, "intensity_sd_db": 9.0, "hnr_db": 12.0, "jitter_local": 0.01, "shimmer_local": 0.05,
         "f0_slope_st_s": -1.0}  # fmt: skip


def _varied(voice: str, n: int, sd: float, seed: int) -> pd.DataFrame:
    """``n`` clips around :data:`HUMAN`, every value scaled by 1 + ``sd`` x a standard normal draw."""
    rng = np.random.default_rng(seed)
    rows = [{k: v * (1 + sd * rng.standard_normal()) for k, v in HUMAN.items()} for _ in range(n)]
    return pd.DataFrame(rows).assign(speech_s=5.0, file=[f"{voice}_{i}.wav" for i in range(n)], speaker=voice, voice=voice, scenario="billing", error="")


def test_scores_carry_humanlike_columns_and_a_monotone_voice_is_farther(tmp_path):
    panel = pd.concat([_varied(f"s{i}", 12, 0.1, i) for i in range(4)], ignore_index=True)
    bench = build.from_profiles(panel, provenance_record=Profiler().provenance())
    assert bench.clip_spreads["billing"]["n_speakers"] == 4
    again = build.load_benchmark(bench.save(tmp_path / "b.json"))
    assert again.clip_spreads == bench.clip_spreads and "humanlike_method" in again.provenance
    # the same median values; "robot" repeats them on every clip, "person" varies as the panel's speakers do
    robot = pd.DataFrame([HUMAN] * 12).assign(file=[f"r{i}" for i in range(12)], voice="robot", error="")
    person = _varied("person", 12, 0.1, 99)
    scores = score_profiles(pd.concat([robot, person], ignore_index=True), bench, "billing")
    voices = scores.voices.set_index("voice")
    assert "humanlike_distance" in scores.files and {"consistency_z", "humanlike_distance"} <= set(voices.columns)
    # zero spread on every consistency column: each clipped at Z_CLIP -> consistency_z = 5 exactly
    assert voices.loc["robot", "consistency_z"] == pytest.approx(Z_CLIP)
    assert voices.loc["robot", "humanlike_distance"] > voices.loc["person", "humanlike_distance"]
    # the persona distance does not change with the new score
    assert voices.loc["robot", "persona_distance"] == pytest.approx(score_profiles(robot, bench, "billing").voices.iloc[0]["persona_distance"])


def test_a_benchmark_saved_before_clip_spreads_scores_the_clip_median_alone(tmp_path):
    import json

    panel = pd.concat([_varied(f"s{i}", 6, 0.1, i) for i in range(3)], ignore_index=True)
    path = build.from_profiles(panel, provenance_record=Profiler().provenance()).save(tmp_path / "b.json")
    payload = json.loads(path.read_text())
    del payload["clip_spreads"]
    path.write_text(json.dumps(payload))
    old = build.load_benchmark(path)
    assert old.clip_spreads == {}
    scores = score_profiles(_varied("v", 12, 0.1, 7), old, "billing")
    voice = scores.voices.iloc[0]
    # no human spread: consistency_z is NaN and the voice's score is the median of its clips' (by definition)
    assert np.isnan(voice["consistency_z"])
    assert voice["humanlike_distance"] == pytest.approx(float(np.median(scores.files["humanlike_distance"])))
