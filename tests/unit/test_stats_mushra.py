"""MUSHRA: scores, Friedman on complete screens, pairwise Wilcoxon with Holm."""

import numpy as np
import pytest
from _stats_rows import frame, row
from scipy import stats

from persona.stats.mushra import friedman_tests, mushra_scores, pairwise_wilcoxon

SCORES = {"reference": [100, 95, 98, 100, 97, 99], "agent": [60, 55, 70, 65, 50, 62], "anchor": [20, 25, 15, 30, 22, 18]}


def screens(scores=SCORES):
    return [row(listener_id=f"L{k}", test_type="mushra", attribute="mushra", trial_id=f"L{k}/m", role=role,
                voice=role, stimulus_id=f"{role}/1", rating=float(values[k]))
            for role, values in scores.items() for k in range(len(values))]  # fmt: skip


def test_scores_median_mean_and_interval():
    table = mushra_scores(frame(screens())).set_index("role")
    assert table.loc["agent", "median"] == np.median(SCORES["agent"])
    assert table.loc["agent", "ci_low"] < table.loc["agent", "mean"] < table.loc["agent", "ci_high"]


def test_friedman_matches_scipy_on_complete_blocks():
    rows = screens() + [row(listener_id="L9", test_type="mushra", attribute="mushra", trial_id="L9/m",
                            role="agent", voice="agent", rating=10.0)]  # incomplete screen: dropped  # fmt: skip
    result = friedman_tests(frame(rows)).iloc[0]
    expected = stats.friedmanchisquare(SCORES["agent"], SCORES["anchor"], SCORES["reference"])
    assert result["n_blocks"] == 6 and result["n_conditions"] == 3
    assert result["p_value"] == pytest.approx(expected.pvalue)


def test_pairwise_wilcoxon_holm_and_no_difference_note():
    table = pairwise_wilcoxon(frame(screens()))
    assert len(table) == 3 and (table["p_holm"] >= table["p_value"]).all()
    same = pairwise_wilcoxon(frame(screens({"agent": [50] * 4, "anchor": [50] * 4})))
    assert same["note"].iloc[0] == "no non-zero differences: no test"


def test_friedman_needs_three_conditions():
    result = friedman_tests(frame(screens({"agent": [50, 60], "anchor": [10, 20]}))).iloc[0]
    assert np.isnan(result["p_value"]) and "needs at least 3" in result["note"]
