"""The results page in AppTest, and ``persona analyze`` on a study id: both read the trial database."""

import json
from pathlib import Path

from conftest import ADMIN_PASSWORD, complete_listener
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from persona.cli import app

PAGE = Path(__file__).resolve().parents[2] / "app_pages" / "results.py"


def results_app() -> AppTest:
    return AppTest.from_file(str(PAGE), default_timeout=60).run()


def table_with(at: AppTest, *columns: str):
    """The first table on the page that has all ``columns``."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def test_results_need_the_team_password(study, monkeypatch):
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", ADMIN_PASSWORD)
    study(("acr",), n=1)
    at = results_app()
    assert not at.selectbox and not at.dataframe
    at.text_input(key="admin_password_input").input("wrong").run()
    assert at.error and not at.dataframe


def test_results_show_the_analysis_tables_of_a_study(study, monkeypatch):
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", ADMIN_PASSWORD)
    store, survey, tokens = study(("acr", "identify"), n=2)
    for token in tokens:
        complete_listener(store, token)
    at = results_app()
    at.text_input(key="admin_password_input").input(ADMIN_PASSWORD).run()
    assert not at.exception
    assert at.selectbox(key="results_study").value == survey.id
    headline = table_with(at, "scenario", "statement")
    assert headline["statement"].str.contains("listeners excluded by screening").any()
    at.toggle(key="results_screening").set_value(False).run()
    assert any("not applied" in w.value for w in at.warning)
    assert table_with(at, "mos", "t_ci_low")["n_listeners"].max() == 2
    assert any("identical" in w.value for w in at.warning)  # every plain answer is the same rating
    assert table_with(at, "scenario", "statement")["statement"].str.contains("billing_dispute").any()


def test_analyze_reads_a_study_id_from_the_database(study, db_url, tmp_path):
    store, survey, tokens = study(("acr",), n=2)
    for token in tokens:
        complete_listener(store, token)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["analyze", survey.id, "--db", db_url, "--out", str(out), "--no-screening"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["tables"]["mos"][0]["n_listeners"] == 2
    missing = CliRunner().invoke(app, ["analyze", "no_such_study", "--db", db_url, "--out", str(out)])
    assert missing.exit_code == 2 and "no study 'no_such_study'" in missing.output
