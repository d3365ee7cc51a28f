"""Syllable count against transcripts, per speaking style and voice group, on every corpus at hand.

Each transcribed clip of the development corpus (``../shared/corpus``) and of the validation set
built by ``bench/data/fetch_validation.py`` is profiled as it is and, with ``--telephone``, through
the G.711 chain; each syllable count of the profile is compared with the transcript's syllables
(CMUdict, spelling-rule fallback): ``syllable_count_nuclei`` (the loudness-peak detector),
``syllable_count_recognised`` (the syllables of the words Moonshine hears) and ``syllable_count`` (the method
``--syllables`` chooses, the profile's default if not given). Printed per count ("method"), as
signed error ``100 (detected - transcript) / transcript``:

1. per corpus (source) and speaking style: median |error| %, median error (bias) %, n;
2. per voice group (human, PSOLA-tempo human, neural, HMM, diphone, formant TTS);
3. overall (median and mean |error|), and per split: ``tune``, ``holdout`` (never tuned on) and,
   only with ``--holdout2``, ``holdout2`` (measured once, when the method is final).

The detector has no parameter fitted per corpus, so each source's row is already a held-out
figure for every other source; the ``holdout`` sources were never looked at while choosing them.
Targets (issue 11): median |error| <= 8 % for every style and group, <= 5 % overall. Digit clips
(one or two syllables: one nucleus is a 50-100 % error) are left out, and so is the corpus's
``katiesteve_conversation``: its transcript (65 syllables) covers only part of the talk, whose
19.5 s of speech it would put at 3.3 syllables/s while the six TTS voices read the same text in
15-19 s including pauses. The flite and festival voices spell "hmm" letter by letter ("aitch em
em": ``flite -ps`` and festival's Segment relation print ey ch eh m eh m), so their reference
counts what they say (:func:`spoken_text`).

    python bench/pace_validation.py [--validation /work/validation] [--jobs 2] [--telephone] [--syllables nuclei]
"""

from __future__ import annotations

import re
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import validation_sets
from persona.features import Profiler
from persona.features.profile import SYLLABLE_METHODS
from persona.features.syllables import count_syllables

TTS_GROUPS = {  # voice directory prefix -> engine family; the first prefix that matches wins
    "piper": "neural", "pico": "hmm", "flite_slt": "hmm", "flite_kal16": "diphone", "festival_slt_hts": "hmm", "festival": "diphone",
    "mbrola": "diphone", "espeak": "formant",
}  # fmt: skip
PARTIAL_TRANSCRIPTS = ("human/katiesteve_conversation.wav",)
LETTER_SPELLING_VOICES = ("flite_", "festival_")
STYLE_TARGET_PCT, OVERALL_TARGET_PCT = 8.0, 5.0
COUNTS = {"nuclei": "syllable_count_nuclei", "recognised": "syllable_count_recognised", "profile": "syllable_count"}
"""Each count compared, by the profile column it is read from."""


def corpus_clips(corpus: Path) -> pd.DataFrame:
    """Transcribed clips of the development corpus (no digits): path, source, style, group, split, transcript."""
    m = pd.read_csv(corpus / "manifest.csv", dtype=str, keep_default_na=False)
    m = m[(m["transcript"] != "") & ~m["transcript"].str.startswith("(") & ~m["file"].str.contains("/fsdd_|human_telephone/") & ~m["file"].isin(PARTIAL_TRANSCRIPTS)]
    voice = m["file"].str.split("/").str[1]
    group = voice.map(lambda v: next((g for k, g in TTS_GROUPS.items() if v.startswith(k)), "human"))
    style = np.where(m["kind"] != "tts", "human_mixed", np.where(m["line_id"].str.startswith("transcript"), "read", "prompt"))
    return pd.DataFrame({"path": [str(corpus / f) for f in m["file"]], "source": "corpus_" + m["kind"], "style": style,
                         "group": np.where(m["kind"] == "tts", group, "human"), "split": "tune", "transcript": m["transcript"]})  # fmt: skip


