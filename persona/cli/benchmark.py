"""``persona benchmark build``, ``score``, ``compare``, ``preview`` and ``demo``: the benchmark workflow."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from .. import tables
from .. import benchmark as pb
from ..benchmark import reference
from ..errors import ParameterError
from ._common import Jobs, friendly_errors

benchmark_app = typer.Typer(help="Build the human benchmark from a reference folder.", no_args_is_help=True)

DEMO_SCENARIO = "billing_dispute"
REPORT_SUFFIXES = (".html", ".md")

NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the profile cache.")]
Dask = Annotated[Optional[str], typer.Option("--dask-scheduler", help="Run extraction on this Dask scheduler (tcp://host:port).")]
Scenario = Annotated[str, typer.Option("--scenario", "-s", help="Call scenario, as named in the benchmark.")]
BenchmarkFile = Annotated[Optional[Path], typer.Option("--benchmark", "-b", help="Benchmark JSON from `persona benchmark build`.")]
ReferenceDir = Annotated[Optional[Path], typer.Option("--reference", "-r", help="Reference folder to build the benchmark from on the fly.")]


@benchmark_app.command("build")
@friendly_errors
def build_command(
    ref_dir: Annotated[Path, typer.Argument(help="Reference folder: <scenario>/... and optional manifest.csv.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Benchmark JSON to write.")] = Path("benchmark.json"),
    telephone: Annotated[bool, typer.Option("--telephone", help="Measure through a G.711 telephone chain.")] = False,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    dask_scheduler: Dask = None,
) -> None:
    """Profile every human clip and store per scenario the median, MAD, IQR and p10-p90 band of each feature."""
    bench = pb.build_benchmark(ref_dir, telephone=telephone, jobs=jobs, cache=not no_cache, dask_scheduler=dask_scheduler, progress=True)
    bench.save(out)
    for name in bench.scenarios:
        s = bench.summary[name]
        typer.echo(f"{name}: {s['n_clips']} clip(s), {s['n_speakers']} speaker(s), {s['speech_s'] / 60:.1f} min of speech")
    typer.echo(f"benchmark -> {out}", err=True)


def _benchmark(benchmark_file: Path | None, reference_dir: Path | None, *, jobs: int | None, cache: bool, dask_scheduler: str | None):
    """The benchmark from a file or built from a reference folder, and the reference table (or None)."""
    if (benchmark_file is None) == (reference_dir is None):
        raise ParameterError("give exactly one of --benchmark FILE or --reference REF_DIR")
    if benchmark_file is not None:
        return pb.load_benchmark(benchmark_file), None
    bench = pb.build_benchmark(reference_dir, jobs=jobs, cache=cache, dask_scheduler=dask_scheduler, progress=True)
    return bench, reference.read_reference(reference_dir)


def _write(result: pb.Scores, bench, out: Path | None, comparison=None) -> None:
    if out is None:
        return
    if out.suffix.lower() in REPORT_SUFFIXES:
        from ..report.benchmark import write_report

        write_report(result, bench, out, comparison=comparison)
    else:
        tables.write(result.files, out)
    typer.echo(f"-> {out}", err=True)


@friendly_errors
def score(
    audio: Annotated[list[Path], typer.Argument(help="Agent audio files or voice folders (a folder = one voice).")],
    scenario: Scenario,
    benchmark: BenchmarkFile = None,
    reference_dir: ReferenceDir = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Per-file table (.csv/.json) or report (.html/.md).")] = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    dask_scheduler: Dask = None,
) -> None:
    """Score agent clips against the human benchmark: deviations, verdicts, persona distance, match score."""
    bench, ref = _benchmark(benchmark, reference_dir, jobs=jobs, cache=not no_cache, dask_scheduler=dask_scheduler)
    result = pb.score_files(audio, bench, scenario=scenario, reference=ref, jobs=jobs, cache=not no_cache, dask_scheduler=dask_scheduler, progress=True)
    typer.echo(render_voices(result, bench))
    _write(result, bench, out)


@friendly_errors
def compare_command(
    voice_dirs: Annotated[list[Path], typer.Argument(help="One folder per candidate voice.")],
    scenario: Scenario,
    benchmark: BenchmarkFile = None,
    reference_dir: ReferenceDir = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Ranking .csv/.json, or a report .html/.md.")] = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
) -> None:
    """Rank candidate voices by persona distance with bootstrap 95% intervals; flag unresolvable differences."""
    bench, ref = _benchmark(benchmark, reference_dir, jobs=jobs, cache=not no_cache, dask_scheduler=None)
    result = pb.score_files(voice_dirs, bench, scenario=scenario, reference=ref, jobs=jobs, cache=not no_cache, progress=True)
    comparison = pb.compare_voices(result, bench, seed=seed)
    typer.echo(render_ranking(comparison))
    if out is not None and out.suffix.lower() not in REPORT_SUFFIXES:
        tables.write(comparison.ranking, out)
        typer.echo(f"-> {out}", err=True)
    elif out is not None:
        _write(result, bench, out, comparison)


@friendly_errors
def preview(
    audio: Annotated[Path, typer.Argument(help="Agent clip to adjust.")],
    scenario: Scenario,
    out: Annotated[Path, typer.Option("--out", "-o", help="Adjusted WAV to write.")],
    benchmark: BenchmarkFile = None,
    reference_dir: ReferenceDir = None,
    pitch_st: Annotated[Optional[float], typer.Option(help="Override: pitch shift (st).")] = None,
    rate_pct: Annotated[Optional[float], typer.Option(help="Override: rate change (%).")] = None,
    volume_db: Annotated[Optional[float], typer.Option(help="Override: gain (dB).")] = None,
    no_cache: NoCache = False,
) -> None:
    """Apply the prescription to the clip with Praat PSOLA, write the adjusted audio and re-score it."""
    bench, _ = _benchmark(benchmark, reference_dir, jobs=None, cache=not no_cache, dask_scheduler=None)
    overrides = {k: v for k, v in {"pitch_st": pitch_st, "rate_pct": rate_pct, "volume_db": volume_db}.items() if v is not None}
    given = None
    if overrides:
        given = pb.Prescription(voice=audio.parent.name, scenario=scenario, pitch_st=0.0, rate_pct=0.0, range_pct=0.0, volume_db=0.0, break_ms=0)
        given = dataclasses.replace(given, **overrides)
    result = pb.preview(audio, bench, scenario=scenario, out_path=out, prescription=given, cache=not no_cache)
    before, after = (r.voices.iloc[0] for r in (result.before, result.after))
    typer.echo(f"applied: {result.prescription.summary()}")
    typer.echo(f"SSML:    {result.prescription.ssml()}")
    typer.echo(f"persona distance {before['persona_distance']:.2f} -> {after['persona_distance']:.2f}; "
               f"match score {before['match_score']:.0f} -> {after['match_score']:.0f}   ({out})")  # fmt: skip


@friendly_errors
def demo(
    jobs: Jobs = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the report (.html or .md).")] = None,
) -> None:
    """Build the bundled benchmark (cached), then score, rank and prescribe the bundled billing-dispute voices."""
    ref_dir = reference.bundled_reference()
    typer.echo(f"Reference audio: {ref_dir} (public speech standing in for your best agents)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # clipped or short stand-in clips: reported in the tables
        bench = pb.build_benchmark(ref_dir, jobs=jobs, progress=True)
        ref = reference.read_reference(ref_dir)
        voices = sorted({str(Path(f).parent) for f in reference.agents(ref, DEMO_SCENARIO)["file"]})
        result = pb.score_files(voices, bench, scenario=DEMO_SCENARIO, reference=ref, jobs=jobs, progress=True)
    comparison = pb.compare_voices(result, bench)
    s = bench.summary[DEMO_SCENARIO]
    typer.echo(f"Benchmark '{DEMO_SCENARIO}': {s['n_clips']} human clips, {s['n_speakers']} speakers\n")
    typer.echo(render_ranking(comparison))
    typer.echo("\n" + render_voices(result, bench))
    if result.paired is not None:
        typer.echo("\nPaired lines (same script line, DTW-aligned):")
        cols = ["voice", "line_id", "human_speaker", "f0_rmse_cents", "f0_gross_error_rate", "f0_correlation", "duration_ratio", "pause_f1"]
        typer.echo(result.paired[cols].round(2).to_string(index=False))
    _write(result, bench, out, comparison)


def render_ranking(comparison: pb.Comparison) -> str:
    """The ranking as text: distance with its 95% interval, match score and unresolvable neighbours."""
    r = comparison.ranking
    lines = [f"Ranking for {comparison.scenario} (persona distance: 0 = at the human median; 95% bootstrap CI over clips and human speakers)"]
    for row in r.itertuples():
        ci = f"[{row.ci_low:.2f}, {row.ci_high:.2f}]" if pd.notna(row.ci_low) else "[n/a: 1 clip]"
        ties = f"  not resolvable from: {row.not_resolvable_from}" if row.not_resolvable_from else ""
        lines.append(f"{row.rank:>3}. {row.voice:<20} distance {row.persona_distance:5.2f} {ci:<15} match {row.match_score:3.0f}/100  ({row.n_clips} clips){ties}")
    return "\n".join(lines)


def render_voices(result: pb.Scores, bench) -> str:
    """Per voice: distance, the verdicts outside the human band in words, and the SSML prescription."""
    fixes = pb.prescriptions(result, bench).set_index("voice")
    lines = []
    for row in result.voices.to_dict("records"):
        fix = fixes.loc[row["voice"]]
        lines.append(f"{row['voice']}: distance {row['persona_distance']:.2f}, match {row['match_score']:.0f}/100")
        lines += [f"   - {s}" for s in pb.describe(row, scenario=result.scenario)] or ["   - every feature within the human band"]
        lines.append(f"   prescription: {fix['summary']}")
        lines.append(f"   SSML: {fix['ssml']}")
    return "\n".join(lines)
