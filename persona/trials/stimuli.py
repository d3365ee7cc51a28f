"""Stimulus preparation: make every clip of a survey indistinguishable except by the voice.

Each recording is trimmed of leading and trailing silence, optionally cut at the last pause
before ``max_duration_s`` (so human recordings and agent lines reach the listener with lengths
from one range: a length that gives the role away unblinds the trial), optionally passed through the
G.711 telephone chain (:func:`persona.io.telephone`), resampled to the survey rate,
loudness-normalised to one BS.1770 integrated-loudness target (libebur128, as the profile measures it) and given the same
10 ms raised-cosine fades; no padding is added. The result is cached by file content hash and
preparation settings, in memory and on disk (:mod:`persona.trials.clip_cache`), so a trial shown to
a listener only adds what is new for each presentation.

Every presentation is then encoded separately by :func:`wav_bytes`: padded with silence to the
longest clip of its scenario (a random lead of up to ``LEAD_MAX_S`` before the speech, the rest
after it; nothing is cut), scaled by a gain jitter drawn uniformly within +-``GAIN_JITTER_DB`` dB
(below the ~1 dB just-noticeable level difference), given TPDF dither of +-1 LSB (peak -90.3 dBFS,
inaudible), and written as 16-bit PCM WAV with only ``fmt `` and ``data`` chunks (no names, tags or
timestamps). The seed of all three comes from :func:`presentation_seed`, an HMAC under the
session's server-side secret, so nothing the browser receives predicts it. Two presentations of
one clip therefore differ in length-free header, level, alignment and noise, and neither a media
URL (Streamlit hashes the bytes), the bytes nor the samples fingerprint a clip across trials or
listeners beyond what listening itself can tell.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import threading
import time
import warnings
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import parselmouth
from scipy import signal

from ..errors import AudioError, GatedLoudnessWarning
from ..features import energy, pace
from ..io import Audio, load, resample, telephone
from . import clip_cache
from .survey import AudioSpec, Stimulus, Survey, TestSpec

FADE_S = 0.010
GOLD_SNR_DB = 5.0
PAUSE_MARGIN_S = 0.05  # a cut lies this far into the pause after the last kept run
DITHER_LSB = 1.0  # TPDF dither peak, in 16-bit LSBs (1 LSB = -90.3 dBFS)
GAIN_JITTER_DB = 0.5  # per-presentation level jitter, dB either way
LEAD_MAX_S = 0.25  # longest silence put before the speech when a clip is padded, s
_PCM16_SCALE = 32767.0
_TRIM_FRAME_S = 0.025
_TRIM_HOP_S = 0.005
_PREPARE_LOCK = threading.Lock()


def prepare(stimulus: Stimulus, spec: AudioSpec) -> Audio:
    """The prepared clip of a stimulus, including derived anchor and gold copies; cached.

    ``anchor`` clips are the prepared source low-passed at ``spec.anchor_lowpass_hz`` (the
    ITU-R BS.1534 low anchor); ``gold`` clips are also mixed with white noise at
    ``GOLD_SNR_DB`` dB SNR. Both are re-normalised to the loudness target. The cache key is
    the file's SHA-256, the kind of copy and the settings.
    """
    status = os.stat(stimulus.path)
    digest = _file_digest(str(stimulus.path), status.st_mtime_ns, status.st_size)
    with _PREPARE_LOCK:  # concurrent first requests for a clip prepare it once
        return _prepare_cached(digest, str(stimulus.path), stimulus.derived, spec)


def clear_cache() -> None:
    """Forget every prepared clip (the next :func:`prepare` of each clip starts from the file)."""
    _prepare_cached.cache_clear()


@lru_cache(maxsize=1024)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@lru_cache(maxsize=256)
def _prepare_cached(digest: str, path: str, derived: str, spec: AudioSpec) -> Audio:
    """The prepared clip from memory, else from the disk cache, else prepared (and kept in both)."""
    key = clip_cache.clip_key(digest, derived, spec)
    samples = clip_cache.load(key)
    if samples is None:
        samples = _prepare_fresh(digest, path, derived, spec).samples.astype(np.float32).astype(np.float64)
        clip_cache.save(key, samples)
    return Audio(samples, spec.sample_rate_hz, path)


def _prepare_fresh(digest: str, path: str, derived: str, spec: AudioSpec) -> Audio:
    if derived:
        clean = _prepare_cached(digest, path, "", spec)
        noise_snr_db = GOLD_SNR_DB if derived == "gold" else None
        return degrade(clean, lowpass_hz=spec.anchor_lowpass_hz, snr_db=noise_snr_db, loudness_lufs=spec.loudness_lufs)
    audio = trim_silence(load(path), top_db=spec.trim_db)
    if spec.max_duration_s:
        audio = cut_at_pause(audio, max_duration_s=spec.max_duration_s)
    if spec.telephone:
        audio = telephone(audio)
    audio = normalise_loudness(resample(audio, spec.sample_rate_hz), loudness_lufs=spec.loudness_lufs)
    return fade(audio, fade_s=FADE_S)


def trim_silence(audio: Audio, *, top_db: float) -> Audio:
    """Cut leading and trailing audio quieter than ``top_db`` dB below the loudest frame.

    Frames are Praat intensity frames (``To Intensity``: 25 ms effective window, 5 ms step, mean
    subtracted); the kept span runs from the centre of the first frame within ``top_db`` of the
    loudest (the clip's start if that is the first frame) to the centre of the last (the clip's end
    if that is the last frame). Clips too short for one frame (50 ms) are kept whole.
    """
    sound = parselmouth.Sound(audio.samples, audio.sr_hz)
    if sound.duration < 2 * _TRIM_FRAME_S:
        return audio
    intensity = sound.to_intensity(minimum_pitch=3.2 / _TRIM_FRAME_S, time_step=_TRIM_HOP_S)
    db = intensity.values[0]
    loud = np.flatnonzero(db >= np.nanmax(db) - top_db) if np.isfinite(db).any() else np.empty(0, int)
    if loud.size == 0:
        return audio
    times = intensity.xs()
    start_s = 0.0 if loud[0] == 0 else times[loud[0]]
    end_s = audio.duration_s if loud[-1] == db.size - 1 else times[loud[-1]]
    return audio.with_samples(audio.samples[int(start_s * audio.sr_hz) : int(np.ceil(end_s * audio.sr_hz))])


def cut_at_pause(audio: Audio, *, max_duration_s: float) -> Audio:
    """Keep the speech runs that end by ``max_duration_s`` (s), cutting inside the pause after the last.

    Runs and pauses are persona's own segmentation (:func:`persona.features.pace.segment`); a
    first run longer than ``max_duration_s`` is cut at ``max_duration_s``.
    """
    if audio.duration_s <= max_duration_s:
        return audio
    params = pace.PaceParams()
    runs = pace.segment(pace.vowel_contour(parselmouth.Sound(audio.samples, audio.sr_hz), params), params).runs_s
    ends = runs[runs[:, 1] <= max_duration_s - PAUSE_MARGIN_S, 1]
    end_s = ends[-1] + PAUSE_MARGIN_S if ends.size else max_duration_s
    return audio.with_samples(audio.samples[: int(end_s * audio.sr_hz)])


def normalise_loudness(audio: Audio, *, loudness_lufs: float) -> Audio:
    """Scale to a BS.1770 integrated loudness of ``loudness_lufs`` (:func:`persona.features.energy.loudness_lufs`).

    Raises
    ------
    AudioError
        If the clip has no gated loudness (shorter than one 400 ms block, or silent) or would clip
        at the target.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GatedLoudnessWarning)
        measured = energy.loudness_lufs(audio)
    if not np.isfinite(measured):
        raise AudioError(audio.path, "no gated loudness (shorter than 0.4 s or silent after trimming)")
    scaled = audio.samples * 10 ** ((loudness_lufs - measured) / 20)
    peak = float(np.max(np.abs(scaled)))
    if peak >= 1.0:
        raise AudioError(
            audio.path, f"would clip at {loudness_lufs} LUFS (peak {20 * np.log10(peak):+.1f} dBFS); lower audio.loudness_lufs"
        )
    return audio.with_samples(scaled)


