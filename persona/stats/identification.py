"""Human-or-AI identification: can listeners tell the agent from the human agents?

Per scenario and agent voice, the agent's clips are the signal and the human clips of the
same scenario the noise; "ai" is the detection response. **Listeners are the unit**: every
listener gets their own hit rate H (agent clips called AI) and false-alarm rate F (human clips
called AI), and the panel is summarised over listeners, never over pooled answers (which
would count a listener's 12 answers as 12 independent people, and would read a listener who
says "human" to everything as 67 % correct when 8 of 12 clips are human).

* ``balanced_accuracy`` = mean over listeners of (H + 1 - F) / 2: 0.5 for guessing *and* for
  any pure response bias, whatever the agent/human trial ratio. Its interval is a Student-t
  interval over listeners; the test against chance is a one-sided t test (H1: > 0.5) over
  listeners (an exact sign test over listeners when they all score the same).
* ``d_prime`` = mean over listeners of z(H') - z(F') and ``criterion_c`` = mean of
  -(z(H') + z(F')) / 2 (c > 0: leaning towards "human"). H' and F' carry the log-linear
  correction (Hautus 1995), (count + 0.5) / (trials + 1), applied on a *common* trial count
  n = min(agent trials, human trials) of that listener, H' = (H n + 0.5) / (n + 1): with
  unequal counts the textbook correction would give a listener who always answers "human"
  d' = 0.31 (4 agent, 8 human clips); on a common count a pure bias reads d' = 0 exactly.
* ``ai_rate``: share of the agent's clips called AI ("71 % spotted it"), with a percentile
  interval from resampling whole listeners.
* Holm's correction runs across all rows (scenario x agent voice) of the table; the
  reported ``ba_ci_low``/``ba_ci_high`` are Bonferroni-simultaneous over the same family
  (level 1 - alpha/m), so an interval never excludes chance beside a Holm p that does not reject.
* **Indistinguishable** is claimed only from an equivalence test (two one-sided t tests over
  listeners, TOST) that balanced accuracy lies within ``0.5 +/- equivalence_margin``, Holm
  adjusted, and only with at least ``min_listeners_equivalence`` listeners: the panel size
  at which the TOST has ``power_target`` power when listeners truly guess, planned by
  :func:`persona.stats.power.equivalence_listeners` from this study's trial counts and the
  observed spread between listeners. Otherwise a non-significant test is "inconclusive".

Scope: the clips are treated as fixed (the statement is about these recordings); listener
heterogeneity is fully accounted for.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .inference import exact_binomial_p, holm_adjust, listener_bootstrap_interval, simultaneous_confidence, t_interval
from .power import equivalence_listeners
from .responses import scored_answers

IDENTIFICATION_COLUMNS = (
    "scenario", "agent_voice", "n_listeners", "n_agent_trials", "n_called_ai", "ai_rate",
    "ai_rate_ci_low", "ai_rate_ci_high", "n_human_trials", "n_false_alarms", "false_alarm_rate",
    "balanced_accuracy", "ba_ci_low", "ba_ci_high", "p_vs_chance", "p_holm", "d_prime",
    "d_prime_ci_low", "d_prime_ci_high", "criterion_c", "equivalence_margin", "p_equivalence",
    "p_equivalence_holm", "min_listeners_equivalence", "mean_confidence", "verdict", "note",
)  # fmt: skip
CHANCE = 0.5
DETECTED = "detected as AI above chance"
INDISTINGUISHABLE = "indistinguishable from human (equivalence)"
INCONCLUSIVE = "inconclusive"


def listener_rates(block: pd.DataFrame, agent_voice: str) -> pd.DataFrame:
    """Per listener: hits, agent trials, false alarms, human trials, balanced accuracy, d', c.

    ``block`` holds one scenario's identification answers; only listeners who heard both the
    agent voice and at least one human clip are kept.
    """
    said_ai = block["choice"] == "ai"
    agent = block["voice"].eq(agent_voice) & block["role"].eq("agent")
    human = block["role"].eq("human")
    counts = pd.DataFrame({
        "listener_id": block["listener_id"], "hits": said_ai & agent, "n_signal": agent,
        "false_alarms": said_ai & human, "n_noise": human,
    }).groupby("listener_id").sum().astype(int)  # fmt: skip
    counts = counts[(counts["n_signal"] > 0) & (counts["n_noise"] > 0)]
    hit_rate, fa_rate = counts["hits"] / counts["n_signal"], counts["false_alarms"] / counts["n_noise"]
    d_prime, criterion = signal_detection_rates(hit_rate, fa_rate, np.minimum(counts["n_signal"], counts["n_noise"]))
    return counts.assign(balanced_accuracy=(hit_rate + 1 - fa_rate) / 2, d_prime=d_prime, criterion_c=criterion)


def signal_detection_rates(hit_rate, false_alarm_rate, n_trials) -> tuple[np.ndarray, np.ndarray]:
    """d' and c from rates, log-linear corrected on a common trial count ``n_trials``.

    Examples
    --------
    >>> [round(float(x), 3) for x in signal_detection_rates(0.75, 0.25, 20)]
    [1.275, 0.0]
    """
    n = np.asarray(n_trials, dtype=float)
    z_hit = stats.norm.ppf((np.asarray(hit_rate) * n + 0.5) / (n + 1))
    z_false_alarm = stats.norm.ppf((np.asarray(false_alarm_rate) * n + 0.5) / (n + 1))
    return z_hit - z_false_alarm, -(z_hit + z_false_alarm) / 2


def signal_detection(hits: int, n_signal: int, false_alarms: int, n_noise: int) -> tuple[float, float]:
    """d' and c of one listener from counts (NaN without signal or noise trials)."""
    if n_signal == 0 or n_noise == 0:
        return (np.nan, np.nan)
    d_prime, criterion = signal_detection_rates(hits / n_signal, false_alarms / n_noise, min(n_signal, n_noise))
    return (float(d_prime), float(criterion))


