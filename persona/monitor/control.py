"""Watch stored recordings: per scenario and period, each metric against the agent's baseline and the human band.

Method, per scenario (or scenario and agent version, ``per_version``) and :data:`~persona.monitor.metrics.METRICS` entry:

1. **Baseline**: the first ``baseline_periods`` periods with recordings, or a stated window
   ``baseline_from``-``baseline_to``. Per-call values ``x`` (on the metric's scale: st, ms, ...) are
   standardised robustly, ``z = (x - median) / max(1.4826 MAD, floor)``, and winsorised at
   +-:data:`WINSOR_Z`, so one broken call cannot drive a chart.
2. **Period statistic**: ``t_p = (mean z_p - mu0) / se_p`` with ``mu0``, ``sd0`` the mean and SD of the
   baseline's ``z`` and ``se_p^2 = sd0^2 / n_p + tau^2 + sd0^2 / N0 + tau^2 / B``: call-to-call
   variance over the period's ``n_p`` calls, ``tau^2`` the extra week-to-week variance of the
   baseline's ``B`` periods (method of moments, >= 0), and the uncertainty of the baseline mean itself
   (``N0`` calls), which otherwise acts as a permanent shift. ``t_p`` is about N(0, 1) in control.
3. **CUSUM** (:mod:`persona.monitor.cusum`) over the periods after the baseline, on both sides (the
   persona distance only upwards: a standing distance from the human benchmark is reported, and
   alarms only when it grows). The threshold ``h`` is set for an in-control ARL of ``periods per
   year x charts in the family / false_alarms_per_year`` at ``k = 0.5``: one false alarm per
   ``1 / false_alarms_per_year`` years per scenario and family, split Bonferroni-style over the
   family's one-sided charts. The allowance of each period is ``k_p = max(0.5, (min_shift / 2) /
   se_p)``: shifts under half the smallest one that matters do not accumulate, which also absorbs the
   error of a baseline mean estimated from a few weeks (that error persists, and a plain CUSUM would
   sum it up). A larger ``k`` only lengthens the in-control run, so the ARL0 is a lower bound; the
   rate actually reached is measured by ``bench/monitor_arl.py``.
4. **Alarm**: a CUSUM above its threshold whose shift, the median of the calls from the estimated change
   point (maximum likelihood, :func:`~persona.monitor.cusum.change_point`) on minus the baseline median,
   is at least the metric's ``min_shift``.

Each period's median is also set against the human benchmark's p10-p90 band (pitch, pace, pausing,
loudness, HNR), reported as a standing gap, never an alarm by itself.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd

from .cusum import REFERENCE_K, change_point, cusum, threshold
from .metrics import METRICS, Metric, family, one_sided_charts

PERIODS_PER_YEAR = {"week": 52.0, "day": 365.0}
WINSOR_Z = 4.0
"""Per-call robust z values are clipped to +-WINSOR_Z before they are averaged."""
MIN_SD_Z = 0.5
"""Smallest SD of baseline z used (a baseline of identical values would make any change infinite)."""
MAD_TO_SD = 1.4826
MIN_BASELINE_CALLS = 10
"""Fewer measured calls in the baseline than this: the chart is drawn but cannot alarm."""
TOP_CALLS = 5
"""Calls named per alarm: those that show the change most (for a person to listen to)."""


@dataclasses.dataclass(frozen=True)
class Settings:
    """How recordings are watched.

    Attributes
    ----------
    period : str
        ``"week"`` (Monday to Sunday) or ``"day"``.
    baseline_periods : int
        The baseline is the first this many periods of each scenario (unless a window is stated).
    baseline_from, baseline_to : date, optional
        A stated baseline window (inclusive), instead of the first periods.
    false_alarms_per_year : float
        Designed in-control rate, per scenario and metric family.
    per_version : bool
        Watch each agent version on its own (its own baseline) instead of the scenario as a whole.
    """

    period: str = "week"
    baseline_periods: int = 4
    baseline_from: date | None = None
    baseline_to: date | None = None
    false_alarms_per_year: float = 1.0
    per_version: bool = False

    def __post_init__(self):
        if self.period not in PERIODS_PER_YEAR:
            raise ValueError(f"period must be one of {sorted(PERIODS_PER_YEAR)}, got {self.period!r}")
        if self.baseline_periods < 1 or self.false_alarms_per_year <= 0:
            raise ValueError("baseline_periods must be >= 1 and false_alarms_per_year > 0")
        if (self.baseline_from is None) != (self.baseline_to is None):
            raise ValueError("give both ends of the baseline window, or neither")

    def arl0(self, family_name: str) -> float:
        """In-control ARL (periods) of each one-sided chart of a family."""
        return PERIODS_PER_YEAR[self.period] * one_sided_charts(family_name) / self.false_alarms_per_year

    def threshold(self, family_name: str) -> float:
        """CUSUM threshold h of each one-sided chart of a family."""
        return threshold(self.arl0(family_name), k=REFERENCE_K)

    def describe(self) -> str:
        """The design in one sentence, for reports."""
        window = (f"the stated window {self.baseline_from} to {self.baseline_to}" if self.baseline_from
                  else f"the first {self.baseline_periods} {self.period}s of each {'version' if self.per_version else 'scenario'}")  # fmt: skip
        budgets = "; ".join(
            f"{name}: {one_sided_charts(name)} one-sided charts, ARL0 {self.arl0(name):.0f} {self.period}s each, h = {self.threshold(name):.2f}"
            for name in ("persona", "timing")
        )
        return (f"Baseline: {window}. Two-sided CUSUM per {self.period} (allowance k = max({REFERENCE_K}, half the smallest "
                f"shift that matters)), thresholds h for at most "
                f"{self.false_alarms_per_year:g} false alarm(s) per year per scenario and family ({budgets}).")  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Watch:
    """What the monitor sees.

    Attributes
    ----------
    periods : DataFrame
        One row per group, metric and period: ``group, scenario, metric, period_start, n_calls, median,
        p25, p75`` (scale units), ``baseline_median, human_p10, human_p90, t, cusum_upper, cusum_lower, h, phase``
        (``before``/``baseline``/``monitor``).
    alarms : DataFrame
        One row per alarm: ``group, scenario, agent_version, metric, label, family, direction, change_date,
        alarm_date, active, shift, unit, shift_text, baseline_median, current_median, n_calls, calls``.
    standing : DataFrame
        The latest period per group and metric against the human band and the baseline.
    versions : DataFrame
        ``group, agent_version, first_recorded_at``: where version changes go on the time axis.
    notes : list of str
        Charts that could not alarm (too small a baseline), and similar.
    """

    settings: Settings
    periods: pd.DataFrame
    alarms: pd.DataFrame
    standing: pd.DataFrame
    versions: pd.DataFrame
    notes: tuple[str, ...]

    @property
    def drifted(self) -> bool:
        """Whether any alarm was raised."""
        return not self.alarms.empty


ALARM_COLUMNS = ["group", "scenario", "agent_version", "metric", "label", "family", "direction", "change_date", "alarm_date",
                 "active", "shift", "unit", "shift_text", "baseline_median", "current_median", "n_calls", "calls"]  # fmt: skip


def period_start(recorded_at: pd.Series, period: str) -> pd.Series:
    """Start of each timestamp's period: the day, or the Monday of its week (naive UTC)."""
    day = pd.to_datetime(recorded_at).dt.normalize()
    return day - pd.to_timedelta(day.dt.day_of_week, unit="D") if period == "week" else day


