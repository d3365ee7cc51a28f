"""Build the human benchmark: per scenario and feature, the robust centre, spread and band of the best agents.

Statistics are over speakers (:mod:`persona.benchmark.panel`: each speaker's clip median first,
so one talkative agent does not dominate; a one-speaker benchmark uses the spread between that
speaker's clips). Pitch level is also kept per pitch register (:mod:`persona.benchmark.register`),
and the persona distances of held-out human speakers are stored for typicality
(:mod:`persona.benchmark.typicality`), with the speakers' clip-to-clip spreads that a voice's
consistency is compared with (:mod:`persona.benchmark.humanlike`). The clip values are kept for
percentiles and distributional (Wasserstein) comparisons.

>>> bench = build_benchmark("reference_audio", telephone=True, jobs=2)   # doctest: +SKIP
>>> bench.save("benchmark.json"); bench.table("billing_dispute")          # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .. import provenance
from ..errors import BenchmarkError, ClipLeftOutWarning, ParameterError, PersonaWarning
from ..extract import extract
from ..features import Profiler
from . import humanlike
from . import reference as ref
from . import register as reg
from . import typicality
from .features import FEATURES, feature_values
from .panel import MIN_ONE_VOICE_CLIPS, FeatureStats, panel_stats

SCHEMA_VERSION = 2
UNEQUAL_CLIPS_RATIO = 5
"""A panel whose busiest speaker has this many times the clips of the median speaker is reported as unequal."""
METHOD = (
    "per-speaker medians, then over speakers: median, MAD x 1.4826 (on the semitone scale for F0 level), "
    "IQR and p10-p90 (linear interpolation); one speaker: the same over that speaker's clips; "
    "clip values kept for percentiles and Wasserstein distances"
)
ONE_VOICE_NOTE = (
    "one-voice benchmark: {where} rests on a single reference speaker ({speaker}, {n} clips), whose spread and band "
    "are those between that speaker's clips: it says how far a voice is from this voice, not from human speakers in general"
)


@dataclasses.dataclass(frozen=True)
class Benchmark:
    """Per-scenario human statistics of the default feature set, with the extraction's provenance.

    Attributes
    ----------
    stats : dict
        ``{scenario: {feature column: FeatureStats}}``.
    summary : dict
        ``{scenario: {"n_clips", "n_speakers", "speech_s", "speakers"}}``.
    provenance : dict
        Extraction provenance (:meth:`persona.features.Profiler.provenance`) plus the build method.
    pitch_by_register : dict
        ``{scenario: {register: FeatureStats of f0_median_hz}}`` for the registers with speakers.
    held_out : dict
        ``{scenario: {"speaker": [...], "clip": [...]}}``: persona distances of held-out human
        speakers and clips (:func:`typicality.held_out_distances`).
    clip_spreads : dict
        ``{scenario: {"spread": {column: value}, "n_speakers": k}}``: the human clip-to-clip
        spreads of :data:`humanlike.CONSISTENCY` (:func:`humanlike.human_spreads`); empty in older benchmarks.
    """

    stats: dict
    summary: dict
    provenance: dict
    schema_version: int = SCHEMA_VERSION
    pitch_by_register: dict = dataclasses.field(default_factory=dict)
    held_out: dict = dataclasses.field(default_factory=dict)
    clip_spreads: dict = dataclasses.field(default_factory=dict)

    @property
    def scenarios(self) -> list[str]:
        """Scenario names, sorted."""
        return sorted(self.stats)

    def scenario(self, name: str) -> dict[str, FeatureStats]:
        """Feature statistics of one scenario; :class:`BenchmarkError` if unknown."""
        ref.check_scenario(name, self.scenarios)
        return self.stats[name]

    def compared(self, scenario: str, register: str = "") -> dict[str, FeatureStats]:
        """The statistics a voice of ``register`` is compared with: pitch level from its register's speakers when there are any."""
        return reg.compared_stats(self.scenario(scenario), self.pitch_by_register.get(scenario, {}), register)

    def is_one_voice(self, scenario: str) -> bool:
        """Whether the scenario rests on a single reference speaker."""
        return self.summary.get(scenario, {}).get("n_speakers") == 1

    def one_voice_note(self, scenario: str) -> str:
        """The note every output of a one-voice scenario carries; empty for a panel of speakers."""
        if not self.is_one_voice(scenario):
            return ""
        summary = self.summary[scenario]
        return ONE_VOICE_NOTE.format(where=scenario.replace("_", " "), speaker=summary["speakers"][0], n=summary["n_clips"])

    def notes(self, scenario: str, register: str = "") -> list[str]:
        """What a voice of ``register`` is compared with, where it is less than a full panel (one voice, few in its register)."""
        if self.is_one_voice(scenario):
            return [self.one_voice_note(scenario)]
        if scenario not in self.pitch_by_register:
            return ["benchmark built without pitch registers (an older persona): pitch level compared with the whole panel; rebuild it"]
        note = reg.note(self.pitch_by_register[scenario], register, scenario)
        return [note] if note else []

    def table(self, scenario: str) -> pd.DataFrame:
        """One row per feature (then pitch level per register): label, unit, median, MAD (scale unit), IQR, p10, p90, n clips, n speakers."""
        rows = []
        for feature in FEATURES:
            s = self.scenario(scenario)[feature.column]
            rows.append({
                "feature": feature.column, "label": feature.label, "unit": feature.unit,
                "median": s.median, "mad": s.mad, "mad_unit": feature.scale_unit, "iqr": s.iqr,
                "p10": s.p10, "p90": s.p90, "n_clips": s.n_clips, "n_speakers": s.n_speakers,
                "weight": feature.weight,
            })  # fmt: skip
        for name, s in self.pitch_by_register.get(scenario, {}).items():
            rows.append({
                "feature": f"{reg.PITCH.column} ({name} register)", "label": f"{reg.PITCH.label}, {name} register", "unit": reg.PITCH.unit,
                "median": s.median, "mad": s.mad, "mad_unit": reg.PITCH.scale_unit, "iqr": s.iqr,
                "p10": s.p10, "p90": s.p90, "n_clips": s.n_clips, "n_speakers": s.n_speakers, "weight": reg.PITCH.weight,
            })  # fmt: skip
        frame = pd.DataFrame(rows)
        frame.attrs["provenance"] = self.provenance
        return frame

    def profiler(self) -> Profiler:
        """A profiler with this benchmark's extraction parameters, so agents are measured like for like."""
        return Profiler.from_params(self.provenance.get("params", {}))

    def to_dict(self) -> dict:
        """JSON-ready dict (schema version, provenance, summary, stats, pitch by register, held-out distances, clip spreads)."""
        return {
            "schema_version": self.schema_version,
            "provenance": self.provenance,
            "summary": self.summary,
            "stats": {sc: {col: dataclasses.asdict(s) for col, s in feats.items()} for sc, feats in self.stats.items()},
            "pitch_by_register": {sc: {r: dataclasses.asdict(s) for r, s in regs.items()} for sc, regs in self.pitch_by_register.items()},
            "held_out": self.held_out,
            "clip_spreads": self.clip_spreads,
        }

    def save(self, path: str | Path) -> Path:
        """Write JSON (NaN as null); returns the path."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(_nan_to_none(self.to_dict()), indent=1))
        return p


def profile_reference(
    reference: pd.DataFrame,
    *,
    profiler: Profiler,
    jobs: int | None = None,
    cache: bool = True,
    dask_scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Profiles of reference clips, joined with their manifest columns (scenario, speaker, role, line_id)."""
    rows = extract(reference, profiler=profiler, jobs=jobs, cache=cache, dask_scheduler=dask_scheduler, progress=progress)
    joined = pd.concat([reference.drop(columns=["file", "channel"]).reset_index(drop=True), rows], axis=1)
    joined.attrs["provenance"] = rows.attrs["provenance"]
    return joined


