"""Leave-one-speaker-out validation compares pitch level in each voice's own register, as scoring does."""

import numpy as np
import pandas as pd
import pytest

from persona.benchmark.validation import leave_one_speaker_out

COMMON = {"f0_sd_st": 3.0, "f0_range_st": 10.0, "f0_step_sd_st": 0.45, "speech_rate_syl_s": 4.0, "pause_ratio": 0.15,
          "mean_pause_s": 0.4, "loudness_lufs": -23.0, "intensity_sd_db": 9.0, "hnr_db": 12.0, "speech_s": 5.0, "error": ""}  # fmt: skip
SPREAD = (1 / 1.1, 1.0, 1.1)
"""Each register's three speakers sit at its centre and 1.65 st either side."""


def _humans(low_hz: float = 110.0, high_hz: float = 220.0) -> pd.DataFrame:
    rows = [COMMON | {"f0_median_hz": centre * k, "speaker": f"{name}{i}", "file": f"{name}{i}_{c}.wav"}
            for name, centre in (("low", low_hz), ("high", high_hz)) for i, k in enumerate(SPREAD) for c in range(2)]  # fmt: skip
    return pd.DataFrame(rows)


def _tts(**registers: str) -> pd.DataFrame:
    voices = {"male_tts": 110.0, "female_tts": 220.0}
    rows = [COMMON | {"f0_median_hz": hz, "voice": v, "file": f"{v}_{c}.wav", "register": registers.get(v, "")} for v, hz in voices.items() for c in range(2)]
    return pd.DataFrame(rows)


def _distances(humans: pd.DataFrame, tts: pd.DataFrame) -> pd.DataFrame:
    return leave_one_speaker_out(humans, tts, provenance_record={}).set_index(["held_out", "file"])


def test_each_voice_is_compared_in_the_register_its_f0_implies():
    """Registers are inferred by the fixed 160 Hz boundary (persona.benchmark.register): 100-121 Hz low, 200-242 Hz high."""
    d = _distances(_humans(), _tts())
    by_who = d.groupby("who")["register"].agg(set)
    assert all(by_who[w] == {"low"} for w in ("low0", "low1", "low2", "male_tts"))
    assert all(by_who[w] == {"high"} for w in ("high0", "high1", "high2", "female_tts"))


def test_a_voice_s_distance_does_not_depend_on_the_other_register():
    """Raising every high-register speaker by an octave changes the whole panel's pitch median (the
    old comparison) but not the low register's: the low voices' distances must stay exactly the same."""
    tts = _tts()
    before, after = _distances(_humans(), tts), _distances(_humans(high_hz=440.0), tts)
    low = before["who"].isin(["low0", "low1", "low2", "male_tts"]) & before.index.get_level_values("held_out").str.startswith("low")
    assert np.allclose(before.loc[low, "persona_distance"], after.loc[low, "persona_distance"])


def test_a_voice_at_its_register_centre_is_closer_than_in_the_other_register():
    """A 110 Hz voice named high in the manifest is compared with the 200-242 Hz speakers, 6-7 st away,
    so it reads farther than in its own register, where it sits at the centre."""
    own, named_high = _distances(_humans(), _tts()), _distances(_humans(), _tts(male_tts="high"))
    male = own["who"] == "male_tts"
    assert set(named_high.loc[male, "register"]) == {"high"}
    assert (named_high.loc[male, "persona_distance"] > own.loc[male, "persona_distance"] + 0.5).all()


def test_a_manifest_sex_names_the_register_and_unknown_sex_names_none():
    """A man's speaking voice is the low register, a woman's the high one (persona.benchmark.register);
    anything else (unknown, a two-talker mix) names no register, so F0 decides."""
    from persona.benchmark.register import of_sex

    assert of_sex(pd.Series(["M", "F", " f", "unknown", "F+M", "", None])).tolist() == ["low", "high", "high", "", "", "", ""]


def test_a_low_pitched_woman_named_by_sex_is_compared_with_the_women():
    """A 150 Hz woman (below the 160 Hz boundary, so inferred low) whose manifest says F is held
    out and compared with the high register, as her sex says, not with the men."""
    humans = _humans()
    humans.loc[humans["speaker"] == "high0", "f0_median_hz"] = 150.0
    humans["register"] = np.where(humans["speaker"].str.startswith("high"), "high", "low")
    d = _distances(humans, _tts())
    assert set(d.loc[d["who"] == "high0", "register"]) == {"high"}
