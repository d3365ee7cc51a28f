"""Pace: syllable nuclei, speech runs and pauses on synthetic syllable trains of known structure, and
the nucleus time constants that follow the syllable period."""

from __future__ import annotations

import numpy as np
import pytest
from _signals import SR_HZ, harmonic, syllable_train

from persona import profile
from persona.features import pace


@pytest.mark.parametrize("n", [4, 12])
@pytest.mark.parametrize("rate_hz", [3.0, 5.0, 7.0])
def test_counts_every_voiced_syllable(n, rate_hz):
    row = profile(syllable_train(n, rate_hz=rate_hz), sr_hz=SR_HZ, syllables="nuclei").iloc[0]
    assert row["syllable_count"] == n
    assert row["pause_count"] == 0
    # the span runs from the first onset to the last offset: (n - 1) periods plus at most one burst
    assert n / ((n - 1 + 0.7) / rate_hz) <= row["speech_rate_syl_s"] <= n / ((n - 1) / rate_hz)


@pytest.mark.parametrize("f0_hz", [95.0, 240.0])
def test_count_does_not_depend_on_register(f0_hz):
    assert profile(syllable_train(8, f0_hz=f0_hz), sr_hz=SR_HZ, syllables="nuclei")["syllable_count"].iloc[0] == 8


def test_noise_bursts_are_not_syllables():
    """Fricative-like noise bursts between the vowels raise intensity peaks but are not voiced."""
    voiced = syllable_train(6, rate_hz=3.0)
    period = SR_HZ // 3
    noise = np.zeros_like(voiced)
    rng = np.random.default_rng(7)
    for i in range(5):
        start = int(0.3 * SR_HZ) + i * period + int(0.75 * period)
        noise[start : start + int(0.06 * SR_HZ)] = 0.05 * rng.normal(size=int(0.06 * SR_HZ))
    assert profile(voiced + noise, sr_hz=SR_HZ, syllables="nuclei")["syllable_count"].iloc[0] == 6


def _two_phrases(gap_s: float) -> np.ndarray:
    phrase = syllable_train(5, rate_hz=5.0, lead_s=0.2)
    return np.concatenate([phrase, np.zeros(int(gap_s * SR_HZ)), phrase])


def test_pause_between_phrases():
    row = profile(_two_phrases(0.6), sr_hz=SR_HZ, syllables="nuclei").iloc[0]
    assert row["syllable_count"] == 10
    assert row["pause_count"] == 1
    assert row["mean_pause_s"] == pytest.approx(0.6 + 2 * 0.2 + 0.3 / 5, abs=0.08)  # gap + lead/trail silences + burst tails
    assert row["pause_ratio"] == pytest.approx(row["mean_pause_s"] / (row["syllable_count"] / row["speech_rate_syl_s"]), rel=1e-6)
    assert row["articulation_rate_syl_s"] > row["speech_rate_syl_s"]
    assert row["speech_s"] == pytest.approx(2 * row["mean_run_s"])


def test_pause_threshold_is_configurable():
    assert profile(_two_phrases(0.6), sr_hz=SR_HZ, pause_min_s=1.5)["pause_count"].iloc[0] == 0


def test_leading_and_trailing_silence_do_not_change_the_rate():
    core = syllable_train(8, rate_hz=4.0)
    padded = np.concatenate([np.zeros(SR_HZ), core, np.zeros(2 * SR_HZ)])
    rates = [profile(x, sr_hz=SR_HZ, syllables="nuclei")["speech_rate_syl_s"].iloc[0] for x in (core, padded)]
    assert rates[1] == pytest.approx(rates[0], rel=1e-3)


def test_transcript_rate():
    row = profile(syllable_train(6, rate_hz=4.0), sr_hz=SR_HZ, transcript="Thank you for calling.", syllables="nuclei").iloc[0]
    assert row["transcript_syllables"] == 5
    assert row["transcript_rate_syl_s"] == pytest.approx(5 / 6 * row["speech_rate_syl_s"])


def test_long_silences_are_turn_gaps_not_pauses():
    """One channel of a call: the other party's 5 s turn is neither a pause nor speaking time."""
    short, long = (profile(_two_phrases(gap_s), sr_hz=SR_HZ, syllables="nuclei").iloc[0] for gap_s in (0.6, 5.0))
    assert long["pause_count"] == 0 and long["pause_ratio"] == 0
    assert long["syllable_count"] == short["syllable_count"]
    assert long["speech_rate_syl_s"] == pytest.approx(long["articulation_rate_syl_s"])
    assert long["speech_rate_syl_s"] > short["speech_rate_syl_s"]
    assert profile(_two_phrases(5.0), sr_hz=SR_HZ, pause_max_s=10.0)["pause_count"].iloc[0] == 1


