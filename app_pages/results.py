"""Team page: a study's listening-test results - the same tables and figures as ``persona analyze``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import get_store, require_admin
from persona.errors import PersonaError
from persona.report.listening import FIGURES, SECTIONS, study_report
from persona.stats import AnalysisOptions, StudyAnalysis, analyze_study


@st.cache_data(show_spinner="Analysing the answers...", max_entries=8)
def analyse(responses: pd.DataFrame, deviations: pd.DataFrame | None, apply_screening: bool, study_id: str) -> StudyAnalysis:
    """The library analysis, cached on the answers themselves (new answers mean a new analysis)."""
    return analyze_study(responses, deviations=deviations, options=AnalysisOptions(apply_screening=apply_screening),
                         source=f"study {study_id}")  # fmt: skip


def show(analysis: StudyAnalysis) -> None:
    for message in analysis.messages:
        st.warning(message)
    st.subheader("Headline")
    st.dataframe(analysis.tables["headline"][["scenario", "statement"]], hide_index=True, key="results_headline")
    for heading, description, tables in SECTIONS:
        present = [(name, columns) for name, columns in tables if name in analysis.tables]
        if not present:
            continue
        st.subheader(heading)
        st.caption(description)
        for name, columns in present:
            table = analysis.tables[name]
            figure = FIGURES[name](table) if name in FIGURES else None
            if figure is not None:
                st.pyplot(figure, clear_figure=False)
            st.dataframe(table[list(columns)] if columns else table, hide_index=True, key=f"results_{name}")
    st.download_button("Download the report (HTML)", study_report(analysis).to_html(), mime="text/html",
                       file_name=f"{analysis.study_id}_report.html", key="results_download_report")  # fmt: skip


require_admin()
st.title("Results")
study_ids = get_store().study_ids()
if not study_ids:
    st.info("No study is registered yet.")
    st.stop()
study_id = st.selectbox("Study", study_ids, key="results_study")
apply_screening = st.toggle("Exclude listeners who fail screening (P.808 / BS.1534)", value=True, key="results_screening")
upload = st.file_uploader("Acoustic deviations per stimulus (CSV from persona score, optional)", type=["csv"],
                          key="results_deviations")  # fmt: skip
try:
    deviations = pd.read_csv(upload) if upload is not None else None
    show(analyse(get_store().responses_frame(study_id), deviations, apply_screening, study_id))
except (PersonaError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
    st.error(str(exc))
