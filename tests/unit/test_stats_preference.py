"""AB preference: ties, orientation, listener-clustered Wilson and score test, and Bradley-Terry."""

import numpy as np
import pytest
from _stats_rows import frame, row
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from persona.stats.preference import agent_preference, bradley_terry, fit_bradley_terry, preference_shares


def ab(listener, a, b, choice, *, roles=("human", "agent"), k=0):
    """AB trial with ``a`` shown as A and ``b`` as B."""
    return row(listener_id=listener, test_type="ab", attribute="preference", voice=a, role=roles[0],
               stimulus_id=f"{a}/{k}", other_voice=b, other_role=roles[1], other_stimulus_id=f"{b}/{k}",
               choice=choice, trial_id=f"{listener}/{k}")  # fmt: skip


def test_ties_are_excluded_from_share_and_test_and_agent_is_listed_first():
    # agent shown as B in every trial: 7 wins for the agent, 3 for the human, 5 ties, one per listener
    choices = ["B"] * 7 + ["A"] * 3 + ["none"] * 5
    rows = [ab(f"L{i}", "human", "agent", c, k=i) for i, c in enumerate(choices)]
    result = preference_shares(frame(rows)).iloc[0]
    assert (result["voice"], result["other_voice"]) == ("agent", "human")
    assert (result["n_trials"], result["n_ties"], result["n_decided"], result["n_preferred"]) == (15, 5, 10, 7)
    assert result["n_listeners"] == 10  # listeners with a decided trial
    assert result["share"] == pytest.approx(0.7)
    assert result["tie_share"] == pytest.approx(1 / 3)


def test_one_answer_per_listener_is_wilson_on_the_df_shrunk_sample():
    """Hand computation (Korn & Graubard 1998): 10 listeners, one decided trial each, 7 prefer the agent.
    CR1 variance 10/9 x (7 x 0.3^2 + 3 x 0.7^2) / 10^2 = 0.021 x 10/9, so n_eff = 0.21 / that = 9; shrunk by
    (z_.975 / t_.975,9)^2 = (1.95996 / 2.26216)^2 to 6.7561. Independent source: statsmodels' Wilson interval
    on 0.7 x 6.7561 of 6.7561 trials; p from the score statistic 0.2 / sqrt(0.25 / 9) = 1.2 on t with 9 df."""
    rows = [ab(f"L{i}", "human", "agent", c, k=i) for i, c in enumerate(["B"] * 7 + ["A"] * 3)]
    result = preference_shares(frame(rows)).iloc[0]
    n_eff = 9 * (stats.norm.ppf(0.975) / stats.t.ppf(0.975, 9)) ** 2
    assert result["n_effective"] == pytest.approx(n_eff) and n_eff == pytest.approx(6.7561, abs=1e-4)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(proportion_confint(0.7 * n_eff, n_eff, method="wilson"))
    assert result["p_value"] == pytest.approx(2 * stats.t.sf(1.2, 9))


def test_one_listener_is_not_a_panel_and_opposite_listeners_cancel():
    """Issue 12: pooled answers made one listener's 30 trials look like 30 people. One listener: no interval
    or test. Two listeners who each always prefer a different voice (15 trials each): share 0.5, CR1 variance
    2 x ((15 - 7.5)^2 + (0 - 7.5)^2) / 30^2 = 0.25, design effect 0.25 / (0.25 / 30) = 30, so n_eff = 30 / 30 = 1
    (hand: two opinions carry about one trial's information), then x (1.95996 / 12.7062)^2 for 1 df: the
    interval spans almost all of [0, 1]."""
    one = [ab("L1", "human", "agent", "B", k=k) for k in range(30)]
    alone = preference_shares(frame(one)).iloc[0]
    assert alone["share"] == 1.0 and np.isnan(alone["ci_low"]) and np.isnan(alone["p_value"])
    split = one[:15] + [ab("L2", "human", "agent", "A", k=k) for k in range(15)]
    result = preference_shares(frame(split)).iloc[0]
    assert result["n_effective"] == pytest.approx(1.0 * (stats.norm.ppf(0.975) / stats.t.ppf(0.975, 1)) ** 2)
    assert result["ci_low"] < 0.02 and result["ci_high"] > 0.98 and result["p_value"] == pytest.approx(1.0)


def test_agent_preference_pools_the_human_voices_per_listener():
    """Two human voices: each listener's wins against both are one cluster. L1 prefers the agent 4 of 4
    times, L2 1 of 4, L3 3 of 4: share 8/12, n_listeners 3."""
    rows, k = [], 0
    for listener, wins in (("L1", 4), ("L2", 1), ("L3", 3)):
        for j in range(4):
            rows.append(ab(listener, ("ann", "ben")[j % 2], "agent", "B" if j < wins else "A", k=k))
            k += 1
    table = agent_preference(frame(rows))
    assert len(table) == 1 and len(preference_shares(frame(rows))) == 2
    row = table.iloc[0]
    assert (row["voice"], row["n_listeners"], row["n_decided"], row["n_preferred"]) == ("agent", 3, 12, 8)
    assert row["share"] == pytest.approx(8 / 12)


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