def validation_clips(folder: Path) -> pd.DataFrame:
    """Transcribed clips of the validation manifest, same columns as :func:`corpus_clips`."""
    m = pd.read_csv(folder / "manifest.csv", dtype=str, keep_default_na=False)
    m = m[m["transcript"] != ""]
    return m.assign(path=[str(folder / f) for f in m["file"]])[["path", "source", "style", "group", "split", "transcript"]]


def spoken_text(transcript: str, path: str) -> str:
    """The transcript as the clip's voice speaks it: "hmm" spelled out for voices that spell it."""
    voice = Path(path).parent.name
    return re.sub(r"\bhmm\b", "H M M", transcript, flags=re.IGNORECASE) if voice.startswith(LETTER_SPELLING_VOICES) else transcript


def syllable_errors(clips: pd.DataFrame, *, jobs: int, telephone: bool, syllables: str | None) -> pd.DataFrame:
    """One row per clip and count of :data:`COUNTS` the profile filled: ``method``, ``reference``
    (transcript syllables), ``detected`` and ``error_pct``; refused files listed and left out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = Profiler.create(telephone=telephone, **({"syllables": syllables} if syllables else {})).process_files(clips["path"], jobs=jobs)
    reference = [count_syllables(spoken_text(t, p)) for t, p in zip(clips["transcript"], clips["path"])]
    measured = validation_sets.measured(clips.assign(reference=reference, error=rows["error"].to_numpy(), **{c: rows[c].to_numpy() for c in COUNTS.values()}), "path")
    counts = [measured.assign(method=method, detected=measured[column]) for method, column in COUNTS.items() if measured[column].notna().all()]
    out = pd.concat(counts, ignore_index=True)
    return out.assign(error_pct=100 * (out["detected"] - out["reference"]) / out["reference"])


def summary(errors: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """n, median and mean |error| (%), median signed error (%) per ``by`` and method, methods side by side."""
    e = errors.assign(abs_pct=errors["error_pct"].abs())
    stats = e.groupby([*by, "method"], sort=False).agg(n=("abs_pct", "size"), median_abs_error_pct=("abs_pct", "median"), mean_abs_error_pct=("abs_pct", "mean"), bias_pct=("error_pct", "median"))
    return stats.unstack("method").sort_index()


def main() -> None:
    parser = validation_sets.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--telephone", action="store_true", help="Measure through the G.711 chain.")
    parser.add_argument("--syllables", choices=list(SYLLABLE_METHODS), help="The profile's syllables method (default: the profile's default).")
    args = parser.parse_args()
    clips = validation_sets.gather(args, corpus_clips, validation_clips)
    start = time.perf_counter()
    errors = syllable_errors(clips, jobs=args.jobs, telephone=args.telephone, syllables=args.syllables)
    fmt = lambda x: f"{x:.1f}"  # noqa: E731
    shown = ["median_abs_error_pct", "bias_pct", "n"]
    print(f"Syllable count vs transcript, {'telephone (G.711)' if args.telephone else 'as recorded'}; error % = 100 (detected - transcript) / transcript")
    print(f"profile = syllable_count by '{args.syllables or Profiler.syllables}'\n")
    print(summary(errors, ["split", "source", "style"])[shown].to_string(float_format=fmt), "\n")
    by_group = summary(errors, ["group"])
    print(by_group[shown].to_string(float_format=fmt), "\n")
    by_style = summary(errors, ["source", "style"])
    overall = summary(errors.assign(all="all"), ["all"]).iloc[0]
    splits = summary(errors, ["split"])
    worst = pd.concat([by_style["median_abs_error_pct"], by_group["median_abs_error_pct"]])
    for method in errors["method"].unique():
        print(f"{method}: n={overall['n'][method]:.0f}, median |error| {overall['median_abs_error_pct'][method]:.1f} %, mean {overall['mean_abs_error_pct'][method]:.1f} %  (target <= {OVERALL_TARGET_PCT:.0f} %)", end="")
        print("".join(f"; split {split} {splits['median_abs_error_pct'][method][split]:.1f} % (n={splits['n'][method][split]:.0f})" for split in splits.index), end="")
        print(f"; worst style or group {worst[method].idxmax()} {worst[method].max():.1f} %  (target <= {STYLE_TARGET_PCT:.0f} % each)")
    print(f"({errors['path'].nunique()} clips, {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
