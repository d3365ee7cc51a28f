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

    rating ~ is_agent + (1 | listener) + (1 | stimulus) + (1 | human voice)

with *crossed* random intercepts, written as variance components over a single group; the
human-voice component (one random intercept per human speaker, none for the agent: its voice
*is* the effect) makes the human agents a population of speakers, so the interval speaks for
human agents in general. That needs at least :data:`MIN_HUMAN_VOICES_POPULATION` (4) human
voices: the voice variance is estimated from ``n_human_voices - 1`` df, REML puts it at 0 in
many two-voice panels, and ``bench/stats_calibration.py`` measured a type-I rate of 0.10 with
two voices that really differ (0.04 with four). With 1 to 3 human voices the report does not
generalise: each human voice gets a fixed mean (``rating ~ 0 + is_agent + human voice``, listener
and stimulus random) and the difference is the agent minus **these** voices' average, said so in
``scope`` and ``note``. The interval and p-value use a t distribution whose degrees of freedom
come from a Satterthwaite approximation over the two between-stimulus strata: stimuli within
voice (``n_stimuli - 1 - n_human_voices`` df) and, in the population model, human voices
(``n_human_voices - 1`` df), weighted by their estimated variance in the contrast (the normal
approximation statsmodels prints is too optimistic with a handful of recordings).

Fallback (named in ``method`` and ``note``): when the model cannot be fitted, the
**stimulus-level Welch t**: ratings are centred per listener (listener offsets removed),
averaged per stimulus, and the agent's stimulus means are compared with the human units, which
are the human voices' means (at least 4 human voices) or the human stimulus means (fewer: the
difference then speaks for these voices only). It accounts for stimulus (and voice) variability, as a by-item analysis does.

Multiplicity: Holm's correction runs across all rows of the difference table (one family);
``ci_low_simultaneous``/``ci_high_simultaneous`` are Bonferroni intervals over the same family,
so an interval that excludes 0 always sits beside a Holm p below alpha.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.regression.mixed_linear_model import MixedLM, VCSpec
from scipy import stats
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from .inference import holm_adjust, listener_bootstrap_interval, simultaneous_confidence, t_interval
from .responses import scored_answers

MOS_COLUMNS = (
    "scenario", "voice", "role", "attribute", "n_ratings", "n_listeners", "n_stimuli",
    "mos", "sd", "t_ci_low", "t_ci_high", "boot_ci_low", "boot_ci_high", "note",
)  # fmt: skip
DIFFERENCE_COLUMNS = (
    "scenario", "attribute", "agent_voice", "n_listeners", "n_agent_stimuli", "n_human_stimuli",
    "n_human_voices", "agent_mos", "human_mos", "difference_mos", "se", "df", "ci_low", "ci_high",
    "ci_low_simultaneous", "ci_high_simultaneous", "p_value", "p_holm", "method", "listener_var",
    "stimulus_var", "voice_var", "residual_var", "scope", "note",
)  # fmt: skip
MIXED_MODEL = "mixedlm crossed listener+stimulus+human voice (REML, Satterthwaite t)"
FIXED_VOICES_MODEL = "mixedlm crossed listener+stimulus, human voices fixed (REML, Satterthwaite t)"
MIXED_MODELS = (MIXED_MODEL, FIXED_VOICES_MODEL)
STIMULUS_T = "stimulus-level Welch t on listener-centred means (fallback)"
MIN_HUMAN_VOICES_POPULATION = 4
"""Human voices a difference needs to speak for human agents in general (see the module docstring)."""
POPULATION = "human agents in general"
THESE_VOICES = "these human voices only"


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
        lower; ``p_holm`` is Holm-adjusted across all rows and the ``*_simultaneous`` interval
        Bonferroni-adjusted over them; ``method`` says which estimator produced the row (mixed
        model or the named fallback) and ``note`` why.
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
                "n_human_stimuli": humans["stimulus_id"].nunique(), "n_human_voices": humans["voice"].nunique(),
                "agent_mos": agents["rating"].mean(), "human_mos": humans["rating"].mean(),
                **_estimate_difference(data, confidence=confidence),
            })  # fmt: skip
    table = pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))
    table["p_holm"] = holm_adjust(table["p_value"])
    half = stats.t.ppf(0.5 + simultaneous_confidence(confidence, len(table)) / 2, table["df"]) * table["se"]
    table["ci_low_simultaneous"] = table["difference_mos"] - half
    table["ci_high_simultaneous"] = table["difference_mos"] + half
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
    """Mixed model when it can be fitted, else the named stimulus-level fallback."""
    raw = {"difference_mos": data.loc[data["is_agent"] == 1, "rating"].mean()
           - data.loc[data["is_agent"] == 0, "rating"].mean()}  # fmt: skip
    unavailable = {"se": np.nan, "df": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                   "method": "none", "listener_var": np.nan, "stimulus_var": np.nan, "voice_var": np.nan,
                   "residual_var": np.nan, "scope": ""}  # fmt: skip
    if data["listener_id"].nunique() < 2:
        return {**unavailable, **raw, "note": "one listener: no interval or test"}
    if np.ptp(data["rating"].to_numpy()) == 0:
        return {**unavailable, **raw, "note": "all ratings identical: no variance, no test"}
    if data.groupby("is_agent")["stimulus_id"].nunique().min() < 2:
        return {**unavailable, **stimulus_level_t(data, confidence=confidence),
                "note": "one stimulus for a side: voice confounded with its recording"}  # fmt: skip
    fitted = _mixed_model(data, confidence=confidence)
    if fitted is None:
        return {**unavailable, **stimulus_level_t(data, confidence=confidence),
                "note": "mixed model could not be fitted (did not converge or singular)"}  # fmt: skip
    return fitted


