"""Compare voices page in AppTest: benchmark choice, uploads, ranking, verdicts, listening, fix, export."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import soundfile as sf
from streamlit.testing.v1 import AppTest
from workbench_support import BUNDLED, PASSWORD, REPO, SCENARIO, open_page, small_reference, texts

from persona.benchmark import build_benchmark

FROM_REFERENCE = "Built from the reference audio"


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return small_reference(tmp_path_factory.mktemp("reference"))


@pytest.fixture(autouse=True)
def environment(reference, tmp_path_factory, monkeypatch):
    monkeypatch.setenv("PERSONA_REFERENCE_DIR", str(reference))
    monkeypatch.setenv("PERSONA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "profile_cache"))
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", PASSWORD)


def compare_page(**state):
    return open_page("compare", **{"compare_benchmark_source": FROM_REFERENCE, **state})


def test_closed_without_the_team_password():
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/compare.py").run()
    at.text_input(key="admin_password_input").input("wrong").run()
    assert [e.value for e in at.error] == ["Wrong password."]
    assert not at.title and not at.dataframe and not at.file_uploader


def test_designer_flow_ranking_verdicts_listening_prescription_preview_export():
    at = compare_page()
    assert not at.exception, at.exception
    ranking = at.dataframe[0].value
    assert list(ranking["voice"]) and set(ranking["voice"]) == {"piper_joe", "piper_joe_ls0.8"}
    assert {"match_score", "persona_distance", "ci_low", "ci_high", "not_resolvable_from", "register", "human_percentile"} <= set(ranking.columns)
    assert set(ranking["register"]) == {"low"}  # piper's manifest register, and pitch compared with the low speakers
    assert ranking["human_percentile"].between(0, 100).all()
    assert "Register **low** (manifest); pitch level compared with the low register." in texts(at)
    assert at.metric[0].value == "6" and at.metric[1].value == "6"  # human clips and speakers of the scenario
    assert at.image, "the per-feature band plot is shown"
    top = ranking["voice"].iloc[0]
    assert at.header[2].value == f"Listen: {top}"
    assert "than your best agents in billing dispute" in texts(at) or "every feature within the human band" in texts(at)
    ssml = at.code[0].value
    assert ssml.startswith("<speak") and "<prosody" in ssml

    at.pills(key="compare_voice").set_value("piper_joe").run()
    assert at.header[2].value == "Listen: piper_joe"
    assert "Paired line" in texts(at), "the JFK line is paired with the human JFK clip"
    assert any("f0_rmse_cents" in frame.value.columns for frame in at.dataframe)

    at.button(key="compare_preview_make").click().run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert "Original match score" in labels and "Preview match score" in labels
    previews = list((Path(at.session_state["workbench_folder"].name) / "previews").glob("*.wav"))
    assert len(previews) == 1 and previews[0].stat().st_size > 1000

    downloads = {b.key for b in at.download_button}
    assert downloads == {f"compare_download_{name}" for name in ("report", "ranking", "voices", "clips")}


def wav_bytes(source, *, seconds: float | None = None) -> bytes:
    samples, sr_hz = sf.read(source)
    buffer = io.BytesIO()
    sf.write(buffer, samples if seconds is None else samples[: int(seconds * sr_hz)], sr_hz, format="WAV")
    return buffer.getvalue()


def test_upload_valid_and_invalid_files(reference):
    at = compare_page(**{f"compare_server_voices_{SCENARIO}": ["piper_joe"]})
    good = wav_bytes(BUNDLED / SCENARIO / "agents/flite_slt/billing_dispute_01.flac")
    sent = [
        ("billing_dispute_01.wav", good, "audio/wav"),
        ("../../etc/passwd.wav", good, "audio/wav"),
        ("broken.wav", b"RIFF....WAVEfmt this is not audio", "audio/wav"),
        ("tiny.wav", wav_bytes(BUNDLED / SCENARIO / "human_jfk.flac", seconds=0.2), "audio/wav"),
    ]
    at.text_input(key="compare_upload_voice").input("Vendor X / v2")  # a form: values go with the submit
    at.file_uploader(key="compare_upload_files").set_value(sent)
    at.button(key="compare_upload_add").click().run()
    assert not at.exception, at.exception
    errors = " ".join(e.value for e in at.error)
    assert "'broken.wav'" in errors and "not a readable audio file" in errors
    assert "'tiny.wav'" in errors and "shorter than" in errors
    assert "Added 2 file(s) to voice 'Vendor_X_v2'" in texts(at)
    folder = Path(at.session_state["workbench_folder"].name)
    stored = sorted(p.name for p in (folder / "voices" / "Vendor_X_v2").iterdir())
    assert stored == ["billing_dispute_01.wav", "passwd.wav"]
    assert set(at.dataframe[0].value["voice"]) == {"piper_joe", "Vendor_X_v2"}
    assert "persona-workbench" not in errors  # the file's name, never the server's temporary folder
    at.pills(key="compare_voice").set_value("Vendor_X_v2").run()
    assert at.header[2].value == "Listen: Vendor_X_v2"
    no_human = at.selectbox(key="compare_humans_Vendor_X_v2_billing_dispute_01")  # no human recorded this line
    assert len(no_human.options) == 6  # the scenario's six human clips to hear it against
    at.button(key="compare_remove_Vendor_X_v2").click().run()
    assert not at.exception, at.exception
    assert list(at.dataframe[0].value["voice"]) == ["piper_joe"] and not (folder / "voices" / "Vendor_X_v2").exists()


def test_uploaded_benchmark_file(reference, tmp_path):
    at = compare_page(compare_benchmark_source="Uploaded benchmark file", **{f"compare_server_voices_{SCENARIO}": []})
    assert "Upload a benchmark file" in texts(at)
    at.file_uploader(key="compare_benchmark_file").set_value(("bench.json", b'{"not": "a benchmark"}', "application/json")).run()
    assert at.error[0].value.startswith("'bench.json': not a persona benchmark")  # the upload's name, not the server's path
    assert "persona-workbench" not in at.error[0].value
    saved = build_benchmark(reference).save(tmp_path / "benchmark.json")
    at.file_uploader(key="compare_benchmark_file").set_value(("benchmark.json", saved.read_bytes(), "application/json")).run()
    assert not at.exception and not at.error
    assert at.selectbox(key="compare_scenario").options == [SCENARIO]
    assert at.metric[0].label == "Human clips" and at.metric[0].value == "6"
    assert "Pick voices on the server or upload a voice" in texts(at)


def test_a_one_voice_benchmark_says_so(tmp_path):
    """A benchmark of one brand voice (three clips' profiles) carries its note onto the page."""
    import pandas as pd

    from persona.benchmark import from_profiles
    from persona.features import Profiler

    row = {"f0_median_hz": 180.0, "f0_sd_st": 3.0, "f0_range_st": 10.0, "f0_step_sd_st": 0.4, "speech_rate_syl_s": 4.0, "pause_ratio": 0.15,
           "mean_pause_s": 0.4, "loudness_lufs": -23.0, "intensity_sd_db": 9.0, "hnr_db": 12.0, "speech_s": 5.0, "error": ""}  # fmt: skip
    clips = pd.DataFrame([row | {"f0_median_hz": 170.0 + 10 * i, "file": f"{i}.wav", "speaker": "brand", "scenario": SCENARIO} for i in range(3)])
    saved = from_profiles(clips, provenance_record=Profiler().provenance()).save(tmp_path / "one.json")
    at = compare_page(compare_benchmark_source="Uploaded benchmark file", **{f"compare_server_voices_{SCENARIO}": []})
    at.file_uploader(key="compare_benchmark_file").set_value(("one.json", saved.read_bytes(), "application/json")).run()
    assert not at.exception, at.exception
    assert any(w.value.startswith("one-voice benchmark: billing dispute rests on a single reference speaker (brand, 3 clips)") for w in at.warning)
