"""Call benchmark per scenario: how the best human agents time their turns, and how an agent's calls differ.

Built from a manifest of calls (``file, scenario, agent_channel, role``; ``role`` human or agent).
Each human call counts as one unit (a call is one agent's conversation). Per scenario and feature
the centre, spread and band are those of :mod:`persona.benchmark.build` (median, 1.4826 MAD,
p10-p90), and scoring uses :mod:`persona.benchmark.score` (deviation, robust z, percentile,
verdict). Two blocks of features:

* **timing** (:data:`TIMING_FEATURES`), from the call rows of :mod:`persona.calls.profile`;
* **persona**, the default benchmark features (:data:`persona.benchmark.FEATURES`) of the agent side.

``timing_distance`` and ``persona_distance`` are each the weighted RMS of clipped robust z over
their block; ``call_distance`` joins them, the RMS of the two block distances (each block weighs
the same however many features it has); ``match_score = 100 exp(-call_distance / 2)``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..benchmark.build import Benchmark, read_json, stats_from_dict
from ..benchmark.features import FEATURES, Feature
from ..benchmark.panel import distance, feature_stats
from ..benchmark.score import describe, feature_columns, match_score
from ..errors import BenchmarkError, ParameterError
from . import profile as call_profile

KIND = "persona-calls-benchmark"
SCHEMA_VERSION = 1

TIMING_FEATURES: tuple[Feature, ...] = (
    Feature("response_latency_median_s", "response latency", "s", False, 0.15, 1.0, (-1.0, 4.0), ("faster", "slower")),
    Feature("response_latency_p90_s", "slow responses (p90)", "s", False, 0.3, 0.5, (0.0, 6.0), ("faster", "slower")),
    Feature("response_over_1s_share", "responses over 1 s", "fraction", False, 0.1, 0.5, (0.0, 1.0), ("fewer", "more")),
    Feature("agent_overlaps_per_min", "talking over the caller", "per min", False, 0.3, 1.0, (0.0, 6.0), ("less often", "more often")),
    Feature("barge_in_stop_median_s", "stopping when interrupted", "s", False, 0.2, 0.5, (0.0, 3.0), ("sooner", "later")),
    Feature("barge_in_stopped_share", "yielding to barge-ins", "fraction", False, 0.15, 0.5, (0.0, 1.0), ("less often", "more often")),
    Feature("agent_talk_ratio", "talk share", "fraction", False, 0.05, 0.5, (0.0, 1.0), ("less", "more")),
    Feature("agent_turn_median_s", "turn length", "s", False, 0.5, 0.5, (0.0, 20.0), ("shorter", "longer")),
    Feature("dead_air_per_min", "dead air over 3 s", "per min", False, 0.1, 0.5, (0.0, 2.0), ("less", "more")),
)
"""The timing block: per-call columns (or rates derived from them), units, floors and weights."""


def call_values(calls: pd.DataFrame) -> pd.DataFrame:
    """Feature values of call rows: the timing block (rates per minute derived) and the agent side's persona block."""
    minutes = calls["duration_s"].astype(float) / 60.0
    timing = calls.reindex(columns=[f.column for f in TIMING_FEATURES]).astype(float)
    timing["agent_overlaps_per_min"] = calls["overlap_agent_started_count"].astype(float) / minutes
    timing["dead_air_per_min"] = calls["dead_air_3s_count"].astype(float) / minutes
    persona = pd.DataFrame({f.column: pd.to_numeric(calls.get(f"agent_{f.column}"), errors="coerce") for f in FEATURES}, index=calls.index)
    return pd.concat([timing, persona], axis=1)


def read_manifest(folder: str | Path) -> pd.DataFrame:
    """``manifest.csv`` of a calls folder: ``file, scenario, agent_channel, role``, files resolved against the folder."""
    root = Path(folder)
    path = root / "manifest.csv" if root.is_dir() else root
    if not path.is_file():
        raise BenchmarkError(f"{root}: no manifest.csv (columns file, scenario, agent_channel, role)")
    table = pd.read_csv(path, dtype={"file": str, "scenario": str, "role": str})
    missing = {"file", "scenario", "agent_channel", "role"} - set(table.columns)
    if missing:
        raise BenchmarkError(f"{path}: manifest lacks column(s) {', '.join(sorted(missing))}")
    bad = ~table["role"].isin(["human", "agent"])
    if bad.any():
        raise BenchmarkError(f"{path}: line {int(np.flatnonzero(bad)[0]) + 2}: role must be human or agent, not {table['role'][bad].iloc[0]!r}")
    table["file"] = [str(p if Path(p).is_absolute() else path.parent / p) for p in table["file"]]
    return table


