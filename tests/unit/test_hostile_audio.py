"""Audio whose header lies about its size is refused from the header, at every door, undecoded.

The hostile file is a real 1 s FLAC whose STREAMINFO block is patched to declare 55 min at
48 kHz (158.4 M samples: 1.2 GB as float64), the issue's 545 KB FLAC in miniature. The memory
bound per file is :data:`persona.io.MAX_DECODED_MB` of decoded float64 samples.
"""

from __future__ import annotations

import io as bytesio

import numpy as np
import pytest
import soundfile as sf

from persona import io
from persona.errors import AudioError, SurveyError, TooLongError
from persona.workbench import takes, uploads

SR_HZ = 48000
DECLARED_FRAMES = 55 * 60 * SR_HZ


def lying_flac(frames: int = DECLARED_FRAMES) -> bytes:
    """A 1 s FLAC whose header declares ``frames`` samples (STREAMINFO total-samples field, 36 bits)."""
    buffer = bytesio.BytesIO()
    t = np.arange(SR_HZ) / SR_HZ
    sf.write(buffer, 0.3 * np.sin(2 * np.pi * 220 * t), SR_HZ, format="FLAC", subtype="PCM_16")
    data = bytearray(buffer.getvalue())
    assert data[:4] == b"fLaC" and data[4] & 0x7F == 0  # STREAMINFO comes first
    packed = int.from_bytes(data[18:26], "big")  # sample rate (20) | channels-1 (3) | bps-1 (5) | total samples (36)
    data[18:26] = ((packed >> 36 << 36) | frames).to_bytes(8, "big")
    return bytes(data)


@pytest.fixture
def hostile(tmp_path, monkeypatch):
    path = tmp_path / "long.flac"
    path.write_bytes(lying_flac())
    assert sf.info(str(path)).frames == DECLARED_FRAMES  # libsndfile believes the header

    def never(*_args, **_kwargs):
        raise AssertionError("the file was decoded")

    monkeypatch.setattr(sf, "read", never)
    return path


def test_header_check_states_the_bound(hostile):
    with pytest.raises(TooLongError, match=r"55\.0 min at 48000 Hz.*over the 512 MB bound") as refused:
        io.check_header(hostile)
    assert str(refused.value).startswith(str(hostile))
    # by hand: 158,400,000 samples x 8 bytes = 1,208 MiB > 512 MiB
    assert f"{DECLARED_FRAMES * 8 / 2**20:,.0f} MB" in str(refused.value)


def test_cli_loader_refuses_before_decoding(hostile):
    with pytest.raises(TooLongError):
        io.load(hostile)


def test_record_page_refuses_before_decoding(hostile):
    with pytest.raises(TooLongError):
        takes.load_take(hostile)


def test_designer_upload_refuses_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(sf, "read", lambda *a, **k: (_ for _ in ()).throw(AssertionError("decoded")))
    with pytest.raises(AudioError, match="over the"):
        uploads.store_upload(tmp_path, "long.flac", lying_flac())
    assert not list(tmp_path.rglob("*.flac"))  # the refused upload is removed


def test_survey_stimulus_refused_from_header(hostile):
    from persona.trials.survey import _audio_path

    with pytest.raises(SurveyError, match="longer than the 10.0 min maximum"):
        _audio_path(hostile.name, "stimulus[0].file", "s.toml", hostile.parent)


def test_an_honest_long_header_within_the_bound_still_loads(tmp_path):
    path = tmp_path / "ok.flac"
    path.write_bytes(lying_flac(frames=SR_HZ))  # untouched length: 1 s
    assert io.load(path).duration_s == pytest.approx(1.0)
