"""Headphone screening with Huggins pitch (Milne et al. 2021, Behav. Res. Methods 53:1551).

Each screening trial is three 1 s bursts of white noise separated by 0.5 s gaps. In one burst,
chosen at random, the noise in a 12 % band around 600 Hz is phase-inverted in the right ear
only. Over headphones that burst carries a faint pitch; over loudspeakers the interaural
difference is lost and the three bursts sound alike. The listener says which burst had the tone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SR_HZ = 16000
CENTRE_HZ = 600.0
BAND_FRACTION = 0.12
BURST_S = 1.0
GAP_S = 0.5
RAMP_S = 0.02
LEVEL_RMS_DBFS = -26.0
INTERVALS = 3


@dataclass(frozen=True, eq=False)
class HeadphoneTrial:
    """One three-interval Huggins-pitch trial.

    Attributes
    ----------
    samples : np.ndarray
        Stereo samples, shape ``(n, 2)``, in [-1, 1].
    sr_hz : int
        Sample rate in Hz.
    answer : int
        The burst (1, 2 or 3) that carries the Huggins pitch.
    """

    samples: np.ndarray
    sr_hz: int
    answer: int


def huggins_trial(*, seed: int | list[int]) -> HeadphoneTrial:
    """Generate one Huggins-pitch trial; the target burst and the noise come from ``seed``."""
    rng = np.random.default_rng(seed)
    answer = int(rng.integers(1, INTERVALS + 1))
    gap = np.zeros((int(GAP_S * SR_HZ), 2))
    parts = []
    for interval in range(1, INTERVALS + 1):
        parts.append(_burst(rng, dichotic=interval == answer))
        if interval < INTERVALS:
            parts.append(gap)
    return HeadphoneTrial(np.concatenate(parts), SR_HZ, answer)


def _burst(rng: np.random.Generator, *, dichotic: bool) -> np.ndarray:
    n = int(BURST_S * SR_HZ)
    left = rng.standard_normal(n)
    spectrum = np.fft.rfft(left)
    if dichotic:
        freqs = np.fft.rfftfreq(n, 1 / SR_HZ)
        band = np.abs(freqs - CENTRE_HZ) <= CENTRE_HZ * BAND_FRACTION / 2
        spectrum[band] *= -1
    right = np.fft.irfft(spectrum, n)
    ramp_n = int(RAMP_S * SR_HZ)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, ramp_n))
    envelope = np.ones(n)
    envelope[:ramp_n] = ramp
    envelope[n - ramp_n :] = ramp[::-1]
    gain = 10 ** (LEVEL_RMS_DBFS / 20) / np.sqrt(np.mean(left**2))
    return np.stack([left, right], axis=1) * (envelope * gain)[:, None]
