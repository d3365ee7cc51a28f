"""Voice comparison intervals: BCa against scipy, one random stream per voice, one manifest whichever way."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from scipy import stats

from persona.benchmark import build, compare_voices, score_profiles
from persona.benchmark.compare import VoiceDraws, bca_interval, benchmark_draws
from persona.benchmark.features import FEATURES
from persona.benchmark.reference import read_reference, voice_files, with_manifest

HUMAN = {"f0_median_hz": 150.0, "f0_sd_st": 3.0, "f0_range_st": 10.0, "f0_step_sd_st": 0.45, "speech_rate_syl_s": 4.0,
         "pause_ratio": 0.15, "mean_pause_s": 0.4, "loudness_lufs": -23.0, "intensity_sd_db": 9.0, "hnr_db": 12.0}  # fmt: skip


def clips(voice: str, n: int, seed: int, **shift) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [{k: v * (1 + 0.1 * rng.standard_normal()) + shift.get(k, 0.0) for k, v in HUMAN.items()}
            | {"speech_s": 5.0, "file": f"{voice}_{c}.wav", "speaker": voice, "voice": voice, "scenario": "billing",
               "error": ""} for c in range(n)]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def bench():
    humans = pd.concat([clips(f"s{s}", 2, seed=s) for s in range(6)])
    return build.from_profiles(humans, provenance_record={})


def test_bca_matches_scipy_on_the_mean():
    """Independent source: scipy.stats.bootstrap(method="BCa") on the same bootstrap distribution."""
    sample = np.random.default_rng(1).gamma(2.0, size=25)
    result = stats.bootstrap((sample,), np.mean, method="BCa", n_resamples=2000, random_state=3)
    jackknife = np.array([np.delete(sample, i).mean() for i in range(sample.size)])
    ours = bca_interval(result.bootstrap_distribution, sample.mean(), jackknife, confidence=0.95)
    assert ours == pytest.approx(tuple(result.confidence_interval), rel=1e-3)


def test_adding_a_voice_leaves_the_other_intervals_unchanged(bench):
    two = pd.concat([clips("alpha", 6, 10), clips("beta", 6, 11, speech_rate_syl_s=1.0)])
    three = pd.concat([two, clips("gamma", 6, 12, f0_median_hz=30.0)])
    before = compare_voices(score_profiles(two, bench, "billing"), bench, n_resamples=200, seed=5).ranking
    after = compare_voices(score_profiles(three, bench, "billing"), bench, n_resamples=200, seed=5).ranking
    columns = ["persona_distance", "ci_low", "ci_high"]
    pd.testing.assert_frame_equal(before.set_index("voice")[columns], after.set_index("voice").loc[before["voice"], columns])


def test_interval_includes_benchmark_speaker_uncertainty(bench):
    """Eight identical clips have no clip-to-clip spread; the interval is still not a point because
    the benchmark's six human speakers are resampled too (their median and MAD move per draw)."""
    voice = pd.concat([clips("alpha", 1, 10, f0_median_hz=15.0)] * 8).assign(file=[f"a{k}.wav" for k in range(8)])
    row = compare_voices(score_profiles(voice, bench, "billing"), bench, n_resamples=400).ranking.iloc[0]
    assert row["ci_high"] - row["ci_low"] > 0.01


def test_candidate_clips_read_the_same_manifest_with_or_without_reference(tmp_path):
    """Issue 16: `--reference DIR` and `--benchmark FILE` differed because only the former read the
    candidates' transcripts (transcript-based speech rate). Both ways must attach the same entries."""
    voice_dir = tmp_path / "billing" / "agents" / "bot"
    voice_dir.mkdir(parents=True)
    rows = []
    for k in range(2):
        sf.write(voice_dir / f"l{k}.wav", np.zeros(800), 8000)
        sf.write(tmp_path / "billing" / f"human_{k}.wav", np.zeros(800), 8000)
        rows += [{"file": f"billing/agents/bot/l{k}.wav", "scenario": "billing", "speaker": "bot", "role": "agent",
                  "transcript": f"line {k} text", "line_id": f"l{k}", "register": "high"},
                 {"file": f"billing/human_{k}.wav", "scenario": "billing", "speaker": f"h{k}", "role": "human"}]  # fmt: skip
    pd.DataFrame(rows).to_csv(tmp_path / "manifest.csv", index=False)
    files = voice_files([voice_dir])
    from_reference = with_manifest(files, read_reference(tmp_path))
    from_file = with_manifest(files, None)
    pd.testing.assert_frame_equal(from_reference, from_file)
    assert from_file["transcript"].tolist() == ["line 0 text", "line 1 text"]


def test_distance_interval_is_the_basic_bootstrap_of_the_cubed_distance():
    """Hand computation: draws 1.0, 1.1, ..., 2.0 (11 values); estimate 1.2 (1.728 cubed). With confidence 0.8
    the 10th/90th percentiles of the cubed draws fall on draws: 1.1^3 = 1.331 and 1.9^3 = 6.859, so the interval
    is [(2 x 1.728 - 6.859)^(1/3) -> 0 (negative), (2 x 1.728 - 1.331)^(1/3) = 2.125^(1/3) = 1.2856]."""
    draws = VoiceDraws(values=np.zeros((3, 1)), estimate=1.2, draws=np.linspace(1.0, 2.0, 11), jackknife=np.zeros(3))
    low_q, high_q = np.quantile(np.linspace(1.0, 2.0, 11) ** 3, [0.1, 0.9])
    assert (low_q, high_q) == pytest.approx((1.331, 6.859))
    assert draws.interval(confidence=0.8) == pytest.approx((0.0, 1.2856), abs=1e-4)


def test_benchmark_draws_resample_speakers_jointly_and_the_register_separately(bench):
    """Speakers are the unit: in every draw, each feature measured on all 6 speakers takes the same speakers
    (checked on two features whose speaker values are a known affine map of each other), and pitch level
    comes from the voice's register's own speakers."""
    compared = dict(bench.compared("billing"))
    rate = compared["speech_rate_syl_s"]
    compared["f0_sd_st"] = dataclasses.replace(compared["f0_sd_st"], speaker_values=tuple(2.0 * v for v in rate.speaker_values))
    draws = benchmark_draws(compared, n_resamples=50, rng=np.random.default_rng(1), subset_rng=np.random.default_rng(2))
    i, j = (next(k for k, f in enumerate(FEATURES) if f.column == c) for c in ("speech_rate_syl_s", "f0_sd_st"))
    assert draws.centre[:, j] == pytest.approx(2.0 * draws.centre[:, i])  # the same speakers in every draw
    few = dataclasses.replace(compared["f0_median_hz"], speaker_values=(100.0, 110.0))
    pitch = benchmark_draws({**compared, "f0_median_hz": few}, n_resamples=200, rng=np.random.default_rng(1),
                            subset_rng=np.random.default_rng(2)).centre[:, 0]  # fmt: skip
    low, high = 12 * np.log2([100.0, 110.0])  # semitones; a draw of 2 speakers has median low, high or their mean
    assert set(np.round(pitch, 9)) == set(np.round([low, high, (low + high) / 2], 9))
