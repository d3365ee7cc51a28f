"""Listener screening: who (and which session) is excluded from the analysis, and why.

Each rule names the standard it comes from.

Per session (ITU-T P.808 (06/2021) screens crowdsourced ACR work session by session, as its
reference implementation, microsoft/P.808 ``result_parser.py``, does per HIT):

* **P.808 gold-standard questions**: a gold answer is correct when it lies within
  ``gold_tolerance`` (default +-1, P.808's tolerance) of the expected rating given in
  ``gold_expected`` (stimulus id -> rating); gold rows without an expected rating keep the
  grade the trial app stored in ``gold_correct``. A session with more than
  ``gold_max_failures`` wrong gold answers is excluded.
* **P.808 rating variance**: a session whose scored ACR ratings (at least
  ``min_ratings_for_variance``) all have one value, i.e. variance 0, is excluded: the listener
  clicked the same button throughout.

Per listener:

* **Headphone check** (P.808 environment test): excluded when ``headphone_passed`` is false.
* **ITU-R BS.1534-3 section 4.1.2, post-screening of assessors**: excluded when the hidden
  reference is rated below ``reference_min_score`` (90) on more than ``reference_max_fraction``
  (15 %) of the MUSHRA screens (test items), or when a *mid-range* anchor (an anchor whose voice
  name contains ``mid_anchor_marker``, e.g. the 7 kHz low-pass) is rated above
  ``mid_anchor_max_score`` (90) on more than 15 % of the screens that carry it. Exactly 15 %
  is kept; the comparison is on counts (``n_low > fraction * n_screens``) so that 3 of 20
  screens is not excluded by rounding.
* **Playback evidence** (persona's own rule): excluded when more than ``fast_max_fraction``
  (10 %) of their answered trials were given sooner than their clips could be heard in turn
  (``fast_answer``, set by the server's clock; see :mod:`persona.trials.flow`).
* A listener whose every session is excluded is excluded (the session rules name the reason).

Practice rows never count. :func:`apply_screening` drops excluded listeners and excluded sessions.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import ParameterError

SCREENING_COLUMNS = (
    "listener_id", "n_answers", "n_sessions", "n_sessions_excluded", "excluded_sessions", "n_gold",
    "n_gold_failed", "headphone_passed", "n_mushra_screens", "n_reference_below_min",
    "reference_below_min_fraction", "n_mid_anchor_screens", "n_mid_anchor_above_max", "n_trials",
    "n_fast_trials", "excluded", "reasons",
)  # fmt: skip
P808_GOLD = "P.808 gold questions"
P808_VARIANCE = "P.808 rating variance"
BS1534_REFERENCE = "BS.1534-3 4.1.2 hidden reference"
BS1534_MID_ANCHOR = "BS.1534-3 4.1.2 mid-range anchor"


def screen_listeners(
    responses: pd.DataFrame,
    *,
    gold_max_failures: int = 0,
    gold_expected: Mapping[str, float] | None = None,
    gold_tolerance: float = 1.0,
    min_ratings_for_variance: int = 5,
    require_headphones: bool = True,
    reference_min_score: float = 90.0,
    reference_max_fraction: float = 0.15,
    mid_anchor_marker: str = "mid",
    mid_anchor_max_score: float = 90.0,
    fast_max_fraction: float = 0.10,
) -> pd.DataFrame:
    """Decide, per listener and session, whether to exclude them and why (see module docstring).

    Returns
    -------
    pandas.DataFrame
        One row per listener, columns :data:`SCREENING_COLUMNS`; ``reasons`` is a ``"; "``-joined
        list of the rules failed, each naming its standard (empty when kept);
        ``excluded_sessions`` lists the session ids excluded.
    """
    if gold_max_failures < 0:
        raise ParameterError(f"gold_max_failures must be >= 0, got {gold_max_failures}")
    for name, value in (("reference_max_fraction", reference_max_fraction), ("fast_max_fraction", fast_max_fraction)):
        if not 0.0 <= value <= 1.0:
            raise ParameterError(f"{name} must be in [0, 1], got {value}")
    answers = responses[~responses["practice"]].assign(session_id=lambda d: _sessions(d))
    sessions = screen_sessions(answers, gold_max_failures=gold_max_failures, gold_expected=gold_expected,
                               gold_tolerance=gold_tolerance, min_ratings_for_variance=min_ratings_for_variance)  # fmt: skip
    listeners = pd.Index(sorted(answers["listener_id"].unique()), name="listener_id")
    table = pd.DataFrame(index=listeners)
    table["n_answers"] = answers.groupby("listener_id").size()
    by_listener = sessions.groupby("listener_id")
    table["n_sessions"] = by_listener.size()
    table["n_sessions_excluded"] = by_listener["excluded"].sum()
    dropped = sessions[sessions["excluded"]].groupby("listener_id")["session_id"].agg(", ".join)
    table["excluded_sessions"] = dropped.reindex(table.index, fill_value="").astype(object)
    table["n_gold"] = by_listener["n_gold"].sum()
    table["n_gold_failed"] = by_listener["n_gold_failed"].sum()
    table["headphone_passed"] = answers.groupby("listener_id")["headphone_passed"].all()
    mushra = answers[answers["test_type"] == "mushra"]
    reference = mushra[mushra["role"] == "reference"].groupby(["listener_id", "trial_id"])["rating"].min()
    mid = mushra[(mushra["role"] == "anchor") & mushra["voice"].astype(str).str.contains(mid_anchor_marker, regex=False)]
    mid = mid.groupby(["listener_id", "trial_id"])["rating"].max()
    table["n_mushra_screens"] = reference.groupby("listener_id").size()
    table["n_reference_below_min"] = (reference < reference_min_score).groupby("listener_id").sum()
    table["n_mid_anchor_screens"] = mid.groupby("listener_id").size()
    table["n_mid_anchor_above_max"] = (mid > mid_anchor_max_score).groupby("listener_id").sum()
    per_trial = answers.groupby(["listener_id", "trial_id"])["fast_answer"].any()
    table["n_trials"] = per_trial.groupby("listener_id").size()
    table["n_fast_trials"] = per_trial.groupby("listener_id").sum()
    counts = ["n_answers", "n_sessions", "n_sessions_excluded", "n_gold", "n_gold_failed", "n_mushra_screens",
              "n_reference_below_min", "n_mid_anchor_screens", "n_mid_anchor_above_max", "n_trials",
              "n_fast_trials"]  # fmt: skip
    table[counts] = table[counts].fillna(0).astype(int)
    table["reference_below_min_fraction"] = table["n_reference_below_min"] / table["n_mushra_screens"].replace(0, np.nan)
    session_reasons = sessions[sessions["reasons"] != ""].groupby("listener_id")["reasons"].agg("; ".join)
    table["reasons"] = [
        "; ".join(reason for failed, reason in (
            (bool(session_reasons.get(listener, "")), session_reasons.get(listener, "")),
            (require_headphones and not row.headphone_passed, "failed the headphone check (P.808 environment test)"),
            (_more_than_fraction(row.n_reference_below_min, row.n_mushra_screens, reference_max_fraction),
             f"{BS1534_REFERENCE} < {reference_min_score:g} on {row.n_reference_below_min} of "
             f"{row.n_mushra_screens} MUSHRA screens (> {reference_max_fraction:.0%} allowed)"),
            (_more_than_fraction(row.n_mid_anchor_above_max, row.n_mid_anchor_screens, reference_max_fraction),
             f"{BS1534_MID_ANCHOR} > {mid_anchor_max_score:g} on {row.n_mid_anchor_above_max} of "
             f"{row.n_mid_anchor_screens} MUSHRA screens (> {reference_max_fraction:.0%} allowed)"),
            (_more_than_fraction(row.n_fast_trials, row.n_trials, fast_max_fraction),
             f"answered {row.n_fast_trials} of {row.n_trials} trials faster than their clips play "
             f"(> {fast_max_fraction:.0%} allowed)"),
        ) if failed)
        for listener, row in zip(table.index, table.itertuples())
    ]  # fmt: skip
    every_session = (table["n_sessions"] > 0) & (table["n_sessions_excluded"] == table["n_sessions"])
    listener_rule = table["reasons"].astype(str).str.contains("headphone|BS.1534|faster than their clips", regex=True)
    table["excluded"] = every_session | listener_rule
    return table.reset_index()[list(SCREENING_COLUMNS)]


def screen_sessions(
    answers: pd.DataFrame,
    *,
    gold_max_failures: int = 0,
    gold_expected: Mapping[str, float] | None = None,
    gold_tolerance: float = 1.0,
    min_ratings_for_variance: int = 5,
) -> pd.DataFrame:
    """P.808 session rules: gold questions (within +-``gold_tolerance``) and rating variance.

    Returns
    -------
    pandas.DataFrame
        One row per listener x session: ``listener_id, session_id, n_gold, n_gold_failed,
        n_acr_ratings, rating_variance, excluded, reasons``.
    """
    answers = answers.assign(session_id=_sessions(answers), gold_failed=_gold_failed(answers, gold_expected, gold_tolerance))
    gold = answers[answers["is_gold"]]
    acr = answers[(answers["test_type"] == "acr") & ~answers["is_gold"]].dropna(subset=["rating"])
    keys = ["listener_id", "session_id"]
    table = answers.groupby(keys).size().rename("n_answers").to_frame()
    table["n_gold"] = gold.groupby(keys).size()
    table["n_gold_failed"] = gold.groupby(keys)["gold_failed"].sum()
    table["n_acr_ratings"] = acr.groupby(keys).size()
    table["rating_variance"] = acr.groupby(keys)["rating"].var(ddof=1)
    table = table.fillna({"n_gold": 0, "n_gold_failed": 0, "n_acr_ratings": 0}).astype(
        {"n_gold": int, "n_gold_failed": int, "n_acr_ratings": int})
    table = table.reset_index()
    gold_rule = table["n_gold_failed"] > gold_max_failures
    one_rating = (table["n_acr_ratings"] >= min_ratings_for_variance) & (table["rating_variance"] == 0)
    table["reasons"] = [
        "; ".join(reason for failed, reason in (
            (g, f"{P808_GOLD}: {row.n_gold_failed} of {row.n_gold} wrong beyond +-{gold_tolerance:g} in session "
                f"{row.session_id} (> {gold_max_failures} allowed)"),
            (v, f"{P808_VARIANCE}: one rating throughout session {row.session_id} ({row.n_acr_ratings} ratings)"),
        ) if failed)
        for g, v, row in zip(gold_rule, one_rating, table.itertuples())
    ]  # fmt: skip
    table["excluded"] = table["reasons"] != ""
    return table.drop(columns="n_answers")


def _sessions(answers: pd.DataFrame) -> pd.Series:
    """Session ids, with a missing session read as the listener's single session."""
    return answers["session_id"].fillna(answers["listener_id"] + "/(no session)")


