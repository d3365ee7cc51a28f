"""Real browser: Debian's Chromium completes a short blind survey on a running ``streamlit run app.py``.

Afterwards the answers must be in the database; nothing the browser received (DOM of every
frame, request URLs, HTTP headers and bodies, websocket frames, the WAV bytes' RIFF chunks) may
contain a voice name, system name, stimulus id or file name; and the browser must not have
contacted any host but the app's own (no usage statistics, fonts or scripts from elsewhere).
The time from each click on *Next* to the next clip ready to play is recorded (printed and
attached as the ``next_clip_ms`` property); speed itself is judged by bench/trials_latency.py.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import playwright.sync_api as playwright_api
import pytest
import soundfile as sf

from persona.trials.stimuli import prepare_survey
from persona.trials.store import Store
from persona.trials.survey import load_survey

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--mute-audio"]  # fmt: skip
# Names that must never reach the browser: systems, voices, ids and files of the stimuli.
CLIPS = {
    "zephyrtts_xanthe_line7": ("zephyrtts_xanthe", "agent", 150.0),
    "humanagent_quinnelle_line7": ("humanagent_quinnelle", "human", 205.0),
}
SECRET_NAMES = {"zephyrtts", "xanthe", "quinnelle", "humanagent", "line7", *CLIPS, *(v for v, _, _ in CLIPS.values())}

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium")]


def write_survey(folder: Path) -> Path:
    """Two 1.2 s harmonic 'voices' on one line; an AB test and an identification test."""
    sr_hz = 16000
    t = np.arange(int(1.2 * sr_hz)) / sr_hz
    entries = []
    for clip_id, (voice, role, f0_hz) in CLIPS.items():
        y = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, 8)) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
        sf.write(folder / f"{clip_id}.wav", 0.2 * y, sr_hz)
        entries.append(f'[[stimulus]]\nid = "{clip_id}"\nfile = "{clip_id}.wav"\nscenario = "billing"\n'
                       f'line_id = "line7"\nvoice = "{voice}"\nrole = "{role}"\n')  # fmt: skip
    path = folder / "e2e.toml"
    path.write_text(
        '[study]\nid = "e2e_blind"\ntitle = "Which voice would you rather hear?"\npractice = false\n\n'
        '[headphone_check]\ntrials = 1\nmin_correct = 1\n\n'
        '[[scenario]]\nid = "billing"\ncontext = "The caller is disputing a charge on their bill."\n\n'
        + "\n".join(entries)
        + '\n[[test]]\ntype = "ab"\ngold = 0\n\n[[test]]\ntype = "identify"\n'
    )
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served_study(tmp_path):
    """A registered study, one invite, and ``streamlit run app.py`` serving it on a free port."""
    db_url = f"sqlite:///{tmp_path / 'trials.sqlite3'}"
    store = Store(db_url)
    survey = load_survey(write_survey(tmp_path))
    prepare_survey(survey)  # as `persona survey invite` does
    store.register_study(survey)
    token = store.create_listeners(survey.id, n=1)[0]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port)],
        cwd=REPO, env={**os.environ, "PERSONA_DB_URL": db_url},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/_stcore/health", server)
        yield store, survey, f"{base}/?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine can be slow to shut down
            server.kill()
            server.wait()


def wait_until_healthy(url: str, server: subprocess.Popen, *, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"streamlit exited: {server.stdout.read().decode(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


class Received:
    """Everything the browser received (URLs, headers, bodies, websocket frames) and every URL it asked for."""

    def __init__(self, page):
        self.chunks: list[bytes] = []
        self.urls: list[str] = []
        page.context.on("request", lambda request: self._ask(request.url))
        page.on("response", self._response)
        page.on("websocket", self._websocket)

    def _ask(self, url: str) -> None:
        self.urls.append(url)
        self.chunks.append(url.encode())

    def _websocket(self, ws) -> None:
        self.urls.append(ws.url)
        ws.on("framereceived", self._frame)

    def hosts(self) -> set[str]:
        """``host:port`` of every network URL asked for (``data:`` and ``blob:`` URLs stay in the browser)."""
        return {urlsplit(url).netloc for url in self.urls if urlsplit(url).scheme in ("http", "https", "ws", "wss")}

    def _response(self, response) -> None:
        self.chunks.append(f"{response.url} {response.headers}".encode())
        try:
            self.chunks.append(response.body())
        except playwright_api.Error:  # redirects and aborted requests have no body
            pass

    def _frame(self, payload) -> None:
        self.chunks.append(payload if isinstance(payload, bytes) else payload.encode())


WAIT_MS = 90_000  # how long a step may take on 2 loaded cores before the test gives up (not a speed limit)
NEW_CLIP_READY = """() => document.body.innerText.includes('Thank you!') || [...document.querySelectorAll('iframe')].some(
    f => { const s = f.contentDocument && f.contentDocument.getElementById('status'); return s && s.textContent === 'not played yet'; })"""


def start_listening(page) -> None:
    """Accept the consent form."""
    page.get_by_text("I agree to take part.").click()
    page.get_by_role("button", name="Start").click()


def next_clip_latency(page, answer) -> float | None:
    """Answer the screen (``answer(page)`` plays every clip to its end first) and press its button.

    Returns the seconds from the click to a player holding the next clip, ready to play (its
    status "not played yet"; every clip on screen was played before, so only a new one shows
    it), polled every animation frame; ``None`` when the click led to the end of the survey.
    """
    answer(page)
    button = page.get_by_role("button", name=re.compile(r"^(Next|Continue)$"))
    playwright_api.expect(button).to_be_enabled(timeout=WAIT_MS)
    start = time.perf_counter()
    button.click()
    page.wait_for_function(NEW_CLIP_READY, polling="raf", timeout=WAIT_MS)
    elapsed = time.perf_counter() - start
    return None if page.get_by_text("Thank you!").is_visible() else elapsed


def play_screen(page) -> None:
    """Play every clip of the screen to its end (once the button and the first player are there, all are)."""
    page.get_by_role("button", name=re.compile(r"^(Next|Continue)$")).wait_for()
    first = page.frame_locator("iframe").first.locator("#status")  # players mount after the button is drawn
    playwright_api.expect(first).to_have_text("not played yet", timeout=WAIT_MS)
    play_all(page, page.locator("iframe").count())


def play_all(page, n_clips: int) -> None:
    """Once each player holds its new clip, press play, and wait until each reports the end."""
    frames = page.frame_locator("iframe")
    for k in range(n_clips):
        playwright_api.expect(frames.nth(k).locator("#status")).to_have_text("not played yet", timeout=WAIT_MS)
        frames.nth(k).locator("#play").click()
    for k in range(n_clips):
        playwright_api.expect(frames.nth(k).locator("#status")).to_have_text("played to the end", timeout=WAIT_MS)


def riff_chunk_ids(blob: bytes) -> list[list[str]]:
    """Chunk ids of every RIFF/WAVE file embedded in ``blob``."""
    found = []
    for match in re.finditer(rb"RIFF(.{4})WAVE", blob, flags=re.DOTALL):
        offset, end, ids = match.start() + 12, match.start() + 8 + int.from_bytes(match.group(1), "little"), []
        while offset + 8 <= min(end, len(blob)):
            size = int.from_bytes(blob[offset + 4 : offset + 8], "little")
            ids.append(blob[offset : offset + 4].decode("latin-1"))
            offset += 8 + size + size % 2
        found.append(ids)
    return found


def test_blind_survey_in_chromium(served_study, record_property):
    store, survey, invite = served_study
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(WAIT_MS)
        received = Received(page)
        page.goto(invite)
        start_listening(page)
        page.get_by_text("Sound check 1 of 1 · 0 of 4 done").wait_for()

        def hear_and_pick(*labels):
            def answer(page):
                play_screen(page)
                for label in labels:
                    page.get_by_text(label, exact=True).click()
            return answer

        latencies = [next_clip_latency(page, hear_and_pick("noise 1"))]
        page.get_by_text("Trial 1 of 3 · 1 of 4 done").wait_for()
        latencies.append(next_clip_latency(page, hear_and_pick("Clip A")))
        for answered in (2, 3):
            page.get_by_text(f"Trial {answered} of 3 · {answered} of 4 done").wait_for()
            latencies.append(next_clip_latency(page, hear_and_pick("An AI voice", "Fairly sure")))
        page.get_by_text("Thank you!").wait_for(timeout=WAIT_MS)
        dom = "".join(frame.content() for frame in page.frames)
        browser.close()

    next_clip_ms = [round(s * 1000) for s in latencies if s is not None]
    record_property("next_clip_ms", next_clip_ms)
    print(f"answer -> next clip ready in Chromium: {next_clip_ms} ms")
    assert latencies[-1] is None and len(next_clip_ms) == 3  # the last click finished the survey

    answers = store.responses_frame(survey.id)
    assert sorted(answers["test_type"]) == ["ab", "identify", "identify"]
    assert answers["played_full"].all()

    app_host = urlsplit(invite).netloc
    assert received.hosts() == {app_host}, f"the browser contacted {sorted(received.hosts() - {app_host})}"

    seen = (b"\n".join(received.chunks) + dom.encode()).lower()
    leaked = sorted(name for name in SECRET_NAMES if name.lower().encode() in seen)
    assert not leaked, f"the browser received {leaked}"
    wavs = riff_chunk_ids(b"".join(received.chunks))
    assert len(wavs) >= 5  # headphone check, A, B, two identification clips
    assert all(ids == ["fmt ", "data"] for ids in wavs)
