"""Candidate syllable nuclei and per-candidate features, for fitting a learned nucleus scorer (bench/fit_nuclei.py).

Every peak of the tempo-scaled vowel-band intensity of :mod:`persona.features.pace` that stands at
least ``CANDIDATE_PROMINENCE_DB`` above its surroundings inside a speech run is a candidate (today's
detector keeps those >= ``min_dip_db`` prominent, spaced, near a periodic frame). Each is described
by features that do not depend on the recording's level or channel: dB differences within the
telephone band, periodicity, times relative to the recording's own syllable period, and ranks
within the recording.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import parselmouth

from persona import dsp, io
from persona.features.pace import Intensity, PaceParams, Segmentation, intensity, periodicity_near
from persona.features.pitch import PitchTrack

CANDIDATE_PROMINENCE_DB = 1.0
"""Smallest topographic prominence (dB) of a candidate peak (0.5 dB was tried: no gain)."""

LOW_BAND_HZ = (300.0, 600.0)
"""Band (Hz) under the vowel band where nasal murmurs and voice bars keep their energy."""

GAP_RANGE_PERIODS = (0.1, 3.0)
"""Distances to the neighbouring candidates are clipped to this range (syllable periods)."""

FEATURES = (
    "prominence_db",
    "log_prominence",
    "dip_low_db",
    "log_dip_low",
    "log_dip_high",
    "dip_low_re_clip",
    "level_db",
    "level_re_clip",
    "periodicity",
    "periodicity_x_log_dip",
    "log_gap_prev",
    "log_gap_next",
    "log_width",
    "vowel_share_db",
    "low_share_db",
    "log_period",
    "log_density",
    "dip_rank",
    "kept_today",
)
"""Candidate features, in column order:

- ``prominence_db``, ``log_prominence``: topographic prominence of the peak (dB) over the contour
  floored at the speech threshold, and its natural log;
- ``dip_low_db``, ``log_dip_low``, ``log_dip_high``: the shallower dip (dB) between the peak and its
  neighbouring candidates (or the ends of its run), on the floored contour, its log, and the log
  of the deeper one;
- ``dip_low_re_clip``: ``log_dip_low`` minus the log of the recording's median deeper dip;
- ``level_db``: peak level re the recording's speech level (the ``level_quantile`` level, dB);
- ``level_re_clip``: peak level re the 90th percentile of the recording's candidate levels (dB);
- ``periodicity``: strongest pitch candidate (0-1) within ``voicing_tolerance_s`` of the peak, on
  a frame at most ``voicing_level_db`` below it; ``periodicity_x_log_dip``: its product with ``log_dip_low``;
- ``log_gap_prev``, ``log_gap_next``: log of the time to the previous and next candidate in the
  same run, in syllable periods (clipped to :data:`GAP_RANGE_PERIODS`);
- ``log_width``: log of the time the contour stays within 3 dB of the peak, in periods;
- ``vowel_share_db``, ``low_share_db``: level of the vowel band and of :data:`LOW_BAND_HZ` re the
  telephone band (300-3400 Hz) at the peak (dB);