def _grouped(recordings: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Recordings with their ``period_start`` and chart ``group`` (scenario, or scenario @ version)."""
    frame = recordings.assign(period_start=period_start(recordings["recorded_at"], settings.period))
    return frame.assign(group=frame["scenario"] + (" @ " + frame["agent_version"] if settings.per_version else ""))


def watch(recordings: pd.DataFrame, bands: dict[str, dict[str, tuple[float, float]]], settings: Settings = Settings()) -> Watch:
    """Run every chart over stored recordings.

    Parameters
    ----------
    recordings : DataFrame
        ``id, file, scenario, agent_version, recorded_at`` and the metric columns (:data:`METRICS`).
    bands : dict
        ``{scenario: {column: (p10, p90)}}`` from the human benchmark, in column units.
    settings : Settings
    """
    frame = _grouped(recordings, settings)
    step = pd.Timedelta(days=7 if settings.period == "week" else 1)
    periods, alarms, notes = [], [], []
    for group, calls in frame.groupby("group", sort=True):
        axis = pd.date_range(calls["period_start"].min(), calls["period_start"].max(), freq=step)
        phase = _phases(axis, calls, settings)
        if not (phase == "baseline").any():
            notes.append(f"{group}: no recordings in the baseline window; not charted")
            continue
        for metric in METRICS:
            chart = _chart(metric, calls, axis, phase, settings, bands.get(calls["scenario"].iloc[0], {}))
            if chart is None:
                continue
            table, found, note = chart
            periods.append(table.assign(group=group, scenario=calls["scenario"].iloc[0]))
            alarms += [a | {"group": group} for a in found]
            notes += [f"{group}: {note}"] if note else []
    periods_frame = pd.concat(periods, ignore_index=True) if periods else pd.DataFrame()
    alarm_frame = pd.DataFrame(alarms, columns=ALARM_COLUMNS)
    return Watch(settings, periods_frame, alarm_frame, standing(periods_frame), versions(frame), tuple(notes))


def _phases(axis: pd.DatetimeIndex, calls: pd.DataFrame, settings: Settings) -> np.ndarray:
    """Per period: ``before`` (ahead of a stated baseline), ``baseline`` or ``monitor``."""
    if settings.baseline_from is not None:
        lo = period_start(pd.Series([pd.Timestamp(settings.baseline_from)]), settings.period).iloc[0]
        hi = period_start(pd.Series([pd.Timestamp(settings.baseline_to)]), settings.period).iloc[0]
        return np.where(axis < lo, "before", np.where(axis <= hi, "baseline", "monitor"))
    filled = np.flatnonzero(axis.isin(calls["period_start"]))
    last = axis[filled[min(settings.baseline_periods, len(filled)) - 1]]
    return np.where(axis <= last, "baseline", "monitor")


@dataclasses.dataclass(frozen=True)
class _Baseline:
    """Robust centre and spread of a metric's baseline calls, and the moments of their z."""

    median: float
    spread: float
    mean_z: float
    sd_z: float
    tau2: float
    n_calls: int
    n_periods: int

    def z(self, x: np.ndarray) -> np.ndarray:
        return np.clip((x - self.median) / self.spread, -WINSOR_Z, WINSOR_Z)

    def se(self, n: np.ndarray) -> np.ndarray:
        """Standard error of a period mean of ``n`` calls against the baseline mean (z units)."""
        with np.errstate(divide="ignore"):
            return np.sqrt(self.sd_z**2 / n + self.tau2 + self.sd_z**2 / self.n_calls + self.tau2 / max(self.n_periods, 1))


def _baseline(metric: Metric, x: np.ndarray, period_idx: np.ndarray) -> _Baseline:
    median = float(np.median(x))
    spread = max(MAD_TO_SD * float(np.median(np.abs(x - median))), metric.floor)
    z = np.clip((x - median) / spread, -WINSOR_Z, WINSOR_Z)
    sd = max(float(np.std(z, ddof=1)) if z.size > 1 else MIN_SD_Z, MIN_SD_Z)
    counts = np.bincount(period_idx)
    filled = counts > 0
    means, counts = np.bincount(period_idx, weights=z)[filled] / counts[filled], counts[filled]
    tau2 = max(0.0, float(np.var(means, ddof=1) - np.mean(sd**2 / counts))) if means.size > 1 else 0.0
    return _Baseline(median, spread, float(z.mean()), sd, tau2, int(z.size), int(means.size))


def _chart(metric: Metric, calls: pd.DataFrame, axis: pd.DatetimeIndex, phase: np.ndarray, settings: Settings, band: dict):
    """One metric's period table and alarms in one group, or ``None`` when nothing measured it."""
    x_all = metric.to_scale(calls[metric.column]) if metric.column in calls else np.full(len(calls), np.nan)
    measured = np.isfinite(x_all)
    if not measured.any():
        return None
    x = x_all[measured]
    idx = axis.get_indexer(calls["period_start"])[measured]
    in_base = phase[idx] == "baseline"
    if in_base.sum() == 0:
        return None
    base = _baseline(metric, x[in_base], idx[in_base])
    z = base.z(x)
    n = np.bincount(idx, minlength=len(axis))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_z = np.bincount(idx, weights=z, minlength=len(axis)) / n
        t = (mean_z - base.mean_z) / base.se(n)
    quartiles = pd.Series(x).groupby(idx).quantile([0.25, 0.5, 0.75]).unstack().reindex(range(len(axis))).to_numpy()
    monitor = phase == "monitor"
    h = settings.threshold(metric.family)
    with np.errstate(invalid="ignore", divide="ignore"):
        allowance = np.maximum(REFERENCE_K, metric.smallest_shift(base.median) / 2 / base.spread / base.se(n))
    chart = cusum(np.where(monitor, t, np.nan), h=h, k=np.nan_to_num(allowance, nan=REFERENCE_K))
    p10, p90 = band.get(metric.column, (np.nan, np.nan))
    table = pd.DataFrame({
        "metric": metric.column, "period_start": axis, "n_calls": n,
        "median": quartiles[:, 1], "p25": quartiles[:, 0], "p75": quartiles[:, 2],
        "baseline_median": base.median, "baseline_spread": base.spread, "human_p10": float(metric.to_scale(p10)), "human_p90": float(metric.to_scale(p90)),
        "t": t, "cusum_upper": chart.upper, "cusum_lower": chart.lower, "h": h, "phase": phase,
    })  # fmt: skip
    if base.n_calls < MIN_BASELINE_CALLS:
        return table, [], f"{metric.label}: only {base.n_calls} baseline call(s) (< {MIN_BASELINE_CALLS}); charted, cannot alarm"
    signalled = [side for side in metric.sides if chart.signals(side)]
    if not signalled:
        return table, [], None
    rows = calls.loc[measured, ["file", "scenario", "agent_version", "recorded_at"]].assign(x=x, z=z, idx=idx)
    first_monitored = int(np.argmax(monitor))
    found = [a for side in signalled for a in _alarms(metric, chart, side, t, first_monitored, rows, axis, base)]
    return table, found, None


def _alarms(metric: Metric, chart, side: str, t: np.ndarray, start: int, rows: pd.DataFrame, axis: pd.DatetimeIndex, base: _Baseline) -> list[dict]:
    """Alarms of one side of a chart: each run above h whose shift since its change point is large enough.

    The alarm is raised at the first period of the run where the median of the calls since the
    change point differs from the baseline median by at least the metric's smallest shift.
    """
    s = chart.upper if side == "upper" else chart.lower
    sign = 1.0 if side == "upper" else -1.0
    out = []
    for first in chart.signals(side):
        end = first
        while end + 1 < len(axis) and s[end + 1] > chart.h:
            end += 1
        for i in range(first, end + 1):
            change = change_point(t, i, side=side, start=start)
            since = rows[(rows["idx"] >= change) & (rows["idx"] <= i)]
            if len(since) and sign * (np.median(since["x"]) - base.median) >= metric.smallest_shift(base.median):
                since = rows[(rows["idx"] >= change) & (rows["idx"] <= end)]
                out.append(_alarm(metric, side, since, axis[change], axis[i], end == len(axis) - 1, base))
                break
    return out


def _alarm(metric: Metric, side: str, since: pd.DataFrame, change: pd.Timestamp, raised: pd.Timestamp, active: bool, base: _Baseline) -> dict:
    current = float(np.median(since["x"]))
    shift = current - base.median
    showing = since.sort_values("x", ascending=side == "lower").head(TOP_CALLS)
    versions = since.groupby("agent_version")["recorded_at"].min().sort_values().index.tolist()
    return {
        "scenario": since["scenario"].iloc[0], "agent_version": ", ".join(map(str, versions)),
        "metric": metric.column, "label": metric.label, "family": metric.family,
        "direction": "up" if shift > 0 else "down", "change_date": change.date(), "alarm_date": raised.date(), "active": active,
        "shift": shift, "unit": metric.unit, "shift_text": shift_text(metric, base.median, current),
        "baseline_median": base.median, "current_median": current, "n_calls": len(since),
        "calls": showing["file"].tolist(),
    }  # fmt: skip


def shift_text(metric: Metric, before: float, after: float) -> str:
    """A shift in natural units, e.g. ``+2.0 st (+24 Hz)``, ``+10 % (+0.42 syl/s)``, ``+612 ms``."""
    shift = after - before
    if metric.log_hz:
        hz = float(metric.from_scale(after) - metric.from_scale(before))
        return f"{shift:+.1f} st ({hz:+.0f} Hz)"
    if metric.relative and before:
        return f"{100 * shift / abs(before):+.0f} % ({shift:+.2f} {metric.unit})"
    if metric.unit == "fraction":
        return f"{100 * shift:+.1f} points ({before:.2f} -> {after:.2f})"
    digits = 0 if metric.unit == "ms" else 2
    return f"{shift:+.{digits}f} {metric.unit}"


def standing(periods: pd.DataFrame) -> pd.DataFrame:
    """Per group and metric, the latest period with calls: its median (scale units, in ``unit``) against the baseline and the human band."""
    if periods.empty:
        return pd.DataFrame(columns=["group", "scenario", "metric", "period_start", "n_calls", "median", "baseline_median",
                                     "human_p10", "human_p90", "unit", "human_band"])  # fmt: skip
    latest = periods[periods["n_calls"] > 0].sort_values("period_start").groupby(["group", "metric"], sort=False).tail(1)
    side = np.where(latest["median"] < latest["human_p10"], "below", np.where(latest["median"] > latest["human_p90"], "above", "within"))
    known = latest["human_p10"].notna().to_numpy()
    out = latest[["group", "scenario", "metric", "period_start", "n_calls", "median", "baseline_median", "human_p10", "human_p90"]]
    order = {m.column: i for i, m in enumerate(METRICS)}
    units = {m.column: m.unit for m in METRICS}
    out = out.assign(unit=out["metric"].map(units), human_band=np.where(known, side, ""), _order=out["metric"].map(order))
    return out.sort_values(["group", "_order"]).drop(columns="_order").reset_index(drop=True)


def versions(frame: pd.DataFrame) -> pd.DataFrame:
    """Per group, each agent version's first recording: the version changes on the time axis."""
    first = frame.groupby(["group", "agent_version"], as_index=False)["recorded_at"].min()
    return first.rename(columns={"recorded_at": "first_recorded_at"}).sort_values(["group", "first_recorded_at"]).reset_index(drop=True)


def messiest(recordings: pd.DataFrame, watched: Watch, *, period: pd.Timestamp | None = None, n: int = 10) -> pd.DataFrame:
    """The calls of one period (default: the latest) worth a listen: largest persona distance, then timing outliers.

    Timing outliers are ranked by their largest robust z against their group's baseline over the
    timing metrics, upwards only (slower answers, slower barge-in stops, more dead air). Columns:
    ``reason, file, scenario, agent_version, recorded_at, persona_distance, worst_timing, worst_timing_z``
    and the timing values.
    """
    frame = _grouped(recordings, watched.settings)
    when = frame["period_start"].max() if period is None else pd.Timestamp(period)
    week = frame[frame["period_start"] == when]
    keep = ["file", "scenario", "agent_version", "recorded_at", "persona_distance"]
    by_distance = week.dropna(subset=["persona_distance"]).nlargest(n, "persona_distance")[keep]
    timing = _timing_z(week, watched)
    outliers = week.loc[timing.index].assign(worst_timing=timing.idxmax(axis=1), worst_timing_z=timing.max(axis=1))
    outliers = outliers[outliers["worst_timing_z"] > 0].nlargest(n, "worst_timing_z")
    timing_cols = [m.column for m in family("timing") if m.column in week]
    parts = [by_distance.assign(reason="largest persona distance"),
             outliers[keep + ["worst_timing", "worst_timing_z"] + timing_cols].assign(reason="timing outlier")]  # fmt: skip
    parts = [p for p in parts if not p.empty]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["reason", *keep])
    return out[["reason"] + [c for c in out.columns if c != "reason"]]


def _timing_z(week: pd.DataFrame, watched: Watch) -> pd.DataFrame:
    """Per call with timing, the robust z of each timing metric against its group's baseline median and spread."""
    columns = {}
    for metric in family("timing"):
        rows = watched.periods[watched.periods["metric"] == metric.column] if not watched.periods.empty else watched.periods
        if metric.column not in week or rows.empty:
            continue
        base = rows.groupby("group")[["baseline_median", "baseline_spread"]].first()
        centre, spread = (week["group"].map(base[c]).to_numpy() for c in ("baseline_median", "baseline_spread"))
        columns[metric.column] = (metric.to_scale(week[metric.column]) - centre) / spread
    return pd.DataFrame(columns, index=week.index, dtype=float).dropna(how="all")
