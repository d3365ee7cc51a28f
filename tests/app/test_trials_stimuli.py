"""Prepared clips give nothing away: same loudness, rate and format, no metadata, fresh bytes."""

import io

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from persona.trials.headphone import CENTRE_HZ, huggins_trial
from persona.io import Audio
from persona.trials.stimuli import GAIN_JITTER_DB, opaque_id, prepare, trim_silence, wav_bytes
from persona.errors import SurveyError
from persona.trials.survey import load_survey


def riff_chunks(data: bytes) -> list[str]:
    """Chunk ids of a RIFF/WAVE file, in order."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    chunks, offset = [], 12
    while offset < len(data):
        size = int.from_bytes(data[offset + 4 : offset + 8], "little")
        chunks.append(data[offset : offset + 4].decode("latin-1"))
        offset += 8 + size + size % 2
    return chunks


def bs1770_lufs(clip: Audio) -> float:
    """Integrated loudness by pyloudnorm, an independent BS.1770 meter, over complete gating blocks only.

    BS.1770-4 gates 400 ms blocks every 100 ms; pyloudnorm also counts a last, partial block, so the
    clip is cut to a whole number of 100 ms steps first, and its "DeMan" filters are the standard's
    K-weighting (its default re-design reads up to 0.18 LU apart at 8 kHz).
    """
    step = clip.sr_hz // 10
    samples = clip.samples[: clip.samples.size - clip.samples.size % step]
    return pyloudnorm.Meter(clip.sr_hz, filter_class="DeMan").integrated_loudness(samples)


@pytest.fixture
def survey(make_survey):
    return load_survey(make_survey(("acr", "mushra")))


def test_every_clip_matches_in_loudness_rate_and_edges(survey):
    clips = [prepare(s, survey.audio) for s in survey.stimuli]
    assert {c.sr_hz for c in clips} == {survey.audio.sample_rate_hz}
    loudness = [bs1770_lufs(c) for c in clips]
    assert np.allclose(loudness, survey.audio.loudness_lufs, atol=0.1)
    for clip in clips:  # trimmed: the synthetic files carry 0.2 s of silence at each end
        assert clip.duration_s < 1.1
        assert np.abs(clip.samples[:80]).max() < np.abs(clip.samples).max()


@pytest.mark.parametrize("lead_s, tail_s", [(0.3, 0.4), (0.0, 0.4), (0.3, 0.0)])
def test_trim_keeps_the_tone_and_cuts_the_silence_around_it(lead_s, tail_s):
    """Known answer: a 1 s tone between stretches of -74 dB noise (0.3 s before, 0.4 s after, or none);
    40 dB below the loudest frame keeps the tone, its edges blurred by the 25 ms analysis window: within 20 ms each side."""
    sr_hz, rng = 16000, np.random.default_rng(1)
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(sr_hz) / sr_hz)
    x = np.concatenate([np.zeros(int(lead_s * sr_hz)), tone, np.zeros(int(tail_s * sr_hz))])
    x += 1e-4 * rng.standard_normal(x.size)
    kept = trim_silence(Audio(x, sr_hz, "tone.wav"), top_db=40)
    start_s = np.flatnonzero(x == kept.samples[0])[0] / sr_hz
    assert lead_s - 0.02 <= start_s <= lead_s + 0.001
    assert 1.0 <= kept.duration_s <= 1.04
    assert trim_silence(Audio(tone[:400], sr_hz, "short.wav"), top_db=40).duration_s == pytest.approx(0.025)


def test_anchor_is_low_passed_and_equally_loud(survey):
    anchor = prepare(survey.stimulus("agent_carol_l01~anchor"), survey.audio)
    spectrum = np.abs(np.fft.rfft(anchor.samples)) ** 2
    freqs = np.fft.rfftfreq(anchor.samples.size, 1 / anchor.sr_hz)
    assert spectrum[freqs > 2 * survey.audio.anchor_lowpass_hz].sum() < 1e-3 * spectrum.sum()
    assert bs1770_lufs(anchor) == pytest.approx(-23.0, abs=0.1)  # EBU Tech 3341 allows +-0.1 LU


def test_wav_has_no_metadata_and_new_bytes_per_presentation(survey):
    clip = prepare(survey.stimuli[0], survey.audio)
    first, second = wav_bytes(clip.samples, sr_hz=clip.sr_hz, seed=1), wav_bytes(clip.samples, sr_hz=clip.sr_hz, seed=2)
    assert riff_chunks(first) == ["fmt ", "data"]
    assert first != second and len(first) == len(second)
    decoded, sr_hz = sf.read(io.BytesIO(first))
    assert sr_hz == clip.sr_hz
    gain = float(decoded @ clip.samples / (clip.samples @ clip.samples))  # the presentation's level jitter
    assert abs(20 * np.log10(gain)) <= GAIN_JITTER_DB + 0.01
    assert np.max(np.abs(decoded - gain * clip.samples)) < 2.5 / 32768  # dither of +-1 LSB plus rounding


def test_opaque_ids_depend_on_the_session_secret():
    assert opaque_id("s1", "acr1-001", "clip") == opaque_id("s1", "acr1-001", "clip")
    assert opaque_id("s1", "acr1-001", "clip") != opaque_id("s2", "acr1-001", "clip")


def test_huggins_target_differs_between_ears_only_near_centre():
    trial = huggins_trial(seed=5)
    burst_n = trial.sr_hz
    start = (trial.answer - 1) * int(1.5 * trial.sr_hz)
    left, right = trial.samples[start : start + burst_n].T
    diff = np.abs(np.fft.rfft(left - right))
    freqs = np.fft.rfftfreq(burst_n, 1 / trial.sr_hz)
    assert freqs[np.argmax(diff)] == pytest.approx(CENTRE_HZ, rel=0.07)
    others = [k for k in (1, 2, 3) if k != trial.answer]
    for k in others:
        s = (k - 1) * int(1.5 * trial.sr_hz)
        assert np.allclose(trial.samples[s : s + burst_n, 0], trial.samples[s : s + burst_n, 1])


def test_long_recordings_are_cut_in_a_pause_before_max_duration():
    """Three 1.6 s phrases with 0.5 s pauses, at most 4 s: the first two phrases, cut inside the pause."""
    from persona.io import from_array
    from persona.trials.stimuli import cut_at_pause

    sr_hz = 16000
    t = np.arange(int(1.6 * sr_hz)) / sr_hz
    phrase = 0.3 * np.sin(2 * np.pi * 150 * t) * (1 + 0.8 * np.sin(2 * np.pi * 4 * t)) * np.hanning(t.size) ** 0.1
    gap = np.zeros(int(0.5 * sr_hz))
    audio = from_array(np.concatenate([phrase, gap, phrase, gap, phrase]), sr_hz)
    cut = cut_at_pause(audio, max_duration_s=4.0)
    assert 3.7 - 0.1 <= cut.duration_s <= 3.7 + 0.15  # the second phrase ends at 3.7 s
    assert np.abs(cut.samples[-int(0.04 * sr_hz) :]).max() < 0.01  # the cut lies in silence
    assert cut_at_pause(audio, max_duration_s=10.0) is audio


def test_max_duration_is_validated(make_survey, tmp_path):
    path = make_survey(("acr",))
    text = path.read_text().replace("[audio]", "[audio]\nmax_duration_s = 0.2", 1)
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(SurveyError, match="audio.max_duration_s"):
        load_survey(bad)
