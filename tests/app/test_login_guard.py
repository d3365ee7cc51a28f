"""The admin password back-off counted in the trial database: shared by app processes, kept over restarts,
atomic under concurrent guesses, forgotten after an hour, on SQLite and PostgreSQL."""

import hashlib
import hmac
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from persona.errors import StoreError
from persona.storage import make_engine
from persona.trials import access
from persona.trials.access import FORGET_AFTER_S, LoginGuard, client_key
from persona.trials.store import ALL_CLIENTS, Base, LoginFailureRow, Store

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
RIGHT = "the right password"
START = datetime(2026, 1, 1, 12, 0, 0)
APP_PROCESS = """
import sys
from datetime import datetime
from persona.trials.access import LoginGuard
from persona.trials.store import Store
guard = LoginGuard(Store(sys.argv[1]), free_per_client=1000, free_global=1000, clock=lambda: datetime(2026, 1, 1))
for _ in range(int(sys.argv[2])):
    assert guard.check("10.0.0.9", "wrong", "right") == (False, 0.0)
"""


class Clock:
    """Naive UTC time that moves only when the test says so."""

    def __init__(self):
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def counts(store: Store) -> dict[str, int]:
    """Stored failure counts by key."""
    with Session(store.engine) as s:
        return {row.key: row.count for row in s.scalars(select(LoginFailureRow))}


def test_two_app_processes_share_the_counts(db_url):
    clock = Clock()
    first, second = (LoginGuard(Store(db_url), clock=clock) for _ in range(2))  # two processes: two engines
    for guard in (first, second, first, second):
        assert guard.check("10.0.0.1", "wrong", RIGHT) == (False, 0.0)  # failures 1-4 of 5 free
    assert second.check("10.0.0.1", "wrong", RIGHT) == (False, 1.0)  # failure 5 starts a wait of 2^(5-5) = 1 s
    assert first.check("10.0.0.1", RIGHT, RIGHT) == (False, 1.0)  # the other process refuses it unchecked
    clock.advance(1)
    assert first.check("10.0.0.1", RIGHT, RIGHT) == (True, 0.0)


def test_a_restart_keeps_the_counts_and_the_waits_double(db_url):
    clock = Clock()
    store = Store(db_url)
    before = LoginGuard(store, clock=clock)
    for _ in range(5):
        before.check("10.0.0.1", "wrong", RIGHT)
    store.engine.dispose()
    after = LoginGuard(Store(db_url), clock=clock)  # the restarted process
    assert after.check("10.0.0.1", RIGHT, RIGHT) == (False, 1.0)  # by hand: 5 free guesses, then waits 1, 2, 4 s
    clock.advance(1)
    assert after.check("10.0.0.1", "wrong", RIGHT) == (False, 2.0)
    clock.advance(1.5)
    assert after.check("10.0.0.1", "wrong", RIGHT) == (False, 0.5)  # 2 s wait, 1.5 s gone: refused unchecked
    clock.advance(0.5)
    assert after.check("10.0.0.1", "wrong", RIGHT) == (False, 4.0)
    assert counts(after.store)[client_key("10.0.0.1", RIGHT)] == 7  # 5 + the two checked after the restart


def test_twenty_threads_guessing_at_once_lose_no_increment(db_url):
    stores = [Store(db_url), Store(db_url)]  # half the threads on each, as two processes
    guards = [LoginGuard(stores[n % 2], free_per_client=1000, free_global=1000, clock=Clock()) for n in range(20)]

    def guess(n: int) -> None:
        for _ in range(5):
            assert guards[n].check(f"10.0.0.{n % 4}", "wrong", RIGHT) == (False, 0.0)

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(guess, range(20)))
    found = counts(stores[0])
    assert found[ALL_CLIENTS] == 100  # 20 threads x 5 guesses
    assert [found[client_key(f"10.0.0.{k}", RIGHT)] for k in range(4)] == [25] * 4  # 5 threads x 5 guesses per address


def test_twenty_threads_at_once_get_exactly_the_free_guesses_checked(db_url):
    clock = Clock()  # frozen: no wait runs out during the test
    guard = LoginGuard(Store(db_url), clock=clock)
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: guard.check("10.0.0.1", "wrong", RIGHT), range(20)))
    # by hand: guesses are checked one after another, so failures 1-4 are free (wait 0), the 5th
    # starts a 1 s wait, and the other 15 are refused unchecked with that 1 s left
    assert sorted(wait for _, wait in results) == [0.0] * 4 + [1.0] * 16
    assert counts(guard.store)[client_key("10.0.0.1", RIGHT)] == 5


