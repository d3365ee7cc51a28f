"""Compare voices: candidate TTS voices against the human benchmark of a scenario, heard and fixed.

Presentation only. The benchmark, scores, ranking, verdicts, prescriptions and previews come from
:mod:`persona.benchmark`; uploads, progress and per-session memos from :mod:`persona.workbench`.
"""

from __future__ import annotations

import dataclasses
import io
import warnings
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages.common import require_admin
from persona import benchmark as pb
from persona.errors import AudioError, PersonaError
from persona.report.benchmark import band_figure, build_report
from persona.report.format import provenance_items
from persona.report.notes import PAIRED_HOW_TO_READ, RANKING_HOW_TO_READ
from persona.workbench import session, uploads
from persona.workbench.listening import listening_lines
from persona.workbench.progress import score_with_progress
from persona.workbench.summary import benchmark_summary

DEMO_SCENARIO = "billing_dispute"  # the bundled demo's scenario, shown first when the benchmark has it
SOURCES = ("Bundled default", "Built from the reference audio", "Uploaded benchmark file")
BENCHMARK_UPLOAD_LIMITS = uploads.UploadLimits(max_bytes=5_000_000, suffixes=(".json",))
UPLOAD_OUTCOME = "compare_upload_outcome"  # messages of the last "Add these files", shown after the rerun
PREVIEW = "compare_preview"  # (clip, prescription) -> its Preview, kept across reruns
REGISTER_CHOICES = {"From the manifest, else inferred from F0": None, "Low (typically a man's voice)": "low", "High (typically a woman's voice)": "high"}
PAIRED_COLUMNS = ["voice", "human_speaker", "f0_rmse_cents", "f0_gross_error_rate", "f0_correlation", "duration_ratio", "pause_f1"]


def progress_bar(text: str):
    """A progress bar and the callback that moves it."""
    bar = st.progress(0.0, text=text)
    return lambda fraction, status: bar.progress(fraction, text=status)


def uploaded_benchmark() -> pb.Benchmark | None:
    """The benchmark file the user uploads, stored in the working folder and validated by the loader."""
    sent = st.file_uploader("Benchmark file (from `persona benchmark build`)", type=["json"], key="compare_benchmark_file")
    if sent is None:
        return None
    data = sent.getvalue()
    uploads.check_upload(sent.name, len(data), limits=BENCHMARK_UPLOAD_LIMITS)
    folder = session.working_folder() / "benchmarks"
    path = session.memo("benchmark_file", (sent.name, data), lambda: uploads.write_new_file(folder, sent.name, data))
    named = lambda text: str(text).replace(str(path), uploads.shown_name(sent.name))  # noqa: E731 - the user's name, not the server's path
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            bench = pb.load_benchmark(path)
        except PersonaError as exc:
            st.error(named(exc))
            st.stop()
    for warning in caught:
        st.warning(named(warning.message))
    return bench


def choose_benchmark() -> pb.Benchmark | None:
    """Step 1: where the human benchmark comes from."""
    source = st.radio("Human benchmark", SOURCES, key="compare_benchmark_source", horizontal=True)
    telephone = st.checkbox("Measure through the telephone chain (G.711), for call recordings", key="compare_telephone")
    if source == SOURCES[2]:
        return uploaded_benchmark()
    ref_dir = pb.bundled_reference() if source == SOURCES[0] else session.reference_dir()
    return session.reference_benchmark(ref_dir, telephone=telephone, on_progress=progress_bar("profiling the human clips"))


def show_benchmark(bench: pb.Benchmark, scenario: str) -> None:
    """Who the benchmark is built from, and how."""
    info = benchmark_summary(bench).set_index("scenario").loc[scenario]
    clips, speakers, speech = st.columns(3)
    clips.metric("Human clips", int(info["n_clips"]))
    speakers.metric("Speakers", int(info["n_speakers"]))
    speech.metric("Speech", f"{info['speech_min']:.1f} min")
    if info["note"]:
        st.warning(info["note"])
    st.caption(f"Speakers (pitch register, how it was set): {info['speakers']}")
    st.caption(f"Clips per speaker: {info['clips_per_speaker']}")
    if info["unequal_clips"]:
        st.info("Very unequal clips per speaker: speakers weigh equally (each speaker's clip median counts once).")
    for register, stats in bench.pitch_by_register.get(scenario, {}).items():
        st.caption(f"{register} register: {stats.n_speakers} speaker(s), median F0 {stats.median:.0f} Hz")
    with st.expander("Provenance (software, extraction parameters, method)"):
        st.markdown("\n".join(f"- **{item}**: {' '.join(text.split())}" for item, text in provenance_items(bench.provenance)))


