"""Real speech (bundled human clips) manipulated with Praat PSOLA, gain and the telephone chain.

PSOLA uses each speaker's own pitch range (the profiler's adaptive first pass) for its pulse
marks: Praat's 75-600 Hz default misplaces the pulses of a 75 Hz voice and distorts the shift.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
import parselmouth
import pytest
from parselmouth.praat import call, run

from persona import io, profile
from persona.features import pitch

REFERENCE = Path(__file__).resolve().parents[2] / "reference_audio"
CLIPS = sorted({p.name: p for p in REFERENCE.glob("*/human_*.flac")}.values())  # each recording once


@lru_cache(maxsize=None)
def _sound(path: Path) -> parselmouth.Sound:
    audio = io.load(path)
    return parselmouth.Sound(audio.samples, audio.sr_hz)


def _row(sound: parselmouth.Sound, **params):
    return profile(sound.values[0], sr_hz=int(sound.sampling_frequency), **params).iloc[0]


def _psola(sound: parselmouth.Sound, *, semitones: float = 0.0, duration_factor: float = 1.0) -> parselmouth.Sound:
    """Overlap-add resynthesis with the pitch multiplied by 2^(semitones/12) and durations scaled."""
    floor_hz, ceiling_hz = pitch.adaptive_range(sound, pitch.PitchParams())
    manipulation = call(sound, "To Manipulation", 0.01, floor_hz, ceiling_hz)
    tier = call(manipulation, "Extract pitch tier")
    call(tier, "Multiply frequencies", sound.xmin, sound.xmax, 2 ** (semitones / 12))
    call([tier, manipulation], "Replace pitch tier")
    durations = call("Create DurationTier", "durations", sound.xmin, sound.xmax)
    call(durations, "Add point", sound.xmin, duration_factor)
    call([manipulation, durations], "Replace duration tier")
    return call(manipulation, "Get resynthesis (overlap-add)")


def _semitones(a_hz: float, b_hz: float) -> float:
    return float(12 * np.log2(b_hz / a_hz))


@contextmanager
def _praat_random_seed(seed: int):
    """Seed Praat's random generator: its overlap-add resynthesis differs from call to call."""
    run(f"random_initializeWithSeedUnsafelyButPredictably ({seed})")
    try:
        yield
    finally:
        run("random_initializeSafelyAndUnpredictably ()")


@pytest.fixture(scope="module")
def plain_rows():
    return {clip.name: _row(_sound(clip)) for clip in CLIPS}


def test_enough_clips():
    assert len(CLIPS) >= 8


@pytest.fixture(scope="module")
def raised_sounds() -> dict:
    """Each clip raised by 3 st with PSOLA, seeded: Praat's overlap-add draws random numbers."""
    with _praat_random_seed(1):
        return {c.name: _psola(_sound(c), semitones=3.0) for c in CLIPS}


def test_plus_three_semitones(plain_rows, raised_sounds):
    shifts = {c: _semitones(plain_rows[c]["f0_median_hz"], _row(raised_sounds[c])["f0_median_hz"]) for c in plain_rows}
    error = {c: abs(s - 3.0) for c, s in shifts.items()}
    assert np.median(list(shifts.values())) == pytest.approx(3.0, abs=0.2)
    # Per clip within 0.35 st, the band a median over 100-500 voiced frames holds when the shift moves a few
    # weak frames' voicing across the 300 Hz edge (libri_5703_b, a 57 Hz p5 bass, reads 3.33 st). The one
    # exception is katie_b: about 20 % of her frames sit an octave above her median (Praat's default 75-600 Hz
    # pass finds them too), so the first pass's ceiling (1.5 x its 85th percentile) flips between her two
    # modes: 281 Hz before the shift, 530 Hz after, and she reads 4.4 st. Praat's own default reads 3.2 st
    # (ac) and 4.0 st (cc) on the same pair: the clip is ambiguous, not only to us.
    assert all(e <= 0.35 for c, e in error.items() if c != "human_katie_b.flac"), shifts
    assert error["human_katie_b.flac"] <= 1.5, shifts


def test_plus_three_semitones_full_band(raised_sounds):
    """Read full-band, the shift is measured within 0.2 st on all clips but one."""
    full_band = {"in_telephone_band": False}
    shifts = np.array([_semitones(_row(_sound(c), **full_band)["f0_median_hz"], _row(raised_sounds[c.name], **full_band)["f0_median_hz"]) for c in CLIPS])
    assert np.sum(np.abs(shifts - 3.0) <= 0.2) >= len(CLIPS) - 1, shifts


@pytest.mark.parametrize("clip", CLIPS, ids=lambda p: p.name)
def test_minus_six_db(plain_rows, clip):
    softer = parselmouth.Sound(_sound(clip).values * 10 ** (-6 / 20), _sound(clip).sampling_frequency)
    assert plain_rows[clip.name]["loudness_lufs"] - _row(softer)["loudness_lufs"] == pytest.approx(6.0, abs=0.1)


