"""F0: synthetic harmonic tones and Praat-synthesised vowels of known F0, 80-300 Hz, within 0.5 %."""

from __future__ import annotations

import numpy as np
import parselmouth
import pytest
from _signals import SR_HZ, harmonic
from parselmouth.praat import call

from persona import io, profile
from persona.features import pitch

F0S_HZ = [80.0, 100.0, 125.0, 150.0, 200.0, 250.0, 300.0]


@pytest.mark.parametrize("f0_hz", F0S_HZ)
def test_harmonic_tone_median_within_half_percent(f0_hz):
    row = profile(harmonic(f0_hz), sr_hz=SR_HZ).iloc[0]
    assert row["f0_median_hz"] == pytest.approx(f0_hz, rel=0.005)
    assert row["f0_sd_st"] < 0.05
    assert row["voiced_fraction"] > 0.9


def _klatt_vowel(f0_hz: float, *, vowel: str = "a", formants_hz=(800, 1200, 2300, 2800)) -> parselmouth.Sound:
    """A 0.8 s vowel from Praat's KlattGrid (glottal source through four formants), 44.1 kHz."""
    f1, f2, f3, f4 = formants_hz
    grid = call("Create KlattGrid from vowel", vowel, 0.8, f0_hz, f1, 50, f2, 50, f3, 100, f4, 0.1, 1000)
    return call(grid, "To Sound")


@pytest.mark.parametrize("f0_hz", F0S_HZ)
def test_praat_klatt_vowel_within_half_percent(f0_hz):
    sound = _klatt_vowel(f0_hz)
    row = profile(sound.values[0], sr_hz=int(sound.sampling_frequency)).iloc[0]
    assert row["f0_median_hz"] == pytest.approx(f0_hz, rel=0.005)


@pytest.mark.parametrize("f0_hz", [90.0, 250.0])
def test_praat_pulse_train_vowel_within_half_percent(f0_hz):
    """Praat pulse train (PointProcess -> To Sound (pulse train)) shaped by an /i/ formant filter."""
    pulses = call("Create empty PointProcess", "pulses", 0, 1.0)
    for time_s in np.arange(0.0005, 1.0, 1.0 / f0_hz):
        call(pulses, "Add point", time_s)
    source = call(pulses, "To Sound (pulse train)", SR_HZ, 1, 0.05, 2000)
    vowel = call(source, "Filter (formula)", "if x < 300 or x > 3500 then 0 else self / (1 + ((x - 300) / 200)^2) + self / (1 + ((x - 2300) / 150)^2) fi")
    row = profile(vowel.values[0], sr_hz=SR_HZ).iloc[0]
    assert row["f0_median_hz"] == pytest.approx(f0_hz, rel=0.005)


@pytest.mark.parametrize(("f0_hz", "floor_max_hz", "ceiling_min_hz"), [(90.0, 90.0, 120.0), (250.0, 250.0, 300.0)])
def test_adaptive_range_brackets_the_speaker(f0_hz, floor_max_hz, ceiling_min_hz):
    """A low male and a high female voice each get a range around their own register."""
    sound = parselmouth.Sound(harmonic(f0_hz, duration_s=2.0), SR_HZ)
    floor_hz, ceiling_hz = pitch.adaptive_range(sound, pitch.PitchParams())
    assert floor_hz < floor_max_hz < ceiling_min_hz < ceiling_hz
    assert ceiling_hz < 2 * 1.5 * f0_hz  # no room for an octave-up error


def test_glide_statistics_in_semitones():
    """A linear glide of one octave over 2 s: range ~ 0.9 * 12 st (p5-p95), slope 6 st/s."""
    t = np.arange(2 * SR_HZ) / SR_HZ
    f0 = 100.0 * 2 ** (t / 2.0)
    phase = 2 * np.pi * np.cumsum(f0) / SR_HZ
    x = sum(np.sin(k * phase) / k for k in range(1, 8))
    row = profile(0.3 * x / np.max(np.abs(x)), sr_hz=SR_HZ).iloc[0]
    assert row["f0_range_st"] == pytest.approx(0.9 * 12, abs=0.3)
    assert row["f0_slope_st_s"] == pytest.approx(6.0, rel=0.03)
    assert row["f0_median_hz"] == pytest.approx(100 * np.sqrt(2), rel=0.02)
    assert row["f0_p5_hz"] < row["f0_median_hz"] < row["f0_p95_hz"]


def test_semitones():
    assert pitch.semitones(np.array([110.0, 220.0, 440.0]), 220.0) == pytest.approx([-12.0, 0.0, 12.0])


def test_register_probe_restores_the_fundamental_of_band_limited_audio():
    """Studio audio is read as it is; telephone-band audio through its squared, 40-1000 Hz band."""
    studio = parselmouth.Sound(harmonic(100.0, duration_s=1.0), SR_HZ)
    assert pitch.register_probe(studio, pitch.PitchParams()) is studio
    phone = io.telephone(io.from_array(harmonic(100.0, duration_s=1.0, n_harmonics=30), SR_HZ))
    narrow = parselmouth.Sound(phone.samples, phone.sr_hz)
    assert pitch.low_band_share(narrow, pitch.PitchParams()) < pitch.PitchParams().min_low_band_share
    probe = pitch.register_probe(narrow, pitch.PitchParams())
    assert pitch.low_band_share(probe, pitch.PitchParams()) > 0.2  # the 100 Hz difference tone is back


