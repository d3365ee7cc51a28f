"""Rank candidate voices by persona distance, with bootstrap 95% intervals and resolvability.

A voice's distance is that of the median of its clips' values (:func:`score.voice_values`).
Its interval resamples the voice's clips (percentile bootstrap, ``scipy.stats.bootstrap``); two
voices are *resolvable* when the 95% bootstrap interval of their distance difference, resampling
each voice's clips independently, excludes 0. A voice with one clip has no interval and is never
resolvable from its neighbours.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings

import numpy as np
import pandas as pd
from scipy import stats

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

    def distance(values: np.ndarray) -> np.ndarray:
        """Distance of the clip-median profile; ``values`` is ``(..., clips, features)``."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN feature: it drops out
            medians = np.nanmedian(values, axis=-2)
        return persona_distance(medians.reshape(-1, medians.shape[-1]), benchmark, scores.scenario).reshape(medians.shape[:-1])

    def interval(*samples, statistic) -> tuple[float, float]:
        if min(len(s) for s in samples) < 2:
            return np.nan, np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", stats.DegenerateDataWarning)
            res = stats.bootstrap(
                tuple(np.arange(len(s)) for s in samples), statistic, n_resamples=n_resamples, vectorized=True,
                paired=False, confidence_level=CONFIDENCE, method="percentile", rng=np.random.default_rng(seed),
            )  # fmt: skip
        return float(res.confidence_interval.low), float(res.confidence_interval.high)

    rows = []
    for voice, values in clip_values.items():
        low, high = interval(values, statistic=lambda i, axis, v=values: distance(v[i]))
        rows.append({"voice": voice, "n_clips": len(values), "persona_distance": float(distance(values)), "ci_low": low, "ci_high": high})
    ranking = pd.DataFrame(rows).sort_values("persona_distance", kind="stable").reset_index(drop=True)
    pairs = []
    for a, b in itertools.combinations(ranking["voice"], 2):
        va, vb = clip_values[a], clip_values[b]
        low, high = interval(va, vb, statistic=lambda i, j, axis, va=va, vb=vb: distance(va[i]) - distance(vb[j]))
        pairs.append({
            "voice_a": a, "voice_b": b, "difference": float(distance(va) - distance(vb)), "ci_low": low, "ci_high": high,
            "resolvable": bool(np.isfinite(low) and (low > 0 or high < 0)),
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
