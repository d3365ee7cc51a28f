"""The ``persona`` command line: a thin face over the library (parse, call one function, render).

Start-up is part of the interface: ``persona --help`` and ``--version`` must answer in about the
time Python itself takes to start (``bench/startup.py`` measures it). Typer must read every
command's signature to build the help, so every module in this package follows one rule:

* at module level import only the standard library, ``typer`` and the light persona modules
  (``persona.errors``, ``persona.cli._common``);
* import the library (numpy, scipy, pandas, parselmouth, statsmodels, streamlit, ...) inside the
  command function that needs it, e.g. ``from ..benchmark import score_files`` as its first line.

A new command group is a module here defining ``group = command_group("...")`` (from ``_common``:
plain help, flags shown as flags) with its commands, and one ``app.add_typer(group, name=...)``
line below. Batch commands report failed files with ``_common.report_failures`` and take ``Strict``.
``tests/unit/test_cli_startup.py`` fails when a heavy module is imported before a command runs.
"""

from __future__ import annotations

import typer

from ._common import OneLineErrors

app = typer.Typer(
    name="persona",
    help="Measure how far an agent's voice sits from your best human agents, and test it with listeners.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
    rich_markup_mode=None,  # plain help: flags shown as flags, no markup, and no rich import
)


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"persona {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """persona: acoustic distance from your best human agents, and blind listener trials."""

from .features import features  # noqa: E402

app.command()(features)
from .survey import survey  # noqa: E402

app.add_typer(survey, name="survey")
from .benchmark import benchmark_app, compare_command, demo, preview, score  # noqa: E402

app.add_typer(benchmark_app, name="benchmark")
app.command()(score)
app.command("compare")(compare_command)
app.command()(preview)
app.command()(demo)
from .analyze import analyze  # noqa: E402

app.command()(analyze)
from .monitor import monitor  # noqa: E402

app.add_typer(monitor, name="monitor")
from .calls import calls_app  # noqa: E402

app.add_typer(calls_app, name="calls")
