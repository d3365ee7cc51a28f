"""The default benchmark feature set: which profile columns count, their natural units, floors and weights.

Each feature is compared on its *scale*: F0 level on a semitone scale (so a 10 Hz gap means more
for a bass than for a soprano), every other feature linearly in its own unit. The robust z of a
value is ``(value - human median) / max(scaled MAD, floor)`` on that scale. The MAD of a panel of a
handful of speakers is a noisy estimate of how much humans differ; the floor is a round,
conservative value of the between-speaker standard deviation of ordinary speakers (one sex, read or
conversational English), so a small panel that happens to agree closely does not make ordinary
human variation look extreme. A team's panel with a wider spread uses its own MAD.

========================  ==============  =======  ======  ==============================================
feature                   unit            floor    weight  what it captures
========================  ==============  =======  ======  ==============================================
``f0_median_hz``          Hz (z in st)    2.0 st   1.0     pitch level
``f0_sd_st``              st              1.0 st   1.0     intonation (pitch variability)
``f0_range_st``           st              2.5 st   0.5     pitch span, p5-p95
``f0_step_sd_st``         st              0.05 st  1.0     pitch micro-variation (smooth = synthetic)
``speech_rate_syl_s``     syl/s           0.5      1.0     pace (transcript syllables when known)
``pause_ratio``           fraction        0.06     0.5     share of the speaking span that is pause
``mean_pause_s``          s               0.15     0.0     pause length (reported; sets ``<break>``)
``loudness_lufs``         LUFS            1.0 dB   0.0     level (reported; set by the recording chain)
``intensity_sd_db``       dB              1.0 dB   0.5     loudness dynamics
``hnr_db``                dB              2.5 dB   0.5     voice quality: harmonics-to-noise ratio
``jitter_local``          fraction        0.005    0.5     voice quality: cycle-to-cycle period perturbation
``shimmer_local``         fraction        0.02     0.5     voice quality: cycle-to-cycle amplitude perturbation
========================  ==============  =======  ======  ==============================================

Weight 0 features are measured, banded and prescribed but do not enter the persona distance.

Jitter and shimmer (Praat's local measures) carry what a synthesiser's source gets wrong: diphone,
formant and HMM voices have too regular or too uniformly perturbed a glottal cycle, a neural
vocoder an irregular one. Their weight is set a priori to that of the other voice-quality feature
(HNR, 0.5), not fitted. Leave-one-corpus-out (``bench/humanlike_validation.py``: unseen human
corpus against unseen TTS engine, telephone-matched), they raise clip-level AUC from 0.849 to 0.901
on the clips they were chosen on (``split=tune``) and from 0.840 to 0.877 on the clips never tuned
on (``split=holdout``); weights refitted on each fold's training side do worse (0.847, 0.662). Their
floors are round between-speaker spreads of ordinary voices (normal local jitter about 0.5-1 %,
shimmer 2-4 %; Praat's pathology thresholds are 1.04 % and 3.81 %, Teixeira et al. 2013, *Procedia Technology* 9).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Feature:
    """One benchmark feature.

    Attributes
    ----------
    column : str
        Profile column (:data:`persona.features.COLUMNS`).
    label : str
        Short human name ("pitch level").
    unit : str
        Unit of the column values.
    log_scale : bool
        Compare on a semitone scale (values must be positive Hz).
    floor : float
        Smallest spread used in the robust z, in scale units (st when ``log_scale``).
    weight : float
        Weight in the persona distance (0 = reported only).
    plausible : tuple of float
        Range of values any voice could plausibly take; the featureless reference distribution
        for the normalised Wasserstein distance is uniform over it.
    words : tuple of str
        How to say "below" and "above" the human band in a sentence ("slower", "faster").
    """

    column: str
    label: str
    unit: str
    log_scale: bool
    floor: float
    weight: float
    plausible: tuple[float, float]
    words: tuple[str, str] = ("lower", "higher")

    @property
    def scale_unit(self) -> str:
        """Unit of spreads and z denominators: ``st`` for log-scale features, else :attr:`unit`."""
        return "st" if self.log_scale else self.unit

    def to_scale(self, values) -> np.ndarray:
        """Values on the comparison scale: semitones re 1 Hz for log-scale features, else unchanged."""
        v = np.asarray(values, dtype=float)
        if not self.log_scale:
            return v
        with np.errstate(divide="ignore", invalid="ignore"):
            return 12.0 * np.log2(np.where(v > 0, v, np.nan))


FEATURES: tuple[Feature, ...] = (
    Feature("f0_median_hz", "pitch level", "Hz", True, 2.0, 1.0, (60.0, 400.0)),
    Feature("f0_sd_st", "intonation", "st", False, 1.0, 1.0, (0.0, 8.0), ("flatter", "more varied")),
    Feature("f0_range_st", "pitch span", "st", False, 2.5, 0.5, (0.0, 24.0), ("narrower", "wider")),
    Feature("f0_step_sd_st", "pitch micro-variation", "st", False, 0.05, 1.0, (0.0, 1.5), ("smoother", "rougher")),
    Feature("speech_rate_syl_s", "pace", "syl/s", False, 0.5, 1.0, (1.0, 8.0), ("slower", "faster")),
    Feature("pause_ratio", "pausing", "fraction", False, 0.06, 0.5, (0.0, 0.6), ("less pausing", "more pausing")),
    Feature("mean_pause_s", "pause length", "s", False, 0.15, 0.0, (0.0, 2.0), ("shorter", "longer")),
    Feature("loudness_lufs", "loudness", "LUFS", False, 1.0, 0.0, (-50.0, -5.0), ("quieter", "louder")),
    Feature("intensity_sd_db", "dynamics", "dB", False, 1.0, 0.5, (0.0, 30.0), ("less dynamic", "more dynamic")),
    Feature("hnr_db", "voice clarity (HNR)", "dB", False, 2.5, 0.5, (0.0, 30.0), ("breathier", "cleaner")),
    Feature("jitter_local", "pitch perturbation (jitter)", "fraction", False, 0.005, 0.5, (0.0, 0.1), ("steadier", "rougher")),
    Feature("shimmer_local", "amplitude perturbation (shimmer)", "fraction", False, 0.02, 0.5, (0.0, 0.3), ("steadier", "rougher")),
)
"""The documented default feature set, in report order."""

Z_CLIP = 5.0
"""Robust z values are clipped to ``[-Z_CLIP, Z_CLIP]`` before they enter the distance."""

MATCH_SCALE = 2.0
"""``match_score = 100 * exp(-persona_distance / MATCH_SCALE)``: 100 at the human median, 61 at 1, 37 at 2."""


def feature_values(profiles: pd.DataFrame, features: tuple[Feature, ...] = FEATURES) -> pd.DataFrame:
    """The feature columns of a profile table, with pace taken from the transcript where one was given.

    A transcript's syllable count (CMUdict) is exact where syllable-nucleus detection is an
    estimate, so ``speech_rate_syl_s`` is replaced by ``transcript_rate_syl_s`` where that is finite.
    """
    values = profiles.reindex(columns=[f.column for f in features]).astype(float)
    if "speech_rate_syl_s" in values and "transcript_rate_syl_s" in profiles:
        exact = pd.to_numeric(profiles["transcript_rate_syl_s"], errors="coerce")
        values["speech_rate_syl_s"] = exact.where(np.isfinite(exact), values["speech_rate_syl_s"])
    return values