def test_time_constants_follow_the_syllable_period():
    """Faster speech gets a shorter window and merge gap, slower speech longer ones (up to the range's end); the step stays."""
    params = pace.PaceParams()
    faster = pace.tempo_params(params, period_s=0.8 * params.reference_period_s, pitch_floor_hz=200.0)
    assert faster.intensity_floor_hz == pytest.approx(params.intensity_floor_hz / 0.8)
    assert faster.min_nucleus_gap_s == pytest.approx(params.min_nucleus_gap_s * 0.8)
    assert faster.intensity_step_s == params.intensity_step_s
    fastest = pace.tempo_params(params, period_s=0.01, pitch_floor_hz=400.0)
    scale = params.period_range_s[0] / params.reference_period_s  # 0.01 s is clipped to the shortest period, 0.1 s
    assert fastest.intensity_floor_hz == pytest.approx(params.intensity_floor_hz / scale)
    assert fastest.min_nucleus_gap_s == pytest.approx(params.min_nucleus_gap_s * scale)
    slower = pace.tempo_params(params, period_s=10.0, pitch_floor_hz=200.0)
    scale = params.period_range_s[1] / params.reference_period_s  # 10 s is clipped to the longest period
    assert slower.intensity_floor_hz == pytest.approx(params.intensity_floor_hz / scale)
    assert slower.min_nucleus_gap_s == pytest.approx(params.min_nucleus_gap_s * scale)


@pytest.mark.parametrize(("n", "rate_hz", "f0_hz"), [(8, 4.0, 120.0), (16, 10.0, 240.0)])
def test_shallow_dips_do_not_collapse_the_count(n, rate_hz, f0_hz):
    """Syllables separated by dips of 3.7 dB (20 log10(1 / 0.65)), just over ``min_dip_db``, are all
    counted, at an ordinary rate and at 10 syllables/s, the fast end of articulation rates: there a
    high voice's intensity window shortens with the 0.1 s period (a window fixed at the 0.125 s
    period smoothed these dips away and read one syllable)."""
    assert profile(_shallow_dip_phrase(n, rate_hz, f0_hz), sr_hz=SR_HZ, syllables="nuclei")["syllable_count"].iloc[0] == n


@pytest.mark.xfail(
    strict=True,
    reason="known limit: a voice whose pitch floor lies under intensity_floor_hz keeps the given window (Praat's Kaiser "
    "window, 6.4 / 100 Hz = 64 ms); it passes 0.93 of a 9 Hz modulation against 0.97 of the 5.4 Hz one at the reference "
    "period, so these 3.74 dB dips read 3.40 dB, under min_dip_db, and the phrase reads as 1 syllable. Dividing that "
    "attenuation out of min_dip_db counts all 9 but moved 10 of 822 real clips, 7 of them away from their transcripts (README)",
)
def test_shallow_dips_of_a_low_voice_at_a_fast_rate():
    """9 syllables at 9 syllables/s, the construction of :func:`test_shallow_dips_do_not_collapse_the_count`
    (raised-cosine dips of 20 log10(1 / 0.65) = 3.74 dB, over ``min_dip_db``) on a 100 Hz voice: 9 nuclei."""
    assert profile(_shallow_dip_phrase(9, 9.0, 100.0), sr_hz=SR_HZ, syllables="nuclei")["syllable_count"].iloc[0] == 9


def _shallow_dip_phrase(n: int, rate_hz: float, f0_hz: float, lead_s: float = 0.3) -> np.ndarray:
    """``n`` syllables at ``rate_hz``: a harmonic tone whose amplitude dips to 0.65 (3.74 dB) between them, silence around."""
    t = np.arange(int((n / rate_hz + 2 * lead_s) * SR_HZ)) / SR_HZ
    inside = (t > lead_s) & (t < lead_s + n / rate_hz)
    envelope = np.where(inside, 1 - 0.35 * (0.5 + 0.5 * np.cos(2 * np.pi * rate_hz * (t - lead_s))), 0.0)
    return envelope * harmonic(f0_hz, duration_s=t.size / SR_HZ)


