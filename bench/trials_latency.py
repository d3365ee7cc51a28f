"""Listening-test speed through the real server: from pressing *Next* to the next clip ready to play.

Run from the repository root (as root it starts a scratch PostgreSQL as ``nobody``)::

    nice -n 10 python3 bench/trials_latency.py [--listeners 50] [--seconds 90] [--databases sqlite,postgresql]

Every measurement goes through ``streamlit run app.py`` subprocesses on loopback ports, with the
committed ``.streamlit/config.toml``, on a fresh database per configuration; the demo survey's
clips are prepared first, as ``persona survey invite`` does.

1. **Browser, 1 listener**: Debian's Chromium (Playwright) takes the whole demo survey, playing
   every clip to its end. Time from the click on *Next* to a new clip player showing "not
   played yet" (its WAV received and decoded into a playable ``blob:`` URL), polled every
   animation frame.
2. **Websocket listeners, N at once** (``bench/streamlit_listener.py``): N clients speaking
   Streamlit's protocol, each listening to every clip for its duration plus a 0.5-2 s answering
   pause, for ``--seconds``; on SQLite and PostgreSQL, with one and with two app processes (the
   listeners split between them). Time from sending the click on *Next* to receiving the
   message that carries the next screen's first clip.

Targets (issue 13): browser p50 <= 300 ms, p95 <= 600 ms; 50 listeners p95 <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from served_app import DATABASES, DEMO, REPO, app_processes, databases, register_study
from streamlit_listener import Disconnected, ListenerClient, finished

sys.path.insert(0, str(REPO / "tests" / "e2e"))


def report(name: str, times_s: list[float], extra: str = "") -> None:
    if not times_s:
        print(f"{name:<52} no samples {extra}")
        return
    ms = np.asarray(times_s) * 1000
    print(f"{name:<52} n={ms.size:5d}  p50={np.percentile(ms, 50):7.1f} ms  p95={np.percentile(ms, 95):7.1f} ms  "
          f"max={ms.max():7.1f} ms {extra}", flush=True)  # fmt: skip


async def crowd(bases: list[str], tokens: list[str], *, seconds: float, seed: int) -> tuple[list[float], int, int]:
    """Run one websocket listener per token (spread over the app processes) for ``seconds``.

    Returns the Next -> clip times (s), the answers given and the listeners who finished.
    """
    deadline = time.monotonic() + seconds
    times: list[float] = []
    counts = {"answers": 0, "finished": 0}

    async def one(k: int, token: str) -> None:
        rng = random.Random(seed * 1000 + k)
        await asyncio.sleep(rng.uniform(0, 5))  # listeners arrive over the first seconds
        client = ListenerClient(bases[k % len(bases)], f"token={token}", rng=rng)
        try:
            screen = await client.connect()
            while not finished(screen) and time.monotonic() < deadline:
                screen, latency = await client.answer(screen)
                counts["answers"] += 1
                if latency is not None:
                    times.append(latency)
            counts["finished"] += finished(screen)
        except Disconnected:
            pass
        finally:
            client.close()

    await asyncio.gather(*(one(k, t) for k, t in enumerate(tokens)))
    return times, counts["answers"], counts["finished"]


def browser_listener(base: str, token: str) -> list[float]:
    """One listener in Chromium through the whole survey; return the Next -> playable clip times (s)."""
    from playwright.sync_api import sync_playwright
    from test_listener_browser import CHROMIUM, CHROMIUM_ARGS, WAIT_MS, next_clip_latency, start_listening

    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(WAIT_MS)
        page.goto(f"{base}/?token={token}")
        start_listening(page)
        while not page.get_by_text("Thank you!").is_visible():
            latency = next_clip_latency(page, answer_screen)
            if latency is not None:
                times.append(latency)
        browser.close()
    return times


def answer_screen(page) -> None:
    """Play every clip to its end, then answer every question of the screen (first option; first slider 100, the rest 0)."""
    from test_listener_browser import play_screen

    play_screen(page)
    for group in page.get_by_role("radiogroup").all():
        group.locator("label").first.click()
    for n, slider in enumerate(page.get_by_role("slider").all()):
        slider.focus()
        slider.press("End" if n == 0 else "ArrowRight")  # sliders start at "not rated" (-1): every one must move onto 0-100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--survey", type=Path, default=DEMO)
    parser.add_argument("--listeners", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=90.0, help="length of each websocket run, s")
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument("--processes", default="1,2", help="app process counts to run")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the app processes and PostgreSQL on kill
    kinds = tuple(args.databases.split(","))
    print(f"{os.cpu_count()} CPU(s); survey {args.survey.name}; every run through `streamlit run app.py`")
    with databases(kinds) as make, tempfile.TemporaryDirectory() as logs:
        for kind in kinds:
            if not args.no_browser:
                url = make(kind, f"browser_{kind}")
                _, tokens = register_study(url, args.survey, listeners=1)
                name = f"browser (Chromium), 1 listener, {kind}: Next -> clip"
                with app_processes(url, 1, Path(logs)) as apps:
                    try:
                        report(name, browser_listener(apps[0].base_url, tokens[0]))
                    except AssertionError as exc:  # a step that did not come within the wait: say so, go on
                        print(f"{name:<52} failed: {str(exc).splitlines()[0]}", flush=True)
            for n_processes in map(int, args.processes.split(",")):
                url = make(kind, f"crowd_{kind}_{n_processes}")
                _, tokens = register_study(url, args.survey, listeners=args.listeners)
                with app_processes(url, n_processes, Path(logs)) as apps:
                    times, answers, done = asyncio.run(crowd([a.base_url for a in apps], tokens, seconds=args.seconds, seed=n_processes))
                name = f"websocket, {args.listeners} listeners, {kind}, {n_processes} proc: Next -> clip"
                report(name, times, f"({answers} answers, {done} finished in {args.seconds:g} s)")


if __name__ == "__main__":
    main()
