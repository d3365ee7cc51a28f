"""Voice quality from the shared pitch analysis: HNR, local jitter and local shimmer.

HNR is derived from the normalised autocorrelation peak ``r`` of each voiced frame of the pitch
track, ``10 * log10(r / (1 - r))`` (Boersma 1993; the quantity Praat's Harmonicity (ac) reports),
averaged over voiced frames. Jitter and shimmer use Praat's standard settings on glottal pulses
found by cross-correlation from the same pitch track (period 0.1-20 ms, max period factor 1.3,
max amplitude factor 1.6). Jitter and shimmer are fractions (0.01 = 1 %).
"""

from __future__ import annotations

import numpy as np
import parselmouth
from parselmouth.praat import call

from .pitch import PitchTrack

MAX_R = 0.9999  # caps HNR at 40 dB, Praat's practical ceiling


def hnr_db(pitch: PitchTrack) -> float:
    """Mean harmonics-to-noise ratio (dB) over voiced frames."""
    r = np.clip(pitch.strength[pitch.voiced], 1e-6, MAX_R)
    return float(np.mean(10.0 * np.log10(r / (1.0 - r)))) if r.size else np.nan


def perturbation(sound: parselmouth.Sound, pitch: PitchTrack) -> dict[str, float]:
    """Local jitter and local shimmer (fractions) from cross-correlation glottal pulses."""
    pulses = call([sound, pitch.praat], "To PointProcess (cc)")
    jitter = call(pulses, "Get jitter (local)", 0, 0, 0.0001, 0.02, 1.3)
    shimmer = call([sound, pulses], "Get shimmer (local)", 0, 0, 0.0001, 0.02, 1.3, 1.6)
    return {"jitter_local": _finite(jitter), "shimmer_local": _finite(shimmer)}


def _finite(value: float) -> float:
    return float(value) if value is not None and np.isfinite(value) else np.nan