def build_call_benchmark(folder: str | Path, *, profiler: call_profile.CallProfiler | None = None, jobs: int | None = None, cache: bool = True) -> Benchmark:
    """Profile the human calls of a calls folder and aggregate them per scenario (both blocks)."""
    manifest = read_manifest(folder)
    humans = manifest[manifest["role"] == "human"].reset_index(drop=True)
    if humans.empty:
        raise BenchmarkError(f"{folder}: no call has role 'human'; the benchmark is built from human-agent calls")
    profiler = profiler or call_profile.CallProfiler()
    channels = dict(zip(humans["file"], humans["agent_channel"]))
    calls = profiler.process_files(humans["file"], agent_channel=channels, jobs=jobs, cache=cache).calls
    return from_calls(calls.assign(scenario=humans["scenario"].to_numpy()), provenance_record=calls.attrs["provenance"])


def from_calls(calls: pd.DataFrame, *, provenance_record: dict) -> Benchmark:
    """Aggregate human call rows (with ``scenario``) into a benchmark; calls that failed are left out."""
    usable = calls[~calls["error"].fillna("").astype(bool)].reset_index(drop=True)
    if usable.empty:
        raise BenchmarkError(f"no human call could be measured; the first error: {calls['error'].iloc[0]}")
    values = call_values(usable)
    stats, summary = {}, {}
    for scenario, idx in usable.groupby("scenario").groups.items():
        units = usable.loc[idx, "file"]
        stats[scenario] = {f.column: feature_stats(f, values.loc[idx, f.column], units) for f in (*TIMING_FEATURES, *FEATURES)}
        summary[scenario] = {"n_calls": int(len(idx)), "minutes": float(usable.loc[idx, "duration_s"].sum() / 60)}
    record = {**provenance_record, "kind": KIND, "build": __doc__.split("\n\n", 1)[1].strip()}
    return Benchmark(stats, summary, record, SCHEMA_VERSION)


def load_call_benchmark(path: str | Path) -> Benchmark:
    """Read a calls benchmark JSON (:meth:`Benchmark.save` of :func:`build_call_benchmark`)."""
    p = Path(path)
    payload = read_json(p, "calls benchmark")
    if not isinstance(payload, dict) or payload.get("provenance", {}).get("kind") != KIND:
        raise BenchmarkError(f"{p}: not a calls benchmark (build one with `persona calls benchmark`)")
    stats = {sc: {c: stats_from_dict(s) for c, s in feats.items()} for sc, feats in payload["stats"].items()}
    return Benchmark(stats, payload.get("summary", {}), payload["provenance"], payload["schema_version"])


def block_distance(values: pd.Series, human: dict, features: tuple[Feature, ...]) -> float:
    """Weighted RMS of the robust z (clipped at +-5) over ``features``; NaN when none was measured."""
    row = np.array([float(values.get(f.column, np.nan)) for f in features])
    return float(distance(row, human, features)[0])


def score_values(values: pd.Series, bench: Benchmark, scenario: str) -> dict:
    """Both blocks of one set of values: ``F_value .. F_verdict`` columns, block distances, ``call_distance``, ``match_score``."""
    human = bench.scenario(scenario)
    timing_d = block_distance(values, human, TIMING_FEATURES)
    persona_d = block_distance(values, human, FEATURES)
    blocks = np.array([timing_d, persona_d])
    call_d = float(np.sqrt(np.nanmean(blocks**2))) if np.isfinite(blocks).any() else np.nan
    out = {"timing_distance": timing_d, "persona_distance": persona_d, "call_distance": call_d, "match_score": match_score(call_d)}
    for f in (*TIMING_FEATURES, *FEATURES):
        out |= feature_columns(f, float(values.get(f.column, np.nan)), human[f.column])
    return out


