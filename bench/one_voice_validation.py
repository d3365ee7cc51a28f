"""One-voice benchmarks on ../shared/corpus: a voice's held-out clips score within its own band, other voices do not.

A team whose reference is one voice (a voice talent, a brand TTS voice) builds its benchmark from
that voice's clips alone; spread and band are then those between its clips. For each reference
voice, every other clip (in file order) builds the benchmark, the rest are held out. Printed per
reference: the held-out clips' median persona distance and ``human_percentile`` (their rank among
the leave-one-clip-out distances of the building clips: near 50 when held-out clips are like the
rest, a uniform rank for exchangeable clips), the share of their per-feature verdicts inside the
band (about 0.8 (n-1)/(n+1) for exchangeable clips, n building clips), and the same for every other
voice's clips.

References: each TTS voice with 25+ lines, and the SpokenWOZ call's second channel cut at its
turns (a real person on the phone, 20 turns of 3-12 s; the turn times are in the corpus).

Run:  python bench/one_voice_validation.py [--corpus ../shared/corpus] [--jobs 2]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from benchmark_validation import DEFAULT_CORPUS

from persona import io
from persona.benchmark import from_profiles, score_profiles
from persona.benchmark.build import profile_reference
from persona.benchmark.features import FEATURES
from persona.features import Profiler

SCENARIO = "one_voice"
CALL = "human/spokenwoz_MUL1011_stereo.wav"
CALL_CHANNEL = 1
MIN_LINES = 25


def call_turns(corpus: Path, folder: Path) -> pd.DataFrame:
    """The SpokenWOZ call's second channel cut at the corpus's turn times, as WAV files in ``folder``."""
    audio = io.load(corpus / CALL, channel=CALL_CHANNEL)
    turns = pd.read_csv(corpus / "human" / "spokenwoz_MUL1011_turns.csv")
    files = []
    for turn in turns.itertuples():
        part = audio.samples[int(turn.start_s * audio.sr_hz) : int(turn.end_s * audio.sr_hz)]
        files.append(str(io.write_wav(folder / f"spokenwoz_ch{CALL_CHANNEL}_turn{turn.turn_id:02d}.wav", audio.with_samples(part, audio.sr_hz))))
    return pd.DataFrame({"file": files, "voice": f"spokenwoz_ch{CALL_CHANNEL}"})


def clips(corpus: Path, folder: Path) -> pd.DataFrame:
    """Every TTS line (voice = its folder) and the call's turns."""
    manifest = pd.read_csv(corpus / "manifest.csv", dtype=str, keep_default_na=False)
    tts = manifest[manifest["kind"] == "tts"]
    table = pd.DataFrame({"file": [str(corpus / f) for f in tts["file"]], "voice": [Path(f).parent.name for f in tts["file"]]})
    return pd.concat([table, call_turns(corpus, folder)], ignore_index=True)


def held_out_scores(profiles: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Per voice: median distance, median human_percentile and share of verdicts within the band, against ``reference``."""
    own = profiles[profiles["voice"] == reference].sort_values("file")
    building, held = own.iloc[::2], own.iloc[1::2]
    bench = from_profiles(building.assign(speaker=reference, scenario=SCENARIO), provenance_record={})
    scored = score_profiles(pd.concat([held.assign(voice=f"{reference} (held out)"), profiles[profiles["voice"] != reference]]), bench, SCENARIO).files
    verdicts = [f"{f.column}_verdict" for f in FEATURES]
    rows = []
    for voice, files in scored.groupby("voice"):
        within = (files[verdicts] == "within").to_numpy().mean()
        rows.append({"reference": reference, "n_building": len(building), "voice": voice, "n_clips": len(files),
                     "median_distance": files["persona_distance"].median(), "median_human_percentile": files["human_percentile"].median(),
                     "share_within_band": within})  # fmt: skip
    return pd.DataFrame(rows).sort_values("median_distance")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=2)
    args, start = parser.parse_args(), time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        table = clips(args.corpus, Path(folder))
        profiles = profile_reference(table.assign(channel=pd.array([pd.NA] * len(table), dtype="Int64")), profiler=Profiler(), jobs=args.jobs)
    profiles = profiles[~profiles["error"].fillna("").astype(bool)]
    counts = profiles["voice"].value_counts()
    summary = []
    for reference in sorted(v for v in counts.index if counts[v] >= 20):
        result = held_out_scores(profiles, reference)
        print(result.round(2).to_string(index=False), end="\n\n")
        own = result[result["voice"].str.endswith("(held out)")].iloc[0]
        others = result[~result["voice"].str.endswith("(held out)")]
        expected = 0.8 * (own["n_building"] - 1) / (own["n_building"] + 1)
        summary.append(f"{reference}: held-out clips median distance {own['median_distance']:.2f}, median human_percentile "
                       f"{own['median_human_percentile']:.0f}, within band {own['share_within_band']:.2f} (exchangeable: {expected:.2f}); "
                       f"closest other voice {others['median_distance'].min():.2f} ({others['voice'].iloc[0]}), "
                       f"others closer than the held-out clips: {int((others['median_distance'] < own['median_distance']).sum())}/{len(others)}")  # fmt: skip
    print("\n".join(summary))
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