def _mixed_model(data: pd.DataFrame, *, confidence: float) -> dict | None:
    """REML fit of the crossed random-intercept model; None if it cannot be fitted.

    Fixed part: the agent's mean and one mean per human group, the difference being the
    agent's minus the groups' average (contrast ``[1, -1/G, ..., -1/G]``). The groups are the
    human voices when there are fewer than :data:`MIN_HUMAN_VOICES_POPULATION` (fixed voices),
    else all human clips together, the voices being a random component. The variance-component
    design (one indicator column per listener, stimulus and human voice, all in a single group)
    is built directly, which is what ``vc_formula={"listener": "0 + C(listener_id)", ...}``
    would build, without its cost.
    """
    human = data["is_agent"].to_numpy() == 0
    human_voices = sorted(data.loc[human, "voice"].unique())
    population = len(human_voices) >= MIN_HUMAN_VOICES_POPULATION
    components = {"listener": _indicators(data["listener_id"]), "stimulus": _indicators(data["stimulus_id"])}
    if population:
        components["voice"] = _indicators(data["voice"].where(human)).to_numpy()
    names = list(components)
    spec = VCSpec(names, [[list(range(np.shape(components[n])[1]))] for n in names],
                  [[np.asarray(components[n], dtype=float)] for n in names])  # fmt: skip
    groups = _indicators(data["voice"].where(human) if not population else pd.Series(np.where(human, "human", None)))
    exog = np.column_stack([data["is_agent"].to_numpy(float), groups.to_numpy()])
    contrast = np.r_[1.0, np.full(groups.shape[1], -1.0 / groups.shape[1])]
    model = MixedLM(data["rating"].to_numpy(float), exog, groups=np.ones(len(data)), exog_re=np.zeros((len(data), 0)),
                    exog_vc=spec)  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        result = _reml_fit(model)
    if result is None:
        return None
    k = exog.shape[1]
    estimate = float(contrast @ np.asarray(result.fe_params))
    se = float(np.sqrt(contrast @ np.asarray(result.cov_params())[:k, :k] @ contrast))
    if not np.isfinite(se) or se <= 0:
        return None
    variances = dict(zip(names, result.vcomp))
    df = _satterthwaite_df(data, variances, residual_var=float(result.scale), n_human_voices=len(human_voices))
    notes = [f"{name} variance estimated at 0" for name, value in variances.items() if value < 1e-6]
    if any("not positive definite" in str(w.message) for w in caught):
        notes.append("Hessian not positive definite: variance components uncertain")
    if not population:
        notes.append(f"{len(human_voices)} human voice(s), fewer than {MIN_HUMAN_VOICES_POPULATION}: the difference speaks "
                     "for these human voices only, not for human agents in general")  # fmt: skip
    return {
        "difference_mos": estimate, "se": se, "df": df, **_t_result(estimate, se, df, confidence=confidence),
        "method": MIXED_MODEL if population else FIXED_VOICES_MODEL, "listener_var": variances["listener"],
        "stimulus_var": variances["stimulus"], "voice_var": variances.get("voice", np.nan),
        "residual_var": float(result.scale), "scope": POPULATION if population else THESE_VOICES, "note": "; ".join(notes),
    }  # fmt: skip


