"""Statistics of a panel of human speakers, and the robust z and persona distance measured against them.

A panel's clips are aggregated per speaker first (the median of each speaker's clips), so a
speaker with many clips counts as much as a speaker with one; the centre (median), spread (MAD
scaled by 1.4826 to match an SD under normality, on the feature's scale), IQR and band (p10-p90)
are then taken over the speakers' medians.

Clip-level percentiles and distributions weigh each clip by 1 / (its speaker's clip count), so
every speaker carries the same weight there too.

A panel of **one speaker** (a single brand voice) has no between-speaker spread: its statistics
are taken over that speaker's clips instead (clip-level median, MAD, IQR and p10-p90), so a
voice is compared with the spread between the clips of the one reference voice.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from .features import FEATURES, Z_CLIP, Feature

BAND_QUANTILES = (0.10, 0.90)
_NORMAL_MAD_SCALE = float(stats.norm.ppf(0.75))
MIN_ONE_VOICE_CLIPS = 3
"""Clips a one-speaker panel needs for a spread between them."""


@dataclasses.dataclass(frozen=True)
class FeatureStats:
    """Human statistics of one feature over a panel (natural units unless noted).

    ``mad`` is in the feature's scale unit (:attr:`Feature.scale_unit`: st for F0 level). With one
    speaker, ``median``, ``mad``, ``iqr``, ``p10`` and ``p90`` are over that speaker's clips.
    ``clip_weights`` (one per clip, summing to 1) give every speaker the same total weight in
    clip-level percentiles and distributions; empty means equal weights (benchmarks before them).
    """

    median: float
    mad: float
    iqr: float
    p10: float
    p90: float
    n_clips: int
    n_speakers: int
    speaker_values: tuple[float, ...]
    clip_values: tuple[float, ...]
    clip_weights: tuple[float, ...] = ()

    def weights(self) -> np.ndarray:
        """Per clip weight (sums to 1): each speaker's clips share one speaker's weight."""
        n = len(self.clip_values)
        return np.asarray(self.clip_weights, dtype=float) if len(self.clip_weights) == n else np.full(n, 1.0 / max(n, 1))


def feature_stats(feature: Feature, clip_values: pd.Series, speakers: pd.Series) -> FeatureStats:
    """Statistics of one feature over speakers' medians (over clips when there is one speaker)."""
    values = clip_values.to_numpy(dtype=float)
    keep = np.isfinite(values)
    finite, labels = values[keep], speakers.loc[clip_values.index].to_numpy()[keep]
    names, which, clips_per_speaker = np.unique(labels, return_inverse=True, return_counts=True)  # sorted, as groupby
    per_speaker = np.array([np.median(finite[which == k]) for k in range(len(names))])
    if per_speaker.size == 0:
        return FeatureStats(*([np.nan] * 5), int(finite.size), 0, (), (), ())
    clips_of_speaker = clips_per_speaker[which]
    spread_over = finite if per_speaker.size == 1 else per_speaker
    p10, p90 = np.quantile(spread_over, BAND_QUANTILES)
    q25, q75 = np.quantile(spread_over, (0.25, 0.75))
    return FeatureStats(
        median=float(np.median(spread_over)),
        mad=normal_mad(feature.to_scale(spread_over)),
        iqr=float(q75 - q25),
        p10=float(p10),
        p90=float(p90),
        n_clips=int(finite.size),
        n_speakers=int(per_speaker.size),
        speaker_values=tuple(float(v) for v in per_speaker),
        clip_values=tuple(float(v) for v in finite),
        clip_weights=tuple(float(w) for w in 1.0 / (per_speaker.size * clips_of_speaker)),
    )


def normal_mad(values: np.ndarray, axis: int = -1) -> np.ndarray | float:
    """MAD scaled to the SD of a normal distribution, ``median(|x - median(x)|) / Phi^-1(3/4)``, along ``axis``.

    The same as ``scipy.stats.median_abs_deviation(values, scale="normal")``, without its per-call overhead.
    """
    centre = np.median(values, axis=axis, keepdims=True)
    mad = np.median(np.abs(values - centre), axis=axis) / _NORMAL_MAD_SCALE
    return float(mad) if np.ndim(mad) == 0 else mad


def panel_stats(values: pd.DataFrame, speakers: pd.Series) -> dict[str, FeatureStats]:
    """``{feature column: FeatureStats}`` of the default features over clips ``values`` of ``speakers``."""
    return {f.column: feature_stats(f, values[f.column], speakers) for f in FEATURES}


def robust_z(feature: Feature, value, human: FeatureStats):
    """``(scale(value) - scale(median)) / max(MAD, floor)`` (scalar or array)."""
    return (feature.to_scale(value) - feature.to_scale(human.median)) / z_scale(feature, human.mad)


def z_scale(feature: Feature, mad):
    """The robust z's denominator, ``max(MAD, floor)`` on the feature's scale; NaN where the MAD is (scalar or array)."""
    mad = np.asarray(mad, dtype=float)
    return np.where(np.isfinite(mad), np.maximum(mad, feature.floor), np.nan)


def robust_z_rows(values: np.ndarray, human: dict[str, FeatureStats], features: tuple[Feature, ...] = FEATURES) -> np.ndarray:
    """Robust z (:func:`robust_z`) of each row of ``values`` (columns in ``features`` order): ``(rows, features)``."""
    values = np.atleast_2d(values)
    return np.column_stack([robust_z(f, values[:, i], human[f.column]) for i, f in enumerate(features)])


def distance(values: np.ndarray, human: dict[str, FeatureStats], features: tuple[Feature, ...] = FEATURES) -> np.ndarray:
    """Persona distance of each row of ``values`` (columns in ``features`` order), vectorised.

    Weighted RMS of the robust z clipped to ``[-Z_CLIP, Z_CLIP]``; unmeasured features drop out.
    """
    return z_distance(robust_z_rows(values, human, features), features)


def z_distance(z: np.ndarray, features: tuple[Feature, ...] = FEATURES) -> np.ndarray:
    """Weighted RMS over the last axis of robust z ``(..., features)``, clipped to ``[-Z_CLIP, Z_CLIP]``; NaN z drop out."""
    weights = np.array([f.weight for f in features]) * np.isfinite(z)
    squared = np.where(np.isfinite(z), np.clip(z, -Z_CLIP, Z_CLIP) ** 2, 0.0)
    total = weights.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.sqrt((weights * squared).sum(axis=-1) / total), np.nan)
