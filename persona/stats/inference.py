"""Inference shared by the analyses: t, bootstrap and Wilson intervals, exact tests, Holm.

Each function returns NaN bounds (never raises) when the data cannot support an interval,
so tables keep one row per condition; the caller writes the reason in its ``note`` column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW


def t_interval(values: np.ndarray, *, confidence: float = 0.95) -> tuple[float, float]:
    """Student-t interval of a mean, treating ``values`` as independent (NaN if n < 2)."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return (np.nan, np.nan)
    low, high = DescrStatsW(values).tconfint_mean(alpha=1 - confidence)
    return (float(low), float(high))


def listener_bootstrap_interval(
    values: np.ndarray,
    listeners: np.ndarray,
    *,
    confidence: float = 0.95,
    n_boot: int = 1000,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Percentile bootstrap interval of a mean, resampling whole listeners.

    Listeners are drawn with replacement and the mean of all their ratings recomputed, so
    the interval respects the correlation of one listener's ratings (NaN if < 2 listeners).
    """
    frame = pd.DataFrame({"value": np.asarray(values, dtype=float), "listener": listeners})
    per_listener = frame.groupby("listener")["value"].agg(["sum", "count"])
    if len(per_listener) < 2 or n_boot < 1:
        return (np.nan, np.nan)
    draws = rng.integers(0, len(per_listener), size=(n_boot, len(per_listener)))
    means = per_listener["sum"].to_numpy()[draws].sum(axis=1) / per_listener["count"].to_numpy()[draws].sum(axis=1)
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return (float(low), float(high))


def wilson_interval(successes: float, trials: float, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (statsmodels ``proportion_confint``); counts may be effective (non-integer)."""
    if trials == 0:
        return (np.nan, np.nan)
    low, high = proportion_confint(successes, trials, alpha=1 - confidence, method="wilson")
    return (float(low), float(high))


def clustered_share(wins: np.ndarray, trials: np.ndarray, *, confidence: float = 0.95, null: float = 0.5) -> dict:
    """Pooled share of ``wins`` in ``trials`` (one entry per listener), inference with listeners as clusters.

    The share is sum(wins) / sum(trials). Its cluster-robust variance (ratio estimator, CR1),
    ``v = L / (L - 1) x sum_i (w_i - share n_i)^2 / n^2``, gives an effective sample size
    ``n_eff = share (1 - share) / v`` (``n`` when the share is 0 or 1, or all listeners agree
    exactly), shrunk for the L - 1 df of ``v`` by ``(z / t_{L-1})^2`` (Korn & Graubard 1998).
    Korn & Graubard also truncate ``n_eff`` at ``n``; measured by ``bench/stats_calibration.py``
    on listeners who do not differ, that truncation made the test conservative (type-I 0.01). The interval is Wilson's on the shrunk ``n_eff``
    trials; the p-value is the dual score test of ``share = null``, ``|share - null| /
    sqrt(null (1 - null) / n_eff)`` against t with L - 1 df, so the interval excludes ``null``
    exactly when p < 1 - confidence.

    Returns ``{"share", "ci_low", "ci_high", "p_value", "n_effective"}`` (NaN inference with
    fewer than 2 listeners or no decided trial).
    """
    wins, trials = np.asarray(wins, dtype=float), np.asarray(trials, dtype=float)
    keep = trials > 0
    wins, trials = wins[keep], trials[keep]
    n, n_clusters = trials.sum(), int(keep.sum())
    share = wins.sum() / n if n else np.nan
    out = {"share": share, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "n_effective": np.nan}
    if n_clusters < 2:
        return out
    variance = n_clusters / (n_clusters - 1) * np.sum((wins - share * trials) ** 2) / n**2
    binomial = share * (1 - share)
    n_eff = binomial / variance if variance > 0 and binomial > 0 else n
    p_value = 2 * stats.t.sf(abs(share - null) / np.sqrt(null * (1 - null) / n_eff), n_clusters - 1)
    n_eff *= (stats.norm.ppf(0.5 + confidence / 2) / stats.t.ppf(0.5 + confidence / 2, n_clusters - 1)) ** 2
    low, high = wilson_interval(share * n_eff, n_eff, confidence=confidence)
    return {**out, "ci_low": low, "ci_high": high, "p_value": float(p_value), "n_effective": float(n_eff)}


def exact_binomial_p(successes: int, trials: int, *, p: float = 0.5, alternative: str = "two-sided") -> float:
    """Exact binomial test p-value (``scipy.stats.binomtest``); NaN when there are no trials."""
    if trials == 0:
        return np.nan
    return float(stats.binomtest(successes, trials, p=p, alternative=alternative).pvalue)


def simultaneous_confidence(confidence: float, n_comparisons: int) -> float:
    """Bonferroni per-interval level making ``n_comparisons`` intervals hold jointly at ``confidence``.

    Used beside Holm-adjusted p-values: a Bonferroni interval that excludes the null implies
    the Holm test rejects, so an interval never shows more than the adjusted test.
    """
    return 1 - (1 - confidence) / max(int(n_comparisons), 1)


def holm_adjust(p_values: pd.Series | np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values across one family of comparisons; NaN entries stay NaN."""
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full(p_values.shape, np.nan)
    finite = np.isfinite(p_values)
    if finite.sum() == 1:  # a family of one needs no adjustment
        adjusted[finite] = p_values[finite]
    elif finite.any():
        adjusted[finite] = multipletests(p_values[finite], method="holm")[1]
    return adjusted
