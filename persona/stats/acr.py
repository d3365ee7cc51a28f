"""Absolute category rating (ITU-T P.800 ACR, 1..5): MOS, and the agent-minus-human difference.

MOS intervals
-------------
Two 95 % intervals per voice x scenario x attribute: the classic Student-t interval over all
ratings (P.800 practice, treats ratings as independent), and a percentile bootstrap that
resamples whole listeners (respects that one listener's ratings are correlated).

Agent minus human
-----------------
Per scenario x attribute x agent voice, the difference is estimated with a linear mixed model
(statsmodels ``MixedLM``, REML)::

    rating ~ is_agent + (1 | listener) + (1 | stimulus)

with *crossed* random intercepts, written as two variance components over a single group.
The interval and p-value use a t distribution with ``n_stimuli - 2`` degrees of freedom (the
voice effect is a between-stimulus contrast; the normal approximation statsmodels prints is
too optimistic with the handful of recordings a listening test has).

Fallback (flagged in ``method`` and ``note``): when the model does not converge, or there is
only one stimulus per voice (the voice is then confounded with its recording), the
difference of each listener's mean agent and mean human rating is tested with a one-sample t
test over listeners ("listener-mean paired t"). It ignores stimulus variability, so it speaks
for these recordings rather than for the voice in general.

Holm's correction is applied across all rows of the difference table (one family).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from .inference import holm_adjust, listener_bootstrap_interval, t_interval
from .responses import scored_answers

MOS_COLUMNS = (
    "scenario", "voice", "role", "attribute", "n_ratings", "n_listeners", "n_stimuli",
    "mos", "sd", "t_ci_low", "t_ci_high", "boot_ci_low", "boot_ci_high", "note",
)  # fmt: skip
DIFFERENCE_COLUMNS = (
    "scenario", "attribute", "agent_voice", "n_listeners", "n_agent_stimuli", "n_human_stimuli",
    "agent_mos", "human_mos", "difference_mos", "ci_low", "ci_high", "p_value", "p_holm",
    "method", "listener_var", "stimulus_var", "residual_var", "note",
)  # fmt: skip
MIXED_MODEL = "mixedlm crossed listener+stimulus (REML, t df=n_stimuli-2)"
PAIRED_T = "listener-mean paired t (fallback)"


def mos_table(
    responses: pd.DataFrame, *, confidence: float = 0.95, n_boot: int = 1000, seed: int = 0
) -> pd.DataFrame:
    """Mean opinion score per scenario x voice x attribute, with t and bootstrap intervals.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated tidy responses (practice and gold rows are ignored).
    confidence : float
        Confidence level of both intervals (0..1).
    n_boot : int
        Bootstrap resamples of listeners.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MOS_COLUMNS`; MOS and interval bounds on the 1..5 scale.
    """
    rng = np.random.default_rng(seed)
    acr = scored_answers(responses, "acr").dropna(subset=["rating"])
    rows = []
    for (scenario, voice, role, attribute), group in acr.groupby(
        ["scenario", "voice", "role", "attribute"], sort=True
    ):
        ratings = group["rating"].to_numpy()
        listeners = group["listener_id"].to_numpy()
        rows.append({
            "scenario": scenario, "voice": voice, "role": role, "attribute": attribute,
            "n_ratings": len(ratings), "n_listeners": group["listener_id"].nunique(),
            "n_stimuli": group["stimulus_id"].nunique(),
            "mos": ratings.mean(), "sd": ratings.std(ddof=1) if len(ratings) > 1 else np.nan,
            **dict(zip(("t_ci_low", "t_ci_high"), t_interval(ratings, confidence=confidence))),
            **dict(zip(("boot_ci_low", "boot_ci_high"), listener_bootstrap_interval(
                ratings, listeners, confidence=confidence, n_boot=n_boot, rng=rng))),
            "note": _spread_note(ratings, listeners),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(MOS_COLUMNS))


def agent_human_differences(responses: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Agent-minus-human ACR difference per scenario x attribute x agent voice.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated tidy responses.
    confidence : float
        Confidence level of the interval (0..1).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DIFFERENCE_COLUMNS`. ``difference_mos`` < 0 means the agent is rated
        lower; ``p_holm`` is Holm-adjusted across all rows; ``method`` says which estimator
        produced the row (mixed model or the flagged fallback) and ``note`` why.
    """
    acr = scored_answers(responses, "acr").dropna(subset=["rating"])
    rows = []
    for (scenario, attribute), block in acr.groupby(["scenario", "attribute"], sort=True):
        humans = block[block["role"] == "human"]
        for agent_voice, agents in block[block["role"] == "agent"].groupby("voice", sort=True):
            if humans.empty:
                continue
            data = pd.concat([agents, humans]).assign(is_agent=lambda d: (d["role"] == "agent").astype(float))
            rows.append({
                "scenario": scenario, "attribute": attribute, "agent_voice": agent_voice,
                "n_listeners": data["listener_id"].nunique(),
                "n_agent_stimuli": agents["stimulus_id"].nunique(),
                "n_human_stimuli": humans["stimulus_id"].nunique(),
                "agent_mos": agents["rating"].mean(), "human_mos": humans["rating"].mean(),
                **_estimate_difference(data, confidence=confidence),
            })  # fmt: skip
    table = pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))
    table["p_holm"] = holm_adjust(table["p_value"])
    return table


def _spread_note(ratings: np.ndarray, listeners: np.ndarray) -> str:
    notes = []
    if len(set(listeners)) < 2:
        notes.append("one listener: no bootstrap interval")
    if len(ratings) < 2:
        notes.append("one rating: no interval")
    elif np.ptp(ratings) == 0:
        notes.append("all ratings identical")
    return "; ".join(notes)


def _estimate_difference(data: pd.DataFrame, *, confidence: float) -> dict:
    """Mixed model when the design supports it, else the flagged listener-mean paired t."""
    raw = {"difference_mos": data.loc[data["is_agent"] == 1, "rating"].mean()
           - data.loc[data["is_agent"] == 0, "rating"].mean()}  # fmt: skip
    unavailable = {"ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "method": "none",
                   "listener_var": np.nan, "stimulus_var": np.nan, "residual_var": np.nan}  # fmt: skip
    if data["listener_id"].nunique() < 2:
        return {**unavailable, **raw, "note": "one listener: no interval or test"}
    if np.ptp(data["rating"].to_numpy()) == 0:
        return {**unavailable, **raw, "note": "all ratings identical: no variance, no test"}
    per_role = data.groupby("is_agent")["stimulus_id"].nunique()
    if per_role.min() < 2:
        return {**_paired_listener_t(data, confidence=confidence),
                "note": "one stimulus per voice: voice confounded with its recording; "
                        "interval covers listeners only"}  # fmt: skip
    fitted = _mixed_model(data, confidence=confidence)
    if fitted is None:
        return {**_paired_listener_t(data, confidence=confidence),
                "note": "mixed model did not converge"}  # fmt: skip
    return fitted


def _mixed_model(data: pd.DataFrame, *, confidence: float) -> dict | None:
    """REML fit of the crossed random-intercept model; None if it does not converge."""
    model = smf.mixedlm(
        "rating ~ is_agent",
        data,
        groups=np.ones(len(data)),
        re_formula="0",
        vc_formula={"listener": "0 + C(listener_id)", "stimulus": "0 + C(stimulus_id)"},
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            result = model.fit(reml=True, method=["powell", "lbfgs"])
        except (np.linalg.LinAlgError, ValueError):
            return None
    estimate, se = float(result.params["is_agent"]), float(result.bse["is_agent"])
    if not result.converged or not np.isfinite(se) or se <= 0:
        return None
    hessian_warning = any("not positive definite" in str(w.message) for w in caught)
    df = data["stimulus_id"].nunique() - 2
    half_width = stats.t.ppf(0.5 + confidence / 2, df) * se
    variances = dict(zip(model.exog_vc.names, result.vcomp))
    notes = [f"{name} variance estimated at 0" for name, value in variances.items() if value < 1e-6]
    if hessian_warning:
        notes.append("Hessian not positive definite: variance components uncertain")
    return {
        "difference_mos": estimate,
        "ci_low": estimate - half_width,
        "ci_high": estimate + half_width,
        "p_value": float(2 * stats.t.sf(abs(estimate / se), df)),
        "method": MIXED_MODEL,
        "listener_var": variances["listener"],
        "stimulus_var": variances["stimulus"],
        "residual_var": float(result.scale),
        "note": "; ".join(notes),
    }


def _paired_listener_t(data: pd.DataFrame, *, confidence: float) -> dict:
    """One-sample t over listeners of (mean agent rating - mean human rating)."""
    means = data.pivot_table(index="listener_id", columns="is_agent", values="rating", aggfunc="mean")
    differences = (means[1.0] - means[0.0]).dropna().to_numpy()
    result = {"difference_mos": float(differences.mean()) if differences.size else np.nan,
              "method": PAIRED_T, "listener_var": np.nan, "stimulus_var": np.nan,
              "residual_var": np.nan}  # fmt: skip
    if differences.size < 2 or np.ptp(differences) == 0:
        return {**result, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    test = stats.ttest_1samp(differences, 0.0)
    low, high = test.confidence_interval(confidence)
    return {**result, "ci_low": float(low), "ci_high": float(high), "p_value": float(test.pvalue)}
