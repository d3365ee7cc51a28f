"""Pitch register: compare a voice's pitch level with the speakers of its own register, not a mixed panel.

A panel of men and women has two pitch levels; its overall median lies between them, where
hardly anyone speaks. Each speaker of a benchmark therefore has a register, ``low`` or ``high``
(typically a man's or a woman's speaking voice): the one the manifest's ``register`` column
names, else inferred from the speaker's median F0 by a fixed boundary of :data:`BOUNDARY_HZ`.
The pitch-level statistics (``f0_median_hz``) are kept per register, and a voice is compared with
the speakers of its register (given, from the manifest, or inferred from its own median F0 the
same way).

The boundary is fixed rather than fitted to the panel: a panel holds a handful of speakers (a
two-component mixture needs many per component), often of one register only, and a voice is
classified alone. 160 Hz is the geometric midpoint of typical adult speaking F0, about 120 Hz
for men and 210 Hz for women (Baken & Orlikoff 2000, *Clinical Measurement of Speech and
Voice*, ch. 5), so it sits about 5 st from each. Raised voices (oratory, a man at 238 Hz) and
deep women's voices cross it: name those in the manifest or with ``--register``. A manifest that
gives each speaker's sex but no register names it through :func:`of_sex` (a man's speaking voice
is ``low``, a woman's ``high``): what the data says comes before what F0 suggests.

A register with fewer than :data:`MIN_REGISTER_SPEAKERS` speakers gives a noisy centre and no
usable band: the voice is compared with those speakers' median, its band widened to at least
``median +/- 1.28 x max(MAD, 2 st floor)`` (the p10-p90 of a normal distribution with that SD),
and the output says so. A register with no speaker falls back to the whole panel, also said.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..errors import BenchmarkError
from .features import FEATURES
from .panel import FeatureStats, feature_stats

REGISTERS = ("low", "high")
REGISTER_OF_SEX = {"M": "low", "F": "high"}
"""The register of an adult's speaking voice by the manifest's ``sex`` (``M``/``F``); other values name none."""
BOUNDARY_HZ = 160.0
MIN_REGISTER_SPEAKERS = 3
NORMAL_P90_Z = 1.2816
"""z of the 90th percentile of a normal distribution: the p10-p90 band is the median +/- this many SDs."""
PITCH = next(f for f in FEATURES if f.column == "f0_median_hz")
METHOD = (
    f"pitch level (f0_median_hz) per register: a speaker's register is the manifest's register column, else inferred "
    f"from the speaker's median F0 (low below {BOUNDARY_HZ:.0f} Hz, the geometric midpoint of typical men's ~120 Hz and "
    f"women's ~210 Hz speaking F0, Baken & Orlikoff 2000); a register with fewer than {MIN_REGISTER_SPEAKERS} speakers "
    f"gets its band widened to median +/- {NORMAL_P90_Z} x max(MAD, floor); a register with none falls back to the whole panel"
)


def infer(f0_hz: float) -> str:
    """``low`` below :data:`BOUNDARY_HZ`, ``high`` at or above it; empty when F0 is unknown."""
    if not np.isfinite(f0_hz) or f0_hz <= 0:
        return ""
    return "low" if f0_hz < BOUNDARY_HZ else "high"


def of_sex(sex: pd.Series) -> pd.Series:
    """Register named by a manifest ``sex`` column (``M`` low, ``F`` high); blank where the sex is unknown or mixed."""
    return sex.fillna("").astype(str).str.strip().str.upper().map(REGISTER_OF_SEX).fillna("")


def describe_inference(f0_hz: float) -> str:
    """How a register was inferred, e.g. ``inferred from median F0 98 Hz (low below 160 Hz)``."""
    return f"inferred from median F0 {f0_hz:.0f} Hz (low below {BOUNDARY_HZ:.0f} Hz)"


def speaker_registers(f0_hz: pd.Series, speakers: pd.Series, named: pd.Series | None = None) -> pd.DataFrame:
    """Each speaker's register and where it came from (``manifest`` or ``inferred``), indexed by speaker.

    ``f0_hz`` holds clip median F0s; ``named`` the manifest's register per clip (blank = unknown).
    Raises :class:`BenchmarkError` when one speaker's clips name different registers.
    """
    table = pd.DataFrame({"speaker": speakers.to_numpy(), "f0": f0_hz.to_numpy(), "named": ""})
    if named is not None:
        table["named"] = named.fillna("").astype(str).str.strip().to_numpy()
    rows = {}
    for speaker, clips in table.groupby("speaker"):
        names = sorted(set(clips["named"]) - {""})
        if len(names) > 1:
            raise BenchmarkError(f"speaker {speaker!r} is listed with registers {', '.join(names)}; give one")
        f0 = float(np.nanmedian(clips["f0"])) if np.isfinite(clips["f0"]).any() else np.nan
        rows[speaker] = {"register": names[0], "source": "manifest"} if names else {"register": infer(f0), "source": "inferred"}
        rows[speaker]["f0_median_hz"] = f0
    return pd.DataFrame.from_dict(rows, orient="index", columns=["register", "source", "f0_median_hz"])


def pitch_stats(f0_hz: pd.Series, speakers: pd.Series, registers: pd.DataFrame) -> dict[str, FeatureStats]:
    """``{register: FeatureStats}`` of pitch level over the speakers of each register that has any.

    Empty for a one-speaker panel: a voice is then compared with that one reference voice, whatever its register.
    """
    if speakers.nunique() < 2:
        return {}
    out = {}
    by_speaker = registers["register"].reindex(speakers.to_numpy()).to_numpy()
    for name in REGISTERS:
        mine = by_speaker == name
        if mine.any():
            out[name] = widened(feature_stats(PITCH, f0_hz[mine], speakers[mine]))
    return out


def widened(s: FeatureStats) -> FeatureStats:
    """The band of a register with few speakers, widened to at least the median +/- 1.28 x max(MAD, floor)."""
    if s.n_speakers >= MIN_REGISTER_SPEAKERS or not np.isfinite(s.median):
        return s
    half_st = NORMAL_P90_Z * widening_sd_st(s)
    low, high = s.median * 2 ** (-half_st / 12), s.median * 2 ** (half_st / 12)
    return dataclasses.replace(s, p10=min(s.p10, low), p90=max(s.p90, high))


def widening_sd_st(s: FeatureStats) -> float:
    """The SD (st) a few-speaker register's band is widened with: max(MAD, floor), the floor alone without a MAD."""
    return max(s.mad if np.isfinite(s.mad) else 0.0, PITCH.floor)


def note(by_register: dict[str, FeatureStats], register: str, scenario: str) -> str:
    """What the pitch comparison of a voice of ``register`` rests on, when it is less than a full register panel."""
    where = scenario.replace("_", " ")
    if not register:
        return f"pitch level compared with the whole {where} panel (the voice's register is unknown)"
    s = by_register.get(register)
    if s is None:
        return f"no {register}-register speaker in {where}: pitch level compared with the whole panel, which holds other registers"
    if s.n_speakers < MIN_REGISTER_SPEAKERS:
        return (f"only {s.n_speakers} {register}-register speaker(s) in {where} (fewer than {MIN_REGISTER_SPEAKERS}): "
                f"pitch level compared with their median, band widened to +/- {NORMAL_P90_Z} x {widening_sd_st(s):.1f} st")  # fmt: skip
    return ""


def compared_stats(pooled: dict[str, FeatureStats], by_register: dict[str, FeatureStats], register: str) -> dict[str, FeatureStats]:
    """The panel statistics a voice of ``register`` is compared with: pitch level from its register when it has speakers."""
    if register in by_register:
        return {**pooled, PITCH.column: by_register[register]}
    return pooled