def _gold_failed(answers: pd.DataFrame, expected: Mapping[str, float] | None, tolerance: float) -> pd.Series:
    """Gold rows graded against ``expected`` +-tolerance where known, else by ``gold_correct``."""
    stored = answers["gold_correct"].eq(False).fillna(False).astype(bool)
    if not expected:
        return stored & answers["is_gold"]
    target = answers["stimulus_id"].map(expected)
    regraded = target.notna() & answers["rating"].notna()
    off = (answers["rating"] - target).abs() > tolerance
    return answers["is_gold"] & np.where(regraded, off, stored)


def _more_than_fraction(count: int, total: int, fraction: float) -> bool:
    """``count / total > fraction``, exactly (decimal fractions compared as rationals)."""
    limit = Fraction(str(fraction))
    return count * limit.denominator > limit.numerator * total


def apply_screening(responses: pd.DataFrame, screening: pd.DataFrame) -> pd.DataFrame:
    """Drop the rows of excluded listeners and of excluded sessions."""
    excluded = screening.loc[screening["excluded"], "listener_id"]
    sessions = {s for listed in screening["excluded_sessions"] for s in listed.split(", ") if s}
    keep = ~responses["listener_id"].isin(excluded) & ~_sessions(responses).isin(sessions)
    return responses[keep]


def _rule_name(reason: str) -> str:
    """A reason without the listener's own counts and session: the rule, for the summary table."""
    reason = re.sub(r": \d+ of \d+ wrong", ": wrong", reason)
    reason = re.sub(r" in session .*? \(", " (", reason)
    reason = re.sub(r" throughout session .*? \(\d+ ratings\)", " throughout a session", reason)
    reason = re.sub(r"answered \d+ of \d+ trials", "answered trials", reason)
    return re.sub(r" on \d+ of \d+ ", " on ", reason)


def exclusion_summary(screening: pd.DataFrame) -> pd.DataFrame:
    """Count listeners per exclusion rule (a listener may fail several rules).

    Returns
    -------
    pandas.DataFrame
        Columns ``rule, n_listeners``; the first row is the panel size, the last the total
        of listeners excluded (sessions excluded from kept listeners are counted per rule).
    """
    rules = pd.Series(  # each rule once per listener, however many sessions failed it
        [rule for reasons in screening["reasons"] for rule in sorted({_rule_name(r) for r in reasons.split("; ") if r})],
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
