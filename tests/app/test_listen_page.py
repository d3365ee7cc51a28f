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


def progress(at) -> str:
    return at.get("progress")[0].proto.text


def test_progress_counts_sound_checks_practice_and_trials(study):
    _, survey, tokens = study(("identify",), headphone_trials=3)
    plan = listener_plan(survey, listener_index=0)
    total = 3 + len(plan)  # three sound checks, one practice, eight trials (counted from the plan)
    at = listener_app(tokens[0])
    assert progress(at) == f"Welcome · 0 of {total} done"
    answer_screen(at)  # consent
    for k in range(3):
        assert progress(at) == f"Sound check {k + 1} of 3 · {k} of {total} done"
        answer_screen(at)
    assert progress(at) == f"Practice 1 of 1 · 3 of {total} done"
    assert "Practice" in at.info[0].value
    answer_screen(at)
    assert progress(at) == f"Trial 1 of {len(plan) - 1} · 4 of {total} done"


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
    assert progress(again) == f"Trial 3 of {len(listener_plan(survey, listener_index=0)) - 1} · 4 of {1 + 1 + 8} done"
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


def test_mushra_sliders_must_be_moved_and_the_hidden_reference_gets_100(study):
    _, _, tokens = study(("mushra",), headphone_trials=0, practice=False)
    at = play_clips(answer_screen(listener_app(tokens[0])))  # consent, then every clip heard
    assert "hidden: give it **100**" in at.markdown[-1].value
    assert at.button[0].disabled  # sliders untouched at "not rated"
    for slider in at.slider:
        slider.set_value(60)
    at.run()
    assert at.button[0].disabled  # all moved, but none at 100
    at.slider[1].set_value(100).run()
    assert not at.button[0].disabled


def test_reference_free_mushra_has_no_reference_player_or_rule(study):
    store, survey, tokens = study(("mushra_free",), headphone_trials=0, practice=False)
    at = answer_screen(listener_app(tokens[0]))
    assert len(at.get("component_instance")) == len(at.slider)  # a player per rated clip, none for a reference
    assert not any("reference" in m.value for m in at.markdown)
    run_to_end(at)
    assert "reference" not in set(store.responses_frame(survey.id)["role"])


def test_crowd_participant_from_the_url_is_stored_hashed_and_sent_to_the_completion_url(study):
    store, survey, _ = study(("identify",), practice=False, crowd=True)
    pid = "5f8d0c1e2b3a4c5d6e7f8a9b"
    at = run_to_end(listener_app(study=survey.id, PROLIFIC_PID=pid))
    listeners = store.listeners_frame(survey.id)
    code = listeners["completion_code"].dropna().iloc[-1]
    assert at.get("link_button")[0].proto.url == f"https://app.prolific.example/submissions/complete?cc={code}"
    with store.engine.connect() as c:  # the raw id is nowhere in the database
        dump = "".join(str(row) for table in ("listeners", "sessions", "responses") for row in c.exec_driver_sql(f"SELECT * FROM {table}"))
    assert pid not in dump
    again = listener_app(study=survey.id, PROLIFIC_PID=pid)  # the same participant returns: same listener, finished
    assert finished(again) and len(store.listeners_frame(survey.id)) == 3  # two invites from the fixture + this one
    listener_app(study=survey.id, PROLIFIC_PID="another0participant1")
    assert len(store.listeners_frame(survey.id)) == 4


@pytest.mark.parametrize("query", [{"study": "synthetic"}, {"study": "nope", "PROLIFIC_PID": "abc"},
                                   {"study": "synthetic", "PROLIFIC_PID": "<script>"}])  # fmt: skip
def test_crowd_link_without_a_valid_participant_gets_no_trials(study, query):
    store, survey, _ = study(("identify",), crowd=True)
    at = listener_app(**query)
    assert not at.exception and at.error
    assert not at.get("component_instance") and len(store.listeners_frame(survey.id)) == 2
