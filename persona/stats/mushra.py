"""MUSHRA (ITU-R BS.1534, 0..100): per-voice scores, Friedman test, pairwise Wilcoxon.

A *condition* is a voice in its role on the screen (the hidden reference and the low anchor
are conditions of their own). A *block* is one MUSHRA screen of one listener (its
``trial_id``); the tests use only complete blocks, i.e. screens that scored every condition of
the scenario.

* Scores: median and mean with a Student-t interval per scenario x condition.
* Friedman test (``scipy.stats.friedmanchisquare``) across conditions, per scenario (needs
  >= 3 conditions and >= 2 complete blocks).
* Pairwise Wilcoxon signed-rank tests (``scipy.stats.wilcoxon``, two-sided) between every pair
  of conditions on the complete blocks; Holm across all rows of the pairwise table.

Post-screening of listeners (hidden reference < 90 on > 15 % of screens) lives in
:mod:`persona.stats.screening`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from .inference import holm_adjust, t_interval
from .responses import scored_answers

SCORE_COLUMNS = ("scenario", "voice", "role", "n_ratings", "n_listeners", "median", "mean", "ci_low", "ci_high")
FRIEDMAN_COLUMNS = ("scenario", "n_conditions", "n_blocks", "statistic", "p_value", "note")
PAIRWISE_COLUMNS = (
    "scenario", "condition", "other_condition", "n_blocks", "median_difference",
    "statistic", "p_value", "p_holm", "note",
)  # fmt: skip


def mushra_scores(responses: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Median and mean MUSHRA score (0..100) per scenario x voice x role, with a t interval."""
    answers = scored_answers(responses, "mushra").dropna(subset=["rating"])
    rows = [
        {
            "scenario": scenario, "voice": voice, "role": role, "n_ratings": len(group),
            "n_listeners": group["listener_id"].nunique(), "median": group["rating"].median(),
            "mean": group["rating"].mean(),
            **dict(zip(("ci_low", "ci_high"), t_interval(group["rating"].to_numpy(), confidence=confidence))),
        }  # fmt: skip
        for (scenario, voice, role), group in answers.groupby(["scenario", "voice", "role"], sort=True)
    ]
    return pd.DataFrame(rows, columns=list(SCORE_COLUMNS))


def complete_blocks(responses: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Scores of one scenario as blocks (listener screens) x conditions, complete blocks only."""
    answers = scored_answers(responses, "mushra").dropna(subset=["rating"])
    answers = answers[answers["scenario"] == scenario]
    condition = answers["voice"] + " [" + answers["role"] + "]"
    wide = answers.assign(condition=condition).pivot_table(
        index=["listener_id", "trial_id"], columns="condition", values="rating", aggfunc="mean"
    )
    return wide.dropna()


def friedman_tests(responses: pd.DataFrame) -> pd.DataFrame:
    """Friedman test across conditions per scenario (see module docstring)."""
    rows = []
    for scenario in sorted(scored_answers(responses, "mushra")["scenario"].unique()):
        blocks = complete_blocks(responses, scenario)
        n_conditions, n_blocks = blocks.shape[1], blocks.shape[0]
        row = {"scenario": scenario, "n_conditions": n_conditions, "n_blocks": n_blocks,
               "statistic": np.nan, "p_value": np.nan, "note": ""}  # fmt: skip
        if n_conditions < 3:
            row["note"] = f"{n_conditions} condition(s): Friedman needs at least 3"
        elif n_blocks < 2:
            row["note"] = f"{n_blocks} complete screen(s): Friedman needs at least 2"
        elif np.ptp(blocks.to_numpy()) == 0:
            row["note"] = "all scores identical: no test"
        else:
            result = stats.friedmanchisquare(*(blocks[c].to_numpy() for c in blocks.columns))
            row.update(statistic=float(result.statistic), p_value=float(result.pvalue))
        rows.append(row)
    return pd.DataFrame(rows, columns=list(FRIEDMAN_COLUMNS))


def pairwise_wilcoxon(responses: pd.DataFrame) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank test for every pair of conditions, Holm-adjusted."""
    rows = []
    for scenario in sorted(scored_answers(responses, "mushra")["scenario"].unique()):
        blocks = complete_blocks(responses, scenario)
        for first, second in itertools.combinations(blocks.columns, 2):
            differences = (blocks[first] - blocks[second]).to_numpy()
            row = {"scenario": scenario, "condition": first, "other_condition": second,
                   "n_blocks": len(differences), "median_difference": np.median(differences) if len(differences) else np.nan,
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
