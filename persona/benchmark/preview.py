"""Audition a prescription: apply it to agent audio with Praat PSOLA, write the result, and re-score it.

The same numbers as the SSML: pitch shifted by ``pitch_st``, the semitone contour scaled around
its median by ``1 + range_pct/100``, durations scaled by ``1 / (1 + rate_pct/100)``, and a gain of
``volume_db``. Breaks are not inserted (where to pause is the TTS engine's job).

PSOLA marks its pulses within the voice's own pitch range (the profiler's adaptive first pass,
:func:`persona.features.pitch.adaptive_range`): with a fixed 60-600 Hz range, octave errors in the
pulse marks moved the median F0 of a bundled human clip by 0.6 st with no pitch change asked.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import parselmouth
from parselmouth.praat import call

from .. import io
from ..errors import ParameterError
from ..features import pitch
from .build import Benchmark
from .prescribe import Prescription, voice_prescription
from .score import Scores, score_files

MANIPULATION_STEP_S = 0.01


def apply_prescription(audio: io.Audio, prescription: Prescription) -> io.Audio:
    """PSOLA-resynthesised copy of ``audio`` with the prescription's pitch, range, rate and volume."""
    rate = 1 + (prescription.rate_pct if np.isfinite(prescription.rate_pct) else 0.0) / 100
    if rate <= 0:
        raise ParameterError(f"rate change {prescription.rate_pct:+.0f}% would stop speech")
    sound = parselmouth.Sound(audio.samples, audio.sr_hz)
    floor_hz, ceiling_hz = pitch.adaptive_range(sound, pitch.PitchParams(), name=audio.path)
    manipulation = call(sound, "To Manipulation", MANIPULATION_STEP_S, floor_hz, ceiling_hz)
    tier = call(manipulation, "Extract pitch tier")
    f0 = np.array([call(tier, "Get value at index", i) for i in range(1, call(tier, "Get number of points") + 1)])
    if f0.size:
        shift = 2 ** (_finite(prescription.pitch_st) / 12)
        spread = max(0.0, 1 + _finite(prescription.range_pct) / 100)
        centre = float(np.median(f0))
        call(tier, "Formula", f"{centre * shift} * (self / {centre}) ^ {spread}")
        call([manipulation, tier], "Replace pitch tier")
    durations = call("Create DurationTier", "rate", sound.xmin, sound.xmax)
    call(durations, "Add point", sound.xmin, 1 / rate)
    call([manipulation, durations], "Replace duration tier")
    out = call(manipulation, "Get resynthesis (overlap-add)")
    samples = out.values[0] * 10 ** (_finite(prescription.volume_db) / 20)
    return audio.with_samples(samples, int(out.sampling_frequency))


def _finite(x: float) -> float:
    return float(x) if np.isfinite(x) else 0.0


@dataclasses.dataclass(frozen=True)
class Preview:
    """A prescription, the adjusted audio file, and the clip's scores before and after."""

    prescription: Prescription
    out_path: Path
    before: Scores
    after: Scores


def preview(
    path: str | Path,
    benchmark: Benchmark,
    *,
    scenario: str,
    out_path: str | Path,
    prescription: Prescription | None = None,
    cache: bool = True,
    register: str | None = None,
    allow_large_pitch_change: bool = False,
) -> Preview:
    """Score a clip, apply its prescription (or the one given), write the adjusted audio and score that.

    Parameters
    ----------
    path : path
        Agent clip.
    out_path : path
        Where to write the adjusted audio, in the format its suffix names (:func:`persona.io.write_audio`).
    prescription : Prescription, optional
        Changes to apply; default: the clip's own prescription against ``scenario``.
    register : str, optional
        The voice's pitch register (``low``/``high``); default: inferred from its F0.
    allow_large_pitch_change : bool
        Let the prescription move pitch by more than 4 st (:data:`prescribe.LARGE_PITCH_ST`).
    """
    io.output_audio_format(out_path)
    before = score_files([path], benchmark, scenario=scenario, cache=cache, register=register)
    if before.files["error"].iloc[0]:
        raise ParameterError(f"cannot preview: {before.files['error'].iloc[0]}")
    if prescription is None:
        prescription = voice_prescription(before, benchmark, str(before.voices["voice"].iloc[0]), allow_large_pitch_change=allow_large_pitch_change)
    adjusted = apply_prescription(io.load(path), prescription)
    out = io.write_audio(Path(out_path), adjusted)
    after = score_files([out], benchmark, scenario=scenario, cache=cache, register=before.registers[str(before.voices["voice"].iloc[0])] or None)
    return Preview(prescription, out, before, after)
