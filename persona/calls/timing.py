"""Conversation timing of a call, per turn and per call, in seconds.

From the parties' speech runs and turns (:mod:`persona.calls.turns`):

* **latency** of a floor-taking turn: its start minus the end of the other party's previous
  floor-taking turn (negative: it started in overlap). An agent turn's latency is the agent's
  response latency to the caller's turn before it; a caller turn's, the caller's.
* **overlap**: a stretch where both parties' speech runs intersect for at least
  ``min_overlap_s``; it was started by the party whose run began later.
* **barge-in**: a caller speech run of at least ``barge_in_min_s`` that starts while the agent is
  speaking (shorter ones are backchannels). The agent **stops** if its run ends before the
  caller's does; the stop time is the agent's run end minus the caller's onset.
* **dead air**: silence of both parties between the first and last speech of the call.
* **talk ratio**: agent speech time / (agent + caller speech time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TIMING_COLUMNS = (
    "agent_turns", "caller_turns", "agent_within_turns", "caller_within_turns",
    "response_latency_median_s", "response_latency_p90_s", "response_latency_mean_s",
    "response_over_1s_share", "response_over_2s_share", "response_count",
    "caller_response_latency_median_s", "caller_response_latency_p90_s",
    "overlap_count", "overlap_s", "overlap_agent_started_count", "overlap_caller_started_count",
    "barge_in_count", "barge_in_stopped_count", "barge_in_stopped_share", "barge_in_stop_median_s",
    "agent_talk_ratio", "agent_talk_s", "caller_talk_s",
    "agent_turn_median_s", "caller_turn_median_s",
    "dead_air_3s_count", "dead_air_10s_count", "dead_air_s", "longest_silence_s",
)  # fmt: skip
"""Per-call timing columns (s, counts, 0-1 shares)."""

TURN_TIMING_COLUMNS = ("duration_s", "latency_s", "overlap_s", "barge_in", "agent_stopped", "agent_stop_s")


@dataclass(frozen=True)
class TimingParams:
    """Thresholds of the timing measures (s); see the module docstring."""

    min_overlap_s: float = 0.05
    barge_in_min_s: float = 0.4


DEAD_AIR_S = (3.0, 10.0)
"""Silences longer than these (s) are dead air (``dead_air_3s_count``, ``dead_air_10s_count``)."""


def intersections(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows ``(start_s, end_s, a_index, b_index)`` of the pairwise intersections of two sorted interval lists."""
    out, j = [], 0
    for i, (s, e) in enumerate(a):
        while j < len(b) and b[j, 1] <= s:
            j += 1
        k = j
        while k < len(b) and b[k, 0] < e:
            lo, hi = max(s, b[k, 0]), min(e, b[k, 1])
            if hi > lo:
                out.append((lo, hi, i, k))
            k += 1
    return np.array(out, float).reshape(-1, 4)


def overlaps(agent_runs: np.ndarray, caller_runs: np.ndarray, params: TimingParams = TimingParams()) -> pd.DataFrame:
    """Overlaps of at least ``min_overlap_s``: ``start_s, end_s, started_by`` (the party whose run began later)."""
    inter = intersections(agent_runs, caller_runs)
    inter = inter[(inter[:, 1] - inter[:, 0]) >= params.min_overlap_s - 1e-9]
    a_start = agent_runs[inter[:, 2].astype(int), 0] if len(inter) else np.empty(0)
    c_start = caller_runs[inter[:, 3].astype(int), 0] if len(inter) else np.empty(0)
    return pd.DataFrame({"start_s": inter[:, 0], "end_s": inter[:, 1], "started_by": np.where(c_start >= a_start, "caller", "agent")})


def barge_ins(agent_runs: np.ndarray, caller_runs: np.ndarray, params: TimingParams = TimingParams()) -> pd.DataFrame:
    """Caller runs of ``barge_in_min_s`` or more starting inside an agent run: ``start_s, end_s, agent_stopped, agent_stop_s``."""
    rows = []
    for start, end in caller_runs:
        if end - start < params.barge_in_min_s - 1e-9 or not len(agent_runs):
            continue
        k = np.searchsorted(agent_runs[:, 0], start, side="right") - 1
        if k < 0 or agent_runs[k, 1] <= start or agent_runs[k, 0] >= start:
            continue
        stopped = bool(agent_runs[k, 1] < end)
        rows.append({"start_s": start, "end_s": end, "agent_stopped": stopped, "agent_stop_s": agent_runs[k, 1] - start if stopped else np.nan})
    return pd.DataFrame(rows, columns=["start_s", "end_s", "agent_stopped", "agent_stop_s"])


def silences(agent_runs: np.ndarray, caller_runs: np.ndarray) -> np.ndarray:
    """Durations (s) of the stretches where neither party speaks, between the first and last speech."""
    both = np.concatenate([agent_runs, caller_runs])
    if len(both) < 2:
        return np.empty(0)
    both = both[np.argsort(both[:, 0], kind="stable")]
    reach = np.maximum.accumulate(both[:, 1])
    gaps = both[1:, 0] - reach[:-1]
    return gaps[gaps > 0]


