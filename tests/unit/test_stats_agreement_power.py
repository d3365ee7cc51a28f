"""Agreement (Krippendorff's alpha) and planning (simulated power)."""

import numpy as np
import pytest
from _stats_rows import acr, frame
from scipy import stats

from persona.errors import ParameterError
from persona.stats.agreement import krippendorff_alpha
from persona.stats.power import power_curve, sample_size


def test_alpha_is_one_for_perfect_agreement_and_undefined_for_constant_ratings():
    perfect = [acr(l, "agent", "agent", float(r), line=f"l{r}") for l in ("L1", "L2", "L3") for r in (1, 3, 5)]
    assert krippendorff_alpha(frame(perfect))["alpha_ordinal"].iloc[0] == pytest.approx(1.0)
    constant = [acr(l, "agent", "agent", 3.0, line=f"l{k}") for l in ("L1", "L2") for k in range(3)]
    result = krippendorff_alpha(frame(constant)).iloc[0]
    assert np.isnan(result["alpha_ordinal"]) and "identical" in result["note"]


def test_alpha_undefined_when_no_stimulus_is_shared():
    rows = [acr("L1", "agent", "agent", 2.0, line="a"), acr("L2", "agent", "agent", 4.0, line="b")]
    assert "no stimulus rated by two listeners" in krippendorff_alpha(frame(rows))["note"].iloc[0]


def test_power_matches_the_noncentral_t_and_grows_with_listeners():
    """The design of one agent voice against two human voices on four lines: 4 versus 8 stimuli.

    Independent source: the noncentral t power of a pooled two-sample t test, df = 4 + 8 - 2,
    noncentrality = 0.5 / (SD of a stimulus mean x sqrt(1/4 + 1/8)).
    """
    curve = power_curve(difference_mos=0.5, stimulus_var=0.02, residual_var=0.5, n_agent_stimuli=4,
                        n_human_stimuli=8, n_sims=4000, candidate_listeners=(5, 20, 80))  # fmt: skip
    assert curve["power"].is_monotonic_increasing
    sd = np.sqrt(0.02 + 0.5 / 20)  # stimulus-mean SD with 20 listeners
    df, noncentrality = 10, 0.5 / (sd * np.sqrt(1 / 4 + 1 / 8))
    critical = stats.t.ppf(0.975, df)
    exact = stats.nct.sf(critical, df, noncentrality) + stats.nct.cdf(-critical, df, noncentrality)
    assert curve.loc[curve["n_listeners"] == 20, "power"].iloc[0] == pytest.approx(exact, abs=0.03)


def test_sample_size_sentence_and_the_plateau_from_stimulus_variance():
    easy = sample_size(difference_mos=0.3, stimulus_var=0.0, residual_var=0.4, n_agent_stimuli=8, n_human_stimuli=8).iloc[0]
    assert easy["n_listeners_needed"] < 50 and "you need about" in easy["sentence"]
    hard = sample_size(difference_mos=0.3, stimulus_var=0.2, residual_var=0.4, n_agent_stimuli=4, n_human_stimuli=8).iloc[0]
    assert np.isnan(hard["n_listeners_needed"]) and "4 agent and 8 human recordings are not enough" in hard["sentence"]


def test_power_refuses_an_impossible_design():
    with pytest.raises(ParameterError, match="n_agent_stimuli"):
        power_curve(difference_mos=0.3, stimulus_var=0.1, residual_var=0.4, n_agent_stimuli=1, n_human_stimuli=8)
