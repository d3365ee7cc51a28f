"""Fixtures for the listening-trial tests: synthetic voices, survey files and a file database."""

from __future__ import annotations

import itertools
import textwrap
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from streamlit.testing.v1 import AppTest

from persona.trials import flow as flow_module
from persona.trials.answers import Answer
from persona.trials.flow import ListenerFlow
from persona.trials.stimuli import prepare_survey
from persona.trials.store import Store
from persona.trials.survey import load_survey

# voice -> (role, f0 in Hz, sample rate in Hz); humans at telephone rate, agents at TTS rate
VOICES = {
    "robo_alpha": ("agent", 120.0, 16000),
    "robo_beta": ("agent", 190.0, 16000),
    "agent_carol": ("human", 210.0, 8000),
    "agent_dave": ("human", 105.0, 8000),
}
LINES = ("l01", "l02")
ADMIN_PASSWORD = "correct horse battery staple"


def voice_clip(f0_hz: float, sr_hz: int, *, seconds: float = 1.0, silence_s: float = 0.2, seed: int = 0) -> np.ndarray:
    """A speech-like harmonic complex: gliding f0, 4 Hz syllabic envelope, silent margins."""
    t = np.arange(int(seconds * sr_hz)) / sr_hz
    f0 = f0_hz * (1 + 0.08 * np.sin(2 * np.pi * 1.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / sr_hz
    tone = sum(np.sin(k * phase) / k for k in range(1, 12) if k * f0_hz < sr_hz / 2)
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t) ** 2
    noise = np.random.default_rng(seed).standard_normal(t.size) * 0.01
    pad = np.zeros(int(silence_s * sr_hz))
    return np.concatenate([pad, 0.3 * tone * envelope / np.max(np.abs(tone)) + noise, pad])


def write_voices(folder: Path) -> list[dict]:
    """Write one WAV per voice and line; return the stimulus entries."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for v, (voice, (role, f0_hz, sr_hz)) in enumerate(VOICES.items()):
        for n, line in enumerate(LINES):
            path = folder / f"{voice}_{line}.wav"
            sf.write(path, voice_clip(f0_hz * (1 + 0.05 * n), sr_hz, seed=10 * v + n), sr_hz, subtype="PCM_16")
            entries.append({"id": f"{voice}_{line}", "file": f"audio/{path.name}", "voice": voice, "role": role, "line_id": line})
    return entries


TEST_BLOCKS = {
    "acr": '[[test]]\ntype = "acr"\nattributes = ["naturalness", "trust"]\ngold = 1\n',
    "ab": '[[test]]\ntype = "ab"\npairs = "agent_vs_human"\ngold = 1\n',
    "identify": '[[test]]\ntype = "identify"\n',
    "mushra": '[[test]]\ntype = "mushra"\n',
    "mushra_free": '[[test]]\ntype = "mushra"\nreference = false\n',
    "identify_subset": '[[test]]\ntype = "identify"\ntrials_per_listener = 3\n',
}
CROWD = '[crowd]\nparticipant_param = "PROLIFIC_PID"\ncompletion_url = "https://app.prolific.example/submissions/complete?cc={code}"\n'



def survey_text(entries: list[dict], tests: tuple[str, ...], *, study_id: str = "synthetic", headphone_trials: int = 1,
                practice: bool = True, crowd: bool = False) -> str:  # fmt: skip
    head = textwrap.dedent(
        f"""
        [study]
        id = "{study_id}"
        title = "Synthetic voices"
        instructions = "Listen to each clip to the end, then answer."
        seed = 3
        practice = {str(practice).lower()}

        [audio]
        telephone = true
        loudness_lufs = -23.0
        sample_rate_hz = 8000
        anchor_lowpass_hz = 1200.0

        [headphone_check]
        trials = {headphone_trials}
        min_correct = {headphone_trials}

        [[scenario]]
        id = "billing_dispute"
        context = "The caller is disputing a charge on their bill."
        """
    )
    stimuli = "".join(
        f'\n[[stimulus]]\nid = "{e["id"]}"\nfile = "{e["file"]}"\nscenario = "billing_dispute"\n'
        f'line_id = "{e["line_id"]}"\nvoice = "{e["voice"]}"\nrole = "{e["role"]}"\n'
        for e in entries
    )
    return head + (CROWD if crowd else "") + stimuli + "\n" + "\n".join(TEST_BLOCKS[t] for t in tests)


def fast_clock():
    """A server clock that moves 60 s on at every reading, so a test's instant "played to the end"
    comes long enough after the clip was sent (tests of the playback rule use ``manual_clock``)."""
    start, ticks = flow_module.utcnow(), itertools.count()
    return lambda: start + timedelta(seconds=60 * next(ticks))


@pytest.fixture(autouse=True)
def listening_clock(monkeypatch):
    monkeypatch.setattr(flow_module, "_now", fast_clock())


class ManualClock:
    """A server clock that moves only when the test says so (``advance``)."""

    def __init__(self):
        self.now = flow_module.utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def manual_clock(monkeypatch) -> ManualClock:
    clock = ManualClock()
    monkeypatch.setattr(flow_module, "_now", clock)
    return clock


@pytest.fixture(scope="session")
def voices_dir(tmp_path_factory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("voices")
    return root, write_voices(root / "audio")


@pytest.fixture
def make_survey(voices_dir):
    """Write a survey file next to the synthetic audio and return its path."""
    root, entries = voices_dir

    def make(tests: tuple[str, ...] = ("acr",), **options) -> Path:
        path = root / f"{options.get('study_id', 'synthetic')}_{'_'.join(tests)}.toml"
        path.write_text(survey_text(entries, tests, **options), encoding="utf-8")
        return path

    return make


@pytest.fixture
def db_url(request, new_database, monkeypatch) -> str:
    """A fresh SQLite database, or PostgreSQL when parametrised indirectly with ``"postgresql"``."""
    url = new_database(getattr(request, "param", "sqlite"))
    monkeypatch.setenv("PERSONA_DB_URL", url)
    return url


@pytest.fixture
def study(make_survey, db_url):
    """A registered study (ACR unless told) with its clips prepared and two invites: (store, survey, tokens)."""

    def build(tests: tuple[str, ...] = ("acr",), *, n: int = 2, **options):
        store = Store(db_url)
        survey = load_survey(make_survey(tests, **options))
        prepare_survey(survey)  # as `persona survey invite` does, so no page run prepares audio
        store.register_study(survey)
        return store, survey, store.create_listeners(survey.id, n=n)

    return build


def plain_answer(trial) -> Answer:
    """A valid middle-of-the-scale answer to any trial."""
    if trial.test_type == "acr":
        return Answer(ratings={a: 3 for a in trial.attributes})
    if trial.test_type == "mushra":
        return Answer(ratings={sid: 50 for sid in trial.stimulus_ids})
    return Answer(choice="A") if trial.test_type == "ab" else Answer(choice="ai", confidence=2)


def complete_listener(store: Store, token: str, *, submits: int = 1) -> ListenerFlow:
    """Drive one listener through a study via the flow, submitting each answer ``submits`` times."""
    flow = ListenerFlow.start(store, token)
    while (step := flow.step()).kind != "done":
        if step.kind == "consent":
            flow.consent()
        elif step.kind == "headphone":
            flow.headphone_clip(step.headphone_index)
            flow.mark_played(f"headphone-{step.headphone_index}", "clip")
            flow.submit_headphone(step.headphone_index, 1)
        else:
            for clip in flow.trial_clips(step.trial):
                flow.mark_played(step.trial.trial_id, clip.slot)
            for _ in range(submits):
                flow.submit(step.trial, plain_answer(step.trial))
    return flow


APP = Path(__file__).resolve().parents[2] / "app.py"


def listener_app(token: str | None = None, **query: str) -> AppTest:
    """A fresh app session (a new browser tab, or the same link after a server restart).

    ``token`` opens an invite link; ``query`` gives other URL parameters (a crowd study link).
    """
    at = AppTest.from_file(str(APP), default_timeout=30)
    if token is not None:
        at.query_params["token"] = token
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def play_clips(at: AppTest) -> AppTest:
    """Do what the browser player does when each clip ends: set its component value."""
    for player in at.get("component_instance"):
        at.session_state[player.key] = {"ended": True, "plays": 1}
    return at.run()


def answer_screen(at: AppTest, choose=lambda options: options[0]) -> AppTest:
    """Play every clip, pick an answer for every question, and press the screen's button."""
    if at.checkbox:
        at.checkbox(key="consent_agree").check().run()
        return at.button(key="consent_start").click().run()
    play_clips(at)
    for radio in at.radio:
        radio.set_value(choose(_radio_values(radio)))
    for n, slider in enumerate(at.slider):  # MUSHRA: every slider moved, one to 100 (the hidden reference rule)
        slider.set_value(100 if n == 0 else 40)
    at.run()
    return at.button[0].click().run()


def _radio_values(radio) -> list:
    """The option values of a radio (its labels are formatted, so map them back)."""
    labels = list(radio.options)
    for candidates in ((1, 2, 3, 4, 5), ("A", "B", "none"), ("human", "ai")):
        values = [v for v in candidates if radio.format_func(v) in labels]
        if len(values) == len(labels):
            return values
    raise AssertionError(f"unknown radio options {labels}")


def finished(at: AppTest) -> bool:
    return any(t.value == "Thank you!" for t in at.title)


@pytest.fixture(autouse=True)
def scratch_database(tmp_path, monkeypatch):
    """Every test starts on an empty database of its own (failed password guesses included), never the user's."""
    monkeypatch.setenv("PERSONA_DB_URL", f"sqlite:///{tmp_path / 'app.sqlite3'}")