@dataclasses.dataclass(frozen=True)
class CallScores:
    """Scored calls: ``files`` one row per call, ``summary`` over all calls (median values, with
    ``n_calls`` and ``sentences``), ``calls`` and ``turns`` the profiled tables."""

    scenario: str
    files: pd.DataFrame
    summary: dict
    calls: pd.DataFrame
    turns: pd.DataFrame


def score_calls(
    paths: Iterable[str | Path],
    bench: Benchmark,
    *,
    scenario: str,
    agent_channel=None,
    syllables: str | None = None,
    jobs: int | None = None,
    cache: bool = True,
) -> CallScores:
    """Profile and score agent calls against one scenario (sentences e.g. "response latency: 1.1 s slower than your best agents").

    The agent side is measured as the benchmark's humans were (:func:`profiler_for`; ``syllables``,
    if given, must be the benchmark's method).
    """
    bench.scenario(scenario)
    profiler = profiler_for(bench, syllables=syllables)
    tables = profiler.process_files(paths, agent_channel=agent_channel, jobs=jobs, cache=cache)
    calls = tables.calls
    values = call_values(calls)
    ok = ~calls["error"].fillna("").astype(bool)
    rows = [{"file": f, "scenario": scenario} | (score_values(values.loc[i], bench, scenario) if ok[i] else {}) | {"error": calls.at[i, "error"]}
            for i, f in calls["file"].items()]  # fmt: skip
    if not ok.any():
        raise BenchmarkError(f"no call could be measured; the first error: {calls['error'].iloc[0]}")
    summary = {"scenario": scenario, "n_calls": int(ok.sum())} | score_values(values[ok].median(), bench, scenario)
    summary["sentences"] = sentences(summary, scenario=scenario)
    per_call = pd.DataFrame(rows)
    per_call.attrs["provenance"] = {**bench.provenance, "scoring": __doc__.split("\n\n", 1)[1].strip()}
    return CallScores(scenario, per_call, summary, calls, tables.turns)


def profiler_for(bench: Benchmark, *, syllables: str | None = None) -> call_profile.CallProfiler:
    """A call profiler measuring like the benchmark did (:meth:`CallProfiler.from_params`: its telephone setting, syllable
    method, agent-side length and activity and timing parameters; ``nuclei`` for benchmarks built before the method
    was recorded).

    Raises
    ------
    ParameterError
        ``syllables`` is given and is not the benchmark's method (pace counted two ways does not compare).
    """
    profiler = call_profile.CallProfiler.from_params(bench.provenance.get("params", {}))
    if syllables is not None and syllables != profiler.syllables:
        raise ParameterError(f"--syllables {syllables} disagrees with the calls benchmark, whose human calls were counted with --syllables "
                             f"{profiler.syllables}: leave the option out (or give {profiler.syllables}), or rebuild the benchmark with --syllables {syllables}")  # fmt: skip
    return profiler


def sentences(row: dict, *, scenario: str) -> list[str]:
    """Plain-language verdicts for features outside the human p10-p90 band, timing first."""
    where = scenario.replace("_", " ")
    out = []
    for f in TIMING_FEATURES:
        side = row.get(f"{f.column}_verdict", "")
        if side not in ("below", "above"):
            continue
        value, median = row[f"{f.column}_value"], row[f"{f.column}_human_median"]
        word = f.words[side == "above"]
        if f.unit == "s":
            gap = f"{abs(value - median):.1f} s {word}"
        elif median > 0 and value > 0:
            ratio = value / median if value > median else median / value
            often = "as often" if side == "above" else "less often"
            gap = f"{ratio:.1f}x {often}" if f.unit == "per min" else f"{abs(value - median) * 100:.0f} points {word}"
        else:
            gap = f"{abs(value - median):.2f} {f.unit} {word}"
        than = "as" if gap.endswith("as often") else "than"
        out.append(f"{f.label}: {gap} {than} your best agents in {where} ({value:.2f} vs {median:.2f} {f.unit}; outside their p10-p90 band)")
    return out + describe(row, scenario=scenario)
