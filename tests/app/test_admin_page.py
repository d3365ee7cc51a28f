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
