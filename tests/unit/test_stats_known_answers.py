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


def test_krippendorff_2011_four_observers_twelve_units_with_missing_values():
    """Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the 4 observers x 12 units
    example with missing values: ordinal alpha = 0.815 (published). Cross-checked against the
    ``krippendorff`` package on the same matrix."""
    import krippendorff
    from _stats_rows import acr, frame

    from persona.stats.agreement import krippendorff_alpha

    nan = np.nan
    data = {"A": [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
            "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
            "C": [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
            "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]}  # fmt: skip
    rows = [acr(observer, "agent", "agent", float(value), line=f"u{unit:02d}")
            for observer, values in data.items() for unit, value in enumerate(values) if np.isfinite(value)]  # fmt: skip
    alpha = krippendorff_alpha(frame(rows)).iloc[0]["alpha_ordinal"]
    assert alpha == pytest.approx(0.815, abs=5e-4)
    package = krippendorff.alpha(reliability_data=np.array(list(data.values()), dtype=float),
                                 level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5])  # fmt: skip
    assert alpha == pytest.approx(package)
