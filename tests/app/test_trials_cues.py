"""Role cues: clips on lines only one role says, and clip lengths that do not overlap."""

from __future__ import annotations

import pandas as pd
import pytest

from persona.trials.cues import role_cue_warnings
from persona.trials.survey import load_survey


def clips_with(survey, seconds) -> pd.DataFrame:
    """prepare_survey-style rows with chosen durations: ``seconds(stimulus) -> duration in s``."""
    return pd.DataFrame({"stimulus_id": [s.id for s in survey.stimuli], "duration_s": [seconds(s) for s in survey.stimuli]})


def test_shared_lines_and_overlapping_lengths_give_no_warning(make_survey):
    survey = load_survey(make_survey(("acr",)))
    assert role_cue_warnings(survey, clips_with(survey, lambda s: 1.0)) == []


@pytest.mark.parametrize(("human_s", "agent_s"), [(8.0, 5.0), (3.0, 5.0)])
def test_lengths_that_do_not_overlap_are_a_cue(make_survey, human_s, agent_s):
    survey = load_survey(make_survey(("acr",)))
    # humans 8.0-8.1 s vs agents 5.0-5.1 s (or 3.0-3.1 vs 5.0-5.1): disjoint ranges by construction
    warnings = role_cue_warnings(survey, clips_with(survey, lambda s: (human_s if s.role == "human" else agent_s) + 0.1 * (s.line_id == "l02")))
    assert len(warnings) == 1 and "clip lengths do not overlap" in warnings[0]


def test_one_overlapping_clip_is_enough(make_survey):
    survey = load_survey(make_survey(("acr",)))
    longest_agent = max((s for s in survey.stimuli if s.role == "agent"), key=lambda s: s.id)
    seconds = lambda s: 8.0 if s.role == "human" or s is longest_agent else 5.0  # noqa: E731
    assert role_cue_warnings(survey, clips_with(survey, seconds)) == []


def test_clips_whose_words_the_other_role_never_says_are_counted(make_survey):
    path = make_survey(("acr",))
    path.write_text(path.read_text().replace('line_id = "l02"\nvoice = "robo_alpha"', 'line_id = "script02"\nvoice = "robo_alpha"'))
    survey = load_survey(path)
    warnings = role_cue_warnings(survey, clips_with(survey, lambda s: 1.0))
    assert warnings == ["scenario 'billing_dispute': 1 of 4 agent clips say words no human clip says (robo_alpha_l02)"]
