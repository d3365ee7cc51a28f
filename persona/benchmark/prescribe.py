"""Prescriptions: the prosody changes that move a voice to the human centre, as SSML and as PSOLA settings.

Each change moves the voice's (median) value to the scenario's human median:

* ``pitch_st`` = ``12 log2(human F0 median / voice F0 median)`` (SSML ``pitch="-2st"``), where the
  human median is that of the speakers of the voice's pitch register (:mod:`persona.benchmark.register`),
  so a panel of men and women does not ask a low voice to meet them in the middle; the change is
  limited to +/- :data:`LARGE_PITCH_ST` unless ``allow_large_pitch_change`` (``pitch_needed_st``
  keeps the full gap);
* ``rate_pct`` = ``100 (human rate / voice rate - 1)`` (SSML ``rate="-12%"``; PSOLA duration x ``1/(1+rate)``);
* ``range_pct`` = ``100 (human F0 SD / voice F0 SD - 1)`` (SSML ``range``; PSOLA scales the
  semitone contour around its median);
* ``volume_db`` = human loudness - voice loudness (SSML ``volume="-3dB"``; a gain);
* ``break_ms`` = human median pause length when the voice pauses less than the human band
  (SSML ``<break time="300ms"/>`` after each clause).

The SSML names only changes at least as large as :data:`NOTICEABLE` (about one just-noticeable
difference); the numbers themselves are always reported.
"""

from __future__ import annotations

import dataclasses
import re
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd

from .build import Benchmark
from .register import infer as infer_register
from .score import Scores, verdict, voice_values

NOTICEABLE = {"pitch_st": 0.5, "rate_pct": 5.0, "range_pct": 10.0, "volume_db": 1.0}
"""Smallest change (per prescription field) written into the SSML."""
MIN_BREAK_MS = 150
LARGE_PITCH_ST = 4.0
"""Pitch shifts beyond this (a major third) change who a voice sounds like, and PSOLA previews of
them sound processed: larger ones are prescribed only on request, and the summary suggests a voice
nearer the agents' pitch instead."""
CLAUSE_END = re.compile(r"([,;:.?!])\s+")
PLACEHOLDER_TEXT = "Your agent's line here, as the TTS engine will say it."
"""SSML text when the line's transcript is not known (two clauses, so a prescribed break shows)."""


@dataclasses.dataclass(frozen=True)
class Prescription:
    """Changes for one voice in one scenario (0 = leave as is)."""

    voice: str
    scenario: str
    pitch_st: float
    rate_pct: float
    range_pct: float
    volume_db: float
    break_ms: int
    pitch_needed_st: float = np.nan
    """The full pitch gap to the human median (st), when ``pitch_st`` was limited to +/- LARGE_PITCH_ST."""

    def noticeable(self) -> dict[str, float]:
        """The changes large enough to write into SSML."""
        return {k: getattr(self, k) for k, jnd in NOTICEABLE.items() if np.isfinite(getattr(self, k)) and abs(getattr(self, k)) >= jnd}

    def ssml(self, text: str | None = None) -> str:
        """SSML 1.1 for the line ``text`` (or :data:`PLACEHOLDER_TEXT`), XML-escaped.

        With ``break_ms`` a ``<break>`` follows each clause end (``, ; : . ? !``) inside the line, or
        the line itself when it is one clause, so the prescribed pauses are always in the markup.
        """
        body = escape(" ".join((text or PLACEHOLDER_TEXT).split()))
        if self.break_ms:
            pause = f'<break time="{self.break_ms}ms"/>'
            inner = CLAUSE_END.sub(rf"\1 {pause} ", body)
            body = inner if inner != body else f"{body} {pause}"
        attrs = {
            "rate": ("rate_pct", "{:+.0f}%"),
            "pitch": ("pitch_st", "{:+.1f}st"),
            "range": ("range_pct", "{:+.0f}%"),
            "volume": ("volume_db", "{:+.1f}dB"),
        }
        changes = self.noticeable()
        spec = " ".join(f'{name}="{fmt.format(changes[key])}"' for name, (key, fmt) in attrs.items() if key in changes)
        inner = f"<prosody {spec}>{body}</prosody>" if spec else body
        return f'<speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis">{inner}</speak>'

    def summary(self) -> str:
        """One line, e.g. ``rate -12%, pitch -2.0 st, add 300 ms breaks``."""
        changes = self.noticeable()
        parts = [f"{label} {fmt.format(changes[key])}" for key, label, fmt in (
            ("rate_pct", "rate", "{:+.0f}%"), ("pitch_st", "pitch", "{:+.1f} st"),
            ("range_pct", "pitch range", "{:+.0f}%"), ("volume_db", "volume", "{:+.1f} dB"),
        ) if key in changes]  # fmt: skip
        if self.break_ms:
            parts.append(f"add {self.break_ms} ms breaks at clause ends")
        summary = ", ".join(parts) or "no noticeable change needed"
        if np.isfinite(self.pitch_needed_st):
            summary += (f" (pitch limited to {LARGE_PITCH_ST:.0f} st: reaching your agents' median needs {self.pitch_needed_st:+.1f} st, "
                        "which would change who the voice sounds like; consider a voice nearer your agents' pitch, "
                        "or --allow-large-pitch-change)")  # fmt: skip
        elif abs(self.pitch_st) > LARGE_PITCH_ST:
            summary += f" (note: {abs(self.pitch_st):.1f} st would change who the voice sounds like; consider a voice nearer your agents' pitch)"
        return summary


