"""Voice comparison intervals: test inversion by hand and in the large-benchmark limit, the benchmark's pivots,
the pairwise generalised interval by hand and in the large-benchmark limit, one random stream per voice, one
manifest whichever way."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from scipy import stats

from persona.benchmark import build, compare_voices, score_profiles
from persona.benchmark.compare import (CLIP_CONFIDENCE, BenchmarkDraws, VoiceDraws, benchmark_draws, exact_features, resolvable_confidence, speaker_correlation,
                                      square_root)
from persona.benchmark.features import FEATURES
from persona.benchmark.panel import FeatureStats
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


RATE = next(k for k, f in enumerate(FEATURES) if f.column == "speech_rate_syl_s")


def exact_benchmark(n_draws: int) -> BenchmarkDraws:
    """A benchmark without uncertainty: centre 0, spread 1 in every draw, held or redrawn."""
    ones, zeros = np.ones((n_draws, len(FEATURES))), np.zeros((n_draws, len(FEATURES)))
    return BenchmarkDraws(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), ones, zeros, zeros, ones)


def pace_only_voice(z_pace: float) -> VoiceDraws:
    """A voice measured on pace alone at robust z ``z_pace`` (its distance), clip-median deviations -0.5, -0.4, ..., 0.5."""
    deviation = np.zeros((11, len(FEATURES)))
    deviation[:, RATE] = np.linspace(-0.5, 0.5, 11)
    z = np.full(len(FEATURES), np.nan)
    z[RATE] = z_pace
    return VoiceDraws(values=np.zeros((3, len(FEATURES))), estimate=z_pace, z=z, deviation=deviation,
                      benchmark=exact_benchmark(11))  # fmt: skip


def test_difference_interval_by_hand():
    """Hand computation. Voice a at z 3 with clip-median deviations -0.5 ... 0.5, voice b at z 1 with the same
    deviations reversed, against an exact benchmark: draw i's true distances are 3 - d_i and 1 + d_i, their difference
    2 - 2 d_i, whose 10th/90th percentiles (confidence 0.8, linear between the 11 draws) are 2 - 0.8 and 2 + 0.8."""
    a, b = pace_only_voice(3.0), pace_only_voice(1.0)
    b = dataclasses.replace(b, deviation=b.deviation[::-1])
    assert a.difference_interval(b, confidence=0.8) == pytest.approx((1.2, 2.8), abs=1e-9)


def uncertain_centre(voice: VoiceDraws) -> VoiceDraws:
    """``voice`` with no clip deviations, against a benchmark whose pace median misses the population's by -0.5, -0.4,
    ..., 0.5 spreads over its 11 draws (spread 1 in every draw)."""
    error = np.zeros((11, len(FEATURES)))
    error[:, RATE] = np.linspace(-0.5, 0.5, 11)
    benchmark = dataclasses.replace(voice.benchmark, centre_error=error)
    return dataclasses.replace(voice, deviation=np.zeros_like(voice.deviation), benchmark=benchmark)


def test_the_benchmark_centre_separates_voices_in_opposite_directions_only():
    """Hand computation. Draw i puts the population's pace centre e_i = -0.5 ... 0.5 spreads from the benchmark's
    (the voices' clips exact). Voices at z +2 and -2 sit 2 + e_i and 2 - e_i from it: difference 2 e_i, whose
    10th/90th percentiles are -0.8 and 0.8, so equal measured distances are not resolvable and the order is open.
    Voices at z 2 and 1 (same side) sit 2 + e_i and 1 + e_i from it: difference 1 in every draw, the centre cancels."""
    up, down, near = (uncertain_centre(pace_only_voice(z)) for z in (2.0, -2.0, 1.0))
    down = dataclasses.replace(down, estimate=2.0)  # its distance: |z|
    assert up.difference_interval(down, confidence=0.8) == pytest.approx((-0.8, 0.8), abs=1e-9)
    assert up.difference_interval(near, confidence=0.8) == pytest.approx((1.0, 1.0), abs=1e-9)


def test_the_level_follows_the_clips_share_of_the_uncertainty():
    """Hand computation. Against an exact benchmark the generalised draws are the clip resamples' distances (share 1):
    the level is CLIP_CONFIDENCE, 95 %, and numpy's linear quantiles of the draws of test_difference_interval_by_hand
    (differences 1.0, 1.2, ..., 3.0) at 2.5 % and 97.5 % sit a quarter step above 1.0 and below 3.0. With exact clips
    and an uncertain centre (share 0) the level is BENCHMARK_CONFIDENCE, 98 %; half and half, 96.5 %."""
    a, b = pace_only_voice(3.0), pace_only_voice(1.0)
    b = dataclasses.replace(b, deviation=b.deviation[::-1])
    assert a.difference_confidence(b) == pytest.approx(0.95)
    assert a.difference_interval(b) == pytest.approx((1.05, 2.95), abs=1e-9)
    up, down = (uncertain_centre(pace_only_voice(z)) for z in (2.0, -2.0))
    assert up.difference_confidence(down) == pytest.approx(0.98)
    assert resolvable_confidence(0.5) == pytest.approx(0.965)


def test_two_clips_are_never_resolvable():
    """A 2-clip voice's resamples have only 3 medians: no difference interval (MIN_RESOLVABLE_CLIPS is 3), however far
    apart the two voices are (z 3 and 1: the 3-clip pair above is resolvable)."""
    a, b = pace_only_voice(3.0), pace_only_voice(1.0)
    assert np.isnan(a.difference_interval(dataclasses.replace(b, values=b.values[:2]))).all()


def test_interval_inverts_the_test_by_hand():
    """Hand computation. One measured feature (z = 3), an exact benchmark (spread 1) and clip-median deviations
    -0.5, -0.4, ..., 0.5 (11 draws): against true distance d the draws are |d + deviation|, whose 10th/90th
    percentiles (confidence 0.8) are d - 0.4 and d + 0.4. The estimate 3 is reached from d = 2.6 and passed
    beyond d = 3.4, so the interval is [2.6, 3.4], the basic bootstrap interval of a location
    (Davison & Hinkley 1997, eq. 5.6): [3 - q90, 3 - q10] of the deviations."""
    assert pace_only_voice(3.0).interval(confidence=0.8) == pytest.approx((2.6, 3.4), abs=1e-6)


def test_interval_of_a_voice_near_the_median_starts_at_zero():
    """Hand computation, as above with estimate 0.2: at d = 0 the 90th percentile of |deviation| is 0.5 >= 0.2, so
    the lower bound is 0; the 10th percentile of |d + deviation| is 0.1 up to d = 0.5, 0.2 at d = 0.6 and 0.3 at
    d = 0.7, so the largest distance it does not pass 0.2 at is 0.6."""
    assert pace_only_voice(0.2).interval(confidence=0.8) == pytest.approx((0.0, 0.6), abs=1e-6)


def test_a_large_tight_benchmark_leaves_the_clip_bootstrap():
    """Large-benchmark limit. 60 speakers whose pace spreads 0.1 syl/s, far under its 0.5 floor: the z scale is
    the floor in every draw and the centre is known to 0.016 syl/s (0.03 z), so only the voice's clips are uncertain. A
    voice measured on pace alone (z about 3) then has the basic bootstrap interval of its clip median's z;
    independent source: scipy.stats.bootstrap(method="basic"). Tolerance 0.1: a 2.5% quantile of 999 (and of
    scipy's 9999) medians of 40 clips lands within about one gap between order statistics (0.06 z) of the other."""
    rng = np.random.default_rng(4)
    humans = pd.DataFrame({c: np.full(60, v) for c, v in HUMAN.items()}).assign(
        speech_rate_syl_s=4.0 + 0.1 * rng.standard_normal(60), speech_s=5.0, file=[f"h{k}.wav" for k in range(60)],
        speaker=[f"s{k}" for k in range(60)], scenario="billing", error="")  # fmt: skip
    bench = build.from_profiles(humans, provenance_record={})
    rate = 5.5 + 0.5 * rng.standard_normal(40)
    voice = pd.DataFrame({c: np.full(40, np.nan) for c in HUMAN}).assign(
        speech_rate_syl_s=rate, speech_s=5.0, file=[f"v{k}.wav" for k in range(40)], speaker="bot", voice="bot",
        scenario="billing", error="")  # fmt: skip
    row = compare_voices(score_profiles(voice, bench, "billing"), bench).ranking.iloc[0]
    centre = bench.compared("billing")["speech_rate_syl_s"].median
    expected = stats.bootstrap(((rate - centre) / 0.5,), np.median, method="basic", n_resamples=9999, random_state=1)
    assert row["persona_distance"] == pytest.approx(np.median(rate - centre) / 0.5, rel=1e-9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(tuple(expected.confidence_interval), abs=0.1)


def test_a_large_tight_benchmark_leaves_the_clip_bootstrap_of_the_difference():
    """Large-benchmark limit of the pairwise interval: 60 speakers whose pace spreads 0.1 syl/s (floor 0.5), two voices
    measured on pace alone, 40 clips each, at z about 3 and 2 (both above the median in every draw, so a centre error
    shifts both distances alike and cancels). The interval is then the basic bootstrap interval of the difference of
    their clip medians' z, each voice resampled on its own; independent source: scipy.stats.bootstrap with two
    independent samples (method="basic", at the pair's calibrated level: the clips carry nearly all of the difference's
    variance, so it is about CLIP_CONFIDENCE, 95 %). Tolerance 0.1 z: the 2.5% quantile of 999
    differences (SD about 0.28 z)
    has a Monte Carlo SE of about 0.025 z, scipy's 9999 a third of that, and the centre's draws move it by under 0.01."""
    rng = np.random.default_rng(4)
    humans = pd.DataFrame({c: np.full(60, v) for c, v in HUMAN.items()}).assign(
        speech_rate_syl_s=4.0 + 0.1 * rng.standard_normal(60), speech_s=5.0, file=[f"h{k}.wav" for k in range(60)],
        speaker=[f"s{k}" for k in range(60)], scenario="billing", error="")  # fmt: skip
    bench = build.from_profiles(humans, provenance_record={})
    rates = {"fast": 5.5 + 0.5 * rng.standard_normal(40), "brisk": 5.0 + 0.5 * rng.standard_normal(40)}
    voices = pd.concat([pd.DataFrame({c: np.full(40, np.nan) for c in HUMAN}).assign(
        speech_rate_syl_s=rate, speech_s=5.0, file=[f"{v}{k}.wav" for k in range(40)], speaker=v, voice=v,
        scenario="billing", error="") for v, rate in rates.items()])  # fmt: skip
    pair = compare_voices(score_profiles(voices, bench, "billing"), bench).pairs.iloc[0]
    centre = bench.compared("billing")["speech_rate_syl_s"].median
    expected = stats.bootstrap(((rates["brisk"] - centre) / 0.5, (rates["fast"] - centre) / 0.5),
                               lambda a, b, axis=-1: np.median(a, axis=axis) - np.median(b, axis=axis),
                               confidence_level=pair["confidence"], method="basic", n_resamples=9999, random_state=1)  # fmt: skip
    assert pair["confidence"] == pytest.approx(CLIP_CONFIDENCE, abs=0.003)  # clips carry over 90 % of the variance: the centre cancels, the spread sits at its floor
    assert (pair["voice_a"], pair["voice_b"]) == ("brisk", "fast") and pair["resolvable"]
    assert (pair["ci_low"], pair["ci_high"]) == pytest.approx(tuple(expected.confidence_interval), abs=0.1)


def test_benchmark_draws_are_the_pivots_of_a_normal_panel(bench):
    """Independent source: scipy.stats.median_abs_deviation(scale="normal") on a fresh simulation of 6 standard
    normal values. A feature whose MAD (2 syl/s) is far above its floor gets population SDs MAD / MAD(e), so their
    median is the benchmark's MAD over the median MAD of 6 normal values (within 3%: 4000 draws), and centre errors
    SD x median(e), so centre error / SD has the SD of the median of 6 normal values (within 5%)."""
    compared = dict(bench.compared("billing"))
    compared["speech_rate_syl_s"] = dataclasses.replace(compared["speech_rate_syl_s"], mad=2.0,
                                                        speaker_values=(2.0, 3.0, 4.0, 5.0, 6.0, 7.0))  # fmt: skip
    draws = benchmark_draws(compared, n_resamples=4000, rng=np.random.default_rng(1), subset_rng=np.random.default_rng(2))
    six = stats.median_abs_deviation(np.random.default_rng(9).standard_normal((200_000, 6)), axis=1, scale="normal")
    assert np.median(draws.true_spread[:, RATE]) == pytest.approx(2.0 / np.median(six), rel=0.03)
    medians = np.median(np.random.default_rng(9).standard_normal((200_000, 6)), axis=1)
    assert np.std(draws.centre_error[:, RATE] / draws.true_spread[:, RATE]) == pytest.approx(np.std(medians), rel=0.05)
    assert np.all(draws.redrawn_spread[:, RATE] >= FEATURES[RATE].floor)


def stats_of(values) -> FeatureStats:
    """Statistics carrying only what speaker_correlation reads: one value per speaker."""
    return FeatureStats(np.nan, np.nan, np.nan, np.nan, np.nan, len(values), len(values), tuple(values), ())


def test_speaker_correlation_is_that_of_blom_normal_scores():
    """Independent sources: the Blom (1958) scores Phi^-1((r - 3/8) / (n + 1/4)) written out from hand-ranked values,
    and scipy.stats.pearsonr for their correlation. Same order: 1; reversed order: -1 (by hand); every speaker tied:
    no order, so 0."""
    a, b, c, tied = (1.0, 5.0, 2.0, 9.0, 3.0, 4.0), (10.0, 50.0, 40.0, 99.0, 20.0, 30.0), (6.0, 2.0, 5.0, 1.0, 4.0, 3.0), (7.0,) * 6
    ranks_a, ranks_b = np.array([1, 5, 2, 6, 3, 4]), np.array([1, 5, 4, 6, 2, 3])  # by hand; c reverses a's order
    blom = [stats.norm.ppf((r - 0.375) / 6.25) for r in (ranks_a, ranks_b)]
    correlation = speaker_correlation([stats_of(v) for v in (a, b, c, tied)])
    assert correlation[0, 1] == pytest.approx(stats.pearsonr(*blom).statistic, abs=1e-12)
    assert correlation[0, 2] == pytest.approx(-1.0, abs=1e-12) and correlation[0, 0] == 1.0
    assert np.all(correlation[3, :3] == 0) and correlation[3, 3] == 1.0


def test_square_root_of_a_singular_correlation():
    """Definition: A A^T gives back the correlation, also when 3 speakers' scores correlate 5 features (rank 2, no
    Cholesky factor); numpy.linalg.matrix_rank of the product confirms the rank."""
    rows = ((1.0, 2.0, 3.0), (3.0, 2.0, 1.0), (2.0, 3.0, 1.0), (1.0, 3.0, 2.0), (5.0, 6.0, 4.0))
    correlation = speaker_correlation([stats_of(r) for r in rows])
    root = square_root(correlation)
    assert root @ root.T == pytest.approx(correlation, abs=1e-12) and np.linalg.matrix_rank(correlation) == 2


def test_pivot_draws_carry_the_speakers_dependence(bench):
    """Two features whose speakers rank alike have normal-score correlation 1 (by hand): every draw's standard sample
    is the same for both, so their population SDs over their MADs are equal in every draw. Two others, correlated
    0.5 (Blom scores of the ranks below), get MAD pivots correlated as those of bivariate normal samples of 6 with
    correlation 0.5 drawn by numpy's multivariate_normal and measured with scipy.stats.median_abs_deviation
    (4000 draws: a correlation's SE is about 0.015; tolerance 0.05)."""
    compared = dict(bench.compared("billing"))
    rising = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    step, rate = next(i for i, f in enumerate(FEATURES) if f.column == "f0_step_sd_st"), RATE
    compared["f0_step_sd_st"] = dataclasses.replace(compared["f0_step_sd_st"], mad=1.0, speaker_values=rising)
    compared["speech_rate_syl_s"] = dataclasses.replace(compared["speech_rate_syl_s"], mad=2.0, speaker_values=rising)
    draws = benchmark_draws(compared, n_resamples=4000, rng=np.random.default_rng(1), subset_rng=np.random.default_rng(2))
    assert draws.true_spread[:, step] / 1.0 == pytest.approx(draws.true_spread[:, rate] / 2.0, rel=1e-12)

    partly = (2.0, 1.0, 4.0, 6.0, 3.0, 5.0)
    rho = speaker_correlation([stats_of(rising), stats_of(partly)])[0, 1]
    compared["speech_rate_syl_s"] = dataclasses.replace(compared["speech_rate_syl_s"], speaker_values=partly)
    draws = benchmark_draws(compared, n_resamples=4000, rng=np.random.default_rng(1), subset_rng=np.random.default_rng(2))
    drawn = np.corrcoef(np.log(draws.true_spread[:, step]), np.log(draws.true_spread[:, rate]))[0, 1]
    pairs = np.random.default_rng(9).multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=(200_000, 6))
    mads = stats.median_abs_deviation(pairs, axis=1, scale="normal")
    assert drawn == pytest.approx(np.corrcoef(np.log(mads).T)[0, 1], abs=0.05)


def test_a_three_speaker_register_is_held_exact_and_said(bench):
    """Three speakers cannot bound a distance from below (97.5% of |median| / MAD of 3 normal values: about 25,
    a one-line simulation): their pitch statistics are held in every draw and the interval's note says so; with
    4 speakers the pitch level is drawn."""
    compared = dict(bench.compared("billing"))
    three = dataclasses.replace(compared["f0_median_hz"], speaker_values=(100.0, 110.0, 121.0), n_speakers=3)
    draws = benchmark_draws({**compared, "f0_median_hz": three}, n_resamples=200, rng=np.random.default_rng(1),
                            subset_rng=np.random.default_rng(2))  # fmt: skip
    assert np.all(draws.centre_error[:, 0] == 0) and np.all(draws.true_spread[:, 0] == draws.observed_spread[0])
    assert "pitch level (3 speakers)" in exact_features({**compared, "f0_median_hz": three})
    four = dataclasses.replace(three, speaker_values=(100.0, 110.0, 121.0, 133.0), n_speakers=4)
    drawn = benchmark_draws({**compared, "f0_median_hz": four}, n_resamples=200, rng=np.random.default_rng(1),
                            subset_rng=np.random.default_rng(2))  # fmt: skip
    assert np.ptp(drawn.centre_error[:, 0]) > 0 and exact_features({**compared, "f0_median_hz": four}) == ""


def test_the_ranking_says_once_which_voices_an_interval_note_concerns(bench):
    """The note of a held-exact register is printed once, naming the voices it concerns, not under every voice."""
    from persona.benchmark.compare import Comparison
    from persona.cli.benchmark import render_ranking

    stats_ = bench.compared("billing")
    note = exact_features({**stats_, "f0_median_hz": dataclasses.replace(stats_["f0_median_hz"], n_speakers=3)})
    ranking = pd.DataFrame({"rank": [1, 2], "voice": ["a", "b"], "n_clips": [5, 5], "persona_distance": [1.0, 2.0],
                            "ci_low": [0.5, 1.5], "ci_high": [1.2, 2.2], "interval_note": [note, note],
                            "match_score": [61.0, 37.0], "not_resolvable_from": ["", ""]})  # fmt: skip
    text = render_ranking(Comparison("billing", ranking, pd.DataFrame()))
    assert text.count("pitch level (3 speakers)") == 1 and "Note (a, b): the interval takes" in text

