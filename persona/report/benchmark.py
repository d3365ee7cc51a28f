"""The benchmark report for one scenario: ranking, where each voice sits in the human band, prescriptions.

>>> write_report(scores, bench, "billing_dispute.html", comparison=compare_voices(scores, bench))  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from ..benchmark import Benchmark, Comparison, Scores, describe, prescriptions, typicality
from ..benchmark.features import FEATURES
from ..benchmark.register import PITCH
from ..benchmark.score import with_context
from .format import plain
from .notes import PAIRED_HOW_TO_READ, RANKING_HOW_TO_READ
from .html import Report

PANEL_HEIGHT_IN = 0.6
"""Height of one feature panel's title and axis (in), before its rows."""
ROW_HEIGHT_IN = 0.22
"""Height of one row of a panel (in): each voice, and the human clips."""
BAND_COLOUR = "#0969da"
VOICE_COLOUR = "#cf222e"
REGISTER_COLOURS = {"low": "#8250df", "high": "#1a7f37"}


def band_figure(scores: Scores, benchmark: Benchmark) -> Figure:
    """Per feature, the human p10-p90 band, median and clips, and each voice's median value (natural units)."""
    human = benchmark.scenario(scores.scenario)
    voices = scores.voices["voice"].tolist()
    panel_in = PANEL_HEIGHT_IN + ROW_HEIGHT_IN * (len(voices) + 1)
    fig = Figure(figsize=(7.5, panel_in * len(FEATURES) + 0.6), layout="constrained")
    axes = fig.subplots(len(FEATURES), 1)
    positions = np.arange(len(voices))
    by_register = benchmark.pitch_by_register.get(scores.scenario, {})
    for ax, feature in zip(axes, FEATURES):
        s = human[feature.column]
        if feature.column == PITCH.column and by_register:
            for name, r in by_register.items():
                ax.axvspan(r.p10, r.p90, color=REGISTER_COLOURS[name], alpha=0.15, label=f"{name} register p10-p90")
                ax.axvline(r.median, color=REGISTER_COLOURS[name], lw=1.5)
        else:
            ax.axvspan(s.p10, s.p90, color=BAND_COLOUR, alpha=0.15, label="human p10-p90")
            ax.axvline(s.median, color=BAND_COLOUR, lw=1.5, label="human median")
        ax.plot(s.clip_values, np.full(len(s.clip_values), -0.8), "|", color=BAND_COLOUR, ms=8, label="human clips")
        ax.plot(scores.voices[f"{feature.column}_value"], positions, "o", color=VOICE_COLOUR, label="voice median")
        ax.set_yticks(positions, voices, fontsize=7)
        ax.set_ylim(-1.3, len(voices) - 0.5)
        ax.set_title(f"{feature.label} ({feature.column}, {feature.unit})", fontsize=8, loc="left")
        ax.tick_params(axis="x", labelsize=7)
    axes[0].legend(fontsize=6, ncols=3, loc="lower left", bbox_to_anchor=(0, 1.25))
    return fig


