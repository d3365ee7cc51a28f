"""The Monitor page in AppTest: closed without the password; then the alarms, standing, charts and messiest calls."""

import re
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD
from streamlit.testing.v1 import AppTest

from persona.monitor import MonitorStore, simulate

PAGE = Path(__file__).resolve().parents[2] / "app_pages" / "monitor.py"
BENCH = {"stats": {"billing_dispute": {"f0_median_hz": {"p10": 120.0, "p90": 160.0}}}}


def monitor_app() -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    at.text_input(key="admin_password_input").input(ADMIN_PASSWORD).run()
    return at


@pytest.fixture
def team(db_url, monkeypatch):
    monkeypatch.setenv("PERSONA_ADMIN_PASSWORD", ADMIN_PASSWORD)
    return db_url


def test_closed_without_the_password(team):
    at = AppTest.from_file(str(PAGE), default_timeout=60).run()
    at.text_input(key="admin_password_input").input("wrong").run()
    assert at.error and not at.dataframe


def test_an_empty_database_says_what_to_do(team):
    at = monitor_app()
    assert not at.exception
    assert "persona monitor add" in at.info[0].value


def test_a_drift_shows_its_alarm_standing_charts_and_messiest_calls(team):
    store = MonitorStore(team)
    store.add_benchmark("b1", "bench.json", BENCH)
    frame = simulate.deployment(20, calls_per_week=20, change_week=12, changes={"response_latency_median_s": 0.6}, seed=1)
    store.add(simulate.stored_rows(frame, benchmark_sha256="b1"))
    at = monitor_app()
    assert not at.exception
    alarm = at.error[0].value
    assert "response latency p50" in alarm
    # planted +600 ms; the median of 160 calls (SD 150 ms) is good to ~15 ms, the baseline's to ~20 ms
    assert int(re.search(r"\+(\d+) ms since", alarm)[1]) == pytest.approx(600, abs=60)
    assert any("not on this server" in c.value for c in at.caption)  # simulated calls have no audio to play
    assert any("pitch level above the human p10-p90 band" in m.value for m in at.markdown)
    assert len(at.get("image")) == 1  # the control charts
    tables = [d.value for d in at.dataframe]
    assert any("human_band" in t.columns for t in tables) and any("reason" in t.columns for t in tables)
    at.toggle(key="monitor_per_version").set_value(True).run()
    assert not at.exception and at.success  # each version on its own baseline: no drift within either
