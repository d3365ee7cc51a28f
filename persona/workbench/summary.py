"""Who a benchmark is built from, as a table a page can show."""

from __future__ import annotations

import pandas as pd

from ..benchmark.build import Benchmark


def benchmark_summary(benchmark: Benchmark) -> pd.DataFrame:
    """One row per scenario: ``scenario, n_clips, n_speakers, speech_min, speakers`` (speech in minutes)."""
    rows = [
        {
            "scenario": scenario,
            "n_clips": info.get("n_clips"),
            "n_speakers": info.get("n_speakers"),
            "speech_min": round(info.get("speech_s", float("nan")) / 60, 1),
            "speakers": ", ".join(info.get("speakers", [])),
        }
        for scenario, info in sorted(benchmark.summary.items())
    ]
    return pd.DataFrame(rows, columns=["scenario", "n_clips", "n_speakers", "speech_min", "speakers"])
