"""The benchmark workflow on the bundled reference audio: pace variants, PSOLA manipulation, paired mode, CLI."""

import re
import shutil
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
        assert scores.registers[voice] == register
        needed = voice_prescription(scores, bench, voice, allow_large_pitch_change=True).pitch_st
        assert needed == pytest.approx(12 * np.log2(by_register[register] / f0), abs=0.05)
    assert abs(voice_prescription(scores, bench, "pico_en-US").pitch_st) < 1  # a 166 Hz voice among 153-254 Hz women agents
    # piper_joe (about 90 Hz) sits over 4 st below the panel's men (125-238 Hz): limited to +4 st unless asked
    assert voice_prescription(scores, bench, "piper_joe").pitch_st == 4.0


LJSPEECH = REF / "billing_dispute" / "human_ljspeech.flac"


def _manipulated(bench, cache, tmp_path, **change) -> pd.DataFrame:
    """Score rows of the ljspeech clip and its PSOLA copy with ``change``; the transcript gives exact pace."""
    text = read_reference(REF).set_index("speaker").loc["ljspeech", "transcript"]
    fields = {"pitch_st": 0.0, "rate_pct": 0.0, "range_pct": 0.0, "volume_db": 0.0, "break_ms": 0} | change
    out = io.write_wav(tmp_path / "ljspeech_changed.wav", apply_prescription(io.load(LJSPEECH), Prescription("", "", **fields)))
    clips = pd.DataFrame({"file": [str(LJSPEECH), str(out)], "transcript": text, "voice": "ljspeech"})
    profiles = extract(clips, profiler=bench.profiler(), cache=cache).assign(voice="ljspeech")
    return score_profiles(profiles, bench, "billing_dispute", register="high").files


def _prescriptions(files: pd.DataFrame, bench):
    values = (files.iloc[i].filter(like="_value").rename(lambda c: c.removesuffix("_value")) for i in (0, 1))
    return [prescribe(v, bench, scenario="billing_dispute", register="high", allow_large_pitch_change=True) for v in values]


def test_a_male_voice_gets_its_pitch_verdict_from_the_male_agents(bench, cache, tmp_path):
    """piper_joe (a man's voice; copied out of the reference folder, so no manifest names its register)
    against billing_dispute's three men and three women: inferred low, and its pitch reference is the
    median F0 of the manifest's low speakers' clips, profiled here on their own (one clip per speaker,
    so speaker medians are clip values)."""
    shutil.copytree(AGENTS / "piper_joe", tmp_path / "piper_joe")
    scores = score_files([tmp_path / "piper_joe"], bench, scenario="billing_dispute", cache=cache)
    voice = scores.voices.iloc[0]
    assert voice["register"] == "low" and voice["register_source"].startswith("inferred from median F0")
    humans = read_reference(REF).query("role == 'human' and scenario == 'billing_dispute'")
    low = extract(humans[humans["register"] == "low"], profiler=bench.profiler(), cache=cache)
    assert voice["f0_median_hz_human_median"] == pytest.approx(np.median(low["f0_median_hz"]), rel=1e-9)
    assert voice["f0_median_hz_deviation_st"] == pytest.approx(12 * np.log2(voice["f0_median_hz_value"] / np.median(low["f0_median_hz"])), abs=1e-9)


def test_psola_manipulated_human_is_farther(bench, cache, tmp_path):
    # a typical human of the panel (near the median in pitch and pace, unlike jfk's slow, high-pitched
    # oration, where +4 st is already past the z clip)
    files = _manipulated(bench, cache, tmp_path, pitch_st=4.0, rate_pct=100 / 0.75 - 100)
    assert files["persona_distance"].iloc[1] > files["persona_distance"].iloc[0]


def test_prescription_points_back_from_a_pitch_shift(bench, cache, tmp_path):
    """A +3 st PSOLA shift reads within 0.2 st on 9 of 12 bundled clips (test_profile_manipulated), and each
    prescription is rounded to 0.1 st: -4 st within 0.2 + 2 x 0.05. (Pitch alone: ljspeech's F0 spreads
    wide, its 40th-60th percentiles 3 st apart, so a duration change that drops a quarter of its frames moves
    its median by up to 0.9 st.)"""
    before, after = _prescriptions(_manipulated(bench, cache, tmp_path, pitch_st=4.0), bench)
    assert after.pitch_st - before.pitch_st == pytest.approx(-4, abs=0.3)


