"""The listening test: consent, headphone check, trials, completion code.

Everything here is presentation; the order, the clips and the storage come from
:class:`persona.trials.flow.ListenerFlow`. Widget keys are opaque per-session ids, and the
browser receives no file, voice or system name. A listener never sees an exception: a
failing database or any other fault becomes a calm "could not save, try again" (details go to
the server log only, and SQLAlchemy's messages carry no parameters), and the answer stays on
the screen to be sent again.
"""

from __future__ import annotations

import logging

import streamlit as st

from app_pages.common import get_store
from persona.errors import PersonaError, SurveyError
from persona.hygiene import without_images
from persona.trials.access import TOKEN_PARAM
from persona.trials.answers import ACR_LABELS, AGREEMENT_LABELS, CONFIDENCE_LABELS, Answer
from persona.trials.component import clip_player
from persona.trials.crowd import STUDY_PARAM
from persona.trials.design import Trial
from persona.trials.flow import ListenerFlow, Step, clip_slots

QUESTIONS = {
    "naturalness": ("How natural does this voice sound?", ACR_LABELS),
    "warmth": ("The speaker sounds warm and friendly.", AGREEMENT_LABELS),
    "trust": ("I would trust this speaker with my problem.", AGREEMENT_LABELS),
    "fit": ("This voice fits the situation.", AGREEMENT_LABELS),
}
AB_LABELS = {"A": "Clip A", "B": "Clip B", "none": "No preference"}
IDENTITY_LABELS = {"human": "A person", "ai": "An AI voice"}
FLOW_KEY = "listener_flow"
ERROR_KEY = "listener_error"
NOTICE_KEY = "listener_notice"
COULD_NOT_SAVE = "Sorry, we could not save that just now. Your answer is still here: please press the button again in a moment."
UNAVAILABLE = "Sorry, the listening test is briefly unavailable. Please reload this page in a minute; your answers so far are kept."
ALREADY_RECORDED = "This answer was already recorded (from another tab or window). Here is the next one."
_log = logging.getLogger(__name__)
UNRATED = -1  # a MUSHRA slider's start: below the 0-100 scale, "not rated yet"


def current_flow() -> ListenerFlow | None:
    """This session's flow for the invite token or crowd study link in the URL (a new session after a reload)."""
    params = st.query_params.to_dict()
    if params.get(TOKEN_PARAM):
        key = ("token", params[TOKEN_PARAM])
    elif params.get(STUDY_PARAM):
        key = ("study", params[STUDY_PARAM], tuple(sorted(params.items())))
    else:
        return None
    held = st.session_state.get(FLOW_KEY)
    if held is None or held[0] != key:
        store = get_store()
        flow = ListenerFlow.start(store, key[1]) if key[0] == "token" else ListenerFlow.join(store, key[1], params)
        st.session_state[FLOW_KEY] = (key, flow)
    return st.session_state[FLOW_KEY][1]


def _run(action, *args) -> None:
    """Call a flow action from a widget callback; keep what to tell the listener for the next render.

    A refused answer shows its own id-free message; any other fault shows :data:`COULD_NOT_SAVE`
    and is logged on the server. An answer that was already stored (another tab) says so.
    """
    try:
        saved = action(*args)
    except SurveyError as exc:
        st.session_state[ERROR_KEY] = f"Not saved: {exc}."
    except Exception:  # noqa: BLE001 - a listener must never see a traceback
        _log.exception("listener action failed")
        st.session_state[ERROR_KEY] = COULD_NOT_SAVE
    else:
        if saved is False:
            st.session_state[NOTICE_KEY] = ALREADY_RECORDED


def show_consent(flow: ListenerFlow) -> None:
    survey = flow.survey
    st.title(without_images(survey.title))
    st.markdown(without_images(survey.instructions))
    st.markdown(
        "You will hear short recordings of a support agent and answer a question about each. "
        "Please use headphones in a quiet place. We store your answers with a random id, no name "
        "or address; you can stop at any time and come back to the same link to continue."
    )
    agreed = st.checkbox("I agree to take part.", key="consent_agree")
    st.button("Start", key="consent_start", type="primary", disabled=not agreed, on_click=_run, args=(flow.consent,))


