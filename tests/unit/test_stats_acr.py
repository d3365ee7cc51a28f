"""ACR: MOS tables, the agent-minus-human mixed model, its fallback, and its calibration."""

import numpy as np
import pytest
from _stats_rows import acr, frame
from scipy import stats

from persona.stats.acr import (
    FIXED_VOICES_MODEL,
    MIXED_MODEL,
    MIXED_MODELS,
    POPULATION,
    STIMULUS_T,
    THESE_VOICES,
    agent_human_differences,
    mos_table,
    stimulus_level_t,
)
from persona.stats.calibration import Misspecified, run_panel
from persona.stats.simulate import PanelSpec, simulate_panel


def test_mos_table_mean_t_interval_and_listener_bootstrap():
    ratings = {"L1": [4, 5], "L2": [3, 4], "L3": [2, 3]}
    rows = [acr(l, "agent", "agent", r, line=f"l{i}") for l, rs in ratings.items() for i, r in enumerate(rs)]
    mos = mos_table(frame(rows), n_boot=2000, seed=1).iloc[0]
    values = np.concatenate(list(ratings.values())).astype(float)
    assert mos["mos"] == pytest.approx(values.mean())
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
    assert (mos["t_ci_low"], mos["t_ci_high"]) == pytest.approx((values.mean() - half, values.mean() + half))
    # resampling whole listeners: bounds lie between the lowest and highest listener mean
    assert 2.5 <= mos["boot_ci_low"] <= mos["mos"] <= mos["boot_ci_high"] <= 4.5
    assert (mos["n_listeners"], mos["n_stimuli"], mos["note"]) == (3, 2, "")


def test_mixed_model_recovers_a_planted_difference_within_its_interval():
    spec = PanelSpec(n_listeners=20, scenarios=("s",), lines_per_scenario=8, careless_rate=0,
                     test_types=("acr",), agent_minus_human_mos={"trust": -0.8})  # fmt: skip
    table = agent_human_differences(simulate_panel(spec, seed=3))
    trust = table.set_index("attribute").loc["trust"]
    assert trust["method"] in MIXED_MODELS
    assert trust["ci_low"] <= spec.planted_difference("trust") <= trust["ci_high"]
    assert trust["p_holm"] < 0.05
    assert trust["listener_var"] > 0 and trust["residual_var"] > 0
    assert (table["p_holm"] >= table["p_value"]).all()


def test_one_stimulus_per_side_gives_no_interval_and_says_why():
    """One agent and one human recording: the voice is confounded with its recording; no stimulus
    variance can be estimated, so no interval (the old listener-paired t claimed one)."""
    rows = [acr(f"L{i}", "agent", "agent", 2 + i % 2) for i in range(6)]
    rows += [acr(f"L{i}", "human", "human", 4 + (i % 3 == 0)) for i in range(6)]
    result = agent_human_differences(frame(rows)).iloc[0]
    assert result["method"] == STIMULUS_T and "one stimulus for a side" in result["note"]
    assert np.isnan(result["ci_low"]) and result["difference_mos"] < 0


def test_stimulus_level_fallback_is_welch_on_agent_stimuli_against_human_stimulus_means():
    """Complete design, so listener centring leaves the stimulus-mean contrasts unchanged. Two human voices
    (fewer than 4): the units are the human recordings and the scope is these voices.

    Independent source: scipy's Welch t (``ttest_ind(equal_var=False)``) on the agent stimulus
    means [2.5, 3, 2] against the human stimulus means [4, 3.5, 3.5, 4.5].
    """
    ratings = {("agent", "a1"): (2, 3), ("agent", "a2"): (3, 3), ("agent", "a3"): (2, 2),
               ("ann", "h1"): (4, 4), ("ann", "h2"): (3, 4), ("ben", "h3"): (3, 4), ("ben", "h4"): (4, 5)}  # fmt: skip
    rows = [acr(f"L{k}", voice, "agent" if voice == "agent" else "human", r[k], line=line)
            for (voice, line), r in ratings.items() for k in range(2)]  # fmt: skip
    data = frame(rows).assign(is_agent=lambda d: (d["role"] == "agent").astype(float))
    result = stimulus_level_t(data, confidence=0.95)
    expected = stats.ttest_ind([2.5, 3, 2], [4, 3.5, 3.5, 4.5], equal_var=False)
    assert result["difference_mos"] == pytest.approx(2.5 - 3.875) and result["scope"] == THESE_VOICES
    assert result["p_value"] == pytest.approx(expected.pvalue)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx(tuple(expected.confidence_interval(0.95)))


