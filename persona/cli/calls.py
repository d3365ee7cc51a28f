"""``persona calls profile | benchmark | score``: conversation timing and the agent's persona in recorded calls."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import tables
from ..calls import CallProfiler, build_call_benchmark, load_call_benchmark, score_calls
from ..calls.audio import MAX_CALL_S
from ._common import Jobs, friendly_errors

calls_app = typer.Typer(help="Measure recorded calls: turn-taking timing and the agent side's persona.", no_args_is_help=True)

NoCache = Annotated[bool, typer.Option("--no-cache", help="Do not read or write the cache.")]
AgentChannel = Annotated[
    Optional[int],
    typer.Option("--agent-channel", min=0, max=1, help="Channel of the agent (0 or 1); default: guessed per call (the first to speak) and printed."),
]


@calls_app.command("profile")
@friendly_errors
def profile_command(
    calls: Annotated[list[Path], typer.Argument(help="Two-channel call recordings or folders (mono needs --turns).")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Per-call table .csv/.json/.parquet; CSV on stdout if absent.")] = None,
    agent_channel: AgentChannel = None,
    turns: Annotated[Optional[Path], typer.Option("--turns", exists=True, dir_okay=False,
                                                 help="Who spoke when: CSV speaker,start_s,end_s[,file] or RTTM (replaces detection).")] = None,  # fmt: skip
    turns_out: Annotated[Optional[Path], typer.Option("--turns-out", help="Per-turn table .csv/.json/.parquet.")] = None,
    telephone: Annotated[bool, typer.Option("--telephone", help="Profile the agent side through a G.711 telephone chain.")] = False,
    max_duration_s: Annotated[float, typer.Option(min=1.0, help="Longest call accepted (s); shorter ones are streamed.")] = MAX_CALL_S,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    strict: Annotated[bool, typer.Option("--strict", help="Exit with status 1 if any call failed.")] = False,
) -> None:
    """One row per call: response latency, overlaps, barge-ins, talk ratio, dead air, and the agent side's persona profile."""
    for target in (out, turns_out):
        if target is not None:
            tables.output_format(target)
    result = CallProfiler(telephone=telephone, max_duration_s=max_duration_s).process_files(
        calls, agent_channel=agent_channel, turns=turns, jobs=jobs, cache=not no_cache, progress=True
    )
    frame = result.calls
    written = tables.write(frame, out)
    if turns_out is not None:
        tables.write(result.turns, turns_out)
    for row in frame.itertuples():
        if row.error:
            typer.echo(f"error: {row.error}", err=True)
            continue
        typer.echo(f"{row.file}: agent on channel {row.agent_channel} ({row.agent_channel_source}); "
                   f"response latency median {row.response_latency_median_s:.2f} s", err=True)  # fmt: skip
        if row.warning:
            typer.echo(f"warning: {row.file}: {row.warning}", err=True)
    failed = frame["error"].astype(bool)
    if written:
        typer.echo(f"{len(frame)} call(s) profiled -> {written} ({int(failed.sum())} failed)", err=True)
    if strict and failed.any():
        raise typer.Exit(1)


@calls_app.command("benchmark")
@friendly_errors
def benchmark_command(
    calls_dir: Annotated[Path, typer.Argument(help="Folder of calls with manifest.csv: file, scenario, agent_channel, role (human|agent).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Calls benchmark JSON to write.")] = Path("calls.json"),
    telephone: Annotated[bool, typer.Option("--telephone", help="Profile agent sides through a G.711 telephone chain.")] = False,
    jobs: Jobs = None,
    no_cache: NoCache = False,
) -> None:
    """Per scenario, the timing and agent-side persona of the human agents' calls: median, MAD, p10-p90."""
    bench = build_call_benchmark(calls_dir, profiler=CallProfiler(telephone=telephone), jobs=jobs, cache=not no_cache)
    bench.save(out)
    for name in bench.scenarios:
        s = bench.summary[name]
        typer.echo(f"{name}: {s['n_calls']} human call(s), {s['minutes']:.1f} min")
    typer.echo(f"calls benchmark -> {out}", err=True)


@calls_app.command("score")
@friendly_errors
def score_command(
    calls: Annotated[list[Path], typer.Argument(help="The agent's call recordings or folders.")],
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="Call scenario, as named in the benchmark.")],
    benchmark: Annotated[Path, typer.Option("--benchmark", "-b", help="Calls benchmark JSON from `persona calls benchmark`.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Per-call table (.csv/.json) or report with timelines (.html/.md).")] = None,
    agent_channel: AgentChannel = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
) -> None:
    """Score the agent's calls against the best human agents: deviation, z, verdict, sentences; timing and persona blocks."""
    bench = load_call_benchmark(benchmark)
    result = score_calls(calls, bench, scenario=scenario, agent_channel=agent_channel, jobs=jobs, cache=not no_cache)
    s = result.summary
    typer.echo(f"{scenario}: {s['n_calls']} call(s); call distance {s['call_distance']:.2f} "
               f"(timing {s['timing_distance']:.2f}, persona {s['persona_distance']:.2f}), match {s['match_score']:.0f}/100")  # fmt: skip
    for sentence in s["sentences"]:
        typer.echo(f"  - {sentence}")
    for message in result.files["error"][result.files["error"].fillna("").astype(bool)]:
        typer.echo(f"error: {message}", err=True)
    if out is None:
        return
    if out.suffix.lower() in (".html", ".md"):
        from ..report.calls import write_report

        write_report(result, bench, out)
    else:
        tables.write(result.files, out)
    typer.echo(f"-> {out}", err=True)
