"""Paired mode: an agent clip and a human clip of the same script line, aligned and compared.

The two clips are aligned by dynamic time warping (DTW; dtw-python, symmetric2 steps) of their
MFCCs in the telephone band: 13 coefficients (c0-c12, orthonormal DCT) of Praat's mel spectrogram
at 8 kHz (triangular filters 80 mel apart from 400 to 2000 mel, i.e. 300-3400 Hz, 15 ms window,
10 ms hop, band values in dB floored 80 dB below the loudest), cepstral-mean normalised and divided
by sqrt(number of filters), so the Euclidean distance of two frames is the RMS difference (dB) of
their smoothed log mel spectra. In the telephone band, a studio clip and its telephone copy align
frame for frame. Pitch, speech runs and pauses are measured as the profile measures them (:meth:`Profiler.analysis_sound`, its pitch track and its vowel-band
segmentation, through the telephone chain when the profiler has it). Along the warping path:

* ``dtw_cost``: mean distance along the path (dB; the symmetric2 distance over the two lengths);
* ``f0_gross_error_rate``: share of frames voiced in both whose F0 differ by more than 20 %
  (``GROSS_ERROR_CENTS``, the usual gross pitch error criterion), after removing each
  speaker's median; these are octave jumps or mismatched syllables, not melody;
* ``f0_rmse_cents``: RMS difference of the F0 contours in cents over the other frames, each
  relative to its own speaker's median F0 (so a bass and a soprano with the same melody score 0);
* ``f0_correlation``: Pearson correlation of the same two contours (all frames voiced in both);
* ``duration_ratio``: agent speaking span / human speaking span (speech runs plus pauses);
* ``pause_f1``: agreement of pause placement, the F1 score of agent pause centres mapped
  through the path onto human pause centres, a match being within ``pause_tolerance_s``.
"""

from __future__ import annotations

import dtw
import numpy as np
import pandas as pd
import parselmouth
from parselmouth import praat
from scipy import fft, stats
from scipy.spatial.distance import cdist

from .. import io
from ..errors import ParameterError
from ..features import Profiler
from ..features import pace, pitch

HOP_S = 0.01
MFCC_SR_HZ = 8000
N_MFCC = 13
PAUSE_TOLERANCE_S = 0.25
GROSS_ERROR_CENTS = 1200 * np.log2(1.2)  # 20 % F0 deviation, about 316 cents
MFCC_WINDOW_S = 0.015
MEL_FILTERS = (400.0, 80.0, 2000.0)  # first filter, spacing, maximum (mel): the 300-3400 Hz telephone band
FLOOR_DB = 80.0  # mel band values are floored this far below the clip's loudest (digital silence reads -300 dB)
MAX_DTW_CELLS = 16_000_000  # distances, cumulative costs and step directions: about 400 MB


