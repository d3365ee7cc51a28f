"""Reading call recordings: the header checks, and the two streamed passes over the samples.

A call is read block by block (:data:`BLOCK_S` at a time), never whole: the first pass keeps only
the band-limited power of each 10 ms frame per channel, the second only the agent's own speech,
so memory does not grow with the length of the call (a 2-hour call is streamed like a 2-minute one).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal

from .. import io
from ..errors import AudioNotFoundError, CorruptAudioError, NonFiniteAudioError, SilentAudioError, TooLongError, TooShortError

BLOCK_S = 60.0
"""Seconds of audio decoded at a time."""
MAX_CALL_S = 4 * 3600.0
"""Longest call accepted by default (s), checked from the header; anything shorter is streamed."""
MIN_CALL_S = 1.0
"""Shortest call accepted (s)."""


@dataclass(frozen=True)
class CallInfo:
    """What the header says: file, sample rate (Hz), channel count, length in samples and seconds."""

    path: str
    sr_hz: int
    channels: int
    frames: int

    @property
    def duration_s(self) -> float:
        return self.frames / self.sr_hz


def call_info(path: str | os.PathLike, *, max_duration_s: float = MAX_CALL_S, mono_ok: bool = False) -> CallInfo:
    """Check a call recording's header: readable, 1 (with ``mono_ok``) or 2 channels, 8 kHz or more, length in range.

    Raises an :class:`~persona.errors.AudioError` whose message names the file and the problem.
    """
    name = str(path)
    p = Path(path)
    if not p.is_file():
        raise AudioNotFoundError(name, "no such file" if not p.exists() else "not a regular file")
    try:
        info = sf.info(p)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise CorruptAudioError(name, f"not a readable audio file ({exc})") from None
    if info.channels == 1 and not mono_ok:
        raise CorruptAudioError(name, "mono recording: one channel cannot tell the agent from the caller; "
                                      "give a turns file (--turns: CSV speaker,start_s,end_s or RTTM)")  # fmt: skip
    if info.channels > 2:
        raise CorruptAudioError(name, f"{info.channels} channels; a call recording has 2 (agent and caller), "
                                      "or 1 with a turns file: extract the two call channels first")  # fmt: skip
    if info.samplerate < io.MIN_SAMPLE_RATE_HZ:
        raise CorruptAudioError(name, f"sample rate {info.samplerate} Hz is below {io.MIN_SAMPLE_RATE_HZ} Hz")
    call = CallInfo(name, int(info.samplerate), int(info.channels), int(info.frames))
    if call.duration_s > max_duration_s:
        raise TooLongError(name, f"{call.duration_s / 60:.1f} min long, longer than the {max_duration_s / 60:.0f} min maximum "
                                 "for a call (raise max_duration_s; calls are streamed, memory stays flat)")  # fmt: skip
    if call.duration_s < MIN_CALL_S:
        raise TooShortError(name, f"{call.duration_s:.3f} s long, shorter than the {MIN_CALL_S} s minimum for a call")
    return call


@dataclass(frozen=True, eq=False)
class FramePower:
    """Mean-square power of the telephone band (300-3400 Hz) per frame and channel, and each channel's sample peak.

    ``power`` has shape ``(n_frames, channels)``; frame ``i`` covers ``[i, i + 1) * frame_s`` seconds.
    """

    power: np.ndarray
    frame_s: float
    peak: np.ndarray

    def db(self, channel: int) -> np.ndarray:
        """Frame power of ``channel`` in dB re full scale (digital silence at -150 dB)."""
        return 10.0 * np.log10(self.power[:, channel] + 1e-15)


def frame_power(call: CallInfo, *, frame_s: float = 0.01) -> FramePower:
    """Stream ``call`` once: band-limited power per ``frame_s`` frame and channel (causal Butterworth, state kept across blocks).

    Raises :class:`NonFiniteAudioError` on NaN samples and :class:`SilentAudioError` when a
    channel is digital silence (peak below -80 dBFS): a call needs both parties.
    """
    frame_len = max(1, int(round(frame_s * call.sr_hz)))
    sos = io.butter_bandpass(4, io.telephone_band_hz(call.sr_hz), call.sr_hz)
    state = np.zeros((sos.shape[0], 2, call.channels))
    block = frame_len * max(1, int(BLOCK_S / frame_s))
    powers, peak, carry = [], np.zeros(call.channels), np.empty((0, call.channels))
    for data in sf.blocks(call.path, blocksize=block, dtype="float64", always_2d=True):
        if not np.all(np.isfinite(data)):
            raise NonFiniteAudioError(call.path, "NaN or infinite samples")
        peak = np.maximum(peak, np.abs(data).max(axis=0))
        band, state = signal.sosfilt(sos, data, axis=0, zi=state)
        band = np.concatenate([carry, band])
        n = band.shape[0] // frame_len
        powers.append((band[: n * frame_len] ** 2).reshape(n, frame_len, call.channels).mean(axis=1))
        carry = band[n * frame_len :]
    for channel in np.flatnonzero(peak < io.SILENCE_PEAK):
        level = 20 * np.log10(max(float(peak[channel]), 1e-12))
        raise SilentAudioError(call.path, f"channel {channel} is digital silence (peak {level:.0f} dBFS): "
                                          "a call needs the agent and the caller on their own channels")  # fmt: skip
    return FramePower(np.concatenate(powers), frame_len / call.sr_hz, peak)


def gather(call: CallInfo, channel: int, runs_s: np.ndarray, *, max_gap_s: float) -> np.ndarray:
    """Stream ``call`` again and keep only ``channel`` inside ``runs_s`` (sorted ``(start_s, end_s)`` rows).

    Between runs, silence (zeros) as long as the original gap but at most ``max_gap_s``, so pauses
    within a turn keep their length and the other party's turns shrink to a turn-sized gap.
    """
    sr = call.sr_hz
    spans = np.clip(np.round(np.asarray(runs_s).reshape(-1, 2) * sr).astype(np.int64), 0, call.frames)
    spans = spans[spans[:, 1] > spans[:, 0]]
    if not len(spans):
        return np.zeros(0)
    gaps = np.minimum(np.r_[0, spans[1:, 0] - spans[:-1, 1]], int(max_gap_s * sr))
    lengths = spans[:, 1] - spans[:, 0]
    out_start = np.cumsum(np.concatenate([[0], lengths[:-1] + gaps[1:]]))
    out = np.zeros(int(lengths.sum() + gaps[1:].sum()))
    block = int(BLOCK_S * sr)
    first = 0
    for i, data in enumerate(sf.blocks(call.path, blocksize=block, dtype="float64", always_2d=True)):
        b0, b1 = i * block, i * block + data.shape[0]
        while first < len(spans) and spans[first, 1] <= b0:
            first += 1
        k = first
        while k < len(spans) and spans[k, 0] < b1:
            s0, s1 = max(spans[k, 0], b0), min(spans[k, 1], b1)
            if s1 > s0:
                dst = out_start[k] + (s0 - spans[k, 0])
                out[dst : dst + s1 - s0] = data[s0 - b0 : s1 - b0, channel]
            k += 1
    return out
