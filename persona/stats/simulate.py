"""A seeded listener panel in the tidy responses schema, with effects planted where you choose.

The simulator exists to prove the analysis: plant an effect, analyse the simulated panel, and
check the estimate and its interval recover it. It is also what ``persona analyze DEMO
--simulate N`` analyses when no study has been run yet.

Generative model (one panel)
----------------------------
Every listener hears every stimulus of every scenario; a stimulus is one voice reading one
script line (``stimulus_id = "<scenario>/<voice>/<line>"``).

* **ACR** (ITU-T P.800, 1..5) per attribute: a latent score
  ``mu_role + u_listener + w_stimulus + e`` with ``u ~ N(0, listener_sd)``,
  ``w ~ N(0, stimulus_sd)``, ``e ~ N(0, residual_sd)``, rounded and clipped to 1..5.
  ``mu_human = human_mos``, ``mu_agent = human_mos + agent_minus_human_mos[attribute]``.
  Rounding and clipping shrink differences a little; :meth:`PanelSpec.planted_difference`
  gives the planted agent-minus-human difference *on the 1..5 scale* (what an unbiased
  analysis recovers), computed exactly from the normal model.
* **Identification** (human or AI?): equal-variance signal detection with sensitivity
  ``identification_d_prime`` and criterion ``identification_criterion``:
  P(say AI | agent) = Phi(d'/2 - c), P(say AI | human) = Phi(-d'/2 - c).
* **AB preference**: every pair of voices of a scenario, per line, in random A/B order. A tie
  ("none") with probability ``ab_tie_rate``; otherwise Bradley-Terry with all human voices of
  strength 1 and the agent of strength ``s`` such that it beats a human with probability
  ``ab_agent_share``.
* **MUSHRA** (ITU-R BS.1534, 0..100): one screen per scenario and line holding the hidden
  reference (the first human voice), a low anchor, every agent and every other human voice;
  ``normal(mushra_mean[role] + listener offset, mushra_sd)`` rounded and clipped to 0..100;
  the hidden reference gets ``normal(mushra_mean["reference"], mushra_reference_sd)``.
* **Careless listeners** (probability ``careless_rate``): answer at random everywhere (uniform
  ratings and choices) and fail each gold trial with probability 0.8. Attentive listeners pass
  gold trials. Headphone-check failures are drawn independently (``headphone_failure_rate``).
* Each listener also answers one practice ACR trial (``practice = True``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ParameterError
from .responses import ACR_ATTRIBUTES, ACR_SCALE, RESPONSE_COLUMNS, validate_responses

_CARELESS_GOLD_FAILURE = 0.8
_GOLD_TARGET_RATING = 2  # the gold clip says "please answer Poor"
_START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class PanelSpec:
    """What to plant in a simulated panel (see the module docstring for the model).

    Attributes
    ----------
    n_listeners : int
        Listeners in the panel.
    agent_minus_human_mos : dict
        Latent agent-minus-human difference per ACR attribute, in MOS points (1..5 scale).
    listener_sd, stimulus_sd, residual_sd : float
        Standard deviations of the listener intercept, the stimulus intercept and the
        residual of the latent ACR score, in MOS points.
    identification_d_prime, identification_criterion : float
        Signal-detection sensitivity and criterion c of the human-or-AI judgement.
    ab_agent_share : float
        Probability that the agent beats a human voice in an AB trial that is not a tie.
    ab_tie_rate : float
        Probability of a "none" (no preference) answer in an AB trial.
    mushra_mean : dict
        Mean MUSHRA score (0..100) per role.
    mushra_sd : float
        Within-listener standard deviation of MUSHRA scores, in points.
    mushra_reference_sd : float
        Standard deviation of the hidden reference's score (listeners recognise it, so it
        carries no listener offset), in points.
    careless_rate, headphone_failure_rate : float
        Probabilities that a listener answers at random / fails the headphone check.
    test_types : tuple of str
        Which tests to simulate (a subset of acr, identify, ab, mushra).
    """

    n_listeners: int = 24
    study_id: str = "simulated"
    scenarios: tuple[str, ...] = ("billing_dispute", "appointment_booking")
    agent_voices: tuple[str, ...] = ("agent_tts",)
    human_voices: tuple[str, ...] = ("human_ana", "human_ben")
    lines_per_scenario: int = 4
    human_mos: float = 3.8
    agent_minus_human_mos: dict[str, float] = field(
        default_factory=lambda: {"naturalness": -0.6, "warmth": -0.4, "trust": -0.8, "fit": -0.5}
    )
    listener_sd: float = 0.4
    stimulus_sd: float = 0.2
    residual_sd: float = 0.6
    identification_d_prime: float = 1.2
    identification_criterion: float = 0.0
    ab_agent_share: float = 0.35
    ab_tie_rate: float = 0.1
    mushra_mean: dict[str, float] = field(
        default_factory=lambda: {"reference": 98.0, "human": 80.0, "agent": 62.0, "anchor": 20.0}
    )
    mushra_sd: float = 10.0
    mushra_reference_sd: float = 3.0
    careless_rate: float = 0.08
    headphone_failure_rate: float = 0.05
    gold_trials: int = 2
    test_types: tuple[str, ...] = ("acr", "identify", "ab", "mushra")

    def __post_init__(self):
        if self.n_listeners < 1:
            raise ParameterError(f"n_listeners must be >= 1, got {self.n_listeners}")
        if self.lines_per_scenario < 1:
            raise ParameterError(f"lines_per_scenario must be >= 1, got {self.lines_per_scenario}")
        if not self.agent_voices or not self.human_voices:
            raise ParameterError("a panel needs at least one agent voice and one human voice")
        for name in ("ab_agent_share", "ab_tie_rate", "careless_rate", "headphone_failure_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ParameterError(f"{name} must be a probability in [0, 1], got {getattr(self, name)}")
        unknown = set(self.agent_minus_human_mos) - set(ACR_ATTRIBUTES)
        if unknown:
            raise ParameterError(f"agent_minus_human_mos: unknown attribute(s) {sorted(unknown)}")

    def planted_difference(self, attribute: str) -> float:
        """Agent-minus-human MOS difference on the observed 1..5 scale (after rounding)."""
        total_sd = float(np.sqrt(self.listener_sd**2 + self.stimulus_sd**2 + self.residual_sd**2))
        agent_mean = self.human_mos + self.agent_minus_human_mos.get(attribute, 0.0)
        return expected_acr_mos(agent_mean, total_sd=total_sd) - expected_acr_mos(
            self.human_mos, total_sd=total_sd
        )


def expected_acr_mos(latent_mean: float, *, total_sd: float) -> float:
    """Expected 1..5 rating when a N(latent_mean, total_sd) score is rounded and clipped.

    ``E[rating] = 1 + sum_k P(score > k + 0.5)`` for k = 1..4.
    """
    low, high = ACR_SCALE
    thresholds = np.arange(low, high) + 0.5
    if total_sd == 0:
        return float(low + np.sum(latent_mean > thresholds))
    return float(low + stats.norm.sf(thresholds, loc=latent_mean, scale=total_sd).sum())


def simulate_panel(spec: PanelSpec | None = None, *, seed: int = 0) -> pd.DataFrame:
    """Simulate one listener panel in the tidy responses schema.

    Parameters
    ----------
    spec : PanelSpec, optional
        What to plant; the defaults describe a two-scenario study with one agent voice.
    seed : int
        Seed of the random generator; the same seed gives the same panel.

    Returns
    -------
    pandas.DataFrame
        Validated responses, columns :data:`persona.stats.responses.RESPONSE_COLUMNS`.
    """
    spec = spec or PanelSpec()
    rng = np.random.default_rng(seed)
    stimuli = _stimuli(spec)
    stimulus_effect = dict(zip(stimuli["stimulus_id"], rng.normal(0, spec.stimulus_sd, len(stimuli))))
    rows: list[dict] = []
    for index in range(spec.n_listeners):
        listener = _Listener(
            listener_id=f"L{index + 1:03d}",
            careless=bool(rng.random() < spec.careless_rate),
            headphone_passed=bool(rng.random() >= spec.headphone_failure_rate),
            acr_offset=float(rng.normal(0, spec.listener_sd)),
            mushra_offset=float(rng.normal(0, spec.mushra_sd / 2)),
        )
        answers = _practice(spec, rng) + _gold(spec, rng, listener)
        if "acr" in spec.test_types:
            answers += _acr(spec, rng, listener, stimuli, stimulus_effect)
        if "identify" in spec.test_types:
            answers += _identify(spec, rng, listener, stimuli)
        if "ab" in spec.test_types:
            answers += _ab(spec, rng, listener, stimuli)
        if "mushra" in spec.test_types:
            answers += _mushra(spec, rng, listener, stimuli)
        rows += _finish(spec, rng, listener, answers)
    return validate_responses(pd.DataFrame(rows, columns=list(RESPONSE_COLUMNS)), source="<simulated>")


@dataclass(frozen=True)
class _Listener:
    listener_id: str
    careless: bool
    headphone_passed: bool
    acr_offset: float
    mushra_offset: float


def simulate_deviations(spec: PanelSpec | None = None, *, seed: int = 0) -> pd.DataFrame:
    """Per-stimulus acoustic deviations (robust z against the human benchmark) for a panel.

    The agent's recordings sit off the human band on pitch (median high, range narrow) and
    pace (fast); loudness deviates at random for everyone. With the default panel, where
    agents are rated lower, ``|f0_sd_st_z|`` and ``|f0_median_hz_z|`` come out associated
    with lower fit and trust, and ``|loudness_lufs_z|`` does not.

    Returns
    -------
    pandas.DataFrame
        Columns ``stimulus_id, voice, scenario`` and ``F_z`` for F in ``f0_median_hz``,
        ``f0_sd_st``, ``speech_rate_syl_s``, ``loudness_lufs``.
    """
    spec = spec or PanelSpec()
    rng = np.random.default_rng(seed)
    stimuli = _stimuli(spec)
    agent = (stimuli["role"] == "agent").to_numpy()
    n = len(stimuli)
    return stimuli[["stimulus_id", "voice", "scenario"]].assign(
        f0_median_hz_z=rng.normal(0, 0.8, n) + 1.8 * agent,
        f0_sd_st_z=rng.normal(0, 0.8, n) - 2.2 * agent,
        speech_rate_syl_s_z=rng.normal(0, 0.8, n) + 0.9 * agent,
        loudness_lufs_z=rng.normal(0, 1.0, n),
    )


def _stimuli(spec: PanelSpec) -> pd.DataFrame:
    records = [
        {
            "scenario": scenario,
            "line_id": f"line{line + 1}",
            "voice": voice,
            "role": "agent" if voice in spec.agent_voices else "human",
            "stimulus_id": f"{scenario}/{voice}/line{line + 1}",
        }
        for scenario in spec.scenarios
        for line in range(spec.lines_per_scenario)
        for voice in spec.agent_voices + spec.human_voices
    ]
    return pd.DataFrame(records)


def _answer(stimulus: dict | pd.Series, test_type: str, attribute: str, **values) -> dict:
    """One answer row about ``stimulus``; the remaining fields are filled by :func:`_finish`."""
    row = {key: stimulus[key] for key in ("scenario", "line_id", "stimulus_id", "voice", "role")}
    return {**row, "test_type": test_type, "attribute": attribute, **values}


def _practice(spec: PanelSpec, rng: np.random.Generator) -> list[dict]:
    clip = {"scenario": spec.scenarios[0], "line_id": "practice", "stimulus_id": "practice/1",
            "voice": spec.human_voices[0], "role": "human"}  # fmt: skip
    return [_answer(clip, "acr", "naturalness", rating=float(rng.integers(3, 6)), practice=True)]


def _gold(spec: PanelSpec, rng: np.random.Generator, listener: _Listener) -> list[dict]:
    answers = []
    for k in range(spec.gold_trials):
        correct = not (listener.careless and rng.random() < _CARELESS_GOLD_FAILURE)
        rating = _GOLD_TARGET_RATING if correct else int(rng.choice([1, 3, 4, 5]))
        clip = {"scenario": spec.scenarios[k % len(spec.scenarios)], "line_id": "gold",
                "stimulus_id": f"gold/{k + 1}", "voice": spec.human_voices[0], "role": "human"}  # fmt: skip
        answers.append(
            _answer(clip, "acr", "naturalness", rating=float(rating), is_gold=True, gold_correct=correct)
        )
    return answers


def _acr(spec: PanelSpec, rng: np.random.Generator, listener: _Listener, stimuli: pd.DataFrame, stimulus_effect: dict) -> list[dict]:
    low, high = ACR_SCALE
    answers = []
    for stimulus in stimuli.to_dict("records"):
        for attribute in ACR_ATTRIBUTES:
            if listener.careless:
                rating = int(rng.integers(low, high + 1))
            else:
                shift = spec.agent_minus_human_mos.get(attribute, 0.0) if stimulus["role"] == "agent" else 0.0
                latent = (spec.human_mos + shift + listener.acr_offset
                          + stimulus_effect[stimulus["stimulus_id"]] + rng.normal(0, spec.residual_sd))  # fmt: skip
                rating = int(np.clip(np.floor(latent + 0.5), low, high))
            answers.append(_answer(stimulus, "acr", attribute, rating=float(rating)))
    return answers


def _identify(spec: PanelSpec, rng: np.random.Generator, listener: _Listener, stimuli: pd.DataFrame) -> list[dict]:
    d_prime, c = spec.identification_d_prime, spec.identification_criterion
    answers = []
    for stimulus in stimuli.to_dict("records"):
        p_ai = stats.norm.cdf(d_prime / 2 - c if stimulus["role"] == "agent" else -d_prime / 2 - c)
        if listener.careless:
            p_ai = 0.5
        choice = "ai" if rng.random() < p_ai else "human"
        answers.append(_answer(stimulus, "identify", "human_or_ai", choice=choice,
                               confidence=float(rng.integers(1, 4))))  # fmt: skip
    return answers


def _ab(spec: PanelSpec, rng: np.random.Generator, listener: _Listener, stimuli: pd.DataFrame) -> list[dict]:
    agent_strength = spec.ab_agent_share / max(1.0 - spec.ab_agent_share, 1e-9)
    answers = []
    for _, screen in stimuli.groupby(["scenario", "line_id"], sort=False):
        for first, second in itertools.combinations(screen.to_dict("records"), 2):
            a, b = (first, second) if rng.random() < 0.5 else (second, first)
            s_a, s_b = (agent_strength if clip["role"] == "agent" else 1.0 for clip in (a, b))
            if listener.careless:
                choice = str(rng.choice(["A", "B", "none"]))
            elif rng.random() < spec.ab_tie_rate:
                choice = "none"
            else:
                choice = "A" if rng.random() < s_a / (s_a + s_b) else "B"
            answers.append(_answer(a, "ab", "preference", choice=choice,
                                   other_stimulus_id=b["stimulus_id"], other_voice=b["voice"],
                                   other_role=b["role"]))  # fmt: skip
    return answers


def _mushra(spec: PanelSpec, rng: np.random.Generator, listener: _Listener, stimuli: pd.DataFrame) -> list[dict]:
    answers = []
    for (scenario, line_id), screen in stimuli.groupby(["scenario", "line_id"], sort=False):
        clips = screen.to_dict("records")
        reference = dict(clips[[c["voice"] for c in clips].index(spec.human_voices[0])], role="reference")
        anchor = {"scenario": scenario, "line_id": line_id, "voice": "anchor_3k5",
                  "role": "anchor", "stimulus_id": f"{scenario}/anchor_3k5/{line_id}"}  # fmt: skip
        others = [c for c in clips if c["voice"] != spec.human_voices[0]]
        screen_id = f"mushra/{scenario}/{line_id}"
        for clip in [reference, anchor, *others]:
            if listener.careless:
                score = float(rng.integers(0, 101))
            elif clip["role"] == "reference":
                score = _mushra_score(rng, spec.mushra_mean["reference"], spec.mushra_reference_sd)
            else:
                score = _mushra_score(rng, spec.mushra_mean[clip["role"]] + listener.mushra_offset, spec.mushra_sd)
            answers.append(_answer(clip, "mushra", "mushra", rating=score, trial_id=screen_id))
    return answers


def _mushra_score(rng: np.random.Generator, mean: float, sd: float) -> float:
    return float(np.clip(np.round(rng.normal(mean, sd)), 0, 100))


def _finish(spec: PanelSpec, rng: np.random.Generator, listener: _Listener, answers: list[dict]) -> list[dict]:
    """Fill the listener-, session- and trial-level fields of each answer row."""
    rows, clock, trial_index = [], _START + timedelta(hours=rng.uniform(0, 72)), -1
    previous_screen = None
    for answer in answers:
        screen = answer.get("trial_id")
        if screen is None or screen != previous_screen:
            trial_index += 1
            clock += timedelta(seconds=float(rng.uniform(6, 20)))
        previous_screen = screen
        trial_id = f"{listener.listener_id}/t{trial_index:03d}"
        rows.append({
            "study_id": spec.study_id,
            "listener_id": listener.listener_id,
            "session_id": f"{listener.listener_id}/s1",
            "trial_index": trial_index,
            "rating": np.nan, "choice": None, "confidence": np.nan,
            "other_stimulus_id": None, "other_voice": None, "other_role": None,
            "is_gold": False, "gold_correct": None, "practice": False,
            "headphone_passed": listener.headphone_passed,
            "response_time_s": round(float(rng.gamma(4.0, 2.0)), 2),
            "played_full": True,
            "answered_at": clock.isoformat(),
            **answer,
            "trial_id": trial_id,
        })  # fmt: skip
    return rows
