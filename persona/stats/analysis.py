"""Run every listening-test analysis of one study and collect tidy tables.

:func:`analyze_study` is the one call behind ``persona analyze``, the results page and the
JSON output: it screens listeners, runs each analysis on the kept listeners (or on everyone
with ``apply_screening=False``), adds a sensitivity table of the ACR differences on all
listeners, plans the next panel from the observed variance components, and writes the
headline. Degenerate studies (no answers, one listener, identical ratings, one stimulus per
voice) never raise: tables come back empty or with a ``note``, and :attr:`StudyAnalysis.messages`
says in words what could not be estimated.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import provenance
from ..hygiene import write_csv
from . import acoustics, acr, agreement, headline, identification, mushra, power, preference, screening
from .responses import scored_answers, validate_responses

SCHEMA = "persona.analysis/1"
METHOD = ("persona.stats: P.808 per-session and BS.1534-3 4.1.2 screening, P.800 ACR (crossed mixed model with a "
          "human-voice effect), AB, identification (listener-level balanced accuracy and d'), BS.1534 MUSHRA on "
          "listener means; Holm with simultaneous CIs per family")


@dataclass(frozen=True)
class AnalysisOptions:
    """Every parameter of a study analysis (all recorded in the provenance).

    Attributes
    ----------
    confidence : float
        Confidence level of every interval (0..1).
    alpha : float
        Significance level of tests and of the equivalence test.
    n_boot : int
        Bootstrap resamples (listeners) for MOS and Bradley-Terry intervals.
    seed : int
        Seed of every resampling and simulation.
    apply_screening : bool
        Analyse only listeners kept by screening (else everyone; screening is still reported).
    gold_max_failures, require_headphones, reference_min_score, reference_max_fraction
        Screening rules, see :func:`persona.stats.screening.screen_listeners`.
    equivalence_margin : float
        Identification: "indistinguishable" needs proportion correct within 0.5 +/- margin.
    power_difference_mos, power_target, power_sims : float, float, int
        Planning: smallest difference (MOS points) to detect, target power, simulations per size.
    correlation_attributes : tuple of str
        ACR attributes correlated with acoustic deviations.
    """

    confidence: float = 0.95
    alpha: float = 0.05
    n_boot: int = 1000
    seed: int = 0
    apply_screening: bool = True
    gold_max_failures: int = 0
    require_headphones: bool = True
    reference_min_score: float = 90.0
    reference_max_fraction: float = 0.15
    equivalence_margin: float = 0.1
    power_difference_mos: float = 0.3
    power_target: float = 0.8
    power_sims: int = 400
    correlation_attributes: tuple[str, ...] = ("fit", "trust")


@dataclass(frozen=True)
class StudyAnalysis:
    """The result of :func:`analyze_study`: named tidy tables, messages and provenance."""

    study_id: str
    tables: dict[str, pd.DataFrame]
    messages: tuple[str, ...]
    options: AnalysisOptions
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready dict: schema, study, provenance, messages and every table as records."""
        return {
            "schema": SCHEMA,
            "study_id": self.study_id,
            "provenance": self.provenance,
            "messages": list(self.messages),
            "tables": {name: json.loads(table.to_json(orient="records")) for name, table in self.tables.items()},
        }

    def to_json(self) -> str:
        """The analysis as indented JSON text (NaN written as null)."""
        return json.dumps(self.to_dict(), indent=2, default=str)

    def write_tables(self, directory: str | Path) -> list[Path]:
        """Write every table as ``<directory>/<name>.csv``; returns the paths written."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, table in self.tables.items():
            path = directory / f"{name}.csv"
            write_csv(table, path)
            paths.append(path)
        return paths


def analyze_study(
    responses: pd.DataFrame,
    *,
    deviations: pd.DataFrame | None = None,
    options: AnalysisOptions | None = None,
    source: str = "<responses>",
) -> StudyAnalysis:
    """Analyse one study's responses.

    Parameters
    ----------
    responses : pandas.DataFrame
        Tidy responses (validated here).
    deviations : pandas.DataFrame, optional
        Per-stimulus acoustic deviations for :mod:`persona.stats.acoustics`.
    options : AnalysisOptions, optional
        Parameters; defaults as documented on :class:`AnalysisOptions`.
    source : str
        Where the responses came from (file or database), for messages and provenance.

    Returns
    -------
    StudyAnalysis
        Tables: headline, screening, exclusions, mos, acr_differences,
        acr_differences_all_listeners, identification, preference, preference_agent, bradley_terry,
        mushra_scores, mushra_differences, mushra_friedman, mushra_pairwise, agreement, power, acoustics.
    """
    options = options or AnalysisOptions()
    responses = validate_responses(responses, source=source)
    study_ids = sorted(responses["study_id"].dropna().unique())
    study_id = ", ".join(study_ids) if study_ids else "(empty)"
    messages: list[str] = []
    screened = screening.screen_listeners(
        responses, gold_max_failures=options.gold_max_failures, require_headphones=options.require_headphones,
        reference_min_score=options.reference_min_score, reference_max_fraction=options.reference_max_fraction,
    )  # fmt: skip
    kept = screening.apply_screening(responses, screened) if options.apply_screening else responses
    messages += _coverage_messages(responses, kept, screened, options=options)
    tables = {"screening": screened, "exclusions": screening.exclusion_summary(screened)}
    tables |= _analyses(kept, deviations, options=options)
    if options.apply_screening and screened["excluded"].any():
        tables["acr_differences_all_listeners"] = acr.agent_human_differences(responses, confidence=options.confidence)
    tables["power"] = _plan(tables["acr_differences"], options=options, messages=messages)
    tables = {"headline": headline.headline_table(tables, alpha=options.alpha), **tables}
    messages += _note_messages(tables)
    record = provenance.record(
        dataclasses.asdict(options), method=METHOD, source=source, n_rows=len(responses),
        statistics_software=_statistics_software(),
    )  # fmt: skip
    return StudyAnalysis(study_id=study_id, tables=tables, messages=tuple(messages), options=options, provenance=record)


def _analyses(kept: pd.DataFrame, deviations: pd.DataFrame | None, *, options: AnalysisOptions) -> dict:
    confidence, seed = options.confidence, options.seed
    tables = {
        "mos": acr.mos_table(kept, confidence=confidence, n_boot=options.n_boot, seed=seed),
        "acr_differences": acr.agent_human_differences(kept, confidence=confidence),
        "identification": identification.identification_table(
            kept, confidence=confidence, equivalence_margin=options.equivalence_margin, alpha=options.alpha),
        "preference": preference.preference_shares(kept, confidence=confidence),
        "preference_agent": preference.agent_preference(kept, confidence=confidence),
        "bradley_terry": preference.bradley_terry(
            kept, confidence=confidence, n_boot=min(options.n_boot, 200), seed=seed),
        "mushra_scores": mushra.mushra_scores(kept, confidence=confidence),
        "mushra_differences": mushra.agent_human_differences(kept, confidence=confidence),
        "mushra_friedman": mushra.friedman_tests(kept),
        "mushra_pairwise": mushra.pairwise_wilcoxon(kept),
        "agreement": agreement.krippendorff_alpha(kept),
    }  # fmt: skip
    if deviations is not None:
        tables["acoustics"] = acoustics.rating_deviation_correlations(
            kept, deviations, attributes=options.correlation_attributes, confidence=confidence
        )
    return tables


def _plan(differences: pd.DataFrame, *, options: AnalysisOptions, messages: list[str]) -> pd.DataFrame:
    """Sample size from the median variance components of the converged mixed models."""
    fitted = differences[differences["method"].isin(acr.MIXED_MODELS)]
    if fitted.empty:
        messages.append("Planning skipped: no converged ACR mixed model to take variance components from.")
        return pd.DataFrame(columns=list(power.SAMPLE_SIZE_COLUMNS))
    return power.sample_size(
        difference_mos=options.power_difference_mos,
        stimulus_var=float(fitted["stimulus_var"].median()),
        residual_var=float(fitted["residual_var"].median()),
        n_agent_stimuli=int(max(2, fitted["n_agent_stimuli"].median())),
        n_human_stimuli=int(max(2, fitted["n_human_stimuli"].median())),
        target_power=options.power_target, alpha=options.alpha, n_sims=options.power_sims, seed=options.seed,
    )  # fmt: skip


def _coverage_messages(
    responses: pd.DataFrame, kept: pd.DataFrame, screened: pd.DataFrame, *, options: AnalysisOptions
) -> list[str]:
    """Plain-language warnings about what the data cannot support."""
    if scored_answers(responses, "acr").empty and all(
        scored_answers(responses, t).empty for t in ("ab", "identify", "mushra")
    ):
        return ["The study has no scored responses yet: nothing to analyse."]
    messages = []
    n_excluded = int(screened["excluded"].sum())
    if options.apply_screening and n_excluded:
        messages.append(f"{n_excluded} of {len(screened)} listeners excluded by screening; "
                        "results use the remaining listeners (see 'screening').")  # fmt: skip
    elif not options.apply_screening:
        messages.append("Screening reported but not applied: every listener is analysed.")
    n_kept = kept["listener_id"].nunique()
    if n_kept == 0:
        messages.append("No listener passed screening: every analysis is empty.")
    elif n_kept == 1:
        messages.append("Only one listener: estimates without intervals or tests.")
    for test_type, name in (("acr", "ACR"), ("identify", "identification"), ("ab", "AB preference"),
                            ("mushra", "MUSHRA")):  # fmt: skip
        if n_kept and scored_answers(kept, test_type).empty:
            messages.append(f"No {name} answers in this study.")
    return messages


def _note_messages(tables: dict[str, pd.DataFrame]) -> list[str]:
    """One message per distinct note in the tables (e.g. a fallback estimator was used)."""
    messages = []
    for name, table in tables.items():
        if "note" not in table.columns or name == "headline":
            continue
        for note in sorted({n for n in table["note"].dropna() if n}):
            messages.append(f"{name}: {note}.")
    return messages


def _statistics_software() -> dict[str, str]:
    from importlib.metadata import version

    return {package: version(package) for package in ("statsmodels", "pandas", "krippendorff", "matplotlib")}
