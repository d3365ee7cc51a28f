"""``persona survey validate | invite | export`` on the demo survey and on bad input."""

from pathlib import Path

import pandas as pd
from conftest import complete_listener
from typer.testing import CliRunner

from persona.cli import app
from persona.stats.responses import RESPONSE_COLUMNS
from persona.trials.store import Store

DEMO = Path(__file__).resolve().parents[2] / "surveys" / "demo_billing_dispute.toml"
runner = CliRunner()


def test_demo_survey_validates_with_every_clip_prepared():
    result = runner.invoke(app, ["survey", "validate", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "valid study 'demo_billing_dispute'" in result.output
    assert "human_jfk~anchor" in result.output and "LUFS" in result.output


def test_demo_survey_pairs_every_clip_with_the_same_words_by_the_other_role():
    result = runner.invoke(app, ["survey", "validate", str(DEMO)])
    assert result.exit_code == 0 and "warning" not in result.output


def test_validate_warns_when_the_roles_say_different_words(make_survey):
    path = make_survey(("acr",))
    text = path.read_text()
    for voice in ("robo_alpha", "robo_beta"):  # the agents' clips move to lines no human says
        text = text.replace(f'line_id = "l01"\nvoice = "{voice}"', f'line_id = "script01"\nvoice = "{voice}"')
        text = text.replace(f'line_id = "l02"\nvoice = "{voice}"', f'line_id = "script02"\nvoice = "{voice}"')
    path.write_text(text)
    result = runner.invoke(app, ["survey", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: scenario 'billing_dispute': human and agent clips share no line" in result.output


def test_validate_reports_a_bad_file(make_survey):
    path = make_survey(("acr",))
    path.write_text(path.read_text().replace('type = "acr"', 'type = "abx"'))
    result = runner.invoke(app, ["survey", "validate", str(path)])
    assert result.exit_code == 2
    assert "unsupported test type 'abx'" in result.output


def test_invite_then_export(make_survey, db_url, tmp_path):
    result = runner.invoke(app, ["survey", "invite", str(make_survey(("identify",))), "--n", "3",
                                 "--base-url", "https://panel.example.org/trials/"])  # fmt: skip
    assert result.exit_code == 0, result.output
    links = result.stdout.split()
    assert len(links) == 3 and all(link.startswith("https://panel.example.org/trials/?token=") for link in links)
    complete_listener(Store(db_url), links[0].split("token=")[1])
    out = tmp_path / "responses.csv"
    result = runner.invoke(app, ["survey", "export", "synthetic", "--out", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert tuple(frame.columns) == RESPONSE_COLUMNS and frame["listener_id"].eq("L0000").all()


def test_export_of_unknown_study_fails_cleanly(db_url, tmp_path):
    result = runner.invoke(app, ["survey", "export", "nope", "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "no study 'nope'" in result.output
