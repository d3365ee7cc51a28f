"""Start-up of the ``persona`` command, whole process from the shell, and what its imports cost.

Prints the median wall time (s) of several runs of

* ``persona --version`` and ``persona --help``      (target <= 0.3 s),
* ``persona features`` on one 5 s file            (target <= 1.0 s),

next to ``python -c pass`` (the interpreter's own start-up on this machine), then the largest
cumulative import costs of ``import persona.cli`` and of the ``features`` command from
``python -X importtime``. Run from a clone: ``python bench/startup.py [--runs 7]``. On a
shared machine the figures move with the load; the baseline line says how loaded it was.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
CLIP_S = 5.0
SR_HZ = 16000


def five_second_clip(folder: Path) -> Path:
    """A 5 s voiced clip (120 Hz pulse train with syllable-rate amplitude modulation, 16 kHz)."""
    t = np.arange(int(CLIP_S * SR_HZ)) / SR_HZ
    f0 = 120 * (1 + 0.1 * np.sin(2 * np.pi * 0.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / SR_HZ
    voice = sum(np.sin(k * phase) / k for k in range(1, 25))
    envelope = 0.5 * (1 - np.cos(2 * np.pi * 4 * t)) * (np.sin(2 * np.pi * 0.4 * t) > -0.6)
    path = folder / "five_seconds.wav"
    sf.write(path, 0.3 * voice * envelope / np.max(np.abs(voice)), SR_HZ)
    return path


def timed(cmd: list[str], runs: int, env: dict) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system, s) of ``runs`` runs of ``cmd``, each a fresh process.

    CPU time barely moves with the machine's load; wall time is what a person waits for.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def top_imports(code: str, env: dict, n: int = 10) -> list[tuple[float, str]]:
    """The ``n`` largest cumulative import times (s) of packages and persona modules while running ``code``."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env, capture_output=True, text=True)
    costs = {}
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)", line)
        if match and ("." not in match.group(2) or match.group(2).startswith("persona.")):
            costs[match.group(2)] = int(match.group(1)) / 1e6
    return sorted(((s, m) for m, s in costs.items() if m not in ("site", "encodings")), reverse=True)[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median reported)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PERSONA_CACHE": "0"}
    persona = shutil.which("persona")
    entry = [persona] if persona else [sys.executable, "-c", "from persona.cli import app; app()"]
    with tempfile.TemporaryDirectory() as tmp:
        clip = five_second_clip(Path(tmp))
        figures = {
            "python -c pass (baseline)": (timed([sys.executable, "-c", "pass"], args.runs, env), None),
            "persona --version": (timed([*entry, "--version"], args.runs, env), 0.3),
            "persona --help": (timed([*entry, "--help"], args.runs, env), 0.3),
            "persona features <5 s file> --jobs 1": (timed([*entry, "features", str(clip), "--jobs", "1"], args.runs, env), 1.0),
        }
    print(f"whole process from the shell, median of {args.runs} runs ({entry[0]}; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs):")
    print(f"  {'':<40} {'wall':>7} {'CPU':>7}")
    for name, ((seconds, cpu), target) in figures.items():
        verdict = "" if target is None else f"  target <= {target:.1f} s: {'met' if seconds <= target else 'NOT met'}"
        print(f"  {name:<40} {seconds:6.2f}s {cpu:6.2f}s{verdict}")
    for title, code in (
        ("import persona.cli", "import persona.cli"),
        ("the features command's imports", "import persona.cli, persona.features, persona.tables"),
    ):
        print(f"\nlargest cumulative imports of {title} (python -X importtime):")
        for seconds, module in top_imports(code, env):
            print(f"  {seconds:6.3f} s  {module}")


if __name__ == "__main__":
    main()
