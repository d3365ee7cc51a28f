"""Simulated deployments: a stable agent week after week, then a planted change.

:func:`deployment` works at the feature level, for the watch statistics and their false-alarm rate
(``bench/monitor_arl.py``) without audio: each call's values are drawn around a voice's typical
values with call-to-call spreads of the size a TTS agent shows across lines (pitch SD 0.6 st, pace
SD 0.3 syl/s, ...), plus a small week-to-week wobble (:data:`WEEKLY_WOBBLE` of the call SD), since
real weeks differ in traffic mix; a planted change shifts every call from its first day on.

:func:`audio_deployment` writes real recordings from real clips: agent clips (PSOLA pitch and rate
changes from :func:`persona.benchmark.apply_prescription` after the change) or two-channel calls
with a known agent response latency, each recording with a -80 dBFS dither of its own so no two
share content.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from .. import io
from ..benchmark import Prescription, apply_prescription
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


SR_HZ = 8000
"""Rate of simulated recordings: the telephone rate."""
DITHER = 1e-4
"""Amplitude of the per-recording dither (-80 dBFS): below any speech, but new bytes."""
CALL_GAPS_S = (0.5, 0.4)
"""Agent greeting -> caller, and caller -> agent gaps before the latency change (s); the second is the response latency."""
TRIM_DB = 40.0
"""Clips are trimmed to the samples within this range (dB) of their loudest 10 ms frame."""


def _speech(path: str | Path, *, max_s: float) -> np.ndarray:
    """A clip at :data:`SR_HZ`, trimmed to its speech extent and to ``max_s`` seconds."""
    return _trimmed(io.resample(io.load(path), SR_HZ).samples)[: int(max_s * SR_HZ)]


def _changed(path: str | Path, pitch_st: float, rate_pct: float) -> io.Audio:
    audio = io.resample(io.load(path), SR_HZ)
    if not pitch_st and not rate_pct:
        return audio
    change = Prescription(voice="simulated", scenario="", pitch_st=pitch_st, rate_pct=rate_pct, range_pct=0.0, volume_db=0.0, break_ms=0)
    return apply_prescription(audio, change)


def audio_deployment(
    agent_clips: list[str | Path],
    out_dir: str | Path,
    *,
    weeks: int,
    calls_per_week: int,
    scenario: str,
    change_week: int | None = None,
    pitch_st: float = 0.0,
    rate_pct: float = 0.0,
    caller_clips: list[str | Path] | None = None,
    latency_change_s: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Write a deployment's recordings and return its manifest (``file, scenario, agent_version, recorded_at``).

    Without ``caller_clips`` each recording is a mono agent clip (the sources in turn, PSOLA-changed
    by ``pitch_st`` and ``rate_pct`` from ``change_week`` on). With them, each is a two-channel call
    (agent on channel 0, caller on 1): agent greeting, caller turn, agent answer after a response
    latency of :data:`CALL_GAPS_S` [1] (+ ``latency_change_s`` from ``change_week`` on) +- 50 ms.
    """
    rng = np.random.default_rng(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    changed = {str(p): _changed(p, pitch_st, rate_pct).samples for p in agent_clips} if change_week is not None else {}
    plain = {str(p): io.resample(io.load(p), SR_HZ).samples for p in agent_clips}
    rows = []
    for week in range(weeks):
        after = change_week is not None and week >= change_week
        for i in range(calls_per_week):
            n = week * calls_per_week + i
            source = str(agent_clips[n % len(agent_clips)])
            agent = (changed if after else plain)[source]
            if caller_clips:
                latency = CALL_GAPS_S[1] + (latency_change_s if after else 0.0) + rng.uniform(-0.05, 0.05)
                greeting = _speech(agent_clips[(n + 1) % len(agent_clips)], max_s=2.0)
                caller = _speech(caller_clips[n % len(caller_clips)], max_s=3.0)
                samples = _call(greeting, caller, _trimmed(agent), latency)
            else:
                samples = agent
            samples = samples + rng.normal(0.0, DITHER, samples.shape)
            path = out / f"{scenario}_w{week:02d}_{i:02d}.wav"
            sf.write(path, samples, SR_HZ, subtype="PCM_16")
            rows.append({"file": str(path), "scenario": scenario, "agent_version": "v2" if after else "v1",
                         "recorded_at": pd.Timestamp(START + timedelta(days=7 * week + i % 7)) + pd.Timedelta(hours=10)})  # fmt: skip
    return pd.DataFrame(rows)


def _trimmed(samples: np.ndarray) -> np.ndarray:
    """``samples`` from the first to the last 10 ms frame within :data:`TRIM_DB` of the loudest."""
    frame = SR_HZ // 100
    n = samples.size // frame
    level = 10 * np.log10((samples[: n * frame].reshape(n, frame) ** 2).mean(axis=1) + 1e-12)
    loud = np.flatnonzero(level >= level.max() - TRIM_DB)
    return samples[loud[0] * frame : (loud[-1] + 1) * frame]


def _call(greeting: np.ndarray, caller: np.ndarray, answer: np.ndarray, latency_s: float) -> np.ndarray:
    """Two channels (agent, caller): greeting, gap, caller turn, ``latency_s``, agent answer, 0.5 s of silence."""
    gap, wait, tail = (int(s * SR_HZ) for s in (CALL_GAPS_S[0], latency_s, 0.5))
    total = greeting.size + gap + caller.size + wait + answer.size + tail
    call = np.zeros((total, 2))
    call[: greeting.size, 0] = greeting
    start = greeting.size + gap
    call[start : start + caller.size, 1] = caller
    start += caller.size + wait
    call[start : start + answer.size, 0] = answer
    return call