def identification_table(
    responses: pd.DataFrame,
    *,
    confidence: float = 0.95,
    equivalence_margin: float = 0.1,
    alpha: float = 0.05,
    power_target: float = 0.8,
    n_boot: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """Identification per scenario x agent voice, listeners as the unit (see module docstring).

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated tidy responses.
    confidence : float
        Confidence level of the intervals (0..1); the balanced-accuracy interval is widened
        to be simultaneous over the table's rows.
    equivalence_margin : float
        Half-width of the equivalence region of balanced accuracy around 0.5 (0..0.5).
    alpha : float
        Family-wise significance level of the tests against chance and of the equivalence tests.
    power_target : float
        Power the equivalence test must have for the minimum panel size.
    n_boot, seed : int
        Listener resamples and seed of the ``ai_rate`` interval.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`IDENTIFICATION_COLUMNS`; rates and accuracies are proportions (0..1);
        ``verdict`` is one of :data:`DETECTED`, :data:`INDISTINGUISHABLE`, :data:`INCONCLUSIVE`.
    """
    answers = scored_answers(responses, "identify").dropna(subset=["choice"])
    rng = np.random.default_rng(seed)
    cells = [(scenario, block, voice) for scenario, block in answers.groupby("scenario", sort=True)
             for voice in sorted(block.loc[block["role"] == "agent", "voice"].unique())]  # fmt: skip
    level = simultaneous_confidence(confidence, len(cells))
    rows = [{"scenario": scenario, "agent_voice": voice, **_row(
        block, voice, confidence=confidence, simultaneous=level, margin=equivalence_margin, alpha=alpha,
        power_target=power_target, n_boot=n_boot, rng=rng)} for scenario, block, voice in cells]  # fmt: skip
    table = pd.DataFrame(rows, columns=list(IDENTIFICATION_COLUMNS))
    table["p_holm"] = holm_adjust(table["p_vs_chance"])
    table["p_equivalence_holm"] = holm_adjust(table["p_equivalence"])
    table["verdict"] = [_verdict(r, alpha=alpha) for r in table.itertuples()]
    return table


def _row(block: pd.DataFrame, agent_voice: str, *, confidence: float, simultaneous: float, margin: float,
         alpha: float, power_target: float, n_boot: int, rng: np.random.Generator) -> dict:  # fmt: skip
    """Counts, rates, tests and d' of one agent voice in one scenario's answers."""
    listeners = listener_rates(block, agent_voice)
    agents = block[(block["voice"] == agent_voice) & (block["role"] == "agent")]
    humans = block[block["role"] == "human"]
    hits, false_alarms = int((agents["choice"] == "ai").sum()), int((humans["choice"] == "ai").sum())
    accuracy = listeners["balanced_accuracy"].to_numpy()
    d_ci = t_interval(listeners["d_prime"].to_numpy(), confidence=confidence)
    minimum = equivalence_listeners(
        listener_sd=round(_planning_sd(listeners), 3), margin=margin, alpha=alpha, target_power=power_target)
    p_chance, p_equivalent, note = _tests(accuracy, margin=margin, minimum=minimum)
    return {
        "n_listeners": len(listeners), "n_agent_trials": len(agents), "n_called_ai": hits,
        "ai_rate": hits / len(agents),
        **dict(zip(("ai_rate_ci_low", "ai_rate_ci_high"), listener_bootstrap_interval(
            (agents["choice"] == "ai").to_numpy(float), agents["listener_id"].to_numpy(),
            confidence=confidence, n_boot=n_boot, rng=rng))),
        "n_human_trials": len(humans), "n_false_alarms": false_alarms,
        "false_alarm_rate": false_alarms / len(humans) if len(humans) else np.nan,
        "balanced_accuracy": accuracy.mean() if accuracy.size else np.nan,
        **dict(zip(("ba_ci_low", "ba_ci_high"), t_interval(accuracy, confidence=simultaneous))),
        "p_vs_chance": p_chance, "d_prime": listeners["d_prime"].mean() if accuracy.size else np.nan,
        "d_prime_ci_low": d_ci[0], "d_prime_ci_high": d_ci[1],
        "criterion_c": listeners["criterion_c"].mean() if accuracy.size else np.nan,
        "equivalence_margin": margin, "p_equivalence": p_equivalent, "min_listeners_equivalence": minimum,
        "mean_confidence": agents["confidence"].mean(), "note": note,
    }  # fmt: skip


def _planning_sd(listeners: pd.DataFrame) -> float:
    """SD of listener balanced accuracy to plan with: the observed SD, at least the binomial SD at chance.

    At chance a listener's balanced accuracy has variance (1/(4 n_agent) + 1/(4 n_human)) / 4.
    """
    if listeners.empty:
        return np.nan
    binomial = float(np.sqrt(np.mean(0.25 / listeners["n_signal"] + 0.25 / listeners["n_noise"]) / 4))
    observed = float(listeners["balanced_accuracy"].std(ddof=1)) if len(listeners) > 1 else 0.0
    return max(binomial, observed)


def _tests(accuracy: np.ndarray, *, margin: float, minimum: float) -> tuple[float, float, str]:
    """One-sided t over listeners against chance, and the TOST (only with enough listeners)."""
    n = accuracy.size
    if n < 2:
        return np.nan, np.nan, f"{n} listener(s): no test (listeners are the unit)"
    if np.ptp(accuracy) == 0:  # no spread for a t test: exact sign test over listeners
        above = int((accuracy > CHANCE).sum())
        p_sign = exact_binomial_p(above, above + int((accuracy < CHANCE).sum()), alternative="greater")
        return (1.0 if np.isnan(p_sign) else p_sign), np.nan, "every listener has the same balanced accuracy: sign test"
    p_chance = float(stats.ttest_1samp(accuracy, CHANCE, alternative="greater").pvalue)
    if not n >= minimum:
        return p_chance, np.nan, f"{n} listeners: equivalence needs at least {minimum:g}"
    p_equivalent = max(
        float(stats.ttest_1samp(accuracy, CHANCE - margin, alternative="greater").pvalue),
        float(stats.ttest_1samp(accuracy, CHANCE + margin, alternative="less").pvalue),
    )
    return p_chance, p_equivalent, ""


def _verdict(row, *, alpha: float) -> str:
    if row.p_holm < alpha:
        return DETECTED
    if row.p_equivalence_holm < alpha:
        return INDISTINGUISHABLE
    return INCONCLUSIVE
