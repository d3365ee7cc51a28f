"""Who a benchmark is built from, as a table a page can show."""

from __future__ import annotations

import pandas as pd

from ..benchmark.build import Benchmark


def benchmark_summary(benchmark: Benchmark) -> pd.DataFrame:
    """One row per scenario: ``scenario, n_clips, n_speakers, speech_min, speakers, clips_per_speaker, unequal_clips, note``.

    ``speakers`` names each speaker's register and its source; ``note`` is the one-voice note (empty for a panel).
    """
    rows = []
    for scenario, info in sorted(benchmark.summary.items()):
        registers = info.get("speaker_registers", {})
        rows.append({
            "scenario": scenario,
            "n_clips": info.get("n_clips"),
            "n_speakers": info.get("n_speakers"),
            "speech_min": round(info.get("speech_s", float("nan")) / 60, 1),
            "speakers": ", ".join(f"{s} ({registers[s]['register']}, {registers[s]['source']})" if s in registers else s for s in info.get("speakers", [])),
            "clips_per_speaker": ", ".join(f"{s} {n}" for s, n in info.get("clips_per_speaker", {}).items()),
            "unequal_clips": bool(info.get("unequal_clips", False)),
            "note": benchmark.one_voice_note(scenario),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["scenario", "n_clips", "n_speakers", "speech_min", "speakers", "clips_per_speaker", "unequal_clips", "note"])
