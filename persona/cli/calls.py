"""``persona calls profile | benchmark | score``: conversation timing and the agent's persona in recorded calls.

The library is imported inside each command (see :mod:`persona.cli`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import (REPORT_SUFFIXES, BenchmarkSyllables, Jobs, Strict, Syllables, check_report_extra, command_group, failed_rows, friendly_errors, report_failures,
                      strict_exit, syllables_option)
from .benchmark import NoCache

calls_app = command_group("Measure recorded calls: turn-taking timing and the agent side's persona.")

AgentChannel = Annotated[
    Optional[int],
    typer.Option("--agent-channel", min=0, max=1, help="Channel of the agent (0 or 1); default: guessed per call (the first to speak) and printed."),
]
Telephone = Annotated[bool, typer.Option("--telephone", help="Profile the agent side through a G.711 telephone chain.")]


@calls_app.command("profile")
@friendly_errors
def profile_command(
    calls: Annotated[list[Path], typer.Argument(metavar="CALLS", help="Two-channel call recordings or folders (mono needs --turns).")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Per-call table .csv/.json/.parquet; CSV on stdout if absent.")] = None,
    agent_channel: AgentChannel = None,
    turns: Annotated[Optional[Path], typer.Option("--turns", exists=True, dir_okay=False,
                                                 help="Who spoke when: CSV speaker,start_s,end_s[,file] or RTTM (replaces detection).")] = None,  # fmt: skip
    turns_out: Annotated[Optional[Path], typer.Option("--turns-out", help="Per-turn table .csv/.json/.parquet.")] = None,
    telephone: Telephone = False,
    syllables: Syllables = None,
    max_duration_s: Annotated[
        Optional[float], typer.Option(min=1.0, show_default="14400, four hours", help="Longest call accepted (s); shorter ones are streamed.")
    ] = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    strict: Strict = False,
) -> None:
    """One row per call: response latency, overlaps, barge-ins, talk ratio, dead air, and the agent side's persona profile."""
    from .. import tables
    from ..calls import CallProfiler

    for target in (out, turns_out):
        if target is not None:
            tables.output_format(target)
    limit = {} if max_duration_s is None else {"max_duration_s": max_duration_s}
    profiler = CallProfiler(telephone=telephone, **syllables_option(syllables), **limit)
    result = profiler.process_files(calls, agent_channel=agent_channel, turns=turns, jobs=jobs, cache=not no_cache, progress=True)
    frame = result.calls
    written = tables.write(frame, out)
    if turns_out is not None:
        tables.write(result.turns, turns_out)
    for row in frame[frame["error"] == ""].itertuples():
        typer.echo(f"{row.file}: agent on channel {row.agent_channel} ({row.agent_channel_source}); "
                   f"response latency median {row.response_latency_median_s:.2f} s", err=True)  # fmt: skip
        if row.warning:
            typer.echo(f"warning: {row.file}: {row.warning}", err=True)
    strict_exit(strict, report_failures(failed_rows(frame), len(frame), done="profiled", out=written))


@calls_app.command("benchmark")
@friendly_errors
def benchmark_command(
    calls_dir: Annotated[Path, typer.Argument(metavar="CALLS_DIR", help="Folder of calls with manifest.csv: file, scenario, agent_channel, role (human|agent).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Calls benchmark JSON to write.")] = Path("calls.json"),
    telephone: Telephone = False,
    syllables: Syllables = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
) -> None:
    """Per scenario, the timing and agent-side persona of the human agents' calls: median, MAD, p10-p90."""
    from ..calls import CallProfiler, build_call_benchmark

    profiler = CallProfiler(telephone=telephone, **syllables_option(syllables))
    bench = build_call_benchmark(calls_dir, profiler=profiler, jobs=jobs, cache=not no_cache)
    bench.save(out)
    for name in bench.scenarios:
        s = bench.summary[name]
        typer.echo(f"{name}: {s['n_calls']} human call(s), {s['minutes']:.1f} min")
    typer.echo(f"calls benchmark -> {out}", err=True)


@calls_app.command("score")
@friendly_errors
def score_command(
    calls: Annotated[list[Path], typer.Argument(metavar="CALLS", help="The agent's call recordings or folders.")],
    scenario: Annotated[str, typer.Option("--scenario", "-s", help="Call scenario, as named in the benchmark.")],
    benchmark: Annotated[Path, typer.Option("--benchmark", "-b", help="Calls benchmark JSON from 'persona calls benchmark'.")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Per-call table (.csv/.json) or report with timelines (.html/.md).")] = None,
    agent_channel: AgentChannel = None,
    syllables: BenchmarkSyllables = None,
    jobs: Jobs = None,
    no_cache: NoCache = False,
    strict: Strict = False,
) -> None:
    """Score the agent's calls against the best human agents: deviation, z, verdict, sentences; timing and persona blocks."""
    from .. import tables
    from ..calls import load_call_benchmark, score_calls

    check_report_extra(out)
    bench = load_call_benchmark(benchmark)
    result = score_calls(calls, bench, scenario=scenario, agent_channel=agent_channel, syllables=syllables, jobs=jobs, cache=not no_cache)
    s = result.summary
    typer.echo(f"{scenario}: {s['n_calls']} call(s); call distance {s['call_distance']:.2f} "
               f"(timing {s['timing_distance']:.2f}, persona {s['persona_distance']:.2f}), match {s['match_score']:.0f}/100")  # fmt: skip
    for sentence in s["sentences"]:
        typer.echo(f"  - {sentence}")
    if out is not None and out.suffix.lower() in REPORT_SUFFIXES:
        from ..report.calls import write_report

        write_report(result, bench, out)
    elif out is not None:
        tables.write(result.files, out)
    strict_exit(strict, report_failures(failed_rows(result.files), len(result.files), done="scored", out=out))