def fade(audio: Audio, *, fade_s: float) -> Audio:
    """Raised-cosine fade-in and fade-out of ``fade_s`` seconds each."""
    n = min(int(fade_s * audio.sr_hz), audio.samples.size // 2)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n))
    y = audio.samples.copy()
    y[:n] *= ramp
    y[y.size - n :] *= ramp[::-1]
    return audio.with_samples(y)


def degrade(audio: Audio, *, lowpass_hz: float, loudness_lufs: float, snr_db: float | None = None) -> Audio:
    """Low-pass (8th-order Butterworth) and optionally add white noise at ``snr_db``, re-normalised.

    The noise generator is seeded from the samples, so a degraded copy is reproducible.
    """
    sos = signal.butter(8, lowpass_hz, btype="lowpass", fs=audio.sr_hz, output="sos")
    y = signal.sosfiltfilt(sos, audio.samples)
    if snr_db is not None:
        seed = int.from_bytes(hashlib.sha256(audio.samples.tobytes()).digest()[:8], "little")
        noise = np.random.default_rng(seed).standard_normal(y.size)
        y = y + noise * np.sqrt(np.mean(y**2) / 10 ** (snr_db / 10))
    return fade(normalise_loudness(audio.with_samples(y), loudness_lufs=loudness_lufs), fade_s=FADE_S)


def opaque_id(secret: str, *parts: str) -> str:
    """A 16-hex-digit HMAC-SHA256 of ``parts`` under ``secret``: stable within a session, opaque outside."""
    return hmac.new(secret.encode(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:16]


def presentation_seed(secret: str, *parts: str) -> int:
    """A 64-bit seed for one presentation: HMAC-SHA256 of ``parts`` under the server-side ``secret``.

    Keyed with a label of its own, so it cannot be derived from :func:`opaque_id` of the same parts.
    """
    digest = hmac.new(secret.encode(), "\x1f".join(("present", *parts)).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "little")


def wav_bytes(samples: np.ndarray, *, sr_hz: int, seed: int, pad_to: int = 0) -> bytes:
    """Encode one presentation (``(n,)`` or ``(n, 2)`` samples) as 16-bit PCM WAV with no metadata chunks.

    Parameters
    ----------
    samples : np.ndarray
        Float samples in [-1, 1].
    sr_hz : int
        Sample rate in Hz.
    seed : int
        Seed of the presentation: silence split, gain jitter (+-``GAIN_JITTER_DB`` dB) and TPDF
        dither (+-``DITHER_LSB`` LSB); a new seed gives new bytes and new samples.
    pad_to : int
        Pad with silence to this many samples (a lead of up to ``LEAD_MAX_S`` s, the rest after).
    """
    x = np.asarray(samples, dtype=np.float64)
    frames = x if x.ndim == 2 else x[:, None]
    rng = np.random.default_rng(seed)
    missing = max(0, pad_to - frames.shape[0])
    lead = int(rng.integers(0, min(missing, int(LEAD_MAX_S * sr_hz)) + 1))
    frames = np.pad(frames, ((lead, missing - lead), (0, 0)))
    gain = 10 ** (rng.uniform(-GAIN_JITTER_DB, GAIN_JITTER_DB) / 20)
    tpdf = (rng.random(frames.shape) - rng.random(frames.shape)) * DITHER_LSB
    pcm = np.clip(np.round(frames * gain * _PCM16_SCALE + tpdf), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(frames.shape[1])
        w.setsampwidth(2)
        w.setframerate(int(sr_hz))
        w.writeframes(pcm.tobytes())
    return buffer.getvalue()


def scenario_samples(survey: Survey) -> dict[str, int]:
    """Per scenario, the samples every presentation is padded to: its longest prepared recording.

    Anchor and gold copies keep their source's length, so the recorded clips decide.
    """
    lengths: dict[str, int] = {s.id: 0 for s in survey.scenarios}
    for stimulus in survey.stimuli:
        lengths[stimulus.scenario] = max(lengths[stimulus.scenario], prepare(stimulus, survey.audio).samples.size)
    return lengths


def prepare_survey(survey: Survey) -> pd.DataFrame:
    """Prepare every clip a survey can present (recorded, anchor and gold) and report on each.

    Run before inviting listeners: a clip that cannot be prepared fails here, naming its file,
    not in front of a listener; afterwards the clips are cached.

    Returns
    -------
    pandas.DataFrame
        One row per clip: ``stimulus_id``, ``scenario``, ``role``, ``duration_s`` (speech length before padding), ``peak_dbfs``, ``prepare_s``
        (wall time of the preparation in seconds; near zero when already cached).
    """
    derived = {sid for test in survey.tests for sid in _derived_ids(survey, test)}
    rows = []
    for stimulus_id in [s.id for s in survey.stimuli] + sorted(derived):
        stimulus = survey.stimulus(stimulus_id)
        start = time.perf_counter()
        clip = prepare(stimulus, survey.audio)
        rows.append({
            "stimulus_id": stimulus_id, "scenario": stimulus.scenario, "role": stimulus.role, "duration_s": clip.duration_s,
            "peak_dbfs": 20 * np.log10(np.max(np.abs(clip.samples))), "prepare_s": time.perf_counter() - start,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _derived_ids(survey: Survey, test: TestSpec) -> set[str]:
    """Ids of the anchor and gold copies a test may present (a superset: any clip may be a gold source)."""
    clips = [s for s in survey.stimuli if s.scenario in test.scenarios]
    if test.type == "mushra":
        return {f"{s.id}~anchor" for s in clips if s.role == "human"}
    return {f"{s.id}~gold" for s in clips} if test.gold else set()
