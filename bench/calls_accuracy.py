"""Accuracy of call timing on synthetic calls with known timing, and on the real corpus call's hand labels.

Synthetic calls (``tests/unit/_calls.py``): real speech and TTS clips placed with known gaps of
0.1-3 s, one overlapping response, a barge-in the agent stops for and one it talks through; echo
of the other party at -15, -20, -25 or -30 dB (20-80 ms late), line noise at -60 to -45 dBFS,
G.711. Prints, over ``--calls`` calls (seeds never used by the tests, which use 0-3):

* median and 90th percentile absolute error of the agent's response latency (issue: median <= 50 ms);
* median absolute error of the barge-in stop time (issue: <= 100 ms), barge-ins found / scripted;
* talk-throughs read as "not stopped"; speech runs with no true speech under them (echo read as speech).

With ``../shared/corpus`` (or ``PERSONA_SHARED``), the real SpokenWOZ call against the hand labels of
``tests/data/spokenwoz_MUL1011_hand_turns.csv``.

    python bench/calls_accuracy.py [--calls 16]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "unit"))
import _calls  # noqa: E402

from persona.calls import CallProfiler  # noqa: E402

FIRST_SEED = 100


def nearest(frame: pd.DataFrame, t: float, reach_s: float = 0.5):
    if frame.empty:
        return None
    j = int(np.argmin(np.abs(frame["start_s"].to_numpy() - t)))
    return frame.iloc[j] if abs(frame["start_s"].iat[j] - t) <= reach_s else None


def synthetic(n_calls: int) -> None:
    latency, stop, found, scripted, through_ok, through, false_runs = [], [], 0, 0, 0, 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        scripts = {}
        for k in range(n_calls):
            seed = FIRST_SEED + k
            call = _calls.scripted_call(seed)
            mix = dict(echo_db=-15.0 - 5 * (k % 4), echo_delay_s=0.02 + 0.02 * (k % 4), noise_dbfs=-60.0 + 5 * (k // 4 % 4))
            scripts[str(call.write(Path(tmp) / f"call_{seed}.wav", seed=seed, **mix))] = call
        turns = CallProfiler().process_files(list(scripts), agent_channel=0).turns
    for file, call in scripts.items():
        t = turns[turns["file"] == file]
        agent = t[(t["speaker"] == "agent") & ~t["within"]]
        for start, gap in call.responses:
            hit = nearest(agent, start)
            if hit is not None:
                latency.append(hit["latency_s"] - gap)
        barge = t[t["barge_in"].astype(bool)]
        for onset, truth in call.stops:
            scripted += 1
            hit = nearest(barge, onset)
            if hit is not None and hit["agent_stopped"]:
                found += 1
                stop.append(hit["agent_stop_s"] - truth)
        for onset in call.talk_through:
            through += 1
            hit = nearest(barge, onset)
            through_ok += int(hit is not None and not hit["agent_stopped"])
        for party in ("agent", "caller"):
            truth = call.intervals(party)
            false_runs += sum(not np.any((truth[:, 0] < r.end_s) & (truth[:, 1] > r.start_s)) for r in t[t["speaker"] == party].itertuples())
    n_resp = sum(len(c.responses) for c in scripts.values())
    err = np.abs(latency)
    print(f"synthetic: {n_calls} calls, {len(latency)}/{n_resp} responses found; response latency abs error median "
          f"{np.median(err) * 1000:.0f} ms, p90 {np.quantile(err, 0.9) * 1000:.0f} ms (issue: median <= 50 ms)")
    print(f"synthetic: barge-ins found stopped {found}/{scripted}; stop time abs error median {np.median(np.abs(stop)) * 1000:.0f} ms "
          f"(issue: <= 100 ms); talk-throughs read as not stopped {through_ok}/{through}; echo read as speech: {false_runs} run(s)")


def real_call() -> None:
    shared = Path(os.environ.get("PERSONA_SHARED", REPO.parent / "shared"))
    file = shared / "corpus" / "human" / "spokenwoz_MUL1011_stereo.wav"
    if not file.is_file():
        print(f"real call: {file} not found (set PERSONA_SHARED); skipped")
        return
    labels = pd.read_csv(REPO / "tests" / "data" / "spokenwoz_MUL1011_hand_turns.csv", comment="#")
    tables = CallProfiler().process_files([file], agent_channel=1)
    t = tables.turns[~tables.turns["within"]]
    for lab in labels.itertuples():
        who = "agent" if lab.next_channel == 1 else "caller"
        hit = nearest(t[t["speaker"] == who], lab.next_start_s, reach_s=0.3)
        hand = lab.next_start_s - lab.prev_end_s
        read = "not found within 0.3 s" if hit is None else f"{hit['latency_s']:.2f} s (error {(hit['latency_s'] - hand) * 1000:+.0f} ms)"
        print(f"real call: transition {lab.transition}: hand {hand:.2f} s, detected {read}")
    row = tables.calls.iloc[0]
    print(f"real call: {row['agent_turns']} agent / {row['caller_turns']} caller turns, response latency median "
          f"{row['response_latency_median_s']:.2f} s, guessed agent channel would be {CallProfiler().process_files([file]).calls['agent_channel'].iat[0]} "
          "(the corpus's user speaks first)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=16)
    args = parser.parse_args()
    synthetic(args.calls)
    real_call()


if __name__ == "__main__":
    main()
