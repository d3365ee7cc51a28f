"""Does the `persona compare` interval cover the true distance, and does it say anything, across benchmark designs?

Usage: nice -n 10 python3 bench/compare_calibration.py [--panels 200] [--designs normal6,register3]
                                                       [--corpus ../shared/corpus] [--seed 0] [--jobs 1]

Each panel runs the library's interval (:mod:`persona.benchmark.compare`: ``benchmark_draws``,
``VoiceDraws``, 999 draws) on a benchmark built the way ``persona benchmark build`` builds it
(:func:`persona.benchmark.panel.panel_stats` over one clip per speaker), without profiling audio,
so many designs run quickly (``bench/stats_calibration.py`` runs one design through the whole
pipeline). A design's human population gives every feature a true centre and spread (spread =
``max(population SD or MAD, floor)`` on the feature's scale); the voice's true centre sits
``delta`` spreads from the human centre on every feature, so its true persona distance is
``delta``, and its clips scatter one spread around it. Designs:

- ``normalK-S``: K speakers, every feature ~ N(centre, S x floor) (K = 6, 12, 20; S = 1.5 or 3).
- ``register3``: like the bundled benchmark: 6 speakers, pitch level from the 3 of the voice's register.
  The interval holds those 3 speakers' pitch statistics exact (and says so), so its truth measures pitch
  level against them, the other features against the population.
- ``corpus``: 6 speakers drawn (with replacement) from the development corpus's real human speakers
  (their profiled feature values: neither normal nor independent; pitch pools men and women); the truth
  is measured against all of them (median, ``max(1.4826 MAD, floor)``). A speaker drawn more than once moves
  every feature's median and MAD at once (an atypical speaker twice widens the MADs of all the features it is
  atypical on; one drawn three times puts every median on that speaker and shrinks the MADs to the floor), which
  no panel of distinct people does; ``corpus-distinct`` draws 6 different speakers (a finite population of 9, so
  its benchmarks vary less than draws from a large one would).

Printed per design, true distance and clips per voice: coverage (target >= 0.93) with its SE, the
mean width, and how often the interval says something: lower bound > 0, and > half the truth.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from persona.benchmark.compare import MIN_PIVOT_SPEAKERS, N_RESAMPLES, VoiceDraws, benchmark_draws
from persona.benchmark.features import FEATURES, feature_values
from persona.benchmark.panel import feature_stats, normal_mad, panel_stats, z_distance, z_scale
from persona.benchmark.register import PITCH

FLOORS = np.array([f.floor for f in FEATURES])
CENTRES = {"f0_median_hz": 120.0, "f0_sd_st": 3.0, "f0_range_st": 10.0, "f0_step_sd_st": 0.45, "speech_rate_syl_s": 4.0,
           "pause_ratio": 0.2, "mean_pause_s": 0.4, "loudness_lufs": -23.0, "intensity_sd_db": 9.0, "hnr_db": 12.0,
           "jitter_local": 0.01, "shimmer_local": 0.05}  # fmt: skip
"""Natural-unit human centres of the simulated designs (a typical man's read speech)."""
DISTANCES = (0.5, 1.5, 3.0)
CLIPS = (5, 10, 20, 50)
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@dataclasses.dataclass(frozen=True)
class Design:
    """A human population (scale units, one row per speaker, or normal when ``population`` is empty) and a panel size."""

    name: str
    n_speakers: int
    spread_floors: float = 1.5
    pitch_speakers: int = 0
    population: tuple[tuple[float, ...], ...] = ()
    distinct: bool = False

    def truth(self) -> tuple[np.ndarray, np.ndarray]:
        """The population's centre and spread per feature (scale units): what a true distance is measured against."""
        if not self.population:
            return scaled_centres(), self.spread_floors * FLOORS
        values = np.array(self.population)
        return np.median(values, axis=0), np.maximum(normal_mad(values, axis=0), FLOORS)

    def speakers(self, rng: np.random.Generator) -> np.ndarray:
        """One benchmark's speakers, ``(n_speakers, features)`` on the scale."""
        if self.population:
            pick = rng.choice(len(self.population), self.n_speakers, replace=not self.distinct)
            return np.array(self.population)[pick]
        centre, spread = self.truth()
        return centre + spread * rng.standard_normal((self.n_speakers, len(FEATURES)))


def scaled_centres() -> np.ndarray:
    return np.array([f.to_scale(CENTRES[f.column]) for f in FEATURES])


def natural(scale_values: np.ndarray) -> np.ndarray:
    """Scale-unit values back in each feature's natural unit (Hz for pitch level)."""
    return np.column_stack([2 ** (scale_values[:, i] / 12.0) if f.log_scale else scale_values[:, i] for i, f in enumerate(FEATURES)])


def clips(rng: np.random.Generator, design: Design, delta: float, n: int) -> np.ndarray:
    """A voice's clips (scale units): centre ``delta`` spreads from the human centre on every feature, scatter one spread."""
    centre, spread = design.truth()
    return centre + spread * (delta + rng.standard_normal((n, len(FEATURES))))


def compared_stats(speakers: np.ndarray, pitch_speakers: int) -> dict:
    """The benchmark statistics a voice is compared with, one clip per speaker; pitch level from the first ``pitch_speakers``."""
    table = pd.DataFrame(natural(speakers), columns=[f.column for f in FEATURES])
    names = pd.Series([f"s{k}" for k in range(len(table))])
    compared = panel_stats(table, names)
    if pitch_speakers:
        compared[PITCH.column] = feature_stats(PITCH, table[PITCH.column][:pitch_speakers], names[:pitch_speakers])
    return compared


def panel(design: Design, delta: float, n_clips: int, seed: int) -> tuple[float, float, float]:
    """The interval of one simulated voice against one simulated benchmark, and the voice's true distance."""
    rng = np.random.default_rng(seed)
    compared = compared_stats(design.speakers(rng), design.pitch_speakers)
    draws = benchmark_draws(compared, n_resamples=N_RESAMPLES, rng=rng, subset_rng=rng)
    voice = VoiceDraws.of(natural(clips(rng, design, delta, n_clips)), draws, rng=rng)
    return (*voice.interval(), true_distance(design, delta, compared))


def true_distance(design: Design, delta: float, compared: dict) -> float:
    """``delta``, except that a feature the interval holds exact (fewer than ``MIN_PIVOT_SPEAKERS`` speakers, as its
    note says) is measured against the benchmark's own median and ``max(MAD, floor)``: what the interval claims."""
    centre, spread = design.truth()
    z = np.full(len(FEATURES), delta)
    for i, f in enumerate(FEATURES):
        s = compared[f.column]
        if s.n_speakers < MIN_PIVOT_SPEAKERS:
            z[i] = (centre[i] + delta * spread[i] - f.to_scale(s.median)) / z_scale(f, s.mad)
    return float(z_distance(z))


def summary(intervals: np.ndarray) -> dict:
    """Coverage of the true distance (column 3) with its SE, mean width, and the shares of lower bounds above 0 and
    above half the truth."""
    low, high, truth = intervals.T
    cover = float(np.mean((low <= truth) & (truth <= high)))
    return {"coverage": cover, "SE": np.sqrt(cover * (1 - cover) / len(intervals)), "mean width": float(np.nanmean(high - low)),
            "low>0": float(np.mean(low > 0)), "low>d/2": float(np.mean(low > truth / 2))}  # fmt: skip


def print_header() -> None:
    print(f"{'design':<12} {'true distance':>13} {'clips/voice':>11} {'coverage':>9} {'SE':>6} {'mean width':>10} "
          f"{'low>0':>6} {'low>d/2':>7} {'s/panel':>8}")  # fmt: skip


def print_row(design: str, delta: float, n_clips: int, row: dict, seconds: float) -> None:
    flag = "" if row["coverage"] >= 0.93 else "  COVERAGE LOW"
    print(f"{design:<12} {delta:>13.1f} {n_clips:>11d} {row['coverage']:>9.3f} {row['SE']:>6.3f} {row['mean width']:>10.3f} "
          f"{row['low>0']:>6.3f} {row['low>d/2']:>7.3f} {seconds:>8.2f}{flag}", flush=True)  # fmt: skip


def corpus_population(corpus: Path) -> tuple[tuple[float, ...], ...]:
    """The development corpus's human speakers' feature values (speaker medians, scale units), profiled (cached)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from benchmark_validation import corpus_clips

    from persona.benchmark.build import profile_reference
    from persona.features import Profiler

    profiles = profile_reference(corpus_clips(corpus)[0], profiler=Profiler(), jobs=1)
    per_speaker = feature_values(profiles).groupby(profiles["speaker"].to_numpy()).median().dropna()
    scale = np.column_stack([f.to_scale(per_speaker[f.column]) for f in FEATURES])
    return tuple(tuple(row) for row in scale)


def designs(corpus: Path) -> dict[str, Design]:
    out = {f"normal{k}-{s:g}": Design(f"normal{k}-{s:g}", k, s) for k, s in ((6, 1.5), (12, 1.5), (20, 1.5), (6, 3.0))}
    out["register3"] = Design("register3", 6, pitch_speakers=3)
    if (corpus / "manifest.csv").exists():
        population = corpus_population(corpus)
        out["corpus"] = Design("corpus", 6, population=population)
        out["corpus-distinct"] = Design("corpus-distinct", 6, population=population, distinct=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=200)
    parser.add_argument("--designs", type=lambda s: s.split(","), default=None, help="names (default all)")
    parser.add_argument("--distances", type=lambda s: [float(d) for d in s.split(",")], default=list(DISTANCES))
    parser.add_argument("--clips", type=lambda s: [int(c) for c in s.split(",")], default=list(CLIPS))
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    available = designs(args.corpus)
    if "corpus" in available:
        print(f"corpus design: {len(available['corpus'].population)} real human speakers from {args.corpus}")
    print_header()
    for name in args.designs or list(available):
        for delta in args.distances:
            for n_clips in args.clips:
                start = time.perf_counter()
                seeds = range(args.seed, args.seed + args.panels)
                with ProcessPoolExecutor(args.jobs) as pool:
                    intervals = np.array(list(pool.map(functools.partial(panel, available[name], delta, n_clips), seeds, chunksize=10)))
                print_row(name, delta, n_clips, summary(intervals), (time.perf_counter() - start) / args.panels)


if __name__ == "__main__":
    main()
