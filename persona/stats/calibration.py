"""Calibration of the reported listening-test inference on panels that do not follow the model.

:func:`calibration_panel` draws one panel (vectorised, milliseconds) in the tidy responses
schema from a :class:`Misspecified` design that can break the analysis' assumptions: a
human-voice random effect, careless listeners (uniform answers), listeners who give one rating
throughout, answers missing at random, unbalanced designs (more human than agent recordings,
voices on different numbers of lines), listener response bias and heterogeneous sensitivity in
identification, and listener offsets and stimulus effects in MUSHRA.
:func:`run_panel` analyses one panel exactly as ``persona analyze`` does (screening, then the
ACR mixed model, identification and MUSHRA differences) and returns, per reported test, whether
it rejected and whether its 95 % interval covered the truth. ``bench/stats_calibration.py``
runs hundreds of panels per design and prints the table quoted in the README.

Truths (what an unbiased analysis should recover)
-------------------------------------------------
* ACR: the latent agent-minus-human difference carried to the rounded, clipped 1..5 scale
  (:func:`persona.stats.simulate.expected_acr_mos`) over attentive listeners and lines: with
  at least :data:`persona.stats.acr.MIN_HUMAN_VOICES_POPULATION` human voices over the
  population of human voices (total SD including the voice effect), with fewer over **these**
  voices, the average of the expected ratings of the realised human voices (the report's scope).
* Identification: the population balanced accuracy, E[(Phi(d'/2 - c) + Phi(d'/2 + c)) / 2]
  over the listeners' d' and c (0.5 whenever d' = 0, whatever the bias).
* MUSHRA: the planted agent-minus-human mean plus the mean of the realised agent-stimulus
  effects minus that of the human ones (the analysis speaks for these recordings).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import special, stats

from . import acr, identification, mushra, preference, screening
from .responses import ACR_SCALE, RESPONSE_COLUMNS, validate_responses
from .simulate import expected_acr_mos

_GOLD_TARGET = 2.0  # the gold clip asks for "Poor"


@dataclasses.dataclass(frozen=True)
class Misspecified:
    """A listening-test design and the ways its panels depart from the analysis model.

    Attributes
    ----------
    n_listeners, n_agent_lines, n_human_voices, n_human_lines : int
        Panel size; one agent voice on ``n_agent_lines`` lines; each human voice on
        ``n_human_lines`` lines (unequal counts make the design unbalanced).
    acr_difference : float
        Latent agent-minus-human ACR difference (MOS points, before rounding).
    listener_sd, stimulus_sd, voice_sd, residual_sd : float
        SDs of the latent ACR score's listener, stimulus, human-voice and residual terms.
    d_prime, d_prime_sd, criterion_mean, criterion_sd : float
        Identification: listener sensitivity ~ N(d_prime, d_prime_sd) and criterion c ~
        N(criterion_mean, criterion_sd) (c > 0 leans "human").
    mushra_difference, mushra_listener_sd, mushra_stimulus_sd, mushra_sd : float
        MUSHRA agent-minus-human mean (points), listener offset, stimulus effect and residual SDs.
    ab_logit, ab_listener_sd, ab_tie_rate : float
        AB preference (each agent line against the same line of every human voice): a listener
        prefers the agent with probability expit(N(ab_logit, ab_listener_sd)) in a decided trial;
        ties ("none") with probability ab_tie_rate.
    careless_rate, flat_rate, missing_rate : float
        Shares of listeners answering at random (and failing gold with probability 0.8), of
        listeners giving one ACR rating throughout, and of answers missing at random.
    screening : bool
        Screen listeners (P.808 gold +-1 and rating variance, BS.1534-3) before analysing.
    """

    n_listeners: int = 16
    n_agent_lines: int = 4
    n_human_voices: int = 2
    n_human_lines: int = 4
    acr_difference: float = 0.0
    human_mos: float = 3.8
    listener_sd: float = 0.4
    stimulus_sd: float = 0.2
    voice_sd: float = 0.0
    residual_sd: float = 0.6
    d_prime: float = 0.0
    d_prime_sd: float = 0.0
    criterion_mean: float = 0.0
    criterion_sd: float = 0.0
    mushra_difference: float = 0.0
    mushra_listener_sd: float = 8.0
    mushra_stimulus_sd: float = 3.0
    mushra_sd: float = 10.0
    ab_logit: float = 0.0
    ab_listener_sd: float = 0.0
    ab_tie_rate: float = 0.1
    careless_rate: float = 0.0
    flat_rate: float = 0.0
    missing_rate: float = 0.0
    screening: bool = False

    def acr_truth(self, voice_effects: np.ndarray | None = None) -> float:
        """Agent-minus-human difference on the observed 1..5 scale, over listeners and lines.

        Over the population of human voices when ``voice_effects`` is None, else over the human
        voices with these realised latent effects (MOS points).
        """
        within = self.listener_sd**2 + self.stimulus_sd**2 + self.residual_sd**2
        if voice_effects is None:
            total = float(np.sqrt(within + self.voice_sd**2))
            return expected_acr_mos(self.human_mos + self.acr_difference, total_sd=total) - expected_acr_mos(
                self.human_mos, total_sd=total)  # fmt: skip
        human = np.mean([expected_acr_mos(self.human_mos + u, total_sd=np.sqrt(within)) for u in voice_effects])
        return expected_acr_mos(self.human_mos + self.acr_difference, total_sd=np.sqrt(within)) - float(human)

    def preference_truth(self, n_draws: int = 200_000) -> float:
        """Population share of decided AB trials preferring the agent, E[expit(logit)] (quasi-exact, fixed seed)."""
        z = np.random.default_rng(12345).standard_normal(n_draws // 2)
        logits = self.ab_logit + self.ab_listener_sd * np.concatenate([z, -z])  # antithetic: exactly 0.5 at logit 0
        return float(np.mean(special.expit(logits)))

    def balanced_accuracy_truth(self, n_draws: int = 200_000) -> float:
        """Population balanced accuracy over the listeners' d' and c (quasi-exact, fixed seed)."""
        rng = np.random.default_rng(12345)
        d = rng.normal(self.d_prime, self.d_prime_sd, n_draws)
        c = rng.normal(self.criterion_mean, self.criterion_sd, n_draws)
        return float(np.mean((stats.norm.cdf(d / 2 - c) + stats.norm.cdf(d / 2 + c)) / 2))


def calibration_panel(design: Misspecified, *, seed: int) -> tuple[pd.DataFrame, dict]:
    """One simulated panel (validated responses) and what it realised: ``{"mushra": truth (points),
    "voice_effects": latent human-voice effects (MOS points)}``."""
    rng = np.random.default_rng(seed)
    n = design.n_listeners
    voices = ["agent"] * design.n_agent_lines + [f"human{v}" for v in range(design.n_human_voices)
                                                   for _ in range(design.n_human_lines)]  # fmt: skip
    lines = list(range(design.n_agent_lines)) + [k for _ in range(design.n_human_voices) for k in range(design.n_human_lines)]
    is_agent = np.array([v == "agent" for v in voices])
    stimulus_ids = np.array([f"cal/{v}/line{k}" for v, k in zip(voices, lines)])
    careless = rng.random(n) < design.careless_rate
    flat = ~careless & (rng.random(n) < design.flat_rate)
    acr_rows, voice_effects = _acr(design, rng, voices, is_agent, careless, flat)
    parts = [
        acr_rows,
        _identify(design, rng, is_agent, careless),
        *(_gold(rng, careless) for _ in range(2)),
    ]
    mushra_rows, mushra_truth = _mushra(design, rng, careless)
    ab_rows = _ab(design, np.random.default_rng([seed, 1]), careless)  # own stream: the other tests' draws are unchanged
    frame = pd.concat([*parts, mushra_rows, ab_rows], ignore_index=True)
    stimulus = frame.pop("stimulus")
    frame["stimulus_id"] = np.where(stimulus >= 0, stimulus_ids[np.clip(stimulus, 0, None)], frame["stimulus_id"])
    frame["voice"] = np.where(stimulus >= 0, np.array(voices)[np.clip(stimulus, 0, None)], frame["voice"])
    frame["role"] = np.where(stimulus >= 0, np.where(is_agent[np.clip(stimulus, 0, None)], "agent", "human"), frame["role"])
    frame["line_id"] = np.where(stimulus >= 0, np.array([f"line{k}" for k in lines])[np.clip(stimulus, 0, None)], frame["line_id"])
    frame["is_gold"] = frame["is_gold"].eq(True)
    keep = frame["is_gold"].to_numpy() | (rng.random(len(frame)) >= design.missing_rate)
    return _typed(frame[keep].reset_index(drop=True)), {"mushra": mushra_truth, "voice_effects": voice_effects}


def _acr(design, rng, voices, is_agent, careless, flat) -> tuple[pd.DataFrame, np.ndarray]:
    n, k = len(careless), len(voices)
    voice_effect = dict(zip(sorted(set(voices)), rng.normal(0, design.voice_sd, len(set(voices)))))
    voice_effect["agent"] = 0.0  # the agent's voice *is* the effect under test
    human_effects = np.array([u for v, u in voice_effect.items() if v != "agent"])
    latent = (design.human_mos + design.acr_difference * is_agent + rng.normal(0, design.stimulus_sd, k)
              + np.array([voice_effect[v] for v in voices]))[None, :]  # fmt: skip
    latent = latent + rng.normal(0, design.listener_sd, (n, 1)) + rng.normal(0, design.residual_sd, (n, k))
    low, high = ACR_SCALE
    rating = np.clip(np.floor(latent + 0.5), low, high)
    rating[careless] = rng.integers(low, high + 1, (int(careless.sum()), k))
    rating[flat] = rng.integers(low, high + 1, (int(flat.sum()), 1))
    return _rows(n, k, test_type="acr", attribute="trust", rating=rating.ravel()), human_effects


def _identify(design, rng, is_agent, careless) -> pd.DataFrame:
    n, k = len(careless), len(is_agent)
    d = rng.normal(design.d_prime, design.d_prime_sd, (n, 1))
    c = rng.normal(design.criterion_mean, design.criterion_sd, (n, 1))
    p_ai = np.where(is_agent[None, :], stats.norm.cdf(d / 2 - c), stats.norm.cdf(-d / 2 - c))
    p_ai[careless] = 0.5
    choice = np.where(rng.random((n, k)) < p_ai, "ai", "human")
    return _rows(n, k, test_type="identify", attribute="human_or_ai", choice=choice.ravel(), confidence=2.0)


def _gold(rng, careless) -> pd.DataFrame:
    n = len(careless)
    wrong = careless & (rng.random(n) < 0.8)
    rating = np.where(wrong, rng.choice([4.0, 5.0], n), _GOLD_TARGET)
    frame = _rows(n, 1, test_type="acr", attribute="naturalness", rating=rating)
    return frame.assign(stimulus=-1, stimulus_id="gold/1", voice="gold", role="human", line_id="gold",
                        is_gold=True, gold_correct=~wrong)  # fmt: skip


def _mushra(design, rng, careless) -> tuple[pd.DataFrame, float]:
    """One screen per line: hidden reference, low anchor, the agent and each human voice."""
    n, lines = len(careless), max(design.n_agent_lines, design.n_human_lines)
    roles = ["reference", "anchor", "agent"] + ["human"] * design.n_human_voices
    names = ["human_ref", "anchor_3k5", "agent"] + [f"human{v}" for v in range(design.n_human_voices)]
    means = np.array([98.0, 20.0, 70.0 + design.mushra_difference] + [70.0] * design.n_human_voices)
    effects = rng.normal(0, design.mushra_stimulus_sd, (lines, len(roles)))
    effects[:, :2] = 0.0
    listener = rng.normal(0, design.mushra_listener_sd, (n, 1, 1)) * np.array([0, 1] + [1] * (len(roles) - 2))
    sd = np.array([3.0] + [design.mushra_sd] * (len(roles) - 1))
    score = means + effects[None] + listener + rng.normal(0, 1, (n, lines, len(roles))) * sd
    score = np.clip(np.round(score), 0, 100)
    score[careless] = rng.integers(0, 101, (int(careless.sum()), lines, len(roles)))
    truth = design.mushra_difference + effects[:, 2].mean() - effects[:, 3:].mean()
    listener_ids = np.repeat([f"L{i:03d}" for i in range(n)], lines * len(roles))
    screen = np.tile(np.repeat(np.arange(lines), len(roles)), n)
    role = np.tile(roles, n * lines)
    name = np.tile(names, n * lines)
    frame = pd.DataFrame({
        "listener_id": listener_ids, "test_type": "mushra", "attribute": "mushra", "rating": score.ravel(),
        "stimulus": -1, "stimulus_id": [f"cal/{v}/line{s}" for v, s in zip(name, screen)], "voice": name,
        "role": role, "line_id": [f"line{s}" for s in screen],
        "trial_id": [f"{lid}/mushra{s}" for lid, s in zip(listener_ids, screen)],
    })  # fmt: skip
    return frame, float(truth)


def _ab(design, rng, careless) -> pd.DataFrame:
    """Each agent line against the same line of every human voice, sides in random order."""
    n, lines, voices = len(careless), design.n_agent_lines, [f"human{v}" for v in range(design.n_human_voices)]
    pairs = [(line, voice) for line in range(lines) for voice in voices]
    p_agent = special.expit(rng.normal(design.ab_logit, design.ab_listener_sd, (n, 1)))
    p_agent = np.where(careless[:, None], 0.5, p_agent)
    agent_won = rng.random((n, len(pairs))) < p_agent
    tie = rng.random((n, len(pairs))) < design.ab_tie_rate
    agent_first = rng.random((n, len(pairs))) < 0.5
    choice = np.where(tie, "none", np.where(agent_won == agent_first, "A", "B")).ravel()
    first = agent_first.ravel()
    line = np.tile([f"line{k}" for k, _ in pairs], n)
    human = np.tile([v for _, v in pairs], n)
    listener_ids = np.repeat([f"L{i:03d}" for i in range(n)], len(pairs))
    return pd.DataFrame({
        "listener_id": listener_ids, "test_type": "ab", "attribute": "preference", "choice": choice, "stimulus": -1,
        "voice": np.where(first, "agent", human), "role": np.where(first, "agent", "human"),
        "other_voice": np.where(first, human, "agent"), "other_role": np.where(first, "human", "agent"),
        "stimulus_id": [f"cal/{v}/{l}" for v, l in zip(np.where(first, "agent", human), line)],
        "other_stimulus_id": [f"cal/{v}/{l}" for v, l in zip(np.where(first, human, "agent"), line)],
        "line_id": line, "trial_id": [f"{lid}/ab{k}" for lid, k in zip(listener_ids, np.tile(np.arange(len(pairs)), n))],
    })  # fmt: skip


def _rows(n: int, k: int, **values) -> pd.DataFrame:
    """n listeners x k stimuli of one test (``stimulus`` indexes the design's stimuli)."""
    listener_ids = np.repeat([f"L{i:03d}" for i in range(n)], k)
    stimulus = np.tile(np.arange(k), n)
    frame = pd.DataFrame({"listener_id": listener_ids, "stimulus": stimulus, **values})
    frame["trial_id"] = frame["listener_id"] + "/" + values["test_type"] + "/" + stimulus.astype(str)
    return frame.assign(stimulus_id="", voice="", role="", line_id="")


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill the remaining response columns with their defaults (validated only on small panels)."""
    defaults = {"study_id": "calibration", "scenario": "cal", "other_stimulus_id": None, "other_voice": None,
                "other_role": None, "choice": None, "confidence": np.nan, "rating": np.nan, "is_gold": False,
                "gold_correct": None, "headphone_passed": True, "practice": False, "response_time_s": 5.0,
                "played_full": True, "fast_answer": False, "answered_at": "2026-01-05T09:00:00+00:00"}  # fmt: skip
    frame = frame.assign(**{c: v for c, v in defaults.items() if c not in frame})
    frame["session_id"] = frame["listener_id"] + "/s1"
    frame["trial_index"] = frame.groupby("listener_id").cumcount().astype(float)
    frame["gold_correct"] = frame["gold_correct"].where(frame["is_gold"], None).astype("boolean")
    frame["fast_answer"] = frame["fast_answer"].astype("boolean")
    for column in ("rating", "confidence", "response_time_s"):
        frame[column] = frame[column].astype(float)
    return frame[list(RESPONSE_COLUMNS)]


def check_panel(design: Misspecified, *, seed: int = 0) -> pd.DataFrame:
    """A calibration panel put through the responses contract (for tests; the bench skips it)."""
    return validate_responses(calibration_panel(design, seed=seed)[0], source="<calibration>")


def run_panel(design: Misspecified, *, seed: int, tests: tuple[str, ...] = ("acr", "identify", "mushra", "ab"),
              alpha: float = 0.05) -> list[dict]:  # fmt: skip
    """Analyse one panel; one row per reported test: ``test, rejected, covered, truth, estimate``."""
    responses, realised = calibration_panel(design, seed=seed)
    if design.screening:
        responses = screening.apply_screening(responses, screening.screen_listeners(responses))
    results = []
    if "acr" in tests:
        row = acr.agent_human_differences(responses[responses["test_type"] == "acr"]).iloc[0]
        these = row["scope"] == acr.THESE_VOICES
        model = "mixed model" if row["method"] in acr.MIXED_MODELS else "fallback"
        truth = design.acr_truth(realised["voice_effects"] if these else None)
        results.append(_result(f"ACR agent-{'these voices' if these else 'human'} ({model})", row["p_value"], row["ci_low"],
                               row["ci_high"], truth, row["difference_mos"], alpha))  # fmt: skip
    if "identify" in tests:
        row = identification.identification_table(responses, n_boot=0).iloc[0]  # ai_rate interval not calibrated here
        truth = design.balanced_accuracy_truth()
        results.append(_result("identification detected", row["p_holm"], row["ba_ci_low"], row["ba_ci_high"], truth,
                               row["balanced_accuracy"], alpha))  # fmt: skip
        for test, rejected in (("identification equivalence (TOST)", row["p_equivalence_holm"] < alpha),
                               ("identification 'indistinguishable'", row["verdict"] == identification.INDISTINGUISHABLE)):
            results.append({"test": test, "rejected": bool(rejected), "covered": np.nan, "truth": truth,
                            "estimate": row["balanced_accuracy"]})  # fmt: skip
    if "ab" in tests:
        row = preference.agent_preference(responses).iloc[0]
        results.append(_result("AB preference agent vs human", row["p_value"], row["ci_low"], row["ci_high"],
                               design.preference_truth(), row["share"], alpha))  # fmt: skip
    if "mushra" in tests:
        row = mushra.agent_human_differences(responses).iloc[0]
        results.append(_result("MUSHRA agent-human", row["p_value"], row["ci_low"], row["ci_high"], realised["mushra"],
                               row["difference"], alpha))  # fmt: skip
    return results


def _result(test: str, p_value: float, low: float, high: float, truth: float, estimate: float, alpha: float) -> dict:
    return {"test": test, "rejected": bool(p_value < alpha), "covered": bool(low <= truth <= high) if np.isfinite(low) else False,
            "truth": truth, "estimate": estimate}  # fmt: skip
