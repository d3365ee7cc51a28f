"""Leave-one-speaker-out validation of the persona distance on ../shared/corpus.

A scenario-free benchmark ("all") is built from every human speaker of the corpus except the
one held out; held-out clips and all TTS clips are scored against it, each voice's pitch level in
its own register. Registers come from what the corpus says: its ``sex`` column names each
speaker's and voice's register (a man's speaking voice low, a woman's high,
:func:`persona.benchmark.register.of_sex`), as a manifest ``register`` column would; only the
SpokenWOZ channels, of unknown sex, are inferred from their median F0, as scoring does. Everything is measured
through the G.711 telephone chain so 8 kHz phone recordings and 16-44 kHz studio clips compare
like for like. Left out: clips shorter than ``MIN_PROSODY_S`` (the 0.3-0.6 s spoken digits and the
1.3 s IPA sentence: too short to hold a pause or a phrase's pitch span), the
``human_telephone/`` copies (duplicates of other clips) and the two-talker ``katiesteve``
mix (no single speaker). The SpokenWOZ stereo call gives two speakers, one per channel.

Run:  python bench/benchmark_validation.py [--corpus ../shared/corpus] [--jobs 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from persona.benchmark.build import profile_reference
from persona.benchmark.register import of_sex
from persona.benchmark.validation import auc, leave_one_speaker_out, per_voice
from persona.features import Profiler

ROBOTIC = ("espeak", "flite", "festival")
MIN_PROSODY_S = 2.0
DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def corpus_clips(corpus: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Human clips (file, speaker, channel, register) and TTS clips (file, voice, register) of the corpus manifest."""
    m = pd.read_csv(corpus / "manifest.csv", dtype=str, keep_default_na=False)
    m["file"] = [str(corpus / f) for f in m["file"]]
    human = m[(m["kind"] == "human") & m["file"].str.contains("/human/")]
    long_enough = pd.to_numeric(human["duration_s"]) >= MIN_PROSODY_S
    human = human[long_enough & ~human["speaker_id"].str.contains(r"\+")]
    call = m[m["speaker_id"].str.startswith("spokenwoz")]
    channels = pd.concat([call.assign(channel=str(c), speaker_id=f"spokenwoz_ch{c}") for c in (0, 1)])
    human = pd.concat([human.assign(channel=""), channels])
    tts = m[m["kind"] == "tts"].assign(voice=lambda t: [Path(f).parent.name for f in t["file"]], channel="")
    clips = lambda t: t.assign(speaker=t["speaker_id"], scenario="all", role="human", register=of_sex(t["sex"]))[["file", "scenario", "speaker", "role", "channel", "register"]]  # noqa: E731
    human_clips = clips(human).assign(channel=lambda t: pd.to_numeric(t["channel"]).astype("Int64"))
    tts_clips = tts[["file", "voice"]].assign(register=of_sex(tts["sex"]), channel=pd.array([pd.NA] * len(tts), dtype="Int64"))
    return human_clips.reset_index(drop=True), tts_clips.reset_index(drop=True)


def validate(corpus: Path, *, jobs: int = 2, telephone: bool = False) -> tuple[pd.DataFrame, float]:
    """Leave-one-speaker-out distances and their AUC (human vs TTS)."""
    profiler = Profiler.create(telephone=telephone)
    human_clips, tts_clips = corpus_clips(corpus)
    humans = profile_reference(human_clips, profiler=profiler, jobs=jobs)
    tts = profile_reference(tts_clips, profiler=profiler, jobs=jobs)
    distances = leave_one_speaker_out(humans, tts, provenance_record=humans.attrs["provenance"])
    return distances, auc(distances)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--telephone", action="store_true", help="Measure everything through the G.711 chain.")
    args = parser.parse_args()
    start = time.perf_counter()
    distances, area = validate(args.corpus, jobs=args.jobs, telephone=args.telephone)
    table = per_voice(distances)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    worst_human = table.loc[table["kind"] == "human", "persona_distance"].max()
    robotic = table[(table["kind"] == "tts") & table["who"].str.startswith(ROBOTIC)]
    print(f"\nfarthest held-out human speaker (median distance): {worst_human:.2f}")
    print(f"closest robotic TTS voice (median distance):       {robotic['persona_distance'].min():.2f}")
    print(f"every held-out human closer than every robotic voice: {bool(worst_human < robotic['persona_distance'].min())}")
    print(f"AUC human vs robotic TTS clips ({', '.join(ROBOTIC)}): {auc(distances, voices=ROBOTIC):.3f}  (target >= 0.95)")
    print(f"AUC human vs all TTS clips (neural piper and pico included): {area:.3f}")
    print(f"({len(distances)} scored clips, {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
