"""Trial plans: reproducible per listener, Latin-square balanced, AB sides counterbalanced."""

from collections import Counter

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
