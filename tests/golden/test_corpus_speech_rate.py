"""Speech rate against transcripts over the development corpus: median |error| <= 8 % per TTS voice."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from persona.features import Profiler
from persona.features.syllables import count_syllables

pytestmark = pytest.mark.corpus


def test_syllable_count_error_per_voice(corpus_dir):
    manifest = pd.read_csv(corpus_dir / "manifest.csv")
    lines = manifest[(manifest["kind"] == "tts") & manifest["transcript"].notna()].copy()
    lines["voice"] = lines["file"].str.split("/").str[1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = Profiler().process_files([str(corpus_dir / f) for f in lines["file"]], jobs=2)
    assert (rows["error"] == "").all(), rows.loc[rows["error"] != "", "error"].tolist()
    reference = lines["transcript"].map(count_syllables).to_numpy()
    lines["abs_error_pct"] = 100 * np.abs(rows["syllable_count"].to_numpy() - reference) / reference
    per_voice = lines.groupby("voice")["abs_error_pct"].median()
    assert len(per_voice) == 8
    assert (per_voice <= 8.0).all(), per_voice.round(1).to_dict()
