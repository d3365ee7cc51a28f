"""Storage on SQLite and PostgreSQL: idempotent answers, no loss under concurrency or across app
processes, hostile text kept inert, tidy export."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from conftest import complete_listener, plain_answer
from sqlalchemy import MetaData, Table, UniqueConstraint, text
from sqlalchemy.exc import IntegrityError

from persona.errors import StoreError, SurveyError
from persona.stats.responses import RESPONSE_COLUMNS, validate_responses
from persona.trials import migrations
from persona.trials.answers import Answer
from persona.trials.design import listener_plan
from persona.trials.flow import ListenerFlow
from persona.storage import make_engine
from persona.trials.store import Base, ListenerRow, Store, responses_frame
from persona.trials.survey import load_survey

HOSTILE = "<script>alert('x')</script>'); DROP TABLE responses; --"
pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
APP_PROCESS = """
import sys
sys.path.insert(0, {tests!r})
from conftest import complete_listener, fast_clock
from persona.trials import flow
from persona.trials.store import Store
flow._now = fast_clock()
store = Store(sys.argv[1])
for token in sys.argv[2:]:
    complete_listener(store, token)
"""


def test_twenty_listeners_at_once_lose_and_duplicate_nothing(study):
    store, survey, tokens = study(("ab",), n=24, practice=False)
    with ThreadPoolExecutor(max_workers=24) as pool:
        list(pool.map(lambda t: complete_listener(store, t, submits=2), tokens))
    frame = store.responses_frame(survey.id)
    keys = ["listener_id", "trial_id", "attribute", "stimulus_id"]
    assert not frame.duplicated(keys).any()
    per_listener = frame.groupby("listener_id")["trial_id"].nunique()
    expected = [len(listener_plan(survey, listener_index=k)) for k in range(24)]
    assert len(per_listener) == 24 and sorted(per_listener) == sorted(expected)


def test_two_app_processes_on_one_database_lose_and_duplicate_nothing(study, db_url):
    """Two processes drive the same 10 listeners at once, in opposite orders, so they race on every answer."""
    store, survey, tokens = study(("ab", "identify"), n=10, practice=False)
    script = APP_PROCESS.format(tests=str(Path(__file__).parent))
    processes = [subprocess.Popen([sys.executable, "-c", script, db_url, *order], stderr=subprocess.PIPE, text=True)
                 for order in (tokens, tokens[::-1])]  # fmt: skip
    for process in processes:
        _, errors = process.communicate(timeout=600)
        assert process.returncode == 0, errors
    frame = store.responses_frame(survey.id)
    assert not frame.duplicated(["listener_id", "trial_id", "attribute", "stimulus_id"]).any()
    per_listener = frame.groupby("listener_id")["trial_id"].nunique()
    assert sorted(per_listener) == sorted(len(listener_plan(survey, listener_index=k)) for k in range(10))


def test_double_submit_is_idempotent_and_playback_is_required(study):
    store, survey, tokens = study(("identify",), headphone_trials=0)
    flow = ListenerFlow.start(store, tokens[0])
    flow.consent()
    trial = flow.step().trial
    flow.trial_clips(trial)
    with pytest.raises(SurveyError, match="play every clip to the end"):
        flow.submit(trial, plain_answer(trial))
    flow.mark_played(trial.trial_id, "clip")
    assert flow.submit(trial, plain_answer(trial)) is True
    assert flow.submit(trial, Answer(choice="human", confidence=3)) is False
    assert store.responses_frame(survey.id)["choice"].tolist() == ["ai"]


@pytest.mark.parametrize(
    "answer", [Answer(choice="robot", confidence=2), Answer(choice="ai", confidence=7), Answer(choice=HOSTILE)]
)
def test_out_of_range_answers_are_refused(study, answer):
    store, _, tokens = study(("identify",), headphone_trials=0)
    flow = ListenerFlow.start(store, tokens[0])
    flow.consent()
    trial = flow.step().trial
    with pytest.raises(SurveyError, match="(choice|confidence) must be") as refused:
        flow.submit(trial, answer)
    assert trial.trial_id not in str(refused.value) and not store.responses_frame("synthetic").size


def test_hostile_comment_is_stored_verbatim(study):
    store, survey, tokens = study(("identify",), headphone_trials=0)
    flow = complete_listener(store, tokens[0])
    flow.comment(HOSTILE)
    listeners = store.listeners_frame(survey.id)
    assert listeners.loc[0, "comment"] == HOSTILE
    assert len(store.responses_frame(survey.id)) == len(flow.plan)


def test_export_follows_the_tidy_contract(study, db_url):
    store, survey, tokens = study(("acr", "ab", "identify", "mushra"), n=1)
    complete_listener(store, tokens[0])
    frame = responses_frame(survey.id)  # PERSONA_DB_URL points at the test database
    assert tuple(frame.columns) == RESPONSE_COLUMNS
    validate_responses(frame)
    assert set(frame["test_type"]) == {"acr", "ab", "identify", "mushra"}
    assert set(frame["role"]) == {"agent", "human", "reference", "anchor"}
    assert frame["played_full"].all() and (frame["response_time_s"] >= 0).all()
    assert frame["listener_id"].eq("L0000").all() and tokens[0] not in frame.to_csv()


def test_changed_survey_with_answers_needs_a_new_id(study, make_survey):
    store, survey, tokens = study(("identify",), headphone_trials=0)
    complete_listener(store, tokens[0])
    changed = make_survey(("identify",), headphone_trials=2)
    with pytest.raises(StoreError, match="new study id"):
        store.register_study(load_survey(changed))


def test_unknown_study_and_bad_url(db_url):
    with pytest.raises(StoreError, match="no study 'nope'"):
        responses_frame("nope")
    with pytest.raises(StoreError, match="PERSONA_DB_URL"):
        Store("notadialect://x")


def test_plaintext_tokens_and_missing_columns_of_an_older_database_are_migrated(study, db_url):
    store, survey, tokens = study(("identify",), n=2, practice=False, headphone_trials=0)
    complete_listener(store, tokens[0])
    before = store.responses_frame(survey.id).drop(columns="fast_answer")
    with store.engine.begin() as c:  # make it look like a database written before hashing and fast_answer
        for position, token in enumerate(tokens):
            c.execute(text("UPDATE listeners SET token = :t WHERE position = :p"), {"t": token, "p": position})
        c.execute(text("ALTER TABLE responses DROP COLUMN fast_answer"))
    store.engine.dispose()
    reopened = Store(db_url)
    with reopened.engine.connect() as c:
        stored = set(c.execute(text("SELECT token FROM listeners")).scalars())
    assert not stored & set(tokens) and stored == {migrations.token_hash(t) for t in tokens}
    assert reopened.listener(tokens[1]).position == 1  # the link already sent still opens the same listener
    after = reopened.responses_frame(survey.id)
    pd.testing.assert_frame_equal(after.drop(columns="fast_answer"), before)
    assert not after["fast_answer"].any()
    Store(db_url)  # a second start changes nothing (already hashed, column present)
    assert reopened.listener(tokens[0]).position == 0


def test_an_older_database_without_crowd_participants_gets_their_uniqueness(db_url):
    """A listeners table written before crowd recruiting (no ``participant`` column, so no
    ``(study_id, participant)`` constraint) is upgraded to one listener per participant."""
    old = MetaData()
    Base.metadata.tables["studies"].to_metadata(old)
    Table("listeners", old, *[c._copy() for c in ListenerRow.__table__.columns if c.name != "participant"],
          UniqueConstraint("study_id", "position"))  # fmt: skip
    engine = make_engine(db_url)
    old.create_all(engine)
    with engine.begin() as c:
        c.execute(old.tables["studies"].insert().values(id="s", title="t", survey_text="", base_dir=".", secret="x"))
        c.execute(old.tables["listeners"].insert().values(study_id="s", position=0, token="a" * 64))
    engine.dispose()
    store = Store(db_url)
    first = store.participant_listener("s", participant="p1")
    assert store.participant_listener("s", participant="p1").position == first.position
    with pytest.raises(IntegrityError), store.engine.begin() as c:  # the database itself refuses a second row
        c.execute(ListenerRow.__table__.insert().values(study_id="s", position=9, token="b" * 64, participant="p1"))
    Store(db_url)  # a second start finds the index and changes nothing
    with store.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM listeners WHERE participant = 'p1'")).scalar() == 1
