"""Prepared clips on disk: prepared once, read back identical by a fresh process, keyed by settings."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from persona.trials import clip_cache, stimuli
from persona.trials.survey import load_survey


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PERSONA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PERSONA_CACHE", raising=False)
    stimuli.clear_cache()
    yield tmp_path / "cache" / clip_cache.SUBFOLDER
    stimuli.clear_cache()


def refuse_to_prepare(*_args):
    raise AssertionError("the clip was prepared again instead of read from the disk cache")


def test_prepare_survey_fills_the_disk_cache_and_a_fresh_start_reads_it(make_survey, cache_dir, monkeypatch):
    survey = load_survey(make_survey(("acr", "mushra")))
    clips = stimuli.prepare_survey(survey)
    assert len(list(cache_dir.glob("*.npy"))) == len(clips)  # every recorded, anchor and gold clip, once
    first = stimuli.prepare(survey.stimulus("agent_carol_l01~anchor"), survey.audio).samples
    stimuli.clear_cache()  # as a new app process: nothing in memory
    monkeypatch.setattr(stimuli, "_prepare_fresh", refuse_to_prepare)
    again = stimuli.prepare(survey.stimulus("agent_carol_l01~anchor"), survey.audio)
    assert np.array_equal(again.samples, first) and again.sr_hz == survey.audio.sample_rate_hz


def test_other_audio_settings_are_other_clips(make_survey, cache_dir):
    survey = load_survey(make_survey(("acr",)))
    stimulus = survey.stimuli[0]
    quiet = dataclasses.replace(survey.audio, loudness_lufs=-30.0)
    loud = stimuli.prepare(stimulus, survey.audio).samples
    soft = stimuli.prepare(stimulus, quiet).samples
    assert len(list(cache_dir.glob("*.npy"))) == 2
    # 7 dB lower target: the same samples scaled by 10^(-7/20) (BS.1770 loudness is linear in gain);
    # the tolerance is float32 storage, 2^-24 relative, on samples below 1
    assert np.allclose(soft, loud * 10 ** (-7 / 20), rtol=0, atol=1e-6)


def test_a_damaged_cache_file_is_prepared_again(make_survey, cache_dir):
    survey = load_survey(make_survey(("acr",)))
    stimulus = survey.stimuli[0]
    good = stimuli.prepare(stimulus, survey.audio).samples
    (path,) = cache_dir.glob("*.npy")
    path.write_bytes(b"not a numpy file")
    stimuli.clear_cache()
    assert np.array_equal(stimuli.prepare(stimulus, survey.audio).samples, good)


def test_the_cache_is_shared_across_processes(make_survey, cache_dir, monkeypatch):
    survey_path = make_survey(("identify",))
    code = (
        "import sys; from persona.trials import stimuli; from persona.trials.survey import load_survey; "
        "s = load_survey(sys.argv[1]); stimuli.prepare_survey(s)"
    )
    subprocess.run([sys.executable, "-c", code, str(survey_path)], check=True, timeout=600)
    survey = load_survey(survey_path)
    monkeypatch.setattr(stimuli, "_prepare_fresh", refuse_to_prepare)
    assert all(stimuli.prepare(s, survey.audio).samples.size for s in survey.stimuli)
