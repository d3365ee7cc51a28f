"""Extraction throughput at archive scale: --jobs 1 vs 2, cold vs cached, peak RSS.

Makes N distinct clips (default 500) from the corpus TTS and human files: random 3-8 s crops
with random gains, written as 16 kHz WAV to a temporary folder, so the content-hash cache cannot
deduplicate them. Then profiles them with ``jobs=1`` and ``jobs=2`` (no cache), and cold vs
cached with a fresh cache.

Run:  python bench/score_scale.py [--clips 500] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from persona import io
from persona.cache import ProfileCache
from persona.extract import extract

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def make_clips(corpus: Path, folder: Path, n: int, *, seed: int = 0) -> list[Path]:
    """``n`` distinct crops (3-8 s, gain -6..0 dB) of corpus files longer than 3 s."""
    rng = np.random.default_rng(seed)
    files = [p for p in sorted(corpus.glob("*/**/*.wav")) if "fsdd_" not in p.name]  # digits: under 1.2 s
    sources = [io.resample(a, 16000) for a in map(io.load, files) if a.duration_s >= 3.0]
    paths = []
    for i in range(n):
        audio = sources[rng.integers(len(sources))]
        length = int(rng.uniform(3.0, min(8.0, audio.duration_s)) * audio.sr_hz)
        start = int(rng.integers(0, audio.samples.size - length + 1))
        gain = 10 ** (rng.uniform(-6, 0) / 20)
        paths.append(io.write_wav(folder / f"clip_{i:05d}.wav", audio.with_samples(audio.samples[start : start + length] * gain)))
    return paths


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=500)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_clips(args.corpus, folder, args.clips)
        hours = sum(io.load(p).duration_s for p in paths) / 3600
        print(f"{len(paths)} distinct clips, {hours * 60:.1f} min of audio")
        walls = {}
        for jobs in (1, 2):
            walls[jobs], frame = timed(lambda: extract(paths, jobs=jobs, cache=False))
            print(f"--jobs {jobs}: {walls[jobs]:6.1f} s  {len(paths) / walls[jobs]:6.1f} clips/s  "
                  f"{hours / (walls[jobs] / 60):.3f} audio-hours per wall-minute  ({int(frame['error'].astype(bool).sum())} failed)")  # fmt: skip
        print(f"speed-up jobs 2 / jobs 1: {walls[1] / walls[2]:.2f}x (target >= 1.8x)")
        cache = ProfileCache(folder / "cache.sqlite")
        cold, _ = timed(lambda: extract(paths, jobs=2, cache=cache))
        warm, _ = timed(lambda: extract(paths, jobs=2, cache=cache))
        print(f"cold (jobs 2, filling cache): {cold:.1f} s; cached re-score: {warm:.2f} s; ratio {cold / warm:.0f}x (target >= 50x)")
    peak_mb = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    print(f"peak RSS (largest single process): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
