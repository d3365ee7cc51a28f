"""Uploads: hostile names stay inside the working folder, limits refuse with clear messages."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
import soundfile as sf

from persona.errors import AudioError, CorruptAudioError, TooShortError
from persona.workbench.uploads import (
    UnsupportedUploadError,
    UploadLimits,
    UploadTooLargeError,
    UploadTooLongError,
    safe_label,
    safe_name,
    store_upload,
    uploaded_voices,
)


def wav_bytes(seconds: float = 1.0, sr_hz: int = 16000, fmt: str = "WAV") -> bytes:
    t = np.arange(int(seconds * sr_hz)) / sr_hz
    buffer = io.BytesIO()
    sf.write(buffer, 0.3 * np.sin(2 * np.pi * 150 * t), sr_hz, format=fmt)
    return buffer.getvalue()


HOSTILE = [
    "../../etc/passwd.wav",
    "..\\..\\windows\\system.ini.wav",
    "/absolute/path.wav",
    "x" * 1000 + ".wav",
    "名前 テスト ünïcødé.wav",
    "nul\x00byte.wav",
    "\u202eevil\u202d.wav",
    "a/../../b.flac",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_stored_inside_the_folder(tmp_path, name):
    folder = tmp_path / "work"
    folder.mkdir()
    suffix = ".flac" if name.endswith(".flac") else ".wav"
    path = store_upload(folder, name, wav_bytes(fmt=suffix.lstrip(".").upper()), voice="../../vendor")
    assert path.resolve().is_relative_to(folder.resolve())
    assert path.parent == folder.resolve() / "vendor"
    assert len(path.name.encode()) <= 120 and "\x00" not in path.name
    assert path.suffix == suffix
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [path.name]


@pytest.mark.parametrize("name", ["..", ".wav", "../", "\x00"])
def test_names_without_an_audio_suffix_are_refused(tmp_path, name):
    with pytest.raises(UnsupportedUploadError, match="not accepted"):
        store_upload(tmp_path, name, wav_bytes())
    assert not list(tmp_path.iterdir())


def test_safe_name_keeps_readable_unicode_and_the_suffix():
    assert safe_name("名前 テスト.MP3") == "名前_テスト.mp3"
    assert safe_name("../../etc/passwd.wav") == "passwd.wav"
    assert safe_name("x" * 500 + ".flac").endswith("x.flac")
    assert safe_label("Vendor A / v2") == "Vendor_A_v2"
    assert safe_label("../..") == "voice"


def test_same_name_twice_is_not_overwritten(tmp_path):
    first = store_upload(tmp_path, "line.wav", wav_bytes(1.0))
    second = store_upload(tmp_path, "line.wav", wav_bytes(2.0))
    assert first != second and first.exists() and second.name == "line-2.wav"
    assert sf.info(str(first)).duration == pytest.approx(1.0)


def test_symlink_at_target_is_not_followed(tmp_path):
    outside = tmp_path / "outside.wav"
    outside.write_bytes(b"keep me")
    folder = tmp_path / "work"
    folder.mkdir()
    os.symlink(outside, folder / "line.wav")
    path = store_upload(folder, "line.wav", wav_bytes())
    assert path.name == "line-2.wav" and outside.read_bytes() == b"keep me"


@pytest.mark.parametrize(
    ("name", "data", "limits", "error", "words"),
    [
        ("notes.txt", b"hello", UploadLimits(), UnsupportedUploadError, "not accepted"),
        ("big.wav", wav_bytes(), UploadLimits(max_bytes=1000), UploadTooLargeError, "MB limit"),
        ("long.wav", wav_bytes(3.0), UploadLimits(max_duration_s=2.0), UploadTooLongError, "2 s limit"),
        ("short.wav", wav_bytes(0.2), UploadLimits(), TooShortError, "shorter than"),
        ("fake.wav", b"RIFF not really a wave file", UploadLimits(), CorruptAudioError, "not a readable audio file"),
    ],
)
def test_refused_uploads_name_the_file_and_leave_nothing(tmp_path, name, data, limits, error, words):
    with pytest.raises(error, match=words) as caught:
        store_upload(tmp_path, name, data, voice="v", limits=limits)
    assert isinstance(caught.value, AudioError) and name in str(caught.value)
    assert str(tmp_path) not in str(caught.value)  # the user sees their file's name, never the server's folder
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_uploaded_voices_groups_files_by_voice(tmp_path):
    store_upload(tmp_path, "a.wav", wav_bytes(), voice="vendor A")
    store_upload(tmp_path, "b.flac", wav_bytes(fmt="FLAC"), voice="vendor A")
    store_upload(tmp_path, "c.wav", wav_bytes(), voice="vendor B")
    voices = uploaded_voices(tmp_path)
    assert {k: [p.name for p in v] for k, v in voices.items()} == {"vendor_A": ["a.wav", "b.flac"], "vendor_B": ["c.wav"]}
