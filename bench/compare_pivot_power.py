"""Which power p makes the basic bootstrap interval of distance**p cover, across benchmark sizes and spreads?

Usage: nice -n 10 python3 bench/compare_pivot_power.py [--panels 150] [--powers 1,2,3,4]

A vectorised replica of the ``persona compare`` interval (:mod:`persona.benchmark.compare`) on
the feature scale, so many benchmark designs can be run quickly: ``n_speakers`` human speakers
with per-feature values ~ N(0, spread) (spread a multiple of the feature's floor) and a voice
whose clips scatter ~ N(delta x spread, spread), so its true persona distance is ``delta``.
Per panel: the distance of the clip median against the speakers' median and max(1.4826 MAD,
floor); 999 draws resampling clips and speakers (jointly across features); the basic interval
``[(2 D^p - q_hi)^(1/p), (2 D^p - q_lo)^(1/p)]`` for each power. Printed: coverage per design.
``bench/stats_calibration.py`` checks the chosen power through the real pipeline.
"""

from __future__ import annotations

import argparse

import numpy as np

from persona.benchmark.features import FEATURES
from persona.benchmark.panel import normal_mad, z_distance

FLOORS = np.array([f.floor for f in FEATURES])


def coverage(delta: float, n_clips: int, n_speakers: int, spread_floors: float, powers: list[float], *,
             panels: int, draws: int = 999, seed: int = 0) -> dict[float, float]:  # fmt: skip
    """Share of panels whose interval covers ``delta``, per power."""
    rng = np.random.default_rng(seed)
    spread = spread_floors * FLOORS
    hits = dict.fromkeys(powers, 0)
    for _ in range(panels):
        humans = rng.standard_normal((n_speakers, len(FEATURES))) * spread
        clips = (delta + rng.standard_normal((n_clips, len(FEATURES)))) * spread
        estimate = _distance(np.median(clips, axis=0), humans)
        resampled = humans[rng.integers(0, n_speakers, (draws, n_speakers))]
        medians = np.median(clips[rng.integers(0, n_clips, (draws, n_clips))], axis=1)
        boot = z_distance((medians - np.median(resampled, axis=1)) / np.maximum(normal_mad(resampled, axis=1), FLOORS))
        for p in powers:
            low_q, high_q = np.quantile(boot**p, [0.025, 0.975])
            low, high = max(2 * estimate**p - high_q, 0) ** (1 / p), max(2 * estimate**p - low_q, 0) ** (1 / p)
            hits[p] += low <= delta <= high
    return {p: h / panels for p, h in hits.items()}


def _distance(profile: np.ndarray, humans: np.ndarray) -> float:
    return float(z_distance((profile - np.median(humans, axis=0)) / np.maximum(normal_mad(humans, axis=0), FLOORS)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=150)
    parser.add_argument("--powers", type=lambda s: [float(p) for p in s.split(",")], default=[1.0, 2.0, 3.0, 4.0])
    args = parser.parse_args()
    print(f"{'speakers':>8} {'spread/floor':>12} {'distance':>8} {'clips':>5}  " + "  ".join(f"p={p:g}" for p in args.powers))
    for n_speakers, spread_floors in ((6, 1.5), (12, 1.5), (20, 1.5), (6, 3.0)):
        for delta in (0.5, 1.5):
            for n_clips in (5, 50):
                cover = coverage(delta, n_clips, n_speakers, spread_floors, args.powers, panels=args.panels)
                print(f"{n_speakers:>8d} {spread_floors:>12.1f} {delta:>8.1f} {n_clips:>5d}  "
                      + "  ".join(f"{cover[p]:.3f}" for p in args.powers), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
