"""What every ``persona`` command shares: persona errors become one line and exit status 2; the ``--jobs`` option."""

from __future__ import annotations

import functools
from typing import Annotated, Optional

import typer

from .. import workers
from ..errors import PersonaError

ERROR_EXIT = 2

Jobs = Annotated[
    Optional[int],
    typer.Option("--jobs", "-j", min=1, callback=workers.resolve,
                 help="CPUs for a batch, one worker process each (default: all available, within a container's CPU quota)."),
]


def friendly_errors(command):
    """Report persona errors as one ``error: ...`` line on stderr and exit 2, without a traceback."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except PersonaError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(ERROR_EXIT) from None

    return run
