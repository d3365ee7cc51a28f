"""``persona analyze``: the listening-test report of one study (or of a simulated panel)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ParameterError
from ._common import check_report_extra, friendly_errors, needs_stats_extra

REPORT_FORMATS = (".html", ".md", ".json")


@friendly_errors
def analyze(
    study: Annotated[str, typer.Argument(help="Tidy responses CSV (from 'persona survey export') or a study id in the "
                                              "database; with --simulate, the name given to the simulated study.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Report file: .html, .md or .json.")],
    db: Annotated[Optional[str], typer.Option("--db", help="Database URL for a study id (default: $PERSONA_DB_URL, "
                                                            "else SQLite in the user data folder).")] = None,
    benchmark: Annotated[Optional[Path], typer.Option("--benchmark", help="Per-stimulus acoustic deviations CSV "
                                                       "(stimulus_id or voice[, scenario] + F_z / F_deviation columns, "
                                                       "e.g. from 'persona score').")] = None,
    tables_dir: Annotated[Optional[Path], typer.Option("--tables-dir", help="Where to write every table as CSV "
                                                        "(default: <out stem>_tables/ beside --out).")] = None,
    simulate: Annotated[Optional[int], typer.Option("--simulate", min=1, metavar="N_LISTENERS",
                                                    help="Analyse a simulated panel of N listeners with planted "
                                                         "effects (persona.stats.simulate) instead of real answers.")] = None,
    no_screening: Annotated[bool, typer.Option("--no-screening", help="Analyse every listener (screening is still "
                                                                       "reported).")] = False,
    equivalence_margin: Annotated[float, typer.Option(help="Identification: 'indistinguishable' needs proportion "
                                                           "correct within 0.5 +/- this margin.")] = 0.1,
    n_boot: Annotated[int, typer.Option(min=0, help="Bootstrap resamples of listeners.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of resampling, simulation and planning.")] = 0,
) -> None:
    """Analyse a listening test: screening, ACR, AB, identification, MUSHRA, agreement, planning."""
    if out.suffix.lower() not in REPORT_FORMATS:
        raise ParameterError(f"{out}: report format must be one of {', '.join(REPORT_FORMATS)}")
    needs_stats_extra("persona analyze (listening-test statistics)")
    check_report_extra(out)
    from ..stats import AnalysisOptions, analyze_study

    tables_dir = tables_dir or out.with_name(f"{out.stem}_tables")
    responses, deviations, source = _inputs(study, db=db, benchmark=benchmark, simulate=simulate, seed=seed,
                                            tables_dir=tables_dir)  # fmt: skip
    options = AnalysisOptions(apply_screening=not no_screening, equivalence_margin=equivalence_margin,
                              n_boot=n_boot, seed=seed)  # fmt: skip
    analysis = analyze_study(responses, deviations=deviations, options=options, source=source)
    written = analysis.write_tables(tables_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        out.write_text(analysis.to_json(), encoding="utf-8")
    else:
        from ..report.listening import study_report

        study_report(analysis).write(out)
    for message in analysis.messages:
        typer.echo(f"note: {message}", err=True)
    typer.echo(render_headline(analysis.tables["headline"]))
    typer.echo(f"report -> {out}; {len(written)} table(s) -> {tables_dir}/", err=True)


def _inputs(study: str, *, db, benchmark, simulate, seed, tables_dir: Path):
    """Responses, optional deviations and a source description, read or simulated."""
    from ..hygiene import write_csv
    from ..stats import PanelSpec, simulate_deviations, simulate_panel
    from ..stats.acoustics import read_deviations
    from ..trials.responses import load_responses

    deviations = read_deviations(benchmark) if benchmark else None
    if simulate is None:
        responses, source = load_responses(study, db_url=db)
        return responses, deviations, source
    spec = PanelSpec(n_listeners=simulate, study_id=study)
    responses = simulate_panel(spec, seed=seed)
    if deviations is None:
        deviations = simulate_deviations(spec, seed=seed)
        tables_dir.mkdir(parents=True, exist_ok=True)
        write_csv(deviations, tables_dir / "simulated_deviations.csv")
    tables_dir.mkdir(parents=True, exist_ok=True)
    write_csv(responses, tables_dir / "simulated_responses.csv")
    return responses, deviations, f"simulated panel ({simulate} listeners, seed {seed})"


def render_headline(headline) -> str:
    """The headline findings as text for a ~100-column terminal: per scenario, one wrapped sentence each."""
    from ..report.format import wrap

    if not len(headline):
        return "No findings (see the notes)."
    lines = []
    for scenario, rows in headline.groupby("scenario", sort=False):
        lines.append(f"{scenario}:")
        lines += [wrap(f"  - {statement}", indent="    ") for statement in rows["statement"]]
    return "\n".join(lines)
