"""``persona benchmark build``, ``score``, ``compare``, ``preview`` and ``demo``: the benchmark workflow.

The library is imported inside each command (see :mod:`persona.cli`). Every command that profiles
a batch (the human clips of a reference folder, the agent clips) prints one ``error: FILE: reason``
line per file it could not measure and a summary on stderr; ``--strict`` makes that exit status 1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ClipLeftOutWarning, ParameterError
from ._common import REPORT_SUFFIXES, Jobs, Strict, Syllables, check_report_extra, command_group, failed_rows, friendly_errors, report_failures, strict_exit, syllables_option

benchmark_app = command_group("Build the human benchmark from a reference folder.")

DEMO_SCENARIO = "billing_dispute"
PAIRED_COLUMNS = ["voice", "line_id", "human_speaker", "f0_rmse_cents", "f0_gross_error_rate", "f0_correlation", "duration_ratio", "pause_f1"]

NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the profile cache.")]
Dask = Annotated[Optional[str], typer.Option("--dask-scheduler", help="Run extraction on this Dask scheduler (tcp://host:port); needs persona[dask].")]
Scenario = Annotated[str, typer.Option("--scenario", "-s", help="Call scenario, as named in the benchmark.")]
BenchmarkFile = Annotated[Optional[Path], typer.Option("--benchmark", "-b", help="Benchmark JSON from 'persona benchmark build'.")]
ReferenceDir = Annotated[Optional[Path], typer.Option("--reference", "-r", help="Reference folder to build the benchmark from on the fly.")]
Register = Annotated[Optional[str], typer.Option("--register", help="Pitch register of the voice(s): low or high (default: the manifest's, else inferred from F0).")]
LargePitch = Annotated[bool, typer.Option("--allow-large-pitch-change", help="Prescribe pitch changes over 4 st (they change who the voice sounds like).")]
LineText = Annotated[
    Optional[str], typer.Option("--text", help="The line's text for the SSML (default: its transcript in the reference manifest).")
]


@contextlib.contextmanager
def left_out_clips():
    """Collect ``(file, reason)`` of the clips a benchmark build leaves out; other warnings show as usual."""
    failures: list[tuple[str, str]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ClipLeftOutWarning)
        yield failures
    for w in caught:
        if issubclass(w.category, ClipLeftOutWarning):
            failures.append((w.message.file, w.message.reason))
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)


def _build(ref_dir: Path, **options):
    """Build the benchmark of ``ref_dir``, report the human clips left out; returns it and the number that failed."""
    from ..benchmark import build_benchmark

    with left_out_clips() as failures:
        bench = build_benchmark(ref_dir, progress=True, **options)
    n_clips = sum(s["n_clips"] for s in bench.summary.values()) + len(failures)
    return bench, report_failures(failures, n_clips, done="profiled (human clips)")


@benchmark_app.command("build")
@friendly_errors
def build_command(
    ref_dir: Annotated[Path, typer.Argument(metavar="REF_DIR", help="Reference folder: <scenario>/... and optional manifest.csv.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Benchmark JSON to write.")] = Path("benchmark.json"),
    telephone: Annotated[bool, typer.Option("--telephone", help="Measure through a G.711 telephone chain.")] = False,
    syllables: Syllables = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    dask_scheduler: Dask = None,
    strict: Strict = False,
) -> None:
    """Profile every human clip and store per scenario the median, MAD, IQR and p10-p90 band of each feature."""
    if out.suffix.lower() != ".json":
        raise ParameterError(f"{out}: a benchmark is written as .json")
    bench, n_failed = _build(ref_dir, telephone=telephone, jobs=jobs, cache=not no_cache, dask_scheduler=dask_scheduler, **syllables_option(syllables))
    bench.save(out)
    typer.echo(render_summary(bench))
    typer.echo(f"benchmark -> {out}", err=True)
    strict_exit(strict, n_failed)


def render_summary(bench) -> str:
    """Per scenario: clips, speakers, speech; clips and register per speaker; notes on one-voice, unequal or thin panels."""
    from ..benchmark import register, typicality
    from ..report.format import number

    lines = []
    for name in bench.scenarios:
        s = bench.summary[name]
        lines.append(f"{name}: {s['n_clips']} clip(s), {s['n_speakers']} speaker(s), {number(s['speech_s'] / 60, 1)} min of speech")
        registers = s.get("speaker_registers", {})
        per_speaker = [f"{sp} {n}" + (f" ({registers[sp]['register']}, {registers[sp]['source']})" if sp in registers else "")
                       for sp, n in s.get("clips_per_speaker", {}).items()]  # fmt: skip
        lines.append(f"   clips per speaker: {', '.join(per_speaker)}")
        if s.get("unequal_clips"):
            lines.append("   note: very unequal clips per speaker; speakers weigh equally (each speaker's clip median counts once)")
        if bench.is_one_voice(name):
            lines.append(f"   note: {bench.one_voice_note(name)}")
        for reg, stats in bench.pitch_by_register.get(name, {}).items():
            thin = f" (fewer than {register.MIN_REGISTER_SPEAKERS}: band widened)" if stats.n_speakers < register.MIN_REGISTER_SPEAKERS else ""
            lines.append(f"   {reg} register: {stats.n_speakers} speaker(s), median F0 {number(stats.median, 0)} Hz{thin}")
        if not bench.held_out.get(name, {}).get("speaker"):
            lines.append(f"   note: human_percentile needs {typicality.MIN_SPEAKERS}+ speakers (or one voice with 3+ clips); not available here")
    return "\n".join(lines)


def _benchmark(benchmark_file: Path | None, reference_dir: Path | None, *, jobs: int | None, cache: bool, dask_scheduler: str | None):
    """The benchmark from a file or built from a reference folder, its reference table (or None), and the clips that failed."""
    from ..benchmark import load_benchmark, read_reference

    if (benchmark_file is None) == (reference_dir is None):
        raise ParameterError("give exactly one of --benchmark FILE or --reference REF_DIR")
    if benchmark_file is not None:
        return load_benchmark(benchmark_file), None, 0
    bench, n_failed = _build(reference_dir, jobs=jobs, cache=cache, dask_scheduler=dask_scheduler)
    return bench, read_reference(reference_dir), n_failed


def _check_out(out: Path | None, *, tables_ok: bool = True) -> None:
    """Refuse an output path whose suffix is neither a report (.html/.md) nor, with ``tables_ok``, a table format."""
    from .. import tables

    check_report_extra(out)
    if out is None or out.suffix.lower() in REPORT_SUFFIXES:
        return
    if not tables_ok:
        raise ParameterError(f"{out}: report format must be one of {', '.join(REPORT_SUFFIXES)}")
    tables.output_format(out)


def _write(result, bench, out: Path | None, comparison=None, *, allow_large_pitch_change: bool = False) -> None:
    from .. import tables

    if out is None:
        return
    if out.suffix.lower() in REPORT_SUFFIXES:
        from ..report.benchmark import write_report

        write_report(result, bench, out, comparison=comparison, allow_large_pitch_change=allow_large_pitch_change)
    else:
        tables.write(result.files, out)
    typer.echo(f"-> {out}", err=True)


def _scored_failures(result) -> int:
    """Report the agent clips that could not be scored; returns how many."""
    return report_failures(failed_rows(result.files), len(result.files), done="scored")


def _line_texts(audio: list[Path], ref, text: str | None) -> dict[str, str]:
    """Per voice, the text of one of its lines: ``--text``, else the first transcript the reference manifest has for it."""
    from ..benchmark import reference

    clips = reference.with_manifest(reference.voice_files(audio), ref)
    known = clips[clips["transcript"].astype(str).str.strip() != ""].groupby("voice")["transcript"].first().to_dict()
    return {voice: text or known.get(voice, "") for voice in clips["voice"].unique()}


@friendly_errors
def score(
    audio: Annotated[list[Path], typer.Argument(metavar="AUDIO", help="Agent audio files or voice folders (a folder = one voice; a file = a voice named by its file name).")],
    scenario: Scenario,
    benchmark: BenchmarkFile = None,
    reference_dir: ReferenceDir = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Per-file table (.csv/.json/.parquet) or report (.html/.md).")] = None,
    text: LineText = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    dask_scheduler: Dask = None,
    register: Register = None,
    allow_large_pitch_change: LargePitch = False,
    strict: Strict = False,
) -> None:
    """Score agent clips against the human benchmark: deviations, verdicts, persona distance, match score."""
    from ..benchmark import score_files

    _check_out(out)
    bench, ref, n_failed = _benchmark(benchmark, reference_dir, jobs=jobs, cache=not no_cache, dask_scheduler=dask_scheduler)
    result = score_files(audio, bench, scenario=scenario, reference=ref, jobs=jobs, cache=not no_cache, dask_scheduler=dask_scheduler,
                         progress=True, register=register)  # fmt: skip
    typer.echo(render_voices(result, bench, _line_texts(audio, ref, text), allow_large_pitch_change=allow_large_pitch_change))
    if result.paired is not None:
        typer.echo("\n" + render_paired(result.paired))
    _write(result, bench, out, allow_large_pitch_change=allow_large_pitch_change)
    strict_exit(strict, n_failed + _scored_failures(result))


@friendly_errors
def compare_command(
    voice_dirs: Annotated[list[Path], typer.Argument(metavar="VOICE_DIR", help="One folder per candidate voice.")],
    scenario: Scenario,
    benchmark: BenchmarkFile = None,
    reference_dir: ReferenceDir = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Ranking .csv/.json/.parquet, or a report .html/.md.")] = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    seed: Annotated[int, typer.Option(help="Seed of the intervals' random draws (clip resamples, human population).")] = 0,
    register: Register = None,
    allow_large_pitch_change: LargePitch = False,
    strict: Strict = False,
) -> None:
    """Rank candidate voices by persona distance with 95% intervals over clips and human speakers; flag unresolvable differences."""
    from .. import tables
    from ..benchmark import compare_voices, score_files

    _check_out(out)
    bench, ref, n_failed = _benchmark(benchmark, reference_dir, jobs=jobs, cache=not no_cache, dask_scheduler=None)
    result = score_files(voice_dirs, bench, scenario=scenario, reference=ref, jobs=jobs, cache=not no_cache, progress=True, register=register)
    comparison = with_typicality(compare_voices(result, bench, seed=seed), result)
    typer.echo(render_ranking(comparison))
    typer.echo("\n" + render_voices(result, bench, _line_texts(voice_dirs, ref, None), allow_large_pitch_change=allow_large_pitch_change))
    if out is not None and out.suffix.lower() not in REPORT_SUFFIXES:
        tables.write(comparison.ranking, out)
        typer.echo(f"-> {out}", err=True)
    elif out is not None:
        _write(result, bench, out, comparison, allow_large_pitch_change=allow_large_pitch_change)
    strict_exit(strict, n_failed + _scored_failures(result))


@friendly_errors
def preview(
    audio: Annotated[Path, typer.Argument(metavar="CLIP", help="Agent clip to adjust.")],
    scenario: Scenario,
    out: Annotated[Path, typer.Option("--out", "-o", help="Adjusted audio to write: .wav, .flac, .ogg or .mp3 (by its suffix).")],
    benchmark: BenchmarkFile = None,
    reference_dir: ReferenceDir = None,
    text: LineText = None,
    pitch_st: Annotated[Optional[float], typer.Option(help="Override: pitch shift (st).")] = None,
    rate_pct: Annotated[Optional[float], typer.Option(help="Override: rate change (%).")] = None,
    volume_db: Annotated[Optional[float], typer.Option(help="Override: gain (dB).")] = None,
    no_cache: NoCache = False,
    register: Register = None,
    allow_large_pitch_change: LargePitch = False,
    strict: Strict = False,
) -> None:
    """Apply the prescription to the clip with Praat PSOLA, write the adjusted audio and re-score it."""
    from .. import io
    from ..benchmark import Prescription
    from ..benchmark import preview as run_preview
    from ..report.format import number

    io.output_audio_format(out)
    bench, ref, n_failed = _benchmark(benchmark, reference_dir, jobs=None, cache=not no_cache, dask_scheduler=None)
    overrides = {k: v for k, v in {"pitch_st": pitch_st, "rate_pct": rate_pct, "volume_db": volume_db}.items() if v is not None}
    given = None
    if overrides:
        given = Prescription(voice=audio.stem, scenario=scenario, pitch_st=0.0, rate_pct=0.0, range_pct=0.0, volume_db=0.0, break_ms=0)
        given = dataclasses.replace(given, **overrides)
    result = run_preview(audio, bench, scenario=scenario, out_path=out, prescription=given, cache=not no_cache, register=register,
                         allow_large_pitch_change=allow_large_pitch_change)  # fmt: skip
    before, after = (r.voices.iloc[0] for r in (result.before, result.after))
    line = _line_texts([audio], ref, text).get(audio.stem, "")
    typer.echo(render_context(before))
    typer.echo(f"applied: {result.prescription.summary()}")
    typer.echo(f"SSML:    {result.prescription.ssml(line)}")
    typer.echo(f"persona distance {number(before['persona_distance'], 2)} -> {number(after['persona_distance'], 2)}; "
               f"match score {number(before['match_score'], 0)} -> {number(after['match_score'], 0)}/100   ({out})")  # fmt: skip
    strict_exit(strict, n_failed)


@friendly_errors
def demo(
    jobs: Jobs = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Also write the report (.html or .md).")] = None,
    strict: Strict = False,
) -> None:
    """Build the bundled benchmark (cached), then score, rank and prescribe the bundled billing-dispute voices."""
    from ..benchmark import compare_voices, reference, score_files

    _check_out(out, tables_ok=False)
    ref_dir = reference.bundled_reference()
    typer.echo(f"Reference audio: {ref_dir} (public speech standing in for your best agents)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # clipped or short stand-in clips: reported in the tables
        bench, n_failed = _build(ref_dir, jobs=jobs)
        ref = reference.read_reference(ref_dir)
        voices = sorted({str(Path(f).parent) for f in reference.agents(ref, DEMO_SCENARIO)["file"]})
        result = score_files(voices, bench, scenario=DEMO_SCENARIO, reference=ref, jobs=jobs, progress=True)
    comparison = with_typicality(compare_voices(result, bench), result)
    s = bench.summary[DEMO_SCENARIO]
    typer.echo(f"Benchmark '{DEMO_SCENARIO}': {s['n_clips']} human clips, {s['n_speakers']} speakers\n")
    typer.echo(render_ranking(comparison))
    typer.echo("\n" + render_voices(result, bench, _line_texts([Path(v) for v in voices], ref, None)))
    if result.paired is not None:
        typer.echo("\n" + render_paired(result.paired))
    _write(result, bench, out, comparison)
    strict_exit(strict, n_failed + _scored_failures(result))


def with_typicality(comparison, result):
    """The ranking with each voice's register, ``human_percentile`` and notes from its scores."""
    from ..benchmark import with_context

    return dataclasses.replace(comparison, ranking=with_context(comparison.ranking, result))


