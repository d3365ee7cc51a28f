"""A simulated deployment from the bundled clips, from audio through ``persona monitor add`` to ``check`` and ``report``.

Two scenarios, 20 weeks each, a change planted at week 12: in billing_dispute the agent's clips are
PSOLA-shifted +2 st (persona's preview machinery); in cancellation, two-channel calls answer 600 ms
later. Ground truth is what was planted; the pitch tolerance (0.4 st) is the pitch reader's
telephone-band agreement (README: within 0.3 st) plus the spread of five lines' medians, the
latency tolerance (100 ms) twice the median error the call timing promises (50 ms).
"""

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from persona.benchmark import build_benchmark
from persona.cache import ProfileCache
from persona.cli import app
from persona.monitor import MonitorStore, simulate

pytestmark = pytest.mark.slow

REF = Path(__file__).resolve().parents[2] / "reference_audio"
AGENT = sorted((REF / "billing_dispute" / "agents" / "piper_joe").glob("billing_dispute_0*.flac"))
CALLERS = sorted(REF.glob("*/human_*.flac"))
CHANGE_WEEK = 12
CHANGE = simulate.START + timedelta(weeks=CHANGE_WEEK)


def run(*args: str):
    return CliRunner().invoke(app, ["monitor", *args])


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    root = tmp_path_factory.mktemp("deployment")
    cache = ProfileCache(root / "cache.sqlite")
    bench = build_benchmark(REF, jobs=2, cache=cache).save(root / "bench.json")
    clips = simulate.audio_deployment(AGENT, root / "clips", weeks=20, calls_per_week=4, scenario="billing_dispute",
                                      change_week=CHANGE_WEEK, pitch_st=2.0)  # fmt: skip
    calls = simulate.audio_deployment(AGENT, root / "calls", weeks=20, calls_per_week=3, scenario="cancellation",
                                      change_week=CHANGE_WEEK, caller_clips=CALLERS, latency_change_s=0.6, seed=1)  # fmt: skip
    clips.to_csv(root / "clips.csv", index=False)
    calls.to_csv(root / "calls.csv", index=False)
    db = f"sqlite:///{root / 'persona.sqlite3'}"
    added = [run("add", str(root / name), "--benchmark", str(bench), "--db", db, "--jobs", "2", "--no-cache") for name in ("clips.csv", "calls.csv")]
    return {"root": root, "db": db, "bench": bench, "added": added, "n": (len(clips), len(calls))}


def check(deployment, *args):
    return run("check", "--db", deployment["db"], *args)


def test_every_recording_is_stored_once(deployment):
    for result, n in zip(deployment["added"], deployment["n"]):
        assert result.exit_code == 0, result.output
        assert f"{n} new recording(s) stored; 0 already stored" in result.output
    again = run("add", str(deployment["root"] / "clips.csv"), "--benchmark", str(deployment["bench"]), "--db", deployment["db"])
    assert again.exit_code == 0 and f"0 new recording(s) stored; {deployment['n'][0]} already stored" in again.output
    stored = MonitorStore(deployment["db"]).frame(columns=["scenario", "file", "response_latency_median_s"])
    calls = stored[stored["scenario"] == "cancellation"]
    assert len(calls) == deployment["n"][1] and calls["response_latency_median_s"].notna().all()


def test_check_finds_both_changes_within_a_week_with_the_calls_to_listen_to(deployment):
    result = check(deployment, "--json")
    assert result.exit_code == 1, result.output
    alarms = {(a["scenario"], a["metric"]): a for a in json.loads(result.output)["alarms"]}
    pitch = alarms[("billing_dispute", "f0_median_hz")]
    latency = alarms[("cancellation", "response_latency_median_s")]
    for alarm in (pitch, latency):
        assert abs((date.fromisoformat(alarm["change_date"]) - CHANGE).days) <= 7
        assert (date.fromisoformat(alarm["alarm_date"]) - CHANGE).days < 14
        assert alarm["agent_version"] == "v2" and len(alarm["calls"]) == 5
        assert all(f"_w{w:02d}_" not in f for f in alarm["calls"] for w in range(CHANGE_WEEK))  # changed recordings only
    assert pitch["shift"] == pytest.approx(2.0, abs=0.4) and pitch["shift_text"].endswith("Hz)")
    assert latency["shift"] == pytest.approx(600.0, abs=100.0) and latency["shift_text"].endswith("ms")
    assert all(date.fromisoformat(a["change_date"]) >= CHANGE - timedelta(days=7) for a in alarms.values())  # no alarm in stable weeks


def test_check_in_words_and_since(deployment):
    text = check(deployment)
    assert text.exit_code == 1
    assert "DRIFT pitch level (f0_median_hz) in billing_dispute, version v2: +" in text.output
    assert "listen to: " in text.output and "standing: " in text.output
    last_raised = max(date.fromisoformat(a["alarm_date"]) for a in json.loads(check(deployment, "--json").output)["alarms"])
    later = check(deployment, "--since", str(last_raised + timedelta(days=1)))
    assert later.exit_code == 0 and "no drift raised since" in later.output
    assert check(deployment, "--since", str(last_raised)).exit_code == 1


def test_report_draws_the_charts_alarms_and_messiest_calls(deployment, tmp_path):
    out = tmp_path / "monitor.html"
    result = run("report", "--db", deployment["db"], "--out", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text()
    for text in ("Control charts: billing_dispute", "Control charts: cancellation", "Messiest calls", "pitch level", "data:image/png"):
        assert text in page
