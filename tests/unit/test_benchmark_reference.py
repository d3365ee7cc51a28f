"""Reference folders and manifests (bad inputs give BenchmarkError), the profile cache, and Dask extraction."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from persona.benchmark import build_benchmark, read_reference
from persona.cache import ProfileCache
from persona.errors import BenchmarkError
from persona.extract import extract

BUNDLED = Path(__file__).resolve().parents[2] / "reference_audio"
CLIPS = sorted((BUNDLED / "billing_dispute").glob("human_*.flac"))[:2]


def write_manifest(folder: Path, rows: list[dict]) -> None:
    pd.DataFrame(rows).to_csv(folder / "manifest.csv", index=False)


def test_empty_or_missing_folder(tmp_path):
    with pytest.raises(BenchmarkError, match="no audio files"):
        read_reference(tmp_path)
    with pytest.raises(BenchmarkError, match="not found"):
        read_reference(tmp_path / "nope")


def test_manifest_missing_column_file_or_role(tmp_path):
    shutil.copy(CLIPS[0], tmp_path / "a.flac")
    write_manifest(tmp_path, [{"file": "a.flac", "scenario": "s", "speaker": "x"}])
    with pytest.raises(BenchmarkError, match="missing column"):
        read_reference(tmp_path)
    write_manifest(tmp_path, [{"file": "gone.flac", "scenario": "s", "speaker": "x", "role": "human"}])
    with pytest.raises(BenchmarkError, match="gone.flac does not exist"):
        read_reference(tmp_path)
    write_manifest(tmp_path, [{"file": "a.flac", "scenario": "s", "speaker": "x", "role": "robot"}])
    with pytest.raises(BenchmarkError, match="unknown role"):
        read_reference(tmp_path)
    write_manifest(tmp_path, [{"file": "a.flac", "scenario": "s", "speaker": "x", "role": "human", "register": "male"}])
    with pytest.raises(BenchmarkError, match="unknown register.*male; use low, high or leave it empty"):
        read_reference(tmp_path)


def test_layout_without_manifest_and_one_speaker_scenario(tmp_path):
    (tmp_path / "sales" / "agents" / "tts").mkdir(parents=True)
    shutil.copy(CLIPS[0], tmp_path / "sales" / "ann.flac")
    shutil.copy(CLIPS[1], tmp_path / "sales" / "agents" / "tts" / "l1.flac")
    table = read_reference(tmp_path)
    assert table.set_index("speaker")["role"].to_dict() == {"ann": "human", "tts": "agent"}
    with pytest.raises(BenchmarkError, match=r"one human speaker \(ann\) with 1 usable clip.*at least 3 clips"):
        build_benchmark(tmp_path, cache=False)


def test_one_speaker_with_three_clips_is_a_one_voice_benchmark(tmp_path):
    """Three recordings filed as one speaker's (layout: no manifest); every output carries the note."""
    from typer.testing import CliRunner

    from persona.cli import app

    (tmp_path / "sales").mkdir()
    for i, clip in enumerate(sorted((BUNDLED / "billing_dispute").glob("human_*.flac"))[:3]):
        shutil.copy(clip, tmp_path / "sales" / f"brand_{i}.flac")
    manifest = pd.DataFrame({"file": [f"sales/brand_{i}.flac" for i in range(3)], "scenario": "sales", "speaker": "brand", "role": "human"})
    manifest.to_csv(tmp_path / "manifest.csv", index=False)
    result = CliRunner().invoke(app, ["benchmark", "build", str(tmp_path), "--out", str(tmp_path / "b.json"), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "clips per speaker: brand 3" in result.output
    assert "note: one-voice benchmark: sales rests on a single reference speaker (brand, 3 clips)" in result.output


def test_cache_serves_unchanged_files_and_keys_on_parameters(tmp_path):
    cache = ProfileCache(tmp_path / "c.sqlite")
    first = extract(CLIPS, cache=cache)
    assert len(cache) == 2
    copy = tmp_path / "renamed.flac"
    shutil.copy(CLIPS[0], copy)
    again = extract([copy, CLIPS[1]], cache=cache)
    assert again["file"].iloc[0] == str(copy) and len(cache) == 2
    pd.testing.assert_frame_equal(first.drop(columns="file"), again.drop(columns="file"))
    from persona.features import Profiler

    extract(CLIPS[:1], cache=cache, profiler=Profiler.create(pause_min_s=0.3))
    assert len(cache) == 3


def test_dask_local_cluster_gives_the_same_rows():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        remote = extract(CLIPS, cache=False, dask_scheduler=cluster.scheduler_address)
    local = extract(CLIPS, cache=False)
    pd.testing.assert_frame_equal(remote, local)