def _tone_with_contour(f0_per_frame_hz: np.ndarray, *, frame_s: float = 0.01) -> np.ndarray:
    """A harmonic tone following a piecewise-constant F0 contour, one value per ``frame_s``."""
    f0 = np.repeat(f0_per_frame_hz, int(round(frame_s * SR_HZ)))
    phase = 2 * np.pi * np.cumsum(f0) / SR_HZ
    x = sum(np.sin(k * phase) / k for k in range(1, 10))
    return 0.3 * x / np.max(np.abs(x))


def test_step_sd_is_near_zero_for_smooth_contours_and_grows_with_frame_jitter():
    """Micro-variation measures roughness, not movement: a steady tone and a 6 st/s glide read ~0."""
    frames = 200
    glide = 120.0 * 2 ** (np.arange(frames) * 0.06 / 12)
    rng = np.random.default_rng(0)
    measured = {}
    for name, contour in {
        "steady": np.full(frames, 150.0),
        "glide": glide,
        "jitter 0.3 st": 150.0 * 2 ** (rng.normal(0, 0.3, frames) / 12),
        "jitter 0.6 st": 150.0 * 2 ** (rng.normal(0, 0.6, frames) / 12),
    }.items():
        measured[name] = profile(_tone_with_contour(contour), sr_hz=SR_HZ).iloc[0]["f0_step_sd_st"]
    assert measured["steady"] < 0.02
    assert measured["glide"] < 0.02
    assert 0.1 < measured["jitter 0.3 st"] < measured["jitter 0.6 st"] < 0.6 * np.sqrt(2)


def test_step_sd_leaves_out_steps_faster_than_a_larynx():
    """An octave jump (a tracking error) in an otherwise steady contour does not count."""
    times = np.arange(100) * 0.01
    f0 = np.r_[np.full(50, 100.0), np.full(50, 200.0)] * 2 ** (np.tile([0.0, 0.1], 50) / 12)
    track = pitch.PitchTrack(times, f0, np.ones(100), 75.0, 300.0, praat=None)
    assert pitch.step_sd_st(track) == pytest.approx(0.1, abs=0.005)  # the 0.1 st wobble only
    assert pitch.step_sd_st(track, max_step_st_s=2000.0) > 1.0  # counted, the jump dominates


def test_pitch_is_read_in_the_telephone_band_at_4_khz():
    """Full-band audio is band-passed once; telephone-band audio, a pure low tone, or the full-band
    option, are only resampled."""
    params = pitch.PitchParams()

    def read(sound, p=params):
        return pitch.pitch_sound(sound, p)

    def resampled(sound):
        return io.resample_samples(sound.values[0], int(sound.sampling_frequency), params.pitch_sr_hz)

    studio = parselmouth.Sound(harmonic(120.0, duration_s=1.0), SR_HZ)
    assert read(studio).sampling_frequency == params.pitch_sr_hz
    assert pitch.low_band_share(read(studio), params) < params.band_limited_share < pitch.low_band_share(studio, params)
    phone = io.telephone(io.from_array(harmonic(120.0, duration_s=1.0), SR_HZ))
    narrow = parselmouth.Sound(phone.samples, phone.sr_hz)
    sine = parselmouth.Sound(0.5 * np.sin(2 * np.pi * 110.0 * np.arange(SR_HZ) / SR_HZ), SR_HZ)
    for as_is, p in ((narrow, params), (sine, params), (studio, pitch.PitchParams(in_telephone_band=False))):
        np.testing.assert_allclose(read(as_is, p).values[0], resampled(as_is))


@pytest.mark.parametrize("f0_hz", [85.0, 110.0, 180.0])
def test_pure_tone_keeps_its_pitch(f0_hz):
    """A sine has nothing in the telephone band to read: it is read full-band."""
    sine = 0.5 * np.sin(2 * np.pi * f0_hz * np.arange(SR_HZ) / SR_HZ)
    assert profile(sine, sr_hz=SR_HZ)["f0_median_hz"].iloc[0] == pytest.approx(f0_hz, rel=0.005)


def _vowel(f0_hz: float, duration_s: float, *, rolloff: float, peak: float) -> np.ndarray:
    """A harmonic tone with amplitudes 1/k^rolloff and soft edges."""
    t = np.arange(int(duration_s * SR_HZ)) / SR_HZ
    x = sum(np.sin(2 * np.pi * k * f0_hz * t) / k**rolloff for k in range(1, 30) if k * f0_hz < 0.45 * SR_HZ)
    return peak * x / np.max(np.abs(x)) * np.sqrt(np.hanning(t.size))


@pytest.mark.parametrize("in_telephone_band", [True, False])
def test_frames_voiced_only_below_300_hz_count_alike_in_studio_audio_and_its_telephone_copy(in_telephone_band):
    """Rich 190 Hz vowels between quieter 95 Hz stretches whose energy lies almost all below 300 Hz
    (a steep spectral roll-off, like creak at phrase ends). Read full-band, those stretches are
    voiced in studio audio and vanish from its telephone copy: the median moves by an octave."""
    x = np.concatenate([np.concatenate([_vowel(190.0, 0.3, rolloff=1, peak=0.3), _vowel(95.0, 0.3, rolloff=4, peak=0.15)]) for _ in range(4)])
    x += 0.001 * np.random.default_rng(0).normal(size=x.size)
    studio = profile(x, sr_hz=SR_HZ, in_telephone_band=in_telephone_band)["f0_median_hz"].iloc[0]
    phone = io.telephone(io.from_array(x, SR_HZ))
    copy = profile(phone.samples, sr_hz=phone.sr_hz, in_telephone_band=in_telephone_band)["f0_median_hz"].iloc[0]
    assert copy == pytest.approx(190.0, rel=0.005)
    if in_telephone_band:
        assert studio == pytest.approx(190.0, rel=0.005)
    else:
        assert studio == pytest.approx(95.0, rel=0.005)
