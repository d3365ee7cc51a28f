"""The listening page attacked: a locked or failing database, a cheating player, two tabs, forged values.

Each test does what a hostile browser or a bad day would (AppTest sets widget and component
values exactly as the websocket would, with no regard for disabled buttons) and checks that the
listener gets a calm refusal and the page names no stimulus, voice, role or file.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import VOICES, answer_screen, listener_app, play_clips
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app_pages import listen
from persona.errors import SurveyError
from persona.stats.screening import screen_listeners
from persona import storage
from persona.trials.answers import Answer
from persona.trials.flow import PLAYBACK_TOLERANCE_S, ListenerFlow
from persona.trials.store import Store
from persona.trials.survey import load_survey

LEAK_WORDS = ("OperationalError", "INSERT", "SQL", "Traceback", "sqlite", ".wav", "stimulus")


def page_text(at) -> str:
    """Everything the page sends, as text: every element's protobuf (labels, values, messages, args)."""

    def walk(node):
        yield str(getattr(node, "proto", ""))
        for child in getattr(node, "children", {}).values():
            yield from walk(child)

    return "\n".join(walk(at._tree))


def assert_blind(at, survey) -> None:
    text = page_text(at)
    named = [w for w in LEAK_WORDS if w in text]
    named += [s.id for s in survey.stimuli if s.id in text] + [v for v in VOICES if v in text]
    assert not named, f"the page names {named}"
    assert not at.exception


def to_first_trial(at):
    answer_screen(at)  # consent (the studies here have no headphone check)
    play_clips(at)
    for radio in at.radio:
        radio.set_value(radio.options and _first_value(radio))
    return at.run()


def _first_value(radio):
    return next(v for v in (1, "A", "human") if radio.format_func(v) in list(radio.options))


@pytest.fixture
def locker(tmp_path):
    """Another process holding the SQLite write lock until it is told to let go."""
    procs = []

    def lock(db_file):
        code = textwrap.dedent(f"""
            import sqlite3, sys
            c = sqlite3.connect({str(db_file)!r}, isolation_level=None)
            c.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.readline()
        """)
        proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "locked"
        procs.append(proc)
        return proc

    yield lock
    for proc in procs:
        if proc.poll() is None:
            proc.communicate("go\n", timeout=30)


def test_locked_database_gives_a_calm_retry_and_keeps_the_answer(study, db_url, locker, monkeypatch):
    monkeypatch.setattr(storage, "SQLITE_BUSY_TIMEOUT_MS", 200)  # fail fast instead of waiting 10 s
    store, survey, tokens = study(("identify",), headphone_trials=0, practice=False)
    at = to_first_trial(listener_app(tokens[0]))
    chosen = [r.value for r in at.radio]
    holder = locker(db_url.removeprefix("sqlite:///"))
    at.button[0].click().run()
    assert at.error[0].value == listen.COULD_NOT_SAVE
    assert [r.value for r in at.radio] == chosen  # the answer is still on the page
    assert_blind(at, survey)
    holder.communicate("go\n", timeout=30)
    at.button[0].click().run()
    assert not at.error and store.responses_frame(survey.id)["trial_id"].nunique() == 1


def test_a_raising_engine_never_shows_its_parameters(study, monkeypatch):
    store, survey, tokens = study(("identify",), headphone_trials=0, practice=False)
    at = to_first_trial(listener_app(tokens[0]))
    secret_params = (survey.stimuli[0].id, survey.stimuli[0].voice, "agent", str(survey.stimuli[0].path))

    def down(*_args, **_kwargs):
        raise OperationalError("INSERT INTO responses (stimulus_id, voice, role) VALUES (?, ?, ?)", secret_params, Exception("server closed"))

    monkeypatch.setattr(Store, "save_answer", down)
    at.button[0].click().run()
    assert at.error[0].value == listen.COULD_NOT_SAVE
    assert_blind(at, survey)
    monkeypatch.setattr(Store, "answered_trials", down)  # the database is gone while the page is drawn
    at.run()
    assert at.error[0].value == listen.UNAVAILABLE
    assert_blind(at, survey)


def test_engine_messages_carry_no_parameters(db_url):
    store = Store(db_url)
    with pytest.raises(OperationalError) as failed, store.engine.connect() as c:  # a failing query with a voice in it
        c.execute(text("SELECT * FROM no_such_table WHERE voice = :v"), {"v": "espeak_en-us"})
    assert "espeak_en-us" not in str(failed.value) and "hidden" in str(failed.value)


