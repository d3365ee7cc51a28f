"""What every ``persona`` command shares: errors become one line and exit status 2; ``--jobs`` and ``--strict``;
the command-group factory; batch failure reports.

Light by design (see :mod:`persona.cli`): standard library, ``typer`` and ``persona.errors`` only.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated, Iterable, Optional

import typer
from typer.core import TyperGroup
from typer.core import _click as click  # typer's own (vendored) click, whose exceptions it raises

from ..errors import PersonaError

ERROR_EXIT = 2
STRICT_EXIT = 1
REPORT_SUFFIXES = (".html", ".md")


def command_group(help: str) -> typer.Typer:
    """A ``persona`` sub-command group (``persona survey ...``): plain help like the top level, help when called bare."""
    return typer.Typer(help=help, no_args_is_help=True, rich_markup_mode=None)


def _resolve_jobs(jobs: int | None) -> int:
    """``--jobs`` as :func:`persona.workers.resolve` reads it (imported on use: multiprocessing is not light)."""
    from .. import workers

    return workers.resolve(jobs)


Jobs = Annotated[
    Optional[int],
    typer.Option("--jobs", "-j", min=1, callback=_resolve_jobs,
                 help="CPUs for a batch, one worker process each (default: all available, within a container's CPU quota)."),
]
Strict = Annotated[bool, typer.Option("--strict", help="Exit with status 1 if any file failed.")]
SYLLABLES_HELP = ("What syllable_count and the rates count: 'nuclei' (loudness peaks of the vowel band; any language), "
                  "'recogniser' (syllables of the words the Moonshine recogniser hears; English) or 'fused' (their mean; English); "
                  "the last two need persona[recogniser].")
Syllables = Annotated[Optional[str], typer.Option("--syllables", show_default="nuclei", help=SYLLABLES_HELP)]
BenchmarkSyllables = Annotated[
    Optional[str],
    typer.Option("--syllables", show_default="the benchmark's method",
                 help=SYLLABLES_HELP + " Scoring measures as the benchmark did: another method than the benchmark's is refused."),
]


def syllables_option(syllables: str | None) -> dict:
    """``--syllables`` as :class:`~persona.features.Profiler` keyword arguments (none: the profiler's default)."""
    return {} if syllables is None else {"syllables": syllables}


def friendly_errors(command):
    """Report persona errors and file-system errors as one ``error: ...`` line on stderr and exit 2, no traceback."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PersonaError as exc:
            message = str(exc)
        except OSError as exc:  # e.g. --out is a folder, or not writable
            where = exc.filename if exc.filename is not None else "output"
            message = f"{where}: cannot write or read ({(exc.strerror or str(exc)).lower()})"
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(ERROR_EXIT) from None

    return run


class OneLineErrors(TyperGroup):
    """The command group: a wrong option or value is one ``error: ...`` line (exit 2), not a boxed usage text."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.ClickException as exc:
            where = f"{exc.ctx.command_path}: " if getattr(exc, "ctx", None) else ""
            typer.echo(f"error: {where}{exc.format_message()} (see --help)", err=True)
            sys.exit(ERROR_EXIT)
        except typer.Abort:
            typer.echo("error: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def check_report_extra(out: Path | None) -> None:
    """Before any work: a report (.html/.md) draws its figures with matplotlib, the optional ``report`` dependencies."""
    if out is not None and Path(out).suffix.lower() in REPORT_SUFFIXES:
        from ..extras import require

        require("matplotlib", "report", f"{out}: writing a report with figures")


def needs_stats_extra(purpose: str) -> None:
    """Before any work: listening-test statistics need statsmodels and krippendorff, the optional ``stats`` dependencies."""
    from ..extras import require

    for module in ("statsmodels", "krippendorff"):
        require(module, "stats", purpose)


def report_failures(failures: Iterable[tuple[str, str]], n_total: int, *, done: str, out=None) -> int:
    """One ``error: FILE: reason`` line per failed file and a summary line on stderr; returns the number failed.

    ``failures`` holds ``(file, reason)`` pairs; a reason that already starts with its file is not
    prefixed again. ``done`` says what happened to the others ("profiled", "scored").
    """
    failures = list(failures)
    for file, reason in failures:
        typer.echo(f"error: {reason if reason.startswith(f'{file}:') else f'{file}: {reason}'}", err=True)
    summary = f"{n_total - len(failures)} of {n_total} file(s) {done}, {len(failures)} failed"
    typer.echo(summary + (f" -> {out}" if out else ""), err=True)
    return len(failures)


def strict_exit(strict: bool, n_failed: int) -> None:
    """Under ``--strict``, exit with status 1 when any file failed."""
    if strict and n_failed:
        raise typer.Exit(STRICT_EXIT)


def failed_rows(frame) -> list[tuple[str, str]]:
    """``(file, error)`` of the rows of a profile or score table (a DataFrame, or row dicts) whose ``error`` is set."""
    if isinstance(frame, list):
        return [(str(row["file"]), str(row["error"])) for row in frame if row.get("error")]
    if "error" not in frame.columns:
        return []
    bad = frame[frame["error"].fillna("").astype(str) != ""]
    return list(zip(bad["file"].astype(str), bad["error"].astype(str)))
