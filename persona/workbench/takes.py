"""Browser recordings of script lines ("takes"): a quality check, and adding good takes to the references.

A take is judged on four measurements, each with a limit and a reason a speaker can act on:

- duration (s), between ``min_duration_s`` and ``max_duration_s``;
- level: ITU-R BS.1770-4 integrated loudness (LUFS) at least ``min_loudness_lufs``;
- clipping: fraction of samples at full scale (as :func:`persona.io.load` counts it) at most
  ``max_clipped_fraction``;
- noise floor: the 10th percentile of frame RMS (25 ms frames, 10 ms hop) in dBFS, at most
  ``max_noise_floor_dbfs``; speech fills most frames, so the quietest tenth is the room.

An accepted take is encoded as FLAC into ``<reference_dir>/<scenario>/`` and listed in the
manifest by :func:`persona.workbench.manifest.append_rows`.
"""

from __future__ import annotations

import hashlib
import io as bytesio
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from .. import io
from ..errors import BenchmarkError, GatedLoudnessWarning
from ..features.energy import loudness_lufs
from . import manifest
from .uploads import UploadLimits, check_upload, safe_label, write_new_file

BS1770_BLOCK_S = 0.4  # shortest signal BS.1770 gating can measure


@dataclass(frozen=True)
class TakeCriteria:
    """Limits a take must meet.

    Parameters
    ----------
    min_duration_s, max_duration_s : float
        Accepted duration range, in seconds.
    min_loudness_lufs : float
        Quietest accepted integrated loudness, in LUFS.
    max_clipped_fraction : float
        Largest accepted fraction (0-1) of samples at full scale.
    max_noise_floor_dbfs : float
        Loudest accepted noise floor, in dBFS.
    frame_s, hop_s : float
        Frame length and hop of the RMS frames for the noise floor, in seconds.
    noise_percentile : float
        Percentile (0-100) of frame RMS taken as the noise floor.
    """

    min_duration_s: float = 1.0
    max_duration_s: float = 60.0
    min_loudness_lufs: float = -40.0
    max_clipped_fraction: float = 0.001
    max_noise_floor_dbfs: float = -45.0
    frame_s: float = 0.025
    hop_s: float = 0.010
    noise_percentile: float = 10.0


@dataclass(frozen=True)
class TakeCheck:
    """Measurements of one take and the reasons it is refused (empty when accepted)."""

    duration_s: float
    loudness_lufs: float
    peak_dbfs: float
    clipped_fraction: float
    noise_floor_dbfs: float
    problems: tuple[str, ...]

    @property
    def accepted(self) -> bool:
        """True when the take meets every limit."""
        return not self.problems

    def table(self, criteria: TakeCriteria = TakeCriteria()) -> pd.DataFrame:
        """One row per measurement: ``measure, value, unit, limit``."""
        c = criteria
        return pd.DataFrame(
            [
                ("duration", self.duration_s, "s", f"{c.min_duration_s:g} to {c.max_duration_s:g}"),
                ("level (BS.1770 loudness)", self.loudness_lufs, "LUFS", f">= {c.min_loudness_lufs:g}"),
                ("peak", self.peak_dbfs, "dBFS", ""),
                ("clipped samples", 100 * self.clipped_fraction, "%", f"<= {100 * c.max_clipped_fraction:g}"),
                (f"noise floor (p{c.noise_percentile:g} frame RMS)", self.noise_floor_dbfs, "dBFS", f"<= {c.max_noise_floor_dbfs:g}"),
            ],
            columns=["measure", "value", "unit", "limit"],
        )


def keep_recording(folder: str | os.PathLike, data: bytes, *, line_id: str, limits: UploadLimits = UploadLimits()) -> Path:
    """Keep a browser recording of ``line_id`` in the working folder, named by its content hash.

    The same recording (a page rerun) maps to the same file and is written once.

    Raises
    ------
    UploadTooLargeError
        The recording is larger than ``limits.max_bytes``.
    """
    name = f"take_{safe_label(line_id)}_{hashlib.sha256(data).hexdigest()[:16]}.wav"
    check_upload(name, len(data), limits=limits)
    path = Path(folder) / name
    return path if path.is_file() else write_new_file(folder, name, data)


TAKE_DECODE_MAX_S = 300.0
"""A take longer than this (s) is refused from its header, undecoded; shorter ones are judged by :func:`check_take`."""