def test_prescription_points_back_from_a_duration_change(bench, cache, tmp_path):
    """Durations x 0.75: the transcript rate is syllables over the speaking span, which PSOLA scales by 0.75
    (a 0.8 change reads 0.800 in paired mode); the two prescriptions are rounded to 1 %: within 0.02."""
    before, after = _prescriptions(_manipulated(bench, cache, tmp_path, rate_pct=100 / 0.75 - 100), bench)
    assert (1 + after.rate_pct / 100) / (1 + before.rate_pct / 100) == pytest.approx(0.75, abs=0.02)


def test_paired_mode_self_pairing_and_pitch_shift(tmp_path):
    clip = io.load(REF / "billing_dispute" / "human_jfk.flac")
    same = paired_metrics(clip, clip)
    assert same["f0_rmse_cents"] == pytest.approx(0, abs=1) and same["f0_correlation"] > 0.99
    assert same["duration_ratio"] == pytest.approx(1) and same["pause_f1"] == 1.0
    up = apply_prescription(clip, Prescription("", "", pitch_st=3.0, rate_pct=0.0, range_pct=0.0, volume_db=0.0, break_ms=0))
    shifted = paired_metrics(up, clip)
    assert shifted["f0_rmse_cents"] < 100 and shifted["f0_correlation"] > 0.8  # medians removed: the melody is unchanged


def test_paired_mode_aligns_a_studio_clip_with_its_telephone_copy():
    """Same speech, same timing: the alignment works in the telephone band, so the G.711 copy pairs frame for
    frame with the studio clip: contours within 20 cents RMS (a fifth of a semitone, where listeners need about
    3 semitones to tell two pitch movements in speech apart: 't Hart 1981, JASA 69:811-821), every pause placed."""
    clip = io.load(REF / "billing_dispute" / "human_jfk.flac")
    metrics = paired_metrics(io.telephone(clip), clip)
    assert metrics["f0_rmse_cents"] < 20 and metrics["f0_gross_error_rate"] < 0.01 and metrics["pause_f1"] == 1.0


def _trimmed_s(path: Path) -> float:
    """Span (s) from the first to the last frame within 35 dB of the loudest (librosa.effects.trim): an independent span."""
    import librosa

    audio = io.load(path)
    _, (start, end) = librosa.effects.trim(audio.samples, top_db=35, frame_length=512, hop_length=128)
    return (end - start) / audio.sr_hz


def test_paired_rows_for_shared_lines(piper):
    """Duration ratio against the ratio of librosa-trimmed spans; the spans' edges differ by a frame or two
    (10-30 ms on 5-11 s), and a trailing breath may count in one and not the other: within 5 %."""
    assert set(piper.paired["line_id"]) == {"jfk", "lj050_0131"}
    for row in piper.paired.itertuples():
        assert row.duration_ratio == pytest.approx(_trimmed_s(Path(row.file)) / _trimmed_s(Path(row.human_file)), rel=0.05)


def test_paired_duration_ratio_of_a_psola_0_8_copy():
    """Known answer: durations scaled by 0.8 with PSOLA; a 0.8x change reads x1.247 in rate (issue 11), so 0.8 within 2 %."""
    clip = io.load(REF / "billing_dispute" / "human_ljspeech.flac")
    faster = apply_prescription(clip, Prescription("", "", pitch_st=0.0, rate_pct=25.0, range_pct=0.0, volume_db=0.0, break_ms=0))
    assert paired_metrics(faster, clip)["duration_ratio"] == pytest.approx(0.8, rel=0.02)


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
    before, after = (float(x) for x in re.search(r"persona distance ([\d.]+) -> ([\d.]+)", result.output).groups())
    assert after < before, result.output  # the prescription moves the voice towards the human median
    assert "register: low (manifest)" in result.output and 'pitch="+4.0st"' in result.output


def test_demo_runs_from_the_repo(cache):
    result = CliRunner().invoke(app, ["demo"], env={"PERSONA_CACHE_DIR": str(cache.path.parent)})
    assert result.exit_code == 0, result.output
    assert "Ranking for billing_dispute" in result.output and "SSML" in result.output

