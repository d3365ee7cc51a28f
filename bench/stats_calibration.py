"""Calibration of every reported listening-test test and of `persona compare`, on misspecified panels.

Usage: nice -n 10 python3 bench/stats_calibration.py [--panels 500] [--compare-panels 500] [--seed 0] [--jobs 2]
                                                      [--designs 0,2,5] [--skip-listening] [--skip-compare]
                                                      [--skip-coverage] [--resolvable-designs ...] [--resolvable-clips 3,5]

Part 1 (listening tests): for each design below, ``--panels`` panels are drawn by
:func:`persona.stats.calibration.calibration_panel` (16 listeners, one agent voice on 4 lines,
two human voices on 4 lines each, unless the design says otherwise) and analysed as
``persona analyze`` does. Printed per design and reported test: the truth (its mean over panels
where it is realised per panel), the rejection rate of "no difference" at alpha = 0.05, the 95%
interval coverage (target >= 0.93) and the type-I rate (target [0.03, 0.07]): the rejection rate
where the truth is the null; where the truth is realised per panel (ACR against *these* human
voices, MUSHRA for these recordings), the rate at which the test rejects the true value, which
is 1 - coverage of its dual interval.

Part 2 (voice comparison): a benchmark of 6 human speakers (one clip each; per feature
scale-unit values ~ N(centre, 1.5 x floor), centres ``compare_calibration.CENTRES``) and a
candidate voice whose true centre sits ``delta`` spreads from the human centre on every feature,
so its true persona distance is ``delta``; clips scatter 1 spread around the voice's centre. Every clip names the ``low``
pitch register (pitch centre 120 Hz, a typical man's), so the voice's pitch level is compared
with all 6 speakers, as the true distance assumes (an inferred register would split the
panel at 160 Hz and move the truth). Printed: coverage of the interval of ``compare_voices``
(999 draws) at true distances 0.5, 1.5 and 3 for 5, 10, 20 and 50 clips per voice, with its standard
error, the mean width and the shares of lower bounds above 0 and above half the truth
(``bench/compare_calibration.py`` runs more benchmark designs without the pipeline). Then the
type-I rate of ``resolvable`` (target [0.03, 0.07]) under three nulls, two voices at one true
distance, ``n`` clips each (3 to 50), against one 6-speaker benchmark: the same profile; one voice
above the human centre on every feature and one below; one off on the pitch features only and one
on the rest only (:func:`true_z`). Each row prints the share of panels whose pair is resolvable,
the SD over panels of the measured difference, and the mean SD per panel of the generalised draws
the verdict comes from and of clip resamples alone (the test used before): where the draws' SD
exceeds the panels' the test is conservative; ``level`` is the interval's mean calibrated level. The verdict is :meth:`VoiceDraws.difference_interval`'s
on the benchmark statistics ``build`` computes, without building and scoring (about 1 s a panel
on 2 loaded cores, 10 times the verdict's cost). Then its power at true distances 1.5 and 2.5, same and opposite way.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
from scipy import optimize

import compare_calibration
from persona.benchmark import build, compare_voices, score_profiles
from persona.benchmark.compare import N_RESAMPLES, VoiceDraws, benchmark_draws, stream
from persona.benchmark.features import FEATURES
from persona.stats.calibration import Misspecified, run_panel

ALL = ("acr", "identify", "mushra", "ab")


def designs() -> list[tuple[str, Misspecified, tuple[str, ...]]]:
    """(name, design, tests to run): the null designs give type-I rates, the planted ones coverage."""
    base = Misspecified()
    biased = dict(criterion_mean=0.6, criterion_sd=0.5)
    at_margin = dataclasses.replace(base, n_listeners=40, d_prime_sd=0.5, criterion_sd=0.5)
    at_margin = dataclasses.replace(at_margin, d_prime=optimize.brentq(
        lambda d: dataclasses.replace(at_margin, d_prime=d).balanced_accuracy_truth() - 0.6, 0.0, 2.0))
    return [
        ("null, as modelled", base, ALL),
        ("planted effects", dataclasses.replace(base, acr_difference=-0.5, d_prime=1.0, mushra_difference=-10.0,
                                                ab_logit=-0.5), ALL),
        ("human-voice effect SD 0.3", dataclasses.replace(base, voice_sd=0.3), ("acr",)),
        ("human-voice SD 0.3, 4 human voices", dataclasses.replace(base, voice_sd=0.3, n_human_voices=4), ("acr",)),
        ("careless 15% + flat 10%, screening on", dataclasses.replace(base, careless_rate=0.15, flat_rate=0.1,
                                                                       screening=True), ALL),
        ("20% answers missing, unbalanced 3 vs 3x5", dataclasses.replace(base, missing_rate=0.2, n_agent_lines=3,
                                                                          n_human_voices=3, n_human_lines=5), ALL),
        ("response bias c~N(0.6,0.5), d'=0", dataclasses.replace(base, **biased), ("identify",)),
        ("bias + d' heterogeneity, planted d'=1", dataclasses.replace(base, d_prime=1.0, d_prime_sd=0.5, **biased),
         ("identify",)),
        ("true balanced accuracy 0.6 (margin), 40 listeners", at_margin, ("identify",)),
        ("MUSHRA stimulus effects SD 3", dataclasses.replace(base, mushra_stimulus_sd=3.0, mushra_difference=-5.0),
         ("mushra",)),
        ("human-voice SD 0.3, 3 human voices", dataclasses.replace(base, voice_sd=0.3, n_human_voices=3), ("acr",)),
        ("AB listeners differ (logit SD 1.5), no preference", dataclasses.replace(base, ab_listener_sd=1.5), ("ab",)),
        ("AB listeners differ (logit SD 1.5), planted logit 0.5", dataclasses.replace(base, ab_listener_sd=1.5,
                                                                                       ab_logit=0.5), ("ab",)),
        ("AB listeners alike, no preference", base, ("ab",)),
        ("AB listeners alike, planted logit 0.5", dataclasses.replace(base, ab_logit=0.5), ("ab",)),
    ]  # fmt: skip


def listening(args) -> None:
    print(f"{'design':<50} {'reported test':<40} {'truth':>7} {'p<.05':>6} {'cover':>6} {'type-I':>6}  verdict")
    for index, (name, design, tests) in enumerate(designs()):
        if args.designs and index not in args.designs:
            continue
        start = time.perf_counter()
        analyse = functools.partial(_run_panel, design, tests)
        with ProcessPoolExecutor(args.jobs) as pool:
            rows = pd.DataFrame([r for panel in pool.map(analyse, range(args.seed, args.seed + args.panels), chunksize=10)
                                 for r in panel])  # fmt: skip
        seconds = (time.perf_counter() - start) / args.panels
        for test, block in rows.groupby("test", sort=False):
            truth = block["truth"].mean()
            rate, cover = block["rejected"].mean(), block["covered"].astype(float).mean()
            level = _type_one(test, block, rate, cover)
            print(f"{name:<50} {test:<40} {truth:>7.3f} {rate:>6.3f} {cover:>6.3f} {level:>6.3f}  {_verdict(level, cover)}")
        print(f"{'':<50} ({args.panels} panels, {seconds:.2f} s/panel)")


def _type_one(test: str, block: pd.DataFrame, rate: float, cover: float) -> float:
    """The type-I rate of the reported test: its rejection rate where the truth is its null;
    where the truth is realised per panel (these voices, these recordings), the rate at which
    the test rejects that true value, 1 - coverage of the dual interval; NaN otherwise (power)."""
    truth = block["truth"].to_numpy()
    if np.ptp(truth) > 1e-9:
        return 1.0 - cover
    return rate if _is_null(test, truth[0]) else np.nan


def _run_panel(design: Misspecified, tests: tuple[str, ...], seed: int) -> list[dict]:
    return run_panel(design, seed=seed, tests=tests)


def _is_null(test: str, truth: float) -> bool:
    if "indistinguishable" in test or "equivalence" in test:
        return abs(truth - 0.6) < 1e-3  # the claim is the rejection; its null is "at the margin"
    return abs(truth - (0.5 if test.startswith(("identification", "AB")) else 0.0)) < 1e-9


def _verdict(level: float, cover: float) -> str:
    notes = []
    if np.isfinite(level):
        notes.append("type-I ok" if 0.03 <= level <= 0.07 else ("type-I conservative" if level < 0.03 else "TYPE-I HIGH"))
    if np.isfinite(cover):
        notes.append("coverage ok" if cover >= 0.93 else "COVERAGE LOW")
    return ", ".join(notes) if notes else "power"


def compare(args) -> None:
    if not args.skip_coverage:
        coverage(args)
    if not args.skip_resolvable:
        resolvable(args)


def coverage(args) -> None:
    print()
    compare_calibration.print_header()
    for delta in compare_calibration.DISTANCES:
        for n_clips in args.compare_clips:
            start = time.perf_counter()
            intervals = np.array(_over_panels(_compare_panel, delta, n_clips, args))
            intervals = np.column_stack([intervals, np.full(len(intervals), delta)])
            seconds = (time.perf_counter() - start) / args.compare_panels
            compare_calibration.print_row("pipeline", delta, n_clips, compare_calibration.summary(intervals), seconds)


def resolvable(args) -> None:
    print(f"\n{'resolvable: type-I, both voices at one true distance':<53} (difference a - b of measured distances: "
          f"its SD over panels, and the mean SD per panel of the generalised draws and of clip resamples alone)")
    print(f"{'null design':<18} {'true distance':>13} {'clips/voice':>11} {'type-I':>7} {'SE':>6} {'panels':>6} "
          f"{'SD':>6} {'gen SD':>6} {'clip SD':>7} {'level':>6}")  # fmt: skip
    for null in [n for n in NULLS if n in args.resolvable_designs]:
        for delta in args.resolvable_distances:
            for n_clips in args.resolvable_clips:
                _print_resolvable(null, delta, n_clips, args)
    print(f"\n{'resolvable: power, distances 1.5 and 2.5 (type-I column: the share resolved)':<53}")
    for power in [p for p in POWER if p in args.resolvable_designs]:
        for n_clips in args.resolvable_clips:
            _print_resolvable(power, 1.5, n_clips, args)


def _print_resolvable(design: str, delta: float, n_clips: int, args) -> None:
    rows = pd.DataFrame(_over_panels(functools.partial(_resolvable_panel, design), delta, n_clips, args))
    rate = float(rows["resolvable"].mean())
    se = np.sqrt(rate * (1 - rate) / len(rows))
    verdict = _verdict(rate, np.nan) if design in NULLS else "power"
    print(f"{design:<18} {delta:>13.1f} {n_clips:>11d} {rate:>7.3f} {se:>6.3f} {len(rows):>6d} {rows['difference'].std():>6.3f} "
          f"{rows['generalised SD'].mean():>6.3f} {rows['clip SD'].mean():>7.3f} {rows['level'].mean():>6.3f}  {verdict}", flush=True)  # fmt: skip


NULLS = ("same profile", "above / below", "pitch / the rest")
POWER = ("1.5 / 2.5 same way", "1.5 / 2.5 opposite")


def true_z(design: str, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """The two voices' true robust z per feature (:data:`NULLS`, both at true distance ``delta``; :data:`POWER`, 1.5
    and 2.5): one profile; one voice ``delta`` above the human centre on every feature, the other below; one off on
    the pitch features only, the other on the rest only (each half the distance's weight)."""
    weights, ones = np.array([f.weight for f in FEATURES]), np.ones(len(FEATURES))
    pitch = np.array([f.column.startswith("f0_") for f in FEATURES])
    return {
        "same profile": (delta * ones, delta * ones),
        "above / below": (delta * ones, -delta * ones),
        "pitch / the rest": (delta * np.sqrt(weights.sum() / weights[pitch].sum()) * pitch,
                             delta * np.sqrt(weights.sum() / weights[~pitch].sum()) * ~pitch),
        "1.5 / 2.5 same way": (1.5 * ones, 2.5 * ones),
        "1.5 / 2.5 opposite": (1.5 * ones, -2.5 * ones),
    }[design]  # fmt: skip


def _over_panels(panel, delta: float, n_clips: int, args) -> list:
    """``panel(delta, n_clips, seed)`` over ``--compare-panels`` seeds, in ``--jobs`` processes."""
    seeds = [args.seed + 7919 * k + n_clips for k in range(args.compare_panels)]
    with ProcessPoolExecutor(args.jobs) as pool:
        return list(pool.map(functools.partial(panel, delta, n_clips), seeds, chunksize=5))


def _compare_panel(delta: float, n_clips: int, seed: int) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    bench = _benchmark(rng)
    voice = _clips(rng, "voice", n_clips, shift=delta)
    row = compare_voices(score_profiles(voice, bench, "cal"), bench).ranking.iloc[0]
    return row["ci_low"], row["ci_high"]


def _resolvable_panel(design: str, delta: float, n_clips: int, seed: int) -> dict:
    """Is the pair resolvable? The verdict of :meth:`VoiceDraws.difference_interval` as ``compare_voices`` computes it
    (each voice its own stream), on the benchmark statistics ``build`` computes (``panel_stats``), without scoring;
    with the measured difference and the SDs of its generalised draws and of its clip resamples against the
    benchmark as measured (the percentile test used before)."""
    rng = np.random.default_rng(seed)
    design_ = compare_calibration.Design("pipeline", 6)
    compared = compare_calibration.compared_stats(design_.speakers(rng), 0)
    draws = benchmark_draws(compared, n_resamples=N_RESAMPLES, rng=stream(seed, "benchmark"), subset_rng=stream(seed, "subset"))
    a, b = (VoiceDraws.of(compare_calibration.natural(compare_calibration.clips(rng, design_, shift, n_clips)), draws,
                          rng=stream(seed, name)) for name, shift in zip("ab", true_z(design, delta)))  # fmt: skip
    level = a.difference_confidence(b)
    low, high = a.difference_interval(b, level)
    return {"resolvable": bool(low > 0 or high < 0), "difference": a.estimate - b.estimate,
            "generalised SD": float(np.std(a.true_distances - b.true_distances)), "clip SD": float(np.std(a.held_distances - b.held_distances)),
            "level": level}


def _benchmark(rng: np.random.Generator) -> build.Benchmark:
    humans = _clips(rng, "human", 6, shift=0.0).assign(speaker=lambda d: [f"s{k}" for k in range(len(d))])
    return build.from_profiles(humans, provenance_record={})


def _clips(rng: np.random.Generator, voice: str, n: int, *, shift: float) -> pd.DataFrame:
    """Clip values: per feature, scale value ~ N(centre + shift x spread, spread), spread = 1.5 x floor."""
    design = compare_calibration.Design("pipeline", n)
    columns = compare_calibration.natural(compare_calibration.clips(rng, design, shift, n))
    return pd.DataFrame(columns, columns=[f.column for f in FEATURES]).assign(
        speech_s=5.0, file=[f"{voice}_{k}.wav" for k in range(n)], speaker=voice, voice=voice, scenario="cal",
        register="low", error="")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=500)
    parser.add_argument("--compare-panels", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--designs", type=lambda s: {int(k) for k in s.split(",")}, default=set(),
                        help="indices of the designs to run (default all)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (panels are independent)")
    parser.add_argument("--compare-clips", type=lambda s: [int(c) for c in s.split(",")], default=list(compare_calibration.CLIPS),
                        help="clips per voice of the compare part (default 5,10,20,50)")
    parser.add_argument("--resolvable-clips", type=lambda s: [int(c) for c in s.split(",")], default=[3, 5, 10, 20, 50],
                        help="clips per voice of the resolvable rows (default 3,5,10,20,50)")
    parser.add_argument("--resolvable-designs", type=lambda s: s.split(","), default=NULLS + POWER,
                        help=f"resolvable rows to run (default all: {','.join(NULLS + POWER)})")
    parser.add_argument("--resolvable-distances", type=lambda s: [float(d) for d in s.split(",")],
                        default=list(compare_calibration.DISTANCES), help="true distances of the type-I rows")
    parser.add_argument("--skip-coverage", action="store_true", help="compare part: the resolvable rows only")
    parser.add_argument("--skip-resolvable", action="store_true", help="compare part: the coverage rows only")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--skip-listening", action="store_true")
    args = parser.parse_args()
    if not args.skip_listening:
        listening(args)
    if not args.skip_compare:
        compare(args)


if __name__ == "__main__":
    main()
