"""Team page: the live agent's control charts, alarms and messiest calls - the same as ``persona monitor report``."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages.common import require_admin
from persona.errors import PersonaError
from persona.monitor import MonitorStore, Settings, messiest
from persona.monitor.check import alarm_sentence, raised, standing_sentences, watch_store
from persona.storage import default_db_url
from persona.report.monitor import build_report, control_figure


@st.cache_resource(show_spinner=False)
def _store(db_url: str) -> MonitorStore:
    return MonitorStore(db_url)


require_admin()
st.title("Monitor")
left, middle, right = st.columns(3)
period = left.selectbox("Period", ["week", "day"], key="monitor_period")
baseline = middle.number_input(f"Baseline: first {period}s", min_value=1, max_value=52, value=4, key="monitor_baseline")
per_version = right.toggle("Each agent version on its own baseline", key="monitor_per_version")
settings = Settings(period=period, baseline_periods=int(baseline), per_version=per_version)
try:
    watched, recordings = watch_store(_store(default_db_url()), settings)
except PersonaError as exc:
    st.info(str(exc))
    st.stop()

st.caption(f"{len(recordings)} recordings. {settings.describe()}")
st.subheader("Alarms")
alarms = raised(watched)
for alarm in alarms.to_dict("records"):
    st.error(alarm_sentence(alarm))
    for file in alarm["calls"]:
        if Path(file).is_file():
            st.audio(file)
        else:
            st.caption(f"{file} (not on this server)")
if alarms.empty:
    st.success("No drift: every chart is within its control limits.")

st.subheader("Against the human benchmark")
for line in standing_sentences(watched):
    st.write(line)
st.dataframe(watched.standing, hide_index=True, key="monitor_standing")

st.subheader("Control charts")
group = st.selectbox("Scenario", sorted(watched.periods["group"].unique()), key="monitor_group")
figure = control_figure(watched, group)
if figure is not None:
    st.pyplot(figure, clear_figure=False)

st.subheader("Messiest calls of the latest period")
st.dataframe(messiest(recordings, watched), hide_index=True, key="monitor_messiest")
for note in watched.notes:
    st.warning(note)
st.download_button("Download the report (HTML)", build_report(watched, recordings).to_html(), mime="text/html",
                   file_name="monitor.html", key="monitor_download_report")  # fmt: skip