def from_profiles(profiles: pd.DataFrame, *, provenance_record: dict) -> Benchmark:
    """Aggregate human profile rows (columns ``scenario, speaker`` [+ ``register``] + profile columns) into a :class:`Benchmark`.

    Clips whose profile failed are left out with a :class:`ClipLeftOutWarning` each.

    Raises
    ------
    BenchmarkError
        No usable human clip, a one-speaker scenario with fewer than three clips, or a speaker
        listed with two registers.
    """
    failed = profiles["error"].fillna("").astype(bool)
    for file, message in zip(profiles.loc[failed, "file"], profiles.loc[failed, "error"]):
        warnings.warn(ClipLeftOutWarning(file, message), stacklevel=2)
    usable = profiles[~failed].reset_index(drop=True)
    if usable.empty:
        raise BenchmarkError("benchmark: no usable human clip (every clip failed or the reference has no human role)")
    values = feature_values(usable)
    stats_by_scenario, summary, by_register, held_out, clip_spreads = {}, {}, {}, {}, {}
    for scenario, idx in usable.groupby("scenario").groups.items():
        speakers = usable.loc[idx, "speaker"]
        if speakers.nunique() == 1 and len(idx) < MIN_ONE_VOICE_CLIPS:
            raise BenchmarkError(
                f"scenario {scenario!r} has one human speaker ({speakers.iloc[0]}) with {len(idx)} usable clip(s); "
                f"a one-voice benchmark needs at least {MIN_ONE_VOICE_CLIPS} clips to measure the spread between them"
            )
        clip_values = values.loc[idx]
        registers = reg.speaker_registers(clip_values[reg.PITCH.column], speakers, usable.loc[idx, "register"] if "register" in usable else None)
        stats_by_scenario[scenario] = panel_stats(clip_values, speakers)
        by_register[scenario] = reg.pitch_stats(clip_values[reg.PITCH.column], speakers, registers)
        held_out[scenario] = typicality.held_out_distances(clip_values, speakers, registers)
        clip_spreads[scenario] = humanlike.human_spreads(usable.loc[idx], speakers)
        counts = speakers.value_counts()
        summary[scenario] = {
            "n_clips": int(len(idx)),
            "n_speakers": int(speakers.nunique()),
            "speech_s": float(usable.loc[idx, "speech_s"].sum()),
            "speakers": sorted(set(speakers)),
            "clips_per_speaker": {k: int(v) for k, v in sorted(counts.items())},
            "unequal_clips": bool(counts.max() >= UNEQUAL_CLIPS_RATIO * counts.median()),
            "speaker_registers": registers[["register", "source"]].to_dict("index"),
            "register_f0_hz": {r: s.median for r, s in by_register[scenario].items()},
        }
    record = {**provenance_record, "benchmark_method": METHOD, "register_method": reg.METHOD, "typicality_method": typicality.METHOD,
              "humanlike_method": humanlike.METHOD}  # fmt: skip
    return Benchmark(stats_by_scenario, summary, record, pitch_by_register=by_register, held_out=held_out, clip_spreads=clip_spreads)


