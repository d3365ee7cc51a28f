"""Synthetic test signals with known answers (F0, level, syllable count)."""

from __future__ import annotations

import numpy as np

SR_HZ = 16000


def harmonic(f0_hz: float, *, duration_s: float = 1.0, sr_hz: int = SR_HZ, n_harmonics: int = 12, peak: float = 0.5) -> np.ndarray:
    """A steady voice-like tone: harmonics of ``f0_hz`` with 1/k amplitudes, below Nyquist."""
    t = np.arange(int(round(duration_s * sr_hz))) / sr_hz
    ks = [k for k in range(1, n_harmonics + 1) if k * f0_hz < 0.45 * sr_hz]
    x = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in ks)
    return peak * x / np.max(np.abs(x))


def syllable_train(n: int, *, f0_hz: float = 120.0, rate_hz: float = 4.0, sr_hz: int = SR_HZ, lead_s: float = 0.3) -> np.ndarray:
    """``n`` voiced syllables (raised-cosine bursts of a harmonic tone) at ``rate_hz``, silence around."""
    period = int(round(sr_hz / rate_hz))
    burst = np.hanning(int(0.7 * period)) ** 2
    lead = int(lead_s * sr_hz)
    envelope = np.zeros(2 * lead + n * period)
    for i in range(n):
        start = lead + i * period
        envelope[start : start + burst.size] = burst
    return envelope * harmonic(f0_hz, duration_s=envelope.size / sr_hz, sr_hz=sr_hz)
