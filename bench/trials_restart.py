"""Crash safety of the listening test: ``kill -9`` the app server again and again while listeners answer.

Run from the repository root (as root it starts a scratch PostgreSQL as ``nobody``)::

    nice -n 10 python3 bench/trials_restart.py [--listeners 30] [--restarts 20] [--databases sqlite,postgresql]

For each database, ``--listeners`` websocket listeners (``bench/streamlit_listener.py``, each
hearing every clip for its duration) take the demo survey on one ``streamlit run app.py``, which
is killed with SIGKILL at random moments (8-20 s, ``--uptime-s``, after the restarted server served
its first listener again) and restarted at once, until
``--restarts`` kills (or ``--max-seconds``). A listener whose websocket drops reconnects, as a
reloading browser does, and gets a new session. Counted:

* **acknowledged**: answers the server confirmed (the next screen came back, its progress
  label advanced); **lost**: acknowledged answers missing from the database afterwards;
* **duplicated**: database rows repeating a (listener, trial, attribute, clip) answer or a
  headphone check;
* **resumes**: every (re)connection; **wrong resumes**: the first screen shown was not the
  listener's first unanswered step as the database had it at that moment.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from served_app import DATABASES, DEMO, AppProcess, databases, register_study
from sqlalchemy import text
from streamlit_listener import Disconnected, ListenerClient, Refused, Screen, finished

from persona.trials.flow import ListenerFlow
from persona.trials.store import Store


def expected_step(store: Store, token: str) -> str:
    """The progress label of the listener's first unanswered step, from the database."""
    return ListenerFlow(store, store.listener(token), session=None).step().label


def done_count(screen: Screen) -> int:
    """The ``d`` of the progress text ``"<label> · d of T done"`` (``-1`` if absent)."""
    text = screen.progress()
    return int(text.split(" · ")[1].split(" of ")[0]) if " · " in text else -1


class Tally:
    def __init__(self):
        self.acknowledged: dict[str, set[str]] = defaultdict(set)  # token -> labels the server confirmed
        self.resumes = 0
        self.wrong_resumes: list[str] = []


async def listener(store: Store, app: AppProcess, token: str, tally: Tally, *, deadline: list[float], seed: int) -> None:
    """One listener answering until the survey ends or ``deadline[0]`` (monotonic s) passes, reconnecting as needed."""
    rng = random.Random(seed)
    await asyncio.sleep(rng.uniform(0, 5))
    while time.monotonic() < deadline[0]:
        client = ListenerClient(app.base_url, f"token={token}", rng=rng)
        try:
            screen = await client.connect()
            tally.resumes += 1
            if (shown := screen.progress().split(" · ")[0]) != (wanted := expected_step(store, token)):
                tally.wrong_resumes.append(f"{token[:6]}: shown {shown!r}, first unanswered {wanted!r}")
            while not finished(screen) and time.monotonic() < deadline[0]:
                label, before = screen.progress().split(" · ")[0], done_count(screen)
                screen, _ = await client.answer(screen)
                if label not in ("Welcome", "Finished") and done_count(screen) > before:
                    tally.acknowledged[token].add(label)
            if finished(screen):
                return
        except (Disconnected, Refused, OSError):
            await asyncio.sleep(0.5)  # the server is down (or the screen was refused): reload in a moment
        finally:
            client.close()


async def killer(app: AppProcess, tally: Tally, *, restarts: int, uptime_s: tuple[float, float], deadline: float, seed: int) -> int:
    """Kill the server ``restarts`` times and restart it at once.

    Each kill comes a uniform random time in ``uptime_s`` after the restarted server has served
    its first listener again (a cold start imports the app's modules on its first page run), so
    kills land while listeners answer, not while the server is still starting.
    """
    rng, kills = random.Random(seed), 0
    while kills < restarts and time.monotonic() < deadline:
        served = tally.resumes
        while tally.resumes == served and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(rng.uniform(*uptime_s))
        app.kill()
        kills += 1
        await asyncio.to_thread(app.start)
    return kills


def lost(store: Store, tally: Tally) -> int:
    """Acknowledged answers that are not in the database (labels mapped to trial ids through each plan)."""
    missing = 0
    for token, labels in tally.acknowledged.items():
        flow = ListenerFlow(store, store.listener(token), session=None)
        answered = store.answered_trials(flow.listener.id)
        checks = store.headphone_answers(flow.listener.id)
        for label in labels:
            kind, number = label.rsplit(" of ", 1)[0].rsplit(" ", 1)  # "Sound check 2", "Practice 1", "Trial 3"
            k = int(number) - 1
            if kind == "Sound check":
                missing += k not in checks
            else:
                trial = [t for t in flow.plan if t.practice == (kind == "Practice")][k]
                missing += trial.trial_id not in answered
    return missing


def duplicated(store: Store) -> int:
    queries = (
        "SELECT COUNT(*) FROM (SELECT 1 FROM responses GROUP BY listener_id, trial_id, attribute, stimulus_id HAVING COUNT(*) > 1) d",
        "SELECT COUNT(*) FROM (SELECT 1 FROM headphone_checks GROUP BY listener_id, check_index HAVING COUNT(*) > 1) d",
    )
    with store.engine.connect() as c:
        return sum(c.execute(text(q)).scalar() for q in queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--survey", type=Path, default=DEMO)
    parser.add_argument("--listeners", type=int, default=30)
    parser.add_argument("--restarts", type=int, default=20)
    parser.add_argument("--uptime-s", default="8,20", help="range of server uptime before each kill, s")
    parser.add_argument("--max-seconds", type=float, default=540.0, help="time bound per database, s")
    parser.add_argument("--databases", default=",".join(DATABASES))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the app processes and PostgreSQL on kill
    kinds = tuple(args.databases.split(","))
    uptime_s = tuple(map(float, args.uptime_s.split(",")))
    with databases(kinds) as make, tempfile.TemporaryDirectory() as logs:
        for kind in kinds:
            url = make(kind, f"restart_{kind}")
            store, tokens = register_study(url, args.survey, listeners=args.listeners)
            app = AppProcess(url, Path(logs) / f"{kind}.log")
            app.start()
            tally, started = Tally(), time.monotonic()
            deadline = [started + args.max_seconds]

            async def run() -> int:
                tasks = [listener(store, app, t, tally, deadline=deadline, seed=k) for k, t in enumerate(tokens)]
                listeners = asyncio.gather(*tasks)
                kills = await killer(app, tally, restarts=args.restarts, uptime_s=uptime_s, deadline=deadline[0], seed=len(kind))
                deadline[0] = min(deadline[0], time.monotonic() + 15)  # after the last restart: every listener resumes once more
                await listeners
                return kills

            try:
                kills = asyncio.run(run())
            finally:
                app.stop()
            acknowledged = sum(map(len, tally.acknowledged.values()))
            print(f"{kind:<10} {kills} kill -9 restarts in {time.monotonic() - started:.0f} s; {args.listeners} listeners; "
                  f"{acknowledged} answers acknowledged, {lost(store, tally)} lost, {duplicated(store)} duplicated; "
                  f"{tally.resumes} resumes, {len(tally.wrong_resumes)} not at the first unanswered step", flush=True)  # fmt: skip
            for wrong in tally.wrong_resumes[:5]:
                print(f"    {wrong}")


if __name__ == "__main__":
    main()
