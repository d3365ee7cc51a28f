"""Record reference lines in the browser: one take per script line, a quality check, add good takes.

Presentation only: the quality check, the storage and the manifest update are
:mod:`persona.workbench.takes`; the rebuild is :func:`persona.workbench.progress.build_with_progress`.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import require_admin
from persona.benchmark.reference import read_reference
from persona.errors import AudioError, PersonaError
from persona.workbench import session, takes
from persona.workbench.summary import benchmark_summary

ADDED_KEY = "record_added"  # take file name -> manifest entry, so a rerun never adds a take twice


REGISTER_CHOICES = {"": "not given", "low": "low (typically a man's voice)", "high": "high (typically a woman's voice)"}


def show_line(line, *, scenario: str, speaker: str, register: str, ready: bool) -> None:
    """One script line: recorder, quality check, and the button that adds an accepted take."""
    st.markdown(f"**{line.line_id}**: {line.transcript}")
    recording = st.audio_input("Record this line", key=f"record_audio_{scenario}_{line.line_id}")
    if recording is None:
        return
    try:
        path = takes.keep_recording(session.working_folder(), recording.getvalue(), line_id=line.line_id)
        audio = takes.load_take(path)
    except AudioError as exc:
        st.error(f"Take rejected: {exc.problem}")
        return
    check = takes.check_take(audio)
    st.dataframe(check.table(), hide_index=True)
    if not check.accepted:
        st.error("Take rejected: " + "; ".join(check.problems) + ". Please record it again.")
        return
    added = st.session_state.setdefault(ADDED_KEY, {})
    if path.name in added:
        st.success(f"Added to the reference audio as `{added[path.name]}`.")
        return
    st.success("Take accepted.")
    if st.button("Add to the reference audio", key=f"record_add_{scenario}_{line.line_id}", disabled=not ready):
        try:
            added[path.name] = takes.add_take(audio, reference_dir=session.reference_dir(), scenario=scenario,
                                              speaker=speaker, line_id=line.line_id, transcript=line.transcript,
                                              register=register)  # fmt: skip
        except (PersonaError, OSError) as exc:
            st.error(f"Could not add the take; the manifest is unchanged. {exc}")
            return
        st.success(f"Added to the reference audio as `{added[path.name]}`.")


def show_rebuild() -> None:
    """Rebuild the benchmark from the reference folder, with a progress bar; the compare page then uses it."""
    st.subheader("Rebuild the benchmark")
    if not st.button("Rebuild the benchmark from the reference audio", key="record_rebuild"):
        return
    bar = st.progress(0.0, text="profiling the human clips")
    try:
        bench = session.reference_benchmark(session.reference_dir(), telephone=False, on_progress=lambda f, text: bar.progress(f, text=text))
    except PersonaError as exc:
        st.error(str(exc))
        return
    st.success("Benchmark rebuilt; the Compare voices page uses it when you choose the reference audio.")
    st.dataframe(benchmark_summary(bench), hide_index=True)


require_admin()
st.title("Record reference lines")
st.markdown(
    "Record the scenario's script lines as you would say them on a good call. Each take is checked "
    "for level, clipping, background noise and length; accepted takes join the human reference "
    "audio, and the benchmark can then be rebuilt below."
)
try:
    reference = read_reference(session.reference_dir())
except PersonaError as exc:
    st.error(str(exc))
    st.stop()
scenario = st.selectbox("Scenario", sorted(set(reference["scenario"])), key="record_scenario")
speaker = st.text_input("Your name (stored as the speaker of your takes)", key="record_speaker")
register = st.selectbox("Your pitch register (optional: pitch advice then compares voices of your register)",
                        list(REGISTER_CHOICES), format_func=REGISTER_CHOICES.get, key="record_register")  # fmt: skip
consent = st.checkbox("I agree that my accepted takes are stored as reference audio for this team.", key="record_consent")
if not (speaker.strip() and consent):
    st.info("Enter your name and agree to storage to add takes.")
lines = takes.script_lines(reference, scenario)
if lines.empty:
    st.warning("This scenario has no script lines yet (manifest rows with a line_id and a transcript).")
for line in lines.itertuples(index=False):
    with st.container(border=True):
        show_line(line, scenario=scenario, speaker=speaker, register=register, ready=bool(speaker.strip() and consent))
show_rebuild()
