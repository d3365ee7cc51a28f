"""Fundamental frequency (F0): Praat autocorrelation in the telephone band, with a per-recording adaptive range.

Both passes read the recording in the telephone band (300-3400 Hz, the band filter of
:func:`persona.io.telephone`) resampled to ``pitch_sr_hz`` (4 kHz), so studio audio and its
telephone copy are measured from the same signal: the fundamental is recovered from its
harmonics, as a listener on the phone hears it. Measured full-band, a voice's weakest frames
(creak, phrase ends, whose energy lies mostly below 300 Hz) count as voiced in studio audio and
not in its telephone copy, which moved the median F0 of expressive voices by up to 1.2 st. Audio
already band-limited (under ``band_limited_share`` of its power below ``low_band_hz``) is not
filtered again, so the band filter never runs twice, and neither is audio with no harmonics in
the band (a pure low tone).

A first, coarse pass over a wide range finds the speaker's register; the second pass uses
``floor = floor_factor * q(floor_quantile)`` and ``ceiling = ceiling_factor * q(ceiling_quantile)``
of the first pass (De Looze & Hirst 2008), so a 90 Hz male and a 250 Hz female voice are both
tracked without octave errors. The quantiles are taken over first-pass frames within
``register_octaves`` of their median: without energy below 300 Hz a low voice's first pass puts
15-20 % of its frames on formant harmonics near 500 Hz, which would otherwise lift the ceiling to
800 Hz and let the second pass keep them. When most of a low voice's frames lock onto such a
harmonic, that guard cannot help, so the first pass reads band-limited audio (under
``min_low_band_share`` of its power below ``low_band_hz``) with its fundamental restored
(:func:`register_probe`). The second pass is shared by every pitch-based measure (F0 statistics,
HNR, jitter, shimmer): Praat's pitch pass runs twice per recording for these.

Creaky voice (vocal fry) is the exception the adaptive floor cannot see: its pulses come at a low,
irregular rate, often an octave or more below the speaker's modal F0 (prototypical creak: low F0,
irregular periods, damped pulses: Keating, Garellek & Kreiman 2015; the vocal-fry register lies
mostly below 70 Hz in men: Hollien & Michel 1968), so a vowel in creak has no candidate above a floor set from the
modal register. :attr:`PitchTrack.creak` runs a third pass ``creak_octaves`` below the floor, on
demand (only syllable nuclei ask for it), and keeps only frames whose strongest candidate lies
below the modal floor: creak, not a modal vowel that the longer window also sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import parselmouth

from .. import dsp, io
from ..errors import SilentAudioError


@dataclass(frozen=True)
class PitchParams:
    """Parameters of the two-pass pitch analysis (Hz, seconds, quantiles in 0-1).

    Attributes
    ----------
    pitch_sr_hz : int
        Rate (Hz) both pitch passes read the sound at: harmonics up to 2 kHz carry F0, and half
        the telephone rate halves the cost of Praat's pass.
    in_telephone_band : bool
        Read pitch in the telephone band (default). ``False`` reads the full band: closer to
        Praat's default analysis of studio audio, but not invariant to the telephone channel.
    low_band_hz, band_limited_share : float
        Audio with under ``band_limited_share`` of its power below ``low_band_hz`` is taken as
        telephone-band already and not band-passed again. The telephone filter leaves at most
        ~0.15 % there (4th-order Butterworth run forwards and backwards: -28 dB at 200 Hz);
        full-band speech has 0.45 % or more (the lowest on the development corpus: a 1961
        broadcast).
    min_band_share : float
        Audio with less of its power in the telephone band (a pure low tone) is read full-band.
    min_low_band_share, restored_band_hz
        The first pass restores the fundamental of audio with under ``min_low_band_share`` of its
        power below ``low_band_hz``, keeping ``restored_band_hz`` of the squared signal.
    max_step_st_s : float
        How fast (st/s) a larynx changes pitch; faster frame-to-frame steps are tracking errors
        and are left out of ``f0_step_sd_st``.
    creak_octaves, creak_time_step_s : float
        How far (octaves) below the adaptive floor the creak pass (:attr:`PitchTrack.creak`)
        reaches (one octave: the period doubling of multiply-pulsed creak, and the vocal-fry
        register below a modal floor), and its frame step (s): 20 ms still puts four frames
        within a syllable nucleus's 40 ms voicing tolerance, at half the cost of 10 ms.
    """

    time_step_s: float = 0.01
    pitch_sr_hz: int = 4000
    wide_time_step_s: float = 0.04
    wide_floor_hz: float = 50.0
    wide_ceiling_hz: float = 700.0
    register_octaves: float = 1.0
    floor_quantile: float = 0.15
    ceiling_quantile: float = 0.85
    floor_factor: float = 0.75
    ceiling_factor: float = 1.5
    min_floor_hz: float = 40.0
    max_ceiling_hz: float = 800.0
    in_telephone_band: bool = True
    low_band_hz: float = 200.0
    band_limited_share: float = 0.002
    min_low_band_share: float = 0.01
    min_band_share: float = 0.01
    restored_band_hz: tuple[float, float] = (40.0, 1000.0)
    max_step_st_s: float = 200.0
    creak_octaves: float = 1.0
    creak_time_step_s: float = 0.02


@dataclass(frozen=True, eq=False)
class PitchTrack:
    """A pitch contour: frame times (s), F0 (Hz, NaN when unvoiced) and autocorrelation strength.

    ``sound`` is the sound the pass read (:func:`pitch_sound`), ``creak_floor_hz`` and
    ``creak_time_step_s`` the floor and frame step of the creak pass over it (:attr:`creak`);
    without them there is no creak pass.
    """

    times_s: np.ndarray
    f0_hz: np.ndarray
    strength: np.ndarray
    floor_hz: float
    ceiling_hz: float
    praat: parselmouth.Pitch
    sound: parselmouth.Sound | None = None
    creak_floor_hz: float = np.nan
    creak_time_step_s: float = 0.02

    @property
    def voiced(self) -> np.ndarray:
        """Boolean mask of voiced frames."""
        return np.isfinite(self.f0_hz)

    @property
    def periodicity(self) -> np.ndarray:
        """Per frame, the strongest autocorrelation candidate inside ``floor_hz..ceiling_hz`` (0-1).

        Unlike :attr:`voiced`, free of the path finder's voiced/unvoiced transition costs.
        """
        candidates = self.praat.to_array()
        in_range = (candidates["frequency"] >= self.floor_hz) & (candidates["frequency"] <= self.ceiling_hz)
        return np.where(in_range, candidates["strength"], 0.0).max(axis=0)

    @cached_property
    def creak(self) -> tuple[np.ndarray, np.ndarray]:
        """Frame times (s) and creak strength (0-1) of a pass from ``creak_floor_hz`` to ``ceiling_hz``.

        Per frame, the strength of the strongest candidate in that range where its frequency lies
        below ``floor_hz`` (a period longer than the modal register's), else 0. Empty when there
        is no creak pass or the sound is shorter than its window (3 periods of ``creak_floor_hz``).
        """
        if self.sound is None or not self.creak_floor_hz < self.floor_hz or self.sound.duration < 3.0 / self.creak_floor_hz:
            return np.empty(0), np.empty(0)
        low = _run(self.sound, time_step_s=self.creak_time_step_s, floor_hz=self.creak_floor_hz, ceiling_hz=self.ceiling_hz)
        candidates = low.to_array()
        strength = np.where((candidates["frequency"] >= self.creak_floor_hz) & (candidates["frequency"] <= self.ceiling_hz), candidates["strength"], 0.0)
        strongest = strength.argmax(axis=0)
        below_floor = candidates["frequency"][strongest, np.arange(strength.shape[1])] < self.floor_hz
        return low.xs(), np.where(below_floor, strength.max(axis=0), 0.0)


def _run(sound: parselmouth.Sound, *, time_step_s: float, floor_hz: float, ceiling_hz: float) -> parselmouth.Pitch:
    return sound.to_pitch_ac(time_step=time_step_s, pitch_floor=floor_hz, pitch_ceiling=ceiling_hz)


def _as_track(pitch: parselmouth.Pitch, floor_hz: float, ceiling_hz: float, sound: parselmouth.Sound, params: PitchParams) -> PitchTrack:
    sel = pitch.selected_array
    f0 = sel["frequency"].astype(np.float64)
    f0[f0 <= 0] = np.nan  # Praat reports unvoiced frames as 0 Hz
    return PitchTrack(pitch.xs(), f0, sel["strength"].astype(np.float64), floor_hz, ceiling_hz, pitch, sound, floor_hz * 2.0**-params.creak_octaves, params.creak_time_step_s)


def low_band_share(sound: parselmouth.Sound, params: PitchParams) -> float:
    """Share (0-1) of the signal's power below ``low_band_hz`` (periodogram): near 0 for telephone-band audio."""
    x = sound.values[0]
    n = dsp.fast_len(x.size)
    power = np.abs(np.fft.rfft(x, n=n)) ** 2
    low = np.fft.rfftfreq(n, 1.0 / sound.sampling_frequency) < params.low_band_hz
    return float(power[low].sum() / max(power.sum(), 1e-30))


def register_probe(sound: parselmouth.Sound, params: PitchParams) -> parselmouth.Sound:
    """The sound the first pass reads: itself, or for band-limited audio its fundamental restored.

    Without the band below 300 Hz, a low voice's strongest periodicity is often a harmonic near
    the first formant (~450 Hz for an 87 Hz voice), and both passes would lock onto it. Squaring
    the signal recreates the fundamental as the difference tone of neighbouring harmonics
    (the nonlinear step of YAAPT, Zahorian & Hu 2008); ``restored_band_hz`` keeps that region.
    """
    if low_band_share(sound, params) >= params.min_low_band_share:
        return sound
    sr_hz = sound.sampling_frequency
    return parselmouth.Sound(dsp.zero_phase_bandpass(sound.values[0] ** 2, 4, params.restored_band_hz, sr_hz), sr_hz)


def pitch_sound(sound: parselmouth.Sound, params: PitchParams) -> parselmouth.Sound:
    """The sound both pitch passes read: its telephone band (:func:`persona.io.telephone_band`) at ``pitch_sr_hz``.

    Band-limited audio, audio whose power lies almost all outside the band, and every sound when
    ``params.in_telephone_band`` is off, are only resampled.
    """
    x, sr_hz = sound.values[0], sound.sampling_frequency
    if params.in_telephone_band and low_band_share(sound, params) >= params.band_limited_share:
        band = io.telephone_band(x, sr_hz)
        if np.sum(band**2) >= params.min_band_share * np.sum(x**2):
            x = band
    target_hz = min(params.pitch_sr_hz, int(sr_hz))
    return parselmouth.Sound(io.resample_samples(x, int(sr_hz), target_hz), target_hz)


def adaptive_range(sound: parselmouth.Sound, params: PitchParams, *, name: str = "<array>") -> tuple[float, float]:
    """Floor and ceiling (Hz) for this speaker from a coarse wide-range first pass."""
    wide = _run(register_probe(sound, params), time_step_s=params.wide_time_step_s, floor_hz=params.wide_floor_hz, ceiling_hz=params.wide_ceiling_hz)
    f0 = wide.selected_array["frequency"]
    f0 = f0[f0 > 0]
    if f0.size < 3:
        raise SilentAudioError(name, "no voiced speech found (no pitch in 50-700 Hz)")
    f0 = f0[np.abs(np.log2(f0 / np.median(f0))) <= params.register_octaves]
    lo, hi = np.quantile(f0, [params.floor_quantile, params.ceiling_quantile])
    floor_hz = max(params.min_floor_hz, params.floor_factor * lo)
    ceiling_hz = min(params.max_ceiling_hz, max(params.ceiling_factor * hi, 2.0 * floor_hz))
    return float(floor_hz), float(ceiling_hz)


def track(sound: parselmouth.Sound, params: PitchParams = PitchParams(), *, name: str = "<array>") -> PitchTrack:
    """Two-pass adaptive pitch track of a Praat sound, read in the telephone band (:func:`pitch_sound`)."""
    band = pitch_sound(sound, params)
    floor_hz, ceiling_hz = adaptive_range(band, params, name=name)
    pitch = _run(band, time_step_s=params.time_step_s, floor_hz=floor_hz, ceiling_hz=ceiling_hz)
    return _as_track(pitch, floor_hz, ceiling_hz, band, params)


def semitones(f0_hz: np.ndarray, ref_hz: float) -> np.ndarray:
    """Convert Hz to semitones relative to ``ref_hz``."""
    return 12.0 * np.log2(np.asarray(f0_hz) / ref_hz)


def step_sd_st(pitch: PitchTrack, *, max_step_st_s: float = PitchParams.max_step_st_s) -> float:
    """Micro-variation of F0: standard deviation (st) of the change between consecutive voiced frames.

    Human voices wobble from frame to frame: consonants perturb F0 and phonation is irregular.
    Synthetic contours are smooth, so this is one of the clearest acoustic signs of a TTS voice.
    Steps faster than ``max_step_st_s`` are left out as octave jumps or tracking errors. The
    default, 200 st/s, is about twice the fastest average speed of pitch movements that speakers
    produce (~80-100 st/s for 12 st excursions; Xu & Sun 2002), since a movement's peak velocity
    is roughly twice its average. The figure depends on the frame step (10 ms by default).
    """
    st = semitones(pitch.f0_hz, np.nanmedian(pitch.f0_hz))
    steps = np.diff(st)
    dt = np.diff(pitch.times_s)
    steps = steps[np.isfinite(steps) & (np.abs(steps) <= max_step_st_s * dt)]
    return float(np.std(steps, ddof=1)) if steps.size >= 2 else np.nan


PITCH_COLUMNS = ("f0_median_hz", "f0_mean_hz", "f0_p5_hz", "f0_p95_hz", "f0_sd_st", "f0_range_st", "f0_slope_st_s", "f0_step_sd_st")


def pitch_stats(pitch: PitchTrack, params: PitchParams = PitchParams()) -> dict[str, float]:
    """F0 statistics over voiced frames: Hz levels, semitone spread, range, slope and micro-variation.

    ``f0_sd_st`` is the standard deviation in semitones around the median, ``f0_range_st`` the
    p5-p95 span in semitones, ``f0_slope_st_s`` the least-squares slope of the semitone contour
    over time (st/s; negative = declination) and ``f0_step_sd_st`` the frame-to-frame
    micro-variation (:func:`step_sd_st`).
    """
    voiced = pitch.voiced
    f0 = pitch.f0_hz[voiced]
    if f0.size < 3:
        return {k: np.nan for k in PITCH_COLUMNS}
    median = float(np.median(f0))
    p5, p95 = np.quantile(f0, [0.05, 0.95])
    st = semitones(f0, median)
    slope = np.polyfit(pitch.times_s[voiced], st, 1)[0]
    return {
        "f0_median_hz": median,
        "f0_mean_hz": float(np.mean(f0)),
        "f0_p5_hz": float(p5),
        "f0_p95_hz": float(p95),
        "f0_sd_st": float(np.std(st, ddof=1)),
        "f0_range_st": float(semitones(p95, p5)),
        "f0_slope_st_s": float(slope),
        "f0_step_sd_st": step_sd_st(pitch, max_step_st_s=params.max_step_st_s),
    }
