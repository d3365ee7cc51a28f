"""Simulated deployments at the feature level: per-call values of a stable agent, with a planted change.

For testing the watch statistics and measuring their false-alarm rate (``bench/monitor_arl.py``)
without audio. Each call's values are drawn around a voice's typical values with call-to-call
spreads of the size a TTS agent shows across lines (pitch SD 0.6 st, pace SD 0.3 syl/s, ...),
plus a small week-to-week wobble (:data:`WEEKLY_WOBBLE` of the call SD), since real weeks differ
in traffic mix; a planted change shifts every call from its first day on.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from .metrics import METRICS

TYPICAL = {
    # column: (centre, call-to-call SD); F0 in Hz with an SD in st, latencies in s
    "persona_distance": (1.2, 0.3),
    "f0_median_hz": (180.0, 0.6),
    "f0_range_st": (6.0, 1.0),
    "speech_rate_syl_s": (4.5, 0.3),
    "pause_ratio": (0.15, 0.04),
    "loudness_lufs": (-20.0, 1.0),
    "hnr_db": (12.0, 1.5),
    "response_latency_median_s": (0.9, 0.15),
    "response_latency_p90_s": (1.6, 0.3),
    "barge_in_stop_median_s": (0.4, 0.1),
    "dead_air_3s_count": (0.2, None),  # Poisson mean
}
WEEKLY_WOBBLE = 0.1
"""SD of each week's common offset, as a share of the call-to-call SD."""
START = date(2026, 1, 5)
"""A Monday: week 0 of every simulated deployment."""


def shifted(column: str, values: np.ndarray, change: float) -> np.ndarray:
    """Apply a planted change: st for F0 level, a relative change for pace, additive (natural units) otherwise."""
    if column == "f0_median_hz":
        return values * 2.0 ** (change / 12.0)
    if column == "speech_rate_syl_s":
        return values * (1.0 + change)
    return values + change


def deployment(
    weeks: int,
    *,
    calls_per_week: int = 50,
    change_week: int | None = None,
    changes: dict[str, float] | None = None,
    scenario: str = "billing_dispute",
    seed: int = 0,
) -> pd.DataFrame:
    """Per-call rows of ``weeks`` weeks (``id, file, scenario, agent_version, recorded_at`` and every metric column).

    ``changes`` maps a column to its planted shift from ``change_week`` on (st for F0 level, a fraction
    for pace, natural units otherwise); the agent version changes from ``v1`` to ``v2`` with it.
    """
    rng = np.random.default_rng(seed)
    n = weeks * calls_per_week
    week = np.repeat(np.arange(weeks), calls_per_week)
    frame = pd.DataFrame({
        "id": np.arange(1, n + 1), "file": [f"call_{i:06d}.wav" for i in range(n)], "scenario": scenario,
        "agent_version": "v1",
        "recorded_at": [pd.Timestamp(START + timedelta(days=int(7 * w + d))) + pd.Timedelta(hours=9)
                        for w, d in zip(week, rng.integers(0, 7, n))],
    })  # fmt: skip
    for metric in METRICS:
        centre, sd = TYPICAL[metric.column]
        if sd is None:
            frame[metric.column] = rng.poisson(centre, n).astype(float)
            continue
        wobble = rng.normal(0.0, WEEKLY_WOBBLE * sd, weeks)[week]
        if metric.log_hz:
            frame[metric.column] = centre * 2.0 ** ((rng.normal(0.0, sd, n) + wobble) / 12.0)
        else:
            frame[metric.column] = centre + rng.normal(0.0, sd, n) + wobble
    if change_week is not None:
        after = week >= change_week
        frame.loc[after, "agent_version"] = "v2"
        for column, change in (changes or {}).items():
            frame.loc[after, column] = shifted(column, frame.loc[after, column].to_numpy(), change)
    return frame


def stored_rows(frame: pd.DataFrame, *, benchmark_sha256: str) -> list[dict]:
    """:func:`deployment` rows as :class:`~persona.monitor.store.MonitorStore` rows (content hash from the file name)."""
    from .. import __version__

    out = []
    for rec in frame.drop(columns="id").to_dict("records"):
        rec |= {"content_sha256": f"simulated:{rec['file']}", "kind": "call", "benchmark_sha256": benchmark_sha256,
                "persona_version": __version__, "recorded_at": rec["recorded_at"].to_pydatetime()}  # fmt: skip
        out.append(rec)
    return out
