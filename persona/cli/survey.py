"""``persona survey validate | invite | export``: the listening-trial commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import command_group, friendly_errors

survey = command_group("Listening trials: validate surveys, invite listeners, export answers.")

LENGTH_CUE_WARN = 0.3  # |AUC - 0.5| from which speech length alone sorts most clips by role (AUC <= 0.2 or >= 0.8)

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (default: $PERSONA_DB_URL, else SQLite in the user data folder).")
]


@survey.command()
@friendly_errors
def validate(file: Annotated[Path, typer.Argument(help="Survey TOML file.")]) -> None:
    """Check a survey file and its design, prepare every clip, print what each listener will get, and warn of role cues."""
    from ..report.format import text_table
    from ..trials.cues import length_cue_auc, role_cue_warnings
    from ..trials.design import check_design, describe
    from ..trials.stimuli import prepare_survey
    from ..trials.survey import load_survey

    definition = load_survey(file)
    check_design(definition)
    clips = prepare_survey(definition)
    typer.echo(f"{file}: valid study {definition.id!r}: {len(definition.stimuli)} clips, {len(definition.scenarios)} scenario(s)")
    for warning in role_cue_warnings(definition, clips):
        typer.echo(f"{file}: warning: {warning}", err=True)
    typer.echo(text_table(describe(definition)))
    typer.echo(f"\nprepared clips (loudness {definition.audio.loudness_lufs:g} LUFS, BS.1770; "
               f"{definition.audio.sample_rate_hz} Hz; telephone chain {'on' if definition.audio.telephone else 'off'}):")  # fmt: skip
    typer.echo(text_table(clips))
    typer.echo("\nlength cue (every presentation is padded with silence to its scenario's longest clip, so the "
               "WAV length is one per scenario; what remains audible is the speech length below):")  # fmt: skip
    for row in length_cue_auc(clips).itertuples(index=False):
        flag = "warning: " if abs(row.duration_auc - 0.5) >= LENGTH_CUE_WARN else ""
        typer.echo(f"{flag}scenario {row.scenario}: AUC of speech length for human vs agent = {row.duration_auc:.2f} "
                   f"({row.n_human} human, {row.n_agent} agent clips; 0.50 = no cue)")  # fmt: skip


@survey.command()
@friendly_errors
def invite(
    file: Annotated[Path, typer.Argument(help="Survey TOML file (registered as a study if new).")],
    n: Annotated[int, typer.Option("--n", min=1, max=10000, help="Number of invite links.")] = 30,
    base_url: Annotated[Optional[str], typer.Option("--base-url", help="Address where the app is served [default: http://localhost:8501].")] = None,
    db: DbOption = None,
) -> None:
    """Register the survey's study and print one invite URL per line."""
    from ..trials.access import DEFAULT_BASE_URL, check_base_url, invite_url
    from ..trials.design import check_design
    from ..trials.stimuli import prepare_survey
    from ..trials.store import Store
    from ..trials.survey import load_survey

    check_base_url(base_url or DEFAULT_BASE_URL)
    definition = load_survey(file)
    check_design(definition)
    prepare_survey(definition)
    store = Store(db)
    store.register_study(definition)
    tokens = store.create_listeners(definition.id, n=n)
    typer.echo("\n".join(invite_url(t, base_url=base_url) for t in tokens))


@survey.command()
@friendly_errors
def export(
    study: Annotated[str, typer.Argument(help="Study id.")],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    db: DbOption = None,
) -> None:
    """Write all answers of a study as the tidy responses CSV (one row per rating; formula-like cells made inert)."""
    from ..hygiene import write_csv
    from ..trials.store import responses_frame

    frame = responses_frame(study, db_url=db)
    write_csv(frame, out)
    typer.echo(f"{len(frame)} answer row(s) of study {study!r} -> {out}", err=True)
