"""Figures for listening-test reports (matplotlib, no pyplot: safe in servers and threads).

Every function takes a tidy table from :mod:`persona.stats` and returns a
:class:`matplotlib.figure.Figure` (rendered with the Agg canvas when saved), or ``None`` when
the table is empty. All plots are estimates with interval whiskers on one shared layout,
:func:`interval_figure`, so they read the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

_ROLE_COLOURS = {"agent": "#cf222e", "human": "#0969da", "reference": "#1a7f37", "anchor": "#8c959f"}
_ROW_HEIGHT_IN = 0.28


def interval_figure(
    panels: dict[str, pd.DataFrame],
    *,
    xlabel: str,
    reference: float | None = None,
    band: tuple[float, float] | None = None,
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """Dot-and-whisker panels, one per key, sharing the x axis.

    Parameters
    ----------
    panels : dict of str to pandas.DataFrame
        Panel title -> rows with columns ``label, estimate, low, high, role``.
    xlabel : str
        Axis label with units.
    reference : float, optional
        Draws a dashed vertical line (e.g. chance, or no difference).
    band : (float, float), optional
        Shades an interval (e.g. the equivalence region).
    xlim : (float, float), optional
        Fixed x range (e.g. the rating scale).
    """
    n_rows = sum(len(frame) for frame in panels.values())
    figure = Figure(figsize=(7.5, 1.0 + _ROW_HEIGHT_IN * n_rows + 0.5 * len(panels)))
    axes = figure.subplots(len(panels), 1, squeeze=False, sharex=True,
                           height_ratios=[max(len(f), 1) for f in panels.values()])[:, 0]  # fmt: skip
    for ax, (title, frame) in zip(axes, panels.items()):
        y = np.arange(len(frame))[::-1]
        colours = [_ROLE_COLOURS.get(role, "#57606a") for role in frame["role"]]
        ax.hlines(y, frame["low"], frame["high"], colors=colours, lw=1.5)
        ax.scatter(frame["estimate"], y, c=colours, zorder=3, s=22)
        ax.set_yticks(y, frame["label"], fontsize=8)
        ax.set_ylim(-0.6, len(frame) - 0.4)
        ax.set_title(title, fontsize=9, loc="left")
        if band is not None:
            ax.axvspan(*band, color="#d1d9e0", alpha=0.5, lw=0)
        if reference is not None:
            ax.axvline(reference, color="#57606a", ls="--", lw=1)
        ax.grid(axis="x", alpha=0.3)
    if xlim is not None:
        axes[-1].set_xlim(*xlim)
    axes[-1].set_xlabel(xlabel)
    figure.tight_layout()
    return figure


def _panels(table: pd.DataFrame, *, by: str, label, estimate: str, low: str, high: str, role) -> dict:
    """Split ``table`` into :func:`interval_figure` panels; ``label``/``role`` map a block to a column."""
    return {
        key: pd.DataFrame({"label": label(block), "estimate": block[estimate], "low": block[low],
                           "high": block[high], "role": role(block)})  # fmt: skip
        for key, block in table.groupby(by, sort=True)
    }


def mos_figure(mos: pd.DataFrame) -> Figure | None:
    """MOS (1..5) with t 95 % CI per voice and attribute, one panel per scenario."""
    if mos.empty:
        return None
    panels = _panels(mos.sort_values(["attribute", "role", "voice"]), by="scenario",
                     label=lambda b: b["attribute"] + " \u00b7 " + b["voice"], estimate="mos",
                     low="t_ci_low", high="t_ci_high", role=lambda b: b["role"])  # fmt: skip
    return interval_figure(panels, xlabel="MOS (1 bad .. 5 excellent), 95% t CI", xlim=(1, 5))


def identification_figure(identification: pd.DataFrame) -> Figure | None:
    """Share of agent clips called AI and listener balanced accuracy, against chance and the equivalence band."""
    if identification.empty:
        return None
    margin = float(identification["equivalence_margin"].iloc[0])
    spotted = _panels(identification, by="scenario", label=lambda b: b["agent_voice"] + " called AI",
                      estimate="ai_rate", low="ai_rate_ci_low", high="ai_rate_ci_high", role=lambda b: "agent")
    correct = _panels(identification, by="scenario", label=lambda b: b["agent_voice"] + " balanced accuracy",
                      estimate="balanced_accuracy", low="ba_ci_low", high="ba_ci_high", role=lambda b: "human")
    panels = {scenario: pd.concat([spotted[scenario], correct[scenario]]) for scenario in spotted}
    return interval_figure(panels, xlabel="proportion (listener-bootstrap / simultaneous t 95% CI); dashed = chance, band = equivalence",
                           reference=0.5, band=(0.5 - margin, 0.5 + margin), xlim=(0, 1))  # fmt: skip


def preference_figure(preference: pd.DataFrame) -> Figure | None:
    """AB preference share of the first voice of each pair (ties excluded), Wilson 95 % CI."""
    if preference.empty:
        return None
    panels = _panels(preference, by="scenario", label=lambda b: b["voice"] + " over " + b["other_voice"],
                     estimate="share", low="ci_low", high="ci_high", role=lambda b: b["role"])  # fmt: skip
    return interval_figure(panels, xlabel="preference share (Wilson 95% CI, ties excluded)", reference=0.5, xlim=(0, 1))


def mushra_figure(scores: pd.DataFrame) -> Figure | None:
    """Mean MUSHRA score (0..100) with a t 95 % CI over listener means per voice, one panel per scenario."""
    if scores.empty:
        return None
    panels = _panels(scores.sort_values("mean", ascending=False), by="scenario",
                     label=lambda b: b["voice"] + " [" + b["role"] + "]", estimate="mean", low="ci_low",
                     high="ci_high", role=lambda b: b["role"])  # fmt: skip
    return interval_figure(panels, xlabel="MUSHRA score (mean, 95% t CI over listener means)", xlim=(0, 100))


def acoustics_figure(correlations: pd.DataFrame) -> Figure | None:
    """Spearman rho between |feature deviation| and ratings, Fisher-z 95 % CI, per attribute."""
    rows = correlations.dropna(subset=["rho"])
    if rows.empty:
        return None
    panels = _panels(rows.sort_values("rho", ascending=False), by="attribute", label=lambda b: b["feature"],
                     estimate="rho", low="ci_low", high="ci_high",
                     role=lambda b: np.where(b["rho"] < 0, "agent", "human"))  # fmt: skip
    return interval_figure({f"{k} ratings": v for k, v in panels.items()},
                           xlabel="Spearman rho with |deviation from human band| (95% CI)",
                           reference=0.0, xlim=(-1, 1))  # fmt: skip
