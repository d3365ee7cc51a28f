"""Validate the profile on the development corpus (``../shared/corpus``): three tables.

1. Speech rate: detected ``syllable_count`` against the syllables of each line's transcript
   (CMUdict, spelling-rule fallback), per voice: n, median absolute error (%), median signed error
   (bias, %), and the same error on odd- and even-numbered lines separately (the detector's
   parameters were chosen on odd lines; even lines are held out).
2. Telephone invariance: each human clip against its corpus telephone copy (sox sinc
   300-3400 Hz, 8 kHz mu-law) and against :func:`persona.io.telephone` of itself, and every TTS
   line against its :func:`persona.io.telephone` version: difference in ``f0_median_hz``
   (semitones) and ``speech_rate_syl_s`` (%). Targets: <= 0.3 st, <= 5 %. Also the like-for-like
   comparison ``--telephone`` exists for: a studio clip measured with ``--telephone`` against
   the corpus's own 8 kHz copy of it measured as it is.
3. Pitch against Praat's own default analysis (``to_pitch_ac()``, 75-600 Hz, full band, native
   rate): difference of the median F0 (semitones) per human clip, read in the telephone band (the
   default) and full-band (``in_telephone_band=False``).

    python bench/validate_corpus.py [--jobs 2]

Exits with a message if the corpus is absent.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import parselmouth

from persona import io
from persona.features import Profiler
from persona.features.syllables import count_syllables

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
MAE_TARGET_PCT = 8.0


def load_manifest(corpus: Path) -> pd.DataFrame:
    """Corpus manifest with a ``group`` per voice (``tts/<voice>/``), or human / human_telephone / fsdd_digits."""
    manifest = pd.read_csv(corpus / "manifest.csv")
    parts = manifest["file"].str.split("/")
    manifest["group"] = np.where(parts.str[0] == "tts", parts.str[1], parts.str[0])
    manifest.loc[manifest["file"].str.contains("/fsdd_"), "group"] = "fsdd_digits"
    manifest["path"] = [str(corpus / f) for f in manifest["file"]]
    return manifest


def profile_paths(paths: list[str], *, jobs: int, **params) -> pd.DataFrame:
    """Profile rows indexed by path (files that fail keep their ``error``); ``params`` as :meth:`Profiler.create`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Profiler.create(**params).process_files(paths, jobs=jobs).set_index("file")


