"""The report builder (HTML/Markdown), the listening-test report and ``persona analyze``."""

import json

import pandas as pd
import pytest
from matplotlib.figure import Figure
from typer.testing import CliRunner

from persona.cli import app
from persona.errors import ParameterError
from persona.report import Report
from persona.stats import PanelSpec, simulate_panel


def small_report():
    report = Report("Demo <study>", subtitle="sub")
    figure = Figure()
    figure.subplots().plot([0, 1], [1, 0])
    section = report.section("Results", text="A & B")
    section.table(pd.DataFrame({"x": [1.23456, float("nan")], "who": ["a|b", "<i>"]}), caption="cap")
    section.figure(figure, caption="line").bullets(["one", "two"]).text("careful", note=True)
    report.section("Empty").table(pd.DataFrame({"x": []}))
    report.provenance = {"persona": "test"}
    return report


def test_html_is_self_contained_and_escaped():
    page = small_report().to_html()
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    assert "Demo &lt;study&gt;" in page and "&lt;i&gt;" in page and "A &amp; B" in page
    assert "1.23" in page and "\u2013" in page and "(no rows)" in page and "<th>persona</th><td>test</td>" in page
    assert "http" not in page.replace("http-equiv", "")


def test_markdown_has_pipe_tables_and_inline_figures(tmp_path):
    text = small_report().write(tmp_path / "r.md").read_text()
    assert "| x | who |" in text and "a\\|b" in text and "![line](data:image/png;base64," in text
    assert "> **Note:** careful" in text


def test_unknown_report_format_is_refused(tmp_path):
    with pytest.raises(ParameterError, match=r"\.pdf"):
        small_report().write(tmp_path / "r.pdf")


@pytest.fixture(scope="module")
def responses_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("study") / "responses.csv"
    spec = PanelSpec(n_listeners=8, scenarios=("billing_dispute",), lines_per_scenario=2, study_id="demo")
    simulate_panel(spec, seed=1).to_csv(path, index=False)
    return path


def test_analyze_csv_to_html_writes_report_and_every_table(responses_csv, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["analyze", str(responses_csv), "--out", str(out), "--n-boot", "50"])
    assert result.exit_code == 0, result.output
    assert "In billing_dispute" in result.stdout
    page = out.read_text()
    assert "Listening test: demo" in page and page.count("data:image/png;base64,") >= 4
    tables = {p.stem for p in (tmp_path / "report_tables").glob("*.csv")}
    assert {"headline", "mos", "acr_differences", "identification", "preference", "mushra_scores"} <= tables


def test_analyze_to_json_and_markdown_with_a_tables_dir(responses_csv, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", str(responses_csv), "--out", str(tmp_path / "r.json"),
                                 "--tables-dir", str(tmp_path / "t"), "--no-screening", "--n-boot", "50"])  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads((tmp_path / "r.json").read_text())
    assert payload["provenance"]["params"]["apply_screening"] is False
    assert (tmp_path / "t" / "headline.csv").is_file()


def test_analyze_simulated_panel_includes_acoustics(tmp_path):
    out = tmp_path / "sim.md"
    result = CliRunner().invoke(app, ["analyze", "demo", "--simulate", "10", "--out", str(out), "--n-boot", "20"])
    assert result.exit_code == 0, result.output
    assert "Perception meets acoustics" in out.read_text()
    assert (tmp_path / "sim_tables" / "simulated_responses.csv").is_file()


def test_analyze_reports_bad_input_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("listener_id\nL1\n")
    result = CliRunner().invoke(app, ["analyze", str(bad), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2 and "missing column(s)" in result.output
    result = CliRunner().invoke(app, ["analyze", str(bad), "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "report format" in result.output
