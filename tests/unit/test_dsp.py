"""NumPy signal primitives against their scipy.signal originals, the independent oracle for each.

persona.dsp exists only so that measuring need not import scipy.signal; every function must give
what the scipy routine the features were validated with gives: exactly (to float rounding) for
resampling and peaks, and for the zero-phase band-pass everywhere except where the two continue
the signal differently past its ends (within the filter's ringing time of them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import parselmouth
import pytest
from scipy import fft, signal

from persona import dsp, io

ROOT = Path(__file__).resolve().parents[2]
BANDS = [  # (order, band, rate): the telephone band at 8 and 16 kHz, the pitch sound's, the vowel band, the restored fundamental
    (4, (300.0, 3400.0), 8000),
    (4, (300.0, 3400.0), 16000),
    (4, (300.0, 1800.0), 4000),
    (2, (600.0, 3000.0), 8000),
    (4, (40.0, 1000.0), 4000),
]


def test_fast_len_is_scipy_next_fast_len_for_real_transforms():
    for n in [*range(1, 2500), 65537, 123457, 28_800_001]:
        assert dsp.fast_len(n) == fft.next_fast_len(n, real=True), n


@pytest.mark.parametrize("order, band_hz, sr_hz", BANDS)
def test_closed_form_power_response_is_scipys_butterworth(order, band_hz, sr_hz):
    sos = signal.butter(order, band_hz, btype="bandpass", fs=sr_hz, output="sos")
    freqs = np.linspace(0, sr_hz / 2, 2001)
    _, response = signal.sosfreqz(sos, worN=freqs, fs=sr_hz)
    assert dsp.butter_bandpass_power(freqs, order, band_hz, sr_hz) == pytest.approx(np.abs(response) ** 2, abs=1e-12)


@pytest.mark.parametrize("order, band_hz, sr_hz", BANDS)
def test_ringing_time_bounds_the_forward_backward_impulse_response(order, band_hz, sr_hz):
    """Past :func:`dsp.butter_bandpass_decay` samples, scipy's filtfilt response to an impulse is below its tolerance."""
    ring = dsp.butter_bandpass_decay(order, band_hz, sr_hz)
    impulse = np.zeros(8 * ring + 1)
    impulse[4 * ring] = 1.0
    response = signal.sosfiltfilt(signal.butter(order, band_hz, btype="bandpass", fs=sr_hz, output="sos"), impulse)
    peak = np.abs(response).max()
    tail = np.concatenate([response[: 3 * ring], response[5 * ring + 1 :]])
    assert np.abs(tail).max() < 1e3 * dsp.DECAY_TOLERANCE * peak
    half_way = 4 * ring + ring // 2  # at half the ringing time it still rings: the padding is not needlessly long
    assert np.abs(response[half_way - 10 : half_way + 10]).max() > 1e3 * dsp.DECAY_TOLERANCE * peak


@pytest.mark.parametrize("n, n_taps", [(1, 1), (5, 3), (100, 645), (1000, 645), (123457, 179), (50000, 2411)])
def test_overlap_add_is_numpy_convolve(n, n_taps):
    rng = np.random.default_rng(n)
    x, taps = rng.standard_normal(n), rng.standard_normal(n_taps)
    assert dsp.overlap_add(x, taps) == pytest.approx(np.convolve(x, taps), abs=1e-9)


@pytest.mark.parametrize("order, band_hz, sr_hz", BANDS)
@pytest.mark.parametrize("seconds", [0.5, 5.0])
def test_zero_phase_bandpass_is_sosfiltfilt_away_from_the_ends(order, band_hz, sr_hz, seconds):
    x = np.random.default_rng(order + sr_hz).standard_normal(int(seconds * sr_hz))
    expected = signal.sosfiltfilt(signal.butter(order, band_hz, btype="bandpass", fs=sr_hz, output="sos"), x)
    got = dsp.zero_phase_bandpass(x, order, band_hz, sr_hz)
    ring = dsp.butter_bandpass_decay(order, band_hz, sr_hz)
    assert got.shape == x.shape
    if x.size > 2 * ring:
        assert np.abs(got - expected)[ring:-ring].max() < 1e-9 * np.abs(expected).max()


