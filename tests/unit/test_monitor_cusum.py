"""CUSUM run lengths, thresholds, recursion and change point against published values and hand computations."""

import numpy as np
import pytest

from persona.monitor.cusum import average_run_length, change_point, cusum, threshold


@pytest.mark.parametrize(
    ("h", "two_sided_arl0", "arl_1sd"),
    # Montgomery, Introduction to Statistical Quality Control (6th ed.), Table 9.3, k = 0.5:
    # two-sided in-control ARL 168 (h = 4) and 465 (h = 5); ARL at a 1 SD shift 8.38 and 10.4.
    [(4.0, 168.0, 8.38), (5.0, 465.0, 10.4)],
)
def test_average_run_length_matches_the_published_table(h, two_sided_arl0, arl_1sd):
    one_sided = average_run_length(h)
    assert one_sided / 2 == pytest.approx(two_sided_arl0, rel=0.01)  # two symmetric one-sided charts: ARL halves
    assert average_run_length(h, shift=1.0) == pytest.approx(arl_1sd, rel=0.01)


def test_threshold_agrees_with_siegmund_s_approximation():
    # Siegmund (1985): ARL ~ (exp(-2 d b) + 2 d b - 1) / (2 d^2), b = h + 1.166, d = shift - k; good to a few %.
    h = threshold(676.0)
    d, b = -0.5, h + 1.166
    siegmund = (np.exp(-2 * d * b) + 2 * d * b - 1) / (2 * d**2)
    assert siegmund == pytest.approx(676.0, rel=0.03)
    assert average_run_length(h) == pytest.approx(676.0, rel=0.001)


def test_simulated_run_length_matches_the_markov_chain():
    # 4000 in-control charts with h for ARL0 = 50: the mean run length has an SE of about 50/sqrt(4000) = 0.8.
    h = threshold(50.0)
    rng = np.random.default_rng(7)
    s = np.zeros(4000)
    run = np.zeros(4000, dtype=int)
    alive = np.ones(4000, dtype=bool)
    for step in range(1, 2000):
        s = np.where(alive, np.maximum(0.0, s + rng.standard_normal(4000) - 0.5), s)
        stopped = alive & (s > h)
        run[stopped] = step
        alive &= ~stopped
    assert not alive.any()
    assert run.mean() == pytest.approx(50.0, abs=4 * 50 / np.sqrt(4000))


def test_cusum_recursion_by_hand():
    # k = 0.5: S+ = 0, 0.5, 2.0, 0.5, 0, ...; S- = 0, 0, 0, 0, 1.5 (hand computation)
    chart = cusum(np.array([0.0, 1.0, 2.0, -1.0, -2.0, np.nan]), h=1.8)
    assert chart.upper.tolist() == [0.0, 0.5, 2.0, 0.5, 0.0, 0.0]
    assert chart.lower.tolist() == [0.0, 0.0, 0.0, 0.5, 2.0, 2.0]  # a NaN period carries the sums over
    assert chart.signals("upper") == [2] and chart.signals("lower") == [4]


def test_change_point_finds_a_clean_step():
    t = np.r_[np.zeros(10), np.full(3, 3.0)]
    assert change_point(t, 12, side="upper") == 10
    assert change_point(-t, 12, side="lower") == 10
    assert change_point(t, 12, side="upper", start=11) == 11
