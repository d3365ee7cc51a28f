"""Listening-trial speed: answer-to-next-trial latency and stimulus preparation time.

Run from the repository root::

    python3 bench/trials_latency.py [--listeners 30] [--survey surveys/demo_billing_dispute.toml]

Three measurements, all server-side, on a fresh SQLite file database (WAL):

1. **App, 1 listener** (streamlit AppTest): time from pressing "Next" to the next trial
   rendered, i.e. one full script run of ``app.py`` (store commit, resume lookup, next trial's
   clips prepared, encoded and recorded, widgets built). AppTest patches process-wide Streamlit
   state, so it cannot run sessions concurrently.
2. **Flow, 1 and N listeners** (threads over one shared Store, as sessions share the app's
   engine): time from ``ListenerFlow.submit`` to the next trial's clips ready
   (``step`` + ``trial_clips``); the same server work as (1) minus building widgets. Run twice:
   back to back with no pause (a stress test: every listener submits continuously), and with a
   pause of ``--think-s`` (default 1 s, x U(0.5, 1.5)) before each answer, still several times
   busier than real listeners, who must hear 5-10 s clips to the end before answering.
3. **Stimulus preparation** per clip (trim, telephone chain, resample, BS.1770 normalisation),
   cold cache; the first clip also pays the one-off library warm-up and is reported apart.

Target: p95 < 250 ms with 30 listeners on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from persona.trials.answers import Answer
from persona.trials.design import Trial
from persona.trials.flow import ListenerFlow
from persona.trials.stimuli import clear_cache, prepare_survey
from persona.trials.store import Store
from persona.trials.survey import load_survey

REPO = Path(__file__).resolve().parents[1]


def some_answer(trial: Trial, rng: np.random.Generator) -> Answer:
    """A random valid answer."""
    if trial.test_type == "acr":
        return Answer(ratings={a: int(rng.integers(1, 6)) for a in trial.attributes})
    if trial.test_type == "mushra":
        return Answer(ratings={sid: int(rng.integers(0, 101)) for sid in trial.stimulus_ids})
    if trial.test_type == "ab":
        return Answer(choice=str(rng.choice(["A", "B"])))
    return Answer(choice=str(rng.choice(["human", "ai"])), confidence=int(rng.integers(1, 4)))


def flow_listener(store: Store, token: str, seed: int, think_s: float = 0.0) -> list[float]:
    """Answer every trial of one listener; return the submit-to-next-trial-ready times in seconds.

    Before each answer the listener waits ``think_s`` times a uniform 0.5-1.5 factor.
    """
    rng = np.random.default_rng(seed)
    flow = ListenerFlow.start(store, token)
    flow.consent()
    for index in range(flow.survey.headphone_trials):
        flow.headphone_clip(index)
        flow.mark_played(f"headphone-{index}", "clip")
        flow.submit_headphone(index, 1)
    times = []
    step = flow.step()
    while step.kind == "trial":
        for clip in flow.trial_clips(step.trial):
            flow.mark_played(step.trial.trial_id, clip.slot)
        time.sleep(think_s * rng.uniform(0.5, 1.5))
        start = time.perf_counter()
        flow.submit(step.trial, some_answer(step.trial, rng))
        step = flow.step()
        if step.kind == "trial":
            flow.trial_clips(step.trial)
        times.append(time.perf_counter() - start)
    return times


def app_listener(token: str, seed: int) -> list[float]:
    """One listener through ``app.py`` in AppTest; return the Next-to-rendered times in seconds."""
    rng = np.random.default_rng(seed)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["token"] = token
    at.run()
    at.checkbox(key="consent_agree").check().run()
    at.button(key="consent_start").click().run()
    times = []
    while not any(t.value == "Thank you!" for t in at.title):
        for player in at.get("component_instance"):
            at.session_state[player.key] = {"ended": True, "plays": 1}
        at.run()
        for radio in at.radio:
            radio.set_value(radio_value(radio, rng))
        at.run()
        start = time.perf_counter()
        at.button[0].click().run()
        times.append(time.perf_counter() - start)
    return times


def radio_value(radio, rng: np.random.Generator):
    labels = list(radio.options)
    for candidates in ((1, 2, 3, 4, 5), ("A", "B", "none"), ("human", "ai")):
        values = [v for v in candidates if radio.format_func(v) in labels]
        if len(values) == len(labels):
            return values[int(rng.integers(len(values)))]
    raise ValueError(f"unknown options {labels}")


def report(name: str, times_s: list[float]) -> None:
    ms = np.asarray(times_s) * 1000
    print(f"{name:<44} n={ms.size:5d}  p50={np.percentile(ms, 50):7.1f} ms  p95={np.percentile(ms, 95):7.1f} ms  "
          f"max={ms.max():7.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--survey", default=str(REPO / "surveys" / "demo_billing_dispute.toml"))
    parser.add_argument("--listeners", type=int, default=30)
    parser.add_argument("--think-s", type=float, default=1.0, help="mean pause before each answer, s (real: >= clip length)")
    args = parser.parse_args()
    survey = load_survey(args.survey)
    print(f"survey {survey.id}: {len(survey.stimuli)} clips; {os.cpu_count()} CPU(s)")

    clear_cache()
    clips = prepare_survey(survey)
    audio_s = clips["duration_s"].iloc[1:].sum()
    print(f"stimulus preparation, first clip (includes library warm-up): {clips['prepare_s'].iloc[0] * 1000:.0f} ms")
    report("stimulus preparation per clip, cold cache", clips["prepare_s"].iloc[1:].tolist())
    print(f"{'':<44} {clips['prepare_s'].iloc[1:].sum() / audio_s * 1000:.1f} ms per second of audio")

    with tempfile.TemporaryDirectory() as folder:
        db_url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        os.environ["PERSONA_DB_URL"] = db_url
        store = Store(db_url)
        store.register_study(survey)
        tokens = store.create_listeners(survey.id, n=2)
        report("app (AppTest), 1 listener: Next -> rendered", app_listener(tokens[0], seed=0))
        report("flow, 1 listener: submit -> next trial ready", flow_listener(store, tokens[1], seed=1))
        for think_s in (0.0, args.think_s):
            with ThreadPoolExecutor(max_workers=args.listeners) as pool:
                tokens = store.create_listeners(survey.id, n=args.listeners)
                runs = pool.map(flow_listener, [store] * args.listeners, tokens, range(args.listeners), [think_s] * args.listeners)
                times = [t for run in runs for t in run]
            report(f"flow, {args.listeners} listeners, think {think_s:g} s: submit -> ready", times)
        answers = store.responses_frame(survey.id)
        print(f"stored {len(answers)} answer rows from {answers['listener_id'].nunique()} listeners, "
              f"{int(answers.duplicated(['listener_id', 'trial_id', 'attribute', 'stimulus_id']).sum())} duplicates")  # fmt: skip


if __name__ == "__main__":
    main()
