"""The alarm check: watch what is stored, pick the alarms to raise, and say them in natural units.

Without ``since``, the alarms raised are those still active in the latest period (the CUSUM is
above its threshold and the shift is large enough); with ``since``, every alarm first raised on or
after that date, active or not. A cron job running ``persona monitor check --since <last run>``
therefore hears of each drift once, and a plain ``persona monitor check`` reports the current state.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .metrics import METRICS
from ..storage import safe_url
from .store import MonitorStore
from .control import Settings, Watch, watch

METRIC = {m.column: m for m in METRICS}


def watch_store(store: MonitorStore, settings: Settings = Settings()) -> tuple[Watch, pd.DataFrame]:
    """Watch every stored recording; returns the result and the recordings it read.

    Raises
    ------
    ParameterError
        Nothing is stored yet (a check of an empty or wrong database must not pass silently).
    """
    recordings = store.frame()
    if recordings.empty:
        raise ParameterError(f"no monitored recordings in {safe_url(store.db_url)}; add some with `persona monitor add`")
    return watch(recordings, store.bands(), settings), recordings


def raised(watched: Watch, since: date | None = None) -> pd.DataFrame:
    """The alarms to raise: active now, or (with ``since``) first raised on or after ``since``."""
    alarms = watched.alarms
    chosen = alarms[alarms["alarm_date"] >= since] if since is not None else alarms[alarms["active"].astype(bool)]
    return chosen.reset_index(drop=True)


def natural(column: str, value: float) -> str:
    """A charted value in natural units: Hz for pitch level, ms, syl/s, dB, ..."""
    metric = METRIC[column]
    if metric.log_hz:
        return f"{float(metric.from_scale(value)):.0f} Hz"
    if metric.unit == "fraction":
        return f"{value:.2f}"
    return f"{value:.0f} ms" if metric.unit == "ms" else f"{value:.2f} {metric.unit}"


def alarm_sentence(alarm: pd.Series | dict) -> str:
    """One alarm in words: what, where, since when, how much, from what to what."""
    state = "still" if alarm["active"] else "was"
    return (f"{alarm['label']} ({alarm['metric']}) in {alarm['scenario']}, version {alarm['agent_version']}: "
            f"{alarm['shift_text']} since {alarm['change_date']} (raised {alarm['alarm_date']}, {state} out of control; "
            f"{natural(alarm['metric'], alarm['baseline_median'])} at baseline -> {natural(alarm['metric'], alarm['current_median'])} "
            f"over {alarm['n_calls']} recording(s))")  # fmt: skip


def standing_sentences(watched: Watch) -> list[str]:
    """Per group, the latest period against the human benchmark: persona distance and features outside the band."""
    lines = []
    for group, rows in watched.standing.groupby("group", sort=True):
        rows = rows.set_index("metric")
        parts = []
        if "persona_distance" in rows.index:
            d = rows.loc["persona_distance"]
            parts.append(f"persona distance {d['median']:.2f} (baseline {d['baseline_median']:.2f})")
        outside = rows[rows["human_band"].isin(["below", "above"])]
        for column, row in outside.iterrows():
            edge = row["human_p10"] if row["human_band"] == "below" else row["human_p90"]
            gap = row["median"] - edge
            parts.append(f"{METRIC[column].label} {row['human_band']} the human p10-p90 band by "
                         f"{abs(gap):.2f} {METRIC[column].unit} (now {natural(column, row['median'])})")  # fmt: skip
        if not outside.empty or parts:
            week = pd.Timestamp(rows["period_start"].max()).date()
            lines.append(f"{group} ({watched.settings.period} of {week}): " + "; ".join(parts or ["every feature within the human band"]))
    return lines


def to_json(watched: Watch, alarms: pd.DataFrame) -> dict:
    """The check's result as JSON-ready data: ``drifted``, ``alarms``, ``standing``, ``design``, ``notes``."""
    def records(frame: pd.DataFrame) -> list[dict]:
        clean = frame.astype(object).where(frame.notna(), None)
        return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in clean.to_dict("records")]

    return {
        "drifted": not alarms.empty,
        "alarms": [r | {"baseline": natural(r["metric"], r["baseline_median"]), "current": natural(r["metric"], r["current_median"]),
                        "sentence": alarm_sentence(r)} for r in records(alarms)],  # fmt: skip
        "standing": records(watched.standing.replace({np.nan: None})),
        "design": watched.settings.describe(),
        "notes": list(watched.notes),
    }
