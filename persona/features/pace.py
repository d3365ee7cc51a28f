"""Pace: speech/pause segmentation and syllable nuclei, without a transcript.

Syllable nuclei follow de Jong & Wempe (2009): peaks of an intensity contour that stand above a
threshold relative to the recording's level, are separated from neighbouring peaks by a dip of at
least ``min_dip_db`` on both sides (the peak's topographic prominence), and are voiced. Three
refinements make the count robust across voices and channels:

- the nuclei contour is the intensity of the signal band-passed to ``nucleus_band_hz``
  (600-3000 Hz, the first two vowel formants): nasals, voiced stops and fricatives between vowels
  lose most of their energy there, so the dips between syllables deepen, and the band lies
  inside the telephone band, so a G.711 copy of a clip yields nearly the same peaks;
- a peak counts as voiced when the pitch analysis (in the telephone band, like the peaks) finds
  a periodicity candidate in the speaker's range with strength >= ``voicing_strength`` (Praat's
  default voicing threshold) within ``voicing_tolerance_s`` of it and at most
  ``voicing_level_db`` below it, without the path finder's voiced/unvoiced transition costs,
  which drop weak unstressed vowels of fluent speech. A vowel in creak is a nucleus too: its
  pulses come below the speaker's adaptive floor (a cold speaker's phrase-final creak), so the
  candidates also come from a creak pass one octave below that floor, counted only where they lie
  below it (:attr:`~persona.features.pitch.PitchTrack.creak`; on ``/work/validation_v3`` the MFA
  speaker's short phrases 14.3 -> 12.5 % median error, bias -12.5 -> -3.6 %, held-out sources'
  medians unchanged). Peaks closer than ``min_nucleus_gap_s``
  (faster than any articulation rate, ~14 syllables/s) are merged into the stronger one;
- the detector keeps time with the speaker. Its time constants, the intensity window and the
  merge gap, apply as given at a syllable period of ``reference_period_s`` and are scaled to the
  recording's own tempo, read from the modulation spectrum of the vowel-band envelope inside
  speech runs (:func:`modulation_hz`): its power-weighted centroid over ``modulation_band_hz``
  sits near 4 Hz for ordinary speech and moves with the syllable rate, but at a compressed pace
  (slope 0.54 of log centroid against log transcript rate on the tuning clips), so the period
  is ``reference_period_s * (reference_modulation_hz / centroid) ** modulation_exponent``.
  With fixed time constants, faster speech loses nuclei (its shorter dips are smoothed away and
  its closer peaks merged) and slower speech gains them (a long, careful vowel rises and falls
  more than once: PSOLA-slowed speech read 25 % high). The modulation spectrum is a property of
  the whole envelope, not of the peaks it is meant to tune, so a voice whose shallow dips hide
  peaks does not read as slow and lose still more (peak intervals, the estimate used before,
  made a smooth HMM voice read 11 % low once the constants could grow). The period is clipped
  to ``period_range_s`` (0.1-0.26 s, 10 to 3.8 syllables/s), and the window is never shorter
  than the speaker's pitch floor allows (:func:`tempo_params`). That floor, not the period's
  range, is what limits a low voice at fast tempos, and the modulation centroid reads short fast
  phrases as slower than they are (the MFA speaker's 7.8 syllables/s phrase at 0.25 s), so most
  fast short phrases still read low (``bench/pace_validation.py``).

Speech runs are stretches of the same vowel-band contour above the threshold (so the span, too,
lies inside the telephone band); silences of at least ``pause_min_s`` between runs are pauses.
Silences of ``pause_max_s`` or more are turn boundaries, not pauses: in one channel of a call the
other party's turns are long silences that say nothing about this speaker's pausing. Rates use
the speaking span, the speech runs plus their pauses, so leading and trailing silence (common in
TTS output) and turn gaps do not change them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import parselmouth

from .. import dsp
from .pitch import PitchTrack


@dataclass(frozen=True)
class PaceParams:
    """Parameters of segmentation and syllable detection (dB, seconds, Hz).

    Attributes
    ----------
    intensity_floor_hz, intensity_step_s : float
        Praat intensity: lowest pitch the window must smooth (window 3.2 / floor s), frame step.
    silence_db, level_quantile : float
        Speech is within ``silence_db`` of the ``level_quantile`` level of the vowel-band contour.
    pause_min_s, pause_max_s, run_min_s : float
        Shortest silence counted as a pause; shortest silence taken as a turn boundary instead;
        shortest speech run kept.
    min_dip_db : float
        Dip required on both sides of a nucleus (peak prominence).
    nucleus_band_hz : (float, float)
        Band (Hz) of the contour for nuclei and speech runs.
    min_nucleus_gap_s : float
        Peaks closer than this merge into the stronger one.
    voicing_strength, voicing_tolerance_s, voicing_level_db : float
        A nucleus needs a periodicity candidate this strong (0-1) within this many seconds, on a
        frame at most this many dB below the peak.
    reference_period_s : float
        Syllable period (s) at which ``intensity_floor_hz`` and ``min_nucleus_gap_s`` apply as
        given to nuclei; the median period of the development corpus's odd-numbered lines, so
        that typical speech is measured with the time constants chosen for it.
    period_range_s : (float, float)
        Range (s) the recording's period is clipped to before the time constants are scaled
        (10 to 3.8 syllables/s). The fast end is the fast end of articulation rates: language
        means of read speech reach 7.8 syllables/s (Japanese, Spanish; Pellegrino, Coupe &
        Marsico 2011), so fast speakers and fast turns of those and other languages go beyond
        8 (the earlier limit, 0.125 s, kept a high voice's window too long to resolve 3.7 dB dips
        at 10 syllables/s).
    modulation_band_hz : (float, float)
        Band (Hz) of the envelope's modulation spectrum whose centroid measures the tempo.
    reference_modulation_hz : float
        Modulation centroid (Hz) of speech at ``reference_period_s``: the median over the
        development corpus's agent lines (4.0 Hz).
    modulation_exponent : float
        How the period follows the centroid: the inverse of the slope of log centroid against
        log transcript syllable rate on the tuning clips (1 / 0.54).
    """

    intensity_floor_hz: float = 100.0
    intensity_step_s: float = 0.01
    silence_db: float = -25.0
    level_quantile: float = 0.99
    pause_min_s: float = 0.25
    pause_max_s: float = 2.0
    run_min_s: float = 0.05
    min_dip_db: float = 3.5
    nucleus_band_hz: tuple[float, float] = (600.0, 3000.0)
    min_nucleus_gap_s: float = 0.07
    voicing_strength: float = 0.45
    voicing_tolerance_s: float = 0.04
    voicing_level_db: float = 10.0
    reference_period_s: float = 0.185
    period_range_s: tuple[float, float] = (0.10, 0.26)
    modulation_band_hz: tuple[float, float] = (1.0, 12.0)
    reference_modulation_hz: float = 4.0
    modulation_exponent: float = 1.8


@dataclass(frozen=True, eq=False)
class Intensity:
    """Intensity contour: frame times (s), level (dB, Praat's re 2e-5 convention) and the sound it
    was measured on (to measure it again with other time constants)."""

    times_s: np.ndarray
    db: np.ndarray
    sound: parselmouth.Sound

    @property
    def step_s(self) -> float:
        return float(self.times_s[1] - self.times_s[0]) if self.times_s.size > 1 else 0.01


@dataclass(frozen=True, eq=False)
class Segmentation:
    """Speech runs as ``(start_s, end_s)`` rows, the level threshold (dB) that defined them, and the
    longest gap (s) still counted as a pause rather than a turn boundary."""

    runs_s: np.ndarray
    threshold_db: float
    pause_max_s: float = np.inf

    @property
    def pauses_s(self) -> np.ndarray:
        """Gaps between consecutive runs shorter than ``pause_max_s``, ``(start_s, end_s)`` rows."""
        if len(self.runs_s) < 2:
            return np.empty((0, 2))
        gaps = np.column_stack([self.runs_s[:-1, 1], self.runs_s[1:, 0]])
        return gaps[(gaps[:, 1] - gaps[:, 0]) < self.pause_max_s]

    @property
    def turns_s(self) -> np.ndarray:
        """Stretches of speech between turn boundaries: runs joined across their pauses, ``(start_s, end_s)`` rows."""
        return _bridge(self.runs_s, self.pause_max_s)

    @property
    def span_s(self) -> float:
        """Speaking time in seconds: speech runs plus pauses (turn gaps and edge silence excluded)."""
        pauses = self.pauses_s
        return self.speech_s + float(np.sum(pauses[:, 1] - pauses[:, 0]))

    @property
    def speech_s(self) -> float:
        """Total duration of the speech runs, in seconds."""
        return float(np.sum(self.runs_s[:, 1] - self.runs_s[:, 0])) if len(self.runs_s) else 0.0

    def contains(self, times_s: np.ndarray) -> np.ndarray:
        """Boolean mask: which of ``times_s`` fall inside a speech run."""
        t = np.asarray(times_s)
        idx = np.searchsorted(self.runs_s[:, 0], t, side="right") - 1
        ok = idx >= 0
        ok[ok] = t[ok] <= self.runs_s[idx[ok], 1]
        return ok


def intensity(sound: parselmouth.Sound, params: PaceParams = PaceParams()) -> Intensity:
    """Praat intensity contour (window 3.2 / ``intensity_floor_hz`` s, no mean subtraction)."""
    contour = sound.to_intensity(minimum_pitch=params.intensity_floor_hz, time_step=params.intensity_step_s, subtract_mean=False)
    return Intensity(contour.xs(), contour.values[0].astype(np.float64), sound)


def vowel_band(sound: parselmouth.Sound, params: PaceParams = PaceParams()) -> parselmouth.Sound:
    """The sound band-passed (zero-phase 2nd-order Butterworth) to ``nucleus_band_hz``."""
    low_hz, high_hz = params.nucleus_band_hz
    high_hz = min(high_hz, 0.45 * sound.sampling_frequency)
    sr_hz = sound.sampling_frequency
    return parselmouth.Sound(dsp.zero_phase_bandpass(sound.values[0], 2, (low_hz, high_hz), sr_hz), sr_hz)


def vowel_contour(sound: parselmouth.Sound, params: PaceParams = PaceParams()) -> Intensity:
    """Intensity of :func:`vowel_band`: the contour speech runs, pauses and nuclei are found on."""
    return intensity(vowel_band(sound, params), params)


def segment(contour: Intensity, params: PaceParams = PaceParams()) -> Segmentation:
    """Speech runs: frames within ``silence_db`` of the recording's loud level, short gaps bridged."""
    threshold = float(np.quantile(contour.db, params.level_quantile) + params.silence_db)
    above = contour.db >= threshold
    edges = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
    half = contour.step_s / 2
    starts = contour.times_s[np.flatnonzero(edges == 1)] - half
    ends = contour.times_s[np.flatnonzero(edges == -1) - 1] + half
    runs = _bridge(np.column_stack([starts, ends]), params.pause_min_s)
    runs = runs[(runs[:, 1] - runs[:, 0]) >= params.run_min_s] if len(runs) else runs
    return Segmentation(runs.reshape(-1, 2), threshold, params.pause_max_s)


def _bridge(runs: np.ndarray, gap_s: float) -> np.ndarray:
    """Merge runs separated by gaps shorter than ``gap_s``."""
    if len(runs) < 2:
        return runs
    keep = np.concatenate([[True], (runs[1:, 0] - runs[:-1, 1]) >= gap_s])
    first = np.flatnonzero(keep)
    return np.column_stack([runs[first, 0], np.maximum.reduceat(runs[:, 1], first)])


def syllable_nuclei(band: Intensity, seg: Segmentation, pitch: PitchTrack, params: PaceParams = PaceParams(), *, period_s: float | None = None) -> np.ndarray:
    """Times (s) of syllable nuclei: prominent, periodic peaks of the vowel-band intensity in speech runs.

    ``band`` is the intensity of :func:`vowel_band`, the contour ``seg`` was found on. Its
    modulation spectrum gives the recording's syllable period (:func:`syllable_period_s`) unless
    ``period_s`` gives one (s; ``bench/pace_tempo_bound.py`` passes the transcript's); the peaks
    are found on the band's intensity measured with time constants scaled to that period
    (:func:`tempo_params`), and those near a periodic pitch frame are the nuclei.
    """
    period_s = syllable_period_s(band, seg, params) if period_s is None else period_s
    if np.isfinite(period_s):
        params = tempo_params(params, period_s=period_s, pitch_floor_hz=pitch.floor_hz)
        band = intensity(band.sound, params)
    peaks = _prominent_peaks(band, seg, params)
    return peaks[_periodic_near(pitch, band, peaks, params)]


def modulation_hz(band: Intensity, seg: Segmentation, params: PaceParams = PaceParams()) -> float:
    """Power-weighted centroid (Hz) of the envelope's modulation spectrum over ``modulation_band_hz``.

    The envelope is the contour's level above the speech threshold (dB) inside speech runs, each
    run's mean removed and zero elsewhere, so pauses and level steps between runs add no
    modulation of their own. NaN without speech.
    """
    inside = seg.contains(band.times_s)
    if inside.sum() < 2:
        return np.nan
    envelope = np.where(inside, np.clip(band.db - seg.threshold_db, 0.0, None), 0.0)
    run = np.searchsorted(seg.runs_s[:, 0], band.times_s, side="right") - 1
    means = np.bincount(run[inside], weights=envelope[inside], minlength=len(seg.runs_s)) / np.maximum(np.bincount(run[inside], minlength=len(seg.runs_s)), 1)
    envelope[inside] -= means[run[inside]]
    n = max(8192, int(2 ** np.ceil(np.log2(envelope.size))))
    freqs = np.fft.rfftfreq(n, band.step_s)
    power = np.abs(np.fft.rfft(envelope, n)) ** 2
    keep = (freqs >= params.modulation_band_hz[0]) & (freqs <= params.modulation_band_hz[1])
    total = power[keep].sum()
    return float((freqs[keep] * power[keep]).sum() / total) if total > 0 else np.nan


def syllable_period_s(band: Intensity, seg: Segmentation, params: PaceParams = PaceParams()) -> float:
    """Syllable period (s) implied by the envelope's modulation centroid (:func:`modulation_hz`); NaN without speech."""
    centroid = modulation_hz(band, seg, params)
    return params.reference_period_s * (params.reference_modulation_hz / centroid) ** params.modulation_exponent


def tempo_params(params: PaceParams, *, period_s: float, pitch_floor_hz: float) -> PaceParams:
    """``params`` with the nucleus time constants scaled from ``reference_period_s`` to ``period_s``.

    The intensity window (3.2 / ``intensity_floor_hz`` s) and the merge gap are multiplied by
    ``period_s / reference_period_s``, after clipping ``period_s`` to ``period_range_s``. The
    window is shortened only down to 3.2 periods of the speaker's ``pitch_floor_hz`` (a shorter
    one ripples with the glottal pulses: Praat's rule for its minimum pitch), so a voice whose
    floor lies below ``intensity_floor_hz`` keeps the given window at fast tempos. The frame
    step, which only samples the contour, stays.
    """
    scale = float(np.clip(period_s, *params.period_range_s)) / params.reference_period_s
    floor_hz = min(params.intensity_floor_hz / scale, max(params.intensity_floor_hz, pitch_floor_hz))
    return replace(params, intensity_floor_hz=floor_hz, min_nucleus_gap_s=params.min_nucleus_gap_s * scale)


def _prominent_peaks(band: Intensity, seg: Segmentation, params: PaceParams) -> np.ndarray:
    """Times (s) of the peaks of ``band`` in speech runs, above the threshold and ``min_dip_db`` prominent."""
    gap = max(1, int(round(params.min_nucleus_gap_s / band.step_s)))
    peaks = dsp.find_peaks(band.db, height=seg.threshold_db, prominence=params.min_dip_db, distance=gap)
    times = band.times_s[peaks]
    return times[seg.contains(times)]


def periodicity_near(pitch: PitchTrack, band: Intensity, times_s: np.ndarray, params: PaceParams = PaceParams()) -> np.ndarray:
    """Strongest periodicity (0-1) of a pitch frame on each peak of ``band`` at ``times_s``, modal or creaky.

    Frames count within ``voicing_tolerance_s`` of the peak and no more than ``voicing_level_db``
    below the peak's level, so that a noise burst does not borrow the periodicity of a
    neighbouring vowel's quiet tail across the dip between them. The frames are the pitch track's
    (:attr:`PitchTrack.periodicity`) and its creak pass's (:attr:`PitchTrack.creak`): a vowel in
    creak is a nucleus too. 0 where no frame qualifies.
    """
    return np.maximum(_strength_near(pitch.times_s, pitch.periodicity, band, times_s, params), _strength_near(*pitch.creak, band, times_s, params))


def _strength_near(frame_times_s: np.ndarray, strength: np.ndarray, band: Intensity, times_s: np.ndarray, params: PaceParams) -> np.ndarray:
    """Strongest ``strength`` of a frame near each peak at ``times_s`` (see :func:`periodicity_near`)."""
    if times_s.size == 0 or frame_times_s.size == 0:
        return np.zeros(times_s.shape)
    step = float(frame_times_s[1] - frame_times_s[0]) if frame_times_s.size > 1 else 1.0
    reach = int(np.ceil(params.voicing_tolerance_s / step))
    first = np.searchsorted(frame_times_s, times_s - params.voicing_tolerance_s - 1e-9)
    frames = np.clip(first[:, None] + np.arange(2 * reach + 2), 0, frame_times_s.size - 1)
    near = np.abs(frame_times_s[frames] - times_s[:, None]) <= params.voicing_tolerance_s + 1e-9
    level_db = np.interp(frame_times_s, band.times_s, band.db)
    on_peak = level_db[frames] >= np.interp(times_s, band.times_s, band.db)[:, None] - params.voicing_level_db
    return np.where(near & on_peak, strength[frames], 0.0).max(axis=1)


def _periodic_near(pitch: PitchTrack, band: Intensity, times_s: np.ndarray, params: PaceParams) -> np.ndarray:
    """Whether each peak has a frame of :func:`periodicity_near` reaching ``voicing_strength``.

    The creak pass is consulted only for peaks the modal frames leave unvoiced, so a recording whose
    peaks are all modal never runs it (about a third of the development corpus's clips).
    """
    voiced = _strength_near(pitch.times_s, pitch.periodicity, band, times_s, params) >= params.voicing_strength
    if not voiced.all():
        voiced[~voiced] = _strength_near(*pitch.creak, band, times_s[~voiced], params) >= params.voicing_strength
    return voiced


def pace_stats(seg: Segmentation, syllable_count: float) -> dict[str, float]:
    """Rates (syllables/s) of ``syllable_count`` syllables, pause statistics (count, ratio of the span, mean s) and mean run (s)."""
    pauses = seg.pauses_s
    pause_durations = pauses[:, 1] - pauses[:, 0]
    runs = seg.runs_s[:, 1] - seg.runs_s[:, 0]
    span, speech = seg.span_s, seg.speech_s
    n = syllable_count
    return {
        "speech_s": speech,
        "syllable_count": n,
        "speech_rate_syl_s": n / span if span > 0 else np.nan,
        "articulation_rate_syl_s": n / speech if speech > 0 else np.nan,
        "pause_count": int(pause_durations.size),
        "pause_ratio": float(pause_durations.sum() / span) if span > 0 else np.nan,
        "mean_pause_s": float(pause_durations.mean()) if pause_durations.size else 0.0,
        "mean_run_s": float(runs.mean()) if runs.size else np.nan,
    }
