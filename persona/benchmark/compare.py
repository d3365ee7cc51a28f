"""Rank candidate voices by persona distance, with hierarchical bootstrap 95% intervals and resolvability.

A voice's distance is that of the median of its clips' values (:func:`score.voice_values`).
Its interval comes from a two-level bootstrap of both sources of uncertainty: each draw
resamples the voice's clips (their median is the voice's profile) *and* the benchmark's human
speakers (:func:`benchmark_draws`: speakers drawn jointly across features, and the speakers of
the voice's pitch register for pitch level; the median and 1.4826 MAD of the drawn speakers
replace the benchmark's centre and spread). The distance is a clipped RMS of z, so a noisy
centre or noisy clips inflate it additively on the squared scale, and a noisy MAD (a benchmark
of a handful of speakers: its CV is about 0.45 at 6) multiplies every z; the estimate is biased
upwards, more so the larger the distance. The interval is therefore the *basic* (reflected)
bootstrap interval of the distance cubed, ``[(2 D^3 - q_hi)^(1/3), (2 D^3 - q_lo)^(1/3)]`` of
the draws' D^3 (bounded at 0), which corrects the bias as the bootstrap sees it, more at large
distances. The power was chosen by simulation (``bench/stats_calibration.py`` and a numpy
replica over 6-20 speakers and spreads of 1.5-3 floors): the basic interval of D^2 covered
0.90-0.93 at a true distance of 1.5, of D 0.83-0.88; percentile and BCa 0.36-0.72. Two voices
are *resolvable* when the BCa interval (bias-corrected and accelerated, Efron 1987) of their
distance difference excludes 0: same benchmark draws for both, so the benchmark's bias largely
cancels; independent clip draws; acceleration from the jackknife over both voices' clips.

Reproducibility: the benchmark's speaker draws come from their own stream (and a stream per
register for pitch level), and each voice's clip draws from a stream seeded by ``seed`` and the
voice's name, so adding or removing a voice never changes another voice's interval. A voice
with one clip has no interval and is never resolvable from its neighbours.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
import zlib

import numpy as np
import pandas as pd
from scipy import stats

from .build import Benchmark
from .features import FEATURES, feature_values
from .panel import FeatureStats, normal_mad, z_distance, z_scale
from .score import Scores, match_score, persona_distance

CONFIDENCE = 0.95
N_RESAMPLES = 999
PIVOT_POWER = 3
"""The distance's interval is the basic bootstrap interval of ``distance ** PIVOT_POWER`` (see the module docstring)."""
_BENCHMARK_STREAM = "benchmark speakers"


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
    """Rank the voices of ``scores`` with hierarchical BCa bootstrap intervals (``seed`` makes them reproducible)."""
    ok = scores.profiles[~scores.profiles["error"].fillna("").astype(bool)]
    clip_values = {v: feature_values(rows).to_numpy() for v, rows in ok.groupby("voice")}
    registers = {v: scores.registers.get(v, "") for v in clip_values}
    benchmarks = {r: benchmark_draws(benchmark.compared(scores.scenario, r), n_resamples=n_resamples,
                                     rng=stream(seed, _BENCHMARK_STREAM), subset_rng=stream(seed, f"{_BENCHMARK_STREAM} {r}"))
                  for r in sorted(set(registers.values()))}  # fmt: skip
    voices = {v: VoiceDraws.of(values, benchmark, benchmarks[registers[v]], scores.scenario, rng=stream(seed, v),
                               register=registers[v]) for v, values in clip_values.items()}  # fmt: skip
    rows = [{"voice": v, "n_clips": len(d.values), "persona_distance": d.estimate,
             **dict(zip(("ci_low", "ci_high"), d.interval()))} for v, d in voices.items()]  # fmt: skip
    ranking = pd.DataFrame(rows).sort_values("persona_distance", kind="stable").reset_index(drop=True)
    pairs = []
    for a, b in itertools.combinations(ranking["voice"], 2):
        low, high = voices[a].difference_interval(voices[b])
        pairs.append({
            "voice_a": a, "voice_b": b, "difference": voices[a].estimate - voices[b].estimate,
            "ci_low": low, "ci_high": high, "resolvable": bool(np.isfinite(low) and (low > 0 or high < 0)),
        })  # fmt: skip
    pairs = pd.DataFrame(pairs, columns=["voice_a", "voice_b", "difference", "ci_low", "ci_high", "resolvable"])
    ranking.insert(0, "rank", np.arange(1, len(ranking) + 1))
    ranking["match_score"] = ranking["persona_distance"].map(match_score)
    ranking["not_resolvable_from"] = [", ".join(_ties(v, pairs)) for v in ranking["voice"]]
    ranking.attrs["provenance"] = pairs.attrs["provenance"] = {**scores.provenance, "comparison": __doc__.split("\n\n", 1)[1].strip()}
    return Comparison(scores.scenario, ranking, pairs)


def stream(seed: int, name: str) -> np.random.Generator:
    """A random stream of its own for ``name`` (a voice, or the benchmark), reproducible from ``seed``."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


@dataclasses.dataclass(frozen=True)
class BenchmarkDraws:
    """Bootstrap draws of the statistics a voice is compared with, per draw and feature (:data:`FEATURES` order).

    ``centre`` is the median of the resampled speakers' values and ``spread`` their 1.4826 MAD
    floored as in the robust z (``max(MAD, floor)``), both on the feature's scale (st for F0 level).
    """

    centre: np.ndarray
    spread: np.ndarray

    def distance(self, values: np.ndarray) -> np.ndarray:
        """Persona distance of row ``b`` of ``values`` (natural units, ``(draws, features)``) against draw ``b``."""
        scaled = np.column_stack([f.to_scale(values[:, i]) for i, f in enumerate(FEATURES)])
        return z_distance((scaled - self.centre) / self.spread)


def benchmark_draws(compared: dict[str, FeatureStats], *, n_resamples: int, rng: np.random.Generator,
                    subset_rng: np.random.Generator) -> BenchmarkDraws:  # fmt: skip
    """Resample the human speakers of ``compared`` (:meth:`Benchmark.compared`: the voice's register for pitch level).

    Speakers are the unit: features measured on every speaker share one draw of speakers (so their
    correlation is kept), from ``rng``; a feature measured on fewer speakers (a register's pitch
    level, a feature some speaker lacks) draws its own from ``subset_rng``. A one-speaker feature
    keeps its statistics.
    """
    speakers = {f.column: f.to_scale(np.asarray(compared[f.column].speaker_values, dtype=float)) for f in FEATURES}
    n_panel = max(len(v) for v in speakers.values())
    shared = rng.integers(0, n_panel, size=(n_resamples, n_panel))
    centre, spread = np.empty((n_resamples, len(FEATURES))), np.empty((n_resamples, len(FEATURES)))
    for i, feature in enumerate(FEATURES):
        values, stats_ = speakers[feature.column], compared[feature.column]
        if values.size < 2:
            centre[:, i], spread[:, i] = feature.to_scale(stats_.median), z_scale(feature, stats_.mad)
            continue
        index = shared if values.size == n_panel else subset_rng.integers(0, values.size, size=(n_resamples, values.size))
        sample = values[index]
        centre[:, i] = np.median(sample, axis=1)
        spread[:, i] = z_scale(feature, normal_mad(sample, axis=1))
    return BenchmarkDraws(centre, spread)


def clip_distance(values: np.ndarray, benchmark: Benchmark, scenario: str, *, register: str = "") -> np.ndarray:
    """Distance of the clip-median profile, pitch level within ``register``; ``values`` is ``(..., clips, features)``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN feature: it drops out
        medians = np.nanmedian(values, axis=-2)
    flat = medians.reshape(-1, medians.shape[-1])
    return persona_distance(flat, benchmark, scenario, register=register).reshape(medians.shape[:-1])


@dataclasses.dataclass(frozen=True)
class VoiceDraws:
    """A voice's distance, its hierarchical bootstrap draws and its clip jackknife."""

    values: np.ndarray
    estimate: float
    draws: np.ndarray
    jackknife: np.ndarray

    @classmethod
    def of(cls, values: np.ndarray, benchmark: Benchmark, draws: BenchmarkDraws, scenario: str, *,
           rng: np.random.Generator, register: str = "") -> VoiceDraws:  # fmt: skip
        """Draw b pairs clip resample b with benchmark draw b; NaN draws with fewer than 2 clips."""
        estimate = float(clip_distance(values, benchmark, scenario, register=register))
        n, n_draws = len(values), len(draws.centre)
        if n < 2:
            return cls(values, estimate, np.full(n_draws, np.nan), np.full(n, np.nan))
        resampled = values[rng.integers(0, n, size=(n_draws, n))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            medians = np.nanmedian(resampled, axis=1)
        leave_one_out = np.array([np.delete(values, i, axis=0) for i in range(n)])
        return cls(values, estimate, draws.distance(medians), clip_distance(leave_one_out, benchmark, scenario, register=register))

    def interval(self, confidence: float = CONFIDENCE) -> tuple[float, float]:
        """Basic bootstrap interval of the distance to the power :data:`PIVOT_POWER`, back on the distance scale.

        ``[(2 D^p - q_hi)^(1/p), (2 D^p - q_lo)^(1/p)]`` with ``q`` the quantiles of the draws' ``D^p``,
        bounded at 0 (NaN without draws).
        """
        if not np.isfinite(self.draws).all():
            return np.nan, np.nan
        low, high = np.quantile(self.draws**PIVOT_POWER, [(1 - confidence) / 2, (1 + confidence) / 2])
        powered = self.estimate**PIVOT_POWER
        return float(max(2 * powered - high, 0.0) ** (1 / PIVOT_POWER)), float(max(2 * powered - low, 0.0) ** (1 / PIVOT_POWER))

    def difference_interval(self, other: VoiceDraws, confidence: float = CONFIDENCE) -> tuple[float, float]:
        """BCa interval of this voice's distance minus ``other``'s (jackknife over both voices' clips)."""
        jackknife = np.concatenate([self.jackknife - other.estimate, self.estimate - other.jackknife])
        return bca_interval(self.draws - other.draws, self.estimate - other.estimate, jackknife, confidence=confidence)


def bca_interval(draws: np.ndarray, estimate: float, jackknife: np.ndarray, *, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Bias-corrected and accelerated bootstrap interval (Efron & Tibshirani 1993, ch. 14).

    Bias correction z0 = Phi^-1(share of draws below the estimate, ties counted half);
    acceleration a = sum(d^3) / (6 sum(d^2)^1.5), d = jackknife mean - jackknife values.
    NaN when any draw or jackknife value is not finite.

    Examples
    --------
    A symmetric, unbiased bootstrap distribution and no skew give the percentile interval:

    >>> draws = np.linspace(-1, 1, 2001)
    >>> [round(x, 3) for x in bca_interval(draws, 0.0, np.array([-1.0, 1.0]), confidence=0.9)]
    [-0.9, 0.9]
    """
    if not (np.isfinite(draws).all() and np.isfinite(jackknife).all() and np.isfinite(estimate)) or len(draws) == 0:
        return np.nan, np.nan
    below = (np.mean(draws < estimate) + np.mean(draws <= estimate)) / 2
    z0 = stats.norm.ppf(np.clip(below, 1 / (2 * len(draws)), 1 - 1 / (2 * len(draws))))
    d = jackknife.mean() - jackknife
    spread = (d**2).sum()
    acceleration = (d**3).sum() / (6 * spread**1.5) if spread > 0 else 0.0
    z = stats.norm.ppf([(1 - confidence) / 2, (1 + confidence) / 2])
    levels = stats.norm.cdf(z0 + (z0 + z) / (1 - acceleration * (z0 + z)))
    low, high = np.quantile(draws, levels)
    return float(low), float(high)


def _ties(voice: str, pairs: pd.DataFrame) -> list[str]:
    unresolved = pairs[~pairs["resolvable"] & ((pairs["voice_a"] == voice) | (pairs["voice_b"] == voice))]
    return [b if a == voice else a for a, b in zip(unresolved["voice_a"], unresolved["voice_b"])]
