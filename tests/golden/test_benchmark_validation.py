"""Leave-one-speaker-out on ../shared/corpus: held-out humans versus TTS voices (bench/benchmark_validation.py)."""

import importlib.util
from pathlib import Path

import pytest

from persona.benchmark.validation import auc, per_voice

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
pytestmark = [pytest.mark.corpus, pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="needs ../shared/corpus")]


@pytest.fixture(scope="module", params=[False, True], ids=["studio", "telephone"])
def distances(request):
    spec = importlib.util.spec_from_file_location("benchmark_validation", Path(__file__).resolve().parents[2] / "bench" / "benchmark_validation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.validate(SHARED / "corpus", jobs=2, telephone=request.param)[0]


ROBOTIC = ("espeak", "flite", "festival")


def test_auc_against_robotic_voices_meets_the_target(distances):
    """Measured 0.966 (0.987 telephone-matched); the issue's target is 0.95."""
    assert auc(distances, voices=ROBOTIC) >= 0.95


def test_every_held_out_human_is_closer_than_every_robotic_voice(distances):
    table = per_voice(distances)
    humans = table.loc[table["kind"] == "human", "persona_distance"]
    robotic = table.loc[(table["kind"] == "tts") & table["who"].str.startswith(ROBOTIC), "persona_distance"]
    assert humans.max() < robotic.min()


def test_neural_voices_are_harder_to_tell_but_still_apart(distances):
    """Against all TTS, piper and pico included: measured 0.888 (0.921 telephone-matched)."""
    assert auc(distances) > 0.85
