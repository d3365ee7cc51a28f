"""Validation of the benchmark: leave-one-speaker-out distances of held-out humans versus TTS voices.

Each human speaker in turn is removed, a benchmark is built from the remaining speakers, and the
held-out speaker's clips and every TTS clip are scored against it. The area under the ROC curve
of persona distance for separating human from TTS clips is the Mann-Whitney U statistic divided by
``n_human * n_tts`` (1.0 = every human clip closer than every TTS clip).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .build import from_profiles
from .features import FEATURES, feature_values
from .score import persona_distance

SCENARIO = "all"


def leave_one_speaker_out(humans: pd.DataFrame, tts: pd.DataFrame, *, provenance_record: dict) -> pd.DataFrame:
    """Distances of held-out human clips and of TTS clips, one benchmark per held-out speaker.

    ``humans`` has profile columns plus ``speaker``; ``tts`` has profile columns plus ``voice``.
    Returns ``held_out, kind (human|tts), who, file, persona_distance``.
    """
    tts = tts[~tts["error"].fillna("").astype(bool)]
    humans = humans[~humans["error"].fillna("").astype(bool)]
    rows = []
    for speaker in sorted(set(humans["speaker"])):
        rest = humans[humans["speaker"] != speaker].assign(scenario=SCENARIO)
        bench = from_profiles(rest, provenance_record=provenance_record)
        for kind, frame, who in (("human", humans[humans["speaker"] == speaker], "speaker"), ("tts", tts, "voice")):
            d = persona_distance(feature_values(frame, FEATURES).to_numpy(), bench, SCENARIO)
            rows += [{"held_out": speaker, "kind": kind, "who": w, "file": f, "persona_distance": x} for w, f, x in zip(frame[who], frame["file"], d)]
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
