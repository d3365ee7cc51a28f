"""Planning: how many listeners to detect an agent-minus-human MOS difference, by simulation.

Panels are simulated from the variance components the ACR mixed model estimated (listener,
stimulus and residual variance, MOS^2) for the study's own fully crossed design: every listener
rates each of ``n_agent_stimuli`` agent and ``n_human_stimuli`` human recordings once (e.g. 4
versus 8 when one agent voice meets two human voices on four lines). Each simulated panel is analysed
by a two-sample t test on the stimulus means (mean over listeners), which in a balanced crossed
design is the same contrast and the same ``n_stimuli - 2`` degrees of freedom as the mixed
model in :mod:`persona.stats.acr`, but vectorised: a stimulus mean is ``w + e_bar`` with
``w ~ N(0, stimulus_var)`` and ``e_bar ~ N(0, residual_var / n_listeners)`` (the listener
intercepts are shared by all stimuli and cancel). A few hundred simulations per panel size take
milliseconds.

Because stimulus variance does not shrink with more listeners, power levels off: past a point
only more recordings help, and the summary then says so instead of giving a listener count.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ParameterError

CANDIDATE_LISTENERS = (4, 6, 8, 10, 12, 16, 20, 24, 30, 40, 50, 60, 80, 100, 130, 160, 200, 250, 300)
_MORE_STIMULI = (4, 6, 8, 12, 16, 24, 32, 48, 64)
EQUIVALENCE_LISTENERS = tuple(range(2, 41)) + (50, 60, 80, 100, 130, 160, 200, 250, 300)
SAMPLE_SIZE_COLUMNS = (
    "difference_mos", "target_power", "alpha", "n_agent_stimuli", "n_human_stimuli", "n_listeners_needed",
    "power_at_max_listeners", "stimulus_var", "residual_var", "n_sims", "sentence",
)  # fmt: skip


def power_curve(
    *,
    difference_mos: float,
    stimulus_var: float,
    residual_var: float,
    n_agent_stimuli: int,
    n_human_stimuli: int,
    alpha: float = 0.05,
    n_sims: int = 400,
    candidate_listeners: tuple[int, ...] = CANDIDATE_LISTENERS,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulated power of the agent-versus-human test for each panel size.

    Parameters
    ----------
    difference_mos : float
        True agent-minus-human difference to detect, in MOS points.
    stimulus_var, residual_var : float
        Variance components of the ratings, in MOS^2 (from the ACR mixed model).
    n_agent_stimuli, n_human_stimuli : int
        Agent and human recordings in the design, >= 2 each.
    alpha : float
        Two-sided significance level.
    n_sims : int
        Simulated panels per panel size.
    candidate_listeners : tuple of int
        Panel sizes to evaluate.
    seed : int
        Seed of the simulation.

    Returns
    -------
    pandas.DataFrame
        Columns ``n_listeners, power`` (0..1), one row per candidate panel size.
    """
    if min(n_agent_stimuli, n_human_stimuli) < 2:
        raise ParameterError(f"n_agent_stimuli and n_human_stimuli must be >= 2, got {n_agent_stimuli}, {n_human_stimuli}")
    if min(stimulus_var, residual_var) < 0 or not np.isfinite([stimulus_var, residual_var]).all():
        raise ParameterError(f"variances must be finite and >= 0, got {stimulus_var}, {residual_var}")
    rng = np.random.default_rng(seed)
    sd = np.sqrt(stimulus_var)
    agent_effects, human_effects = (rng.normal(0.0, sd, size=(n_sims, n)) for n in (n_agent_stimuli, n_human_stimuli))
    agent_noise, human_noise = (rng.normal(0.0, 1.0, size=(n_sims, n)) for n in (n_agent_stimuli, n_human_stimuli))
    powers = []
    for n_listeners in candidate_listeners:
        scale = np.sqrt(residual_var / n_listeners)  # residual noise of a stimulus mean
        agent = agent_effects + agent_noise * scale + difference_mos
        human = human_effects + human_noise * scale
        p_values = stats.ttest_ind(agent, human, axis=1).pvalue
        powers.append(float(np.mean(p_values < alpha)))
    return pd.DataFrame({"n_listeners": list(candidate_listeners), "power": powers})


