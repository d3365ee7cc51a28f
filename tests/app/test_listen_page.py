"""The listening page in AppTest: full runs of each test type, resume, refusals, inert text."""

import pytest
from conftest import ADMIN_PASSWORD, answer_screen, finished, listener_app, play_clips

from persona.trials.design import listener_plan

MAX_SCREENS = 60


def run_to_end(at, *, stop_after: int | None = None):
    for screen in range(MAX_SCREENS):
        assert not at.exception, at.exception
        if finished(at) or screen == stop_after:
            return at
        answer_screen(at)
    raise AssertionError("the survey did not finish")


@pytest.mark.parametrize("test_type", ["acr", "ab", "identify", "mushra"])
def test_full_listener_run(study, test_type):
    store, survey, tokens = study((test_type,))
    at = run_to_end(listener_app(tokens[0]))
    frame = store.responses_frame(survey.id)
    plan = listener_plan(survey, listener_index=0)
    assert frame["trial_id"].nunique() == len(plan)
    assert set(frame["test_type"]) == {test_type}
    assert frame["played_full"].all() and frame["headphone_passed"].notna().all()
    code = at.code[0].value
    assert store.listeners_frame(survey.id).loc[0, "completion_code"] == code


def test_progress_bar_and_practice_notice(study):
    _, survey, tokens = study(("identify",))
    at = listener_app(tokens[0])
    answer_screen(at)  # consent
    answer_screen(at)  # headphone check
    assert at.get("progress")[0].proto.text == f"0 of {len(listener_plan(survey, listener_index=0))} answered"
    assert "Practice" in at.info[0].value


def test_next_stays_disabled_until_every_clip_played(study):
    _, _, tokens = study(("ab",), headphone_trials=0)
    at = answer_screen(listener_app(tokens[0]))  # consent
    at.radio[0].set_value("A").run()
    assert at.button[0].disabled
    play_clips(at)
    assert not at.button[0].disabled


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_resume_after_restart_at_first_unanswered_trial(study):
    store, survey, tokens = study(("identify",))
    run_to_end(listener_app(tokens[0]), stop_after=5)  # consent, headphone check, three trials
    answered = store.responses_frame(survey.id)["trial_id"].nunique()
    assert answered == 3
    again = listener_app(tokens[0])  # a new session on the same database: restart or reload
    assert again.get("progress")[0].proto.text.startswith("3 of")
    run_to_end(again)
    frame = store.responses_frame(survey.id)
    assert frame["trial_id"].nunique() == len(listener_plan(survey, listener_index=0))
    assert frame["session_id"].nunique() == 2


@pytest.mark.parametrize("token", [None, "", "not-a-real-token-at-all", "'; DROP TABLE listeners; --"])
def test_no_valid_token_no_trials(study, token):
    store, survey, _ = study(("acr",))
    at = listener_app(token)
    assert not at.exception
    assert not at.get("component_instance") and not at.radio
    assert at.info or at.error
    assert store.study_ids() == [survey.id]


def test_hostile_comment_is_shown_as_plain_text(study):
    store, survey, tokens = study(("identify",), practice=False)
    at = run_to_end(listener_app(tokens[0]))
    hostile = "<img src=x onerror=alert(1)> **bold** '); DROP TABLE responses;--"
    at.text_area(key="comment_text").input(hostile).run()
    at.button(key="comment_send").click().run()
    assert at.text[0].value == hostile  # st.text: no markdown, no HTML
    assert store.listeners_frame(survey.id).loc[0, "comment"] == hostile
    assert not store.responses_frame(survey.id).empty


def test_listener_token_never_opens_admin(study, monkeypatch):
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", ADMIN_PASSWORD)
    _, _, tokens = study(("acr",))
    at = listener_app(tokens[0])
    with pytest.raises(ValueError, match=r"Known pages: \['[^']*listen.py'\]"):
        at.switch_page("app_pages/admin.py")  # with a token in the URL only the listening page exists
    assert at.checkbox(key="consent_agree")