@pytest.fixture(scope="module")
def faster_ratios(plain_rows) -> np.ndarray:
    """speech_rate_syl_s after PSOLA with duration factor 0.8, over the original's, per clip.

    Each clip's ratio is the median over three seeded resyntheses: a single resynthesis moves a
    clip's count by a few borderline nuclei and the median over clips by about +/- 0.02.
    """
    ratios = []
    for seed in (1, 2, 3):
        with _praat_random_seed(seed):
            ratios.append([_row(_psola(_sound(c), duration_factor=0.8))["speech_rate_syl_s"] / plain_rows[c.name]["speech_rate_syl_s"] for c in CLIPS])
    return np.median(ratios, axis=0)


def test_duration_factor_0_8_raises_rate_by_1_25(faster_ratios):
    assert np.median(faster_ratios) == pytest.approx(1.25, rel=0.05), faster_ratios


def test_duration_factor_0_8_raises_rate_on_every_clip(faster_ratios):
    """Per clip a few borderline nuclei come or go: 1.25x +/- 10 % on all clips but one, +/- 12 % on
    every clip (libri_5703_a, a 77 Hz bass, reads 1.11x with pitch read at 4 kHz; at 8 kHz, 1.13x)."""
    error = np.abs(faster_ratios / 1.25 - 1)
    assert np.sum(error <= 0.10) >= len(error) - 1 and np.max(error) <= 0.12, faster_ratios


@pytest.fixture(scope="module")
def telephone_rows():
    return {c.name: _row(parselmouth.Sound(io.telephone(io.load(c)).samples, io.TELEPHONE_SR_HZ)) for c in CLIPS}


def test_telephone_invariance_f0(plain_rows, telephone_rows):
    """Within 0.3 st on all clips but libri_198_a (0.36 st): on its very flat F0 distribution (the
    40th-60th percentiles span 5 st) the mu-law noise flips the voicing of 3 % of its frames."""
    diffs = np.abs([_semitones(plain_rows[c]["f0_median_hz"], telephone_rows[c]["f0_median_hz"]) for c in plain_rows])
    assert np.sum(diffs <= 0.3) >= len(diffs) - 1 and np.max(diffs) <= 0.5, diffs
    assert np.median(diffs) <= 0.05, diffs


def test_telephone_invariance_rate(plain_rows, telephone_rows):
    ratios = [telephone_rows[c]["speech_rate_syl_s"] / plain_rows[c]["speech_rate_syl_s"] for c in plain_rows]
    assert np.max(np.abs(np.array(ratios) - 1)) <= 0.05, ratios


def _praat_default_differences(rows: dict) -> np.ndarray:
    """Our f0_median_hz against Praat's default analysis (75-600 Hz, full band, native rate), in st,
    for voices whose F0 p5 is above 75 Hz."""
    diffs = []
    for clip in CLIPS:
        row = rows[clip.name]
        if row["f0_p5_hz"] > 75:
            f0 = _sound(clip).to_pitch_ac().selected_array["frequency"]
            diffs.append(_semitones(float(np.median(f0[f0 > 0])), row["f0_median_hz"]))
    assert len(diffs) >= 8
    return np.abs(diffs)


def test_f0_full_band_agrees_with_praat_default_where_the_speaker_fits_its_range():
    diffs = _praat_default_differences({c.name: _row(_sound(c), in_telephone_band=False) for c in CLIPS})
    assert np.median(diffs) <= 0.2
    assert np.max(diffs) <= 0.7, diffs


def test_f0_in_telephone_band_stays_near_praat_default(plain_rows):
    """The telephone band leaves out weak frames voiced only by their energy below 300 Hz, which
    Praat's full-band default counts: a median difference of 0.25 st, at most 1 st (katie_b)."""
    diffs = _praat_default_differences(plain_rows)
    assert np.median(diffs) <= 0.3
    assert np.max(diffs) <= 1.0, diffs


LOW_VOICE_LINES = ["billing_dispute/agents/piper_joe/billing_dispute_03.flac", "appointment_booking/agents/piper_joe/appointment_booking_03.flac",
                   "cancellation/agents/piper_joe/cancellation_04.flac"]  # fmt: skip


@pytest.mark.parametrize("line", LOW_VOICE_LINES)
def test_low_voice_through_the_telephone_keeps_its_register(line):
    """An 85-95 Hz voice without its band below 300 Hz: once read as its ~450-540 Hz first-formant harmonic."""
    audio = io.load(REFERENCE / line)
    phone = io.telephone(audio)
    studio_hz, phone_hz = (profile(a.samples, sr_hz=a.sr_hz)["f0_median_hz"].iloc[0] for a in (audio, phone))
    assert abs(_semitones(studio_hz, phone_hz)) < 1.0