- ``log_period``: log of the recording's syllable period re ``reference_period_s``;
- ``log_density``: log of the recording's candidates per syllable period of speech;
- ``dip_rank``: share (0-1) of the recording's candidates with a shallower ``dip_low_db``;
- ``kept_today``: 1 where today's detector (:func:`persona.features.pace.syllable_nuclei`) has a nucleus.
"""


@dataclass(frozen=True, eq=False)
class Candidates:
    """Candidate nuclei: peak times (s) and one row of :data:`FEATURES` per candidate."""

    times_s: np.ndarray
    features: np.ndarray


def candidates(sound: parselmouth.Sound, band: Intensity, seg: Segmentation, pitch: PitchTrack, params: PaceParams, *, period_s: float, today_s: np.ndarray) -> Candidates:
    """Candidate nuclei on ``band`` (the vowel-band intensity measured at the recording's tempo).

    ``sound`` is the analysis sound the vowel band was filtered from, ``period_s`` the recording's
    syllable period (s, clipped to ``period_range_s``), ``today_s`` today's nuclei (s).
    """
    x = band.db
    peaks = dsp.find_peaks(x, height=seg.threshold_db, prominence=CANDIDATE_PROMINENCE_DB, distance=1)
    peaks = peaks[seg.contains(band.times_s[peaks])]
    if peaks.size == 0:
        return Candidates(np.empty(0), np.empty((0, len(FEATURES))))
    times = band.times_s[peaks]
    run = np.searchsorted(seg.runs_s[:, 0], times, side="right") - 1
    same_prev = np.concatenate([[False], run[1:] == run[:-1]])
    same_next = np.concatenate([run[1:] == run[:-1], [False]])
    prev_idx = np.where(same_prev, np.roll(peaks, 1), np.searchsorted(band.times_s, seg.runs_s[run, 0]))
    next_idx = np.where(same_next, np.roll(peaks, -1), np.searchsorted(band.times_s, seg.runs_s[run, 1], side="right") - 1)
    floored = np.maximum(x, seg.threshold_db)  # digital silence (-300 dB) in a bridged gap dips no deeper than the speech threshold
    dip_prev = np.array([x[p] - floored[a : p + 1].min() for a, p in zip(prev_idx, peaks)])
    dip_next = np.array([x[p] - floored[p : b + 1].min() for p, b in zip(peaks, next_idx)])
    dip_low, dip_high = np.minimum(dip_prev, dip_next), np.maximum(dip_prev, dip_next)
    log_dip_low = np.log(np.maximum(dip_low, 0.1))
    big = GAP_RANGE_PERIODS[1] * period_s
    gap_prev = np.where(same_prev, times - np.roll(times, 1), big)
    gap_next = np.where(same_next, np.roll(times, -1) - times, big)
    level = x[peaks] - (seg.threshold_db - params.silence_db)
    periodicity = periodicity_near(pitch, band, times, params)
    prominence = dsp.prominences(floored, peaks)
    tel = _band_db(sound, io.telephone_band_hz(sound.sampling_frequency), band, params)
    low = _band_db(sound, LOW_BAND_HZ, band, params)
    columns = {
        "prominence_db": prominence,
        "log_prominence": np.log(prominence),
        "dip_low_db": dip_low,
        "log_dip_low": log_dip_low,
        "log_dip_high": np.log(np.maximum(dip_high, 0.1)),
        "dip_low_re_clip": log_dip_low - np.log(max(np.median(dip_high), 0.1)),
        "level_db": level,
        "level_re_clip": level - np.quantile(level, 0.9),
        "periodicity": periodicity,
        "periodicity_x_log_dip": periodicity * log_dip_low,
        "log_gap_prev": _log_periods(gap_prev, period_s),
        "log_gap_next": _log_periods(gap_next, period_s),
        "log_width": np.log(np.maximum(_widths(x, peaks, 3.0), 1) * band.step_s / period_s),
        "vowel_share_db": x[peaks] - tel[peaks],
        "low_share_db": low[peaks] - tel[peaks],
        "log_period": np.full(peaks.size, np.log(period_s / params.reference_period_s)),
        "log_density": np.full(peaks.size, np.log(peaks.size * period_s / max(seg.speech_s, period_s))),
        "dip_rank": (np.argsort(np.argsort(dip_low, kind="stable"), kind="stable") + 0.5) / peaks.size,
        "kept_today": np.isin(np.round(times, 4), np.round(today_s, 4)).astype(np.float64),
    }
    return Candidates(times, np.column_stack([columns[name] for name in FEATURES]))


def _log_periods(gap_s: np.ndarray, period_s: float) -> np.ndarray:
    return np.log(np.clip(gap_s / period_s, *GAP_RANGE_PERIODS))


def _band_db(sound: parselmouth.Sound, band_hz: tuple[float, float], like: Intensity, params: PaceParams) -> np.ndarray:
    """Intensity (dB) of ``sound`` band-passed to ``band_hz``, with the time constants and frames of ``like``."""
    sr_hz = sound.sampling_frequency
    filtered = parselmouth.Sound(dsp.zero_phase_bandpass(sound.values[0], 2, band_hz, sr_hz), sr_hz)
    contour = intensity(filtered, params)
    return np.interp(like.times_s, contour.times_s, contour.db)


def _widths(x: np.ndarray, peaks: np.ndarray, drop_db: float) -> np.ndarray:
    """Frames around each peak for which ``x`` stays within ``drop_db`` of the peak's level."""
    out = np.empty(peaks.size)
    for k, p in enumerate(peaks):
        below = x < x[p] - drop_db
        left = np.flatnonzero(below[:p])
        right = np.flatnonzero(below[p:])
        out[k] = (p + right[0] if right.size else x.size) - (left[-1] if left.size else -1) - 1
    return out