def build_benchmark(
    ref_dir: str | Path,
    *,
    telephone: bool = False,
    jobs: int | None = None,
    cache: bool = True,
    dask_scheduler: str | None = None,
    progress: bool = False,
    **params,
) -> Benchmark:
    """Profile the human clips of a reference folder and aggregate them per scenario.

    Parameters
    ----------
    ref_dir : path
        Reference folder (see :mod:`persona.benchmark.reference`).
    telephone : bool
        Measure through the G.711 telephone chain (match call-centre recordings).
    jobs, cache, dask_scheduler, progress
        As :func:`persona.extract.extract`.
    **params
        Extraction parameters for :meth:`Profiler.create` (e.g. ``pause_min_s=0.3``).
    """
    profiler = Profiler.create(telephone=telephone, **params)
    clips = ref.humans(ref.read_reference(ref_dir))
    if clips.empty:
        raise BenchmarkError(f"{ref_dir}: no clip has role 'human'; the benchmark is built from human clips")
    profiles = profile_reference(clips, profiler=profiler, jobs=jobs, cache=cache, dask_scheduler=dask_scheduler, progress=progress)
    return from_profiles(profiles, provenance_record=profiles.attrs["provenance"])


def load_benchmark(path: str | Path, *, profiler: Profiler | None = None) -> Benchmark:
    """Read a benchmark JSON file.

    Warns (:class:`PersonaWarning`) when it was built by a newer persona, or with extraction
    parameters other than ``profiler``'s (default: this persona's defaults with the benchmark's
    telephone setting).

    Raises
    ------
    BenchmarkError
        Missing, not JSON, not a benchmark, or a newer schema.
    """
    p = Path(path)
    payload = read_json(p, "benchmark")
    if not isinstance(payload, dict) or not {"schema_version", "stats", "provenance"} <= payload.keys():
        raise BenchmarkError(f"{p}: not a persona benchmark (needs schema_version, stats, provenance)")
    if payload["schema_version"] > SCHEMA_VERSION:
        raise BenchmarkError(f"{p}: benchmark schema {payload['schema_version']} is newer than this persona reads ({SCHEMA_VERSION}); upgrade persona")
    try:
        bench = Benchmark(
            stats={sc: {col: stats_from_dict(s) for col, s in feats.items()} for sc, feats in payload["stats"].items()},
            summary=payload.get("summary", {}),
            provenance=payload["provenance"],
            schema_version=payload["schema_version"],
            pitch_by_register={sc: {r: stats_from_dict(s) for r, s in regs.items()} for sc, regs in payload.get("pitch_by_register", {}).items()},
            held_out=payload.get("held_out", {}),
            clip_spreads=payload.get("clip_spreads", {}),
        )
    except (TypeError, AttributeError) as exc:
        raise BenchmarkError(f"{p}: malformed benchmark statistics ({exc})") from None
    missing = {f.column for f in FEATURES} - {c for feats in bench.stats.values() for c in feats}
    if missing:
        raise BenchmarkError(f"{p}: benchmark lacks feature(s) {', '.join(sorted(missing))}; rebuild it with this persona")
    _check_compatible(bench, p, profiler)
    return bench