def test_ended_sent_at_once_is_refused_until_the_clip_could_have_played(study, manual_clock):
    store, survey, tokens = study(("identify",), headphone_trials=0, practice=False)
    at = to_first_trial(listener_app(tokens[0]))  # the cheat: ended=true the moment the clip arrives
    assert at.button[0].disabled
    flow = at.session_state[listen.FLOW_KEY][1]
    trial = flow.step().trial
    with pytest.raises(SurveyError, match="play every clip to the end"):  # what a forged click on Next runs
        flow.submit(trial, Answer(choice="human", confidence=1))
    assert store.responses_frame(survey.id).empty
    clip = flow.trial_clips(trial)[0]
    manual_clock.advance(clip.duration_s - 2 * PLAYBACK_TOLERANCE_S)  # still too soon
    at.run()
    assert at.button[0].disabled
    manual_clock.advance(PLAYBACK_TOLERANCE_S)  # duration minus the tolerance has passed
    at.run()
    assert not at.button[0].disabled
    at.button[0].click().run()
    frame = store.responses_frame(survey.id)
    assert len(frame) == 1 and frame["response_time_s"].iloc[0] == pytest.approx(clip.duration_s - PLAYBACK_TOLERANCE_S)


def test_fast_answers_are_flagged_and_screened(study, manual_clock):
    store, survey, tokens = study(("ab",), headphone_trials=0, practice=False)
    flow = ListenerFlow.start(store, tokens[0])
    flow.consent()
    for fast in (True, False):
        trial = flow.step().trial
        clips = flow.trial_clips(trial)
        manual_clock.advance(max(c.duration_s for c in clips))  # both clips "played" at once: one duration
        assert all(flow.mark_played(trial.trial_id, c.slot) for c in clips)
        if not fast:
            manual_clock.advance(sum(c.duration_s for c in clips))
        flow.submit(trial, Answer(choice="A"))
    frame = store.responses_frame(survey.id)
    assert frame.groupby("trial_id")["fast_answer"].first().tolist().count(True) == 1
    screened = screen_listeners(frame).iloc[0]
    assert (screened["n_fast_trials"], screened["excluded"]) == (1, True)  # 1 of 2 > 10 %
    assert "faster than their clips play" in screened["reasons"]


def test_second_tab_is_told_its_answer_was_already_recorded(study):
    store, survey, tokens = study(("identify",), headphone_trials=0, practice=False)
    first = to_first_trial(listener_app(tokens[0]))
    second = listener_app(tokens[0])  # same link in a second tab, same first trial
    play_clips(second)
    for radio in second.radio:
        radio.set_value(_first_value(radio))
    second.run()
    first.button[0].click().run()
    second.button[0].click().run()
    assert second.info[0].value == listen.ALREADY_RECORDED
    assert store.responses_frame(survey.id)["trial_id"].nunique() == 1


@pytest.mark.parametrize("value", [150, -1, float("nan")])
def test_mushra_value_outside_the_scale_is_refused_not_clamped(study, value):
    store, survey, tokens = study(("mushra",), headphone_trials=0, practice=False)
    flow = ListenerFlow.start(store, tokens[0])
    flow.consent()
    trial = flow.step().trial
    for clip in flow.trial_clips(trial):
        flow.mark_played(trial.trial_id, clip.slot)
    ratings = {sid: 50 for sid in trial.stimulus_ids} | {trial.stimulus_ids[0]: value}
    with pytest.raises(Exception, match="rating of clip 1 must be a number from 0 to 100") as refused:
        flow.submit(trial, Answer(ratings=ratings))
    assert trial.stimulus_ids[0] not in str(refused.value)
    assert store.responses_frame(survey.id).empty and np.isfinite(50)


def test_survey_text_cannot_make_the_browser_fetch_images(make_survey, db_url):
    path = make_survey(("identify",), headphone_trials=0)
    remote = "![pixel](https://tracker.example/p.png) ![ref][r]\n\n[r]: https://tracker.example/q.png"
    path.write_text(path.read_text().replace('instructions = "Listen', f'instructions = """{remote}\nListen')
                    .replace('then answer."', 'then answer."""').replace('context = "The caller', 'context = "![c](http://x.example/c.png) The caller'))  # fmt: skip
    store = Store(db_url)
    store.register_study(load_survey(path))
    at = listener_app(store.create_listeners("synthetic", n=1)[0])
    shown = "\n".join(m.value for m in at.markdown)
    assert "tracker.example" in shown and "![" not in shown  # the text is there, as text
    answer_screen(at)
    assert "![" not in at.caption[0].value
