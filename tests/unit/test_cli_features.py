"""``persona features``: batches survive bad files, --strict, channels, transcripts, provenance in every format."""

from __future__ import annotations

import io as stdio
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import soundfile as sf
from _signals import SR_HZ, syllable_train
from typer.testing import CliRunner

from persona import tables
from persona.cli import app


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A folder with two good recordings (one nested, one FLAC) and one text file posing as WAV."""
    root = tmp_path_factory.mktemp("batch")
    sf.write(root / "agent.wav", syllable_train(6, f0_hz=110.0), SR_HZ)
    (root / "calls").mkdir()
    sf.write(root / "calls" / "human.flac", syllable_train(6, f0_hz=210.0), SR_HZ)
    (root / "broken.wav").write_text("not audio at all")
    return root


def _run(*args):
    return CliRunner().invoke(app, ["features", *map(str, args)])


def test_one_bad_file_gets_an_error_row(batch):
    result = _run(batch)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(stdio.StringIO(result.stdout)).fillna({"error": ""})
    assert len(frame) == 3
    by_name = frame.set_index(frame["file"].str.rsplit("/", n=1).str[-1])
    assert "broken.wav: not a readable audio file" in by_name.loc["broken.wav", "error"]
    assert (by_name.loc[["agent.wav", "human.flac"], "error"] == "").all()
    assert by_name.loc["agent.wav", "f0_median_hz"] == pytest.approx(110.0, rel=0.005)
    assert "error: " in result.stderr and "broken.wav" in result.stderr


def test_a_recording_over_max_duration_gets_an_error_row_and_the_rest_go_on(batch, tmp_path):
    long = tmp_path / "long.wav"
    sf.write(long, syllable_train(12, f0_hz=150.0), SR_HZ)  # 3.6 s
    result = _run(long, batch / "agent.wav", "--max-duration-s", "3")
    frame = pd.read_csv(stdio.StringIO(result.stdout)).fillna({"error": ""})
    assert "long.wav: 3.6 s long, longer than the 3.0 s maximum" in frame.loc[0, "error"]
    assert frame.loc[1, "error"] == "" and frame.loc[1, "f0_median_hz"] == pytest.approx(110.0, rel=0.005)


def test_strict_exits_1_when_a_file_failed(batch):
    assert _run(batch, "--strict").exit_code == 1
    assert _run(batch / "agent.wav", "--strict").exit_code == 0


def test_jobs_2_gives_the_same_rows_in_order(batch, tmp_path):
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    assert _run(batch, "--out", one).exit_code == 0
    assert _run(batch, "--out", two, "--jobs", "2").exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(one), pd.read_csv(two))


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_every_output_format_carries_provenance(batch, tmp_path, suffix):
    out = tmp_path / f"profile{suffix}"
    result = _run(batch / "agent.wav", "--out", out, "--telephone", "--pause-min-s", "0.3")
    assert result.exit_code == 0, result.output
    if suffix == ".csv":
        raw = json.loads((tmp_path / "profile.provenance.json").read_text())
    elif suffix == ".json":
        raw = json.loads(out.read_text())["provenance"]
    else:
        raw = json.loads(pq.read_schema(out).metadata[b"persona.provenance"])
    assert raw["params"]["telephone"] is True
    assert raw["params"]["pace"]["pause_min_s"] == 0.3
    assert raw["software"]["praat"]
    frame = tables.read(out)
    assert frame.attrs["provenance"] == raw
    assert frame["f0_median_hz"].iloc[0] == pytest.approx(110.0, rel=0.01)


def test_channel_option(tmp_path):
    path = tmp_path / "call.wav"
    sf.write(path, np.column_stack([syllable_train(6, f0_hz=100.0), syllable_train(6, f0_hz=220.0)]), SR_HZ)
    result = _run(path, "--channel", "1")
    frame = pd.read_csv(stdio.StringIO(result.stdout))
    assert frame["channel"].iloc[0] == 1
    assert frame["f0_median_hz"].iloc[0] == pytest.approx(220.0, rel=0.005)
    bad = _run(path, "--channel", "5")
    assert bad.exit_code == 0
    assert "channel 5 requested but the file has 2 channel(s)" in pd.read_csv(stdio.StringIO(bad.stdout))["error"].iloc[0]


def test_transcripts_from_text_and_manifest(batch, tmp_path):
    text = tmp_path / "line.txt"
    text.write_text("Thank you for calling.")
    frame = pd.read_csv(stdio.StringIO(_run(batch / "agent.wav", "--transcript", text).stdout))
    assert frame["transcript_syllables"].iloc[0] == 5
    manifest = tmp_path / "lines.csv"
    manifest.write_text("file,transcript\nagent.wav,Thank you for calling.\nhuman.flac,Hello\n")
    frame = pd.read_csv(stdio.StringIO(_run(batch, "--transcript", manifest).stdout)).set_index("file")
    assert frame.filter(like="agent", axis=0)["transcript_syllables"].iloc[0] == 5
    assert frame.filter(like="human", axis=0)["transcript_syllables"].iloc[0] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "profile.xlsx"], "profile.xlsx: unsupported output format .xlsx"),
        (["--transcript", "{manifest}"], "transcript manifest lacks column(s) transcript"),
    ],
)
def test_usage_errors_are_named(batch, tmp_path, args, message):
    manifest = tmp_path / "bad.csv"
    manifest.write_text("file,text\nagent.wav,hi\n")
    result = _run(batch / "agent.wav", *[a.format(manifest=manifest) for a in args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_empty_folder_is_an_error(tmp_path):
    result = _run(tmp_path)
    assert result.exit_code == 2
    assert "no audio files" in result.stderr
