"""Perception meets acoustics: rank correlation of |deviation| with ratings, and the join rules."""

import numpy as np
import pandas as pd
import pytest
from _stats_rows import acr, frame

from persona.errors import BenchmarkError
from persona.stats.acoustics import deviation_columns, read_deviations, rating_deviation_correlations


def rated(n_stimuli=8):
    rows = [acr(f"L{l}", f"v{k}", "agent", float(5 - k // 2), line="x", attribute="fit")
            for k in range(n_stimuli) for l in range(3)]  # fmt: skip
    return frame(rows)


def test_larger_deviation_lower_rating_gives_negative_rho_with_interval():
    deviations = pd.DataFrame({"voice": [f"v{k}" for k in range(8)],
                               "f0_sd_st_z": [-(k + 1.0) for k in range(8)],  # |z| grows as ratings fall
                               "loudness_lufs_deviation": [0.3, -0.1, 0.2, 0.0, -0.3, 0.1, 0.25, -0.2]})  # fmt: skip
    table = rating_deviation_correlations(rated(), deviations, attributes=("fit",))
    top = table.iloc[0]
    assert (top["feature"], top["measure"]) == ("f0_sd_st", "|f0_sd_st_z|")
    assert top["rho"] == pytest.approx(-0.9759, abs=1e-3)  # ties in ratings keep it just above -1
    assert top["ci_low"] < top["rho"] < top["ci_high"] < 0
    assert set(table["feature"]) == {"f0_sd_st", "loudness_lufs"}


def test_z_column_is_preferred_over_deviation():
    deviations = pd.DataFrame({"stimulus_id": ["a"], "pitch_deviation": [1.0], "pitch_z": [2.0], "rate_deviation": [3.0]})
    assert deviation_columns(deviations) == {"pitch": "pitch_z", "rate": "rate_deviation"}


def test_too_few_matched_stimuli_is_a_note_not_a_crash():
    deviations = pd.DataFrame({"voice": ["v0", "v1", "nobody"], "f0_sd_st_z": [1.0, 2.0, 3.0]})
    result = rating_deviation_correlations(rated(), deviations, attributes=("fit", "trust")).set_index("attribute")
    assert np.isnan(result.loc["fit", "rho"]) and "need at least 4" in result.loc["fit", "note"]
    assert "no trust ratings" in result.loc["trust", "note"]


def test_unusable_deviation_tables_are_refused(tmp_path):
    with pytest.raises(BenchmarkError, match="stimulus_id"):
        rating_deviation_correlations(rated(), pd.DataFrame({"file": ["a.wav"], "f0_z": [1.0]}))
    with pytest.raises(BenchmarkError, match="no numeric"):
        rating_deviation_correlations(rated(), pd.DataFrame({"voice": ["v0"], "f0_verdict": ["above"]}))
    with pytest.raises(BenchmarkError, match="must be a .csv"):
        read_deviations(tmp_path / "scores.json")
    with pytest.raises(BenchmarkError, match="not found"):
        read_deviations(tmp_path / "missing.csv")
