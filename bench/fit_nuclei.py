"""A learned syllable-nucleus scorer fitted to per-clip transcript counts, validated leave-one-family-out.

Every transcribed clip of the development corpus and the validation set (the clips of
``pace_validation.py``) yields generous candidate nuclei (1 dB prominence, no voicing cut) with the
features of ``nucleus_candidates.py``. A candidate counts with probability
``p = logistic(w . z + b)`` (``z``: the chosen features standardised over the fitting clips) and a
clip's count is the sum of its ``p`` (learning from label proportions: the references are counts
per clip, not nucleus positions). ``w, b`` minimise a smooth ``|log(count / reference)|`` averaged
over the fitting clips, each family (one TTS engine in the corpus and the validation set, one human
corpus with the PSOLA copies made from it) weighted equally, plus ``l2 |w|^2``. At prediction the
logit is multiplied by ``--sharpen`` (``inf``: count the candidates with ``p >= 0.5``).

Printed as median |error| % (error = 100 (detected - transcript) / transcript), next to today's
detector (``persona.features.pace.syllable_nuclei``, the clips' ``syllable_count``):

1. leave-one-family-out: each tune family scored by the model fitted on the other tune families;
2. leave-one-style-out: careful prompts, conversational turns, human speech each held out whole;
3. the ``split=holdout`` clips, scored by the model fitted on every tune family (never used to fit
   or to choose anything);
4. the verdict against the adoption rule: better overall out of sample and on the holdout split,
   and no source/style or group cell over 8 % that today's detector keeps at or under 8 %.

``--select`` first chooses the features by forward selection on the leave-one-family-out figure of
the tune clips alone (median |error| plus half the summed excess of cells over max(8 %, today's)).
The defaults are what it chose (with ``--sharpen`` picked from 1, 1.5, 2, 3, inf the same way).
Candidate features are cached under /tmp/persona_fit_nuclei, keyed by the code and the clip list.

    python bench/fit_nuclei.py --corpus ../shared/corpus --validation /work/validation_hl11b [--telephone] [--select] [--jobs 1]
"""

from __future__ import annotations

import hashlib
import sys
import warnings
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize

import nucleus_candidates as nuclei
import pace_validation
import validation_sets
from persona import io
from persona.errors import PersonaError
from persona.features import Profiler, pace, pitch
from persona.features.syllables import count_syllables

CACHE = Path("/tmp/persona_fit_nuclei")
LOSS_SMOOTHING = 0.02
"""Half-width (in log count units) of the quadratic core of the smooth |log ratio| loss."""
CHOSEN = ("log_dip_low", "periodicity", "log_gap_next", "vowel_share_db", "periodicity_x_log_dip", "dip_low_re_clip", "log_period")
"""Features forward selection (``--select``) chose on the tune clips, as recorded."""
SHARPEN_CHOICES = (1.0, 1.5, 2.0, 3.0, np.inf)
STYLE_TARGET_PCT = pace_validation.STYLE_TARGET_PCT


# ---- candidate features, cached per clip set ----------------------------------------------------


def _extract(job: tuple[str, bool]) -> dict | None:
    """Today's count and the candidate features of one clip; None when the file cannot be measured."""
    path, telephone = job
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _measure(path, telephone)
    except PersonaError as e:
        print(f"skipped {e}", file=sys.stderr)
        return None


def _measure(path: str, telephone: bool) -> dict:
    profiler = Profiler.create(telephone=telephone)
    params = profiler.pace
    audio = profiler.load(path)
    if telephone:
        audio = io.telephone(audio)
    sound = profiler.analysis_sound(audio)
    track = pitch.track(sound, profiler.pitch, name=path)
    contour = pace.vowel_contour(sound, params)
    seg = pace.segment(contour, params)
    today = pace.syllable_nuclei(contour, seg, track, params)
    period_s = pace.syllable_period_s(contour, seg, params)
    if not np.isfinite(period_s):
        return {"baseline": today.size, "features": np.empty((0, len(nuclei.FEATURES)))}
    tempo = pace.tempo_params(params, period_s=period_s, pitch_floor_hz=track.floor_hz)
    band = pace.intensity(contour.sound, tempo)
    clipped_s = float(np.clip(period_s, *params.period_range_s))
    cands = nuclei.candidates(sound, band, seg, track, tempo, period_s=clipped_s, today_s=today)
    return {"baseline": today.size, "features": cands.features}


