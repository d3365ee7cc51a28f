"""Shared set-up of the designer workbench page tests: a small reference folder and an opened page."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "reference_audio"
PASSWORD = "designer test password"
SCENARIO = "billing_dispute"
AGENT_CLIPS = ("piper_joe/transcript_jfk", "piper_joe/billing_dispute_01", "piper_joe_ls0.8/")
"""Two voices of two clips each; piper_joe's JFK line pairs with the human JFK clip."""


def small_reference(root: Path, *, agent_clips: tuple[str, ...] = AGENT_CLIPS) -> Path:
    """Copy the bundled billing-dispute human clips and a few agent clips, with their manifest rows."""
    manifest = pd.read_csv(BUNDLED / "manifest.csv", dtype=str, keep_default_na=False)
    agent = manifest["file"].map(lambda f: any(f"agents/{clip}" in f for clip in agent_clips))
    keep = manifest[(manifest["scenario"] == SCENARIO) & ((manifest["role"] == "human") | agent)]
    for file in keep["file"]:
        (root / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(BUNDLED / file, root / file)
    keep.to_csv(root / "manifest.csv", index=False)
    return root


def open_page(page: str, **state) -> AppTest:
    """The app on a designer page, past the team password, with widget ``state`` preset."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180).run()
    at.switch_page(f"app_pages/{page}.py").run()
    for key, value in state.items():
        at.session_state[key] = value
    return at.text_input(key="admin_password_input").input(PASSWORD).run()


def texts(at: AppTest) -> str:
    """Every markdown, caption, success, info, warning and error text on the page, joined."""
    kinds = ("markdown", "caption", "success", "info", "warning", "error")
    return "\n".join(str(element.value) for kind in kinds for element in at.get(kind))