def paired_metrics(agent: io.Audio, human: io.Audio, *, profiler: Profiler | None = None, pause_tolerance_s: float = PAUSE_TOLERANCE_S) -> dict:
    """Paired-mode metrics of an agent and a human rendition of the same line (see module docstring)."""
    profiler = profiler or Profiler()
    if profiler.telephone:
        agent, human = io.telephone(agent), io.telephone(human)
    a, h = (io.resample(x, MFCC_SR_HZ) for x in (agent, human))
    hop = int(round(HOP_S * MFCC_SR_HZ))
    n_a, n_h = (1 + x.samples.size // hop for x in (a, h))
    if n_a * n_h > MAX_DTW_CELLS:
        raise ParameterError(f"{agent.path} / {human.path}: too long to align ({a.duration_s:.0f} s x {h.duration_s:.0f} s); cut them to the line")
    (mfcc_a, times_a), (mfcc_h, times_h) = (cepstra(x) for x in (a, h))
    alignment = dtw.dtw(cdist(mfcc_a.T, mfcc_h.T), step_pattern="symmetric2")
    path = np.column_stack([alignment.index1, alignment.index2])
    sounds = [profiler.analysis_sound(x) for x in (agent, human)]
    f0 = [_f0_on_frames(s, t, profiler.pitch) for s, t in zip(sounds, (times_a, times_h))]
    cents_a, cents_h = (_cents(x)[idx] for x, idx in zip(f0, (path[:, 0], path[:, 1])))
    both = np.isfinite(cents_a) & np.isfinite(cents_h)
    diff = cents_a[both] - cents_h[both]
    fine = np.abs(diff) <= GROSS_ERROR_CENTS
    segs = [pace.segment(pace.vowel_contour(s, profiler.pace), profiler.pace) for s in sounds]
    pauses_a, pauses_h = (seg.pauses_s.mean(axis=1) if len(seg.pauses_s) else np.empty(0) for seg in segs)
    mapped = _map_times(pauses_a, path, times_a, times_h)
    return {
        "dtw_cost": float(alignment.normalizedDistance),
        "f0_gross_error_rate": float(np.mean(~fine)) if both.any() else np.nan,
        "f0_rmse_cents": float(np.sqrt(np.mean(diff[fine] ** 2))) if fine.any() else np.nan,
        "f0_correlation": float(stats.pearsonr(cents_a[both], cents_h[both]).statistic) if both.sum() > 2 else np.nan,
        "duration_ratio": segs[0].span_s / segs[1].span_s if segs[1].span_s > 0 else np.nan,
        "pause_f1": pause_f1(mapped, pauses_h, tolerance_s=pause_tolerance_s),
        "n_pauses_agent": int(pauses_a.size),
        "n_pauses_human": int(pauses_h.size),
    }


def cepstra(audio: io.Audio) -> tuple[np.ndarray, np.ndarray]:
    """MFCCs (c0-c12 rows, 10 ms frames as columns) scaled so frame distances are RMS dB over mel bands, and the frame times (s).

    Praat's mel spectrogram (``To MelSpectrogram``, band values in dB) floored at ``FLOOR_DB``
    below its maximum; orthonormal DCT-II over the bands (Parseval: the distance of two coefficient
    vectors is the dB distance of the smoothed spectra), cepstral mean removed per coefficient.
    """
    sound = parselmouth.Sound(audio.samples, audio.sr_hz)
    mel = praat.call(sound, "To MelSpectrogram", MFCC_WINDOW_S, HOP_S, *MEL_FILTERS)
    bands = praat.call(mel, "To Matrix", True)
    db = bands.values
    db = np.maximum(db, db.max() - FLOOR_DB)
    coefficients = fft.dct(db, type=2, norm="ortho", axis=0)[:N_MFCC]
    return (coefficients - coefficients.mean(axis=1, keepdims=True)) / np.sqrt(db.shape[0]), np.asarray(bands.xs())


def _f0_on_frames(sound: parselmouth.Sound, times_s: np.ndarray, params: pitch.PitchParams) -> np.ndarray:
    """F0 (Hz, NaN unvoiced) at the MFCC frame times (s), from the nearest pitch frame."""
    track = pitch.track(sound, params)
    if track.times_s.size == 0:
        return np.full(times_s.size, np.nan)
    return track.f0_hz[np.rint(np.interp(times_s, track.times_s, np.arange(track.times_s.size))).astype(int)]


def _cents(f0_hz: np.ndarray) -> np.ndarray:
    """Cents relative to the contour's own median over voiced frames."""
    voiced = np.isfinite(f0_hz)
    return 1200 * np.log2(f0_hz / np.median(f0_hz[voiced])) if voiced.any() else f0_hz


def _map_times(times_s: np.ndarray, path: np.ndarray, times_a: np.ndarray, times_h: np.ndarray) -> np.ndarray:
    """Agent times (s) mapped to human times (s) through a DTW path of (agent, human) frame pairs.

    ``times_a`` and ``times_h`` are the frame times (s); a time takes the median human time paired with its nearest agent frame.
    """
    frames = np.rint(np.interp(times_s, times_a, np.arange(times_a.size))).astype(int)
    return np.array([np.median(times_h[path[path[:, 0] == f, 1]]) for f in frames])


def pause_f1(predicted_s: np.ndarray, reference_s: np.ndarray, *, tolerance_s: float = PAUSE_TOLERANCE_S) -> float:
    """F1 of one-to-one matches (greedy, closest first) within ``tolerance_s``; 1.0 when neither has pauses."""
    if predicted_s.size == 0 and reference_s.size == 0:
        return 1.0
    gaps = np.abs(np.subtract.outer(predicted_s, reference_s)) if predicted_s.size and reference_s.size else np.empty((0, 0))
    matched, used_p, used_r = 0, set(), set()
    for i, j in zip(*np.unravel_index(np.argsort(gaps, axis=None), gaps.shape)):
        if gaps[i, j] > tolerance_s:
            break
        if i not in used_p and j not in used_r:
            used_p.add(i), used_r.add(j)
            matched += 1
    return 2 * matched / (predicted_s.size + reference_s.size)


def paired_table(agents: pd.DataFrame, humans: pd.DataFrame, *, profiler: Profiler | None = None) -> pd.DataFrame:
    """Paired metrics for every agent clip and every human clip sharing its ``line_id``.

    ``agents`` has ``file, voice, line_id`` (optional ``channel``); ``humans`` has ``file, speaker, line_id``.
    """
    rows = []
    for agent in agents.to_dict("records"):
        for human in humans[humans["line_id"] == agent["line_id"]].to_dict("records"):
            metrics = paired_metrics(_load(agent), _load(human), profiler=profiler)
            rows.append({"voice": agent["voice"], "file": agent["file"], "line_id": agent["line_id"],
                         "human_file": human["file"], "human_speaker": human["speaker"]} | metrics)  # fmt: skip
    return pd.DataFrame(rows)


def _load(clip: dict) -> io.Audio:
    channel = clip.get("channel")
    return io.load(clip["file"], channel=None if channel is None or pd.isna(channel) else int(channel))
