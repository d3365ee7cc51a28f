"""The admin page in AppTest: closed without a password, then register, invite, watch, export."""

import pytest
from conftest import ADMIN_PASSWORD, APP, answer_screen, listener_app
from streamlit.testing.v1 import AppTest


def admin_app(*, secrets: dict | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.secrets.update(secrets or {})
    at.query_params.update(query or {})
    at.run()
    return at.switch_page("app_pages/admin.py").run()


def test_closed_when_no_password_is_configured(db_url, monkeypatch):
    monkeypatch.delenv("PERSONA_ADMIN_PASSWORD", raising=False)
    at = admin_app()
    assert "closed" in at.error[0].value
    assert not at.text_input and not at.selectbox


@pytest.mark.parametrize("given", ["", "wrong", ADMIN_PASSWORD[:-1]])
def test_refused_without_the_right_password(db_url, monkeypatch, given):
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", ADMIN_PASSWORD)
    at = admin_app()
    at.text_input(key="admin_password_input").input(given).run()
    assert not at.selectbox and not at.download_button
    assert bool(at.error) == bool(given)


def test_admin_flow_register_invite_watch_export(study, db_url):
    store, survey, tokens = study(("identify",), n=1)
    answer_screen(listener_app(tokens[0]))  # one listener starts
    at = admin_app(secrets={"admin_password": ADMIN_PASSWORD})
    at.text_input(key="admin_password_input").input(ADMIN_PASSWORD).run()
    assert not at.exception
    at.number_input(key="admin_invite_n").set_value(3).run()
    at.button(key="admin_invite_create").click().run()
    links = at.code[0].value.splitlines()
    assert len(links) == 3 and all("/?token=" in link for link in links)
    completion, listeners = (frame.value for frame in at.dataframe)
    assert completion.loc[0, ["invited", "started", "finished"]].tolist() == [4, 0, 0]
    assert listeners["consented_at"].notna().sum() == 1
    n_rows = len(store.responses_frame(survey.id))
    assert f"({n_rows} rows, tidy CSV)" in at.get("download_button")[-1].proto.label


def test_demo_survey_is_validated_and_registered(db_url, monkeypatch):
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", ADMIN_PASSWORD)
    at = admin_app()
    at.text_input(key="admin_password_input").input(ADMIN_PASSWORD).run()
    at.selectbox(key="admin_survey_file").select("demo_billing_dispute.toml").run()
    assert "is valid: study `demo_billing_dispute`" in at.success[0].value
    at.button(key="admin_register").click().run()
    assert at.selectbox(key="admin_study").value == "demo_billing_dispute"


def test_guessing_is_slowed_per_client_and_globally(db_url):
    from datetime import datetime, timedelta

    from sqlalchemy.orm import Session

    from persona.trials.access import LoginGuard, client_key
    from persona.trials.store import LoginFailureRow, Store

    now = [datetime(2026, 1, 1)]
    store = Store(db_url)
    guard = LoginGuard(store, free_per_client=5, free_global=20, max_wait_s=900, clock=lambda: now[0])
    results = []
    for _ in range(300):  # 300 wrong guesses at 4 per second, then the right one (the attack)
        results.append(guard.check("10.0.0.1", "wrong", ADMIN_PASSWORD))
        now[0] += timedelta(seconds=0.25)
    assert guard.check("10.0.0.1", ADMIN_PASSWORD, ADMIN_PASSWORD)[0] is False  # still waiting: not even checked
    assert sum(1 for _, wait in results if wait == 0) == 4  # four free guesses, then the fifth failure starts a wait
    # by hand: failure n >= 5 waits 2^(n-5) s, so in the 75 s of the attack only failures at
    # t = 0, .25, .5, .75, 1, 2, 4, 8, 16, 32, 64 s were checked: 11 of 300 guesses
    with Session(store.engine) as s:
        assert s.get(LoginFailureRow, client_key("10.0.0.1", ADMIN_PASSWORD)).count == 11
    now[0] += timedelta(seconds=900)
    assert guard.check("10.0.0.1", ADMIN_PASSWORD, ADMIN_PASSWORD) == (True, 0.0)
    for n in range(20):  # twenty addresses, one wrong guess each: the global count reaches its limit
        guard.check(f"10.0.1.{n}", "wrong", ADMIN_PASSWORD)
    accepted, wait = guard.check("10.0.2.1", ADMIN_PASSWORD, ADMIN_PASSWORD)
    assert not accepted and wait == 1.0  # a fresh address waits too: 2^(20-20) s


def test_logout_and_expiry_end_the_admin_session(db_url, monkeypatch):
    from app_pages import common
    from persona.trials import access

    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", ADMIN_PASSWORD)
    at = admin_app()
    at.text_input(key="admin_password_input").input(ADMIN_PASSWORD).run()
    assert at.title[0].value == "Studies and invites"
    at.sidebar.button(key="admin_logout").click().run()
    assert at.text_input(key="admin_password_input") and not at.selectbox
    at.text_input(key="admin_password_input").input(ADMIN_PASSWORD).run()
    assert at.title[0].value == "Studies and invites"
    clock = common.time.monotonic() + access.ADMIN_IDLE_S + 1
    monkeypatch.setattr(common.time, "monotonic", lambda: clock)
    at.run()
    assert "expired" in at.info[0].value and not at.selectbox


def test_wrong_guesses_then_the_right_one_is_refused_in_the_app(db_url, monkeypatch):
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", ADMIN_PASSWORD)
    at = admin_app()
    for n in range(6):
        at.text_input(key="admin_password_input").input(f"guess {n}").run()
    at.text_input(key="admin_password_input").input(ADMIN_PASSWORD).run()
    assert "wait" in at.error[0].value and not at.selectbox


def test_an_unreachable_database_checks_no_guess(monkeypatch, tmp_path):
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("PERSONA_DB_URL", f"sqlite:///{tmp_path / 'no such folder' / 'trials.sqlite3'}")
    at = admin_app()
    at.text_input(key="admin_password_input").input(ADMIN_PASSWORD).run()
    assert not at.exception and not at.selectbox
    assert at.error[0].value == "Could not check the password (the trial database is unreachable); try again."


def test_app_address_defaults_to_the_port_the_server_runs_on(study, db_url):
    from streamlit import config

    study(("identify",), n=1)
    before = config.get_option("server.port")
    config.set_option("server.port", 8765)  # as `streamlit run app.py --server.port 8765` sets it
    try:
        at = admin_app(secrets={"admin_password": ADMIN_PASSWORD})
        at.text_input(key="admin_password_input").input(ADMIN_PASSWORD).run()
        assert at.text_input(key="admin_base_url").value == "http://localhost:8765"
    finally:
        config.set_option("server.port", before)


@pytest.mark.parametrize(
    ("page_url", "options", "expected"),
    [  # hand-written: the scheme and host the browser used, plus Streamlit's base path
        ("https://trials.example.org:8443/admin?x=1", {}, "https://trials.example.org:8443"),
        ("http://10.0.0.5:8600/", {"base_path": "/persona/"}, "http://10.0.0.5:8600/persona"),
        (None, {"address": "trials.local", "port": 8600}, "http://trials.local:8600"),
        ("", {}, "http://localhost:8501"),
    ],
)
def test_app_base_url(page_url, options, expected):
    from persona.trials.access import app_base_url

    assert app_base_url(page_url, **options) == expected