def speech_rate_table(manifest: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Per group: n, median |error| %, bias %, and median |error| % on odd / even line numbers."""
    lines = manifest[manifest["transcript"].notna() & ~manifest["transcript"].str.startswith("(")].copy()
    lines = lines[lines["path"].map(lambda p: rows.loc[p, "error"] == "")]
    lines["reference"] = lines["transcript"].map(count_syllables)
    lines["error_pct"] = 100 * (lines["path"].map(rows["syllable_count"]) - lines["reference"]) / lines["reference"]
    number = lines["line_id"].astype(str).str.extract(r"(\d+)$")[0].astype(float)
    lines["half"] = np.where(number % 2 == 1, "odd", "even")
    absolute = lines["error_pct"].abs()
    table = lines.groupby("group").agg(n=("error_pct", "size"), mae_pct=("error_pct", lambda e: e.abs().median()), bias_pct=("error_pct", "median"))
    for half in ("odd", "even"):
        table[f"mae_{half}_pct"] = absolute[lines["half"] == half].groupby(lines["group"]).median()
    return table


def semitone_difference(a_hz: pd.Series, b_hz: pd.Series) -> pd.Series:
    return 12 * np.log2(b_hz / a_hz)


def invariance_table(pairs: pd.DataFrame, plain: pd.DataFrame, phone: pd.DataFrame) -> pd.DataFrame:
    """Per pair (``plain``, ``phone`` path columns): F0 difference (st) and rate difference (%)."""
    a, b = plain.loc[pairs["plain"]], phone.loc[pairs["phone"]]
    return pd.DataFrame(
        {
            "kind": pairs["kind"].to_numpy(),
            "clip": [Path(p).name for p in pairs["plain"]],
            "f0_diff_st": semitone_difference(a["f0_median_hz"].to_numpy(float), b["f0_median_hz"].to_numpy(float)),
            "rate_diff_pct": 100 * (b["speech_rate_syl_s"].to_numpy(float) / a["speech_rate_syl_s"].to_numpy(float) - 1),
        }
    )


def summarise_invariance(table: pd.DataFrame) -> pd.DataFrame:
    """Per kind of pair: n, median and max |difference|, share within the targets."""
    f0, rate = table["f0_diff_st"].abs(), table["rate_diff_pct"].abs()
    return pd.DataFrame(
        {
            "n": table.groupby("kind").size(),
            "f0_median_abs_st": f0.groupby(table["kind"]).median(),
            "f0_max_abs_st": f0.groupby(table["kind"]).max(),
            "f0_within_0.3st": (f0 <= 0.3).groupby(table["kind"]).mean(),
            "rate_median_abs_pct": rate.groupby(table["kind"]).median(),
            "rate_max_abs_pct": rate.groupby(table["kind"]).max(),
            "rate_within_5pct": (rate <= 5).groupby(table["kind"]).mean(),
        }
    )


def praat_default_median_hz(path: str) -> float:
    """Median F0 (Hz) of Praat's default ``To Pitch (ac)`` (75-600 Hz) at the file's own rate."""
    audio = io.load(path)
    f0 = parselmouth.Sound(audio.samples, audio.sr_hz).to_pitch_ac().selected_array["frequency"]
    return float(np.median(f0[f0 > 0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    args = parser.parse_args()
    if not (CORPUS / "manifest.csv").is_file():
        raise SystemExit(f"development corpus not found at {CORPUS}: clone beside ../shared to run this benchmark")
    pd.set_option("display.width", 160)
    manifest = load_manifest(CORPUS)
    manifest = manifest[manifest["duration_s"] >= 0.5]
    manifest = manifest[manifest["channels"] == 1]
    rows = profile_paths(manifest["path"].tolist(), jobs=args.jobs)

    print(f"1. Syllable count vs transcript (target: median |error| <= {MAE_TARGET_PCT:.0f} % per voice)")
    rates = speech_rate_table(manifest, rows)
    print(rates.round(1).to_string())
    tts = rates.loc[rates.index.isin(manifest.loc[manifest["kind"] == "tts", "group"])]
    print(f"   TTS voices within target: {int((tts['mae_pct'] <= MAE_TARGET_PCT).sum())}/{len(tts)}\n")

    humans = manifest[manifest["group"] == "human"]
    copies = manifest[manifest["group"] == "human_telephone"]
    corpus_pairs = pd.DataFrame(
        {
            "plain": [humans.loc[humans["file"] == f"human/{Path(p).name.replace('_tel8k', '')}", "path"].iloc[0] for p in copies["path"]],
            "phone": copies["path"].to_numpy(),
            "kind": "human vs corpus sox copy",
        }
    )
    speech = manifest[manifest["group"].isin(["human"]) | (manifest["kind"] == "tts")]
    own = speech["path"].tolist()
    own_phone = profile_paths(own, jobs=args.jobs, telephone=True)
    own_pairs = pd.DataFrame({"plain": own, "phone": own, "kind": np.where(speech["kind"] == "tts", "tts vs --telephone", "human vs --telephone")})
    matched = corpus_pairs.assign(kind="human --telephone vs corpus sox copy")
    invariance = pd.concat(
        [invariance_table(corpus_pairs, rows, rows), invariance_table(matched, own_phone, rows), invariance_table(own_pairs, rows, own_phone)],
        ignore_index=True,
    )
    print("2. Telephone invariance (targets: <= 0.3 st in f0_median_hz, <= 5 % in speech_rate_syl_s)")
    print(summarise_invariance(invariance).round(2).to_string())
    print(invariance[invariance["kind"] != "tts vs --telephone"].round(2).to_string(index=False), "\n")

    print("3. f0_median_hz against Praat's default analysis (75-600 Hz, full band, native rate), human clips:")
    print("   persona reads pitch in the telephone band (default) and full-band (--full-band-pitch)")
    full_band = profile_paths(humans["path"].tolist(), jobs=args.jobs, in_telephone_band=False)
    praat = pd.DataFrame({"clip": [Path(p).name for p in humans["path"]], "praat_default_hz": [praat_default_median_hz(p) for p in humans["path"]]})
    for name, table in (("band", rows), ("full_band", full_band)):
        praat[f"{name}_hz"] = humans["path"].map(table["f0_median_hz"]).to_numpy()
        praat[f"{name}_diff_st"] = semitone_difference(praat["praat_default_hz"], praat[f"{name}_hz"])
    print(praat.round(2).to_string(index=False))
    for name in ("band", "full_band"):
        diff = praat[f"{name}_diff_st"].abs()
        print(f"   {name}: median |diff| {diff.median():.2f} st, max {diff.max():.2f} st")


if __name__ == "__main__":
    main()
