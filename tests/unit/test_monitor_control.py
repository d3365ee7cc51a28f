"""The watch statistics on simulated deployments (feature level): planted changes found and dated, stable agents quiet."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from persona.monitor import Settings, messiest, simulate, watch
from persona.monitor.check import raised, to_json
from persona.monitor.metrics import METRICS

CHANGE_WEEK = 12
CHANGE_DATE = simulate.START + timedelta(weeks=CHANGE_WEEK)
BAND = {"billing_dispute": {"f0_median_hz": (120.0, 160.0), "speech_rate_syl_s": (3.5, 5.0)}}


def alarms_of(frame, settings=Settings()):
    return watch(frame, BAND, settings).alarms


@pytest.mark.parametrize(
    ("column", "change", "unit_shift"),
    # planted: +2 st pitch (PSOLA), +10 % pace, +600 ms response latency; the shift is reported in st, % and ms
    [("f0_median_hz", 2.0, 2.0), ("speech_rate_syl_s", 0.10, 0.45), ("response_latency_median_s", 0.6, 600.0)],
)
def test_a_change_at_week_12_is_found_within_a_week_and_dated_within_a_week(column, change, unit_shift):
    frame = simulate.deployment(20, change_week=CHANGE_WEEK, changes={column: change}, seed=11)
    alarms = alarms_of(frame)
    assert alarms["metric"].tolist() == [column]  # and nothing else
    alarm = alarms.iloc[0]
    assert (alarm["alarm_date"] - CHANGE_DATE).days < 14  # raised at the latest in the week after the change
    assert abs((alarm["change_date"] - CHANGE_DATE).days) <= 7
    # the median of 400 changed calls: SE ~ 1.25 x call SD / 20, a few % of each planted shift;
    # pace: +10 % of 4.5 syl/s = 0.45 syl/s
    assert alarm["shift"] == pytest.approx(unit_shift, rel=0.15)
    assert alarm["agent_version"] == "v2" and alarm["active"]
    assert len(alarm["calls"]) == 5


@pytest.mark.parametrize("seed", range(4))
def test_52_stable_weeks_raise_no_alarm(seed):
    assert alarms_of(simulate.deployment(56, seed=seed)).empty


def test_the_calls_named_show_the_change_most():
    frame = simulate.deployment(20, change_week=CHANGE_WEEK, changes={"response_latency_median_s": 0.6}, seed=3)
    alarm = alarms_of(frame).iloc[0]
    after = frame[frame["recorded_at"] >= pd.Timestamp(CHANGE_DATE)]
    slowest = after.nlargest(5, "response_latency_median_s")["file"].tolist()
    assert alarm["calls"] == slowest


def test_a_single_broken_call_does_not_alarm():
    frame = simulate.deployment(20, seed=5)
    frame.loc[frame.index[700], "response_latency_median_s"] = 60.0  # one call with a minute of silence
    assert alarms_of(frame).empty


def test_persona_distance_alarms_only_when_it_grows():
    closer = simulate.deployment(20, change_week=CHANGE_WEEK, changes={"persona_distance": -0.8}, seed=2)
    farther = simulate.deployment(20, change_week=CHANGE_WEEK, changes={"persona_distance": 0.8}, seed=2)
    assert alarms_of(closer).empty
    assert alarms_of(farther)[["metric", "direction"]].values.tolist() == [["persona_distance", "up"]]


def test_a_change_below_the_smallest_shift_that_matters_does_not_alarm():
    # 0.3 st is 0.5 SD of a call: CUSUM finds it within weeks, but it is under the 0.5 st minimum
    frame = simulate.deployment(20, calls_per_week=400, change_week=CHANGE_WEEK, changes={"f0_median_hz": 0.3}, seed=4)
    watched = watch(frame, BAND)
    periods = watched.periods[watched.periods["metric"] == "f0_median_hz"]
    assert (periods["cusum_upper"] > periods["h"]).any()
    assert watched.alarms.empty


def test_a_version_watched_on_its_own_baseline_does_not_alarm_on_its_launch():
    frame = simulate.deployment(24, change_week=CHANGE_WEEK, changes={"f0_median_hz": 2.0}, seed=6)
    assert not alarms_of(frame).empty
    per_version = watch(frame, BAND, Settings(per_version=True))
    assert per_version.alarms.empty
    assert sorted(per_version.periods["group"].unique()) == ["billing_dispute @ v1", "billing_dispute @ v2"]


def test_a_stated_baseline_window_is_used():
    frame = simulate.deployment(30, change_week=CHANGE_WEEK, changes={"f0_median_hz": 2.0}, seed=7)
    start = CHANGE_DATE + timedelta(weeks=2)
    settings = Settings(baseline_from=start, baseline_to=start + timedelta(weeks=5))
    watched = watch(frame, BAND, settings)
    assert watched.alarms.empty  # the change lies before the window
    phases = watched.periods[watched.periods["metric"] == "f0_median_hz"].set_index("period_start")["phase"]
    assert phases[pd.Timestamp(start)] == "baseline" and phases[pd.Timestamp(CHANGE_DATE)] == "before"


def test_daily_periods_find_a_change_within_days():
    frame = simulate.deployment(10, calls_per_week=140, change_week=6, changes={"response_latency_median_s": 0.6}, seed=8)
    alarm = alarms_of(frame, Settings(period="day", baseline_periods=14)).iloc[0]
    change = simulate.START + timedelta(weeks=6)
    assert alarm["change_date"] == change and (alarm["alarm_date"] - change).days <= 1


def test_a_small_baseline_is_charted_but_cannot_alarm():
    frame = simulate.deployment(20, calls_per_week=2, change_week=CHANGE_WEEK, changes={"f0_median_hz": 3.0}, seed=9)
    watched = watch(frame, BAND)
    assert watched.alarms.empty
    assert any("only 8 baseline call(s)" in note for note in watched.notes)


def test_standing_reports_the_human_band_without_alarming():
    frame = simulate.deployment(20, seed=10)  # pitch 180 Hz: above the 120-160 Hz band all along
    watched = watch(frame, BAND)
    assert watched.alarms.empty
    pitch = watched.standing.set_index("metric").loc["f0_median_hz"]
    assert pitch["human_band"] == "above"
    assert pitch["median"] == pytest.approx(12 * np.log2(180.0), abs=0.3)  # st re 1 Hz of the simulated 180 Hz centre


def test_since_selects_alarms_raised_on_or_after_a_date():
    frame = simulate.deployment(20, change_week=CHANGE_WEEK, changes={"f0_median_hz": 2.0}, seed=12)
    watched = watch(frame, BAND)
    assert len(raised(watched)) == 1
    assert len(raised(watched, CHANGE_DATE)) == 1
    assert raised(watched, CHANGE_DATE + timedelta(weeks=2)).empty
    result = to_json(watched, raised(watched))
    assert result["drifted"] and "+2.0 st" in result["alarms"][0]["sentence"]


def test_messiest_calls_are_the_farthest_and_the_slowest_of_the_latest_week():
    frame = simulate.deployment(20, seed=13)
    last_week = frame["recorded_at"] >= pd.Timestamp(simulate.START + timedelta(weeks=19))
    slow = frame[last_week].index[3]
    frame.loc[slow, "response_latency_median_s"] = 4.0
    watched = watch(frame, BAND)
    table = messiest(frame, watched, n=3)
    far = table[table["reason"] == "largest persona distance"]
    assert far["file"].tolist() == frame[last_week].nlargest(3, "persona_distance")["file"].tolist()
    outliers = table[table["reason"] == "timing outlier"]
    assert outliers.iloc[0]["file"] == frame.loc[slow, "file"] and outliers.iloc[0]["worst_timing"] == "response_latency_median_s"


def test_every_metric_has_a_chart_in_a_call_deployment():
    watched = watch(simulate.deployment(8, seed=14), BAND)
    assert set(watched.periods["metric"]) == {m.column for m in METRICS}


def test_settings_are_checked():
    for bad in ({"period": "month"}, {"baseline_periods": 0}, {"baseline_from": date(2026, 1, 1)}):
        with pytest.raises(ValueError):
            Settings(**bad)
