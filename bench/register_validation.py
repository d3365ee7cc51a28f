"""Register-correct pitch verdicts for men's and women's voices against a mixed panel, on ../shared/corpus.

The panel holds the corpus's human speakers of known sex (men and women: a mixed panel). Each
human speaker is scored against a panel built without its whole source corpus (leave-one-corpus-out:
LibriSpeech, Azure samples, JFK, LJ Speech); each TTS voice (none of them in the panel) against
all humans. A voice is scored without a register, so its register is inferred from its median F0,
as for a user who gives none. For every voice the script prints its sex, the register it was
inferred to have, and its pitch verdict, deviation (st) and robust z against the speakers of that
register, the verdict and deviation with the register of its sex given (``--register``), and the same
against the whole mixed panel (what persona reported before registers).

Panel registers come from the corpus's sex column (as a manifest ``register`` would), or with
``--infer-panel`` from each speaker's F0 (no manifest column). Clips shorter than 2 s (spoken
digits, the IPA sentence), the telephone copies and the two-talker mix are left out, as in
``benchmark_validation.py``; the SpokenWOZ call's two channels have no sex and are only scored.

With ``--validation`` (the folder ``bench/data/fetch_validation.py`` built), the human speakers of
its ``split=holdout`` sources whose sex the source documents (manifest ``sex``; AMI's meeting
speakers) are scored too, each against the whole corpus panel (a corpus they are not in), and
summarised apart: voices the register choices were never tuned on.

Run:  python bench/register_validation.py [--corpus ../shared/corpus] [--validation /work/validation_v4] [--jobs 2] [--infer-panel]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
import validation_sets
from benchmark_validation import DEFAULT_CORPUS, MIN_PROSODY_S, corpus_clips

from persona.benchmark import from_profiles, score_profiles, voice_values
from persona.benchmark.build import profile_reference
from persona.benchmark.register import REGISTER_OF_SEX, of_sex
from persona.benchmark.score import score_values
from persona.features import Profiler

SCENARIO = "all"
CORPUS_OF = (("enrollment_", "azure"), ("jfk", "jfk"), ("librispeech", "librispeech"), ("ljspeech", "ljspeech"), ("spokenwoz", "spokenwoz"))


def source_corpus(file: str) -> str:
    """The source corpus a human clip comes from, by its file name."""
    name = Path(file).name
    return next(corpus for prefix, corpus in CORPUS_OF if name.startswith(prefix))


def profiles(corpus: Path, jobs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Profiles of the human clips (with speaker, sex, source corpus) and of the TTS clips (with voice, sex)."""
    manifest = pd.read_csv(corpus / "manifest.csv", dtype=str, keep_default_na=False)
    sex_of_speaker = manifest.drop_duplicates("speaker_id").set_index("speaker_id")["sex"]
    sex_of_file = manifest.assign(file=[str(corpus / f) for f in manifest["file"]]).set_index("file")["sex"]
    human_clips, tts_clips = corpus_clips(corpus)
    profiler = Profiler()
    humans = profile_reference(human_clips, profiler=profiler, jobs=jobs)
    humans["sex"] = humans["speaker"].map(sex_of_speaker).fillna("unknown").replace({"": "unknown"})
    humans["source"] = [source_corpus(f) for f in humans["file"]]
    tts = profile_reference(tts_clips.assign(scenario=SCENARIO, speaker=tts_clips["voice"], role="agent"), profiler=profiler, jobs=jobs)
    tts["voice"] = tts["speaker"]
    tts["sex"] = tts["file"].map(sex_of_file)
    return humans, tts


def held_out_clips(folder: Path) -> pd.DataFrame:
    """The validation set's held-out human clips of 2 s or more (no PSOLA copies) whose sex the manifest gives: file, speaker, sex, source."""
    m = pd.read_csv(folder / "manifest.csv", dtype=str, keep_default_na=False)
    if "sex" not in m:
        raise SystemExit(f"{folder / 'manifest.csv'}: no sex column (rebuild it with bench/data/fetch_validation.py)")
    m = m[(m["kind"] == "human") & (m["split"] == "holdout") & (m["source"] != "psola_tempo") & m["sex"].isin(list(REGISTER_OF_SEX))]
    m = m.assign(file=[str(folder / f) for f in m["file"]])
    return m.loc[[sf.info(f).duration >= MIN_PROSODY_S for f in m["file"]], ["file", "speaker", "sex", "source"]].reset_index(drop=True)


def held_out_profiles(folder: Path, jobs: int) -> pd.DataFrame:
    """Profiles of :func:`held_out_clips`, with their speaker, sex and source; refused clips are listed and left out."""
    m = held_out_clips(folder)
    clips = m.assign(scenario=SCENARIO, role="human", channel=pd.array([pd.NA] * len(m), dtype="Int64"), register="")
    held = profile_reference(clips[["file", "scenario", "speaker", "role", "channel", "register"]], profiler=Profiler(), jobs=jobs)
    held = held.assign(file=m["file"].to_numpy(), sex=m["sex"].to_numpy(), source=m["source"].to_numpy(), error=held["error"].fillna(""))
    return validation_sets.measured(held, "file")


