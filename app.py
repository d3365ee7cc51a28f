"""persona's Streamlit app. Run ``streamlit run app.py``.

Listeners arrive with an invite link (``/?token=...``) or a crowd platform's study link
(``/?study=<id>&PROLIFIC_PID=...``) and see only the listening test; the
team pages (admin, results, designer tools) are listed in the sidebar and ask for the team
password. Add a team page by appending an ``st.Page`` to ``TEAM_PAGES``.
"""

import streamlit as st

from persona.trials.access import TOKEN_PARAM
from persona.trials.crowd import STUDY_PARAM

st.set_page_config(page_title="Listening test", page_icon=":headphones:")

LISTEN = st.Page("app_pages/listen.py", title="Listening test", url_path="listen", default=True)
TEAM_PAGES = [
    st.Page("app_pages/admin.py", title="Studies and invites", url_path="admin"),
    st.Page("app_pages/results.py", title="Results", url_path="results"),
    st.Page("app_pages/monitor.py", title="Monitor", url_path="monitor"),
]
DESIGNER_PAGES = [
    st.Page("app_pages/compare.py", title="Compare voices", url_path="compare"),
    st.Page("app_pages/record.py", title="Record reference lines", url_path="record"),
    st.Page("app_pages/calls.py", title="Measure real calls", url_path="calls"),
]

if TOKEN_PARAM in st.query_params or STUDY_PARAM in st.query_params:
    st.navigation([LISTEN], position="hidden").run()
else:
    st.navigation({"Listen": [LISTEN], "Team": TEAM_PAGES, "Designer": DESIGNER_PAGES}).run()
