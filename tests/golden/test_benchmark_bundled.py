"""The benchmark workflow on the bundled reference audio: pace variants, PSOLA manipulation, paired mode, CLI."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from persona import io
from persona.benchmark import (
    Prescription, apply_prescription, build_benchmark, prescribe, read_reference, score_files, score_profiles, voice_prescription, voice_values,
)  # fmt: skip
from persona.extract import extract
from persona.benchmark.paired import paired_metrics
from persona.cache import ProfileCache
from persona.cli import app

ROOT = Path(__file__).resolve().parents[2]
REF = ROOT / "reference_audio"
AGENTS = REF / "billing_dispute" / "agents"


@pytest.fixture(scope="session")
def cache(tmp_path_factory):
    return ProfileCache(tmp_path_factory.mktemp("cache") / "profiles.sqlite")


@pytest.fixture(scope="session")
def bench(cache):
    return build_benchmark(REF, jobs=2, cache=cache)


@pytest.fixture(scope="session")
def piper(bench, cache):
    voices = [AGENTS / v for v in ("piper_joe", "piper_joe_ls0.8", "piper_joe_ls1.25")]
    return score_files(voices, bench, scenario="billing_dispute", reference=read_reference(REF), cache=cache)


def test_pace_variants_get_expected_verdict_order_and_prescription_signs(piper, bench):
    rate = piper.voices.set_index("voice")["speech_rate_syl_s_value"]
    assert rate["piper_joe_ls0.8"] > rate["piper_joe"] > rate["piper_joe_ls1.25"]
    values = voice_values(piper.profiles)
    pct = {v: prescribe(values.loc[v], bench, scenario="billing_dispute").rate_pct for v in rate.index}
    assert pct["piper_joe_ls0.8"] < pct["piper_joe"] < pct["piper_joe_ls1.25"]
    order = {"below": 0, "within": 1, "above": 2}
    verdict = piper.voices.set_index("voice")["speech_rate_syl_s_verdict"].map(order)
    assert verdict["piper_joe_ls0.8"] >= verdict["piper_joe"] >= verdict["piper_joe_ls1.25"]


def test_pitch_is_prescribed_towards_the_agents_of_the_voice_s_register(bench, cache):
    """The bundled manifest names registers: a low voice aims at the low agents, a high one at the high agents."""
    scores = score_files([AGENTS / "piper_joe", AGENTS / "pico_en-US"], bench, scenario="billing_dispute", reference=read_reference(REF), cache=cache)
    by_register = bench.summary["billing_dispute"]["register_f0_hz"]
    assert by_register["low"] < bench.stats["billing_dispute"]["f0_median_hz"].median < by_register["high"]
    for voice, register in (("piper_joe", "low"), ("pico_en-US", "high")):
        f0 = voice_values(scores.profiles).loc[voice, "f0_median_hz"]
        assert voice_prescription(scores, bench, voice).pitch_st == pytest.approx(12 * np.log2(by_register[register] / f0), abs=0.05)
    assert abs(voice_prescription(scores, bench, "pico_en-US").pitch_st) < 1  # a 166 Hz voice among 153-254 Hz women agents


def test_psola_manipulated_human_is_farther_and_prescription_points_back(bench, cache, tmp_path):
    # a typical human of the panel (near the median in pitch and pace, unlike jfk's slow, high-pitched
    # oration, where +4 st is already past the z clip); the transcript gives exact pace under PSOLA
    clip = REF / "billing_dispute" / "human_ljspeech.flac"
    text = read_reference(REF).set_index("speaker").loc["ljspeech", "transcript"]
    change = Prescription("", "", pitch_st=4.0, rate_pct=100 / 0.75 - 100, range_pct=0.0, volume_db=0.0, break_ms=0)
    out = io.write_wav(tmp_path / "ljspeech_up4_fast.wav", apply_prescription(io.load(clip), change))
    clips = pd.DataFrame({"file": [str(clip), str(out)], "transcript": text, "voice": "ljspeech"})
    profiles = extract(clips, profiler=bench.profiler(), cache=cache).assign(voice="ljspeech")
    files = score_profiles(profiles, bench, "billing_dispute").files
    assert files["persona_distance"].iloc[1] > files["persona_distance"].iloc[0]
    before, after = (prescribe(files.iloc[i].filter(like="_value").rename(lambda c: c.removesuffix("_value")), bench, scenario="billing_dispute") for i in (0, 1))
    assert after.pitch_st - before.pitch_st == pytest.approx(-4, abs=1.0)
    assert (1 + after.rate_pct / 100) / (1 + before.rate_pct / 100) == pytest.approx(0.75, abs=0.08)


def test_paired_mode_self_pairing_and_pitch_shift(tmp_path):
    clip = io.load(REF / "billing_dispute" / "human_jfk.flac")
    same = paired_metrics(clip, clip)
    assert same["f0_rmse_cents"] == pytest.approx(0, abs=1) and same["f0_correlation"] > 0.99
    assert same["duration_ratio"] == pytest.approx(1) and same["pause_f1"] == 1.0
    up = apply_prescription(clip, Prescription("", "", pitch_st=3.0, rate_pct=0.0, range_pct=0.0, volume_db=0.0, break_ms=0))
    shifted = paired_metrics(up, clip)
    assert shifted["f0_rmse_cents"] < 100 and shifted["f0_correlation"] > 0.8  # medians removed: the melody is unchanged


def test_paired_rows_for_shared_lines(piper):
    assert set(piper.paired["line_id"]) == {"jfk", "lj050_0131"}
    assert piper.paired["duration_ratio"].between(0.2, 3).all()


def test_cli_score_writes_the_contract_and_reports(bench, tmp_path):
    path = bench.save(tmp_path / "b.json")
    runner = CliRunner()
    result = runner.invoke(app, ["score", str(AGENTS / "pico_en-US"), "--scenario", "billing_dispute", "--benchmark", str(path), "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "s.csv")
    assert {"file", "voice", "scenario", "persona_distance", "match_score", "speech_rate_syl_s_verdict"} <= set(table.columns)
    for suffix in (".html", ".md"):
        result = runner.invoke(app, ["compare", str(AGENTS / "pico_en-US"), str(AGENTS / "flite_slt"), "-s", "billing_dispute", "-b", str(path), "-o", str(tmp_path / f"r{suffix}")])
        assert result.exit_code == 0, result.output
        assert "data:image/png;base64" in (tmp_path / f"r{suffix}").read_text()
    bad = runner.invoke(app, ["score", str(AGENTS / "pico_en-US"), "--scenario", "sales", "--benchmark", str(path)])
    assert bad.exit_code == 2 and "unknown scenario 'sales'" in bad.output


def test_cli_preview_writes_audio_and_rescores(bench, tmp_path):
    path = bench.save(tmp_path / "b.json")
    out = tmp_path / "adjusted.wav"
    result = CliRunner().invoke(app, ["preview", str(AGENTS / "piper_joe" / "billing_dispute_01.flac"), "-s", "billing_dispute", "-b", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "persona distance" in result.output


def test_demo_runs_from_the_repo(cache):
    result = CliRunner().invoke(app, ["demo"], env={"PERSONA_CACHE_DIR": str(cache.path.parent)})
    assert result.exit_code == 0, result.output
    assert "Ranking for billing_dispute" in result.output and "SSML" in result.output


def test_librosa_stays_off_the_scoring_start_up_path():
    code = "import sys, persona.cli, persona.benchmark, persona.extract; assert 'librosa' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