def verdict_row(voice: str, kind: str, sex: str, clips: pd.DataFrame, panel: pd.DataFrame, *, infer_panel: bool) -> dict:
    """Register-aware and whole-panel pitch verdicts of one voice's clips against ``panel``."""
    named = panel.drop(columns="register", errors="ignore")
    if not infer_panel:
        named = named.assign(register=of_sex(named["sex"]))
    bench = from_profiles(named.assign(scenario=SCENARIO), provenance_record={})
    scored = score_profiles(clips.assign(voice=voice).drop(columns="register", errors="ignore"), bench, SCENARIO).voices.iloc[0]
    values = voice_values(clips.assign(voice=voice)).iloc[0]
    whole = score_values(values, bench, SCENARIO, register="")
    expected = REGISTER_OF_SEX.get(sex, "")
    given = score_values(values, bench, SCENARIO, register=expected) if expected else {}
    return {
        "voice": voice, "kind": kind, "sex": sex, "f0_hz": scored["f0_median_hz_value"],
        "register": scored["register"], "register_ok": (scored["register"] == expected) if expected else np.nan,
        "compared_with": scored["pitch_compared_with"],
        "verdict": scored["f0_median_hz_verdict"], "dev_st": scored["f0_median_hz_deviation_st"], "z": scored["f0_median_hz_z"],
        "given_verdict": given.get("f0_median_hz_verdict", ""), "given_dev_st": given.get("f0_median_hz_deviation_st", np.nan),
        "whole_verdict": whole["f0_median_hz_verdict"], "whole_dev_st": whole["f0_median_hz_deviation_st"], "whole_z": whole["f0_median_hz_z"],
        "human_percentile": scored["human_percentile"], "note": scored["benchmark_note"],
    }  # fmt: skip


def validate(humans: pd.DataFrame, tts: pd.DataFrame, *, infer_panel: bool, held: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per human speaker (leave-one-corpus-out), per TTS voice (against all humans) and per
    held-out validation speaker in ``held`` (against all humans; kind ``held-out human (source)``)."""
    panel = humans[humans["sex"].isin(REGISTER_OF_SEX)]
    rows = []
    for speaker, clips in (held.groupby("speaker") if held is not None else ()):
        rows.append(verdict_row(speaker, f"held-out human ({clips['source'].iloc[0]})", clips["sex"].iloc[0], clips, panel, infer_panel=infer_panel))
    for speaker, clips in humans.groupby("speaker"):
        held_corpus = clips["source"].iloc[0]
        rows.append(verdict_row(speaker, f"human (without {held_corpus})", clips["sex"].iloc[0], clips,
                                panel[panel["source"] != held_corpus], infer_panel=infer_panel))  # fmt: skip
    for voice, clips in tts.groupby("voice"):
        rows.append(verdict_row(voice, "tts", clips["sex"].iloc[0], clips, panel, infer_panel=infer_panel))
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> str:
    """Per sex: register inferred correctly, median |deviation| and 'within' verdicts, by register vs whole panel."""
    lines = []
    known = table[table["sex"].isin(REGISTER_OF_SEX)]
    for sex, rows in known.groupby("sex"):
        lines.append(
            f"{sex} ({len(rows)} voices): register inferred correctly {int(rows['register_ok'].sum())}/{len(rows)}; "
            f"median |pitch deviation| {rows['dev_st'].abs().median():.1f} st by register vs {rows['whole_dev_st'].abs().median():.1f} st "
            f"vs the whole panel ({rows['given_dev_st'].abs().median():.1f} st with the register given, as --register would); "
            f"'within' {int((rows['verdict'] == 'within').sum())} vs {int((rows['whole_verdict'] == 'within').sum())} "
            f"({int((rows['given_verdict'] == 'within').sum())} given); "
            f"|z| > 2: {int((rows['z'].abs() > 2).sum())} vs {int((rows['whole_z'].abs() > 2).sum())}"
        )
    lines.append(f"pitch gaps over 4 st (a change of who the voice is): {int((known['dev_st'].abs() > 4).sum())} by register vs "
                 f"{int((known['whole_dev_st'].abs() > 4).sum())} vs the whole panel, of {len(known)} voices")  # fmt: skip
    return "\n".join(lines)


def arguments() -> argparse.Namespace:
    """``--corpus``, ``--validation``, ``--jobs`` and ``--infer-panel``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--infer-panel", action="store_true", help="Infer the panel speakers' registers from F0 instead of the sex column.")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--validation", type=Path, default=None, help="Also score the held-out humans of documented sex of this validation set.")
    parser.add_argument("--jobs", type=int, default=2)
    return parser.parse_args()


def main() -> None:
    args, start = arguments(), time.perf_counter()
    humans, tts = profiles(args.corpus, args.jobs)
    held = held_out_profiles(args.validation, args.jobs) if args.validation else None
    table = validate(humans, tts, infer_panel=args.infer_panel, held=held)
    panel_from = "each speaker's F0 (boundary 160 Hz)" if args.infer_panel else "the corpus's sex column (as a manifest register)"
    print(f"Panel registers from {panel_from}; voices' registers inferred from their own median F0.\n")
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 60):
        print(table.drop(columns="note").round(2).to_string(index=False))
    notes = table.loc[table["note"] != "", ["voice", "note"]]
    if len(notes):
        print("\nNotes:\n" + "\n".join(f"  {v}: {n}" for v, n in notes.itertuples(index=False)))
    held_out = table["kind"].str.startswith("held-out")
    print("\n" + summary(table[~held_out]))
    if held_out.any():
        print(f"\nheld-out validation speakers ({args.validation}), against the whole corpus panel:\n" + summary(table[held_out]))
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
