"""MUSHRA (ITU-R BS.1534, 0..100): per-voice scores, Friedman test, pairwise Wilcoxon, agent minus human.

A *condition* is a voice in its role on the screen (the hidden reference and the low anchor
are conditions of their own). **Listeners are the unit**: a listener who scores several
screens (one per script line) gives correlated scores, so every test and interval runs on
*listener means* (mean over the listener's complete screens, i.e. screens that scored every
condition of the scenario), never on screens as if they were independent people.

* Scores: median of all scores, and the mean with a Student-t interval over listener means
  (n_listeners - 1 df).
* Friedman test (``scipy.stats.friedmanchisquare``) across conditions, blocks = listeners
  (needs >= 3 conditions and >= 2 listeners).
* Pairwise Wilcoxon signed-rank tests (``scipy.stats.wilcoxon``, two-sided) between every pair
  of conditions on listener means; Holm across all rows of the pairwise table.
* Agent minus human: per listener, mean agent score minus mean human score; one-sample t over
  listeners, Holm across rows, Bonferroni-simultaneous interval beside it. The screens are
  treated as fixed (the statement is about these recordings).

Post-screening of listeners (hidden reference < 90 on > 15 % of screens) lives in
:mod:`persona.stats.screening`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from .inference import holm_adjust, simultaneous_confidence, t_interval
from .responses import scored_answers

SCORE_COLUMNS = ("scenario", "voice", "role", "n_ratings", "n_listeners", "median", "mean", "ci_low", "ci_high")
DIFFERENCE_COLUMNS = (
    "scenario", "agent_voice", "n_listeners", "difference", "ci_low", "ci_high", "ci_low_simultaneous",
    "ci_high_simultaneous", "p_value", "p_holm", "method", "note",
)  # fmt: skip
LISTENER_T = "listener-mean t (listeners as the unit)"
FRIEDMAN_COLUMNS = ("scenario", "n_conditions", "n_listeners", "statistic", "p_value", "note")
PAIRWISE_COLUMNS = (
    "scenario", "condition", "other_condition", "n_listeners", "median_difference",
    "statistic", "p_value", "p_holm", "note",
)  # fmt: skip


def mushra_scores(responses: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Median and mean MUSHRA score (0..100) per scenario x voice x role; t interval over listener means."""
    answers = scored_answers(responses, "mushra").dropna(subset=["rating"])
    rows = []
    for (scenario, voice, role), group in answers.groupby(["scenario", "voice", "role"], sort=True):
        listener_means = group.groupby("listener_id")["rating"].mean().to_numpy()
        rows.append({
            "scenario": scenario, "voice": voice, "role": role, "n_ratings": len(group),
            "n_listeners": len(listener_means), "median": group["rating"].median(), "mean": listener_means.mean(),
            **dict(zip(("ci_low", "ci_high"), t_interval(listener_means, confidence=confidence))),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


def listener_means(responses: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Listeners x conditions: each listener's mean score over their complete screens of ``scenario``."""
    answers = scored_answers(responses, "mushra").dropna(subset=["rating"])
    answers = answers[answers["scenario"] == scenario]
    condition = answers["voice"] + " [" + answers["role"] + "]"
    screens = answers.assign(condition=condition).pivot_table(
        index=["listener_id", "trial_id"], columns="condition", values="rating", aggfunc="mean"
    )
    return screens.dropna().groupby(level="listener_id").mean()


def agent_human_differences(responses: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Agent-minus-human MUSHRA difference per scenario x agent voice, listeners as the unit."""
    answers = scored_answers(responses, "mushra").dropna(subset=["rating"])
    groups = list(answers[answers["role"] == "agent"].groupby(["scenario", "voice"], sort=True))
    level = simultaneous_confidence(confidence, len(groups))
    rows = []
    for (scenario, agent_voice), agents in groups:
        humans = answers[(answers["scenario"] == scenario) & (answers["role"] == "human")]
        per_listener = (agents.groupby("listener_id")["rating"].mean()
                        - humans.groupby("listener_id")["rating"].mean()).dropna().to_numpy()  # fmt: skip
        row = {"scenario": scenario, "agent_voice": agent_voice, "n_listeners": per_listener.size,
               "difference": per_listener.mean() if per_listener.size else np.nan, "method": LISTENER_T, "note": ""}
        if per_listener.size < 2 or np.ptp(per_listener) == 0:
            row["note"] = "fewer than 2 listeners or no spread between listeners: no test"
        else:
            test = stats.ttest_1samp(per_listener, 0.0)
            row |= {"p_value": float(test.pvalue),
                    **dict(zip(("ci_low", "ci_high"), test.confidence_interval(confidence))),
                    **dict(zip(("ci_low_simultaneous", "ci_high_simultaneous"), test.confidence_interval(level)))}
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))
    table["p_holm"] = holm_adjust(table["p_value"])
    return table


def friedman_tests(responses: pd.DataFrame) -> pd.DataFrame:
    """Friedman test across conditions per scenario (see module docstring)."""
    rows = []
    for scenario in sorted(scored_answers(responses, "mushra")["scenario"].unique()):
        blocks = listener_means(responses, scenario)
        n_conditions, n_blocks = blocks.shape[1], blocks.shape[0]
        row = {"scenario": scenario, "n_conditions": n_conditions, "n_listeners": n_blocks,
               "statistic": np.nan, "p_value": np.nan, "note": ""}  # fmt: skip
        if n_conditions < 3:
            row["note"] = f"{n_conditions} condition(s): Friedman needs at least 3"
        elif n_blocks < 2:
            row["note"] = f"{n_blocks} listener(s) with complete screens: Friedman needs at least 2"
        elif np.ptp(blocks.to_numpy()) == 0:
            row["note"] = "all scores identical: no test"
        else:
            result = stats.friedmanchisquare(*(blocks[c].to_numpy() for c in blocks.columns))
            row.update(statistic=float(result.statistic), p_value=float(result.pvalue))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(FRIEDMAN_COLUMNS))


def pairwise_wilcoxon(responses: pd.DataFrame) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank test on listener means for every pair of conditions, Holm-adjusted."""
    rows = []
    for scenario in sorted(scored_answers(responses, "mushra")["scenario"].unique()):
        blocks = listener_means(responses, scenario)
        for first, second in itertools.combinations(blocks.columns, 2):
            differences = (blocks[first] - blocks[second]).to_numpy()
            row = {"scenario": scenario, "condition": first, "other_condition": second,
                   "n_listeners": len(differences), "median_difference": np.median(differences) if len(differences) else np.nan,
                   "statistic": np.nan, "p_value": np.nan, "note": ""}  # fmt: skip
            if np.count_nonzero(differences) == 0:
                row["note"] = "no non-zero differences: no test"
            else:
                result = stats.wilcoxon(differences)
                row.update(statistic=float(result.statistic), p_value=float(result.pvalue))
            rows.append(row)
    table = pd.DataFrame(rows, columns=list(PAIRWISE_COLUMNS))
    table["p_holm"] = holm_adjust(table["p_value"])
    return table
