"""Energy: BS.1770 loudness against the standard's own reference values, intensity over speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from _signals import SR_HZ, harmonic, syllable_train

from persona import from_array, load, profile
from persona.features import energy

ROOT = Path(__file__).resolve().parents[2]


def _sine(freq_hz: float, peak_dbfs: float, *, sr_hz: int, duration_s: float = 5.0) -> np.ndarray:
    t = np.arange(int(duration_s * sr_hz)) / sr_hz
    return 10 ** (peak_dbfs / 20) * np.sin(2 * np.pi * freq_hz * t)


@pytest.mark.parametrize("sr_hz", [48000, 44100, 22050, 16000, 8000])
@pytest.mark.parametrize("peak_dbfs", [-0.5, -23.0])
def test_bs1770_reference_sine(sr_hz, peak_dbfs):
    """ITU-R BS.1770-4: a 997 Hz sine of peak 0 dBFS in one channel reads -3.01 LKFS.

    So a one-channel sine at the EBU Tech 3341 test-1 level (-23 dBFS, which reads -23 LUFS in
    both channels of a stereo file) reads -26.01 LUFS; Tech 3341 allows +/- 0.1 LU, we hold 0.05.
    """
    audio = from_array(_sine(997.0, peak_dbfs, sr_hz=sr_hz), sr_hz)
    assert energy.loudness_lufs(audio) == pytest.approx(peak_dbfs - 3.01, abs=0.05)


@pytest.mark.parametrize("duration_s", [0.5, 0.55, 0.65, 1.03])
def test_a_steady_tone_reads_the_same_whatever_the_clip_length(duration_s):
    """BS.1770-4 gates complete 400 ms blocks only, so a partial last block cannot pull a short clip down."""
    audio = from_array(_sine(997.0, -23.0, sr_hz=24000, duration_s=duration_s), 24000)
    assert energy.loudness_lufs(audio) == pytest.approx(-26.01, abs=0.05)


@pytest.mark.parametrize("clip", sorted((ROOT / "reference_audio" / "billing_dispute").glob("human_*.flac")), ids=lambda p: p.stem)
def test_speech_loudness_agrees_with_pyloudnorm(clip):
    """pyloudnorm, an independent BS.1770-4 implementation with the same rate-derived K-weighting ("DeMan"),
    within the +/- 0.1 LU EBU Tech 3341 allows a meter."""
    audio = load(clip)
    reference = pyloudnorm.Meter(audio.sr_hz, filter_class="DeMan").integrated_loudness(audio.samples)
    assert energy.loudness_lufs(audio) == pytest.approx(reference, abs=0.1)


def test_six_db_gain_step():
    x = harmonic(140.0, duration_s=3.0)
    louder, softer = (profile(g * x, sr_hz=SR_HZ).iloc[0] for g in (1.0, 10 ** (-6 / 20)))
    assert louder["loudness_lufs"] - softer["loudness_lufs"] == pytest.approx(6.0, abs=0.01)
    assert louder["intensity_mean_db"] - softer["intensity_mean_db"] == pytest.approx(6.0, abs=0.05)


def test_intensity_statistics_ignore_pauses():
    """Silence between phrases changes neither the mean level nor the spread over speech."""
    phrase = syllable_train(6, rate_hz=4.0, lead_s=0.1)
    spaced = np.concatenate([phrase, np.zeros(SR_HZ), phrase])
    one, two = (profile(x, sr_hz=SR_HZ).iloc[0] for x in (phrase, spaced))
    assert two["intensity_mean_db"] == pytest.approx(one["intensity_mean_db"], abs=0.5)
    assert two["intensity_sd_db"] == pytest.approx(one["intensity_sd_db"], abs=0.5)
    assert 0 < one["intensity_sd_db"] < one["intensity_range_db"]


def test_digital_silence_between_words_adds_no_dynamics():
    """Some TTS engines put exact zeros between words; those frames are not speech dynamics."""
    train = syllable_train(6, rate_hz=4.0, lead_s=0.1)
    recorded = train + 1e-4 * np.random.default_rng(0).standard_normal(train.size)  # -80 dB noise floor
    plain, zeroed = (profile(x, sr_hz=SR_HZ).iloc[0] for x in (recorded, train))
    assert zeroed["intensity_sd_db"] == pytest.approx(plain["intensity_sd_db"], abs=1.0)


def test_speech_under_the_absolute_gate_has_no_loudness_and_says_why():
    """Every 400 ms block below -70 LUFS: BS.1770 has nothing to measure; pitch and pace still are."""
    row = profile(syllable_train(8, f0_hz=140.0) * 10 ** (-55 / 20), sr_hz=SR_HZ).iloc[0]
    assert np.isnan(row["loudness_lufs"])
    assert "too quiet for BS.1770 loudness (every block below -70 LUFS)" in row["warning"]
    assert row["f0_median_hz"] == pytest.approx(140.0, rel=0.005)