def _reml_fit(model: MixedLM):
    """The REML fit with the highest restricted likelihood of Powell's and L-BFGS's (None if neither fits).

    L-BFGS alone stops short of the REML optimum in some panels (measured: 2 of 12 calibration
    panels, restricted log-likelihood 0.4-0.8 below Powell's), which misstates the variance
    components and so the interval.
    """
    fits = []
    for method in ("powell", "lbfgs"):
        try:
            fitted = model.fit(reml=True, method=method)
        except (np.linalg.LinAlgError, ValueError):
            continue
        if fitted.converged and np.isfinite(fitted.llf):
            fits.append(fitted)
    return max(fits, key=lambda f: f.llf) if fits else None


def _indicators(labels: pd.Series) -> pd.DataFrame:
    """One 0/1 column per label (missing labels: all zeros)."""
    return pd.get_dummies(labels, dtype=float)


def _satterthwaite_df(data: pd.DataFrame, variances: dict, *, residual_var: float, n_human_voices: int) -> float:
    """Satterthwaite df of the agent-human contrast from its stimulus and human-voice strata.

    Stimulus stratum: (stimulus var + residual var / listeners per stimulus) x (1/n_agent +
    1/n_human), with n_stimuli - 1 - n_human_voices df; voice stratum: voice var / n_human_voices,
    with n_human_voices - 1 df.
    """
    per_side = data.groupby("is_agent")["stimulus_id"].nunique()
    listeners_per_stimulus = data.groupby("stimulus_id")["listener_id"].nunique().mean()
    stimulus_part = (variances["stimulus"] + residual_var / listeners_per_stimulus) * (1 / per_side[1.0] + 1 / per_side[0.0])
    df_stimulus = max(per_side.sum() - 1 - max(n_human_voices, 1), 1)
    voice_part = variances.get("voice", 0.0) / max(n_human_voices, 1)
    if voice_part <= 0:
        return float(df_stimulus)
    return float((stimulus_part + voice_part) ** 2 / (stimulus_part**2 / df_stimulus + voice_part**2 / (n_human_voices - 1)))


def _t_result(estimate: float, se: float, df: float, *, confidence: float) -> dict:
    half = stats.t.ppf(0.5 + confidence / 2, df) * se
    return {"ci_low": estimate - half, "ci_high": estimate + half, "p_value": float(2 * stats.t.sf(abs(estimate / se), df))}


def stimulus_level_t(data: pd.DataFrame, *, confidence: float) -> dict:
    """Welch t of agent stimulus means against human units: voice means, or stimulus means with few voices.

    With at least :data:`MIN_HUMAN_VOICES_POPULATION` human voices the units are the voices, so
    the difference speaks for human agents in general (``scope``); with fewer, the units are the
    human stimuli and it speaks for these voices only, as the mixed model does.

    Ratings are centred per listener first (each listener's mean over ``data`` subtracted, the
    grand mean added back), so listeners who rated different subsets do not bias the means.
    """
    centred = data["rating"] - data.groupby("listener_id")["rating"].transform("mean") + data["rating"].mean()
    means = data.assign(centred=centred).groupby(["is_agent", "voice", "stimulus_id"])["centred"].mean()
    agent = means.loc[1.0].to_numpy()
    humans = means.loc[0.0]
    by_voice = humans.groupby(level="voice").mean()
    population = len(by_voice) >= MIN_HUMAN_VOICES_POPULATION
    human = by_voice.to_numpy() if population else humans.to_numpy()
    result = {"difference_mos": float(agent.mean() - human.mean()), "method": STIMULUS_T,
              "scope": POPULATION if population else THESE_VOICES}  # fmt: skip
    if len(agent) + len(human) < 3 or (np.ptp(agent) == 0 and np.ptp(human) == 0):
        return {**result, "se": np.nan, "df": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    if min(len(agent), len(human)) < 2:  # one unit on a side: pooled variance from the other side
        pooled = float(np.var(agent if len(agent) > 1 else human, ddof=1))
        se, df = np.sqrt(pooled * (1 / len(agent) + 1 / len(human))), float(len(agent) + len(human) - 2)
    else:
        var_a, var_h = np.var(agent, ddof=1) / len(agent), np.var(human, ddof=1) / len(human)
        se = float(np.sqrt(var_a + var_h))
        df = float((var_a + var_h) ** 2 / (var_a**2 / (len(agent) - 1) + var_h**2 / (len(human) - 1)))
    if not se > 0:
        return {**result, "se": np.nan, "df": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    return {**result, "se": float(se), "df": df, **_t_result(result["difference_mos"], se, df, confidence=confidence)}
