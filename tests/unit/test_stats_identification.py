"""Identification: counts, d', the test against chance, and equivalence-only 'indistinguishable'."""

import pytest
from _stats_rows import frame, row

from persona.stats.identification import identification_table


def answers(n_agent_ai, n_agent, n_human_ai, n_human):
    rows = [row(test_type="identify", attribute="human_or_ai", role="agent", voice="bot", listener_id=f"L{i}",
                choice="ai" if i < n_agent_ai else "human", confidence=2.0) for i in range(n_agent)]  # fmt: skip
    rows += [row(test_type="identify", attribute="human_or_ai", role="human", voice="ann", listener_id=f"L{i}",
                 stimulus_id="human/1", choice="ai" if i < n_human_ai else "human") for i in range(n_human)]  # fmt: skip
    return identification_table(frame(rows)).iloc[0]


def test_fifteen_of_twenty_agent_clips_spotted():
    result = answers(15, 20, 0, 0)
    assert result["ai_rate"] == 0.75 and result["proportion_correct"] == 0.75
    assert result["p_vs_chance"] == pytest.approx(0.0207, abs=5e-5)
    assert result["verdict"] == "detected as AI above chance"


def test_counts_and_signal_detection_with_human_clips():
    result = answers(30, 40, 10, 40)
    assert (result["n_correct"], result["n_trials"]) == (60, 80)
    assert result["false_alarm_rate"] == 0.25
    assert result["d_prime"] > 1 and result["criterion_c"] == pytest.approx(0.0, abs=1e-9)


def test_indistinguishable_needs_the_equivalence_test():
    small = answers(5, 10, 5, 10)  # exactly chance, but 20 trials cannot show equivalence
    assert small["verdict"] == "inconclusive"
    large = answers(250, 500, 250, 500)  # chance with 1000 trials: within 0.5 +/- 0.1
    assert large["p_equivalence"] < 0.05
    assert large["verdict"] == "indistinguishable from human (equivalence)"


def test_no_human_clips_leaves_d_prime_undefined():
    assert answers(15, 20, 0, 0)["d_prime"] != answers(15, 20, 0, 0)["d_prime"]  # NaN