def load_take(path: str | os.PathLike) -> io.Audio:
    """Decode a recorded take (up to :data:`TAKE_DECODE_MAX_S`; the take limit itself is judged by :func:`check_take`).

    Raises the :func:`persona.io.load` errors for undecodable, empty or digitally silent files;
    clipping is measured by :func:`check_take` instead of warned about.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", io.ClippingWarning)
        return io.load(path, min_duration_s=0.0, max_duration_s=TAKE_DECODE_MAX_S)


def check_take(audio: io.Audio, *, criteria: TakeCriteria = TakeCriteria()) -> TakeCheck:
    """Measure a take and list every limit it misses, each as a sentence saying what to do."""
    c = criteria
    duration_s = audio.duration_s
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GatedLoudnessWarning)  # reported below as "too quiet"
        level = loudness_lufs(audio) if duration_s >= BS1770_BLOCK_S else np.nan
    peak = _dbfs(float(np.max(np.abs(audio.samples))))
    floor = noise_floor_dbfs(audio, frame_s=c.frame_s, hop_s=c.hop_s, percentile=c.noise_percentile)
    problems = []
    if duration_s < c.min_duration_s:
        problems.append(f"too short: {duration_s:.2f} s, a take needs at least {c.min_duration_s:g} s (read the whole line)")
    if duration_s > c.max_duration_s:
        problems.append(f"too long: {duration_s:.1f} s, at most {c.max_duration_s:g} s (record one line per take)")
    if not level >= c.min_loudness_lufs:  # NaN (all blocks gated) is too quiet as well
        shown = "below the gating threshold" if np.isnan(level) else f"{level:.1f} LUFS"
        problems.append(f"too quiet: {shown}, needs at least {c.min_loudness_lufs:g} LUFS (speak closer to the microphone or raise its level)")
    if audio.clipped_fraction > c.max_clipped_fraction:
        problems.append(
            f"clipped: {audio.clipped_fraction:.2%} of samples at full scale, at most {c.max_clipped_fraction:.1%} "
            "(lower the microphone level or move back)"
        )
    if floor > c.max_noise_floor_dbfs:
        problems.append(f"noisy background: noise floor {floor:.1f} dBFS, needs {c.max_noise_floor_dbfs:g} dBFS or lower (find a quieter room)")
    return TakeCheck(duration_s, level, peak, audio.clipped_fraction, floor, tuple(problems))


def noise_floor_dbfs(audio: io.Audio, *, frame_s: float = 0.025, hop_s: float = 0.010, percentile: float = 10.0) -> float:
    """Noise floor in dBFS: the ``percentile`` of frame RMS over ``frame_s`` frames every ``hop_s``."""
    frame = max(1, round(frame_s * audio.sr_hz))
    hop = max(1, round(hop_s * audio.sr_hz))
    if audio.samples.size < frame:
        return _dbfs(float(np.sqrt(np.mean(audio.samples**2))))
    frames = np.lib.stride_tricks.sliding_window_view(audio.samples, frame)[::hop]
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return _dbfs(float(np.percentile(rms, percentile)))


def _dbfs(amplitude: float) -> float:
    return float(20 * np.log10(max(amplitude, 1e-10)))


def script_lines(reference: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """The scenario's script: one row per ``line_id`` with its ``transcript``, in reference order.

    ``reference`` is :func:`persona.benchmark.reference.read_reference` output; lines come from
    its rows of ``scenario`` that have both a ``line_id`` and a transcript.
    """
    rows = reference[(reference["scenario"] == scenario) & (reference["line_id"] != "") & (reference["transcript"] != "")]
    return rows.drop_duplicates("line_id")[["line_id", "transcript"]].reset_index(drop=True)


def add_take(
    audio: io.Audio,
    *,
    reference_dir: str | os.PathLike,
    scenario: str,
    speaker: str,
    line_id: str,
    transcript: str,
    register: str = "",
    license: str = "internal recording",
    source: str = "persona workbench browser recording",
) -> str:
    """Add an accepted take to ``<reference_dir>/<scenario>/`` as a human reference and list it in the manifest.

    The take is written as 16-bit FLAC at its own rate under a new, never-overwriting name
    ``human_<speaker>_<line_id>.flac``; if the manifest cannot be updated the audio file is
    removed again, so the folder and the manifest never disagree. ``register`` (``low``/``high``,
    optional) is the speaker's pitch register; a manifest without that column leaves it out.

    Returns
    -------
    str
        The new manifest ``file`` entry (relative to ``reference_dir``).

    Raises
    ------
    BenchmarkError
        Unknown scenario folder, or a manifest that cannot be updated (see
        :func:`persona.workbench.manifest.append_rows`).
    """
    root = Path(reference_dir)
    if safe_label(scenario, default="") != scenario or not (root / scenario).is_dir():
        raise BenchmarkError(f"{root}: no scenario folder named {scenario!r}")
    speaker_label = safe_label(speaker, default="speaker")
    encoded = bytesio.BytesIO()
    sf.write(encoded, np.clip(audio.samples, -1.0, 1.0), audio.sr_hz, format="FLAC", subtype="PCM_16")
    path = write_new_file(root / scenario, f"human_{speaker_label}_{safe_label(line_id)}.flac", encoded.getvalue())
    entry = f"{scenario}/{path.name}"
    row = {"file": entry, "scenario": scenario, "speaker": speaker_label, "role": "human", "transcript": transcript,
           "line_id": line_id, "register": register, "license": license, "source": source}  # fmt: skip
    try:
        manifest.append_rows(root / "manifest.csv", [row], drop_unknown=True)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return entry

