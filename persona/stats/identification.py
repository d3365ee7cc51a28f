"""Human-or-AI identification: how often listeners spot the agent, as signal detection.

Per scenario and agent voice, the agent's clips are the signal and the human clips of the
same scenario the noise; "ai" is the detection response.

* ``ai_rate``: share of the agent's clips called AI (Wilson interval) - "71 % spotted it".
* ``proportion_correct`` over agent and human clips, with a Wilson interval and a one-sided
  exact binomial test against chance (0.5): listeners do better than guessing.
* ``d_prime`` = z(H) - z(F) and criterion ``c`` = -(z(H) + z(F)) / 2, from hit rate H and
  false-alarm rate F with the log-linear correction (Hautus 1995): H = (hits + 0.5) /
  (signal trials + 1), likewise F, applied to every cell so 0 and 1 rates stay finite.
  c > 0 means listeners lean towards answering "human".
* **Indistinguishable** is claimed only from an equivalence test: exact binomial TOST
  (statsmodels ``binom_tost``) that proportion correct lies within
  ``0.5 +/- equivalence_margin`` (default 0.1). A non-significant test against chance alone
  gives the verdict "inconclusive", never "indistinguishable".

Trials are pooled over listeners (each answer counted as independent), as in the P.800/P.808
practice for vote counts; heavy listener heterogeneity makes the intervals optimistic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import binom_tost

from .inference import exact_binomial_p, wilson_interval
from .responses import scored_answers

IDENTIFICATION_COLUMNS = (
    "scenario", "agent_voice", "n_listeners", "n_agent_trials", "n_called_ai", "ai_rate",
    "ai_rate_ci_low", "ai_rate_ci_high", "n_human_trials", "n_false_alarms", "false_alarm_rate",
    "n_trials", "n_correct", "proportion_correct", "pc_ci_low", "pc_ci_high", "p_vs_chance",
    "d_prime", "criterion_c", "equivalence_margin", "p_equivalence", "mean_confidence", "verdict",
)  # fmt: skip
CHANCE = 0.5


def identification_table(
    responses: pd.DataFrame,
    *,
    confidence: float = 0.95,
    equivalence_margin: float = 0.1,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Identification rates, signal detection and the verdict per scenario x agent voice.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated tidy responses.
    confidence : float
        Confidence level of the Wilson intervals (0..1).
    equivalence_margin : float
        Half-width of the equivalence region around chance for "indistinguishable" (0..0.5).
    alpha : float
        Significance level of the test against chance and of the equivalence test.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`IDENTIFICATION_COLUMNS`; rates are proportions (0..1); ``verdict`` is
        one of "detected as AI above chance", "indistinguishable from human (equivalence)",
        "inconclusive".
    """
    answers = scored_answers(responses, "identify").dropna(subset=["choice"])
    rows = []
    for scenario, block in answers.groupby("scenario", sort=True):
        humans = block[block["role"] == "human"]
        for agent_voice, agents in block[block["role"] == "agent"].groupby("voice", sort=True):
            hits, n_signal = int((agents["choice"] == "ai").sum()), len(agents)
            false_alarms, n_noise = int((humans["choice"] == "ai").sum()), len(humans)
            n_correct, n_trials = hits + (n_noise - false_alarms), n_signal + n_noise
            d_prime, criterion = signal_detection(hits, n_signal, false_alarms, n_noise)
            p_chance = exact_binomial_p(n_correct, n_trials, p=CHANCE, alternative="greater")
            p_equivalent = float(binom_tost(n_correct, n_trials, CHANCE - equivalence_margin,
                                            CHANCE + equivalence_margin)[0])  # fmt: skip
            rows.append({
                "scenario": scenario, "agent_voice": agent_voice,
                "n_listeners": pd.concat([agents, humans])["listener_id"].nunique(),
                "n_agent_trials": n_signal, "n_called_ai": hits, "ai_rate": hits / n_signal,
                **dict(zip(("ai_rate_ci_low", "ai_rate_ci_high"),
                           wilson_interval(hits, n_signal, confidence=confidence))),
                "n_human_trials": n_noise, "n_false_alarms": false_alarms,
                "false_alarm_rate": false_alarms / n_noise if n_noise else np.nan,
                "n_trials": n_trials, "n_correct": n_correct,
                "proportion_correct": n_correct / n_trials,
                **dict(zip(("pc_ci_low", "pc_ci_high"),
                           wilson_interval(n_correct, n_trials, confidence=confidence))),
                "p_vs_chance": p_chance, "d_prime": d_prime, "criterion_c": criterion,
                "equivalence_margin": equivalence_margin, "p_equivalence": p_equivalent,
                "mean_confidence": agents["confidence"].mean(),
                "verdict": _verdict(p_chance, p_equivalent, alpha=alpha),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(IDENTIFICATION_COLUMNS))


def signal_detection(hits: int, n_signal: int, false_alarms: int, n_noise: int) -> tuple[float, float]:
    """Sensitivity d' and criterion c with the log-linear correction (NaN without noise trials).

    Examples
    --------
    >>> round(signal_detection(15, 20, 5, 20)[0], 3)
    1.275
    """
    if n_signal == 0 or n_noise == 0:
        return (np.nan, np.nan)
    z_hit = stats.norm.ppf((hits + 0.5) / (n_signal + 1))
    z_false_alarm = stats.norm.ppf((false_alarms + 0.5) / (n_noise + 1))
    return (float(z_hit - z_false_alarm), float(-(z_hit + z_false_alarm) / 2))


def _verdict(p_vs_chance: float, p_equivalence: float, *, alpha: float) -> str:
    if p_vs_chance < alpha:
        return "detected as AI above chance"
    if p_equivalence < alpha:
        return "indistinguishable from human (equivalence)"
    return "inconclusive"
