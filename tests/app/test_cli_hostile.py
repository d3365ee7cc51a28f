"""Hostile or broken input to the CLI: one calm ``error:`` line naming the file and the problem, never a traceback."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from conftest import complete_listener
from typer.testing import CliRunner

from persona.cli import app
from persona.hygiene import markdown_text, neutral_cell
from persona.trials.store import Store

runner = CliRunner()


def one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "╭" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_deeply_nested_toml(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    one_line_error(runner.invoke(app, ["survey", "validate", str(path)]), str(path), "nested too deeply")


def test_non_utf8_manifest(make_survey, tmp_path):
    survey = make_survey(("acr",))
    manifest = survey.parent / "latin1.csv"
    manifest.write_bytes("file,scenario,speaker,role,line_id\ncaf\xe9.wav,billing_dispute,x,human,l01\n".encode("latin-1"))
    survey.write_text(survey.read_text() + '\n[[manifest]]\nfile = "latin1.csv"\n')
    one_line_error(runner.invoke(app, ["survey", "validate", str(survey)]), "latin1.csv", "not UTF-8")


def test_oversized_instructions(make_survey):
    survey = make_survey(("acr",))
    survey.write_text(survey.read_text().replace('instructions = "', 'instructions = "' + "x" * 6000))
    one_line_error(runner.invoke(app, ["survey", "validate", str(survey)]), "study.instructions", "5,000-character limit")


def test_thirty_megabyte_survey_is_refused_unread(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_text('[study]\ninstructions = "' + "x" * 30_000_000 + '"\n')
    one_line_error(runner.invoke(app, ["survey", "validate", str(path)]), str(path), "byte limit")


@pytest.fixture
def exported_study(make_survey, db_url):
    result = runner.invoke(app, ["survey", "invite", str(make_survey(("identify",))), "--n", "1"])
    complete_listener(Store(db_url), result.stdout.split("token=")[1].strip())
    return "synthetic"


def test_export_to_a_folder(exported_study, tmp_path):
    one_line_error(runner.invoke(app, ["survey", "export", exported_study, "--out", str(tmp_path)]), str(tmp_path), "is a directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_export_to_an_unwritable_path(exported_study, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    one_line_error(runner.invoke(app, ["survey", "export", exported_study, "--out", str(locked / "x.csv")]), "permission denied")


def test_export_to_a_missing_folder(exported_study, tmp_path):
    out = tmp_path / "no" / "such" / "x.csv"
    one_line_error(runner.invoke(app, ["survey", "export", exported_study, "--out", str(out)]), str(out), "no such file")


def test_database_url_whose_driver_is_missing(tmp_path):
    result = runner.invoke(app, ["survey", "export", "x", "--out", str(tmp_path / "x.csv"), "--db", "mysql://u@localhost/db"])
    one_line_error(result, "no driver", "mysql://")


def test_range_error_is_one_line_not_a_box(make_survey):
    one_line_error(runner.invoke(app, ["survey", "invite", str(make_survey(("identify",))), "--n", "0"]), "--n")


@pytest.mark.parametrize("base_url", ["javascript:alert(1)//", "ftp://example.org", "https://user:pw@evil.example", "http:///nohost"])
def test_only_http_base_urls_make_invite_links(make_survey, db_url, base_url):
    result = runner.invoke(app, ["survey", "invite", str(make_survey(("identify",))), "--base-url", base_url])
    one_line_error(result, "--base-url", "http:// or https://")
    assert Store(db_url).study_ids() == []  # refused before anything was registered


def test_export_cells_cannot_run_in_a_spreadsheet(make_survey, db_url, tmp_path):
    survey = make_survey(("identify",))
    survey.write_text(survey.read_text().replace('voice = "robo_alpha"', 'voice = "=HYPERLINK(\\"http://x\\")"')
                      .replace('voice = "robo_beta"', 'voice = "@SUM(1+1)"'))  # fmt: skip
    result = runner.invoke(app, ["survey", "invite", str(survey), "--n", "1"])
    complete_listener(Store(db_url), result.stdout.split("token=")[1].strip())
    out = tmp_path / "r.csv"
    assert runner.invoke(app, ["survey", "export", "synthetic", "--out", str(out)]).exit_code == 0
    cells = pd.read_csv(out, dtype=str, keep_default_na=False).to_numpy().ravel()
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _number(c))]
    assert "'=HYPERLINK(\"http://x\")" in set(cells) and "'@SUM(1+1)" in set(cells)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"])
def test_owasp_formula_starts_are_neutralised(cell):
    assert neutral_cell(cell) == "'" + cell  # OWASP CSV injection: prefix a single quote
    assert neutral_cell(-1.5) == -1.5 and neutral_cell("plain") == "plain"


def test_markdown_text_is_inert():
    hostile = '<img src=x onerror=alert(1)> ![t](http://evil/p.png) [a](javascript:x) *b* `c` | d'
    shown = markdown_text(hostile)
    assert "<img" not in shown and "![" not in shown and "](" not in shown.replace("\\](", "")
    assert "&lt;img" in shown and "\\|" in shown
