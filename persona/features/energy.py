"""Energy: ITU-R BS.1770 integrated loudness and Praat intensity statistics over speech."""

from __future__ import annotations

import warnings

import numpy as np
import pyebur128

from ..errors import GatedLoudnessWarning
from ..io import Audio
from .pace import Intensity, PaceParams, Segmentation


ABSOLUTE_GATE_LUFS = -70.0
"""BS.1770's absolute gate: 400 ms blocks quieter than this do not count."""


def loudness_lufs(audio: Audio) -> float:
    """BS.1770-4 gated integrated loudness (LUFS) at the recording's own rate: libebur128 (pyebur128).

    libebur128 is the reference implementation of EBU R128 (the one ffmpeg's ``ebur128`` filter
    uses). Its K-weighting is derived for the recording's rate from the analog prototype, so a
    997 Hz sine at -23 dBFS in one channel reads -26.01 LUFS within 0.04 LU from 8 to 48 kHz; only
    complete 400 ms gating blocks count, as BS.1770-4 says (pyloudnorm, with the same filters,
    also measures a last, partial block as if it were complete, which read clips up to 0.2 LU low).

    NaN, with a warning, when every block is below the absolute gate (-70 LUFS): the recording
    is too quiet for BS.1770 to measure (e.g. speech peaking near -50 dBFS).
    """
    meter = pyebur128.R128State(1, audio.sr_hz, pyebur128.MeasurementMode.MODE_I)
    meter.add_frames(audio.samples, audio.samples.size)
    value = pyebur128.get_loudness_global(meter)
    if np.isfinite(value):
        return float(value)
    warnings.warn(f"{audio.path}: too quiet for BS.1770 loudness (every block below {ABSOLUTE_GATE_LUFS:g} LUFS)", GatedLoudnessWarning, stacklevel=2)
    return np.nan


def intensity_stats(contour: Intensity, seg: Segmentation, params: PaceParams = PaceParams()) -> dict[str, float]:
    """Mean, SD and p5-p95 range (dB) of the intensity over sounding frames of speech runs (dB averaging).

    Sounding frames are within ``silence_db`` of the contour's ``level_quantile`` level: the
    digital silence some TTS engines put between words would otherwise add tens of dB of "dynamics".
    """
    sounding = contour.db >= np.quantile(contour.db, params.level_quantile) + params.silence_db
    db = contour.db[sounding & seg.contains(contour.times_s)]
    if db.size < 2:
        return {"intensity_mean_db": np.nan, "intensity_sd_db": np.nan, "intensity_range_db": np.nan}
    p5, p95 = np.quantile(db, [0.05, 0.95])
    return {
        "intensity_mean_db": float(db.mean()),
        "intensity_sd_db": float(db.std(ddof=1)),
        "intensity_range_db": float(p95 - p5),
    }
