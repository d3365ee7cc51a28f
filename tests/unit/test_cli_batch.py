"""Every batch command names each failed file on stderr, prints a summary, and honours --strict.

Also: output formats follow the suffix or are refused, a single file is a voice named by its stem,
help shows flags as flags without markup, and usage errors are one line.
"""

import re
import xml.etree.ElementTree as ET

import pytest
import soundfile as sf
from _signals import SR_HZ, syllable_train
from typer.testing import CliRunner

from persona.cli import app

HUMAN_F0_HZ = (120.0, 150.0, 190.0)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """A reference folder (three human clips and one text file posing as audio), an agent clip, a non-audio file."""
    root = tmp_path_factory.mktemp("batch")
    scenario = root / "ref" / "support"
    scenario.mkdir(parents=True)
    for i, f0 in enumerate(HUMAN_F0_HZ):
        sf.write(scenario / f"human_{i}.wav", syllable_train(8, f0_hz=f0), SR_HZ)
    (scenario / "broken.wav").write_text("not audio at all")
    sf.write(root / "agent_line.wav", syllable_train(8, f0_hz=100.0), SR_HZ)
    (root / "notaudio.wav").write_text("not audio either")
    return root


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def error_line(result, pattern: str) -> bool:
    """True if a stderr line (progress bars redraw with carriage returns) starts with ``error: `` and matches ``pattern``."""
    return any(line.startswith("error: ") and re.search(pattern, line) for line in re.split(r"[\r\n]", result.stderr))


@pytest.fixture(scope="module")
def bench(work):
    out = work / "bench.json"
    result = run("benchmark", "build", work / "ref", "--out", out, "--jobs", 1, "--no-cache")
    assert result.exit_code == 0, result.output
    assert error_line(result, r"^error: \S*broken\.wav: not a readable audio file")
    assert "3 of 4 file(s) profiled (human clips), 1 failed" in result.stderr
    return out


def test_benchmark_build_strict_exits_1_and_still_writes(work, bench, tmp_path):
    out = tmp_path / "b.json"
    result = run("benchmark", "build", work / "ref", "--out", out, "--jobs", 1, "--no-cache", "--strict")
    assert result.exit_code == 1 and out.is_file()


def test_score_names_the_file_that_is_not_audio(work, bench):
    result = run("score", work / "agent_line.wav", work / "notaudio.wav", "-s", "support", "-b", bench, "--jobs", 1, "--no-cache")
    assert result.exit_code == 0, result.output
    assert error_line(result, r"^error: \S*notaudio\.wav: not a readable audio file")
    assert "1 of 2 file(s) scored, 1 failed" in result.stderr
    assert "profiling:" in result.stderr  # the progress bar says what it counts
    assert result.stdout.startswith("agent_line: distance ")  # named by the file's stem, not its folder
    strict = run("score", work / "agent_line.wav", work / "notaudio.wav", "-s", "support", "-b", bench, "--jobs", 1, "--no-cache", "--strict")
    assert strict.exit_code == 1
    clean = run("score", work / "agent_line.wav", "-s", "support", "-b", bench, "--jobs", 1, "--no-cache", "--strict")
    assert clean.exit_code == 0 and "1 of 1 file(s) scored, 0 failed" in clean.stderr


def test_score_ssml_is_xml_with_the_given_text_escaped(work, bench):
    text = "Your AT&T bill is <5 dollars, I checked."
    result = run("score", work / "agent_line.wav", "-s", "support", "-b", bench, "--jobs", 1, "--no-cache", "--text", text)
    ssml = re.search(r"SSML: (<speak.*</speak>)", result.stdout).group(1)
    root = ET.fromstring(ssml)  # the XML parser is the independent check of well-formedness
    assert "".join(root.itertext()).split() == text.split()


def test_compare_reports_a_bad_clip_in_a_voice_folder(work, bench, tmp_path):
    voice = tmp_path / "voice_a"
    voice.mkdir()
    for i, f0 in enumerate((100.0, 105.0)):
        sf.write(voice / f"line_{i}.wav", syllable_train(8, f0_hz=f0), SR_HZ)
    (voice / "bad.wav").write_text("nope")
    result = run("compare", voice, "-s", "support", "-b", bench, "--jobs", 1, "--no-cache", "--strict")
    assert result.exit_code == 1
    assert error_line(result, r"^error: \S*bad\.wav: ") and "2 of 3 file(s) scored, 1 failed" in result.stderr
    assert "How to read this" in result.stdout


def test_preview_writes_real_mp3_or_refuses_the_suffix(work, bench, tmp_path):
    out = tmp_path / "adjusted.mp3"
    result = run("preview", work / "agent_line.wav", "-s", "support", "-b", bench, "--out", out, "--no-cache", "--pitch-st", 2)
    assert result.exit_code == 0, result.output
    assert sf.info(out).format == "MP3"  # libsndfile reads the container back, not just the name
    refused = run("preview", work / "agent_line.wav", "-s", "support", "-b", bench, "--out", tmp_path / "adjusted.xyz")
    assert refused.exit_code == 2 and "cannot write audio as .xyz" in refused.stderr
    assert not (tmp_path / "adjusted.xyz").exists()


@pytest.mark.parametrize(("command", "out"), [("score", "scores.txt"), ("compare", "ranking.xlsx"), ("demo", "report.csv")])
def test_an_output_suffix_that_cannot_be_written_is_refused_before_any_work(work, bench, command, out):
    args = [] if command == "demo" else [work / "agent_line.wav", "-s", "support", "-b", bench]
    result = run(command, *args, "--out", work / out)
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and "profiled" not in result.stderr


def test_benchmark_out_must_be_json(work):
    result = run("benchmark", "build", work / "ref", "--out", work / "bench.csv")
    assert result.exit_code == 2 and "a benchmark is written as .json" in result.stderr


@pytest.mark.parametrize("command", [[], ["features"], ["score"], ["compare"], ["preview"], ["demo"], ["analyze"],
                                     ["benchmark", "build"], ["survey", "invite"]])  # fmt: skip
def test_help_shows_flags_as_flags_without_markup(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "<bool>" not in result.stdout and "``" not in result.stdout and ":func:" not in result.stdout


def test_a_flag_is_shown_as_a_bare_flag():
    text = run("features", "--help").stdout
    assert re.search(r"^\s+--telephone\s+Measure", text, re.M)


def test_a_range_error_is_one_line(work):
    result = run("features", work / "agent_line.wav", "--jobs", "0")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: persona features: Invalid value for '--jobs'")


def test_analyze_headline_fits_a_100_column_terminal():
    import pandas as pd

    from persona.cli.analyze import render_headline

    statement = "In billing_dispute agent_tts is rated 0.6 points less fitting for the situation than the human agents " * 3
    text = render_headline(pd.DataFrame({"scenario": ["billing_dispute", "billing_dispute"], "statement": [statement, "short"]}))
    assert max(len(line) for line in text.splitlines()) <= 100
    assert " ".join(text.split()).count("less fitting") == 3  # wrapped, nothing cut