def render_ranking(comparison) -> str:
    """The ranking as text: distance with its 95% interval, match score, typicality, unresolvable neighbours, how to read it."""
    from ..benchmark import typicality
    from ..report.format import MISSING, is_missing, number, wrap
    from ..report.notes import RANKING_HOW_TO_READ

    lines = [f"Ranking for {comparison.scenario} (persona distance: 0 = at the human median; 95% interval over clips and human speakers, by test inversion)"]
    for row in comparison.ranking.itertuples():
        ci = f"[{number(row.ci_low, 2)}, {number(row.ci_high, 2)}]" if number(row.ci_low) != MISSING else "[n/a: 1 clip]"
        lines.append(f"{row.rank:>3}. {row.voice:<20} distance {number(row.persona_distance, 2):>5} {ci:<14} "
                     f"match {number(row.match_score, 0):>3}/100  ({row.n_clips} clips)")  # fmt: skip
        if not is_missing(getattr(row, "human_percentile", None)):
            lines.append(wrap(f"     {typicality.words(row.human_percentile)}", indent=" " * 7))
        if row.not_resolvable_from:
            lines.append(wrap(f"     not resolvable from: {row.not_resolvable_from}", indent=" " * 7))
    notes: dict[str, list[str]] = {}
    for row in comparison.ranking.itertuples():
        note = getattr(row, "interval_note", "")
        if isinstance(note, str) and note:
            notes.setdefault(note, []).append(row.voice)
    lines += [wrap(f"Note ({', '.join(voices)}): {note}") for note, voices in notes.items()]
    lines.append(wrap(f"How to read this: {RANKING_HOW_TO_READ}"))
    return "\n".join(lines)