def turn_table(turns: pd.DataFrame, agent_runs: np.ndarray, caller_runs: np.ndarray, params: TimingParams = TimingParams()) -> pd.DataFrame:
    """``turns`` with :data:`TURN_TIMING_COLUMNS` added (seconds; booleans for barge-in and stop)."""
    table = turns.copy()
    table["duration_s"] = table["end_s"] - table["start_s"]
    latency = np.full(len(table), np.nan)
    floor = np.flatnonzero(~table["within"].to_numpy(bool))
    speakers = table["speaker"].to_numpy()
    for prev, cur in zip(floor[:-1], floor[1:]):
        if speakers[prev] != speakers[cur]:
            latency[cur] = table["start_s"].iat[cur] - table["end_s"].iat[prev]
    table["latency_s"] = latency
    other = {"agent": caller_runs, "caller": agent_runs}
    table["overlap_s"] = [_overlap_with(row.start_s, row.end_s, other[row.speaker]) for row in table.itertuples()]
    bi = barge_ins(agent_runs, caller_runs, params)
    table["barge_in"] = False
    table["agent_stopped"] = pd.Series([pd.NA] * len(table), dtype="boolean")
    table["agent_stop_s"] = np.nan
    for b in bi.itertuples():
        hit = np.flatnonzero((speakers == "caller") & (np.abs(table["start_s"].to_numpy() - b.start_s) < 1e-9))
        if hit.size:
            table.loc[hit[0], ["barge_in", "agent_stopped", "agent_stop_s"]] = [True, b.agent_stopped, b.agent_stop_s]
    return table


def _overlap_with(start: float, end: float, runs: np.ndarray) -> float:
    if not len(runs):
        return 0.0
    lo, hi = np.maximum(runs[:, 0], start), np.minimum(runs[:, 1], end)
    return float(np.sum(np.clip(hi - lo, 0, None)))


def call_timing(turns: pd.DataFrame, agent_runs: np.ndarray, caller_runs: np.ndarray, params: TimingParams = TimingParams()) -> dict:
    """The per-call timing columns (:data:`TIMING_COLUMNS`) from a :func:`turn_table` and the speech runs."""
    floor = turns[~turns["within"].astype(bool)]
    agent, caller = floor[floor["speaker"] == "agent"], floor[floor["speaker"] == "caller"]
    response = agent["latency_s"].dropna().to_numpy()
    caller_response = caller["latency_s"].dropna().to_numpy()
    ov = overlaps(agent_runs, caller_runs, params)
    bi = barge_ins(agent_runs, caller_runs, params)
    stopped = bi["agent_stop_s"].dropna().to_numpy()
    quiet = silences(agent_runs, caller_runs)
    agent_talk, caller_talk = _total(agent_runs), _total(caller_runs)
    short, long = DEAD_AIR_S
    return {
        "agent_turns": int(len(agent)),
        "caller_turns": int(len(caller)),
        "agent_within_turns": int(((turns["speaker"] == "agent") & turns["within"]).sum()),
        "caller_within_turns": int(((turns["speaker"] == "caller") & turns["within"]).sum()),
        "response_latency_median_s": _quantile(response, 0.5),
        "response_latency_p90_s": _quantile(response, 0.9),
        "response_latency_mean_s": float(response.mean()) if response.size else np.nan,
        "response_over_1s_share": float(np.mean(response > 1.0)) if response.size else np.nan,
        "response_over_2s_share": float(np.mean(response > 2.0)) if response.size else np.nan,
        "response_count": int(response.size),
        "caller_response_latency_median_s": _quantile(caller_response, 0.5),
        "caller_response_latency_p90_s": _quantile(caller_response, 0.9),
        "overlap_count": int(len(ov)),
        "overlap_s": float(np.sum(ov["end_s"] - ov["start_s"])),
        "overlap_agent_started_count": int((ov["started_by"] == "agent").sum()),
        "overlap_caller_started_count": int((ov["started_by"] == "caller").sum()),
        "barge_in_count": int(len(bi)),
        "barge_in_stopped_count": int(stopped.size),
        "barge_in_stopped_share": float(stopped.size / len(bi)) if len(bi) else np.nan,
        "barge_in_stop_median_s": _quantile(stopped, 0.5),
        "agent_talk_ratio": agent_talk / (agent_talk + caller_talk) if agent_talk + caller_talk > 0 else np.nan,
        "agent_talk_s": agent_talk,
        "caller_talk_s": caller_talk,
        "agent_turn_median_s": _quantile(agent["duration_s"].to_numpy(), 0.5),
        "caller_turn_median_s": _quantile(caller["duration_s"].to_numpy(), 0.5),
        "dead_air_3s_count": int(np.sum(quiet > short)),
        "dead_air_10s_count": int(np.sum(quiet > long)),
        "dead_air_s": float(np.sum(quiet[quiet > short])),
        "longest_silence_s": float(quiet.max()) if quiet.size else 0.0,
    }


def _total(runs: np.ndarray) -> float:
    return float(np.sum(runs[:, 1] - runs[:, 0])) if len(runs) else 0.0


def _quantile(values: np.ndarray, q: float) -> float:
    values = np.asarray(values, float)
    return float(np.quantile(values, q)) if values.size else np.nan
