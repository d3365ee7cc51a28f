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


def mos_figure(mos: pd.DataFrame) -> Figure | None:
    """MOS (1..5) with t 95 % CI per voice and attribute, one panel per scenario."""
    if mos.empty:
        return None
    panels = {
        scenario: pd.DataFrame({
            "label": block["attribute"] + " \u00b7 " + block["voice"], "estimate": block["mos"],
            "low": block["t_ci_low"], "high": block["t_ci_high"], "role": block["role"],
        })  # fmt: skip
        for scenario, block in mos.sort_values(["attribute", "role", "voice"]).groupby("scenario", sort=True)
    }
    return interval_figure(panels, xlabel="MOS (1 bad .. 5 excellent), 95% t CI", xlim=(1, 5))


def identification_figure(identification: pd.DataFrame) -> Figure | None:
    """Share of agent clips called AI and proportion correct, against chance and the equivalence band."""
    if identification.empty:
        return None
    equivalence_margin = float(identification["equivalence_margin"].iloc[0])
    panels = {}
    for scenario, block in identification.groupby("scenario", sort=True):
        panels[scenario] = pd.concat([
            pd.DataFrame({"label": block["agent_voice"] + " called AI", "estimate": block["ai_rate"],
                          "low": block["ai_rate_ci_low"], "high": block["ai_rate_ci_high"], "role": "agent"}),
            pd.DataFrame({"label": block["agent_voice"] + " proportion correct", "estimate": block["proportion_correct"],
                          "low": block["pc_ci_low"], "high": block["pc_ci_high"], "role": "human"}),
        ])  # fmt: skip
    return interval_figure(panels, xlabel="proportion (Wilson 95% CI); dashed = chance, band = equivalence",
                           reference=0.5, band=(0.5 - equivalence_margin, 0.5 + equivalence_margin),
                           xlim=(0, 1))  # fmt: skip


def preference_figure(preference: pd.DataFrame) -> Figure | None:
    """AB preference share of the first voice of each pair (ties excluded), Wilson 95 % CI."""
    if preference.empty:
        return None
    panels = {
        scenario: pd.DataFrame({
            "label": block["voice"] + " over " + block["other_voice"], "estimate": block["share"],
            "low": block["ci_low"], "high": block["ci_high"], "role": block["role"],
        })  # fmt: skip
        for scenario, block in preference.groupby("scenario", sort=True)
    }
    return interval_figure(panels, xlabel="preference share (Wilson 95% CI, ties excluded)", reference=0.5, xlim=(0, 1))


def mushra_figure(scores: pd.DataFrame) -> Figure | None:
    """Mean MUSHRA score (0..100) with t 95 % CI per voice, one panel per scenario."""
    if scores.empty:
        return None
    panels = {
        scenario: pd.DataFrame({
            "label": block["voice"] + " [" + block["role"] + "]", "estimate": block["mean"],
            "low": block["ci_low"], "high": block["ci_high"], "role": block["role"],
        })  # fmt: skip
        for scenario, block in scores.sort_values("mean", ascending=False).groupby("scenario", sort=True)
    }
    return interval_figure(panels, xlabel="MUSHRA score (mean, 95% t CI)", xlim=(0, 100))


def acoustics_figure(correlations: pd.DataFrame) -> Figure | None:
    """Spearman rho between |feature deviation| and ratings, Fisher-z 95 % CI, per attribute."""
    rows = correlations.dropna(subset=["rho"])
    if rows.empty:
        return None
    panels = {
        f"{attribute} ratings": pd.DataFrame({
            "label": block["feature"], "estimate": block["rho"], "low": block["ci_low"],
            "high": block["ci_high"], "role": np.where(block["rho"] < 0, "agent", "human"),
        })  # fmt: skip
        for attribute, block in rows.sort_values("rho", ascending=False).groupby("attribute", sort=True)
    }
    return interval_figure(panels, xlabel="Spearman rho with |deviation from human band| (95% CI)",
                           reference=0.0, xlim=(-1, 1))  # fmt: skip