def show_headphone_check(flow: ListenerFlow, index: int) -> None:
    st.subheader("Sound check")
    st.markdown(
        "Put on headphones. You will hear three noises. One of them has a faint tone inside. "
        "Which one?"
    )
    clip = flow.headphone_clip(index)
    trial_id = f"headphone-{index}"
    if clip_player(clip.wav, key=f"p{clip.key}", label="the noises"):
        flow.mark_played(trial_id, clip.slot)
    answer_key = f"a{clip.key}"
    st.radio("The tone was in", (1, 2, 3), index=None, key=answer_key, horizontal=True, format_func=lambda n: f"noise {n}")
    ready = flow.played(trial_id, [clip.slot]) and st.session_state[answer_key] is not None
    st.button("Continue", key=f"s{clip.key}", type="primary", disabled=not ready,
              on_click=lambda: _run(flow.submit_headphone, index, st.session_state[answer_key]))  # fmt: skip


def show_trial(flow: ListenerFlow, trial: Trial) -> None:
    if trial.practice:
        st.info("Practice: this one shows how the task works and is not scored.")
    st.caption(f"Situation: {without_images(flow.survey.context(trial.scenario))}")
    clips = flow.trial_clips(trial)
    labels = {"clip": "the clip", "A": "clip A", "B": "clip B", "ref": "the reference"}
    players = st.columns(2) if trial.test_type == "ab" else [st.container()]
    for n, clip in enumerate(clips):
        with players[n % len(players)]:
            if clip_player(clip.wav, key=f"p{clip.key}", label=labels.get(clip.slot, f"clip {clip.slot}")):
                flow.mark_played(trial.trial_id, clip.slot)
    keys = {clip.slot: f"a{clip.key}" for clip in clips}
    read_answer = ASK[trial.test_type](trial, keys)
    played = flow.played(trial.trial_id, [c.slot for c in clips])
    answer = read_answer()
    if not played:
        st.caption("Play every clip to the end to answer.")
    st.button("Next", key=f"s{clips[0].key}", type="primary", disabled=not (played and answer is not None),
              on_click=lambda: _run(flow.submit, trial, read_answer()))  # fmt: skip


def ask_acr(trial: Trial, keys: dict[str, str]):
    for attribute in trial.attributes:
        question, labels = QUESTIONS[attribute]
        st.radio(question, tuple(labels), index=None, key=f"{keys['clip']}{attribute}", horizontal=True,
                 format_func=lambda v, labels=labels: f"{v} {labels[v]}")  # fmt: skip

    def read() -> Answer | None:
        ratings = {a: st.session_state[f"{keys['clip']}{a}"] for a in trial.attributes}
        return None if None in ratings.values() else Answer(ratings=ratings)

    return read


def ask_ab(trial: Trial, keys: dict[str, str]):
    options = ("A", "B", "none") if trial.allow_none else ("A", "B")
    st.radio("Which agent would you rather talk to about this?", options, index=None, key=keys["A"], horizontal=True,
             format_func=AB_LABELS.get)  # fmt: skip
    return lambda: None if st.session_state[keys["A"]] is None else Answer(choice=st.session_state[keys["A"]])


def ask_identify(trial: Trial, keys: dict[str, str]):
    st.radio("Was this a person or an AI voice?", ("human", "ai"), index=None, key=f"{keys['clip']}who", horizontal=True,
             format_func=IDENTITY_LABELS.get)  # fmt: skip
    st.radio("How sure are you?", (1, 2, 3), index=None, key=f"{keys['clip']}sure", horizontal=True,
             format_func=CONFIDENCE_LABELS.get)  # fmt: skip

    def read() -> Answer | None:
        who, sure = st.session_state[f"{keys['clip']}who"], st.session_state[f"{keys['clip']}sure"]
        return None if who is None or sure is None else Answer(choice=who, confidence=sure)

    return read


