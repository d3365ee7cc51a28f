"""Real browser, designer flow: upload two voices on the Compare voices page, see the ranking, download the report."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_listener_browser import CHROMIUM, CHROMIUM_ARGS, REPO, free_port, playwright_api, wait_until_healthy

sys.path.insert(0, str(REPO / "tests" / "app"))
from workbench_support import BUNDLED, PASSWORD, SCENARIO, small_reference  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("chromium")]
VOICES = {"vendor_one": "flite_slt", "vendor_two": "espeak_en-us"}


@pytest.fixture
def designer_server(tmp_path):
    """``streamlit run app.py`` over a reference copy without agent voices, so only uploads are compared."""
    reference = small_reference(tmp_path / "reference_audio", agent_clips=())
    port = free_port()
    env = {**os.environ, "PERSONA_REFERENCE_DIR": str(reference), "PERSONA_ADMIN_PASSWORD": PASSWORD,
           "PERSONA_CACHE_DIR": str(tmp_path / "cache"), "PERSONA_DB_URL": f"sqlite:///{tmp_path / 'trials.sqlite3'}"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/_stcore/health", server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


def settle(page) -> None:
    """Wait until the app has finished its current run (Streamlit's running indicator is gone)."""
    page.wait_for_timeout(300)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="detached", timeout=120_000)


def test_designer_uploads_two_voices_and_downloads_the_report(designer_server, tmp_path):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(accept_downloads=True)
        page.set_default_timeout(90_000)  # uploads are profiled between steps; CI machines may be loaded
        page.goto(f"{designer_server}/compare")
        page.get_by_label("Team password").fill(PASSWORD)
        page.get_by_label("Team password").press("Enter")
        page.get_by_text("Built from the reference audio").click()
        page.get_by_text("Pick voices on the server or upload a voice").wait_for(timeout=60_000)
        page.get_by_text("Upload a voice", exact=True).click()
        for voice, source in VOICES.items():
            files = sorted((BUNDLED / SCENARIO / "agents" / source).glob("*.flac"))[:2]
            page.get_by_label("Voice name for the uploaded files").fill(voice)
            page.locator("input[type=file]").last.set_input_files([str(f) for f in files])
            playwright_api.expect(page.get_by_test_id("stFileChip")).to_have_count(len(files))
            playwright_api.expect(page.get_by_test_id("stFileChipIconSpinner")).to_have_count(0)  # uploads finished
            page.get_by_role("button", name="Add these files").click()
            page.get_by_text(f"Added 2 file(s) to voice '{voice}'").wait_for(timeout=60_000)
        page.get_by_text("At a glance").wait_for(timeout=120_000)
        settle(page)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="HTML report").click()
        report = Path(download.value.path()).read_text(encoding="utf-8")
        dom = page.content()
        browser.close()
    assert "Persona benchmark: billing dispute" in report and all(voice in report for voice in VOICES)
    assert all(voice in dom for voice in VOICES)
