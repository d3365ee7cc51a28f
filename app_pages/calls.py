"""Measure real calls: upload two-channel call recordings, read their turn-taking and timeline.

Presentation only: the measuring is :class:`persona.calls.CallProfiler`, scoring against a calls
benchmark :func:`persona.calls.score_calls`, the timeline :func:`persona.report.calls.timeline_figure`;
uploads are stored by :mod:`persona.workbench.uploads`.
"""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from app_pages.common import require_admin
from persona.calls import CallProfiler, load_call_benchmark, read_turns, score_calls
from persona.errors import AudioError, PersonaError
from persona.report.calls import timeline_figure
from persona.workbench import session, uploads

CALL_LIMITS = uploads.UploadLimits(max_bytes=200 * 2**20, max_duration_s=4 * 3600.0)
TURNS_LIMITS = uploads.UploadLimits(max_bytes=5 * 2**20, suffixes=(".csv", ".rttm"))
BENCHMARK_LIMITS = uploads.UploadLimits(max_bytes=5 * 2**20, suffixes=(".json",))
CHANNELS = {"Guess per call (the first to speak)": None, "Channel 0": 0, "Channel 1": 1}
SHOWN = ["file", "agent_channel", "agent_channel_source", "duration_s", "response_latency_median_s", "response_latency_p90_s",
         "response_over_1s_share", "overlap_count", "overlap_s", "barge_in_count", "barge_in_stop_median_s",
         "agent_talk_ratio", "dead_air_3s_count", "dead_air_10s_count", "agent_f0_median_hz", "agent_speech_rate_syl_s",
         "error", "warning"]  # fmt: skip


def stored(sent, folder: str, limits: uploads.UploadLimits):
    """Store uploaded files in this session's working folder; errors shown, good paths returned."""
    paths = []
    for file in sent or []:
        data = file.getvalue()
        try:
            uploads.check_upload(file.name, len(data), limits=limits)
            paths.append(session.memo(f"calls_{folder}_{file.file_id}", len(data),
                                      lambda: uploads.write_new_file(session.working_folder() / folder, file.name, data)))  # fmt: skip
        except AudioError as exc:
            st.error(str(exc))
    return paths


def png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


require_admin()
st.title("Measure real calls")
st.markdown(
    "Upload call recordings with the agent on one channel and the caller on the other (a mono call needs a "
    "turns file: CSV `speaker,start_s,end_s` or RTTM). Each call gets its response latency, overlaps, barge-ins, "
    "talk ratio, dead air and the agent side's voice profile, and a timeline of who spoke when."
)
calls = stored(st.file_uploader(f"Call recordings (WAV, FLAC, OGG, MP3; up to {CALL_LIMITS.max_megabytes:g} MB each)",
                                type=[s.lstrip(".") for s in CALL_LIMITS.suffixes], accept_multiple_files=True,
                                key="calls_files"), "calls", CALL_LIMITS)  # fmt: skip
channel = CHANNELS[st.radio("Agent channel", list(CHANNELS), key="calls_agent_channel", horizontal=True)]
turns_file = stored([f for f in [st.file_uploader("Turns file (optional; required for mono calls)", type=["csv", "rttm"], key="calls_turns")] if f],
                    "turns", TURNS_LIMITS)  # fmt: skip
if not calls:
    st.info("Upload one or more calls to measure them.")
    st.stop()
try:
    turns = read_turns(turns_file[0]) if turns_file else None
    key = (tuple(map(str, calls)), channel, str(turns_file))
    with st.spinner("Measuring the calls"):
        tables = session.memo("calls_tables", key, lambda: CallProfiler().process_files(calls, agent_channel=channel, turns=turns))
except PersonaError as exc:
    st.error(str(exc))
    st.stop()

def shown(text: str) -> str:
    """Text with this session's working folder left out of file paths (the server's folders stay private)."""
    return str(text).replace(f"{session.working_folder()}/calls/", "")


st.header("Per call")
st.dataframe(tables.calls[SHOWN].assign(file=tables.calls["file"].map(shown), error=tables.calls["error"].map(shown)), hide_index=True)
for row in tables.calls.itertuples():
    if row.error:
        st.error(shown(row.error))
    elif row.warning:
        st.warning(f"{shown(row.file)}: {row.warning}")
left, right = st.columns(2)
left.download_button("Per-call table (CSV)", csv(tables.calls), "calls.csv", key="calls_download_calls")
right.download_button("Per-turn table (CSV)", csv(tables.turns), "turns.csv", key="calls_download_turns")

st.header("Timelines")
st.caption("Agent (top) and caller (bottom); the band between them is the gap before a response, coloured by length; hatching marks overlap.")
for file in tables.calls.loc[~tables.calls["error"].astype(bool), "file"]:
    st.image(png(timeline_figure(tables.turns, file)), caption=shown(file))

st.header("Against your best agents")
bench_file = stored([f for f in [st.file_uploader("Calls benchmark (from `persona calls benchmark`)", type=["json"], key="calls_benchmark")] if f],
                    "benchmarks", BENCHMARK_LIMITS)  # fmt: skip
if not bench_file:
    st.info("Upload a calls benchmark to score these calls against your human agents' calls.")
    st.stop()
try:
    bench = load_call_benchmark(bench_file[0])
    scenario = st.selectbox("Scenario", bench.scenarios, key="calls_scenario")
    result = session.memo("calls_scores", (key, str(bench_file), scenario),
                          lambda: score_calls(calls, bench, scenario=scenario, agent_channel=channel))  # fmt: skip
except PersonaError as exc:
    st.error(str(exc))
    st.stop()
s = result.summary
method = result.calls.attrs["provenance"]["params"]["syllables"]
st.caption(f"The agent side measured as the benchmark's human calls were: syllables counted by '{method}'.")
distance, timing, persona = st.columns(3)
distance.metric("Call distance", f"{s['call_distance']:.2f}")
timing.metric("Timing block", f"{s['timing_distance']:.2f}")
persona.metric("Persona block", f"{s['persona_distance']:.2f}")
for sentence in s["sentences"] or ["Every feature is inside the human p10-p90 band."]:
    st.markdown(f"- {sentence}")
st.dataframe(result.files.assign(file=result.files["file"].map(shown), error=result.files["error"].map(shown)), hide_index=True)
