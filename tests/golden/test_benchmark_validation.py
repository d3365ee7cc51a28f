"""Leave-one-speaker-out on ../shared/corpus: held-out humans versus TTS voices (bench/benchmark_validation.py)."""

import importlib.util
from pathlib import Path

import pytest

from persona.benchmark.validation import auc

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
pytestmark = [pytest.mark.corpus, pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="needs ../shared/corpus")]


@pytest.fixture(scope="module")
def distances():
    spec = importlib.util.spec_from_file_location("benchmark_validation", Path(__file__).resolve().parents[2] / "bench" / "benchmark_validation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.validate(SHARED / "corpus", jobs=2)[0]


ROBOTIC = ("espeak", "flite", "festival")


def test_held_out_humans_are_closer_than_tts(distances):
    """Measured 0.89 against the robotic voices, 0.81 against all TTS (0.91 / 0.83 with --telephone):
    a regression of the features or the distance shows here."""
    assert auc(distances, voices=ROBOTIC) > 0.85
    assert auc(distances) > 0.78


@pytest.mark.xfail(reason="target AUC >= 0.95 not met: 0.89 against the robotic voices (0.91 telephone-matched); see bench/benchmark_validation.py", strict=False)
def test_auc_meets_the_target(distances):
    assert auc(distances, voices=ROBOTIC) >= 0.95
