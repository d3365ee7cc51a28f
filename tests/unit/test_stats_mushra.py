"""MUSHRA: listeners as the unit (screens of one listener are not independent people)."""

import numpy as np
import pytest
from _stats_rows import frame, row
from scipy import stats

from persona.stats.mushra import agent_human_differences, friedman_tests, mushra_scores, pairwise_wilcoxon

SCORES = {"reference": [99, 95, 98, 99, 97, 96], "agent": [60, 55, 70, 65, 50, 62], "anchor": [20, 25, 15, 30, 22, 18]}


def screens(scores=SCORES, n_screens=1, jitter=(0,)):
    """Listener k scores ``scores[role][k]`` on each of ``n_screens`` screens, plus ``jitter[s]`` on screen s."""
    return [row(listener_id=f"L{k}", test_type="mushra", attribute="mushra", trial_id=f"L{k}/m{s}", role=role,
                voice=role, stimulus_id=f"{role}/{s}", line_id=f"l{s}", rating=float(values[k] + jitter[s % len(jitter)]))
            for role, values in scores.items() for k in range(len(values)) for s in range(n_screens)]  # fmt: skip


def test_scores_median_mean_and_interval():
    table = mushra_scores(frame(screens())).set_index("role")
    assert table.loc["agent", "median"] == np.median(SCORES["agent"])
    assert table.loc["agent", "ci_low"] < table.loc["agent", "mean"] < table.loc["agent", "ci_high"]


def test_repeated_screens_do_not_narrow_the_interval():
    """Six listeners x four screens (screen offsets -1, +1, -1, +1 for every condition).

    Independent expectation: each listener's mean over the four screens equals their single-screen
    score, so the interval must be the t interval of the six listener means (5 df), exactly as with
    one screen each, not the 23-df interval of 24 "independent" scores.
    """
    one = mushra_scores(frame(screens())).set_index("role").loc["agent"]
    four = mushra_scores(frame(screens(n_screens=4, jitter=(-1, 1)))).set_index("role").loc["agent"]
    means = np.array(SCORES["agent"], dtype=float)
    half = stats.t.ppf(0.975, 5) * means.std(ddof=1) / np.sqrt(6)
    assert (four["ci_low"], four["ci_high"]) == pytest.approx((means.mean() - half, means.mean() + half))
    assert (one["ci_low"], one["ci_high"]) == pytest.approx((four["ci_low"], four["ci_high"]))
    friedman = friedman_tests(frame(screens(n_screens=4, jitter=(-1, 1)))).iloc[0]
    expected = stats.friedmanchisquare(SCORES["agent"], SCORES["anchor"], SCORES["reference"])
    assert friedman["n_listeners"] == 6 and friedman["p_value"] == pytest.approx(expected.pvalue)


def test_agent_minus_human_is_a_t_test_over_listeners():
    """Agent vs a human voice, 5 listeners x 3 screens; expected: scipy's one-sample t on the five
    per-listener differences of means (independent computation)."""
    agent, human = [50, 62, 58, 40, 66], [80, 75, 85, 70, 90]
    rows = screens({"agent": agent}, n_screens=3, jitter=(0, 4, -4)) + [
        r | {"voice": "ann", "role": "human", "stimulus_id": r["stimulus_id"].replace("agent", "ann")}
        for r in screens({"agent": human}, n_screens=3, jitter=(2, -2, 0))]  # fmt: skip
    result = agent_human_differences(frame(rows)).iloc[0]
    per_listener = np.array(agent) - np.array(human) - 0  # jitters average to 0 for agent and human
    expected = stats.ttest_1samp(per_listener, 0.0)
    assert result["n_listeners"] == 5 and result["difference"] == pytest.approx(per_listener.mean())
    assert result["p_value"] == pytest.approx(expected.pvalue)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(tuple(expected.confidence_interval(0.95)))


def test_friedman_matches_scipy_on_complete_blocks():
    rows = screens() + [row(listener_id="L9", test_type="mushra", attribute="mushra", trial_id="L9/m",
                            role="agent", voice="agent", rating=10.0)]  # incomplete screen: dropped  # fmt: skip
    result = friedman_tests(frame(rows)).iloc[0]
    expected = stats.friedmanchisquare(SCORES["agent"], SCORES["anchor"], SCORES["reference"])
    assert result["n_listeners"] == 6 and result["n_conditions"] == 3
    assert result["p_value"] == pytest.approx(expected.pvalue)


def test_pairwise_wilcoxon_holm_and_no_difference_note():
    table = pairwise_wilcoxon(frame(screens()))
    assert len(table) == 3 and (table["p_holm"] >= table["p_value"]).all()
    same = pairwise_wilcoxon(frame(screens({"agent": [50] * 4, "anchor": [50] * 4})))
    assert same["note"].iloc[0] == "no non-zero differences: no test"


def test_friedman_needs_three_conditions():
    result = friedman_tests(frame(screens({"agent": [50, 60], "anchor": [10, 20]}))).iloc[0]
    assert np.isnan(result["p_value"]) and "needs at least 3" in result["note"]
