"""Audio input: decode any common file into a mono float signal, and the G.711 telephone chain.

Every public function works in seconds and hertz. Decoding is done by libsndfile (via
soundfile), which reads WAV (8/16/24/32-bit PCM, float, mu-law, A-law), FLAC, OGG/Vorbis and MP3.
"""

from __future__ import annotations

import functools
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from . import dsp
from .errors import (
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

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff"})
MIN_SAMPLE_RATE_HZ = 8000
CLIP_LEVEL = 0.999
CLIP_WARN_FRACTION = 0.01
SILENCE_PEAK = 1e-4  # -80 dBFS: below this the recording is digital silence
MAX_DURATION_S = 3600.0
"""Longest recording accepted by default (s): longer than any call."""
MAX_DECODED_MB = 512
"""Memory bound per file: the decoded float64 samples of all channels may take at most this many MiB
(67 M samples: an hour of 16 kHz mono, 23 min of 48 kHz mono). Checked from the header before
decoding, so a small file declaring a long, wide signal is refused without allocating it; loading
an accepted file peaks at about three times its decoded size (samples, mono mix, validation)."""


@dataclass(frozen=True, eq=False)
class Audio:
    """A mono recording ready to measure.

    Attributes
    ----------
    samples : np.ndarray
        Float64 samples in [-1, 1], shape ``(n,)``.
    sr_hz : int
        Sample rate in Hz.
    path : str
        Source file, or ``"<array>"`` for in-memory audio.
    channel : str
        ``"mix"`` for a downmix of all channels, else the 0-based channel index as text.
    clipped_fraction : float
        Fraction of samples at or above full scale (0-1), measured before any processing.
    """

    samples: np.ndarray = field(repr=False)
    sr_hz: int
    path: str = "<array>"
    channel: str = "mix"
    clipped_fraction: float = 0.0

    @property
    def duration_s(self) -> float:
        """Duration in seconds."""
        return self.samples.size / self.sr_hz

    def with_samples(self, samples: np.ndarray, sr_hz: int | None = None) -> "Audio":
        """A copy with new samples (and optionally a new rate), keeping the provenance."""
        return Audio(
            np.ascontiguousarray(samples, dtype=np.float64),
            int(sr_hz or self.sr_hz),
            self.path,
            self.channel,
            self.clipped_fraction,
        )


def load(
    path: str | os.PathLike,
    *,
    channel: int | None = None,
    min_duration_s: float = 0.5,
    max_duration_s: float = MAX_DURATION_S,
) -> Audio:
    """Decode an audio file into a validated mono :class:`Audio`.

    Parameters
    ----------
    path : str or PathLike
        WAV, FLAC, OGG or MP3 file, any sample rate from 8 kHz up.
    channel : int, optional
        0-based channel to keep from a multi-channel file (e.g. the agent side of a
        call recording). ``None`` averages all channels.
    min_duration_s, max_duration_s : float
        Shortest and longest recording accepted, in seconds. The length is checked from the
        header before anything is decoded, so a huge file fails at once instead of filling memory.

    Raises
    ------
    AudioNotFoundError, CorruptAudioError, EmptyAudioError, TooShortError, TooLongError,
    NonFiniteAudioError, SilentAudioError
        Each message starts with the file name. A heavily clipped file only warns
        (:class:`ClippingWarning`) with the clipped fraction.
    """
    name = str(path)
    p = Path(path)
    if not p.is_file():
        raise AudioNotFoundError(name, "no such file" if not p.exists() else "not a regular file")
    info = check_header(p, max_duration_s=max_duration_s)
    try:
        data, sr_hz = sf.read(p, frames=info.frames, dtype="float64", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError, MemoryError) as exc:
        raise CorruptAudioError(name, f"not a readable audio file ({exc})") from None
    return from_array(data, sr_hz, path=name, channel=channel, min_duration_s=min_duration_s, max_duration_s=max_duration_s)


def from_array(
    samples: np.ndarray,
    sr_hz: int,
    *,
    path: str = "<array>",
    channel: int | None = None,
    min_duration_s: float = 0.5,
    max_duration_s: float = MAX_DURATION_S,
) -> Audio:
    """Validate in-memory samples, shape ``(n,)`` or ``(n, channels)``, into an :class:`Audio`.

    Integer arrays are scaled from their full range to [-1, 1]. Same checks as :func:`load`.
    """
    data = _as_float(np.asarray(samples), path)
    if data.size == 0:
        raise EmptyAudioError(path, "contains no samples")
    if data.ndim == 1:
        data = data[:, None]
    elif data.ndim == 2 and data.shape[0] < data.shape[1] and data.shape[0] <= 8:
        data = data.T  # (channels, n) given: librosa's layout
    if data.ndim != 2:
        raise CorruptAudioError(path, f"expected 1-D or 2-D samples, got shape {data.shape}")
    if int(sr_hz) < MIN_SAMPLE_RATE_HZ:
        raise CorruptAudioError(path, f"sample rate {sr_hz} Hz is below {MIN_SAMPLE_RATE_HZ} Hz")
    n_channels = data.shape[1]
    if channel is None:
        mono, label = data.mean(axis=1), "mix"
    elif 0 <= channel < n_channels:
        mono, label = data[:, channel], str(channel)
    else:
        raise ParameterError(f"{path}: channel {channel} requested but the file has {n_channels} channel(s)")
    if not np.all(np.isfinite(mono)):
        bad = int(np.count_nonzero(~np.isfinite(mono)))
        raise NonFiniteAudioError(path, f"{bad} NaN or infinite sample(s)")
    duration_s = mono.size / sr_hz
    if duration_s < min_duration_s:
        raise TooShortError(path, f"{duration_s:.3f} s long, shorter than the {min_duration_s} s minimum")
    _check_not_too_long(path, duration_s, max_duration_s)
    peak = float(np.max(np.abs(mono)))
    if peak < SILENCE_PEAK:
        raise SilentAudioError(path, f"digital silence (peak {_dbfs(peak):.0f} dBFS)")
    kept = data if channel is None else data[:, [channel]]
    clipped = float(np.mean(np.any(np.abs(kept) >= CLIP_LEVEL, axis=1)))
    if clipped >= CLIP_WARN_FRACTION:
        warnings.warn(f"{path}: heavily clipped, {clipped:.1%} of samples at full scale", ClippingWarning, stacklevel=2)
    return Audio(np.ascontiguousarray(mono, dtype=np.float64), int(sr_hz), path, label, clipped)


def check_header(path: str | os.PathLike, *, max_duration_s: float = MAX_DURATION_S) -> sf._SoundFileInfo:
    """Read an audio file's header and refuse it before decoding if it is too long or too large.

    Returns the soundfile header info (``frames``, ``samplerate``, ``channels``, ...).

    Raises
    ------
    CorruptAudioError
        Not an audio file libsndfile can read, or a header declaring no sample rate.
    TooLongError
        Longer than ``max_duration_s``, or decoding would exceed :data:`MAX_DECODED_MB`.
    """
    name = str(path)
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise CorruptAudioError(name, f"not a readable audio file ({exc})") from None
    if info.samplerate <= 0 or info.channels <= 0 or info.frames < 0:
        raise CorruptAudioError(name, f"header declares {info.samplerate} Hz, {info.channels} channel(s): not a usable audio file")
    duration_s = info.frames / info.samplerate
    _check_not_too_long(name, duration_s, max_duration_s)
    decoded_mb = info.frames * info.channels * 8 / 2**20
    if decoded_mb > MAX_DECODED_MB:
        raise TooLongError(name, f"header declares {_length(duration_s)} at {info.samplerate} Hz, {info.channels} channel(s): "
                                 f"{decoded_mb:,.0f} MB decoded, over the {MAX_DECODED_MB} MB bound per file; split it "
                                 "or resample it first")  # fmt: skip
    return info


def _check_not_too_long(path: str, duration_s: float, max_duration_s: float) -> None:
    if duration_s > max_duration_s:
        raise TooLongError(path, f"{_length(duration_s)} long, longer than the {_length(max_duration_s)} maximum: "
                                 "split it (e.g. per call), or raise max_duration_s")  # fmt: skip


def _length(seconds: float) -> str:
    """A duration for people: seconds up to two minutes, then minutes."""
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _as_float(data: np.ndarray, path: str) -> np.ndarray:
    """Integer PCM to float in [-1, 1]; floats pass through as float64."""
    if np.issubdtype(data.dtype, np.integer):
        info = np.iinfo(data.dtype)
        scale = max(abs(info.min), info.max + 1)
        offset = 0 if info.min < 0 else scale / 2  # unsigned 8-bit PCM is centred on 128
        return (data.astype(np.float64) - offset) / (scale if info.min < 0 else scale / 2)
    if np.issubdtype(data.dtype, np.floating):
        return data.astype(np.float64, copy=False)
    raise CorruptAudioError(path, f"unsupported sample type {data.dtype}")


def _dbfs(x: float) -> float:
    return 20 * np.log10(max(x, 1e-12))


def resample(audio: Audio, sr_hz: int) -> Audio:
    """Polyphase resampling (Kaiser window) to ``sr_hz``."""
    if sr_hz == audio.sr_hz:
        return audio
    return audio.with_samples(resample_samples(audio.samples, audio.sr_hz, sr_hz), sr_hz)


def resample_samples(samples: np.ndarray, sr_hz: int, target_hz: int) -> np.ndarray:
    """``samples`` at ``sr_hz`` resampled to ``target_hz`` (polyphase, Kaiser window: :func:`persona.dsp.resample_poly`)."""
    if target_hz == sr_hz:
        return samples
    return dsp.resample_poly(samples, int(target_hz), int(sr_hz))


# ---- G.711 telephone chain -------------------------------------------------------------------

TELEPHONE_SR_HZ = 8000
TELEPHONE_BAND_HZ = (300.0, 3400.0)
_MULAW_BIAS = 0x84
_MULAW_CLIP = 32635


def mulaw_encode(x: np.ndarray) -> np.ndarray:
    """G.711 mu-law encode float samples in [-1, 1] to 8-bit codes (segmented, as ITU-T G.711)."""
    pcm = np.clip(np.round(np.asarray(x) * 32768.0), -32768, 32767).astype(np.int32)
    sign = np.where(pcm < 0, 0x80, 0x00)
    mag = np.minimum(np.abs(pcm), _MULAW_CLIP) + _MULAW_BIAS
    exponent = np.clip(np.floor(np.log2(mag)).astype(np.int32) - 7, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    """G.711 mu-law decode 8-bit codes to float samples in [-1, 1]."""
    u = ~np.asarray(codes, dtype=np.int32) & 0xFF
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = (((mantissa << 3) + _MULAW_BIAS) << exponent) - _MULAW_BIAS
    return np.where(u & 0x80, -mag, mag).astype(np.float64) / 32768.0


def telephone(audio: Audio) -> Audio:
    """Pass audio through a G.711 telephone channel: 300-3400 Hz band-pass, 8 kHz, mu-law round trip.

    Makes studio TTS and 8 kHz call recordings comparable like for like. Audio already at
    8 kHz is band-limited and companded again, which is harmless (the chain is idempotent
    up to quantisation noise).
    """
    narrow = resample(audio, TELEPHONE_SR_HZ)
    return narrow.with_samples(mulaw_decode(mulaw_encode(telephone_band(narrow.samples, TELEPHONE_SR_HZ))))


def telephone_band(samples: np.ndarray, sr_hz: float) -> np.ndarray:
    """Samples band-passed to :data:`TELEPHONE_BAND_HZ`, the band filter of :func:`telephone`.

    Zero-phase 4th-order Butterworth (:func:`persona.dsp.zero_phase_bandpass`); at rates under
    7.6 kHz the upper edge moves to 0.45 x ``sr_hz``.
    """
    return dsp.zero_phase_bandpass(samples, 4, telephone_band_hz(sr_hz), sr_hz)


def telephone_band_hz(sr_hz: float) -> tuple[float, float]:
    """:data:`TELEPHONE_BAND_HZ` at a sampling rate of ``sr_hz``: the upper edge at most 0.45 x ``sr_hz`` (Hz)."""
    return TELEPHONE_BAND_HZ[0], min(TELEPHONE_BAND_HZ[1], 0.45 * sr_hz)


def butter_bandpass(order: int, band_hz, sr_hz: float) -> np.ndarray:
    """Second-order sections of a Butterworth band-pass (designed once per order, band and rate), for causal streaming filters."""
    return _butter_bandpass(int(order), (float(band_hz[0]), float(band_hz[1])), float(sr_hz))


@functools.lru_cache(maxsize=32)
def _butter_bandpass(order: int, band_hz: tuple[float, float], sr_hz: float) -> np.ndarray:
    from scipy import signal  # 1.4 s to import: only the streaming call analysis needs it

    return signal.butter(order, band_hz, btype="bandpass", fs=sr_hz, output="sos")


def write_wav(path: str | os.PathLike, audio: Audio, *, subtype: str = "PCM_16") -> Path:
    """Write mono PCM WAV with no metadata chunks; returns the path."""
    p = Path(path)
    sf.write(p, np.clip(audio.samples, -1.0, 1.0), audio.sr_hz, subtype=subtype, format="WAV")
    return p


OUTPUT_SUBTYPES = {".wav": ("WAV", "PCM_16"), ".flac": ("FLAC", "PCM_16"), ".ogg": ("OGG", "VORBIS"), ".mp3": ("MP3", "MPEG_LAYER_III")}
"""Audio output by file suffix: libsndfile container and encoding."""


def output_audio_format(path: str | os.PathLike) -> tuple[str, str]:
    """``(format, subtype)`` that :func:`write_audio` uses for ``path``'s suffix; :class:`ParameterError` if none.

    MP3 needs libsndfile >= 1.1 (soundfile's bundled library has it); without it ``.mp3`` is refused.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in OUTPUT_SUBTYPES:
        raise ParameterError(f"{p}: cannot write audio as {suffix or '(no suffix)'}; use one of {', '.join(OUTPUT_SUBTYPES)}")
    container, subtype = OUTPUT_SUBTYPES[suffix]
    if container not in sf.available_formats() or subtype not in sf.available_subtypes(container):
        raise ParameterError(f"{p}: this libsndfile ({sf.__libsndfile_version__}) cannot write {suffix}; use .wav or .flac")
    return container, subtype


def write_audio(path: str | os.PathLike, audio: Audio) -> Path:
    """Write mono audio in the format its suffix names (.wav/.flac 16-bit PCM, .ogg Vorbis, .mp3); returns the path."""
    p = Path(path)
    container, subtype = output_audio_format(p)
    try:
        sf.write(p, np.clip(audio.samples, -1.0, 1.0), audio.sr_hz, format=container, subtype=subtype)
    except (sf.LibsndfileError, RuntimeError) as exc:
        p.unlink(missing_ok=True)
        raise ParameterError(f"{p}: cannot write {container} at {audio.sr_hz} Hz ({exc})") from None
    return p


def iter_audio_files(paths, *, suffixes=AUDIO_SUFFIXES):
    """Yield audio files from files and folders (folders walked recursively, sorted)."""
    for item in paths:
        p = Path(item)
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in suffixes)
        else:
            yield p
