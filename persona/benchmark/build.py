"""Build the human benchmark: per scenario and feature, the robust centre, spread and band of the best agents.

Clips are aggregated per speaker first (the median of each speaker's clips), so one talkative
agent does not dominate; the centre (median), spread (MAD scaled by 1.4826 to match an SD under
normality, and IQR) and band (p10-p90) are then taken over speakers. The clip values are kept for
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
from scipy import stats

from .. import provenance
from ..errors import BenchmarkError, ClipLeftOutWarning, ParameterError, PersonaWarning
from ..extract import extract
from ..features import Profiler
from . import reference as ref
from .features import FEATURES, Feature, feature_values

SCHEMA_VERSION = 1
MIN_SPEAKERS = 2
BAND_QUANTILES = (0.10, 0.90)
METHOD = (
    "per-speaker medians, then over speakers: median, MAD x 1.4826 (on the semitone scale for F0 level), "
    "IQR and p10-p90 (linear interpolation); clip values kept for percentiles and Wasserstein distances"
)


@dataclasses.dataclass(frozen=True)
class FeatureStats:
    """Human statistics of one feature in one scenario (natural units unless noted).

    ``mad`` is in the feature's scale unit (:attr:`Feature.scale_unit`: st for F0 level).
    """

    median: float
    mad: float
    iqr: float
    p10: float
    p90: float
    n_clips: int
    n_speakers: int
    speaker_values: tuple[float, ...]
    clip_values: tuple[float, ...]


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
    """

    stats: dict
    summary: dict
    provenance: dict
    schema_version: int = SCHEMA_VERSION

    @property
    def scenarios(self) -> list[str]:
        """Scenario names, sorted."""
        return sorted(self.stats)

    def scenario(self, name: str) -> dict[str, FeatureStats]:
        """Feature statistics of one scenario; :class:`BenchmarkError` if unknown."""
        ref.check_scenario(name, self.scenarios)
        return self.stats[name]

    def table(self, scenario: str) -> pd.DataFrame:
        """One row per feature: label, unit, median, MAD (scale unit), IQR, p10, p90, n clips, n speakers."""
        rows = []
        for feature in FEATURES:
            s = self.scenario(scenario)[feature.column]
            rows.append({
                "feature": feature.column, "label": feature.label, "unit": feature.unit,
                "median": s.median, "mad": s.mad, "mad_unit": feature.scale_unit, "iqr": s.iqr,
                "p10": s.p10, "p90": s.p90, "n_clips": s.n_clips, "n_speakers": s.n_speakers,
                "weight": feature.weight,
            })  # fmt: skip
        frame = pd.DataFrame(rows)
        frame.attrs["provenance"] = self.provenance
        return frame

    def profiler(self) -> Profiler:
        """A profiler with this benchmark's extraction parameters, so agents are measured like for like."""
        return profiler_from_params(self.provenance.get("params", {}))

    def to_dict(self) -> dict:
        """JSON-ready dict (schema version, provenance, summary, stats)."""
        return {
            "schema_version": self.schema_version,
            "provenance": self.provenance,
            "summary": self.summary,
            "stats": {sc: {col: dataclasses.asdict(s) for col, s in feats.items()} for sc, feats in self.stats.items()},
        }

    def save(self, path: str | Path) -> Path:
        """Write JSON (NaN as null); returns the path."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(json.dumps(_nan_to_none(self.to_dict()), indent=1))
        return p


def profiler_from_params(params: dict) -> Profiler:
    """Rebuild a :class:`Profiler` from :meth:`Profiler.params` output (nested by stage; JSON's lists back to tuples)."""
    flat = {}
    for key, value in params.items():
        flat |= value if isinstance(value, dict) else {key: value}
    return Profiler.create(**{k: tuple(v) if isinstance(v, list) else v for k, v in flat.items()})


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
    """Aggregate human profile rows (columns ``scenario, speaker`` + profile columns) into a :class:`Benchmark`.

    Clips whose profile failed are left out with a :class:`ClipLeftOutWarning` each.

    Raises
    ------
    BenchmarkError
        No usable human clip, or a scenario with fewer than two speakers.
    """
    failed = profiles["error"].fillna("").astype(bool)
    for file, message in zip(profiles.loc[failed, "file"], profiles.loc[failed, "error"]):
        warnings.warn(ClipLeftOutWarning(file, message), stacklevel=2)
    usable = profiles[~failed].reset_index(drop=True)
    if usable.empty:
        raise BenchmarkError("benchmark: no usable human clip (every clip failed or the reference has no human role)")
    values = feature_values(usable)
    stats_by_scenario, summary = {}, {}
    for scenario, idx in usable.groupby("scenario").groups.items():
        speakers = usable.loc[idx, "speaker"]
        if speakers.nunique() < MIN_SPEAKERS:
            raise BenchmarkError(
                f"scenario {scenario!r} has {speakers.nunique()} human speaker(s) ({', '.join(sorted(set(speakers)))}); "
                f"a benchmark needs at least {MIN_SPEAKERS}"
            )
        clip_values = values.loc[idx]
        stats_by_scenario[scenario] = {f.column: _feature_stats(f, clip_values[f.column], speakers) for f in FEATURES}
        summary[scenario] = {
            "n_clips": int(len(idx)),
            "n_speakers": int(speakers.nunique()),
            "speech_s": float(usable.loc[idx, "speech_s"].sum()),
            "speakers": sorted(set(speakers)),
        }
        if "register" in usable:
            summary[scenario]["register_f0_hz"] = register_f0_hz(clip_values["f0_median_hz"], speakers, usable.loc[idx, "register"])
    record = {**provenance_record, "benchmark_method": METHOD}
    return Benchmark(stats_by_scenario, summary, record)


def register_f0_hz(f0_hz: pd.Series, speakers: pd.Series, registers: pd.Series) -> dict[str, float]:
    """Median of the speakers' median F0 (Hz) per pitch register named in the manifest (``low``/``high``).

    Raises :class:`BenchmarkError` when one speaker's clips name different registers.
    """
    table = pd.DataFrame({"speaker": speakers, "register": registers.fillna("").str.strip(), "f0": f0_hz})
    per_speaker = table[table["register"] != ""].groupby("speaker").agg(register=("register", "unique"), f0=("f0", "median"))
    mixed = per_speaker[per_speaker["register"].str.len() > 1]
    if len(mixed):
        raise BenchmarkError(f"speaker {mixed.index[0]!r} is listed with registers {', '.join(mixed['register'].iloc[0])}; give one")
    per_speaker["register"] = per_speaker["register"].str[0]
    return {r: float(f0.median()) for r, f0 in per_speaker.dropna(subset=["f0"]).groupby("register")["f0"]}


def _feature_stats(feature: Feature, clip_values: pd.Series, speakers: pd.Series) -> FeatureStats:
    finite = clip_values[np.isfinite(clip_values)]
    per_speaker = finite.groupby(speakers[finite.index]).median().to_numpy()
    if per_speaker.size == 0:
        return FeatureStats(*([np.nan] * 5), int(finite.size), 0, (), ())
    p10, p90 = np.quantile(per_speaker, BAND_QUANTILES)
    q25, q75 = np.quantile(per_speaker, (0.25, 0.75))
    mad = stats.median_abs_deviation(feature.to_scale(per_speaker), scale="normal")
    return FeatureStats(
        median=float(np.median(per_speaker)),
        mad=float(mad),
        iqr=float(q75 - q25),
        p10=float(p10),
        p90=float(p90),
        n_clips=int(finite.size),
        n_speakers=int(per_speaker.size),
        speaker_values=tuple(float(v) for v in per_speaker),
        clip_values=tuple(float(v) for v in finite),
    )


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
    try:
        payload = json.loads(p.read_text())
    except FileNotFoundError:
        raise BenchmarkError(f"{p}: benchmark file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BenchmarkError(f"{p}: not a benchmark JSON file ({exc})") from None
    if not isinstance(payload, dict) or not {"schema_version", "stats", "provenance"} <= payload.keys():
        raise BenchmarkError(f"{p}: not a persona benchmark (needs schema_version, stats, provenance)")
    if payload["schema_version"] > SCHEMA_VERSION:
        raise BenchmarkError(f"{p}: benchmark schema {payload['schema_version']} is newer than this persona reads ({SCHEMA_VERSION}); upgrade persona")
    try:
        bench = Benchmark(
            stats={sc: {col: _stats_from_dict(s) for col, s in feats.items()} for sc, feats in payload["stats"].items()},
            summary=payload.get("summary", {}),
            provenance=payload["provenance"],
            schema_version=payload["schema_version"],
        )
    except (TypeError, AttributeError) as exc:
        raise BenchmarkError(f"{p}: malformed benchmark statistics ({exc})") from None
    missing = {f.column for f in FEATURES} - {c for feats in bench.stats.values() for c in feats}
    if missing:
        raise BenchmarkError(f"{p}: benchmark lacks feature(s) {', '.join(sorted(missing))}; rebuild it with this persona")
    _check_compatible(bench, p, profiler)
    return bench


def _stats_from_dict(d: dict) -> FeatureStats:
    d = {k: (np.nan if v is None else v) for k, v in d.items()}
    return FeatureStats(**{**d, "speaker_values": tuple(d["speaker_values"]), "clip_values": tuple(d["clip_values"])})


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