def render_context(row) -> str:
    """What a voice was compared with: its register and where it came from, any benchmark notes, its typicality."""
    from ..benchmark import typicality
    from ..report.format import is_missing, number, wrap

    register = row.get("register") or "unknown"
    lines = [wrap(f"   register: {register} ({row.get('register_source', '')}); pitch level compared with the "
                  f"{row.get('pitch_compared_with', 'whole panel')}", indent="     ")]  # fmt: skip
    lines += [wrap(f"   note: {n}", indent="     ") for n in str(row.get("benchmark_note", "")).split("; ") if n]
    if not is_missing(row.get("human_percentile")):
        one_voice = str(row.get("benchmark_note", "")).startswith("one-voice")
        lines.append(wrap(f"   typicality: {typicality.words(row['human_percentile'], one_voice=one_voice)} "
                          f"(human_percentile {number(row['human_percentile'], 0)})", indent="     "))  # fmt: skip
    if not is_missing(row.get("humanlike_distance")):
        consistency = row.get("consistency_z")
        tail = "" if is_missing(consistency) else f"; consistency_z {number(consistency, 2)}: halvings of human clip-to-clip spread"
        lines.append(wrap(f"   human-likeness: humanlike_distance {number(row['humanlike_distance'], 2)} "
                          f"(0 = human; synthetic directions only{tail})", indent="     "))  # fmt: skip
    return "\n".join(lines)


