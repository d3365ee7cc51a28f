"""Phrasing measures on synthetic phrases with a known F0 declination, reset, level step and final lengthening."""

from __future__ import annotations

import numpy as np
import pytest
from _signals import SR_HZ

from persona import profile
from persona.features import pace, phrasing

SLOPE_ST_S, PHRASE_S, GAP_S = -3.0, 1.5, 0.6


def glide(start_hz: float, *, slope_st_s: float = SLOPE_ST_S, duration_s: float = PHRASE_S, n_harmonics: int = 12) -> np.ndarray:
    """A harmonic tone whose F0 falls linearly in semitones: ``start_hz * 2 ** (slope * t / 12)``."""
    t = np.arange(int(duration_s * SR_HZ)) / SR_HZ
    f0 = start_hz * 2 ** (slope_st_s * t / 12)
    phase = 2 * np.pi * np.cumsum(f0) / SR_HZ
    x = sum(np.sin(k * phase) / k for k in range(1, n_harmonics + 1))
    ramp = np.minimum(1, np.minimum(t, t[-1] - t) / 0.02)  # 20 ms fades, no clicks
    return 0.4 * ramp * x / np.max(np.abs(x))


def two_phrases(second_start_hz: float) -> np.ndarray:
    silence = np.zeros(int(0.3 * SR_HZ))
    return np.concatenate([silence, glide(200.0), np.zeros(int(GAP_S * SR_HZ)), glide(second_start_hz), silence])


def test_declination_reset_and_level_step():
    """Two phrases falling at -3 st/s from 200 Hz and 220 Hz.

    Known answers: each slope is -3 st/s. The reset is the step from the median of phrase 1's last
    0.1 s (-4.5 + 0.15 st re 200 Hz) to the median of phrase 2's first 0.1 s (12 log2(220/200)
    - 0.15 st): 1.65 + 4.2 = 5.85 st. The two phrases' medians differ by 1.65 st, so their SD is
    1.65 / sqrt(2) = 1.17 st. Tolerances: a speech run's edge may move by two 10 ms frames
    (0.06 st of the 3 st/s glide in the edge medians) and Praat's F0 is good to 0.1 %.
    """
    row = profile(two_phrases(220.0), sr_hz=SR_HZ).iloc[0]
    step_st = 12 * np.log2(220 / 200)
    assert row["f0_declination_st_s"] == pytest.approx(SLOPE_ST_S, abs=0.1)
    assert row["f0_reset_st"] == pytest.approx(step_st + (-SLOPE_ST_S) * (PHRASE_S - 0.1), abs=0.15)
    assert row["phrase_f0_sd_st"] == pytest.approx(step_st / np.sqrt(2), abs=0.1)


def test_one_phrase_has_no_reset_or_phrase_spread():
    row = profile(glide(200.0), sr_hz=SR_HZ).iloc[0]
    assert row["f0_declination_st_s"] == pytest.approx(SLOPE_ST_S, abs=0.1)
    assert np.isnan(row["f0_reset_st"]) and np.isnan(row["phrase_f0_sd_st"])


def test_final_lengthening_is_last_over_median_interval():
    """Nuclei 0.2 s apart, the last one 0.3 s after its neighbour: ratio 1.5; a second run of 3 nuclei is too short to count."""
    seg = pace.Segmentation(np.array([[0.0, 1.2], [2.0, 2.6]]), threshold_db=40.0)
    nuclei = np.array([0.1, 0.3, 0.5, 0.7, 1.0, 2.1, 2.3, 2.5])
    assert phrasing.final_lengthening(nuclei, seg) == pytest.approx(1.5)
    assert np.isnan(phrasing.final_lengthening(nuclei[:3], seg))


def test_final_lengthening_of_a_syllable_train():
    """Voiced bursts with onsets 0.2 s apart and a last one 0.3 s on: 1.5, within two 10 ms frames of peak timing (0.1)."""
    onsets_s = [0.3, 0.5, 0.7, 0.9, 1.1, 1.4]
    envelope = np.zeros(int(2.0 * SR_HZ))
    burst = np.hanning(int(0.14 * SR_HZ)) ** 2
    for onset in onsets_s:
        envelope[int(onset * SR_HZ) : int(onset * SR_HZ) + burst.size] = burst
    x = envelope * glide(150.0, slope_st_s=0.0, duration_s=2.0)
    row = profile(x, sr_hz=SR_HZ, syllables="nuclei").iloc[0]
    assert row["syllable_count"] == len(onsets_s)
    assert row["final_lengthening"] == pytest.approx(1.5, abs=0.1)


def test_hnr_varies_more_when_noise_comes_and_goes():
    """A steady tone has one HNR throughout; noise over half of it splits the frames into two HNR levels.

    The noise (SD 0.08 against a 0.4 peak tone, about 8 dB SNR) puts half the frames some 20 dB
    below the clean half, an SD near 10 dB; 3 dB above the steady tone's SD is a safe margin.
    """
    clean = glide(150.0, slope_st_s=0.0, duration_s=2.0)
    noisy = clean.copy()
    noisy[: noisy.size // 2] += 0.08 * np.random.default_rng(1).normal(size=noisy.size // 2)
    steady, varying = (profile(x, sr_hz=SR_HZ)["hnr_sd_db"].iloc[0] for x in (clean, noisy))
    assert varying > steady + 3.0
