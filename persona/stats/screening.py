"""Listener screening: who is excluded from the analysis, and why.

Two rule sets, both applied per listener:

* **ITU-T P.808-style** (crowdsourced ACR): a listener is excluded when they fail more than
  ``gold_max_failures`` gold/attention trials (default 0: any failure excludes, as P.808
  recommends), or when they failed the headphone check (``headphone_passed`` false on their rows).
* **ITU-R BS.1534 post-screening** (MUSHRA): a listener is excluded when they rate the hidden
  reference below ``reference_min_score`` (90) on more than ``reference_max_fraction`` (15 %) of
  the MUSHRA screens they completed. Exactly 15 % is kept; the comparison is done on counts
  (``n_low > fraction * n_screens``) so that 3 of 20 screens is not excluded by rounding.

* **Playback evidence**: a listener is excluded when more than ``fast_max_fraction`` (10 %) of
  their answered trials were given sooner than their clips could be heard in turn
  (``fast_answer``, set by the server's clock; see :mod:`persona.trials.flow`).

Practice rows never count. Every analysis can be run on all listeners or on the kept ones
(:func:`apply_screening`).
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
import pandas as pd

from ..errors import ParameterError

SCREENING_COLUMNS = (
    "listener_id", "n_answers", "n_gold", "n_gold_failed", "headphone_passed",
    "n_mushra_screens", "n_reference_below_min", "reference_below_min_fraction",
    "n_trials", "n_fast_trials", "excluded", "reasons",
)  # fmt: skip


def screen_listeners(
    responses: pd.DataFrame,
    *,
    gold_max_failures: int = 0,
    require_headphones: bool = True,
    reference_min_score: float = 90.0,
    reference_max_fraction: float = 0.15,
    fast_max_fraction: float = 0.10,
) -> pd.DataFrame:
    """Decide, per listener, whether to exclude them and why.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated tidy responses.
    gold_max_failures : int
        Gold/attention failures a listener may have and still be kept.
    require_headphones : bool
        Exclude listeners whose headphone check failed.
    reference_min_score : float
        BS.1534 post-screening: a hidden-reference score below this (0..100) counts as low.
    reference_max_fraction : float
        BS.1534 post-screening: exclude when more than this fraction (0..1) of a listener's
        MUSHRA screens have a low hidden-reference score.
    fast_max_fraction : float
        Exclude when more than this fraction (0..1) of a listener's trials were answered faster
        than their clips play (``fast_answer``).

    Returns
    -------
    pandas.DataFrame
        One row per listener, columns :data:`SCREENING_COLUMNS`; ``reasons`` is a
        ``"; "``-joined list of the rules failed (empty when kept).
    """
    if gold_max_failures < 0:
        raise ParameterError(f"gold_max_failures must be >= 0, got {gold_max_failures}")
    for name, value in (("reference_max_fraction", reference_max_fraction), ("fast_max_fraction", fast_max_fraction)):
        if not 0.0 <= value <= 1.0:
            raise ParameterError(f"{name} must be in [0, 1], got {value}")
    answers = responses[~responses["practice"]]
    listeners = pd.Index(sorted(answers["listener_id"].unique()), name="listener_id")
    table = pd.DataFrame(index=listeners)
    table["n_answers"] = answers.groupby("listener_id").size()
    gold = answers[answers["is_gold"]]
    table["n_gold"] = gold.groupby("listener_id").size()
    table["n_gold_failed"] = gold.assign(failed=gold["gold_correct"].eq(False).fillna(False)).groupby(
        "listener_id"
    )["failed"].sum()
    table["headphone_passed"] = answers.groupby("listener_id")["headphone_passed"].all()
    references = answers[(answers["test_type"] == "mushra") & (answers["role"] == "reference")]
    per_screen = references.groupby(["listener_id", "trial_id"])["rating"].min()
    table["n_mushra_screens"] = per_screen.groupby("listener_id").size()
    table["n_reference_below_min"] = (per_screen < reference_min_score).groupby("listener_id").sum()
    per_trial = answers.groupby(["listener_id", "trial_id"])["fast_answer"].any()
    table["n_trials"] = per_trial.groupby("listener_id").size()
    table["n_fast_trials"] = per_trial.groupby("listener_id").sum()
    table = table.fillna({"n_gold": 0, "n_gold_failed": 0, "n_mushra_screens": 0, "n_reference_below_min": 0})
    counts = ["n_answers", "n_gold", "n_gold_failed", "n_mushra_screens", "n_reference_below_min", "n_trials", "n_fast_trials"]
    table[counts] = table[counts].astype(int)
    table["reference_below_min_fraction"] = (
        table["n_reference_below_min"] / table["n_mushra_screens"].replace(0, np.nan)
    )
    table["gold_failed"] = table["n_gold_failed"] > gold_max_failures
    table["headphone_failed"] = ~table["headphone_passed"] & require_headphones
    table["reference_failed"] = [
        _more_than_fraction(low, n, reference_max_fraction)
        for low, n in zip(table["n_reference_below_min"], table["n_mushra_screens"])
    ]
    table["fast_failed"] = [
        _more_than_fraction(fast, n, fast_max_fraction) for fast, n in zip(table["n_fast_trials"], table["n_trials"])
    ]
    table["reasons"] = [
        "; ".join(
            reason for failed, reason in (
                (row.gold_failed, f"failed {row.n_gold_failed} of {row.n_gold} gold trials "
                                  f"(> {gold_max_failures} allowed)"),
                (row.headphone_failed, "failed the headphone check"),
                (row.reference_failed, f"hidden reference < {reference_min_score:g} on "
                                       f"{row.n_reference_below_min} of {row.n_mushra_screens} "
                                       f"MUSHRA screens (> {reference_max_fraction:.0%} allowed)"),
                (row.fast_failed, f"answered {row.n_fast_trials} of {row.n_trials} trials faster than "
                                  f"their clips play (> {fast_max_fraction:.0%} allowed)"),
            ) if failed
        )
        for row in table.itertuples()
    ]  # fmt: skip
    table["excluded"] = table["reasons"] != ""
    return table.reset_index()[list(SCREENING_COLUMNS)]


def _more_than_fraction(count: int, total: int, fraction: float) -> bool:
    """``count / total > fraction``, exactly (decimal fractions compared as rationals)."""
    limit = Fraction(str(fraction))
    return count * limit.denominator > limit.numerator * total


def apply_screening(responses: pd.DataFrame, screening: pd.DataFrame) -> pd.DataFrame:
    """Drop the rows of listeners that ``screening`` excluded."""
    excluded = screening.loc[screening["excluded"], "listener_id"]
    return responses[~responses["listener_id"].isin(excluded)]


def _rule_name(reason: str) -> str:
    """A reason without the listener's own counts: "failed 2 of 3 gold trials" -> "failed gold trials"."""
    return re.sub(r"(failed|answered) \d+ of \d+ ", r"\1 ", re.sub(r" on \d+ of \d+ ", " on ", reason))


def exclusion_summary(screening: pd.DataFrame) -> pd.DataFrame:
    """Count listeners per exclusion rule (a listener may fail several rules).

    Returns
    -------
    pandas.DataFrame
        Columns ``rule, n_listeners``; the first row is the panel size, the last the total
        excluded.
    """
    rules = pd.Series(
        [_rule_name(reason) for reasons in screening["reasons"] for reason in reasons.split("; ") if reason],
        dtype=object,
    )
    per_rule = rules.value_counts().rename_axis("rule").reset_index(name="n_listeners")
    return pd.concat(
        [
            pd.DataFrame({"rule": ["listeners in panel"], "n_listeners": [len(screening)]}),
            per_rule,
            pd.DataFrame({"rule": ["excluded (any rule)"], "n_listeners": [int(screening["excluded"].sum())]}),
        ],
        ignore_index=True,
    )
