"""One listener's way through a study: consent, headphone check, trials, completion.

:class:`ListenerFlow` is what the listening page talks to. It works out the next step from the
database alone (so a reload or a server restart resumes at the first unanswered trial), hands
out clips under opaque per-session keys with per-presentation bytes, and commits each answer
before the next step is computed. It needs no Streamlit, so tests and benchmarks drive it
directly.

Playback evidence is the server's, not the browser's: a clip counts as played only when its
end is reported at least its duration (minus :data:`PLAYBACK_TOLERANCE_S`) after the server
sent it, so a browser that sets the player's value to ``{"ended": true}`` at once is refused
until that much time has passed. An answer given sooner after the screen was sent than the
clips on it last together (minus the same tolerance per clip) is stored with
``fast_answer = True`` and counts in screening.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, partial

import pandas as pd

from ..errors import SurveyError
from ..io import Audio
from . import access
from .answers import Answer, response_rows
from .crowd import completion_link, is_participant_shaped, participant_hash
from .design import Trial, listener_plan
from .headphone import HeadphoneTrial, huggins_trial
from .stimuli import opaque_id, prepare, presentation_seed, scenario_samples, wav_bytes
from .store import Listener, ListenerSession, Store, utcnow
from .survey import Survey

HEADPHONE_TRIAL_PREFIX = "headphone-"
PLAYBACK_TOLERANCE_S = 0.25
"""How much sooner than a clip's duration (s) its end may be reported: the browser's start-up and
timer granularity, never a skipped second of audio."""


def _now() -> datetime:
    """The server clock every playback check reads (one function, so tests can run it fast)."""
    return utcnow()


@dataclass(frozen=True)
class Clip:
    """A clip as sent to one browser session: an opaque key, freshly dithered WAV bytes, its length in s."""

    key: str
    slot: str
    wav: bytes
    duration_s: float


@dataclass(frozen=True)
class Step:
    """What the listener sees next.

    ``kind`` is ``consent``, ``headphone`` (``headphone_index`` set), ``trial`` (``trial``
    set) or ``done``. ``answered`` and ``total`` count every answered screen, sound checks and
    practice included, for the progress bar; ``label`` names the current one ("Sound check 1 of
    3", "Practice 1 of 2", "Trial 4 of 20").
    """

    kind: str
    answered: int
    total: int
    trial: Trial | None = None
    headphone_index: int | None = None
    label: str = ""


def clip_slots(trial: Trial) -> list[tuple[str, str]]:
    """``(slot, stimulus id)`` of each clip on a trial's screen, in display order.

    Slots are ``clip`` (ACR, identification), ``A``/``B`` (AB), ``ref`` (if any) and ``1``..``n`` (MUSHRA).
    """
    if trial.test_type == "ab":
        return list(zip(("A", "B"), trial.stimulus_ids, strict=True))
    if trial.test_type == "mushra":
        reference = [("ref", trial.reference_id)] if trial.reference_id else []  # reference-free MUSHRA has none
        return reference + [(str(k), sid) for k, sid in enumerate(trial.stimulus_ids, start=1)]
    return [("clip", trial.stimulus_ids[0])]


class ListenerFlow:
    """The state of one listener in one browser session (keep one per session)."""

    def __init__(self, store: Store, listener: Listener, session: ListenerSession):
        self.store = store
        self.listener = listener
        self.session = session
        self._screens: dict[str, list[Clip]] = {}
        self._sent_at: dict[str, datetime] = {}
        self._played: set[tuple[str, str]] = set()
        self._submitted: set[str] = set()

    @classmethod
    def start(cls, store: Store, token: object) -> ListenerFlow:
        """Open a new session for the holder of an invite token.

        Raises
        ------
        SurveyError
            If the token is malformed or unknown.
        """
        listener = store.listener(token) if access.is_token_shaped(token) else None
        if listener is None:
            raise SurveyError("this invite link is not valid; please use the exact link you were sent")
        return cls(store, listener, store.open_session(listener.id))

    @classmethod
    def join(cls, store: Store, study_id: object, query: Mapping[str, str]) -> ListenerFlow:
        """Open a new session for a crowd participant arriving from the platform's study link.

        ``query`` holds the link's URL parameters; the participant id is the one the survey
        names in ``crowd.participant_param``.

        Raises
        ------
        SurveyError
            If the study is unknown, takes no crowd participants, or the participant id is missing.
        """
        known = isinstance(study_id, str) and study_id in store.study_ids()
        crowd = store.survey(study_id).crowd if known else None
        if crowd is None or not crowd.participant_param:
            raise SurveyError("this study link is not valid; please start again from the study page you came from")
        participant_id = query.get(crowd.participant_param)
        if not is_participant_shaped(participant_id):
            raise SurveyError("this study link lacks your participant id; please start again from the study page you came from")
        participant = participant_hash(store.study_secret(study_id), participant_id)
        listener = store.participant_listener(study_id, participant=participant)
        return cls(store, listener, store.open_session(listener.id))

    @cached_property
    def survey(self) -> Survey:
        return self.store.survey(self.listener.study_id)

    @cached_property
    def plan(self) -> tuple[Trial, ...]:
        return listener_plan(self.survey, listener_index=self.listener.position)

    # ---- where are we -------------------------------------------------------------------

    def step(self) -> Step:
        """The first unfinished step, read from the database."""
        answered = self.store.answered_trials(self.listener.id)
        n_checks = self.survey.headphone_trials
        checks = self.store.headphone_answers(self.listener.id) if n_checks else {}
        done = sum(t.trial_id in answered for t in self.plan) + sum(k in checks for k in range(n_checks))
        total = n_checks + len(self.plan)
        if not self._consented():
            return Step("consent", done, total, label="Welcome")
        pending_check = next((k for k in range(n_checks) if k not in checks), None)
        if pending_check is not None:
            return Step("headphone", done, total, headphone_index=pending_check, label=f"Sound check {pending_check + 1} of {n_checks}")
        trial = next((t for t in self.plan if t.trial_id not in answered), None)
        if trial is None:
            return Step("done", done, total, label="Finished")
        return Step("trial", done, total, trial=trial, label=self._trial_label(trial))

    def _trial_label(self, trial: Trial) -> str:
        """``Practice k of p`` or ``Trial k of n`` (practice screens are not counted as trials)."""
        same = [t for t in self.plan if t.practice == trial.practice]
        return f"{'Practice' if trial.practice else 'Trial'} {same.index(trial) + 1} of {len(same)}"

    def _consented(self) -> bool:
        if not self.listener.consented:
            self.listener = self.store.listener_by_id(self.listener.id)
        return self.listener.consented

    def consent(self) -> None:
        """Record that the listener accepted the consent form."""
        self.store.record_consent(self.listener.id)

    # ---- clips --------------------------------------------------------------------------

    @cached_property
    def _scenario_samples(self) -> dict[str, int]:
        return scenario_samples(self.survey)

    def trial_clips(self, trial: Trial) -> list[Clip]:
        """The clips of a trial for this session (recorded as presented on first call).

        Every clip is padded with silence to the scenario's longest clip, so its length says
        nothing about its role.
        """
        audio = self.survey.audio
        return self._screen(
            trial.trial_id,
            [(slot, sid, partial(prepare, self.survey.stimulus(sid), audio)) for slot, sid in clip_slots(trial)],
            pad_to=self._scenario_samples[trial.scenario],
        )

    def headphone_clip(self, index: int) -> Clip:
        """The stereo Huggins-pitch clip of headphone check ``index``."""
        return self._screen(f"{HEADPHONE_TRIAL_PREFIX}{index}", [("clip", "huggins", partial(self._headphone_trial, index))])[0]

    def _headphone_trial(self, index: int) -> HeadphoneTrial:
        return huggins_trial(seed=[self.survey.seed, self.listener.position, index])

    def _screen(
        self, trial_id: str, clips: list[tuple[str, str, Callable[[], Audio | HeadphoneTrial]]], *, pad_to: int = 0
    ) -> list[Clip]:
        """Encode a screen's clips once per session under opaque keys, and record their presentation.

        The dither, gain jitter and silence split of each presentation come from the session's
        secret, which never leaves the server (the opaque key the browser gets does not reveal them).
        """
        if trial_id not in self._screens:
            encoded = []
            for slot, _, make_audio in clips:
                audio = make_audio()
                seed = presentation_seed(self.session.secret, trial_id, slot)
                wav = wav_bytes(audio.samples, sr_hz=audio.sr_hz, seed=seed, pad_to=pad_to)
                n = max(pad_to, len(audio.samples))
                encoded.append(Clip(opaque_id(self.session.secret, trial_id, slot), slot, wav, n / audio.sr_hz))
            self.store.record_presentations(self.session.id, trial_id=trial_id, clips=[(slot, sid) for slot, sid, _ in clips])
            self._screens[trial_id] = encoded
            self._sent_at[trial_id] = _now()
        return self._screens[trial_id]

    def mark_played(self, trial_id: str, slot: str) -> bool:
        """Record that a clip of this session was played to its end, if the server's clock allows it.

        Returns ``False`` (and records nothing) when the clip is not on this session's screen or
        less than its duration minus :data:`PLAYBACK_TOLERANCE_S` has passed since it was sent.
        """
        if (trial_id, slot) in self._played:
            return True
        clip = next((c for c in self._screens.get(trial_id, ()) if c.slot == slot), None)
        if clip is None or self._elapsed_s(trial_id) < clip.duration_s - PLAYBACK_TOLERANCE_S:
            return False
        self.store.mark_played(self.session.id, trial_id=trial_id, slot=slot)
        self._played.add((trial_id, slot))
        return True

    def played(self, trial_id: str, slots: list[str]) -> bool:
        """Whether every listed clip of a trial was played to its end in this session."""
        return all((trial_id, slot) in self._played for slot in slots)

    def _elapsed_s(self, trial_id: str) -> float:
        """Seconds since this session sent the screen's clips."""
        return (_now() - self._sent_at[trial_id]).total_seconds()

    def _fast(self, trial_id: str) -> bool:
        """Answered sooner than listening to every clip of the screen one after the other takes."""
        clips = self._screens[trial_id]
        return self._elapsed_s(trial_id) < sum(c.duration_s - PLAYBACK_TOLERANCE_S for c in clips)

    # ---- answers ------------------------------------------------------------------------

    def submit(self, trial: Trial, answer: Answer) -> bool:
        """Validate and commit an answer; ``False`` if it was already stored (double submit, another tab).

        Raises
        ------
        SurveyError
            If the answer does not fit the trial, or a clip was not played to the end.
        """
        rows = response_rows(self.survey, trial, answer)
        if trial.trial_id in self._submitted:
            return False
        slots = [slot for slot, _ in clip_slots(trial)]
        if trial.trial_id not in self._screens or not self.played(trial.trial_id, slots):
            raise SurveyError("please play every clip to the end before answering")
        identity = {"listener_id": self.listener.id, "session_id": self.session.id}
        timing = {"response_time_s": self._elapsed_s(trial.trial_id), "played_full": True, "fast_answer": self._fast(trial.trial_id)}
        saved = self.store.save_answer([{**row, **identity, **timing} for row in rows])
        self._screens.pop(trial.trial_id, None)
        self._submitted.add(trial.trial_id)
        return saved

    def submit_headphone(self, index: int, answer: int) -> bool:
        """Store a headphone-check answer; after the last one, store pass or fail."""
        trial_id = f"{HEADPHONE_TRIAL_PREFIX}{index}"
        if not self.played(trial_id, ["clip"]):
            raise SurveyError(f"sound check {index + 1}: play the sounds to the end before answering")
        if answer not in (1, 2, 3):
            raise SurveyError(f"sound check {index + 1}: answer must be 1, 2 or 3 (got {answer!r})")
        self._screens.pop(trial_id, None)
        saved = self.store.save_headphone_answer(
            self.listener.id, check_index=index, answer=answer, correct_answer=self._headphone_trial(index).answer
        )
        results = self.store.headphone_answers(self.listener.id)
        if len(results) == self.survey.headphone_trials:
            self.store.record_headphone_result(self.listener.id, passed=sum(results.values()) >= self.survey.headphone_min_correct)
        return saved

    def finish(self) -> str:
        """Mark the listener complete and return the completion code."""
        code = access.completion_code(self.store.study_secret(self.listener.study_id), self.listener.position)
        self.store.record_completion(self.listener.id, code=code)
        return code

    def completion_link(self, code: str) -> str | None:
        """Where to send the finished listener (the survey's ``crowd.completion_url``), or ``None``."""
        url = self.survey.crowd.completion_url
        return completion_link(url, code) if url else None

    def comment(self, text: str, *, max_chars: int = 2000) -> None:
        """Store an optional free-text comment (plain text, truncated to ``max_chars``)."""
        self.store.record_comment(self.listener.id, comment=text[:max_chars])


def completion_by_scenario(store: Store, study_id: str) -> pd.DataFrame:
    """Per scenario: listeners invited, started and finished, and trials answered of trials planned."""
    survey = store.survey(study_id)
    listeners = store.listeners_frame(study_id)
    answers = store.responses_frame(study_id)
    answered = answers.groupby("listener_id")["trial_id"].agg(set).to_dict()
    rows = []
    for scenario in survey.scenarios:
        started = finished = n_answered = n_planned = 0
        for listener_id, position in zip(listeners["listener_id"], listeners["position"], strict=True):
            planned = {t.trial_id for t in listener_plan(survey, listener_index=position) if t.scenario == scenario.id}
            done = planned & answered.get(listener_id, set())
            started += bool(done)
            finished += bool(planned) and done == planned
            n_answered, n_planned = n_answered + len(done), n_planned + len(planned)
        rows.append({"scenario": scenario.id, "invited": len(listeners), "started": started, "finished": finished,
                     "trials_answered": n_answered, "trials_planned": n_planned})  # fmt: skip
    return pd.DataFrame(rows)
