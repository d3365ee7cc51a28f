"""The monitor tables on SQLite and PostgreSQL: idempotent inserts, the same rows back, the same alarms."""

import json

import pandas as pd
import pytest

from persona.monitor import MonitorStore, simulate, watch
from persona.monitor.store import WATCH_COLUMNS

BENCH = {"stats": {"billing_dispute": {"f0_median_hz": {"p10": 120.0, "p90": 160.0}, "hnr_db": {"p10": None, "p90": None}}}}


def filled(url: str) -> tuple[MonitorStore, pd.DataFrame]:
    store = MonitorStore(url)
    store.add_benchmark("b1", "bench.json", BENCH)
    frame = simulate.deployment(20, calls_per_week=20, change_week=12, changes={"response_latency_median_s": 0.6}, seed=1)
    assert store.add(simulate.stored_rows(frame, benchmark_sha256="b1")) == len(frame)
    return store, frame


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_rows_round_trip_and_re_adding_inserts_nothing(new_database, kind):
    store, frame = filled(new_database(kind))
    assert store.add(simulate.stored_rows(frame, benchmark_sha256="b1")) == 0
    assert store.count() == len(frame)
    assert store.known(["simulated:call_000000.wav", "not stored"]) == {"simulated:call_000000.wav"}
    back = store.frame()
    assert list(back.columns) == WATCH_COLUMNS and back["recorded_at"].is_monotonic_increasing
    expected = frame.drop(columns="id").sort_values("file").reset_index(drop=True)
    pd.testing.assert_frame_equal(back[expected.columns].sort_values("file").reset_index(drop=True), expected, check_dtype=False, rtol=1e-12)
    assert store.bands() == {"billing_dispute": {"f0_median_hz": (120.0, 160.0)}}  # bands without values are left out


def test_sqlite_and_postgresql_give_the_same_alarms(new_database):
    results = []
    for kind in ("sqlite", "postgresql"):
        store, _ = filled(new_database(kind))
        watched = watch(store.frame(), store.bands())
        results.append((watched.alarms.to_json(date_format="iso"), watched.periods.to_json(date_format="iso"), watched.standing.to_json(date_format="iso")))
    assert results[0] == results[1]
    assert json.loads(results[0][0])["metric"]["0"] == "response_latency_median_s"


def test_an_unusable_database_url_is_one_clear_error(tmp_path):
    from persona.errors import StoreError

    with pytest.raises(StoreError, match="monitor database|cannot|driver"):
        MonitorStore(f"sqlite:///{tmp_path}/no/such/folder/x.sqlite3")


def test_tables_of_an_earlier_persona_get_the_new_columns(tmp_path):
    from sqlalchemy import MetaData, Table

    from persona.monitor.store import benchmarks, recordings
    from persona.storage import make_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    earlier = MetaData()  # the first monitor schema: no calls benchmark column
    Table(benchmarks.name, earlier, *(c._copy() for c in benchmarks.columns))
    Table(recordings.name, earlier, *(c._copy() for c in recordings.columns if c.name != "calls_benchmark_sha256"))
    earlier.create_all(make_engine(url))
    store, frame = filled(url)
    assert store.count() == len(frame) and store.bands()["billing_dispute"]["f0_median_hz"] == (120.0, 160.0)
