"""Audio input: every supported encoding loads, every bad input fails with a typed, named error."""

from __future__ import annotations

import re
import struct
import warnings

import numpy as np
import pytest
import soundfile as sf
from _signals import SR_HZ, harmonic

from persona import io, profile
from persona.errors import (
    AudioNotFoundError,
    ClippingWarning,
    CorruptAudioError,
    EmptyAudioError,
    NonFiniteAudioError,
    ParameterError,
    SilentAudioError,
    TooLongError,
    TooShortError,
)


@pytest.fixture(scope="module")
def voice() -> np.ndarray:
    return harmonic(150.0, duration_s=1.0)


def _write(path, samples, *, sr_hz=SR_HZ, **kwargs):
    sf.write(path, samples, sr_hz, **kwargs)
    return path


# ---- bad input -------------------------------------------------------------------------------


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nowhere.wav"
    with pytest.raises(AudioNotFoundError, match=r"nowhere\.wav: no such file"):
        io.load(path)


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(AudioNotFoundError, match="not a regular file"):
        io.load(tmp_path)


def test_text_renamed_to_wav_is_corrupt(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("this is a shopping list, not audio\n" * 20)
    with pytest.raises(CorruptAudioError, match=r"notes\.wav: not a readable audio file"):
        io.load(path)


def test_truncated_wav_header_is_corrupt(tmp_path, voice):
    whole = _write(tmp_path / "whole.wav", voice)
    cut = tmp_path / "cut.wav"
    cut.write_bytes(whole.read_bytes()[:20])
    with pytest.raises(CorruptAudioError, match=r"cut\.wav: not a readable audio file"):
        io.load(cut)


def test_empty_wav(tmp_path):
    path = _write(tmp_path / "empty.wav", np.zeros(0))
    with pytest.raises(EmptyAudioError, match=r"empty\.wav: contains no samples"):
        io.load(path)


def test_shorter_than_half_a_second(tmp_path, voice):
    path = _write(tmp_path / "blip.wav", voice[: int(0.3 * SR_HZ)])
    with pytest.raises(TooShortError, match=r"blip\.wav: 0\.300 s long, shorter than the 0\.5 s minimum"):
        io.load(path)


def test_too_long_fails_from_the_header_before_decoding(tmp_path, voice, monkeypatch):
    """A huge file is refused from its header: nothing is decoded, so memory is never at risk."""
    path = _write(tmp_path / "archive.wav", np.tile(voice, 3))
    monkeypatch.setattr(io.sf, "read", lambda *a, **k: pytest.fail("decoded a file already known to be too long"))
    with pytest.raises(TooLongError, match=r"archive\.wav: 3\.0 s long, longer than the 2\.0 s maximum: split it"):
        io.load(path, max_duration_s=2.0)


def test_too_long_array(voice):
    with pytest.raises(TooLongError, match=r"<array>: 3\.0 s long"):
        io.from_array(np.tile(voice, 3), SR_HZ, max_duration_s=2.0)


def test_digital_silence(tmp_path):
    path = _write(tmp_path / "hush.wav", np.zeros(SR_HZ))
    with pytest.raises(SilentAudioError, match=r"hush\.wav: digital silence"):
        io.load(path)


@pytest.mark.parametrize(
    "noise",
    [
        pytest.param(lambda: np.random.default_rng(1).normal(0, 0.1, 2 * SR_HZ), id="white-noise"),
        pytest.param(lambda: np.where(np.arange(2 * SR_HZ) % (SR_HZ // 20) == 0, 0.9, 0.0), id="20Hz-click-train"),
    ],
)
def test_no_voiced_speech(tmp_path, noise):
    path = _write(tmp_path / "hiss.wav", noise())
    with pytest.raises(SilentAudioError, match=r"hiss\.wav: no voiced speech found"):
        profile(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_array(voice, bad):
    samples = voice.copy()
    samples[100:103] = bad
    with pytest.raises(NonFiniteAudioError, match=r"<array>: 3 NaN or infinite sample\(s\)"):
        io.from_array(samples, SR_HZ)


def test_float_wav_with_nan(tmp_path, voice):
    samples = voice.copy()
    samples[500] = np.nan
    path = _write(tmp_path / "nan.wav", samples, subtype="FLOAT")
    with pytest.raises(NonFiniteAudioError, match=r"nan\.wav: 1 NaN or infinite sample"):
        io.load(path)


def test_heavy_clipping_warns_with_fraction(tmp_path, voice):
    clipped = np.clip(4 * voice, -1, 1)
    expected = np.mean(np.abs(clipped) >= io.CLIP_LEVEL)
    path = _write(tmp_path / "loud.wav", clipped, subtype="FLOAT")
    with pytest.warns(ClippingWarning, match=re.escape(f"loud.wav: heavily clipped, {expected:.1%} of samples")) as caught:
        audio = io.load(path)
    assert audio.clipped_fraction == pytest.approx(expected)
    assert len(caught) == 1


def test_light_clipping_is_silent(voice):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        io.from_array(voice, SR_HZ)


def test_wrong_channel_index(tmp_path, voice):
    path = _write(tmp_path / "stereo.wav", np.column_stack([voice, voice]))
    with pytest.raises(ParameterError, match=r"stereo\.wav: channel 2 requested but the file has 2 channel\(s\)"):
        io.load(path, channel=2)


def test_sample_rate_below_8k(voice):
    with pytest.raises(CorruptAudioError, match="below 8000 Hz"):
        io.from_array(voice, 4000)


# ---- what must work --------------------------------------------------------------------------


def test_stereo_channel_choice(tmp_path):
    agent, caller = harmonic(120.0), harmonic(220.0)
    path = _write(tmp_path / "call.wav", np.column_stack([agent, caller]))
    assert io.load(path, channel=0).samples == pytest.approx(agent, abs=1e-4)
    assert io.load(path).channel == "mix"
    f0 = {ch: profile(path, channel=ch)["f0_median_hz"].iloc[0] for ch in (0, 1)}
    assert f0[0] == pytest.approx(120.0, rel=0.005)
    assert f0[1] == pytest.approx(220.0, rel=0.005)


def test_8k_telephone_audio_is_measured(tmp_path):
    path = _write(tmp_path / "call8k.wav", harmonic(110.0, sr_hz=8000), sr_hz=8000, subtype="ULAW")
    row = profile(path).iloc[0]
    assert row["error"] == ""
    assert row["f0_median_hz"] == pytest.approx(110.0, rel=0.005)


# Largest decoding error of a sample (full scale +-1). Integer PCM: half an LSB of rounding, plus up to
# another half LSB because libsndfile writes floats times 2^(bits-1) - 1 and reads integers over
# 2^(bits-1): one LSB, 2^-(bits-1). Float: half an ulp of float32 at |x| <= 0.5, 2^-25. G.711
# (ITU-T G.711 tables 1a/2a): the test voice peaks at 0.5, in the top segment, whose step is 128 of
# 4096 (A-law) or 256 of 8159 (mu-law): half a step. FLOAT_SLACK covers float64 arithmetic.
FLOAT_SLACK = 1e-9


@pytest.mark.parametrize(
    ("fmt", "subtype", "suffix", "tolerance"),
    [
        ("WAV", "PCM_U8", ".wav", 2.0**-7),
        ("WAV", "PCM_16", ".wav", 2.0**-15),
        ("WAV", "PCM_24", ".wav", 2.0**-23),
        ("WAV", "FLOAT", ".wav", 2.0**-25),
        ("WAV", "ULAW", ".wav", 128 / 8159),
        ("WAV", "ALAW", ".wav", 64 / 4096),
        ("FLAC", "PCM_16", ".flac", 2.0**-15),
        ("OGG", "VORBIS", ".ogg", None),
        ("MP3", "MPEG_LAYER_III", ".mp3", None),
    ],
)
def test_formats_decode(tmp_path, voice, fmt, subtype, suffix, tolerance):
    if fmt not in sf.available_formats() or subtype not in sf.available_subtypes(fmt):
        pytest.skip(f"libsndfile {sf.__libsndfile_version__} cannot write {fmt}/{subtype}")
    path = _write(tmp_path / f"voice{suffix}", voice, format=fmt, subtype=subtype)
    audio = io.load(path)
    assert audio.sr_hz == SR_HZ
    if tolerance is not None:  # lossless or sample-aligned companding: sample by sample
        assert np.max(np.abs(audio.samples - voice)) <= tolerance + FLOAT_SLACK
    else:  # perceptual codecs add delay and padding: compare level and pitch instead
        assert audio.duration_s == pytest.approx(1.0, abs=0.1)
        assert np.std(audio.samples) == pytest.approx(np.std(voice), rel=0.1)
        assert profile(path)["f0_median_hz"].iloc[0] == pytest.approx(150.0, rel=0.005)


def test_integer_arrays_are_scaled():
    pcm = np.array([0, 16384, -8192, 24576] * 4000, dtype=np.int16)
    audio = io.from_array(pcm, SR_HZ)
    assert audio.samples[:4] == pytest.approx([0.0, 0.5, -0.25, 0.75])
    unsigned = io.from_array(np.array([128, 192, 64, 224] * 4000, dtype=np.uint8), SR_HZ)
    assert unsigned.samples[:4] == pytest.approx([0.0, 0.5, -0.5, 0.75])


def test_channels_first_layout_is_accepted(voice):
    audio = io.from_array(np.vstack([voice, 0.5 * voice]), SR_HZ, channel=1)
    assert audio.samples == pytest.approx(0.5 * voice)


# ---- G.711 -----------------------------------------------------------------------------------


def _wav_data_bytes(path) -> bytes:
    """The payload of a RIFF/WAVE file's ``data`` chunk."""
    blob = path.read_bytes()
    pos = 12
    while pos + 8 <= len(blob):
        tag, size = struct.unpack("<4sI", blob[pos : pos + 8])
        if tag == b"data":
            return blob[pos + 8 : pos + 8 + size]
        pos += 8 + size + (size & 1)
    raise AssertionError(f"{path} has no data chunk")


def test_mulaw_matches_libsndfile(tmp_path):
    ramp = np.linspace(-1.0, 1.0, 65536, endpoint=False)
    path = _write(tmp_path / "ulaw.wav", ramp, subtype="ULAW")
    codes = np.frombuffer(_wav_data_bytes(path), dtype=np.uint8)
    # decoding is a fixed table: ours must equal libsndfile's, code for code
    assert io.mulaw_decode(codes) == pytest.approx(sf.read(path, dtype="int16")[0] / 32768.0, abs=0)
    # encoding: same code except where libsndfile's float->int16 scaling puts a sample on the other side of a step
    ours = io.mulaw_encode(ramp)
    assert np.mean(ours == codes) > 0.99
    assert np.max(np.abs(io.mulaw_decode(ours) - io.mulaw_decode(codes))) <= 2 * np.max(np.diff(np.unique(io.mulaw_decode(codes))))


def test_mulaw_round_trip_error_is_bounded():
    x = np.linspace(-0.99, 0.99, 10001)
    y = io.mulaw_decode(io.mulaw_encode(x))
    # G.711: a biased magnitude m falls in a segment of step <= m/16; decoding returns the step's middle
    half_step = (np.abs(x) * 32768 + 132) / 32 / 32768
    assert np.all(np.abs(y - x) <= half_step + 0.5 / 32768)


def test_telephone_band_limits_and_resamples():
    sr = SR_HZ
    t = np.arange(2 * sr) / sr
    low, mid = 0.3 * np.sin(2 * np.pi * 100 * t), 0.3 * np.sin(2 * np.pi * 1000 * t)
    phone_low = io.telephone(io.from_array(low, sr))
    phone_mid = io.telephone(io.from_array(mid, sr))
    assert phone_mid.sr_hz == io.TELEPHONE_SR_HZ
    assert np.std(phone_mid.samples) == pytest.approx(np.std(mid), rel=0.05)
    assert np.std(phone_low.samples) < 0.05 * np.std(low)
