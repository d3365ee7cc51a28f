"""What every ``persona`` command shares: errors become one line and exit status 2; the ``--jobs`` option."""

from __future__ import annotations

import functools
import sys
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup
from typer.core import _click as click  # typer's own (vendored) click, whose exceptions it raises

from .. import workers
from ..errors import PersonaError

ERROR_EXIT = 2

Jobs = Annotated[
    Optional[int],
    typer.Option("--jobs", "-j", min=1, callback=workers.resolve,
                 help="CPUs for a batch, one worker process each (default: all available, within a container's CPU quota)."),
]


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
