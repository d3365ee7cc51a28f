"""Leave-one-speaker-out on ../shared/corpus: held-out humans versus TTS voices (bench/benchmark_validation.py).

Each voice's pitch level is compared in its register as the corpus's sex column names it (a man
with the men), the way a manifest ``register`` column would. The thresholds are the issue's targets
(AUC >= 0.95 against robotic voices, clip and voice level; clip-level AUC >= 0.85 against every TTS
voice, issue 11 item 5).
"""

import importlib.util
from pathlib import Path

import pytest
from scipy import stats

from persona.benchmark.validation import auc, per_voice

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module", params=[False, True], ids=["studio", "telephone"])
def distances(request, corpus_dir):
    spec = importlib.util.spec_from_file_location("benchmark_validation", Path(__file__).resolve().parents[2] / "bench" / "benchmark_validation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.validate(corpus_dir, jobs=2, telephone=request.param)[0]


ROBOTIC = ("espeak", "flite", "festival")


def test_auc_against_robotic_voices_meets_the_target(distances):
    """Measured 0.967 (0.986 telephone-matched); the issue's target is 0.95."""
    assert auc(distances, voices=ROBOTIC) >= 0.95


def test_held_out_humans_are_closer_than_robotic_voices_at_voice_level(distances):
    """Voice-level AUC (median distance per speaker or voice) against the issue's voice-level target 0.95.

    Measured 1.00 studio and telephone-matched: every held-out human is closer than every robotic voice,
    JFK's 241 Hz oration (compared with the men) by the narrowest margin in studio (1.80 vs 1.81).
    """
    table = per_voice(distances)
    humans = table.loc[table["kind"] == "human", "persona_distance"].to_numpy()
    robotic = table.loc[(table["kind"] == "tts") & table["who"].str.startswith(ROBOTIC), "persona_distance"].to_numpy()
    assert stats.mannwhitneyu(robotic, humans).statistic / (robotic.size * humans.size) >= 0.95


def test_neural_voices_are_harder_to_tell_but_still_apart(distances):
    """Against all TTS, piper and pico included: measured 0.872 (0.911 telephone-matched)."""
    assert auc(distances) > 0.85
