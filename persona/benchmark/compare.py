"""Rank candidate voices by persona distance, with bootstrap 95% intervals and resolvability.

A voice's distance is that of the median of its clips' values (:func:`score.voice_values`).
Its interval resamples the voice's clips (percentile bootstrap, ``n_resamples`` draws); two
voices are *resolvable* when the 95% percentile interval of their distance difference, over the
same independent resamples of each voice's clips, excludes 0. A voice with one clip has no interval and is never
resolvable from its neighbours.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings

import numpy as np
import pandas as pd

from .build import Benchmark
from .features import feature_values
from .score import Scores, match_score, persona_distance

CONFIDENCE = 0.95
N_RESAMPLES = 999


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Ranking of voices and their pairwise differences.

    Attributes
    ----------
    ranking : DataFrame
        ``rank, voice, n_clips, persona_distance, ci_low, ci_high, match_score, not_resolvable_from``.
    pairs : DataFrame
        ``voice_a, voice_b, difference, ci_low, ci_high, resolvable`` (difference = a - b, a ranked higher).
    """

    scenario: str
    ranking: pd.DataFrame
    pairs: pd.DataFrame


def compare_voices(scores: Scores, benchmark: Benchmark, *, n_resamples: int = N_RESAMPLES, seed: int = 0) -> Comparison:
    """Rank the voices of ``scores`` with bootstrap intervals (``seed`` makes them reproducible)."""
    ok = scores.profiles[~scores.profiles["error"].fillna("").astype(bool)]
    clip_values = {v: feature_values(rows).to_numpy() for v, rows in ok.groupby("voice")}

    def distance(values: np.ndarray, voice: str) -> np.ndarray:
        """Distance of the clip-median profile, pitch in the voice's register; ``values`` is ``(..., clips, features)``."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN feature: it drops out
            medians = np.nanmedian(values, axis=-2)
        register = scores.registers.get(voice, "")
        return persona_distance(medians.reshape(-1, medians.shape[-1]), benchmark, scores.scenario, register=register).reshape(medians.shape[:-1])

    def resampled(values: np.ndarray, voice: str, rng: np.random.Generator) -> np.ndarray:
        """Distances of ``n_resamples`` bootstrap resamples of a voice's clips (NaN with one clip)."""
        if len(values) < 2:
            return np.full(n_resamples, np.nan)
        idx = rng.integers(0, len(values), size=(n_resamples, len(values)))
        return distance(values[idx], voice)

    def percentile_interval(draws: np.ndarray) -> tuple[float, float]:
        if not np.isfinite(draws).all():
            return np.nan, np.nan
        low, high = np.quantile(draws, [(1 - CONFIDENCE) / 2, (1 + CONFIDENCE) / 2])
        return float(low), float(high)

    rng = np.random.default_rng(seed)
    draws = {voice: resampled(values, voice, rng) for voice, values in clip_values.items()}
    rows = []
    for voice, values in clip_values.items():
        low, high = percentile_interval(draws[voice])
        rows.append({"voice": voice, "n_clips": len(values), "persona_distance": float(distance(values, voice)), "ci_low": low, "ci_high": high})
    ranking = pd.DataFrame(rows).sort_values("persona_distance", kind="stable").reset_index(drop=True)
    pairs = []
    for a, b in itertools.combinations(ranking["voice"], 2):
        low, high = percentile_interval(draws[a] - draws[b])  # independent resamples of each voice
        pairs.append({
            "voice_a": a, "voice_b": b, "difference": float(distance(clip_values[a], a) - distance(clip_values[b], b)),
            "ci_low": low, "ci_high": high, "resolvable": bool(np.isfinite(low) and (low > 0 or high < 0)),
        })  # fmt: skip
    pairs = pd.DataFrame(pairs, columns=["voice_a", "voice_b", "difference", "ci_low", "ci_high", "resolvable"])
    ranking.insert(0, "rank", np.arange(1, len(ranking) + 1))
    ranking["match_score"] = ranking["persona_distance"].map(match_score)
    ranking["not_resolvable_from"] = [", ".join(_ties(v, pairs)) for v in ranking["voice"]]
    ranking.attrs["provenance"] = pairs.attrs["provenance"] = {**scores.provenance, "comparison": __doc__.split("\n\n", 1)[1].strip()}
    return Comparison(scores.scenario, ranking, pairs)


def _ties(voice: str, pairs: pd.DataFrame) -> list[str]:
    unresolved = pairs[~pairs["resolvable"] & ((pairs["voice_a"] == voice) | (pairs["voice_b"] == voice))]
    return [b if a == voice else a for a, b in zip(unresolved["voice_a"], unresolved["voice_b"])]