def add_uploads() -> None:
    """Step 2b: store uploaded files of a named voice in this session's working folder.

    Name and files are one form: nothing reruns the page until they are added, so no rerun can
    replace the uploader while files are being dropped on it.
    """
    limits = uploads.UploadLimits()
    state = st.session_state
    for kind, message in state.pop(UPLOAD_OUTCOME, []):
        getattr(st, kind)(message)
    with st.form("compare_upload", clear_on_submit=True, enter_to_submit=False, border=False):
        voice = st.text_input("Voice name for the uploaded files", key="compare_upload_voice")
        sent = st.file_uploader(f"Audio files (WAV, FLAC, OGG, MP3; up to {limits.max_megabytes:g} MB and "
                                f"{limits.max_duration_s:g} s each)", type=[s.lstrip(".") for s in limits.suffixes],
                                accept_multiple_files=True, max_upload_size=int(limits.max_megabytes),
                                key="compare_upload_files")  # fmt: skip
        added = st.form_submit_button("Add these files", key="compare_upload_add")
    if not added:
        return
    if not (sent and voice.strip()):
        st.error("Name the voice and choose its audio files, then add them.")
        return
    outcome, stored = [], 0
    for file in sent:
        try:
            uploads.store_upload(session.working_folder() / "voices", file.name, file.getvalue(), voice=voice, limits=limits)
            stored += 1
        except AudioError as exc:
            outcome.append(("error", str(exc)))
    if stored:
        outcome.append(("success", f"Added {stored} file(s) to voice {uploads.safe_label(voice)!r}."))
    state[UPLOAD_OUTCOME] = outcome
    st.rerun()


def choose_voices(ref_dir: Path, scenario: str) -> list[Path]:
    """Step 2: voice folders from the server's reference audio and from this session's uploads."""
    agents_dir = ref_dir / scenario / pb.reference.AGENTS_DIR
    server = {p.name: p for p in sorted(agents_dir.iterdir()) if p.is_dir()} if agents_dir.is_dir() else {}
    picked = st.multiselect(f"Voices on the server ({agents_dir})", list(server), default=list(server),
                            key=f"compare_server_voices_{scenario}")  # fmt: skip
    with st.expander("Upload a voice"):
        add_uploads()
    folder = session.working_folder() / "voices"
    uploaded = uploads.uploaded_voices(folder)
    for voice, files in uploaded.items():
        name, remove = st.columns([4, 1])
        name.markdown(f"Uploaded voice **{voice}**: {len(files)} file(s)")
        if remove.button("Remove", key=f"compare_remove_{voice}"):
            uploads.remove_uploaded_voice(folder, voice)
            st.rerun()
    return [server[v] for v in picked] + [folder / v for v in uploaded]


def compare(bench: pb.Benchmark, scenario: str, voices: list[Path], reference: pd.DataFrame, register: str | None) -> tuple[pb.Scores, pb.Comparison]:
    """Scores and ranking of the chosen voices (with register, typicality and notes), with progress."""
    scores = score_with_progress(voices, bench, scenario=scenario, reference=reference, register=register,
                                 on_progress=progress_bar("profiling the voices"))  # fmt: skip
    with st.spinner("Ranking with 95% intervals"):
        comparison = pb.compare_voices(scores, bench)
    return scores, dataclasses.replace(comparison, ranking=pb.with_context(comparison.ranking, scores))


