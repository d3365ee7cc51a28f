"""The whole study analysis on simulated and degenerate panels; validation of the responses table."""

import json

import numpy as np
import pandas as pd
import pytest
from _stats_rows import acr, frame, row

from persona.errors import SurveyError
from persona.stats import AnalysisOptions, PanelSpec, analyze_study, read_responses_csv, simulate_panel
from persona.stats.acr import MIN_HUMAN_VOICES_POPULATION, THESE_VOICES
from persona.stats.responses import empty_responses, validate_responses

FAST = AnalysisOptions(n_boot=100, power_sims=100)


@pytest.fixture(scope="module")
def panel():
    spec = PanelSpec(n_listeners=12, scenarios=("billing_dispute",), lines_per_scenario=3, careless_rate=0.2)
    return simulate_panel(spec, seed=7)


@pytest.fixture(scope="module")
def analysed(panel):
    return analyze_study(panel, options=FAST)


def test_simulated_panel_follows_the_contract_and_round_trips_through_csv(panel, tmp_path):
    path = tmp_path / "responses.csv"
    panel.to_csv(path, index=False)
    again = read_responses_csv(path)
    pd.testing.assert_frame_equal(again, panel, check_dtype=False)
    assert set(panel["test_type"]) == {"acr", "identify", "ab", "mushra"}
    assert panel.groupby("trial_id")["test_type"].nunique().max() == 1


def test_full_analysis_tables_headline_and_json(analysed):
    analysis = analysed
    expected = {"headline", "screening", "exclusions", "mos", "acr_differences", "identification", "preference",
                "bradley_terry", "mushra_scores", "mushra_friedman", "mushra_pairwise", "agreement", "power"}  # fmt: skip
    assert expected <= set(analysis.tables)
    headline = analysis.tables["headline"]
    assert {"screening", "acr", "identification", "preference", "mushra"} <= set(headline["topic"])
    assert headline["statement"].str.len().min() > 20
    payload = json.loads(analysis.to_json())
    assert payload["schema"] == "persona.analysis/1"
    assert payload["provenance"]["params"]["equivalence_margin"] == 0.1


def test_screening_can_be_switched_off(panel, analysed):
    screened = analysed
    everyone = analyze_study(panel, options=AnalysisOptions(n_boot=100, power_sims=100, apply_screening=False))
    n_excluded = int(screened.tables["screening"]["excluded"].sum())
    assert n_excluded > 0
    assert "acr_differences_all_listeners" in screened.tables
    assert everyone.tables["mos"]["n_listeners"].max() == screened.tables["mos"]["n_listeners"].max() + n_excluded
    assert any("not applied" in m for m in everyone.messages)


def test_no_responses_gives_a_clear_message_and_empty_tables():
    analysis = analyze_study(empty_responses(), options=FAST)
    assert analysis.messages[0] == "The study has no scored responses yet: nothing to analyse."
    assert analysis.tables["mos"].empty and analysis.tables["headline"].empty


def test_one_listener_gives_estimates_without_intervals():
    rows = [acr("L1", v, r, float(x), line=f"l{k}") for k, x in enumerate([2, 3]) for v, r in
            (("agent", "agent"), ("ann", "human"))]  # fmt: skip
    analysis = analyze_study(frame(rows), options=FAST)
    assert "Only one listener: estimates without intervals or tests." in analysis.messages
    difference = analysis.tables["acr_differences"].iloc[0]
    assert difference["difference_mos"] == 0 and np.isnan(difference["ci_low"])
    assert "one listener" in difference["note"]


def test_identical_ratings_and_one_stimulus_per_condition_are_explained():
    identical = [acr(f"L{i}", v, r, 3.0, line=f"l{k}") for i in range(4) for k in range(2)
                 for v, r in (("agent", "agent"), ("ann", "human"))]  # fmt: skip
    analysis = analyze_study(frame(identical), options=FAST)
    assert analysis.tables["acr_differences"]["note"].iloc[0] == "all ratings identical: no variance, no test"
    assert any("all ratings identical" in m for m in analysis.messages)
    single = [acr(f"L{i}", v, r, float(2 + (i + k) % 3)) for i in range(5) for k, (v, r) in
              enumerate((("agent", "agent"), ("ann", "human")))]  # fmt: skip
    analysis = analyze_study(frame(single), options=FAST)
    assert "one stimulus for a side" in analysis.tables["acr_differences"]["note"].iloc[0]
    assert any("Planning skipped" in m for m in analysis.messages)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"test_type": "survey"}, "column 'test_type' row 0: 'survey' is not one of"),
        ({"rating": 7}, "column 'rating' row 0: 7.0 is outside 1..5 for acr trials"),
        ({"rating": "good"}, "column 'rating' row 0: 'good' is not a number"),
        ({"practice": "maybe"}, "column 'practice' row 0: 'maybe' is not true/false"),
        ({"listener_id": None}, "column 'listener_id' row 0: value is empty"),
    ],
)
def test_bad_responses_are_refused_naming_column_and_row(change, message):
    with pytest.raises(SurveyError, match=message):
        validate_responses(pd.DataFrame([row(**{"rating": 3, **change})]), source="x.csv")


def test_missing_columns_and_unreadable_files_are_refused(tmp_path):
    with pytest.raises(SurveyError, match="missing column"):
        validate_responses(pd.DataFrame([{"listener_id": "L1"}]))
    with pytest.raises(SurveyError, match="not found"):
        read_responses_csv(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SurveyError, match="bad.csv"):
        read_responses_csv(bad)


def test_acr_headline_with_few_human_voices_speaks_for_those_voices_only(analysed):
    """The simulator's panel has fewer than 4 human voices: the ACR rows and their sentences must not
    generalise to human agents (bench/stats_calibration.py: type-I 0.10 when they do with 2 voices)."""
    differences = analysed.tables["acr_differences"]
    assert (differences["n_human_voices"] < MIN_HUMAN_VOICES_POPULATION).all()
    assert (differences["scope"] == THESE_VOICES).all()
    statements = analysed.tables["headline"].query("topic == 'acr'")["statement"]
    n_voices = int(differences["n_human_voices"].iloc[0])
    assert statements.str.contains(f"these {n_voices} human voice").all()
    assert statements.str.contains("says nothing about human agents in general").all()
