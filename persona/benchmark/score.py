"""Score agent clips against a human benchmark: per feature deviation, robust z, verdict; one persona distance.

For a value ``v`` of feature ``F`` in scenario ``S`` (human statistics from :class:`Benchmark`):

* ``F_deviation`` = ``v - median`` in the feature's unit (Hz, st, syl/s, dB, fraction, s);
  ``F_deviation_st`` (F0 level) or ``F_deviation_pct`` (other ratio-scale features) restate it.
* ``F_z`` = ``(scale(v) - scale(median)) / max(MAD, floor)`` (robust z; semitone scale for F0 level).
* ``F_percentile`` = share (%) of human clips below ``v`` (ties count half; each speaker's clips
  together weigh as much as any other speaker's).
* ``F_verdict`` = ``below`` / ``within`` / ``above`` the human p10-p90 band.
* ``persona_distance`` = weighted RMS of ``F_z`` clipped to ``[-5, 5]`` over the default features
  with weight > 0 (features that could not be measured drop out and the weights renormalise);
  ``match_score`` = ``100 * exp(-persona_distance / 2)``.
* ``human_percentile`` = share (%) of held-out human speakers (clips, for a file) whose distance
  from the rest of the panel is below this one (:mod:`persona.benchmark.typicality`).
* ``humanlike_distance`` = how far from human speech in the directions synthetic speech errs
  (:mod:`persona.benchmark.humanlike`): for a file, the persona distance with pitch variability
  counted only when flatter or smoother than the humans; for a voice, the median over its clips
  combined with ``consistency_z`` (how much more alike its clips are than a human speaker's; NaN
  under 10 clips, where the clip median stands alone). A separate score: ``persona_distance`` is
  unchanged by it.

Pitch level (``f0_median_hz``) is compared with the speakers of the voice's own pitch register
(``register``: given, from the manifest, else inferred from the voice's median F0; the source is
in ``register_source``); see :mod:`persona.benchmark.register`. ``benchmark_note`` says when the
comparison rests on less than a full panel (a one-voice benchmark, few speakers in the register).

A voice is scored on the median of its clips' values. For voices with at least
:data:`MIN_DISTRIBUTION_CLIPS` clips, :func:`distributions` compares the whole clip distribution
(1-D Wasserstein distance, TTSDS-normalised against a featureless uniform reference).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import BenchmarkError, ParameterError
from ..extract import extract
from . import humanlike
from . import reference as ref
from . import register as reg
from .build import Benchmark
from .features import FEATURES, MATCH_SCALE, Feature, feature_values
from .panel import FeatureStats, distance, robust_z
from .typicality import human_percentile

MIN_DISTRIBUTION_CLIPS = 5
REFERENCE_POINTS = 201


@dataclasses.dataclass(frozen=True)
class Scores:
    """Everything scoring produces for one scenario.

    Attributes
    ----------
    files : DataFrame
        One row per clip: ``file, voice, scenario, persona_distance, match_score, error`` and per
        feature ``F_value, F_human_median, F_p10, F_p90, F_deviation, F_z, F_percentile, F_verdict``.
    voices : DataFrame
        One row per voice, the same columns computed on the voice's median values, plus ``n_clips``.
    distributions : DataFrame
        Per voice (>= 5 clips) and feature: ``wasserstein``, ``wasserstein_reference``, ``distribution_score``.
    profiles : DataFrame
        The raw profile rows with ``voice`` (for bootstraps, prescriptions and reports).
    paired : DataFrame or None
        Paired-mode metrics (:mod:`persona.benchmark.paired`) when clips share a line with human clips.
    registers : dict
        ``{voice: register}`` each voice was compared in (``""``: whole panel).
    """

    scenario: str
    files: pd.DataFrame
    voices: pd.DataFrame
    distributions: pd.DataFrame
    profiles: pd.DataFrame
    provenance: dict
    paired: pd.DataFrame | None = None
    registers: dict = dataclasses.field(default_factory=dict)


def score_values(values: pd.Series | dict, benchmark: Benchmark, scenario: str, *, register: str | None = None, level: str = "speaker") -> dict:
    """Score one set of feature values (column -> value); returns the per-feature and summary columns.

    ``register`` (``low``/``high``; ``""`` = the whole panel) defaults to the one inferred from the
    values' F0. ``level`` picks the held-out human distances ``human_percentile`` ranks among:
    ``speaker`` (for a voice's median values) or ``clip`` (for one clip).
    """
    if register is None:
        register = reg.infer(float(values.get("f0_median_hz", np.nan)))
    human = benchmark.compared(scenario, register)
    row = np.array([[float(values.get(f.column, np.nan)) for f in FEATURES]])
    d = float(distance(row, human)[0])
    out = {"persona_distance": d, "match_score": match_score(d), "humanlike_distance": float(humanlike.clip_distance(row, human)[0])}
    out["human_percentile"] = human_percentile(d, benchmark.held_out.get(scenario, {}).get(level, []))
    by_register = benchmark.pitch_by_register.get(scenario, {})
    out["pitch_compared_with"] = "reference voice" if benchmark.is_one_voice(scenario) else f"{register} register" if register in by_register else "whole panel"
    out["n_features"] = int(sum(np.isfinite(row[0, i]) for i, f in enumerate(FEATURES) if f.weight > 0))
    for i, feature in enumerate(FEATURES):
        out |= feature_columns(feature, row[0, i], human[feature.column])
    return out


def persona_distance(values: np.ndarray, benchmark: Benchmark, scenario: str, *, register: str = "") -> np.ndarray:
    """Persona distance of each row of ``values`` (columns in :data:`FEATURES` order), vectorised.

    Weighted RMS of the robust z clipped to ``[-Z_CLIP, Z_CLIP]``; unmeasured features drop out.
    Pitch level is compared within ``register`` (``""``: the whole panel).
    """
    return distance(values, benchmark.compared(scenario, register))


def match_score(distance: float) -> float:
    """0-100 match score, ``100 * exp(-distance / MATCH_SCALE)``."""
    return float(100.0 * np.exp(-distance / MATCH_SCALE))


def verdict(value: float, human: FeatureStats) -> str:
    """``below``/``within``/``above`` the p10-p90 band; empty when unmeasured."""
    if not np.isfinite(value):
        return ""
    return "below" if value < human.p10 else "above" if value > human.p90 else "within"


def feature_columns(feature: Feature, value: float, human: FeatureStats) -> dict:
    """The ``F_*`` columns of one value."""
    c = feature.column
    cols = {
        f"{c}_value": value,
        f"{c}_human_median": human.median,
        f"{c}_p10": human.p10,
        f"{c}_p90": human.p90,
        f"{c}_deviation": value - human.median,
    }
    if feature.log_scale:
        cols[f"{c}_deviation_st"] = float(feature.to_scale(value) - feature.to_scale(human.median))
    elif feature.unit in ("syl/s", "s", "fraction", "st"):
        cols[f"{c}_deviation_pct"] = 100.0 * (value / human.median - 1) if human.median else np.nan
    cols[f"{c}_z"] = float(robust_z(feature, value, human))
    cols[f"{c}_percentile"] = weighted_percentile(value, human)
    cols[f"{c}_verdict"] = verdict(value, human)
    return cols


def weighted_percentile(value: float, human: FeatureStats) -> float:
    """Share (%) of human clips below ``value``, ties half, each speaker weighing the same (:meth:`FeatureStats.weights`)."""
    clips = np.asarray(human.clip_values)
    if not np.isfinite(value) or clips.size == 0:
        return np.nan
    w = human.weights()
    return float(100.0 * (w[clips < value].sum() + 0.5 * w[clips == value].sum()) / w.sum())


def voice_values(profiles: pd.DataFrame) -> pd.DataFrame:
    """Median feature values per voice (index ``voice``) over the clips that were measured."""
    ok = profiles[~profiles["error"].fillna("").astype(bool)]
    return feature_values(ok).groupby(ok["voice"]).median()


def voice_registers(profiles: pd.DataFrame) -> dict[str, str]:
    """Each voice's pitch register (``low``/``high``) as the manifest names it, for voices that have one."""
    if "register" not in profiles:
        return {}
    named = profiles[profiles["register"].fillna("").astype(str).str.strip() != ""]
    return named.groupby("voice")["register"].first().to_dict()


def resolve_registers(profiles: pd.DataFrame, register: str | None = None) -> pd.DataFrame:
    """Each voice's register and its source: ``given`` (``register``), ``manifest``, else inferred from its median F0.

    Returns a table indexed by voice with ``register`` and ``register_source``.
    """
    if register not in (None, *reg.REGISTERS):
        raise ParameterError(f"unknown register {register!r}; use {' or '.join(reg.REGISTERS)}")
    named = voice_registers(profiles)
    f0 = voice_values(profiles)["f0_median_hz"] if not profiles.empty else pd.Series(dtype=float)
    rows = {}
    for voice in dict.fromkeys(profiles["voice"]):
        hz = float(f0.get(voice, np.nan))
        if register:
            rows[voice] = (register, "given")
        elif voice in named:
            rows[voice] = (named[voice], "manifest")
        else:
            rows[voice] = (reg.infer(hz), reg.describe_inference(hz) if np.isfinite(hz) else "unknown: no F0 measured")
    return pd.DataFrame.from_dict(rows, orient="index", columns=["register", "register_source"])


def score_profiles(profiles: pd.DataFrame, benchmark: Benchmark, scenario: str, *, register: str | None = None) -> Scores:
    """Score profile rows (profile columns plus ``voice``) against one scenario of ``benchmark``.

    ``register`` (``low``/``high``) compares every voice's pitch level in that register; by
    default each voice's comes from the profiles' ``register`` column, else from its median F0.
    """
    benchmark.scenario(scenario)
    profiles = profiles.reset_index(drop=True)
    values = feature_values(profiles)
    per_voice = voice_values(profiles)
    if per_voice.empty:
        raise BenchmarkError(f"no clip could be measured; the first error: {profiles['error'].iloc[0]}")
    registers = resolve_registers(profiles, register)
    notes = {v: "; ".join(benchmark.notes(scenario, registers.loc[v, "register"])) for v in registers.index}

    def context(voice: str) -> dict:
        return {"register": registers.loc[voice, "register"], "register_source": registers.loc[voice, "register_source"], "benchmark_note": notes[voice]}

    file_rows = []
    for i, row in profiles.iterrows():
        scored = score_values(values.loc[i], benchmark, scenario, register=registers.loc[row["voice"], "register"], level="clip") if not row["error"] else {}
        file_rows.append({"file": row["file"], "voice": row["voice"], "scenario": scenario} | context(row["voice"]) | scored | {"error": row["error"]})
    counts = profiles.groupby("voice")["error"].apply(lambda e: int((~e.fillna("").astype(bool)).sum()))
    files = pd.DataFrame(file_rows)
    voice_rows = [
        {"voice": v, "scenario": scenario, "n_clips": int(counts[v])} | context(v)
        | score_values(per_voice.loc[v], benchmark, scenario, register=registers.loc[v, "register"])
        | voice_humanlike(profiles, files, v, benchmark.clip_spreads.get(scenario, {}).get("spread", {}))
        for v in per_voice.index
    ]  # fmt: skip
    voices = pd.DataFrame(voice_rows).sort_values("persona_distance", kind="stable").reset_index(drop=True)
    by_voice = registers["register"].to_dict()
    record = {**benchmark.provenance, "scoring": __doc__.split("\n\n", 1)[1].strip()}
    if benchmark.is_one_voice(scenario):
        record["benchmark_note"] = benchmark.one_voice_note(scenario)
    files.attrs["provenance"] = voices.attrs["provenance"] = record
    return Scores(scenario, files, voices, distributions(profiles, benchmark, scenario, by_voice), profiles, record, registers=by_voice)


def voice_humanlike(profiles: pd.DataFrame, files: pd.DataFrame, voice: str, human_spread: dict) -> dict:
    """A voice's ``consistency_z`` and ``humanlike_distance`` from its measured clips (:mod:`persona.benchmark.humanlike`)."""
    mine = (profiles["voice"] == voice).to_numpy() & ~profiles["error"].fillna("").astype(bool).to_numpy()
    consistency = humanlike.consistency_z(profiles[mine], human_spread)
    return {"consistency_z": consistency, "humanlike_distance": humanlike.voice_distance(files.loc[mine, "humanlike_distance"].to_numpy(), consistency)}


CONTEXT_COLUMNS = ["register", "register_source", "pitch_compared_with", "human_percentile", "humanlike_distance", "consistency_z", "benchmark_note"]


def with_context(table: pd.DataFrame, scores: Scores) -> pd.DataFrame:
    """``table`` (one row per voice, e.g. a ranking) with each voice's register, typicality, human-likeness and notes from ``scores``."""
    context = scores.voices.set_index("voice")[CONTEXT_COLUMNS]
    joined = table.drop(columns=[c for c in CONTEXT_COLUMNS if c in table]).join(context, on="voice")
    joined.attrs = table.attrs
    return joined


def distributions(profiles: pd.DataFrame, benchmark: Benchmark, scenario: str, registers: dict | None = None) -> pd.DataFrame:
    """1-D Wasserstein distance of each voice's clip values from the human clips, per feature.

    Pitch level is compared with the clips of the voice's register (``registers``: voice -> register).

    Only voices with at least :data:`MIN_DISTRIBUTION_CLIPS` measured clips. Distances are on the
    feature scale (st for F0 level). Normalised as in TTSDS (Minixhofer et al. 2024):
    ``distribution_score = 100 * W_ref / (W_human + W_ref)``, where ``W_human`` is the distance to
    the human clips and ``W_ref`` the distance to a featureless reference, values spread uniformly
    over the feature's plausible range; 100 = indistinguishable from humans, 50 = as far as noise.
    """
    ok = profiles[~profiles["error"].fillna("").astype(bool)]
    values = feature_values(ok)
    rows = []
    for voice, idx in ok.groupby("voice").groups.items():
        human = benchmark.compared(scenario, (registers or {}).get(voice, ""))
        for feature in FEATURES:
            v = feature.to_scale(values.loc[idx, feature.column])
            v = v[np.isfinite(v)]
            h = feature.to_scale(human[feature.column].clip_values)
            if v.size < MIN_DISTRIBUTION_CLIPS or h.size == 0:
                continue
            w_human = stats.wasserstein_distance(v, h, v_weights=human[feature.column].weights())
            w_ref = stats.wasserstein_distance(v, feature.to_scale(np.linspace(*feature.plausible, REFERENCE_POINTS)))
            rows.append({
                "voice": voice, "scenario": scenario, "feature": feature.column, "unit": feature.scale_unit,
                "n_clips": int(v.size), "wasserstein": w_human, "wasserstein_reference": w_ref,
                "distribution_score": 100.0 * w_ref / (w_human + w_ref) if w_human + w_ref > 0 else 100.0,
            })  # fmt: skip
    columns = ["voice", "scenario", "feature", "unit", "n_clips", "wasserstein", "wasserstein_reference", "distribution_score"]
    return pd.DataFrame(rows, columns=columns)


def score_files(
    audio: Iterable[str | Path],
    benchmark: Benchmark,
    *,
    scenario: str,
    reference: pd.DataFrame | None = None,
    jobs: int | None = None,
    cache: bool = True,
    dask_scheduler: str | None = None,
    progress: bool = False,
    register: str | None = None,
) -> Scores:
    """Profile and score audio files or voice folders (a folder = one voice) for one scenario.

    ``register`` (``low``/``high``) sets every voice's pitch register (see :func:`score_profiles`).

    With ``reference`` (from :func:`read_reference`), transcripts, line ids and channels of
    files listed in its manifest are used, and clips sharing a line id with a human clip of the
    scenario get paired-mode metrics (``Scores.paired``).
    """
    benchmark.scenario(scenario)
    clips = ref.with_manifest(ref.voice_files(audio), reference)
    rows = extract(clips, profiler=benchmark.profiler(), jobs=jobs, cache=cache, dask_scheduler=dask_scheduler, progress=progress)
    profiles = rows.assign(voice=clips["voice"].to_numpy(), line_id=clips["line_id"].to_numpy(), register=clips["register"].to_numpy())
    result = score_profiles(profiles, benchmark, scenario, register=register)
    if reference is None:
        return result
    humans = ref.humans(reference, scenario)
    shared = clips[clips["line_id"].isin(set(humans["line_id"]) - {""})]
    if shared.empty:
        return result
    from .paired import paired_table

    return dataclasses.replace(result, paired=paired_table(shared, humans))


def describe(voice_row: pd.Series | dict, *, scenario: str) -> list[str]:
    """Plain-language verdicts for features outside the human band, e.g. "speaks 18% faster ..."."""
    where = scenario.replace("_", " ")
    register = voice_row.get("register", "") if str(voice_row.get("pitch_compared_with", "")).endswith("register") else ""
    whom = "your reference voice" if str(voice_row.get("benchmark_note", "")).startswith("one-voice") else "your best agents"
    sentences = []
    for feature in FEATURES:
        c = feature.column
        side = voice_row.get(f"{c}_verdict", "")
        if side not in ("below", "above"):
            continue
        if feature.log_scale:
            gap = f"{abs(voice_row[f'{c}_deviation_st']):.1f} st ({abs(voice_row[f'{c}_deviation']):.0f} Hz)"
        elif f"{c}_deviation_pct" in voice_row and np.isfinite(voice_row[f"{c}_deviation_pct"]):
            gap = f"{abs(voice_row[f'{c}_deviation_pct']):.0f}%"
        else:
            gap = f"{abs(voice_row[f'{c}_deviation']):.1f} {feature.unit}"
        direction = feature.words[side == "above"]
        agents = f"your best {register}-register agents" if feature.column == reg.PITCH.column and register else whom
        sentences.append(f"{feature.label}: {gap} {direction} than {agents} in {where} (outside their p10-p90 band)")
    return sentences
