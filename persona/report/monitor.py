"""The monitor report: alarms, the standing against the human benchmark, control charts, and the calls to listen to.

>>> watched, recordings = watch_store(MonitorStore())                # doctest: +SKIP
>>> write_report(watched, recordings, "monitor.html")                # doctest: +SKIP
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.figure import Figure

from .. import provenance
from ..monitor import control, cusum
from ..monitor.check import alarm_sentence, raised, standing_sentences
from ..monitor.metrics import METRICS
from ..monitor.control import Watch, messiest
from .html import Report

BAND_COLOUR = "#0969da"
AGENT_COLOUR = "#cf222e"
BASELINE_COLOUR = "#8c959f"
VERSION_COLOUR = "#8250df"
PANEL_HEIGHT_IN = 1.5
ALARM_COLUMNS = ["scenario", "agent_version", "label", "shift_text", "change_date", "alarm_date", "active", "n_calls", "calls"]


def control_figure(watched: Watch, group: str) -> Figure | None:
    """Per metric of one group: period medians (p25-p75 bars) against the baseline and human band, and the CUSUM.

    Left: medians in scale units, the baseline median (grey line) and period (grey shade), the human
    p10-p90 band (blue shade), agent-version changes (purple dashes), change points and alarms (red).
    Right: the upper CUSUM and the lower one drawn below zero, with the thresholds +-h (log scale beyond h).
    """
    periods = watched.periods[watched.periods["group"] == group]
    metrics = [m for m in METRICS if m.column in set(periods["metric"])]
    if not metrics:
        return None
    figure = Figure(figsize=(10.0, PANEL_HEIGHT_IN * len(metrics) + 0.6), layout="constrained")
    axes = figure.subplots(len(metrics), 2, squeeze=False, sharex=True, width_ratios=[3, 2])
    versions = watched.versions[watched.versions["group"] == group].iloc[1:]
    alarms = watched.alarms[watched.alarms["group"] == group]
    step = pd.Timedelta(days=7 if watched.settings.period == "week" else 1)
    for (left, right), metric in zip(axes, metrics):
        rows = periods[periods["metric"] == metric.column]
        x = rows["period_start"]
        left.errorbar(x, rows["median"], yerr=[rows["median"] - rows["p25"], rows["p75"] - rows["median"]],
                      fmt="o", ms=3, color=AGENT_COLOUR, ecolor="#f0a0a0", lw=1, label="agent median, p25-p75")  # fmt: skip
        left.axhline(rows["baseline_median"].iloc[0], color=BASELINE_COLOUR, lw=1, label="baseline median")
        base = rows[rows["phase"] == "baseline"]["period_start"]
        left.axvspan(base.min(), base.max() + step, color=BASELINE_COLOUR, alpha=0.15, lw=0)
        if np.isfinite(rows["human_p10"].iloc[0]):
            left.axhspan(rows["human_p10"].iloc[0], rows["human_p90"].iloc[0], color=BAND_COLOUR, alpha=0.12, label="human p10-p90")
        for when, version in zip(versions["first_recorded_at"], versions["agent_version"]):
            for ax in (left, right):
                ax.axvline(when, color=VERSION_COLOUR, ls="--", lw=1)
            left.annotate(str(version), (when, 1.0), xycoords=("data", "axes fraction"), fontsize=6, color=VERSION_COLOUR, va="top")
        for alarm in alarms[alarms["metric"] == metric.column].itertuples():
            left.axvline(pd.Timestamp(alarm.change_date), color=AGENT_COLOUR, ls=":", lw=1.2)
            right.plot([pd.Timestamp(alarm.alarm_date)], [0], "v", color=AGENT_COLOUR, ms=7)
        left.set_title(f"{metric.label} ({metric.unit})", fontsize=8, loc="left")
        right.plot(x, rows["cusum_upper"], color=AGENT_COLOUR, lw=1)
        right.plot(x, -rows["cusum_lower"], color=BAND_COLOUR, lw=1)
        h = rows["h"].iloc[0]
        for level in (h, -h):
            right.axhline(level, color=BASELINE_COLOUR, ls="--", lw=0.8)
        right.set_yscale("symlog", linthresh=h)
        right.set_title(f"CUSUM (h = {h:.2f}; log scale beyond h)", fontsize=8, loc="left")
        for ax in (left, right):
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    axes[0, 0].legend(fontsize=6, ncols=3, loc="lower left", bbox_to_anchor=(0, 1.15))
    return figure


def build_report(watched: Watch, recordings: pd.DataFrame, *, since: date | None = None) -> Report:
    """Assemble the monitor report (see :func:`write_report`)."""
    span = f"{recordings['recorded_at'].min():%Y-%m-%d} to {recordings['recorded_at'].max():%Y-%m-%d}"
    report = Report("Agent monitor", subtitle=f"{len(recordings)} recordings, {recordings['scenario'].nunique()} scenario(s), {span}")
    alarms = raised(watched, since)
    scope = f"first raised since {since}" if since else "active in the latest period"
    section = report.section(f"Alarms ({scope})", text=watched.settings.describe())
    section.bullets([alarm_sentence(a) for a in alarms.to_dict("records")] or ["No drift: every chart is within its control limits."])
    if not alarms.empty:
        section.table(alarms[ALARM_COLUMNS].assign(calls=alarms["calls"].map(lambda c: ", ".join(Path(f).name for f in c))),
                      caption="Calls: the recordings since the change point that show it most, to listen to.")  # fmt: skip
    history = watched.alarms
    if len(history) > len(alarms):
        report.section("Every alarm since monitoring began").table(history[ALARM_COLUMNS[:-1]], digits=3)
    standing = report.section("Against the human benchmark (latest period)", text=(
        "A standing distance from the human benchmark is reported here and does not alarm; the persona distance "
        "alarms only when it grows from the agent's baseline."))  # fmt: skip
    standing.bullets(standing_sentences(watched) or ["No benchmark band for the watched features."])
    standing.table(watched.standing, digits=3)
    for group in sorted(watched.periods["group"].unique()) if not watched.periods.empty else []:
        figure = control_figure(watched, group)
        if figure is not None:
            report.section(f"Control charts: {group}").figure(figure, caption=f"Per {watched.settings.period}, in natural units (pitch level in st re 1 Hz).")
    worst = messiest(recordings, watched)
    if not worst.empty:
        week = control.period_start(recordings["recorded_at"], watched.settings.period).max()
        report.section(f"Messiest calls of the {watched.settings.period} of {week:%Y-%m-%d}", text=(
            "The largest persona distances, and the largest timing outliers (robust z against the baseline, slower or "
            "longer only): worth a listen, or a place in the next listening test.")).table(worst, digits=3)  # fmt: skip
    if watched.notes:
        report.section("Notes").bullets(watched.notes)
    report.section("Method").text(" ".join(control.__doc__.split())).text(" ".join(cusum.__doc__.split()))
    report.provenance = provenance.record(_settings(watched), method="persona.monitor")
    return report


def _settings(watched: Watch) -> dict:
    s = watched.settings
    return {k: str(v) for k, v in vars(s).items()} | {"design": s.describe()}


def write_report(watched: Watch, recordings: pd.DataFrame, path: str | Path, *, since: date | None = None) -> Path:
    """Write the monitor report as self-contained HTML or Markdown (by the suffix of ``path``)."""
    return build_report(watched, recordings, since=since).write(path)


__all__ = ["build_report", "control_figure", "write_report"]
