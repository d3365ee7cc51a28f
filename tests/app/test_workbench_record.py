"""Record page in AppTest: takes accepted and rejected, added to a copy of the references, manifest kept valid."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from workbench_support import BUNDLED, PASSWORD, SCENARIO, open_page, small_reference, texts

from persona.benchmark import read_reference
from persona.workbench import manifest

LINE = "billing_dispute_01"
AUDIO_KEY = f"record_audio_{SCENARIO}_{LINE}"
ADD_KEY = f"record_add_{SCENARIO}_{LINE}"
SCRIPT_VOICE = ("piper_joe/billing_dispute_0",)  # the five script lines of the scenario


@pytest.fixture
def reference(tmp_path, tmp_path_factory, monkeypatch):
    root = small_reference(tmp_path / "reference_audio", agent_clips=SCRIPT_VOICE)
    monkeypatch.setenv("PERSONA_REFERENCE_DIR", str(root))
    monkeypatch.setenv("PERSONA_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "profile_cache"))
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", PASSWORD)
    return root


def recording(*, gain: float = 1.0, seconds: float | None = None) -> bytes:
    """A browser-like 16-bit WAV take made from a clean bundled human clip."""
    samples, sr_hz = sf.read(BUNDLED / SCENARIO / "human_katie_a.flac")
    samples = np.clip(samples * gain, -1.0, 1.0)[: None if seconds is None else int(seconds * sr_hz)]
    buffer = io.BytesIO()
    sf.write(buffer, samples, sr_hz, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def record_page():
    return open_page("record", record_scenario=SCENARIO, record_speaker="Dana Agent", record_consent=True)


def take(at, data: bytes):
    return at.audio_input(key=AUDIO_KEY).set_value(("take.wav", data, "audio/wav")).run()


def manifest_rows(root) -> pd.DataFrame:
    return pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)


def test_script_lines_are_listed_with_a_recorder_each(reference):
    at = record_page()
    assert not at.exception, at.exception
    lines = {a.key.removeprefix(f"record_audio_{SCENARIO}_") for a in at.audio_input}
    assert lines == {f"billing_dispute_0{n}" for n in range(1, 6)} | {"jfk", "lj050_0131"}
    assert "Thank you for calling, my name is Jordan." in texts(at)


def test_accepted_take_is_added_once_and_the_benchmark_rebuilt(reference):
    before = manifest_rows(reference)
    at = take(record_page(), recording())
    assert "Take accepted." in texts(at)
    at.button(key=ADD_KEY).click().run()
    entry = f"{SCENARIO}/human_Dana_Agent_{LINE}.flac"
    assert f"Added to the reference audio as `{entry}`" in texts(at)
    at.run()  # a rerun must not add the same take again
    rows = manifest_rows(reference)
    assert len(rows) == len(before) + 1 and rows.iloc[-1]["file"] == entry and rows.iloc[-1]["role"] == "human"
    assert (reference / entry).is_file() and len(read_reference(reference)) == len(rows)
    at.button(key="record_rebuild").click().run()
    assert not at.exception, at.exception
    assert "Benchmark rebuilt" in texts(at)
    summary = at.dataframe[-1].value.set_index("scenario").loc[SCENARIO]
    assert summary["n_clips"] == 7 and "Dana_Agent" in summary["speakers"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [(recording(gain=0.003), "too quiet"), (recording(gain=40.0), "clipped"), (recording(seconds=0.6), "too short")],
    ids=["quiet", "clipped", "short"],
)
def test_bad_takes_are_rejected_with_the_reason(reference, data, reason):
    at = take(record_page(), data)
    assert any(e.value.startswith("Take rejected:") and reason in e.value for e in at.error), [e.value for e in at.error]
    assert not [b for b in at.button if b.key == ADD_KEY]


def test_failed_manifest_write_leaves_the_manifest_valid(reference, monkeypatch):
    before = (reference / "manifest.csv").read_bytes()
    at = take(record_page(), recording())

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(manifest.os, "replace", full_disk)
    at.button(key=ADD_KEY).click().run()
    assert "the manifest is unchanged" in at.error[0].value
    assert (reference / "manifest.csv").read_bytes() == before
    assert not list((reference / SCENARIO).glob("human_Dana_Agent_*")) and read_reference(reference) is not None