def clip_features(clips: pd.DataFrame, *, telephone: bool, jobs: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The measurable ``clips`` with ``baseline`` (today's count), candidate features and each candidate's clip index (cached under /tmp)."""
    source = b"".join(Path(m.__file__).read_bytes() for m in (nuclei, pace, sys.modules[__name__]))
    key = hashlib.sha1(source + "\n".join(clips["path"]).encode() + bytes([telephone])).hexdigest()[:16]
    cache = CACHE / f"{key}.npz"
    if cache.exists():
        data = np.load(cache)
        return clips[data["measured"]].reset_index(drop=True).assign(baseline=data["baseline"]), data["features"], data["clip"]
    with Pool(jobs) as pool:
        rows = pool.map(_extract, [(p, telephone) for p in clips["path"]], chunksize=4)
    measured = np.array([r is not None for r in rows])
    rows = [r for r in rows if r is not None]
    features = np.concatenate([r["features"] for r in rows])
    clip = np.repeat(np.arange(len(rows)), [len(r["features"]) for r in rows])
    baseline = np.array([r["baseline"] for r in rows])
    CACHE.mkdir(exist_ok=True)
    np.savez(cache, features=features, clip=clip, baseline=baseline, measured=measured)
    return clips[measured].reset_index(drop=True).assign(baseline=baseline), features, clip


# ---- the model ------------------------------------------------------------------------------------


def family(row: pd.Series) -> str:
    """The family a clip is held out with: its TTS engine, or its human corpus with the PSOLA copies made from it."""
    if row["group"] in ("human", "human_psola"):
        return {"psola_tempo": "corpus_human"}.get(row["source"], row["source"])
    voice = Path(row["path"]).parent.name
    return next((k for k in pace_validation.TTS_GROUPS if voice.startswith(k)), row["source"])


def _objective(theta: np.ndarray, z: np.ndarray, clip: np.ndarray, reference: np.ndarray, weight: np.ndarray, l2: float) -> tuple[float, np.ndarray]:
    """Weighted smooth |log count ratio| plus the L2 penalty, and its gradient in ``theta = (w, b)``."""
    p = 1.0 / (1.0 + np.exp(-(z @ theta[:-1] + theta[-1])))
    count = np.bincount(clip, weights=p, minlength=reference.size)
    r = np.log((count + 0.5) / (reference + 0.5))
    root = np.sqrt(r * r + LOSS_SMOOTHING**2)
    loss = float(weight @ (root - LOSS_SMOOTHING)) + l2 * float(theta[:-1] @ theta[:-1])
    dp = (weight * r / root / (count + 0.5))[clip] * p * (1 - p)
    grad = np.concatenate([z.T @ dp + 2 * l2 * theta[:-1], [dp.sum()]])
    return loss, grad


def fit(features: np.ndarray, clip: np.ndarray, reference: np.ndarray, weight: np.ndarray, *, l2: float) -> dict:
    """Standardisation and weights of the candidate logistic fitted to per-clip counts (``weight`` sums to 1).

    L-BFGS from three starting biases (most, half, few candidates counted); the lowest loss wins.
    """
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-9
    z = (features - mean) / scale
    runs = [minimize(_objective, np.r_[np.zeros(z.shape[1]), start], args=(z, clip, reference, weight, l2), jac=True, method="L-BFGS-B") for start in (1.0, 0.0, -1.0)]
    best = min(runs, key=lambda r: r.fun)
    return {"mean": mean, "scale": scale, "weights": best.x[:-1], "bias": best.x[-1], "loss": float(best.fun)}


def logits(model: dict, features: np.ndarray) -> np.ndarray:
    """Per candidate logit of the fitted model."""
    return (features - model["mean"]) / model["scale"] @ model["weights"] + model["bias"]


def counts(logit: np.ndarray, clip: np.ndarray, n_clips: int, sharpen: float) -> np.ndarray:
    """Per clip count: sum of ``logistic(sharpen * logit)``, or of ``logit >= 0`` when ``sharpen`` is infinite."""
    p = (logit >= 0).astype(float) if np.isinf(sharpen) else 1.0 / (1.0 + np.exp(-sharpen * logit))
    return np.bincount(clip, weights=p, minlength=n_clips)


def family_weights(clips: pd.DataFrame) -> np.ndarray:
    """Per clip weight: every family sums to 1 / (number of families)."""
    n = clips.groupby("family")["path"].transform("size").to_numpy()
    return 1.0 / n / clips["family"].nunique()


def fit_clips(clips: pd.DataFrame, features: np.ndarray, clip: np.ndarray, mask: np.ndarray, *, l2: float) -> dict:
    """:func:`fit` on the clips in ``mask`` (boolean per clip)."""
    train = np.flatnonzero(mask)
    rows = np.isin(clip, train)
    remap = np.full(len(clips), -1)
    remap[train] = np.arange(train.size)
    sub = clips.iloc[train]
    return fit(features[rows], remap[clip[rows]], sub["reference"].to_numpy(float), family_weights(sub), l2=l2)


def held_out_logits(clips: pd.DataFrame, features: np.ndarray, clip: np.ndarray, folds: pd.Series, *, l2: float) -> np.ndarray:
    """Candidate logits of every clip with a fold label, from the model fitted on the tune clips of the other folds (NaN elsewhere)."""
    out = np.full(len(features), np.nan)
    tune = (clips["split"] == "tune").to_numpy()
    for fold in folds.dropna().unique():
        test = (folds == fold).to_numpy()
        model = fit_clips(clips, features, clip, tune & ~test, l2=l2)
        scored = np.isin(clip, np.flatnonzero(test))
        out[scored] = logits(model, features[scored])
    return out


# ---- scoring and reporting ------------------------------------------------------------------------


def abs_error_pct(count: np.ndarray, clips: pd.DataFrame) -> pd.Series:
    """|detected - transcript| / transcript, %."""
    return 100 * (pd.Series(count, index=clips.index) - clips["reference"]).abs() / clips["reference"]


def cells(clips: pd.DataFrame, error: pd.Series, mask: pd.Series, how: str = "median") -> pd.Series:
    """Median (or another aggregate) of ``error`` per source and style, and per voice group, of the clips in ``mask``."""
    e = clips.assign(e=error)[mask]
    by_cell = e.groupby(["source", "style"])["e"].agg(how)
    by_group = e.groupby("group")["e"].agg(how)
    by_group.index = pd.MultiIndex.from_tuples([("group", g) for g in by_group.index])
    return pd.concat([by_cell, by_group])


def criterion(clips: pd.DataFrame, learned: pd.Series, today: pd.Series, mask: pd.Series) -> float:
    """Model-choice figure on ``mask``: median |error| % plus half the summed excess of cells over max(8 %, today's cell)."""
    allowed = np.maximum(STYLE_TARGET_PCT, cells(clips, today, mask))
    return float(learned[mask].median() + 0.5 * np.maximum(0.0, cells(clips, learned, mask) - allowed).sum())


def report(title: str, clips: pd.DataFrame, today: pd.Series, learned: pd.Series, mask: pd.Series) -> dict:
    """Print today's and the learned median |error| % per source/style and group; returns overall figures and new cells over 8 %."""
    old, new = cells(clips, today, mask), cells(clips, learned, mask)
    table = pd.DataFrame({"n": cells(clips, pd.Series(1.0, index=clips.index), mask, "size"), "today_median_abs_error_pct": old, "learned_median_abs_error_pct": new})
    print(f"\n== {title} ==")
    print(table.to_string(float_format=lambda x: f"{x:.1f}"))
    figures = {"today": float(today[mask].median()), "learned": float(learned[mask].median())}
    newly_over = table[(table["learned_median_abs_error_pct"] > STYLE_TARGET_PCT) & (table["today_median_abs_error_pct"] <= STYLE_TARGET_PCT)]
    print(f"overall median |error|: today {figures['today']:.1f} %, learned {figures['learned']:.1f} % (n={int(mask.sum())}); "
          f"cells over {STYLE_TARGET_PCT:.0f} % only with the learned scorer: {', '.join(map(str, newly_over.index)) or 'none'}")
    return figures | {"newly_over": list(newly_over.index)}


def select(clips, features, clip, today, *, l2: float, sharpen: float) -> list[str]:
    """Forward selection on the tune clips' leave-one-family-out :func:`criterion`, from the dip and periodicity."""
    tune = clips["split"] == "tune"
    folds = clips["family"].where(tune)

    def score(names):
        logit = held_out_logits(clips, features[:, [nuclei.FEATURES.index(n) for n in names]], clip, folds, l2=l2)
        return criterion(clips, abs_error_pct(counts(np.nan_to_num(logit), clip, len(clips), sharpen), clips), today, tune)

    chosen = ["log_dip_low", "periodicity"]
    best = score(chosen)
    print(f"selection: {chosen} {best:.2f}")
    while True:
        trials = {n: score(chosen + [n]) for n in nuclei.FEATURES if n not in chosen}
        name = min(trials, key=trials.get)
        if trials[name] > best - 0.05:
            return chosen
        chosen, best = chosen + [name], trials[name]
        print(f"selection: {chosen} {best:.2f}")


def choose_sharpen(clips, features, clip, today, *, l2: float) -> float:
    """The logit multiplier of :data:`SHARPEN_CHOICES` with the best tune leave-one-family-out :func:`criterion`."""
    tune = clips["split"] == "tune"
    logit = np.nan_to_num(held_out_logits(clips, features, clip, clips["family"].where(tune), l2=l2))
    scores = {k: criterion(clips, abs_error_pct(counts(logit, clip, len(clips), k), clips), today, tune) for k in SHARPEN_CHOICES}
    print("sharpen: " + ", ".join(f"{k:g} {v:.2f}" for k, v in scores.items()))
    return min(scores, key=scores.get)


def main() -> None:
    parser = validation_sets.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--telephone", action="store_true", help="Measure through the G.711 chain.")
    parser.add_argument("--l2", type=float, default=1e-4, help="L2 penalty on the standardised weights.")
    parser.add_argument("--sharpen", type=float, default=3.0, help="Logit multiplier at prediction (inf: count p >= 0.5).")
    parser.add_argument("--features", default=",".join(CHOSEN), help=f"Comma-separated candidate features, of: {', '.join(nuclei.FEATURES)}.")
    parser.add_argument("--select", action="store_true", help="Choose the features (then --sharpen) on the tune clips first.")
    args = parser.parse_args()
    clips = validation_sets.gather(args, pace_validation.corpus_clips, pace_validation.validation_clips)
    clips = clips.assign(reference=[count_syllables(pace_validation.spoken_text(t, p)) for t, p in zip(clips["transcript"], clips["path"])])
    clips = clips.assign(family=clips.apply(family, axis=1)).reset_index(drop=True)
    clips, all_features, clip = clip_features(clips, telephone=args.telephone, jobs=args.jobs)
    today = abs_error_pct(clips["baseline"].to_numpy(float), clips)
    names = select(clips, all_features, clip, today, l2=args.l2, sharpen=args.sharpen) if args.select else args.features.split(",")
    features = all_features[:, [nuclei.FEATURES.index(n) for n in names]]
    if args.select:
        args.sharpen = choose_sharpen(clips, features, clip, today, l2=args.l2)
    channel = "telephone (G.711)" if args.telephone else "as recorded"
    print(f"{len(clips)} clips, {len(features)} candidates, {channel}; features {', '.join(names)}; l2 {args.l2}; sharpen {args.sharpen}")
    tune = clips["split"] == "tune"

    def learned(folds: pd.Series) -> pd.Series:
        logit = held_out_logits(clips, features, clip, folds, l2=args.l2)
        return abs_error_pct(counts(np.nan_to_num(logit), clip, len(clips), args.sharpen), clips)

    lofo = report("tune clips, leave-one-family-out", clips, today, learned(clips["family"].where(tune)), tune)
    style = clips["style"].str.extract(r"^(careful|turn)")[0].fillna(clips["group"].str.extract(r"^(human)")[0]).where(tune)
    report("tune clips, leave-one-style-out (careful prompts, turns, human speech held out whole)", clips, today, learned(style), style.notna())
    hold = report("split=holdout, model fitted on every tune family", clips, today, learned(clips["split"].where(~tune)), ~tune) if (~tune).any() else None
    model = fit_clips(clips, features, clip, tune.to_numpy(), l2=args.l2)
    print("\nweights fitted on every tune family (standardised features): " + ", ".join(f"{n} {w:+.2f}" for n, w in zip(names, model["weights"])) + f", bias {model['bias']:+.2f}")
    better = lofo["learned"] < lofo["today"] and (hold is None or hold["learned"] < hold["today"])
    adopt = better and not lofo["newly_over"] and not (hold and hold["newly_over"])
    print(f"verdict: {'beats' if adopt else 'does not beat'} today's detector out of sample "
          f"(overall {'better' if better else 'not better'}; new cells over {STYLE_TARGET_PCT:.0f} %: {len(lofo['newly_over']) + len(hold['newly_over'] if hold else [])})")


if __name__ == "__main__":
    main()
