"""Progress-reporting composition over the benchmark library, and the side-by-side listening table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from persona import cache
from persona.benchmark import read_reference
from persona.features import Profiler
from persona.workbench.listening import listening_lines
from persona.workbench.progress import build_with_progress, prefetch_profiles, score_with_progress

BUNDLED = Path(__file__).resolve().parents[2] / "reference_audio"
PIPER = BUNDLED / "billing_dispute" / "agents" / "piper_joe"


@pytest.fixture
def profile_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("PERSONA_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "profiles.sqlite"


def test_prefetch_reports_every_step_and_fills_the_cache(profile_cache):
    clips = sorted(PIPER.glob("billing_dispute_0*.flac"))
    seen: list[tuple[float, str]] = []
    prefetch_profiles(clips, profiler=Profiler(), on_progress=lambda f, text: seen.append((f, text)), step_files=2)
    assert [f for f, _ in seen] == [0.4, 0.8, 1.0] and seen[-1][1] == "profiled 5 of 5 clips"
    assert len(cache.ProfileCache(profile_cache)) == 5


def test_build_and_score_with_progress_match_the_library(profile_cache):
    fractions: list[float] = []
    bench = build_with_progress(BUNDLED, on_progress=lambda f, _: fractions.append(f))
    assert fractions[-1] == 1.0 and sorted(bench.scenarios) == ["appointment_booking", "billing_dispute", "cancellation"]
    reference = read_reference(BUNDLED)
    scores = score_with_progress([PIPER], bench, scenario="billing_dispute", reference=reference, on_progress=lambda f, _: None)
    assert list(scores.voices["voice"]) == ["piper_joe"] and scores.paired is not None


def test_listening_lines_group_uploads_by_file_stem(profile_cache, tmp_path):
    upload = tmp_path / "vendor_x"
    upload.mkdir()
    shutil.copy(BUNDLED / "billing_dispute/agents/flite_slt/billing_dispute_01.flac", upload / "billing_dispute_01.flac")
    bench = build_with_progress(BUNDLED, on_progress=lambda f, _: None)
    reference = read_reference(BUNDLED)
    scores = score_with_progress([PIPER, upload], bench, scenario="billing_dispute", reference=reference, on_progress=lambda f, _: None)
    lines = listening_lines(scores, reference)
    first = lines[lines["line"] == "billing_dispute_01"]
    assert sorted(first["voice"]) == ["piper_joe", "vendor_x"] and first["transcript"].str.startswith("Thank you for calling").all()
    jfk = lines[lines["line"] == "jfk"]
    assert list(jfk["role"]) == ["human", "agent"], "human clips of a shared line come first"
