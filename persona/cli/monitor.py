"""``persona monitor add | check | report``: watch the live agent's persona and timing, and alarm on drift."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import Jobs, Strict, check_report_extra, command_group, friendly_errors, strict_exit
from .benchmark import Dask, NoCache
from .survey import DbOption

monitor = command_group("After go-live: store the agent's recordings, watch persona and timing, alarm on drift.")

DRIFT_EXIT = 1

Since = Annotated[Optional[datetime], typer.Option("--since", formats=["%Y-%m-%d"], help="Only alarms first raised on or after this date (YYYY-MM-DD).")]
Period = Annotated[str, typer.Option("--period", help="Chart per 'week' (Monday-Sunday) or 'day'.")]
BaselinePeriods = Annotated[int, typer.Option("--baseline-periods", min=1, help="Baseline: the first N periods of each scenario.")]
BaselineFrom = Annotated[Optional[datetime], typer.Option("--baseline-from", formats=["%Y-%m-%d"], help="Baseline window start (YYYY-MM-DD), with --baseline-to.")]
BaselineTo = Annotated[Optional[datetime], typer.Option("--baseline-to", formats=["%Y-%m-%d"], help="Baseline window end (YYYY-MM-DD, inclusive).")]
FalseAlarms = Annotated[float, typer.Option("--false-alarms-per-year", min=0.01, help="Designed false alarms per year, per scenario and feature family.")]
PerVersion = Annotated[bool, typer.Option("--per-version", help="Watch each agent version on its own baseline.")]


def _settings(period: str, baseline_periods: int, baseline_from, baseline_to, false_alarms: float, per_version: bool):
    from ..errors import ParameterError
    from ..monitor import Settings

    try:
        return Settings(period=period, baseline_periods=baseline_periods, false_alarms_per_year=false_alarms, per_version=per_version,
                        baseline_from=baseline_from.date() if baseline_from else None,
                        baseline_to=baseline_to.date() if baseline_to else None)  # fmt: skip
    except ValueError as exc:
        raise ParameterError(str(exc)) from None


@monitor.command("add")
@friendly_errors
def add(
    recordings: Annotated[list[Path], typer.Argument(help="Agent clips (mono), calls (two channels), folders, or manifest CSVs (file, scenario, agent_version, recorded_at).")],
    benchmark: Annotated[Path, typer.Option("--benchmark", "-b", help="Benchmark JSON from `persona benchmark build`.")],
    calls_benchmark: Annotated[Optional[Path], typer.Option("--calls-benchmark", help="Calls benchmark JSON from `persona calls benchmark`: the human band of call timing in reports.")] = None,
    scenario: Annotated[Optional[str], typer.Option("--scenario", "-s", help="Call scenario (for files a manifest does not name one for).")] = None,
    agent_version: Annotated[Optional[str], typer.Option("--agent-version", help="Agent version the recordings come from [default: unversioned].")] = None,
    at: Annotated[Optional[datetime], typer.Option("--at", formats=["%Y-%m-%d"], help="Date the recordings were made (default: each file's modification time).")] = None,
    db: DbOption = None,
    jobs: Jobs = None,
    dask_scheduler: Dask = None,
    no_cache: NoCache = False,
    strict: Strict = False,
) -> None:
    """Profile the agent side (and the timing of two-channel calls), score it, store one row per recording.

    Re-adding a recording (same content) stores nothing; unusable files get one `error:` line each and are skipped.
    """
    from ..monitor import MonitorStore, ingest

    store = MonitorStore(db)
    report = ingest(
        recordings, benchmark, store=store, calls_benchmark=calls_benchmark, scenario=scenario, agent_version=agent_version, at=at.date() if at else None,
        jobs=jobs, dask_scheduler=dask_scheduler, cache=not no_cache, progress=True,
        on_problem=lambda message: typer.echo(f"error: {message}", err=True),
        on_stored=lambda total: typer.echo(f"stored {total} recording(s) so far", err=True),
    )  # fmt: skip
    typer.echo(f"{report.stored} new recording(s) stored; {report.already} already stored (same content, nothing inserted); "
               f"{len(report.failed)} skipped")  # fmt: skip
    strict_exit(strict, len(report.failed))


@monitor.command("check")
@friendly_errors
def check(
    since: Since = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    db: DbOption = None,
    period: Period = "week",
    baseline_periods: BaselinePeriods = 4,
    baseline_from: BaselineFrom = None,
    baseline_to: BaselineTo = None,
    false_alarms_per_year: FalseAlarms = 1.0,
    per_version: PerVersion = False,
) -> None:
    """Exit 0 when nothing drifted, 1 when a feature moved from the agent's own baseline (for cron or CI).

    Prints what drifted (feature, scenario, version), since when, by how much in natural units, and the
    recordings that show it best; and, without alarming, where the latest period stands against the human band.
    """
    from ..monitor import MonitorStore
    from ..monitor.check import alarm_sentence, raised, standing_sentences, to_json, watch_store

    settings = _settings(period, baseline_periods, baseline_from, baseline_to, false_alarms_per_year, per_version)
    watched, recordings = watch_store(MonitorStore(db), settings)
    alarms = raised(watched, since.date() if since else None)
    if as_json:
        typer.echo(json.dumps(to_json(watched, alarms), indent=1, default=str))
    else:
        typer.echo(f"{len(recordings)} recording(s), {recordings['scenario'].nunique()} scenario(s), "
                   f"{recordings['recorded_at'].min():%Y-%m-%d} to {recordings['recorded_at'].max():%Y-%m-%d}. {settings.describe()}")  # fmt: skip
        for alarm in alarms.to_dict("records"):
            typer.echo(f"DRIFT {alarm_sentence(alarm)}")
            typer.echo("      listen to: " + ", ".join(alarm["calls"]))
        if alarms.empty:
            typer.echo(f"no drift{f' raised since {since:%Y-%m-%d}' if since else ''}: every chart within its control limits")
        for line in standing_sentences(watched):
            typer.echo(f"standing: {line}")
        for note in watched.notes:
            typer.echo(f"note: {note}")
    if not alarms.empty:
        raise typer.Exit(DRIFT_EXIT)


@monitor.command("report")
@friendly_errors
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="Report to write (.html or .md).")] = Path("monitor.html"),
    since: Since = None,
    db: DbOption = None,
    period: Period = "week",
    baseline_periods: BaselinePeriods = 4,
    baseline_from: BaselineFrom = None,
    baseline_to: BaselineTo = None,
    false_alarms_per_year: FalseAlarms = 1.0,
    per_version: PerVersion = False,
) -> None:
    """Control charts per feature with the human band and version changes, the alarms, and the messiest calls."""
    from ..monitor import MonitorStore
    from ..monitor.check import watch_store

    check_report_extra(out)
    from ..report.monitor import write_report

    settings = _settings(period, baseline_periods, baseline_from, baseline_to, false_alarms_per_year, per_version)
    watched, recordings = watch_store(MonitorStore(db), settings)
    written = write_report(watched, recordings, out, since=since.date() if since else None)
    typer.echo(f"-> {written}", err=True)

