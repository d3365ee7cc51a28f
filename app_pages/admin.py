"""Team page: validate and register surveys, create invite links, watch completion, export answers."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages.common import get_store, require_admin
from persona.errors import PersonaError
from persona.hygiene import csv_text
from persona.trials.access import app_base_url, check_base_url, invite_url
from persona.trials.design import check_design, describe
from persona.trials.flow import completion_by_scenario
from persona.trials.stimuli import prepare_survey
from persona.trials.survey import load_survey

SURVEY_DIR = Path(__file__).resolve().parents[1] / "surveys"


def survey_section() -> None:
    st.subheader("Load a survey")
    files = sorted(p.name for p in SURVEY_DIR.glob("*.toml"))
    name = st.selectbox("Survey file (in surveys/)", files, index=None, key="admin_survey_file")
    if name is None:
        return
    try:
        with st.spinner("Checking the survey and preparing every clip..."):
            survey = load_survey(SURVEY_DIR / name)
            check_design(survey)
            clips = prepare_survey(survey)
    except PersonaError as exc:
        st.error(str(exc))
        return
    st.success(f"{name} is valid: study `{survey.id}`, {len(survey.stimuli)} clips, {len(survey.scenarios)} scenario(s).")
    st.dataframe(describe(survey), hide_index=True, key="admin_survey_tests")
    with st.expander("Prepared clips"):
        st.dataframe(clips, hide_index=True, key="admin_survey_clips")
    if st.button("Register this study", key="admin_register"):
        try:
            get_store().register_study(survey)
            st.success(f"Study `{survey.id}` is registered.")
        except PersonaError as exc:
            st.error(str(exc))


def invite_section(study_id: str) -> None:
    st.subheader("Invite listeners")
    n = st.number_input("How many invite links", min_value=1, max_value=500, value=10, key="admin_invite_n")
    here = app_base_url(st.context.url, base_path=st.get_option("server.baseUrlPath"), address=st.get_option("browser.serverAddress"),
                        port=st.get_option("browser.serverPort") or st.get_option("server.port"))  # fmt: skip
    base_url = st.text_input("App address", value=here, key="admin_base_url", help="Where listeners open the app; "
                             "by default the address of this page.")  # fmt: skip
    if st.button("Create invite links", key="admin_invite_create"):
        try:
            check_base_url(base_url)
        except PersonaError as exc:
            st.error(str(exc))
            return
        links = "\n".join(invite_url(t, base_url=base_url) for t in get_store().create_listeners(study_id, n=int(n)))
        st.code(links, language=None)
        st.download_button("Download links", links, file_name=f"{study_id}_invites.txt", key="admin_invite_download")


def progress_section(study_id: str) -> None:
    store = get_store()
    st.subheader("Completion per scenario")
    st.dataframe(completion_by_scenario(store, study_id), hide_index=True, key="admin_completion")
    st.subheader("Listeners")
    st.dataframe(store.listeners_frame(study_id), hide_index=True, key="admin_listeners")
    st.subheader("Export")
    answers = store.responses_frame(study_id)
    st.download_button(f"Download all answers ({len(answers)} rows, tidy CSV)", csv_text(answers),
                       file_name=f"{study_id}_responses.csv", mime="text/csv", key="admin_export")  # fmt: skip


require_admin()
st.title("Studies and invites")
survey_section()
study_ids = get_store().study_ids()
if study_ids:
    st.divider()
    study_id = st.selectbox("Study", study_ids, key="admin_study")
    invite_section(study_id)
    progress_section(study_id)
