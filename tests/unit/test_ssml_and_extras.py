"""SSML is well-formed XML carrying the line and its breaks; a missing optional extra is one clear line."""

import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from persona import tables
from persona.benchmark.prescribe import PLACEHOLDER_TEXT, Prescription
from persona.errors import MissingExtraError
from persona.extract import extract

SSML_NS = "{http://www.w3.org/2001/10/synthesis}"


def prescription(**changes) -> Prescription:
    fields = {"voice": "v", "scenario": "s", "pitch_st": 0.0, "rate_pct": 0.0, "range_pct": 0.0, "volume_db": 0.0, "break_ms": 0}
    return Prescription(**(fields | changes))


def test_hostile_text_is_escaped_and_parses():
    text = 'AT&T says "<5" & <b>bold</b> isn\'t markup'
    root = ET.fromstring(prescription(rate_pct=-12.0).ssml(text))  # the XML parser is the check
    assert root.tag == f"{SSML_NS}speak" and root.get("version") == "1.1"
    assert "".join(root.itertext()) == text  # every character survives as text, none as markup
    assert root.find(f"{SSML_NS}prosody").get("rate") == "-12%"


def test_the_prescribed_break_is_in_the_markup_after_each_clause():
    root = ET.fromstring(prescription(break_ms=640).ssml("I see the charge, and I can fix it. One moment"))
    breaks = root.findall(f".//{SSML_NS}break")
    assert [b.get("time") for b in breaks] == ["640ms", "640ms"]  # after "charge," and after "it."


def test_a_one_clause_line_still_gets_its_break():
    root = ET.fromstring(prescription(break_ms=300).ssml("One moment please"))
    assert [b.get("time") for b in root.iter(f"{SSML_NS}break")] == ["300ms"]


def test_no_text_gives_the_placeholder_and_no_break_without_one_prescribed():
    root = ET.fromstring(prescription().ssml())
    assert " ".join("".join(root.itertext()).split()) == PLACEHOLDER_TEXT
    assert not list(root.iter(f"{SSML_NS}break"))


def hide(monkeypatch, *modules):
    """Make ``import MODULE`` fail as it does when the package is not installed."""
    for name in modules:
        monkeypatch.setitem(sys.modules, name, None)


def test_parquet_without_pyarrow_names_the_extra(monkeypatch, tmp_path):
    hide(monkeypatch, "pyarrow", "pyarrow.parquet")
    with pytest.raises(MissingExtraError, match=r"pip install 'persona\[parquet\]'"):
        tables.output_format(tmp_path / "t.parquet")
    with pytest.raises(MissingExtraError, match=r"persona\[parquet\]"):
        tables.write(pd.DataFrame({"a": [1.0]}), tmp_path / "t.parquet")
    assert tables.output_format(tmp_path / "t.csv") == ".csv"  # the core formats need no extra


def test_features_to_parquet_without_pyarrow_is_one_line(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from persona.cli import app

    hide(monkeypatch, "pyarrow", "pyarrow.parquet")
    result = CliRunner().invoke(app, ["features", str(tmp_path / "x.wav"), "--out", str(tmp_path / "t.parquet")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: {tmp_path / 't.parquet'}: writing Parquet needs the optional 'parquet' "
                                                  "dependencies: pip install 'persona[parquet]'"]  # fmt: skip


def test_dask_scheduler_without_dask_names_the_extra(monkeypatch, tmp_path):
    import soundfile as sf

    clip = tmp_path / "a.wav"
    sf.write(clip, 0.1 * np.sin(2 * np.pi * 150 * np.arange(16000) / 16000), 16000)
    hide(monkeypatch, "dask", "dask.distributed")
    with pytest.raises(MissingExtraError, match=r"--dask-scheduler needs .* pip install 'persona\[dask\]'"):
        extract([clip], cache=False, dask_scheduler="tcp://127.0.0.1:1")


def test_reports_without_matplotlib_are_refused_before_any_work(monkeypatch, tmp_path):
    """--out .html/.md draws figures: without the 'report' extra, one line and exit 2 before the benchmark is built."""
    from typer.testing import CliRunner

    from persona.cli import app

    hide(monkeypatch, "matplotlib")
    for args in (["demo", "--out", str(tmp_path / "r.html")],
                 ["compare", str(tmp_path), "-s", "billing_dispute", "-b", str(tmp_path / "b.json"), "-o", str(tmp_path / "r.md")]):  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().splitlines() == [f"error: {args[args.index('--out' if '--out' in args else '-o') + 1]}: "
                                                      "writing a report with figures needs the optional 'report' dependencies: "
                                                      "pip install 'persona[report]'"]  # fmt: skip


def test_analyze_without_statsmodels_names_the_extra(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from persona.cli import app

    hide(monkeypatch, "statsmodels")
    result = CliRunner().invoke(app, ["analyze", "s1", "--simulate", "5", "--out", str(tmp_path / "a.json")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: persona analyze (listening-test statistics) needs the optional "
                                                  "'stats' dependencies: pip install 'persona[stats]'"]  # fmt: skip
    assert not (tmp_path / "a_tables").exists()


def test_the_core_needs_no_extra_to_import_the_library_and_the_trial_store():
    """A fresh process where every extra's package fails to import, as on a core install."""
    import subprocess

    blocked = ("statsmodels", "matplotlib", "krippendorff", "streamlit", "dask", "pyarrow", "psycopg", "librosa")
    code = (f"import sys; sys.modules.update(dict.fromkeys({blocked!r})); "
            "import persona, persona.cli, persona.benchmark.paired, persona.trials.store, persona.trials.stimuli, persona.calls, "
            "persona.monitor.check, persona.stats; persona.stats.simulate_panel, persona.stats.validate_responses")  # fmt: skip
    subprocess.run([sys.executable, "-c", code], check=True)