def read_json(path: Path, noun: str) -> object:
    """The JSON content of a saved file; :class:`BenchmarkError` naming the file when it is missing or not JSON."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise BenchmarkError(f"{path}: {noun} file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BenchmarkError(f"{path}: not a {noun} JSON file ({exc})") from None


def stats_from_dict(d: dict) -> FeatureStats:
    """A :class:`FeatureStats` from its saved JSON form (null as NaN)."""
    d = {k: (np.nan if v is None else v) for k, v in d.items()}
    return FeatureStats(**{**d, "speaker_values": tuple(d["speaker_values"]), "clip_values": tuple(d["clip_values"]),
                           "clip_weights": tuple(d.get("clip_weights", ()))})  # fmt: skip


def _check_compatible(bench: Benchmark, path: Path, profiler: Profiler | None) -> None:
    built_with = bench.provenance.get("software", {}).get("persona", "unknown")
    running = provenance.software()["persona"]
    if _version_tuple(built_with) > _version_tuple(running):
        warnings.warn(f"{path}: built by persona {built_with}, newer than this persona {running}", PersonaWarning, stacklevel=3)
    built_code = bench.provenance.get("software", {}).get("persona_measurement_code")
    if built_code and built_code != provenance.measurement_code():
        warnings.warn(f"{path}: built by other measurement code ({built_code}, running {provenance.measurement_code()}); "
                      "rebuild it so agents and humans are measured alike", PersonaWarning, stacklevel=3)  # fmt: skip
    try:
        expected = profiler or Profiler.create(telephone=bool(bench.provenance.get("params", {}).get("telephone", False)))
    except ParameterError:
        expected = Profiler()
    if bench.provenance.get("params_digest") != provenance.params_digest(expected.params()):
        warnings.warn(
            f"{path}: built with other extraction parameters (digest {bench.provenance.get('params_digest')} "
            f"vs {provenance.params_digest(expected.params())}); scores are measured with the benchmark's parameters",
            PersonaWarning,
            stacklevel=3,
        )


def _version_tuple(text: str) -> tuple[int, ...]:
    head = text.split("+")[0]
    return tuple(int(part) for part in head.split(".") if part.isdigit())


def _nan_to_none(obj):
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_nan_to_none(v) for v in obj]
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj
