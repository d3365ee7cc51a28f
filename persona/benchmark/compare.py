"""Rank candidate voices by persona distance, with 95% intervals that count the benchmark's few speakers, and resolvability.

A voice's distance is that of the median of its clips' values (:func:`score.voice_values`). It
has two sources of error: the voice's clips, and the benchmark, whose centre and spread (median
and 1.4826 MAD, floored) come from a handful of human speakers. The distance is a clipped RMS of
z, so both inflate it, and a small MAD (a 6-speaker MAD has a CV of about 0.45) multiplies every
z: the estimate is biased upwards, more so the larger the distance. The interval is therefore a
test inversion, not a percentile of resampled distances: it holds the true distances d the
estimate does not reject, each tested on draws of what a voice at distance d (its observed z
scaled, same direction) would measure. A draw pairs a resample of the voice's clips with a human
population the benchmark could have come from (:func:`benchmark_draws`: per feature a normal
population whose SD and median are the generalised pivotal quantities of the benchmark's MAD
and median, Weerahandi 1993, its features correlated as the benchmark's speakers' normal scores
are, so one atypical speaker moves several features' statistics at once) and is measured against
the benchmark as it is, and against a new benchmark drawn from that population; d is kept when
either keeps it. The speakers are not
resampled: a resample of 3-6 values repeats speakers, its MAD hits the floor far more often than
a new panel's, and the basic interval built on it gave every voice of the bundled benchmark a
lower bound of 0. A feature of fewer than :data:`MIN_PIVOT_SPEAKERS` speakers (a 3-speaker pitch
register) is held at its statistics and the ranking's ``interval_note`` says so: 3 speakers
cannot bound a distance from below. The interval can sit below the estimate (the estimate is
biased upwards); a voice measuring closer to the median than even one at it usually would gets
``[0, 0]``. Coverage by simulation: ``bench/compare_calibration.py`` (normal and real-speaker
benchmarks of 6-20 speakers) and ``bench/stats_calibration.py`` (the whole pipeline).

Two voices are *resolvable* when the generalised confidence interval of their true distances'
difference excludes 0 (Weerahandi 1993, as for the benchmark's population). Draw ``b`` pairs the
two voices' true positions, each its clip median less its resample ``b``'s deviation (the basic
bootstrap's pivot), with benchmark draw ``b``'s population, shared by both voices; the interval
holds the central :func:`resolvable_confidence` (95-98 %) of the draws' differences of true distance. The
benchmark's few speakers count: two voices off the human centre in different directions are measured
against one uncertain median and spread, which move their distances apart. The percentile interval over
clip resamples against the benchmark as measured (used before) called two voices at one true distance,
one above the centre on every feature and one below, or one off on the pitch features and one on the
rest, resolvable in 0.36-0.74 of simulated panels at 50 clips. Whether a draw's difference is positive
does not change if both distances are squared, so the test is the same on the squared distance.
The generalised interval is exact for one feature, not for a distance over 12 whose benchmark draws
share a correlation estimated from a few speakers (rank 5 over 12 features with 6): at a nominal
95 % it called two voices mirrored about the human centre, 50 clips each, resolvable in 0.076-0.090
of 500 simulated panels of 6 speakers, 0.073-0.110 of 300 of 4, 5 or 8 and 0.050-0.063 of 20 (the
true correlation in place of the estimate: 0.062-0.076). Where clip noise dominates it errs the other
way: a median's bootstrap variance exceeds its variance, so a fixed 98 % level, which holds the mirrored
voices at 0.020-0.067 for 4-20 speakers, left 5-10 clips at 0.022-0.030 at its worst. The level is
therefore calibrated (Loh 1987) along what sets the error's sign, the share of the draws' variance of the
difference that the clip resamples alone give (:func:`resolvable_confidence`): 95 % where the clips carry
it all, 98 % where the benchmark does, linear between (the share is about 0.9 for two voices of one
profile, 0.65 for mirrored voices with 3-5 clips, 0.15 with 50). Near the human centre (distance 0.5)
the test stays conservative at every level: a distance there is the length of a mostly-noise vector,
which varies less than resamples around the measured point do. Type-I by simulation: ``bench/stats_calibration.py`` (resolvable rows).

Reproducibility: the benchmark's draws come from their own stream (and a stream per register for
pitch level), and each voice's clip draws from a stream seeded by ``seed`` and the voice's name,
so adding or removing a voice never changes another voice's interval. A voice with one clip has
no interval, and one with fewer than 3 clips is never resolvable from its neighbours.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import warnings
import zlib

import numpy as np
import pandas as pd
from scipy import stats

from .build import Benchmark
from .features import FEATURES, Z_CLIP, feature_values
from .panel import FeatureStats, normal_mad, z_distance, z_scale
from .score import Scores, match_score

CONFIDENCE = 0.95
CLIP_CONFIDENCE = 0.95
"""Level of the pairwise difference interval where the two voices' clips carry all of its uncertainty (see
:func:`resolvable_confidence`)."""
BENCHMARK_CONFIDENCE = 0.98
"""Level where the benchmark's human population carries all of it: calibrated by simulation (Loh 1987), the nominal
95 % interval called two voices mirrored about the human centre, 50 clips each, resolvable in 0.08-0.11 of simulated
panels of 4-8 speakers (module docstring)."""
N_RESAMPLES = 999
GRID_STEP = 0.1
"""Spacing of the true distances the interval is inverted on (distance units)."""
BISECTIONS = 40
MIN_PIVOT_SPEAKERS = 4
"""Speakers a feature needs for its population to be drawn; with fewer its median and spread are taken as exact.
The 97.5% quantile of ``|median| / (1.4826 MAD)`` of 3 standard normal values is about 25 (of 4: 4.7; of 6: 2.4),
so 3 speakers cannot say where the human centre lies in units of the human spread, nor bound a distance from below."""
MIN_RESOLVABLE_CLIPS = 3
"""Fewest clips per voice for a pairwise difference: resamples of 2 clips have only 3 medians, and two voices at one
true distance 1.5 were called resolvable in 0.10 (same profile) and 0.13 (one above the human centre, one below) of
100 simulated panels with 2 clips each (``bench/stats_calibration.py --resolvable-clips 2``)."""
_BENCHMARK_STREAM = "benchmark speakers"


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Ranking of voices and their pairwise differences.

    Attributes
    ----------
    ranking : DataFrame
        ``rank, voice, n_clips, persona_distance, ci_low, ci_high, interval_note, match_score, not_resolvable_from``.
    pairs : DataFrame
        ``voice_a, voice_b, difference, ci_low, ci_high, confidence, resolvable`` (difference = a - b, a ranked higher;
        ``confidence`` the interval's calibrated level).
    """

    scenario: str
    ranking: pd.DataFrame
    pairs: pd.DataFrame


def compare_voices(scores: Scores, benchmark: Benchmark, *, n_resamples: int = N_RESAMPLES, seed: int = 0) -> Comparison:
    """Rank the voices of ``scores`` with test-inversion 95% intervals and generalised 95-98% intervals of pairwise differences (``seed`` makes them reproducible)."""
    ok = scores.profiles[~scores.profiles["error"].fillna("").astype(bool)]
    clip_values = {v: feature_values(rows).to_numpy() for v, rows in ok.groupby("voice")}
    registers = {v: scores.registers.get(v, "") for v in clip_values}
    compared = {r: benchmark.compared(scores.scenario, r) for r in set(registers.values())}
    benchmarks = {r: benchmark_draws(c, n_resamples=n_resamples, rng=stream(seed, _BENCHMARK_STREAM),
                                     subset_rng=stream(seed, f"{_BENCHMARK_STREAM} {r}")) for r, c in compared.items()}  # fmt: skip
    voices = {v: VoiceDraws.of(values, benchmarks[registers[v]], rng=stream(seed, v))
              for v, values in clip_values.items()}  # fmt: skip
    rows = [{"voice": v, "n_clips": len(d.values), "persona_distance": d.estimate,
             **dict(zip(("ci_low", "ci_high"), d.interval())), "interval_note": exact_features(compared[registers[v]])}
            for v, d in voices.items()]  # fmt: skip
    ranking = pd.DataFrame(rows).sort_values("persona_distance", kind="stable").reset_index(drop=True)
    pairs = []
    for a, b in itertools.combinations(ranking["voice"], 2):
        level = voices[a].difference_confidence(voices[b])
        low, high = voices[a].difference_interval(voices[b], level)
        pairs.append({
            "voice_a": a, "voice_b": b, "difference": voices[a].estimate - voices[b].estimate,
            "ci_low": low, "ci_high": high, "confidence": level if np.isfinite(low) else np.nan,
            "resolvable": bool(np.isfinite(low) and (low > 0 or high < 0)),
        })  # fmt: skip
    pairs = pd.DataFrame(pairs, columns=["voice_a", "voice_b", "difference", "ci_low", "ci_high", "confidence", "resolvable"])
    ranking.insert(0, "rank", np.arange(1, len(ranking) + 1))
    ranking["match_score"] = ranking["persona_distance"].map(match_score)
    ranking["not_resolvable_from"] = [", ".join(_ties(v, pairs)) for v in ranking["voice"]]
    ranking.attrs["provenance"] = pairs.attrs["provenance"] = {**scores.provenance, "comparison": __doc__.split("\n\n", 1)[1].strip()}
    return Comparison(scores.scenario, ranking, pairs)


def resolvable_confidence(clip_share: float) -> float:
    """The calibrated level of the pairwise difference interval: :data:`CLIP_CONFIDENCE` where the clips' resampling
    carries the whole variance of the difference's draws (``clip_share`` 1), :data:`BENCHMARK_CONFIDENCE` where the
    benchmark's population does (0), linear between. The clip bootstrap of a median overstates its variance (the
    nominal level is conservative there); the benchmark's generalised draws of a 12-feature distance understate it."""
    share = float(np.clip(clip_share, 0.0, 1.0)) if np.isfinite(clip_share) else 1.0
    return BENCHMARK_CONFIDENCE + (CLIP_CONFIDENCE - BENCHMARK_CONFIDENCE) * share


def stream(seed: int, name: str) -> np.random.Generator:
    """A random stream of its own for ``name`` (a voice, or the benchmark), reproducible from ``seed``."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


@dataclasses.dataclass(frozen=True)
class BenchmarkDraws:
    """The benchmark's statistics and draws of the human population it was measured on, per feature (:data:`FEATURES` order).

    ``observed_centre`` and ``observed_spread`` are the benchmark's median and ``max(MAD, floor)`` on
    the feature's scale (st for F0 level). Draw ``b`` is a population the benchmark could have come
    from: ``true_spread`` is its ``max(SD, floor)`` and ``centre_error`` the benchmark's median minus
    the population's. ``redrawn_centre_error`` and ``redrawn_spread`` are those of a new benchmark of
    as many speakers drawn from population ``b`` (its median's error, its ``max(1.4826 MAD, floor)``).
    """

    observed_centre: np.ndarray
    observed_spread: np.ndarray
    true_spread: np.ndarray
    centre_error: np.ndarray
    redrawn_centre_error: np.ndarray
    redrawn_spread: np.ndarray

    def distance(self, z: np.ndarray, deviation: np.ndarray, *, redrawn: bool = False) -> np.ndarray:
        """Distance per draw of a voice at true robust z ``z`` (``(..., features)``) whose clip median misses its
        centre by ``deviation`` (scale units, ``(draws, features)``): ``(..., draws)``; against the benchmark as
        measured, or ``redrawn``, against a new one."""
        error, spread = (self.redrawn_centre_error, self.redrawn_spread) if redrawn else (self.centre_error, self.observed_spread)
        return z_distance((z[..., None, :] * self.true_spread + deviation - error) / spread)


def benchmark_draws(compared: dict[str, FeatureStats], *, n_resamples: int, rng: np.random.Generator,
                    subset_rng: np.random.Generator) -> BenchmarkDraws:  # fmt: skip
    """Draws of the human population behind ``compared`` (:class:`BenchmarkDraws`), given its median and MAD.

    Per feature, on its scale, with ``e`` as many standard normal values as the feature has speakers:
    the population is normal with SD ``MAD / MAD(e)`` and median ``median - SD x median(e)``, the
    pivots of a normal sample's median and 1.4826 MAD (a generalised pivotal quantity, Weerahandi
    1993); a second such sample ``e'`` is the redrawn benchmark (median ``SD x median(e')`` off,
    spread ``max(SD x MAD(e'), floor)``). Not a resample of the speakers: a resample of 3-6 values
    repeats speakers, its MAD falls to the floor far more often than a new panel's would, and z with
    it blows up. Features measured on every speaker take their draws from ``rng``, a drawn speaker's
    values of them correlated as the benchmark's speakers' are (:func:`speaker_correlation`): one
    speaker atypical on several features moves their medians and MADs together, which independent
    draws miss. One measured on fewer (a register's pitch level) draws from ``subset_rng``,
    independently; a feature of fewer than :data:`MIN_PIVOT_SPEAKERS` speakers keeps its statistics
    (:func:`exact_features` names them).
    """
    n_panel = max(len(compared[f.column].speaker_values) for f in FEATURES)
    every = [i for i, f in enumerate(FEATURES) if len(compared[f.column].speaker_values) == n_panel]
    shared = rng.standard_normal((2, n_resamples, n_panel, len(FEATURES)))
    shared[..., every] = shared[..., every] @ square_root(speaker_correlation([compared[FEATURES[i].column] for i in every])).T
    observed_centre = np.array([f.to_scale(compared[f.column].median) for f in FEATURES])
    observed_spread = np.array([z_scale(f, compared[f.column].mad) for f in FEATURES])
    true_spread, redrawn_spread = np.tile(observed_spread, (n_resamples, 1)), np.tile(observed_spread, (n_resamples, 1))
    centre_error, redrawn_error = np.zeros((n_resamples, len(FEATURES))), np.zeros((n_resamples, len(FEATURES)))
    for i, feature in enumerate(FEATURES):
        n, mad = len(compared[feature.column].speaker_values), compared[feature.column].mad
        if n < MIN_PIVOT_SPEAKERS or not np.isfinite(mad):
            continue
        standard, redrawn = shared[:, :, :, i] if n == n_panel else subset_rng.standard_normal((2, n_resamples, n))
        with np.errstate(divide="ignore", invalid="ignore"):
            population_sd = np.where(mad > 0, mad / normal_mad(standard, axis=1), 0.0)
        true_spread[:, i] = z_scale(feature, population_sd)
        centre_error[:, i] = population_sd * np.median(standard, axis=1)
        redrawn_error[:, i] = population_sd * np.median(redrawn, axis=1)
        redrawn_spread[:, i] = z_scale(feature, population_sd * normal_mad(redrawn, axis=1))
    return BenchmarkDraws(observed_centre, observed_spread, true_spread, centre_error, redrawn_error, redrawn_spread)


def speaker_correlation(features: list[FeatureStats]) -> np.ndarray:
    """Correlation between ``features`` (measured on the same speakers) of the speakers' normal scores, ``(k, k)``.

    A speaker's normal score on a feature is ``Phi^-1((rank - 3/8) / (n + 1/4))`` (Blom 1958; tied values share their
    mean rank): the correlation is that of a Gaussian copula whatever each feature's own distribution, and one
    extreme speaker cannot dominate it. A feature on which every speaker ties has no rank order: it is uncorrelated
    with the others.
    """
    values = np.column_stack([f.speaker_values for f in features])
    scores = stats.norm.ppf((stats.rankdata(values, axis=0) - 3 / 8) / (len(values) + 1 / 4))
    centred = scores - scores.mean(axis=0)
    norms = np.sqrt((centred**2).sum(axis=0))
    unit = np.divide(centred, norms, out=np.zeros_like(centred), where=norms > 0)
    correlation = unit.T @ unit
    np.fill_diagonal(correlation, 1.0)
    return correlation


def square_root(correlation: np.ndarray) -> np.ndarray:
    """``A`` with ``A A^T = correlation`` (positive semi-definite; singular when features outnumber speakers), from its
    eigendecomposition: rows ``e A^T`` of independent standard normal rows ``e`` have that correlation."""
    eigenvalues, vectors = np.linalg.eigh(correlation)
    return vectors * np.sqrt(np.clip(eigenvalues, 0.0, None))


def exact_features(compared: dict[str, FeatureStats]) -> str:
    """The note naming the distance's features whose few speakers' statistics :func:`benchmark_draws` takes as exact."""
    few = [f"{f.label} ({compared[f.column].n_speakers} speakers)" for f in FEATURES
           if f.weight > 0 and 1 < compared[f.column].n_speakers < MIN_PIVOT_SPEAKERS]  # fmt: skip
    if not few:
        return ""
    return (f"the interval takes the median and spread of {', '.join(few)} as exact: fewer than {MIN_PIVOT_SPEAKERS} "
            f"speakers cannot say where the human centre lies in units of the human spread (counted as uncertain, most "
            f"lower bounds would fall to 0); add speakers")


def scaled(values: np.ndarray) -> np.ndarray:
    """Feature values (natural units, ``(..., features)``) on each feature's scale."""
    return np.stack([f.to_scale(values[..., i]) for i, f in enumerate(FEATURES)], axis=-1)


@dataclasses.dataclass(frozen=True)
class VoiceDraws:
    """A voice's distance, its robust z and its clip-median draws.

    ``z`` is the voice's robust z against the benchmark (per feature); ``deviation`` row ``b`` is
    resample ``b``'s clip median minus the clip median (scale units); ``draws`` pairs deviation ``b``
    with benchmark draw ``b`` (:meth:`BenchmarkDraws.distance` at the observed z).
    """

    values: np.ndarray
    estimate: float
    z: np.ndarray
    deviation: np.ndarray
    benchmark: BenchmarkDraws

    @classmethod
    def of(cls, values: np.ndarray, draws: BenchmarkDraws, *, rng: np.random.Generator) -> VoiceDraws:
        """Resample the clips once per benchmark draw; NaN deviations with fewer than 2 clips."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN feature: it drops out
            median = scaled(np.nanmedian(values, axis=0))
            n, n_draws = len(values), len(draws.true_spread)
            if n < 2:
                deviation = np.full((n_draws, len(FEATURES)), np.nan)
            else:
                deviation = scaled(np.nanmedian(values[rng.integers(0, n, size=(n_draws, n))], axis=1)) - median
        z = (median - draws.observed_centre) / draws.observed_spread  # the robust z of panel.robust_z
        return cls(values, float(z_distance(z)), z, deviation, draws)

    @functools.cached_property
    def draws(self) -> np.ndarray:
        """Bootstrap draws of the distance: clip resample ``b`` against benchmark draw ``b``."""
        return self.benchmark.distance(self.z, self.deviation)

    def interval(self, confidence: float = CONFIDENCE) -> tuple[float, float]:
        """The true distances the estimate does not reject at ``1 - confidence`` (two-sided), by test inversion.

        For each true distance d on a grid of :data:`GRID_STEP` (the voice's z, clipped as the distance
        clips it, scaled so its distance is d), the draws give the estimator's distribution: the voice's clip resamples
        around that z against the benchmark draws. d is kept when the estimate lies within the draws'
        central ``confidence`` range, against the benchmark as measured *or* against a redrawn one (the
        union of the two tests' acceptance: holding the benchmark's spread as measured ignores that a
        new panel's floored MAD would cap z, redrawing it ignores what this panel's MAD says). Bounds
        are linear between grid points; NaN without draws. An estimate smaller than even a voice at the
        median measures in all but ``(1 - confidence) / 2`` of draws is consistent with no distance: ``[0, 0]``.
        """
        if not np.isfinite(self.draws).all():
            return np.nan, np.nan
        direction = np.clip(self.z, -Z_CLIP, Z_CLIP)  # as the distance sees it: a z past the clip counts as Z_CLIP
        truths, scales = truth_grid(direction)
        tail = (1 - confidence) / 2
        bounds = []
        for redrawn in (False, True):
            world = self.benchmark.distance(scales[:, None] * direction, self.deviation, redrawn=redrawn)
            low_q, high_q = np.quantile(world, [tail, 1 - tail], axis=1)
            bounds.append((crossing(truths, high_q, self.estimate, high_q >= self.estimate),
                           crossing(truths, low_q, self.estimate, low_q > self.estimate)))  # fmt: skip
        return min(b[0] for b in bounds), max(b[1] for b in bounds)

    def difference_interval(self, other: VoiceDraws, confidence: float | None = None) -> tuple[float, float]:
        """Generalised confidence interval of this voice's true distance minus ``other``'s: the central ``confidence``
        range of the draws' differences of :attr:`true_distances` (both voices' draws share the benchmark's);
        by default at the calibrated level :meth:`difference_confidence`.

        NaN when either voice has fewer than :data:`MIN_RESOLVABLE_CLIPS` clips.
        """
        difference = self.true_distances - other.true_distances
        if min(len(self.values), len(other.values)) < MIN_RESOLVABLE_CLIPS or not np.isfinite(difference).all():
            return np.nan, np.nan
        if confidence is None:
            confidence = self.difference_confidence(other)
        low, high = np.quantile(difference, [(1 - confidence) / 2, (1 + confidence) / 2])
        return float(low), float(high)

    def difference_confidence(self, other: VoiceDraws) -> float:
        """The calibrated level of the difference interval with ``other`` (:func:`resolvable_confidence`), from the share
        of the variance of the draws' differences that the clip resamples alone (:attr:`held_distances`) give."""
        total = np.var(self.true_distances - other.true_distances)
        share = np.var(self.held_distances - other.held_distances) / total if total > 0 else 1.0
        return resolvable_confidence(share)

    @functools.cached_property
    def held_distances(self) -> np.ndarray:
        """The voice's true distance per clip resample with the benchmark's population held as measured (its clip median
        less resample ``b``'s deviation, in the benchmark's units)."""
        return z_distance(self.z - self.deviation / self.benchmark.observed_spread)

    @functools.cached_property
    def true_distances(self) -> np.ndarray:
        """Generalised pivotal draws of the voice's true distance: per draw ``b``, the distance of its clip median less
        resample ``b``'s deviation from population ``b``'s centre (the benchmark's median less ``centre_error``),
        in units of population ``b``'s spread (``true_spread``)."""
        b = self.benchmark
        return z_distance((self.z * b.observed_spread - self.deviation + b.centre_error) / b.true_spread)


def truth_grid(z: np.ndarray, step: float = GRID_STEP) -> tuple[np.ndarray, np.ndarray]:
    """True distances ``0, step, ...`` up to the largest one ``a z`` reaches, and the scale ``a`` giving each.

    ``z`` is the voice's observed robust z (NaN features drop out); a voice at the median (all z 0)
    is moved along all measured features alike. ``a`` comes from bisection (the clipped distance rises with ``a``).
    """
    direction = z if np.nanmax(np.abs(z), initial=0.0) > 0 else np.where(np.isfinite(z), 1.0, np.nan)
    moved = np.abs(direction[np.isfinite(direction) & (direction != 0)])
    if moved.size == 0:
        return np.zeros(1), np.zeros(1)
    top = Z_CLIP / moved.min()  # every moved feature clipped: the largest distance along this direction
    truths = np.arange(0.0, float(z_distance(top * direction)) + step / 2, step)
    low, high = np.zeros_like(truths), np.full_like(truths, top)
    for _ in range(BISECTIONS):
        middle = (low + high) / 2
        below = z_distance(middle[:, None] * direction) < truths
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    return truths, (low + high) / 2


def crossing(truths: np.ndarray, quantile: np.ndarray, estimate: float, past: np.ndarray) -> float:
    """The truth where ``quantile`` first gets past ``estimate`` (``past`` marks those grid points), linear between
    grid points; the first truth if it is already past, the last if none is."""
    k = int(np.argmax(past)) if past.any() else len(truths)
    if k in (0, len(truths)):
        return float(truths[min(k, len(truths) - 1)])
    rise = quantile[k] - quantile[k - 1]
    share = (estimate - quantile[k - 1]) / rise if rise > 0 else 1.0
    return float(truths[k - 1] + np.clip(share, 0.0, 1.0) * (truths[k] - truths[k - 1]))


def _ties(voice: str, pairs: pd.DataFrame) -> list[str]:
    unresolved = pairs[~pairs["resolvable"] & ((pairs["voice_a"] == voice) | (pairs["voice_b"] == voice))]
    return [b if a == voice else a for a, b in zip(unresolved["voice_a"], unresolved["voice_b"])]
