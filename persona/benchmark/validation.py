"""Validation of the benchmark: leave-one-speaker-out distances of held-out humans versus TTS voices.

Each human speaker in turn is removed, a benchmark is built from the remaining speakers, and the
held-out speaker's clips and every TTS clip are scored against it, each in its own pitch register
as scoring does (:mod:`persona.benchmark.register`): a held-out speaker's from the ``register``
column, else inferred from the speaker's median F0; a TTS voice's likewise
(:func:`persona.benchmark.score.resolve_registers`). The area under the ROC curve
of persona distance for separating human from TTS clips is the Mann-Whitney U statistic divided by
``n_human * n_tts`` (1.0 = every human clip closer than every TTS clip).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from . import register as reg
from .build import from_profiles
from .features import FEATURES, feature_values
from .score import persona_distance, resolve_registers

SCENARIO = "all"


def leave_one_speaker_out(humans: pd.DataFrame, tts: pd.DataFrame, *, provenance_record: dict) -> pd.DataFrame:
    """Distances of held-out human clips and of TTS clips, one benchmark per held-out speaker.

    ``humans`` has profile columns plus ``speaker``; ``tts`` has profile columns plus ``voice``;
    either may have ``register``. Returns ``held_out, kind (human|tts), who, register, file,
    persona_distance``, ``register`` being the one the clip's pitch level was compared in.
    """
    tts = tts[~tts["error"].fillna("").astype(bool)]
    humans = humans[~humans["error"].fillna("").astype(bool)]
    speaker_register = reg.speaker_registers(humans["f0_median_hz"], humans["speaker"], humans.get("register"))["register"]
    voice_register = resolve_registers(tts)["register"] if not tts.empty else pd.Series(dtype=str)
    rows = []
    for speaker in sorted(set(humans["speaker"])):
        rest = humans[humans["speaker"] != speaker].assign(scenario=SCENARIO)
        bench = from_profiles(rest, provenance_record=provenance_record)
        for kind, frame, who, registers in (("human", humans[humans["speaker"] == speaker], "speaker", speaker_register), ("tts", tts, "voice", voice_register)):
            for name, clips in frame.groupby(who, sort=False):
                d = persona_distance(feature_values(clips, FEATURES).to_numpy(), bench, SCENARIO, register=registers[name])
                rows += [{"held_out": speaker, "kind": kind, "who": name, "register": registers[name], "file": f, "persona_distance": x} for f, x in zip(clips["file"], d)]
    return pd.DataFrame(rows)


def auc(distances: pd.DataFrame, *, voices: tuple[str, ...] = ()) -> float:
    """AUC of persona distance separating human (closer) from TTS clips, via Mann-Whitney U.

    ``voices`` keeps only the TTS voices whose name starts with one of these prefixes.
    """
    is_tts = distances["kind"] == "tts"
    if voices:
        is_tts &= distances["who"].str.startswith(voices)
    tts = distances.loc[is_tts, "persona_distance"].to_numpy()
    human = distances.loc[distances["kind"] == "human", "persona_distance"].to_numpy()
    u = stats.mannwhitneyu(tts, human, alternative="greater").statistic
    return float(u / (tts.size * human.size))


def per_voice(distances: pd.DataFrame) -> pd.DataFrame:
    """Median distance per held-out human speaker and per TTS voice (over all folds), closest first."""
    table = distances.groupby(["kind", "who"])["persona_distance"].median().reset_index()
    return table.sort_values("persona_distance").reset_index(drop=True).assign(rank=lambda t: np.arange(1, len(t) + 1))
