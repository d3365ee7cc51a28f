"""The ``persona`` command line: a thin face over the library (parse, call one function, render)."""

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
