"""bench/fit_nuclei.py and bench/nucleus_candidates.py: candidate nuclei on syllable trains of known
structure, and the count-level fit recovering a logistic it was generated from."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import parselmouth
import pytest
from _signals import SR_HZ, syllable_train

from persona import io
from persona.features import Profiler, pace, pitch

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench_module(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # fit_nuclei imports its bench neighbours by name
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


candidates_module = _bench_module("nucleus_candidates")
fit_nuclei = _bench_module("fit_nuclei")


def _candidates(samples: np.ndarray):
    profiler = Profiler()
    sound = profiler.analysis_sound(io.from_array(samples, SR_HZ))
    track = pitch.track(sound, profiler.pitch)
    contour = pace.vowel_contour(sound, profiler.pace)
    seg = pace.segment(contour, profiler.pace)
    today = pace.syllable_nuclei(contour, seg, track, profiler.pace)
    period_s = pace.syllable_period_s(contour, seg, profiler.pace)
    tempo = pace.tempo_params(profiler.pace, period_s=period_s, pitch_floor_hz=track.floor_hz)
    band = pace.intensity(contour.sound, tempo)
    clipped_s = float(np.clip(period_s, *profiler.pace.period_range_s))
    return candidates_module.candidates(sound, band, seg, track, tempo, period_s=clipped_s, today_s=today)


@pytest.mark.parametrize("n, rate_hz", [(5, 3.0), (9, 5.0), (12, 7.0)])
@pytest.mark.parametrize("gain", [1.0, 0.05])
def test_every_burst_of_a_syllable_train_is_one_periodic_candidate(n, rate_hz, gain):
    """``n`` raised-cosine voiced bursts give ``n`` candidates (no ripple), each periodic and kept by today's detector, at any level."""
    found = _candidates(gain * syllable_train(n, rate_hz=rate_hz))
    column = dict(zip(candidates_module.FEATURES, found.features.T))
    assert found.times_s.size == n
    assert np.all(column["periodicity"] >= 0.9)  # a steady harmonic tone: autocorrelation strength near 1
    assert np.all(column["kept_today"] == 1.0)
    # the bursts are 1 / rate_hz apart: the inner gaps (in syllable periods) agree up to one 10 ms intensity frame each way
    inner = np.exp(column["log_gap_next"][:-1])
    step_s = pace.PaceParams().intensity_step_s
    assert inner.max() / inner.min() <= (1 / rate_hz + step_s) / (1 / rate_hz - step_s)


def test_features_do_not_depend_on_level():
    """A 26 dB quieter copy has the same features: every column is a level difference, a ratio or a time."""
    train = syllable_train(8, rate_hz=4.0)
    loud, quiet = _candidates(train), _candidates(0.05 * train)
    np.testing.assert_allclose(quiet.times_s, loud.times_s)
    np.testing.assert_allclose(quiet.features, loud.features, atol=0.05)


def test_count_fit_recovers_the_generating_logistic():
    """References that are the exact expected counts of a known logistic are fitted back to it.

    At the true weights every clip's count equals its reference, so the loss is 0 (its minimum) up
    to the tiny L2 penalty; the tolerance allows for the optimiser's stopping rule.
    """
    rng = np.random.default_rng(3)
    n_clips, per_clip = 300, 20
    features = rng.normal(size=(n_clips * per_clip, 2)) * [1.0, 2.0] + [0.0, 1.0]
    clip = np.repeat(np.arange(n_clips), per_clip)
    features[:, 1] += rng.normal(size=n_clips)[clip]  # clips differ, so counts carry the weights
    mean, scale = features.mean(axis=0), features.std(axis=0)
    w, b = np.array([1.5, -0.8]), 0.4
    p = 1 / (1 + np.exp(-((features - mean) / scale @ w + b)))
    reference = np.bincount(clip, weights=p)
    model = fit_nuclei.fit(features, clip, reference, np.full(n_clips, 1 / n_clips), l2=1e-9)
    np.testing.assert_allclose(model["weights"], w, atol=0.05)
    assert model["bias"] == pytest.approx(b, abs=0.05)
    np.testing.assert_allclose(fit_nuclei.counts(fit_nuclei.logits(model, features), clip, n_clips, 1.0), reference, rtol=0.01)


def test_hard_count_counts_candidates_at_even_odds_or_better():
    logit = np.array([-2.0, 0.0, 3.0, -0.1, 0.2])
    clip = np.array([0, 0, 0, 1, 1])
    np.testing.assert_array_equal(fit_nuclei.counts(logit, clip, 2, np.inf), [2.0, 1.0])