def ask_mushra(trial: Trial, keys: dict[str, str]):
    """Sliders start at "not rated" and count only once on the 0-100 scale; with a reference, one clip must get 100 (BS.1534).

    "Not rated" is a stop below 0 (:data:`UNRATED`). Streamlit puts a slider value it cannot
    produce (e.g. 150 forged over the websocket) back to the slider's start, so a forged value
    becomes "not rated" and is refused, never stored as a rating.
    """
    if trial.reference_id:
        st.markdown(
            "Rate how close each numbered clip sounds to **the reference**: 0 bad, 100 excellent. "
            "One of the numbered clips **is** the reference, hidden: give it **100**."
        )
    else:
        st.markdown("Rate the quality of each numbered clip: 0 bad, 100 excellent.")
    slots = [slot for slot, _ in clip_slots(trial) if slot != "ref"]
    for slot in slots:
        st.slider(f"Clip {slot}", UNRATED, 100, UNRATED, key=keys[slot], help=f"{UNRATED} = not rated yet")
    untouched = [slot for slot in slots if st.session_state[keys[slot]] < 0]
    if untouched:
        st.caption(f"Move every slider onto the 0-100 scale to rate its clip (not yet: clip {', '.join(untouched)}).")
    elif trial.reference_id and max(st.session_state[keys[slot]] for slot in slots) < 100:
        st.caption("Give the clip that is the hidden reference 100.")

    def read() -> Answer | None:
        ratings = {sid: st.session_state[keys[slot]] for slot, sid in zip(slots, trial.stimulus_ids, strict=True)}
        no_full_mark = trial.reference_id and max(ratings.values()) < 100
        return None if untouched or no_full_mark else Answer(ratings=ratings)

    return read


ASK = {"acr": ask_acr, "ab": ask_ab, "identify": ask_identify, "mushra": ask_mushra}


def show_done(flow: ListenerFlow) -> None:
    st.title("Thank you!")
    st.markdown("You have finished. Your completion code is:")
    code = flow.finish()
    st.code(code, language=None)
    link = flow.completion_link(code)
    if link:
        st.link_button("Return to the study platform to confirm completion", link, type="primary")
    st.text_area("Anything you would like to tell us? (optional)", key="comment_text", max_chars=2000)
    st.button("Send comment", key="comment_send", on_click=lambda: _run(flow.comment, st.session_state["comment_text"]))
    if st.session_state.get("comment_text") and st.session_state.get("comment_send"):
        st.success("Thank you, your comment was saved:")
        st.text(st.session_state["comment_text"])


def show_progress(step: Step) -> None:
    """The current screen's name and how many of all screens (sound checks, practice, trials) are done."""
    st.progress(step.answered / step.total if step.total else 1.0, text=f"{step.label} · {step.answered} of {step.total} done")


def show_page() -> None:
    try:
        flow = current_flow()
    except PersonaError as exc:
        st.error(str(exc))
        st.stop()
    if flow is None:
        st.title("Listening test")
        st.info("Please open the personal invite link you were sent; this page needs it to start.")
        st.stop()
    if ERROR_KEY in st.session_state:
        st.error(st.session_state.pop(ERROR_KEY))
    if NOTICE_KEY in st.session_state:
        st.info(st.session_state.pop(NOTICE_KEY))
    step = flow.step()
    show_progress(step)
    if step.kind == "consent":
        show_consent(flow)
    elif step.kind == "headphone":
        show_headphone_check(flow, step.headphone_index)
    elif step.kind == "trial":
        show_trial(flow, step.trial)
    else:
        show_done(flow)


def main() -> None:
    """Show the page; a fault while drawing it (e.g. the database is down) becomes one calm line."""
    try:
        show_page()
    except Exception:  # noqa: BLE001 - st.stop() and reruns are BaseExceptions and pass through
        _log.exception("listening page failed")
        st.error(UNAVAILABLE)


if __name__ == "__main__":  # as Streamlit runs a page; importing this module (tests) draws nothing
    main()
