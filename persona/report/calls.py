"""Call reports: the timeline of a call, and the scored calls of a scenario against the best human agents.

>>> timeline_figure(tables.turns, "call_0001.wav")      # doctest: +SKIP
>>> write_report(scores, bench, "calls.html")           # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..benchmark import Benchmark
from ..calls.benchmark import TIMING_FEATURES, CallScores
from .html import Report

LANES = {"agent": 1.0, "caller": 0.0}
SPEAKER_COLOURS = {"agent": "#8250df", "caller": "#0969da"}
GAP_BANDS = ((1.0, "#1a7f37", "gap < 1 s"), (2.0, "#d4a72c", "gap 1-2 s"), (np.inf, "#cf222e", "gap > 2 s"))
"""Upper bound (s), colour and legend label of each band of gap lengths."""
SECONDS_PER_INCH = 12.0
MAX_WIDTH_IN = 14.0
MAX_TIMELINES = 12
"""Calls drawn in a report (the first ones, in input order)."""


def timeline_figure(turns: pd.DataFrame, file: str | None = None) -> Figure:
    """Both parties' turns on two lanes, the gaps between floor turns coloured by length, overlaps hatched.

    ``turns`` is a per-turn table (:data:`persona.calls.TURN_OUTPUT_COLUMNS`); ``file`` picks one call.
    """
    t = turns[turns["file"] == file] if file is not None else turns
    end_s = float(t["end_s"].max()) if len(t) else 1.0
    fig = Figure(figsize=(min(MAX_WIDTH_IN, max(6.0, end_s / SECONDS_PER_INCH)), 2.0), layout="constrained")
    ax = fig.subplots()
    for row in t.itertuples():
        ax.broken_barh([(row.start_s, row.end_s - row.start_s)], (LANES[row.speaker] - 0.3, 0.6),
                       color=SPEAKER_COLOURS[row.speaker], alpha=0.45 if row.within else 0.9)  # fmt: skip
    floor = t[~t["within"].astype(bool)]
    for prev, cur in zip(floor.itertuples(), floor.iloc[1:].itertuples()):
        gap = cur.start_s - prev.end_s
        if prev.speaker == cur.speaker:
            continue
        if gap > 0:
            colour = next(c for bound, c, _ in GAP_BANDS if gap < bound)
            ax.broken_barh([(prev.end_s, gap)], (0.35, 0.3), color=colour)
        else:
            ax.broken_barh([(cur.start_s, -gap)], (-0.3, 1.6), facecolor="#8c959f40", edgecolor="black", hatch="///", lw=0)
    for row in t[t["within"].astype(bool)].itertuples():
        ax.broken_barh([(row.start_s, row.end_s - row.start_s)], (-0.3, 1.6), facecolor="#8c959f40", edgecolor="black", hatch="///", lw=0)
    ax.set_yticks(list(LANES.values()), list(LANES))
    ax.set_ylim(-0.5, 1.5)
    ax.set_xlim(0, end_s)
    ax.set_xlabel("time in call (s)")
    handles = [Patch(color=c, label=label) for _, c, label in GAP_BANDS] + [Patch(facecolor="none", hatch="///", label="overlap")]
    ax.legend(handles=handles, fontsize=7, ncols=4, loc="lower left", bbox_to_anchor=(0, 1.0), frameon=False)
    if file is not None:
        ax.set_title(Path(file).name, fontsize=8, loc="right")
    return fig


def build_report(scores: CallScores, bench: Benchmark) -> Report:
    """The scored calls of one scenario: verdicts in words, both blocks against the human band, timelines."""
    scenario = scores.scenario
    summary = bench.summary.get(scenario, {})
    report = Report(f"Calls against your best agents: {scenario.replace('_', ' ')}",
                    subtitle=f"{scores.summary['n_calls']} agent call(s) against {summary.get('n_calls', '?')} human call(s) "
                             f"({summary.get('minutes', float('nan')):.1f} min)")  # fmt: skip
    s = scores.summary
    report.section("In words", text=(
        f"Call distance {s['call_distance']:.2f} (timing {s['timing_distance']:.2f}, persona {s['persona_distance']:.2f}); "
        f"match score {s['match_score']:.0f}/100. Distances are weighted RMS of robust z (|z| clipped at 5); "
        "the call distance is the RMS of the timing and persona blocks."
    )).bullets(s["sentences"] or ["every feature is inside the human p10-p90 band"])  # fmt: skip
    rows = [{"feature": f.column, "unit": f.unit, "agent (median of calls)": s[f"{f.column}_value"],
             "human median": s[f"{f.column}_human_median"], "human p10": s[f"{f.column}_p10"], "human p90": s[f"{f.column}_p90"],
             "z": s[f"{f.column}_z"], "verdict": s[f"{f.column}_verdict"]} for f in TIMING_FEATURES]  # fmt: skip
    report.section("Timing").table(pd.DataFrame(rows), caption="Timing block: the agent's calls (median) against the human calls.")
    per_call = scores.files[[c for c in ("file", "timing_distance", "persona_distance", "call_distance", "match_score", "error") if c in scores.files]]
    report.section("Per call").table(per_call)
    timelines = report.section("Timelines", text=(
        "Agent (top) and caller (bottom) turns; pale bars are speech within the other party's turn (backchannels, "
        "talk-throughs); the band between the lanes is the gap before a response, coloured by length; hatching marks overlap."
    ))  # fmt: skip
    for file in scores.calls["file"][~scores.calls["error"].fillna("").astype(bool)].head(MAX_TIMELINES):
        timelines.figure(timeline_figure(scores.turns, file))
    report.provenance = scores.files.attrs.get("provenance", {})
    return report


def write_report(scores: CallScores, bench: Benchmark, path: str | Path) -> Path:
    """Write the calls report as HTML or Markdown (by suffix)."""
    return build_report(scores, bench).write(path)
