"""Trial plans: reproducible per listener, Latin-square balanced, AB sides counterbalanced."""

import math
from collections import Counter
from dataclasses import replace

import pytest

from persona.errors import SurveyError
from persona.trials.design import check_design, design_leaks, listener_plan, williams_square
from persona.trials.survey import load_survey


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_williams_square_balances_positions_and_successions(n):
    rows = williams_square(n)
    for position in range(n):
        assert Counter(row[position] for row in rows) == Counter({c: len(rows) // n for c in range(n)})
    successions = Counter((row[i], row[i + 1]) for row in rows for i in range(n - 1))
    assert len(set(successions.values())) == 1 and len(successions) == n * (n - 1)


def test_plan_is_reproducible_and_differs_between_listeners(make_survey):
    survey = load_survey(make_survey(("acr", "ab", "identify", "mushra")))
    assert listener_plan(survey, listener_index=3) == listener_plan(survey, listener_index=3)
    orders = {tuple(t.trial_id for t in listener_plan(survey, listener_index=k)) for k in range(4)}
    assert len(orders) == 4


def test_first_condition_rotates_across_listeners(make_survey):
    survey = load_survey(make_survey(("acr",), practice=False))
    first_voices = [survey.stimulus(listener_plan(survey, listener_index=k)[0].stimulus_ids[0]).voice for k in range(4)]
    assert sorted(first_voices) == sorted({s.voice for s in survey.stimuli})


def test_ab_sides_are_counterbalanced(make_survey):
    survey = load_survey(make_survey(("ab",), practice=False))
    shown = Counter()
    for k in range(2):
        for trial in listener_plan(survey, listener_index=k):
            if not trial.is_gold:
                shown[(trial.trial_id, survey.stimulus(trial.stimulus_ids[0]).role)] += 1
    assert set(shown.values()) == {1}  # every pair once with the agent as A, once as B
    assert {role for _, role in shown} == {"agent", "human"}


def test_blocks_have_practice_and_gold(make_survey):
    plan = listener_plan(load_survey(make_survey(("acr", "ab"))), listener_index=0)
    assert [t.trial_id for t in plan if t.practice] == ["acr1-practice", "ab2-practice"]
    assert [t.trial_id for t in plan if t.is_gold] == ["acr1-gold1", "ab2-gold1"]
    assert plan[0].practice and not plan[1].is_gold


def test_gold_trials_come_from_both_roles(make_survey):
    survey = load_survey(make_survey(("acr", "identify")))
    roles = []
    for k in range(8):
        for trial in listener_plan(survey, listener_index=k):
            if trial.is_gold:
                roles.append(survey.stimulus(survey.stimulus(trial.stimulus_ids[0]).source_id).role)
    assert roles.count("human") == roles.count("agent") == 4  # gold g of listener k takes role (k + g) mod 2
    assert design_leaks(survey) == []


def test_mushra_before_identification_is_a_leak(make_survey):
    survey = load_survey(make_survey(("mushra", "identify")))
    problems = design_leaks(survey)
    assert any("put identification first" in p for p in problems)
    assert any("already heard as the MUSHRA reference" in p for p in problems)
    with pytest.raises(SurveyError, match="could tell listeners who is human"):
        check_design(survey)
    check_design(load_survey(make_survey(("identify", "mushra"))))  # identification first: fine


def test_validate_refuses_a_leaky_design(make_survey):
    from typer.testing import CliRunner

    from persona.cli import app

    result = CliRunner().invoke(app, ["survey", "validate", str(make_survey(("mushra", "identify")))])
    assert result.exit_code == 2 and "put identification first" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("per_listener", [1, 3, 5, 8])
def test_balanced_subsets_reach_every_clip_equally_often(make_survey, per_listener):
    """After any number of listeners L, each of the n = 8 clips was given to floor or ceil of L * m / n listeners."""
    survey = load_survey(make_survey(("identify_subset",), practice=False))
    survey = replace(survey, tests=(replace(survey.tests[0], trials_per_listener=per_listener),))
    n_clips = len(survey.stimuli)
    given = Counter()
    for listeners in range(1, 3 * n_clips + 1):
        plan = listener_plan(survey, listener_index=listeners - 1)
        assert len(plan) == per_listener and len({t.trial_id for t in plan}) == per_listener
        given.update(t.stimulus_ids[0] for t in plan)
        expected = listeners * per_listener / n_clips
        counts = [given[s.id] for s in survey.stimuli]
        assert min(counts) == math.floor(expected) and max(counts) == math.ceil(expected)


def test_a_subset_mixes_the_voices(make_survey):
    """Four voices, two clips each, three per listener: no listener hears one voice twice."""
    survey = load_survey(make_survey(("identify_subset",), practice=False))
    for k in range(8):
        voices = [survey.stimulus(t.stimulus_ids[0]).voice for t in listener_plan(survey, listener_index=k)]
        assert len(set(voices)) == 3


def test_reference_free_mushra_rates_every_voice_with_an_anchor(make_survey):
    survey = load_survey(make_survey(("mushra_free",), practice=False))
    for trial in listener_plan(survey, listener_index=0):
        assert trial.reference_id == ""
        voices = {survey.stimulus(sid).voice for sid in trial.stimulus_ids if not sid.endswith("~anchor")}
        assert voices == {s.voice for s in survey.stimuli}  # all four voices, humans included, rated
        assert sum(sid.endswith("~anchor") for sid in trial.stimulus_ids) == 1