def sample_size(
    *,
    difference_mos: float,
    stimulus_var: float,
    residual_var: float,
    n_agent_stimuli: int,
    n_human_stimuli: int,
    target_power: float = 0.8,
    alpha: float = 0.05,
    n_sims: int = 400,
    seed: int = 0,
) -> pd.DataFrame:
    """Smallest simulated panel size reaching ``target_power`` (one-row table with a sentence).

    When even the largest candidate panel falls short, the sentence names how many recordings
    (agent and human scaled together, keeping the design's ratio) would reach it.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SAMPLE_SIZE_COLUMNS`; ``n_listeners_needed`` is NaN when even the
        largest candidate panel falls short (then more recordings are needed).
    """
    def listeners_for(n_agent: int, n_human: int) -> tuple[float, pd.DataFrame]:
        curve = power_curve(
            difference_mos=difference_mos, stimulus_var=stimulus_var, residual_var=residual_var,
            n_agent_stimuli=n_agent, n_human_stimuli=n_human, alpha=alpha, n_sims=n_sims, seed=seed,
        )  # fmt: skip
        reached = curve.loc[curve["power"] >= target_power, "n_listeners"]
        return (int(reached.iloc[0]) if len(reached) else np.nan), curve

    def design(n_agent: int, n_human: int) -> str:
        return f"{n_agent} agent and {n_human} human recordings"

    needed, curve = listeners_for(n_agent_stimuli, n_human_stimuli)
    goal = f"To detect a {abs(difference_mos):g} MOS difference with {target_power:.0%} power"
    if np.isfinite(needed):
        sentence = f"{goal} you need about {needed} listeners ({design(n_agent_stimuli, n_human_stimuli)})."
    else:
        sentence = (f"{goal}, {design(n_agent_stimuli, n_human_stimuli)} are not enough even with "
                    f"{curve['n_listeners'].max()} listeners (power {curve['power'].iloc[-1]:.0%})")  # fmt: skip
        ratio = n_human_stimuli / n_agent_stimuli
        for more_agent in (m for m in _MORE_STIMULI if m > n_agent_stimuli):
            more_human = max(2, int(round(more_agent * ratio)))
            more_needed, _ = listeners_for(more_agent, more_human)
            if np.isfinite(more_needed):
                sentence += f"; with {design(more_agent, more_human)} about {more_needed} listeners"
                break
        sentence += "."
    return pd.DataFrame([{
        "difference_mos": difference_mos, "target_power": target_power, "alpha": alpha,
        "n_agent_stimuli": n_agent_stimuli, "n_human_stimuli": n_human_stimuli, "n_listeners_needed": needed,
        "power_at_max_listeners": curve["power"].iloc[-1], "stimulus_var": stimulus_var,
        "residual_var": residual_var, "n_sims": n_sims, "sentence": sentence,
    }])  # fmt: skip


@functools.lru_cache(maxsize=256)
def equivalence_listeners(
    *,
    listener_sd: float,
    margin: float,
    alpha: float = 0.05,
    target_power: float = 0.8,
    n_sims: int = 4000,
    seed: int = 0,
) -> float:
    """Fewest listeners for which a listener-level TOST shows equivalence when there is no effect.

    Each listener contributes one score (e.g. balanced accuracy) with between-listener SD
    ``listener_sd``; the TOST is two one-sided t tests (n - 1 df) of the mean against
    ``+/- margin`` at ``alpha``. Its power at a true difference of 0 is simulated from the
    sampling distributions of the mean (normal) and SD (scaled chi) for each candidate size.

    Returns
    -------
    float
        The smallest panel size in :data:`EQUIVALENCE_LISTENERS` reaching ``target_power``
        (NaN if none does, or ``listener_sd`` is not finite).
    """
    if not np.isfinite(listener_sd) or listener_sd < 0 or margin <= 0:
        return np.nan
    rng = np.random.default_rng(seed)
    sizes = np.array(EQUIVALENCE_LISTENERS)[:, None]
    mean = rng.standard_normal((len(sizes), n_sims)) * listener_sd / np.sqrt(sizes)
    sd = listener_sd * np.sqrt(rng.chisquare(sizes - 1, (len(sizes), n_sims)) / (sizes - 1))
    critical = stats.t.ppf(1 - alpha, sizes - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        power = np.mean((margin - np.abs(mean)) / (sd / np.sqrt(sizes)) > critical, axis=1)
    reached = np.flatnonzero(power >= target_power)
    return float(EQUIVALENCE_LISTENERS[reached[0]]) if reached.size else np.nan
