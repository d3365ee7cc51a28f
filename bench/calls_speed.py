"""Speed and memory of ``persona calls profile`` on long two-channel calls.

Builds 8 kHz 16-bit stereo calls of 5 and 20 minutes from the bundled clips (agent TTS lines on
channel 0, human lines on channel 1, alternating with 0.2-2 s gaps, -20 dB echo of each party in
the other channel, line noise, G.711), then profiles each in a fresh single-threaded process
confined to one CPU and prints:

* the real-time factor (call seconds per CPU second of the profiling, decode included; target
  issue 14: >= 100x per core on the 5-minute call), split into timing (speech activity, turns)
  and the agent side's persona profile;
* the peak resident memory (RSS) of that process, for 5 and 20 minutes (memory flat in call
  length: the call is streamed in 60 s blocks, only frame powers and the agent's speech are kept).

    python bench/calls_speed.py [--repeat 3]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

from persona import io

REPO = Path(__file__).resolve().parents[1]
SR_HZ = 8000
MINUTES = (5, 20)

MEASURE = r"""
import json, os, resource, sys, time
os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
from persona.calls import CallProfiler, audio, activity
path = sys.argv[1]
profiler = CallProfiler()
best = {}
for _ in range(int(sys.argv[2])):
    t0 = time.process_time()
    info = audio.call_info(path)
    act = activity.detect(audio.frame_power(info))
    t1 = time.process_time()
    row, turns = profiler.process_call(path, agent_channel=0)
    t2 = time.process_time()
    for k, v in (("timing_s", t1 - t0), ("full_s", t2 - t1)):
        best[k] = min(best.get(k, 1e9), v)
assert not row["error"], row["error"]
print(json.dumps(best | {"duration_s": info.duration_s, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                         "agent_turns": row["agent_turns"], "response_latency_median_s": row["response_latency_median_s"]}))
"""


def clips(pattern: str) -> list[np.ndarray]:
    return [io.resample(io.load(p), SR_HZ).samples for p in sorted(REPO.glob(pattern))]


def build_call(minutes: float, path: Path, seed: int = 0) -> Path:
    """An alternating two-party call of ``minutes``, written block by block (never whole in memory)."""
    rng = np.random.default_rng(seed)
    agents, callers = clips("reference_audio/*/agents/piper_joe/*_0[1-5].flac"), clips("reference_audio/*/human_*.flac")
    total = int(minutes * 60 * SR_HZ)
    lag, gain = int(0.04 * SR_HZ), 10 ** (-20 / 20)
    with sf.SoundFile(path, "w", SR_HZ, 2, "PCM_16") as out:
        written, turn = 0, 0
        while written < total:
            x = (agents if turn % 2 == 0 else callers)[rng.integers(1 << 30) % (len(agents) if turn % 2 == 0 else len(callers))]
            gap = np.zeros(int(rng.uniform(0.2, 2.0) * SR_HZ))
            own = np.concatenate([x, gap])
            block = np.zeros((own.size + lag, 2))
            block[: own.size, turn % 2] = own
            block[lag:, 1 - turn % 2] += own * gain
            block += rng.normal(0, 10 ** (-55 / 20), block.shape)
            block = np.column_stack([io.mulaw_decode(io.mulaw_encode(io.telephone_band(block[:, c], SR_HZ))) for c in (0, 1)])
            out.write(block[: total - written])
            written += min(block.shape[0], total - written)
            turn += 1
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(REPO), "PERSONA_CACHE": "0"}
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in MINUTES:
            path = build_call(minutes, Path(tmp) / f"call_{minutes}min.wav")
            out = subprocess.run([sys.executable, "-c", MEASURE, str(path), str(args.repeat)], env=env, capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{minutes:>2} min call ({r['agent_turns']} agent turns, response latency median {r['response_latency_median_s']:.2f} s): "
                  f"timing {r['duration_s'] / r['timing_s']:.0f}x real time, full profile (timing + agent persona) "
                  f"{r['duration_s'] / r['full_s']:.0f}x real time per core; peak RSS {r['rss_mb']:.0f} MB")  # fmt: skip
    print("target (issue 14): >= 100x real time per core on the 5-minute call; peak RSS flat from 5 to 20 minutes")


if __name__ == "__main__":
    main()