def pitch_target_hz(benchmark: Benchmark, scenario: str, register: str = "") -> float:
    """The F0 (Hz) a voice's pitch is moved to: its register's human median when the benchmark has one, else all speakers'."""
    return float(benchmark.compared(scenario, register)["f0_median_hz"].median)


def prescribe(
    values: pd.Series | dict,
    benchmark: Benchmark,
    *,
    scenario: str,
    voice: str = "",
    register: str | None = None,
    allow_large_pitch_change: bool = False,
) -> Prescription:
    """The prescription for a voice whose (median) feature values are ``values`` (column -> value).

    ``register`` (``low``/``high``; default: inferred from the values' F0) is the voice's pitch
    register (see :func:`pitch_target_hz`). Pitch changes beyond +/- :data:`LARGE_PITCH_ST` are
    limited to it unless ``allow_large_pitch_change``.
    """
    human = benchmark.scenario(scenario)
    f0_hz = float(values.get("f0_median_hz", np.nan))
    if register is None:
        register = infer_register(f0_hz)

    def ratio(column: str) -> float:
        value = float(values.get(column, np.nan))
        return human[column].median / value if value > 0 else np.nan

    pauses = human["pause_ratio"]
    too_few_pauses = verdict(float(values.get("pause_ratio", np.nan)), pauses) == "below"
    break_ms = max(MIN_BREAK_MS, int(round(human["mean_pause_s"].median * 1000, -1))) if too_few_pauses else 0
    needed = round(float(12 * np.log2(pitch_target_hz(benchmark, scenario, register) / f0_hz)), 1) if f0_hz > 0 else np.nan
    limited = not allow_large_pitch_change and abs(needed) > LARGE_PITCH_ST
    return Prescription(
        voice=voice,
        scenario=scenario,
        pitch_st=float(np.sign(needed) * LARGE_PITCH_ST) if limited else needed,
        rate_pct=round(float(100 * (ratio("speech_rate_syl_s") - 1)), 0),
        range_pct=round(float(100 * (ratio("f0_sd_st") - 1)), 0),
        volume_db=round(float(human["loudness_lufs"].median - float(values.get("loudness_lufs", np.nan))), 1),
        break_ms=break_ms,
        pitch_needed_st=needed if limited else np.nan,
    )


def voice_prescription(scores: Scores, benchmark: Benchmark, voice: str, *, allow_large_pitch_change: bool = False) -> Prescription:
    """The prescription for one scored voice: its median feature values, in the register it was scored in."""
    values = voice_values(scores.profiles).loc[voice]
    return prescribe(values, benchmark, scenario=scores.scenario, voice=voice, register=scores.registers.get(voice),
                     allow_large_pitch_change=allow_large_pitch_change)  # fmt: skip


def prescriptions(scores: Scores, benchmark: Benchmark, *, allow_large_pitch_change: bool = False) -> pd.DataFrame:
    """One row per scored voice, in the order of ``scores.voices``: the prescription fields, its summary and SSML."""
    rows = []
    for voice in scores.voices["voice"]:
        p = voice_prescription(scores, benchmark, voice, allow_large_pitch_change=allow_large_pitch_change)
        rows.append(dataclasses.asdict(p) | {"summary": p.summary(), "ssml": p.ssml()})
    return pd.DataFrame(rows)