def _voice_panel(offsets: dict[str, float], *, stimulus_sd: float = 0.0, seed: int = 0) -> list[dict]:
    """ACR rows: 12 listeners rate 4 lines of each voice, round(3.5 + offset + N(0, stimulus_sd) per
    recording + N(0, 0.5)) clipped to 1..5."""
    rng = np.random.default_rng(seed)
    effects = {(voice, line): rng.normal(0, stimulus_sd) for voice in offsets for line in range(4)}
    return [acr(f"L{k}", voice, "agent" if voice == "agent" else "human",
                float(np.clip(np.round(3.5 + offset + effects[voice, line] + rng.normal(0, 0.5)), 1, 5)), line=f"l{line}")
            for voice, offset in offsets.items() for line in range(4) for k in range(12)]  # fmt: skip


def test_human_voice_effect_is_a_variance_component_and_widens_the_interval():
    """Four human voices 1 MOS point apart (planted): they are a population, the voice variance is
    estimated > 0 and the Satterthwaite df drop below the stimulus stratum's 20 - 1 - 4 = 15."""
    offsets = {"agent": -0.5, "ann": 0.5, "ben": -0.5, "cat": 0.5, "dan": -0.5}
    result = agent_human_differences(frame(_voice_panel(offsets))).iloc[0]
    assert (result["method"], result["scope"]) == (MIXED_MODEL, POPULATION) and result["voice_var"] > 0.05
    assert 3 <= result["df"] < 15


def test_fewer_than_four_human_voices_speak_for_these_voices_only():
    """Two human voices: each gets a fixed mean and the difference is the agent minus their average.

    Independent source (hand computation, by-item ANOVA): in a complete balanced design listener
    offsets cancel from every contrast of stimulus means, and REML with a positive stimulus
    variance reproduces the by-item analysis: estimate = agent mean - (ann mean + ben mean) / 2,
    SE^2 = s2 (1/4 + (1/4 + 1/4) / 4) with s2 the pooled variance of the 12 stimulus means
    around their voice's mean, on 12 - 3 = 9 df.
    """
    rows = _voice_panel({"agent": -0.5, "ann": 0.5, "ben": -0.5}, stimulus_sd=0.4, seed=3)
    data = frame(rows)
    result = agent_human_differences(data).iloc[0]
    assert (result["method"], result["scope"]) == (FIXED_VOICES_MODEL, THESE_VOICES)
    assert "these human voices only" in result["note"] and np.isnan(result["voice_var"])
    means = data.groupby(["voice", "stimulus_id"])["rating"].mean()
    voice_means = means.groupby(level="voice").mean()
    s2 = float(((means - voice_means.reindex(means.index.get_level_values("voice")).to_numpy()) ** 2).sum() / 9)
    assert result["stimulus_var"] > 0.01  # an interior REML solution, where it equals the ANOVA
    assert result["difference_mos"] == pytest.approx(voice_means["agent"] - (voice_means["ann"] + voice_means["ben"]) / 2)
    assert result["se"] == pytest.approx(np.sqrt(s2 * (1 / 4 + (1 / 4 + 1 / 4) / 4)), rel=1e-3)
    assert result["df"] == 9


@pytest.mark.slow
def test_calibration_planted_half_point_is_covered_and_null_rejects_rarely():
    """Fast version of bench/stats_calibration.py (which runs 500 panels per design)."""
    planted = [run_panel(Misspecified(acr_difference=-0.5), seed=100 + k, tests=("acr",))[0] for k in range(30)]
    null = [run_panel(Misspecified(), seed=200 + k, tests=("acr",))[0] for k in range(30)]
    assert np.mean([r["covered"] for r in planted]) >= 0.85  # nominal 0.95; 0.85 leaves room for 30-panel noise
    assert np.mean([r["rejected"] for r in null]) <= 0.15  # nominal 0.05
    assert all("mixed model" in r["test"] for r in planted + null)