def png(figure) -> bytes:
    """A matplotlib figure rendered once to PNG bytes (reruns show the bytes, not a new rendering)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def show_ranking(scores: pb.Scores, comparison: pb.Comparison, bench: pb.Benchmark, *, key: tuple) -> str:
    """Step 3: ranked table, per-feature band plots, and the chosen voice's verdicts; returns that voice."""
    st.dataframe(
        comparison.ranking,
        hide_index=True,
        column_config={
            "match_score": st.column_config.ProgressColumn("match score (0-100)", min_value=0, max_value=100, format="%.0f"),
            "persona_distance": st.column_config.NumberColumn("persona distance", format="%.2f"),
            "ci_low": st.column_config.NumberColumn("95% CI low", format="%.2f"),
            "ci_high": st.column_config.NumberColumn("95% CI high", format="%.2f"),
            "interval_note": "interval note",
            "not_resolvable_from": "not resolvable from",
            "human_percentile": st.column_config.NumberColumn("human percentile", format="%.0f", help=pb.typicality.METHOD),
            "humanlike_distance": st.column_config.NumberColumn("human-likeness distance", format="%.2f", help=pb.humanlike.METHOD),
            "consistency_z": st.column_config.NumberColumn("consistency z", format="%.2f", help=pb.humanlike.METHOD),
        },
    )
    st.caption(f"How to read this: {RANKING_HOW_TO_READ} Human percentile: a voice at 97 is "
               f"{pb.typicality.words(97, one_voice=bench.is_one_voice(scores.scenario))}.")  # fmt: skip
    st.image(session.memo("band_figure", key, lambda: png(band_figure(scores, bench))))
    st.caption("Shaded: human p10-p90 band; line: human median; ticks: human clips; dots: each voice's median, in natural units.")
    voices = list(comparison.ranking["voice"])
    voice = st.pills("Voice", voices, default=voices[0], key="compare_voice") or voices[0]
    row = scores.voices.set_index("voice").loc[voice]
    st.markdown(f"Register **{row['register'] or 'unknown'}** ({row['register_source']}); pitch level compared with the {row['pitch_compared_with']}.")
    for note in filter(None, str(row["benchmark_note"]).split("; ")):
        st.warning(note)
    sentences = pb.describe(row, scenario=scores.scenario)
    st.markdown("\n".join(f"- {s}" for s in sentences) or "- every feature within the human band")
    return voice


def show_listening(scores: pb.Scores, lines: pd.DataFrame, voice: str, humans: pd.DataFrame) -> None:
    """Step 4: the chosen voice next to human clips of the same line, with paired-mode metrics.

    A line no human recorded (or a voice whose files are not named like the script lines) comes
    with the scenario's human clips to choose from, so there is always a human to hear it against.
    """
    mine = set(lines.loc[(lines["voice"] == voice) & (lines["role"] == "agent"), "line"])
    paired = scores.paired if scores.paired is not None else pd.DataFrame(columns=["line_id", *PAIRED_COLUMNS])
    for line, clips in lines[lines["line"].isin(mine)].groupby("line", sort=True):
        shown = clips[(clips["role"] == "human") | (clips["voice"] == voice)]
        metrics = paired[(paired["line_id"] == line) & (paired["voice"] == voice)]
        with st.container(border=True):
            st.markdown(f"**{line}**: {clips['transcript'].iloc[0]}" if clips["transcript"].iloc[0] else f"**{line}**")
            for column, clip in zip(st.columns(len(shown)), shown.itertuples()):
                column.caption(f"{clip.role}: {clip.voice}")
                column.audio(clip.file)
            if not (clips["role"] == "human").any():
                other_human_clips(humans, key=f"compare_humans_{voice}_{line}")
            if not metrics.empty:
                st.info("Paired line: the same words from a human agent, aligned by DTW.")
                st.dataframe(metrics[PAIRED_COLUMNS].round(2), hide_index=True)
                st.caption(f"How to read this: {PAIRED_HOW_TO_READ}")
    if not mine:
        st.info(f"No clip of {voice} is a script line of this scenario.")
        other_human_clips(humans, key=f"compare_humans_{voice}")


def other_human_clips(humans: pd.DataFrame, *, key: str) -> None:
    """A human clip of the scenario, chosen by speaker and line, to hear the voice against."""
    if humans.empty:
        st.caption("The reference folder has no human clip of this scenario.")
        return
    labels = {row.file: f"{row.speaker}: {row.transcript[:60] or Path(row.file).name}" for row in humans.itertuples()}
    picked = st.selectbox("No human agent recorded this line; hear one of the scenario's human clips instead",
                          list(labels), format_func=labels.get, key=key)  # fmt: skip
    st.audio(picked)


