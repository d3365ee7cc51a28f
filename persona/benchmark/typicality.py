"""Typicality: how a voice's persona distance compares with the distances of held-out human speakers.

A distance says how far a voice sits from the human median, not whether that is far for a human.
Each human speaker in turn is left out, the panel statistics are rebuilt from the others, and the
held-out speaker is scored against them in its own register, as a voice would be: the median of
its clips (a speaker-level distance) and each clip (clip-level). A scored voice's
``human_percentile`` is the share (%) of held-out speakers it is farther from the panel than
("farther than 97 % of your agents"; ties count half); a clip's is taken among held-out clips.

Leave-one-speaker-out needs :data:`MIN_SPEAKERS` speakers (each fold then keeps two). A one-voice
benchmark leaves out one clip at a time instead, and its speaker-level list is its clip-level one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import register as reg
from .features import FEATURES
from .panel import distance, panel_stats

MIN_SPEAKERS = 3
METHOD = (
    "human_percentile: share (%) of held-out human distances below the voice's (ties half); leave-one-speaker-out "
    f"over the benchmark's own speakers (needs {MIN_SPEAKERS}+), each scored in its own register, speaker medians for "
    "voices and single clips for files; a one-voice benchmark leaves out one clip at a time"
)


def held_out_distances(values: pd.DataFrame, speakers: pd.Series, registers: pd.DataFrame) -> dict[str, list[float]]:
    """``{"speaker": [...], "clip": [...]}``: persona distances of held-out speakers (medians) and of their clips.

    ``values`` holds the clips' feature values (columns of :data:`FEATURES`), ``speakers`` each
    clip's speaker, ``registers`` the speakers' registers (:func:`register.speaker_registers`).
    Empty lists when the panel has two speakers.
    """
    values, speakers = values.reset_index(drop=True), speakers.reset_index(drop=True)
    columns = [f.column for f in FEATURES]
    n_speakers = speakers.nunique()
    if n_speakers == 1:
        clips = [_distance(values.drop(index=i), speakers.drop(index=i), registers, values.loc[[i], columns].to_numpy(), speakers[i]) for i in values.index]
        flat = [float(d[0]) for d in clips]
        return {"speaker": flat, "clip": flat}
    if n_speakers < MIN_SPEAKERS:
        return {"speaker": [], "clip": []}
    per_speaker, per_clip = [], []
    for speaker in sorted(set(speakers)):
        mine = speakers == speaker
        held = values.loc[mine, columns]
        rows = np.vstack([held.median().to_numpy(), held.to_numpy()])
        d = _distance(values[~mine], speakers[~mine], registers, rows, speaker)
        per_speaker.append(float(d[0]))
        per_clip += [float(x) for x in d[1:]]
    return {"speaker": per_speaker, "clip": per_clip}


def _distance(values: pd.DataFrame, speakers: pd.Series, registers: pd.DataFrame, rows: np.ndarray, held_out: str) -> np.ndarray:
    """Distances of ``rows`` against the panel of ``values``, in the register of speaker ``held_out``."""
    by_register = reg.pitch_stats(values[reg.PITCH.column], speakers, registers)
    human = reg.compared_stats(panel_stats(values, speakers), by_register, registers.loc[held_out, "register"])
    return distance(rows, human)


def human_percentile(value: float, held_out: list[float]) -> float:
    """Share (%) of ``held_out`` distances below ``value`` (ties count half); NaN without any."""
    finite = np.asarray(held_out, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not np.isfinite(value) or finite.size == 0:
        return np.nan
    return float(stats.percentileofscore(finite, value, kind="mean"))


def words(percentile: float, *, one_voice: bool = False) -> str:
    """A ``human_percentile`` in words: ``farther than 97% of your agents (held out)``."""
    among = "of your reference voice's clips (each held out)" if one_voice else "of your agents (each held out)"
    return f"farther than {percentile:.0f}% {among}"
