"""How much a perfect tempo estimate would buy the syllable count: the detector's tempo against the transcript's.

The nucleus detector scales its intensity window and merge gap to the recording's syllable period,
read from the modulation spectrum of its vowel-band envelope (``persona.features.pace``). Here
every transcribed clip that ``bench/pace_validation.py`` measures is counted twice: at that
estimated period, and at the period its transcript implies (speech time / transcript syllables),
an oracle no recording offers. The difference between the two error columns is the most that any
tempo estimate could gain; what the oracle still misses lies in the peaks and their voicing.

Printed per split, corpus (source) and style, as median |error| % = median of
``100 |detected - transcript| / transcript``: ``estimated_pct`` (the detector as it is),
``oracle_pct`` (transcript period), their means, and the median estimated and transcript periods
(s). Then the same overall and per split.

    python bench/pace_tempo_bound.py --validation /work/validation_v3 [--telephone] [--jobs 1]
"""

from __future__ import annotations

import time
import warnings

import pandas as pd

import validation_sets
from pace_validation import corpus_clips, spoken_text, validation_clips
from persona import io, workers
from persona.errors import PersonaError
from persona.features import Profiler, pace, pitch
from persona.features.syllables import count_syllables


def counts(task: tuple[str, int, bool]) -> dict:
    """Syllable count of one clip at the estimated and at the transcript period, with both periods (s)."""
    path, reference, telephone = task
    profiler = Profiler.create(telephone=telephone)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            audio = profiler.load(path)
            sound = profiler.analysis_sound(io.telephone(audio) if telephone else audio)
            track = pitch.track(sound, profiler.pitch, name=path)
    except PersonaError as exc:
        return {"error": str(exc)}
    band = pace.vowel_contour(sound, profiler.pace)
    seg = pace.segment(band, profiler.pace)
    transcript_period_s = seg.speech_s / reference
    return {
        "error": "",
        "estimated_period_s": pace.syllable_period_s(band, seg, profiler.pace),
        "transcript_period_s": transcript_period_s,
        "estimated": pace.syllable_nuclei(band, seg, track, profiler.pace).size,
        "oracle": pace.syllable_nuclei(band, seg, track, profiler.pace, period_s=transcript_period_s).size,
    }


def bound_table(errors: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Median and mean |error| % at the estimated and the transcript period, and the median periods (s), per ``by``."""
    e = errors.assign(
        est=100 * (errors["estimated"] - errors["reference"]).abs() / errors["reference"],
        ora=100 * (errors["oracle"] - errors["reference"]).abs() / errors["reference"],
    )
    return e.groupby(by).agg(
        n=("est", "size"),
        estimated_pct=("est", "median"),
        oracle_pct=("ora", "median"),
        estimated_mean_pct=("est", "mean"),
        oracle_mean_pct=("ora", "mean"),
        estimated_period_s=("estimated_period_s", "median"),
        transcript_period_s=("transcript_period_s", "median"),
    )


def rounded(table: pd.DataFrame) -> pd.DataFrame:
    """Percentages to 0.1, periods to 1 ms."""
    return table.round({c: 3 if c.endswith("_s") else 1 for c in table.columns})


def main() -> None:
    parser = validation_sets.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--telephone", action="store_true", help="Measure through the G.711 chain.")
    args = parser.parse_args()
    clips = validation_sets.gather(args, corpus_clips, validation_clips)
    clips["reference"] = [count_syllables(spoken_text(t, p)) for t, p in zip(clips["transcript"], clips["path"])]
    start = time.perf_counter()
    tasks = [(p, r, args.telephone) for p, r in zip(clips["path"], clips["reference"])]
    with workers.pool(args.jobs, n_tasks=len(tasks)) as executor:
        rows = pd.DataFrame(list(workers.map_ordered(counts, tasks, executor)))
    errors = validation_sets.measured(pd.concat([clips.reset_index(drop=True), rows], axis=1), "path")
    print(f"Syllable count at the estimated vs the transcript's period, {'telephone (G.711)' if args.telephone else 'as recorded'}\n")
    print(rounded(bound_table(errors, ["split", "source", "style"])).to_string(), "\n")
    print(rounded(bound_table(errors.assign(all="all"), ["all"])).to_string())
    print(rounded(bound_table(errors, ["split"])).to_string())
    print(f"({len(errors)} clips, {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
