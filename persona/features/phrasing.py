"""Phrasing: how pitch and timing evolve phrase by phrase, where TTS voices give themselves away.

A phrase is a speech run of the pace segmentation (an inter-pausal unit) holding at least
``MIN_VOICED_FRAMES`` voiced pitch frames. Per recording:

- ``f0_declination_st_s``: median over phrases of the least-squares slope (st/s) of the phrase's
  semitone contour. Speakers let F0 drift down across a breath group (declination, 't Hart et al.
  1990); many synthesisers draw a flatter or fixed line.
- ``f0_reset_st``: median over consecutive phrase pairs of the step (st) from the end of one
  phrase (median F0 of its last ``EDGE_S``) to the start of the next (its first ``EDGE_S``); a
  positive value is a reset after the pause.
- ``phrase_f0_sd_st``: standard deviation (st) over phrases of each phrase's median F0: how
  much a voice moves its level from one phrase to the next (TTS voices are too consistent).
- ``final_lengthening``: median over phrases with at least ``MIN_NUCLEI`` syllable nuclei of the
  ratio of the last inter-nucleus interval to the median interval of that phrase (1 = none; speakers
  slow down into a phrase end, Klatt 1976).
- ``hnr_sd_db``: standard deviation (dB) over voiced frames of the frame HNR
  ``10 log10(r / (1 - r))`` of the pitch pass's autocorrelation peak ``r``: voice-quality variation (a vocoder's harmonicity is steadier).

A recording with too few phrases, nuclei or voiced frames gets NaN for the measure concerned.
"""

from __future__ import annotations

import numpy as np

from .pace import Segmentation
from .pitch import PitchTrack, semitones
MIN_VOICED_FRAMES = 10
EDGE_S = 0.1
MIN_NUCLEI = 4
MAX_R = 0.9999  # autocorrelation cap: frame HNR at most 40 dB

PHRASING_COLUMNS = ("f0_declination_st_s", "f0_reset_st", "phrase_f0_sd_st", "final_lengthening", "hnr_sd_db")


def phrases(pitch: PitchTrack, seg: Segmentation) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per speech run with enough voiced frames: its voiced frame times (s) and F0 (st re the recording's median)."""
    voiced = pitch.voiced
    if not voiced.any():
        return []
    st = semitones(pitch.f0_hz, float(np.nanmedian(pitch.f0_hz)))
    out = []
    for start, end in seg.runs_s:
        inside = voiced & (pitch.times_s >= start) & (pitch.times_s <= end)
        if inside.sum() >= MIN_VOICED_FRAMES:
            out.append((pitch.times_s[inside], st[inside]))
    return out


def declination_st_s(units: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Median least-squares slope (st/s) of the phrases' contours."""
    slopes = [np.polyfit(t, st, 1)[0] for t, st in units if t[-1] - t[0] > 2 * EDGE_S]
    return float(np.median(slopes)) if slopes else np.nan


def reset_st(units: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Median step (st) from each phrase's final ``EDGE_S`` to the next phrase's first ``EDGE_S``."""
    steps = [np.median(b[1][b[0] <= b[0][0] + EDGE_S]) - np.median(a[1][a[0] >= a[0][-1] - EDGE_S]) for a, b in zip(units, units[1:])]
    return float(np.median(steps)) if steps else np.nan


def phrase_level_sd_st(units: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Standard deviation (st) over phrases of each phrase's median F0; NaN with fewer than 2 phrases."""
    levels = [np.median(st) for _, st in units]
    return float(np.std(levels, ddof=1)) if len(levels) >= 2 else np.nan


def final_lengthening(nuclei_s: np.ndarray, seg: Segmentation) -> float:
    """Median over phrases of last inter-nucleus interval / the phrase's median interval."""
    run = np.searchsorted(seg.runs_s[:, 0], nuclei_s, side="right") - 1
    ratios = []
    for r in np.unique(run[run >= 0]):
        intervals = np.diff(nuclei_s[run == r])
        if intervals.size + 1 >= MIN_NUCLEI:
            ratios.append(intervals[-1] / np.median(intervals))
    return float(np.median(ratios)) if ratios else np.nan


def hnr_sd_db(pitch: PitchTrack) -> float:
    """Standard deviation (dB) of the frame HNR over voiced frames."""
    r = np.clip(pitch.strength[pitch.voiced], 1e-6, MAX_R)
    return float(np.std(10.0 * np.log10(r / (1.0 - r)), ddof=1)) if r.size >= 2 else np.nan


def phrasing_stats(pitch: PitchTrack, seg: Segmentation, nuclei_s: np.ndarray) -> dict[str, float]:
    """All :data:`PHRASING_COLUMNS` of one recording."""
    units = phrases(pitch, seg)
    return {
        "f0_declination_st_s": declination_st_s(units),
        "f0_reset_st": reset_st(units),
        "phrase_f0_sd_st": phrase_level_sd_st(units),
        "final_lengthening": final_lengthening(nuclei_s, seg),
        "hnr_sd_db": hnr_sd_db(pitch),
    }
