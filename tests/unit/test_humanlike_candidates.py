"""bench/humanlike_candidates.py's candidate measures and bench/humanlike_validation.py's split pairing,
on inputs built with a known answer (each expected value's source beside it)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench_module(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # the candidates import their bench neighbours by name
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


candidates = _bench_module("humanlike_candidates")
validation = _bench_module("humanlike_validation")


def test_spectral_tilt_of_a_power_law_spectrum():
    # power ~ f^-2 is -20 log10(2) = -6.0206 dB per octave at every band (hand computation); exact up to the 1e-12 guard
    centres = np.geomspace(300.0, 3400.0, 24)
    power = np.outer(centres**-2.0, np.ones(3)) * 1e3
    assert candidates.spectral_tilt_db_oct(power, centres) == pytest.approx(np.full(3, -20 * np.log10(2)), abs=1e-6)


def test_sd_of_medians_over_groups():
    # group medians 1 and 3 (a third group too small to count): SD with ddof 1 = sqrt(2) (hand computation)
    values = np.array([1.0, 0.0, 1.0, 3.0, 3.0, 9.0])
    groups = [np.arange(0, 3), np.arange(3, 5), np.arange(5, 6)]
    assert candidates.sd_of_medians(values, groups, min_size=2) == pytest.approx(np.sqrt(2.0), rel=1e-12)
    assert np.isnan(candidates.sd_of_medians(values, groups[:1], min_size=2))  # one group: no spread


def test_onset_step_reads_a_built_perturbation():
    # three voiced stretches (10 ms frames) whose first 30 ms sit 1 st (or -1 st) above their next 50 ms: median |step| = 1 st
    stretch = np.r_[np.full(3, 1.0), np.zeros(6)]
    f0 = np.r_[stretch, np.nan, -stretch, np.nan, stretch]
    voiced = candidates.stretches(np.isfinite(f0))
    assert [(s.start, s.stop) for s in voiced] == [(0, 9), (10, 19), (20, 29)]  # built boundaries
    assert candidates.onset_step_st(f0, voiced, 0.01) == pytest.approx(1.0, abs=1e-12)


def test_npvi_worked_values():
    # Grabe & Low (2002): |0.1 - 0.3| / 0.2 = 1 -> 100; equal intervals -> 0 (hand computation)
    assert candidates.npvi(np.array([0.1, 0.3])) == pytest.approx(100.0)
    assert candidates.npvi(np.array([0.2, 0.2, 0.2])) == pytest.approx(0.0)


def test_envelope_regularity_of_a_periodic_level():
    # a 0.2 s sinusoid over 5 s at 10 ms steps: biased autocorrelation at the 20-frame period is (500 - 20) / 500 = 0.96
    level = np.sin(2 * np.pi * np.arange(500) / 20)
    assert candidates.envelope_regularity(level, 0.01) == pytest.approx(0.96, abs=1e-9)
    assert np.isnan(candidates.envelope_regularity(level[:40], 0.01))  # shorter than the 0.5 s lag


def test_nested_choice_uses_only_folds_without_the_held_out_corpora():
    # a candidate that wins only on engine "b" is chosen only for the "a" folds (whose inner fold is the other human's "b"
    # fold), where it equals base; a "b" fold's inner fold is the other human's "a" fold, a tie, so base: nested = base (hand)
    index = [(h, e) for h in ("x", "y") for e in ("a", "b")]
    aucs = np.array([[0.9, 0.9], [0.8, 1.0], [0.9, 0.9], [0.8, 1.0]])
    table = pd.DataFrame(aucs, index=pd.MultiIndex.from_tuples(index), columns=["base", "only_b"])
    per_fold, picked = candidates.nested(table)
    assert per_fold.tolist() == pytest.approx([0.9, 0.8, 0.9, 0.8])  # the folds' own AUCs of the picks above
    assert per_fold.mean() == pytest.approx(0.85)
    assert dict(picked) == {"base": 2, "only_b": 2}


def test_split_pairs_scores_a_tts_only_split_against_every_other_human_split():
    # holdout keeps its two pairings; holdout2 (TTS only) meets the tune and holdout humans (the rule in the docstring)
    pairs = validation.split_pairs(["holdout2", "tune", "holdout"])
    assert pairs[:3] == [("tune", "tune", "tune"), ("holdout", "holdout", "tune"), ("holdout", "tune", "holdout")]
    assert {p for p in pairs if p[0] == "holdout2"} == {("holdout2", "holdout2", "tune"), ("holdout2", "tune", "holdout2"), ("holdout2", "holdout", "holdout2")}


def test_engine_families():
    # the voice directories of the corpus and validation sets, grouped as the docstring states
    assert [validation.engine(v) for v in ("piper_joe_ls0.8", "mbrola_us1", "festival_slt_hts", "festival_kal", "flite_slt", "espeak_en-us")] == [
        "piper", "mbrola", "festival_slt_hts", "festival_kal", "flite_slt", "espeak",
    ]  # fmt: skip
