"""Known-answer checks of the small inference building blocks (values from the issue and textbooks)."""

import numpy as np
import pytest
from scipy import stats

from persona.stats.identification import signal_detection
from persona.stats.inference import exact_binomial_p, holm_adjust, t_interval, wilson_interval


def test_fifteen_of_twenty_correct_is_one_sided_p_0_0207():
    assert exact_binomial_p(15, 20, p=0.5, alternative="greater") == pytest.approx(0.0207, abs=5e-5)


def test_wilson_interval_of_seven_of_ten_matches_reference():
    low, high = wilson_interval(7, 10, confidence=0.95)
    assert (low, high) == pytest.approx((0.3968, 0.8922), abs=5e-5)


def test_wilson_interval_without_trials_is_nan():
    assert np.isnan(wilson_interval(0, 0)).all()


def test_t_interval_matches_textbook_formula():
    values = np.array([3.0, 4.0, 4.0, 5.0, 2.0])
    half = stats.t.ppf(0.975, 4) * values.std(ddof=1) / np.sqrt(5)
    assert t_interval(values) == pytest.approx((3.6 - half, 3.6 + half))


def test_holm_keeps_nan_and_adjusts_the_rest():
    adjusted = holm_adjust([0.01, np.nan, 0.04, 0.03])
    assert np.isnan(adjusted[1])
    assert adjusted[[0, 2, 3]] == pytest.approx([0.03, 0.06, 0.06])


def test_signal_detection_is_symmetric_for_an_unbiased_listener():
    d_prime, criterion = signal_detection(15, 20, 5, 20)
    z = stats.norm.ppf(15.5 / 21)
    assert d_prime == pytest.approx(2 * z)
    assert criterion == pytest.approx(0.0, abs=1e-12)


def test_signal_detection_stays_finite_at_perfect_rates_and_reports_bias():
    d_prime, criterion = signal_detection(20, 20, 0, 20)
    assert np.isfinite(d_prime) and d_prime > 3
    _, leans_human = signal_detection(2, 20, 0, 20)
    assert leans_human > 0  # rarely says "ai": criterion towards "human"