@pytest.mark.parametrize(("pitch_floor_hz", "expected_hz"), [(80.0, 100.0), (110.0, 110.0), (200.0, 125.0)])
def test_window_never_shorter_than_the_pitch_floor_allows(pitch_floor_hz, expected_hz):
    params = pace.PaceParams(intensity_floor_hz=100.0)
    faster = pace.tempo_params(params, period_s=0.8 * params.reference_period_s, pitch_floor_hz=pitch_floor_hz)
    assert faster.intensity_floor_hz == pytest.approx(expected_hz)


def _modulated_contour(rate_hz: float, runs_s: np.ndarray) -> tuple[pace.Intensity, pace.Segmentation]:
    """A 10 ms intensity contour, 60 dB +- 6 dB at ``rate_hz`` inside the runs, 20 dB elsewhere."""
    t = np.arange(0.005, 6.0, 0.01)
    seg = pace.Segmentation(runs_s, threshold_db=40.0)
    db = np.where(seg.contains(t), 60.0 + 6.0 * np.sin(2 * np.pi * rate_hz * t), 20.0)
    return pace.Intensity(t, db, None), seg


@pytest.mark.parametrize("rate_hz", [2.5, 4.0, 6.0, 9.0])
def test_modulation_centroid_reads_the_envelope_rate(rate_hz):
    """A sinusoidal envelope's modulation spectrum is one line at its rate: the centroid lands there.

    Spectral leakage of the run edges spreads a little power over the band, so within 10 %.
    """
    band, seg = _modulated_contour(rate_hz, np.array([[0.3, 2.7], [3.2, 5.7]]))
    assert pace.modulation_hz(band, seg) == pytest.approx(rate_hz, rel=0.1)


def test_pauses_and_level_steps_add_no_modulation():
    """Two runs at different mean levels, and the silence between them, leave the centroid where one run puts it."""
    band, seg = _modulated_contour(5.0, np.array([[0.3, 2.7], [3.2, 5.7]]))
    louder = pace.Intensity(band.times_s, np.where(band.times_s > 3.0, band.db + 10.0, band.db), None)
    assert pace.modulation_hz(louder, seg) == pytest.approx(pace.modulation_hz(band, seg), rel=0.02)


def test_period_is_the_reference_at_the_reference_centroid():
    params = pace.PaceParams()
    band, seg = _modulated_contour(params.reference_modulation_hz, np.array([[0.3, 5.7]]))
    expected = params.reference_period_s * (params.reference_modulation_hz / pace.modulation_hz(band, seg)) ** params.modulation_exponent
    assert pace.syllable_period_s(band, seg) == pytest.approx(expected)
    assert pace.syllable_period_s(band, seg) == pytest.approx(params.reference_period_s, rel=0.15)
    assert np.isnan(pace.syllable_period_s(band, pace.Segmentation(np.empty((0, 2)), threshold_db=40.0)))


def _phrase_with_final_creak(n_modal: int, n_creak: int, *, modal_hz: float = 100.0, creak_hz: float = 45.0, rate_hz: float = 4.0) -> np.ndarray:
    """``n_modal`` syllables at ``modal_hz``, then ``n_creak`` in creak at ``creak_hz`` (more than an
    octave below the modal floor, 0.75 x 100 Hz), as in a phrase-final creak; harmonics up to 3.4 kHz
    so that every syllable has energy in the nucleus band."""
    period = int(round(SR_HZ / rate_hz))
    burst = np.hanning(int(0.7 * period)) ** 2
    lead = int(0.3 * SR_HZ)
    x = np.zeros(2 * lead + (n_modal + n_creak) * period)
    for i in range(n_modal + n_creak):
        f0_hz = modal_hz if i < n_modal else creak_hz
        start = lead + i * period
        x[start : start + burst.size] = burst * harmonic(f0_hz, duration_s=burst.size / SR_HZ, n_harmonics=int(3400 // f0_hz))
    return x


@pytest.mark.parametrize(("n_modal", "n_creak"), [(5, 3), (4, 4)])
def test_syllables_in_creak_are_counted(n_modal, n_creak):
    """Vowels at 45 Hz below a 100 Hz speaker's adaptive floor are nuclei: the creak pass one octave
    below the floor finds them; without it (``creak_octaves=0``) only the modal syllables count."""
    x = _phrase_with_final_creak(n_modal, n_creak)
    assert profile(x, sr_hz=SR_HZ, syllables="nuclei")["syllable_count"].iloc[0] == n_modal + n_creak
    assert profile(x, sr_hz=SR_HZ, creak_octaves=0.0, syllables="nuclei")["syllable_count"].iloc[0] == n_modal