def render_voices(result, bench, texts: dict[str, str] | None = None, *, allow_large_pitch_change: bool = False) -> str:
    """Per voice: distance, register, notes, typicality, the verdicts outside the human band in words, and the
    prescription with its SSML for one of the voice's lines."""
    from ..benchmark import describe, voice_prescription
    from ..report.format import number, wrap

    texts = texts or {}
    lines = []
    for row in result.voices.to_dict("records"):
        fix = voice_prescription(result, bench, row["voice"], allow_large_pitch_change=allow_large_pitch_change)
        lines.append(f"{row['voice']}: distance {number(row['persona_distance'], 2)}, match {number(row['match_score'], 0)}/100")
        lines.append(render_context(row))
        lines += [wrap(f"   - {s}", indent="     ") for s in describe(row, scenario=result.scenario)] or ["   - every feature within the human band"]
        lines.append(wrap(f"   prescription: {fix.summary()}", indent="     "))
        lines.append(f"   SSML: {fix.ssml(texts.get(row['voice']))}")
    return "\n".join(lines)


def render_paired(paired) -> str:
    """The paired-lines table with its how-to-read note."""
    from ..report.format import text_table, wrap
    from ..report.notes import PAIRED_HOW_TO_READ

    table = text_table(paired[[c for c in PAIRED_COLUMNS if c in paired.columns]])
    return f"Paired lines (same script line, DTW-aligned):\n{table}\n{wrap(f'How to read this: {PAIRED_HOW_TO_READ}')}"