def test_two_app_processes_guessing_at_once_lose_no_increment(db_url):
    Store(db_url)  # the tables exist before the processes race
    processes = [subprocess.Popen([sys.executable, "-c", APP_PROCESS, db_url, "15"], stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]  # fmt: skip
    for process in processes:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors
    assert counts(Store(db_url))[client_key("10.0.0.9", "right")] == 30  # 2 processes x 15 guesses (their password: "right")


def test_failures_are_forgotten_after_an_hour_without_one(db_url):
    clock = Clock()
    guard = LoginGuard(Store(db_url), clock=clock)
    for _ in range(5):
        guard.check("10.0.0.1", "wrong", RIGHT)
    clock.advance(FORGET_AFTER_S - 1)  # 3599 s: still remembered, the 1 s wait long over
    assert guard.check("10.0.0.1", "wrong", RIGHT) == (False, 2.0)  # failure 6 waits 2^(6-5) s
    clock.advance(FORGET_AFTER_S)  # an hour after failure 6: forgotten
    assert guard.check("10.0.0.1", "wrong", RIGHT) == (False, 0.0)
    assert counts(guard.store)[client_key("10.0.0.1", RIGHT)] == 1


def test_a_right_password_clears_only_its_clients_count(db_url):
    guard = LoginGuard(Store(db_url), clock=Clock())
    for client in ("10.0.0.1", "10.0.0.2"):
        for _ in range(4):
            guard.check(client, "wrong", RIGHT)
    assert guard.check("10.0.0.1", RIGHT, RIGHT) == (True, 0.0)
    assert counts(guard.store) == {ALL_CLIENTS: 8, client_key("10.0.0.2", RIGHT): 4}  # 2 clients x 4 failures stay global


def test_addresses_are_stored_only_as_hashes(db_url):
    guard = LoginGuard(Store(db_url), clock=Clock())
    guard.check("203.0.113.7", "wrong", RIGHT)
    with Session(guard.store.engine) as s:
        stored = " ".join(str(v) for row in s.execute(text("SELECT * FROM login_failures")) for v in row)
    assert "203.0.113.7" not in stored
    # keyed: hmac and hashlib directly (not client_key); the unkeyed digest, which hashing every IPv4 address reverses, is absent
    assert hmac.new(RIGHT.encode(), b"persona-login:203.0.113.7", hashlib.sha256).hexdigest() in stored
    assert hashlib.sha256(b"persona-login:203.0.113.7").hexdigest() not in stored


def test_stale_client_rows_are_dropped_when_there_are_too_many(db_url, monkeypatch):
    monkeypatch.setattr(access, "MAX_CLIENTS", 3)
    clock = Clock()
    guard = LoginGuard(Store(db_url), free_global=1000, clock=clock)
    for n in range(3):
        guard.check(f"10.0.0.{n}", "wrong", RIGHT)
    clock.advance(FORGET_AFTER_S)
    guard.check("10.0.0.9", "wrong", RIGHT)  # a 4th address: the three stale ones go
    assert set(counts(guard.store)) == {ALL_CLIENTS, client_key("10.0.0.9", RIGHT)}


def test_a_database_from_before_the_guard_gets_its_table(db_url):
    engine = make_engine(db_url)
    Base.metadata.create_all(engine, tables=[t for t in Base.metadata.sorted_tables if t.name != "login_failures"])
    engine.dispose()
    guard = LoginGuard(Store(db_url), clock=Clock())
    assert guard.check("10.0.0.1", "wrong", RIGHT) == (False, 0.0)


def test_a_broken_database_is_a_one_line_error_and_nothing_is_checked(db_url):
    store = Store(db_url)
    with store.engine.begin() as c:
        c.execute(text("DROP TABLE login_failures"))
    with pytest.raises(StoreError, match=r"^cannot check the password guess against .*login_failures[^\n]*$"):
        LoginGuard(store, clock=Clock()).check("10.0.0.1", RIGHT, RIGHT)
