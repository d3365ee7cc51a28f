"""AB preference: ties, orientation, Wilson/binomial, and Bradley-Terry."""

import numpy as np
import pytest
from _stats_rows import frame, row

from persona.stats.preference import bradley_terry, fit_bradley_terry, preference_shares


def ab(listener, a, b, choice, *, roles=("human", "agent"), k=0):
    """AB trial with ``a`` shown as A and ``b`` as B."""
    return row(listener_id=listener, test_type="ab", attribute="preference", voice=a, role=roles[0],
               stimulus_id=f"{a}/{k}", other_voice=b, other_role=roles[1], other_stimulus_id=f"{b}/{k}",
               choice=choice, trial_id=f"{listener}/{k}")  # fmt: skip


def test_ties_are_excluded_from_share_and_test_and_agent_is_listed_first():
    # agent shown as B in every trial: 7 wins for the agent, 3 for the human, 5 ties
    rows = [ab("L1", "human", "agent", c, k=i) for i, c in enumerate(["B"] * 7 + ["A"] * 3 + ["none"] * 5)]
    result = preference_shares(frame(rows)).iloc[0]
    assert (result["voice"], result["other_voice"]) == ("agent", "human")
    assert (result["n_trials"], result["n_ties"], result["n_decided"], result["n_preferred"]) == (15, 5, 10, 7)
    assert result["share"] == pytest.approx(0.7)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((0.3968, 0.8922), abs=5e-5)
    assert result["p_value"] == pytest.approx(0.34375)  # two-sided exact binomial, 7 of 10
    assert result["tie_share"] == pytest.approx(1 / 3)


def test_bradley_terry_mm_recovers_planted_strengths():
    strengths = np.array([0.5, 0.3, 0.2])
    n = 4000
    wins = np.array([[n * s_i / (s_i + s_j) if i != j else 0 for j, s_j in enumerate(strengths)]
                     for i, s_i in enumerate(strengths)])  # fmt: skip
    assert fit_bradley_terry(wins) == pytest.approx(strengths, abs=2e-3)


def test_bradley_terry_keeps_a_voice_that_never_wins_finite():
    wins = np.array([[0, 5, 5], [0, 0, 3], [0, 2, 0]], dtype=float)
    scores = fit_bradley_terry(wins)
    assert np.all(scores > 0) and scores.sum() == pytest.approx(1.0) and scores[0] == scores.max()


def test_bradley_terry_table_needs_three_voices_and_bootstraps_listeners():
    rng = np.random.default_rng(0)
    rows = []
    for listener in range(8):
        for k, (a, b) in enumerate([("x", "y"), ("y", "z"), ("x", "z")] * 4):
            rows.append(ab(f"L{listener}", a, b, "A" if rng.random() < 0.7 else "B", roles=("human", "human"), k=k))
    table = bradley_terry(frame(rows), n_boot=50)
    assert list(table["voice"]) == ["x", "y", "z"]
    assert table["score"].sum() == pytest.approx(1.0)
    assert (table["ci_low"] <= table["score"]).all() and (table["score"] <= table["ci_high"]).all()
    two_voices = [r for r in rows if r["other_voice"] != "z" and r["voice"] != "z"]
    assert bradley_terry(frame(two_voices)).empty