def build_report(scores: Scores, benchmark: Benchmark, *, comparison: Comparison | None = None, allow_large_pitch_change: bool = False) -> Report:
    """Assemble the report (see :func:`write_report`)."""
    scenario = scores.scenario
    summary = benchmark.summary.get(scenario, {})
    one_voice = benchmark.one_voice_note(scenario)
    report = Report(
        f"Persona benchmark: {scenario.replace('_', ' ')}" + (" (one-voice benchmark)" if one_voice else ""),
        subtitle=f"{len(scores.voices)} voice(s) against {summary.get('n_clips', '?')} human clips from "
        f"{summary.get('n_speakers', '?')} speakers ({', '.join(summary.get('speakers', []))})",
    )
    if one_voice:
        report.section("One-voice benchmark", text=one_voice)
    base = comparison.ranking if comparison is not None else scores.voices[["voice", "n_clips", "persona_distance", "match_score"]]
    ranking = with_context(base, scores).drop(columns="benchmark_note")
    report.section("Ranking", text=(
        "Persona distance is the weighted RMS of robust z-scores (|z| clipped at 5) over the default features; "
        "0 = at the human median. Match score = 100 exp(-distance/2). Intervals: 95%, by test inversion over the voice's clips "
        "and the benchmark's human speakers; voices listed as not resolvable have a generalised interval of their "
        "difference (over both voices' clips and the benchmark's human speakers; its level, 95-98%, calibrated by simulation so that "
        "two voices at one true distance are told apart about 5% of the time) that includes 0, and a voice of fewer than 3 clips "
        "is never resolvable. "
        "Pitch level is compared with the speakers of each voice's register (register_source says how it was set). "
        f"{typicality.METHOD}: a voice with human_percentile 97 is {typicality.words(97, one_voice=bool(one_voice))}."
    )).table(ranking, digits=2, how_to_read=RANKING_HOW_TO_READ)  # fmt: skip
    notes = sorted({n for v in scores.voices["benchmark_note"] for n in str(v).split("; ") if n and n != one_voice})
    if notes:
        report.section("Notes on the comparison").bullets(notes)
    report.section("Where each voice sits", text="Shaded: human p10-p90 band; line: human median; ticks: human clips; dots: voice medians.").figure(
        band_figure(scores, benchmark), caption=f"Features in natural units, scenario {scenario}"
    )
    verdicts = report.section("Verdicts in words")
    for row in scores.voices.to_dict("records"):
        verdicts.text(f"{row['voice']} (distance {row['persona_distance']:.2f})")
        verdicts.bullets(describe(row, scenario=scenario) or ["every feature within the human band"])
    fixes = prescriptions(scores, benchmark, allow_large_pitch_change=allow_large_pitch_change)
    report.section("Prescriptions", text="Changes that move each voice to the human median; SSML names changes of at least one JND.").table(
        fixes[["voice", "summary", "ssml"]]
    )
    report.section("Human benchmark", text=f"Scale unit of MAD: st for F0 level. {plain(benchmark.provenance.get('benchmark_method', ''))}").table(
        benchmark.table(scenario), digits=3, how_to_read="One row per feature, in its unit: the median of your agents' clips, "
        "the spread (MAD, IQR) and the p10-p90 band a voice is compared with; weight is its share in the persona distance."
    )
    if not scores.distributions.empty:
        wide = scores.distributions.pivot(index="voice", columns="feature", values="distribution_score").rename_axis(columns=None)
        report.section("Distributions (voices with >= 5 clips)", text=(
            "TTSDS-style score per feature: 100 W_ref / (W_human + W_ref), W = 1-D Wasserstein distance of the "
            "voice's clip values to the human clips and to a uniform featureless reference; 100 = like humans, 50 = like noise."
        )).table(wide.reset_index(), digits=2, how_to_read="One row per voice, one column per feature: 100 = its clips spread like "
                  "your agents' clips, 50 = no closer than random values over the plausible range.")  # fmt: skip
    if scores.paired is not None:
        report.section("Paired lines", text="Same script line, MFCC-DTW aligned: F0 RMSE in cents after removing each median, "
                       "contour correlation, duration ratio (agent/human), pause-placement F1.").table(
            scores.paired.drop(columns=["file", "human_file"]), digits=2, how_to_read=PAIRED_HOW_TO_READ
        )  # fmt: skip
    report.section("Per-file scores").table(scores.files[["file", "voice", "persona_distance", "match_score", "human_percentile", "humanlike_distance", "error"]].assign(
        file=lambda f: f["file"].map(lambda p: Path(p).name)), digits=2,
        how_to_read="One row per clip; a clip that could not be measured has its reason in the error column.")  # fmt: skip
    report.provenance = scores.provenance
    return report


def write_report(scores: Scores, benchmark: Benchmark, path: str | Path, *, comparison: Comparison | None = None, allow_large_pitch_change: bool = False) -> Path:
    """Write the scenario report as self-contained HTML or Markdown (by the suffix of ``path``)."""
    return build_report(scores, benchmark, comparison=comparison, allow_large_pitch_change=allow_large_pitch_change).write(path)


__all__ = ["band_figure", "build_report", "write_report"]
