"""The profile API: column contract, array and file input, parameters, provenance."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
from _signals import SR_HZ, syllable_train

from persona import COLUMNS, Profiler, profile
from persona.errors import ParameterError
from persona.features import pace

CONTRACT = (
    "file, channel, duration_s, speech_s, f0_median_hz, f0_mean_hz, f0_p5_hz, f0_p95_hz, f0_sd_st, f0_range_st, "
    "f0_slope_st_s, voiced_fraction, speech_rate_syl_s, articulation_rate_syl_s, syllable_count, pause_count, "
    "pause_ratio, mean_pause_s, mean_run_s, loudness_lufs, intensity_mean_db, intensity_sd_db, intensity_range_db, "
    "hnr_db, jitter_local, shimmer_local, error"
).split(", ")


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    return syllable_train(8, f0_hz=130.0)


def test_columns_keep_the_public_contract():
    assert set(CONTRACT) <= set(COLUMNS)
    assert [c for c in COLUMNS if c in CONTRACT] == CONTRACT  # same order


def test_array_and_file_give_the_same_row(tmp_path, speech):
    path = tmp_path / "line.wav"
    sf.write(path, speech, SR_HZ, subtype="FLOAT")
    from_file, from_array = profile(path), profile(speech, sr_hz=SR_HZ)
    assert list(from_file.columns) == list(COLUMNS)
    assert from_file["file"].iloc[0] == str(path)
    assert from_array["file"].iloc[0] == "<array>"
    numeric = [c for c in COLUMNS if c not in ("file", "channel", "error", "warning")]
    assert from_file[numeric].to_numpy(float) == pytest.approx(from_array[numeric].to_numpy(float), nan_ok=True)


def test_array_needs_a_rate(speech):
    with pytest.raises(ParameterError, match="needs sr_hz"):
        profile(speech)


def test_unknown_parameter_is_named():
    with pytest.raises(ParameterError, match="unknown analysis parameter 'pause_min_ms'"):
        Profiler.create(pause_min_ms=250)


POCKETSPHINX_SETTINGS = {"beam": 1e-48, "wbeam": 7e-29, "pbeam": 1e-48, "maxwpf": 10, "maxhmmpf": 3000, "topn": 4,
                         "lw": 6.5, "fwdflat": False, "pad_s": 0.2}  # fmt: skip
"""The recogniser settings every profile recorded before Moonshine replaced PocketSphinx (git history of recognised.py)."""


def test_recorded_parameters_rebuild_the_profiler():
    """A profiler round-trips through its JSON-ready params (tuples come back from JSON's lists)."""
    profiler = Profiler.create(pause_min_s=0.4, telephone=True)
    assert Profiler.from_params(json.loads(json.dumps(profiler.params()))) == profiler


def test_a_nuclei_profile_recorded_with_pocketsphinx_settings_still_rebuilds():
    """Under ``nuclei`` the recogniser counted nothing: a benchmark saved before the change scores as before."""
    old = Profiler(pace=pace.PaceParams(pause_min_s=0.3)).params() | {"recogniser": POCKETSPHINX_SETTINGS}
    assert Profiler.from_params(old) == Profiler(pace=pace.PaceParams(pause_min_s=0.3))


@pytest.mark.parametrize("method", ["recogniser", "fused"])
def test_a_count_by_pocketsphinx_is_refused_in_one_line(method):
    old = Profiler().params() | {"syllables": method, "recogniser": POCKETSPHINX_SETTINGS}
    with pytest.raises(ParameterError, match=f"syllables='{method}' by another speech recogniser .*rebuild it") as refused:
        Profiler.from_params(old)
    assert "\n" not in str(refused.value)


def test_flat_parameters_reach_their_stage():
    profiler = Profiler.create(pause_min_s=0.4, floor_factor=0.7, telephone=True)
    assert (profiler.pace.pause_min_s, profiler.pitch.floor_factor, profiler.telephone) == (0.4, 0.7, True)


def test_provenance_names_software_and_every_parameter(speech):
    prov = profile(speech, sr_hz=SR_HZ, pause_min_s=0.3).attrs["provenance"]
    assert {"persona", "praat", "praat-parselmouth", "dtw-python", "pyebur128"} <= set(prov["software"])
    assert prov["params"]["pace"]["pause_min_s"] == 0.3
    assert prov["params"]["analysis_sr_hz"] == Profiler().analysis_sr_hz
    assert set(prov["method"]) >= {"f0", "pace", "loudness"}
    assert len(prov["params_digest"]) == 16


def test_telephone_option_is_applied(speech):
    plain, phone = (profile(speech, sr_hz=SR_HZ, telephone=t).iloc[0] for t in (False, True))
    assert phone["duration_s"] == plain["duration_s"]
    assert phone["f0_median_hz"] == pytest.approx(plain["f0_median_hz"], rel=0.01)
    assert phone["loudness_lufs"] != pytest.approx(plain["loudness_lufs"], abs=0.1)  # the band-pass removes energy