def show_fix(scores: pb.Scores, bench: pb.Benchmark, lines: pd.DataFrame, voice: str) -> None:
    """Step 5: the SSML prescription, and a PSOLA preview re-scored next to the original."""
    large = st.checkbox("Allow pitch changes over 4 st (they change who the voice sounds like)", key="compare_large_pitch")
    prescription = pb.voice_prescription(scores, bench, voice, allow_large_pitch_change=large)
    st.markdown(f"**Ask the TTS vendor for:** {prescription.summary()}")
    texts = lines.loc[(lines["voice"] == voice) & (lines["transcript"] != ""), "transcript"]
    st.code(prescription.ssml(texts.iloc[0] if len(texts) else None), language="xml")
    measured = ~scores.files["error"].fillna("").astype(bool)
    files = list(scores.files.loc[(scores.files["voice"] == voice) & measured, "file"])
    if not files:
        return
    clip = st.selectbox("Clip to preview", files, format_func=lambda f: Path(f).name, key="compare_preview_clip")
    wanted = (clip, repr(prescription))  # the preview on screen must be of this clip with these changes
    if st.button("Make the PSOLA preview", key="compare_preview_make"):
        name = f"{uploads.safe_label(voice)}_{uploads.safe_label(Path(clip).stem)}_preview.wav"
        out = session.working_folder() / "previews" / name
        out.parent.mkdir(parents=True, exist_ok=True)
        with st.spinner("Resynthesising with PSOLA and scoring again"):
            try:
                made = pb.preview(clip, bench, scenario=scores.scenario, out_path=out, prescription=prescription,
                                  register=scores.registers.get(voice) or None)  # fmt: skip
                st.session_state[PREVIEW] = (wanted, made)
            except PersonaError as exc:
                st.error(f"No preview: {exc}")
    shown, result = st.session_state.get(PREVIEW, (None, None))
    if shown != wanted:
        return
    before, after = (r.voices.iloc[0] for r in (result.before, result.after))
    original, adjusted = st.columns(2)
    original.metric("Original match score", f"{before['match_score']:.0f}")
    original.audio(clip)
    gain = after["match_score"] - before["match_score"]
    adjusted.metric("Preview match score", f"{after['match_score']:.0f}", delta=f"{gain:+.0f}")
    adjusted.audio(str(result.out_path))


def show_exports(scores: pb.Scores, comparison: pb.Comparison, bench: pb.Benchmark) -> None:
    """Step 6: the HTML report (made when clicked) and the CSV tables shown on this page."""
    name = scores.scenario
    tables = {"ranking": comparison.ranking, "voices": scores.voices, "clips": scores.files}
    report, *columns = st.columns(1 + len(tables))
    large = st.session_state.get("compare_large_pitch", False)
    report.download_button("HTML report", lambda: build_report(scores, bench, comparison=comparison, allow_large_pitch_change=large).to_html(),
                           file_name=f"{name}_report.html", mime="text/html", key="compare_download_report")  # fmt: skip
    for column, (label, table) in zip(columns, tables.items()):
        column.download_button(f"{label.capitalize()} CSV", table.to_csv(index=False), file_name=f"{name}_{label}.csv",
                               mime="text/csv", key=f"compare_download_{label}")  # fmt: skip


def or_stop(compute):
    """``compute()``, or its error shown and the page stopped."""
    try:
        return compute()
    except PersonaError as exc:
        st.error(str(exc))
        st.stop()


require_admin()
st.title("Compare voices")
st.markdown("Pick a scenario and the candidate voices; see how far each sits from your best human agents, "
            "hear them side by side, and copy the change to ask of the TTS vendor.")  # fmt: skip
bench = or_stop(choose_benchmark)
if bench is None:
    st.info("Upload a benchmark file to continue.")
    st.stop()
scenario = st.selectbox("Scenario", bench.scenarios, index=bench.scenarios.index(DEMO_SCENARIO) if DEMO_SCENARIO in bench.scenarios else 0,
                        key="compare_scenario")  # fmt: skip
show_benchmark(bench, scenario)
st.header("Voices")
ref_dir = session.reference_dir()
reference = or_stop(lambda: pb.read_reference(ref_dir))
voices = choose_voices(ref_dir, scenario)
if not voices:
    st.info("Pick voices on the server or upload a voice to compare.")
    st.stop()
register = REGISTER_CHOICES[st.radio("Pitch register of the voices", list(REGISTER_CHOICES), key="compare_register", horizontal=True)]
key = (session.content_key(bench.to_dict()), scenario, session.fingerprint(voices), register)
scores, comparison = or_stop(lambda: session.memo("comparison", key, lambda: compare(bench, scenario, voices, reference, register)))
lines = listening_lines(scores, reference)
st.header("At a glance")
voice = show_ranking(scores, comparison, bench, key=key)
st.header(f"Listen: {voice}")
show_listening(scores, lines, voice, pb.reference.humans(reference, scenario))
st.header(f"Fix: {voice}")
show_fix(scores, bench, lines, voice)
st.header("Export")
show_exports(scores, comparison, bench)
