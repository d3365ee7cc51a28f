"""Long work in small steps, so a page can show a progress bar while the library does the work.

Profiles are computed a few clips at a time into the shared content-hash profile cache
(:mod:`persona.cache`); the library's batch functions called afterwards find every profile there
and do no audio work. Nothing here holds a lock: other sessions keep working meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from ..benchmark import reference as ref
from ..benchmark.build import Benchmark, build_benchmark
from ..benchmark.score import Scores, score_files
from ..extract import extract
from ..features import Profiler

Progress = Callable[[float, str], None]
"""Called with the fraction done (0-1) and a short status text."""


def prefetch_profiles(
    clips: pd.DataFrame | Iterable[str | Path],
    *,
    profiler: Profiler,
    on_progress: Progress,
    step_files: int = 4,
) -> None:
    """Profile ``clips`` into the profile cache ``step_files`` at a time, reporting progress after each step.

    ``clips`` is what :func:`persona.extract.extract` takes (paths, or a table with ``file`` and
    optional ``channel`` and ``transcript``); pass the same table the later batch call gets, so
    the cache keys match.
    """
    table = clips if isinstance(clips, pd.DataFrame) else pd.DataFrame({"file": [str(p) for p in clips]})
    total = len(table)
    for start in range(0, total, step_files):
        extract(table.iloc[start : start + step_files], profiler=profiler)
        done = min(start + step_files, total)
        on_progress(done / total, f"profiled {done} of {total} clips")


def build_with_progress(ref_dir: str | Path, *, telephone: bool = False, on_progress: Progress) -> Benchmark:
    """:func:`persona.benchmark.build.build_benchmark` over ``ref_dir``, reporting profiling progress."""
    humans = ref.humans(ref.read_reference(ref_dir))
    prefetch_profiles(humans, profiler=Profiler.create(telephone=telephone), on_progress=on_progress)
    return build_benchmark(ref_dir, telephone=telephone)


def score_with_progress(
    voices: Iterable[str | Path],
    benchmark: Benchmark,
    *,
    scenario: str,
    reference: pd.DataFrame,
    on_progress: Progress,
    register: str | None = None,
) -> Scores:
    """:func:`persona.benchmark.score.score_files` of voice folders, reporting profiling progress (``register`` as there)."""
    voices = list(voices)
    clips = ref.with_manifest(ref.voice_files(voices), reference)
    prefetch_profiles(clips, profiler=benchmark.profiler(), on_progress=on_progress)
    return score_files(voices, benchmark, scenario=scenario, reference=reference, register=register)