def test_zero_phase_bandpass_of_speech_differs_from_sosfiltfilt_only_in_its_end_transients():
    """On a recording that ends mid-word, the two continue the signal differently past the end, and only there
    do they differ, by less than the band's own level there."""
    audio = io.resample(io.load(ROOT / "reference_audio" / "billing_dispute" / "human_jfk.flac"), 8000)
    sos = signal.butter(4, io.TELEPHONE_BAND_HZ, btype="bandpass", fs=8000, output="sos")
    expected = signal.sosfiltfilt(sos, audio.samples)
    diff = np.abs(io.telephone_band(audio.samples, 8000) - expected)
    ring = dsp.butter_bandpass_decay(4, io.TELEPHONE_BAND_HZ, 8000)
    assert diff[ring:-ring].max() < 1e-9 * np.abs(expected).max()
    for end in (slice(None, ring), slice(-ring, None)):
        assert diff[end].max() <= np.abs(expected[end]).max()


@pytest.mark.parametrize("sr_hz, target_hz", [(16000, 8000), (44100, 8000), (22050, 8000), (48000, 8000), (11025, 8000), (8000, 4000),
                                              (24000, 16000), (8000, 16000), (8000, 48000)])  # fmt: skip
def test_resample_poly_is_scipys_kaiser_polyphase(sr_hz, target_hz):
    g = np.gcd(sr_hz, target_hz)
    rng = np.random.default_rng(sr_hz)
    for n in (1, 2, 7, 100, 3 * sr_hz + 17):
        x = rng.standard_normal(n)
        expected = signal.resample_poly(x, target_hz // g, sr_hz // g, window=("kaiser", 5.0))
        got = dsp.resample_poly(x, target_hz, sr_hz)
        assert got.shape == expected.shape
        assert got == pytest.approx(expected, abs=1e-12)


def _signals(rng, count: int):
    """Noise, coarsely rounded noise (flat tops and ties) and random walks (long slopes), of random lengths."""
    for trial in range(count):
        n = int(rng.integers(0, 400))
        kind = trial % 3
        yield [rng.standard_normal(n), np.round(2 * rng.standard_normal(n)) / 2, np.cumsum(rng.standard_normal(n))][kind]


def test_find_peaks_is_scipys_with_height_prominence_and_distance():
    rng = np.random.default_rng(7)
    for x in _signals(rng, 1500):
        height, prominence, distance = rng.uniform(-1, 1), rng.uniform(0, 2), rng.uniform(1, 12)
        expected = signal.find_peaks(x, height=height, prominence=prominence, distance=distance)[0]
        np.testing.assert_array_equal(dsp.find_peaks(x, height=height, prominence=prominence, distance=distance), expected)


def test_local_maxima_and_prominences_are_scipys():
    rng = np.random.default_rng(8)
    for x in _signals(rng, 600):
        peaks = signal.find_peaks(x)[0]
        np.testing.assert_array_equal(dsp.local_maxima(x), peaks)
        assert dsp.prominences(x, peaks) == pytest.approx(signal.peak_prominences(x, peaks)[0], abs=0)


def test_find_peaks_on_a_real_intensity_contour_is_scipys():
    """The contour syllable nuclei are picked from: Praat intensity of a bundled human clip at 8 kHz."""
    audio = io.resample(io.load(ROOT / "reference_audio" / "billing_dispute" / "human_jfk.flac"), 8000)
    db = parselmouth.Sound(audio.samples, 8000).to_intensity(minimum_pitch=100.0, time_step=0.01, subtract_mean=False).values[0]
    for distance in (1, 7, 20):
        expected = signal.find_peaks(db, height=np.quantile(db, 0.99) - 25, prominence=3.5, distance=distance)[0]
        assert expected.size > 5
        np.testing.assert_array_equal(dsp.find_peaks(db, height=np.quantile(db, 0.99) - 25, prominence=3.5, distance=distance), expected)
