"""Start-up of the ``persona`` command, whole process from the shell, and what its imports cost.

Prints the median wall time (s) of several runs of

* ``persona --version`` and ``persona --help``      (target <= 0.3 s),
* ``persona features`` on one 5 s file            (target <= 1.0 s),

next to ``python -c pass`` (the interpreter's own start-up on this machine), with their CPU time,
then the largest cumulative import costs of the ``features`` run from ``python -X importtime``
and which heavy libraries it loads. ``--before DIR`` measures an earlier checkout side by side
(before/after evidence). Run from a clone: ``python bench/startup.py [--runs 7] [--before DIR]``.
On a shared machine wall time moves with the load (printed); CPU time barely does.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
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


def timed(cmd: list[str], runs: int, root: Path) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system, s) of ``runs`` runs of ``cmd``, each a fresh process.

    CPU time barely moves with the machine's load; wall time is what a person waits for.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, env=_env(root), cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def import_costs(argv: list[str], root: Path, runs: int) -> dict[str, tuple[float, float]]:
    """Own and cumulative import time (s) of every module while running ``python -X importtime ARGV``, each the least
    over ``runs`` runs (what the import costs when the machine lets it run)."""
    best: dict[str, tuple[float, float]] = {}
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-X", "importtime", *argv], env=_env(root), cwd=root, capture_output=True, text=True)
        for line in result.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)", line)
            if match:
                own, cumulative = int(match.group(1)) / 1e6, int(match.group(2)) / 1e6
                previous = best.get(match.group(3), (np.inf, np.inf))
                best[match.group(3)] = (min(previous[0], own), min(previous[1], cumulative))
    return best


def top_imports(costs: dict[str, tuple[float, float]], n: int = 12) -> list[tuple[float, str]]:
    """The ``n`` largest cumulative costs among top-level packages and persona modules."""
    shown = {m: c for m, (_, c) in costs.items() if ("." not in m or m.startswith("persona.")) and m not in ("site", "encodings")}
    return sorted(((c, m) for m, c in shown.items()), reverse=True)[:n]


def package_cost(costs: dict[str, tuple[float, float]], package: str) -> float:
    """Import time (s) of all of ``package``'s modules (their own times summed), wherever in the run they were imported."""
    return sum(own for m, (own, _) in costs.items() if m == package or m.startswith(package + "."))


def figures(trees: dict[str, Path], clip: Path, runs: int) -> dict[str, dict[str, tuple[float, float]]]:
    """Median (wall, CPU) per command and per source tree."""
    commands = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "persona --version": [*ENTRY, "--version"],
        "persona --help": [*ENTRY, "--help"],
        "persona features <5 s file> --jobs 1": [*ENTRY, "features", str(clip), "--jobs", "1"],
    }
    return {name: {tree: timed(cmd, runs, root) for tree, root in trees.items()} for name, cmd in commands.items()}


def _env(root: Path) -> dict:
    """The environment that runs the persona of ``root`` (also the working directory, first on ``sys.path``), uncached."""
    return {**os.environ, "PYTHONPATH": str(root), "PERSONA_CACHE": "0"}


ENTRY = [sys.executable, "-c", "import sys; from persona.cli import app; sys.argv[0] = 'persona'; app()"]
"""``persona`` as its console script runs it, from the tree on ``PYTHONPATH``."""
TARGETS = {"persona --version": 0.3, "persona --help": 0.3, "persona features <5 s file> --jobs 1": 1.0}
HEAVY = ("scipy", "pandas", "pyarrow", "pyloudnorm", "librosa", "numba", "pydantic")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (median reported; least import time)")
    parser.add_argument("--before", type=Path, help="an earlier checkout (e.g. `git worktree add /tmp/before <commit>`) to measure side by side")
    args = parser.parse_args()
    trees = {"this tree": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    with tempfile.TemporaryDirectory() as tmp:
        clip = five_second_clip(Path(tmp))
        table = figures(trees, clip, args.runs)
        features = ["-c", ENTRY[-1], "features", str(clip), "--jobs", "1"]
        imports = {tree: import_costs(features, root, args.runs) for tree, root in trees.items()}
    print(f"whole process from the shell, median of {args.runs} runs (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          "CPU time is user + system, what wall time is on an idle machine):")
    print(f"  {'':<40}" + "".join(f" {tree + ' wall':>17} {'CPU':>6}" for tree in trees))
    for name, by_tree in table.items():
        cells = "".join(f" {wall:16.2f}s {cpu:5.2f}s" for wall, cpu in by_tree.values())
        wall, cpu = by_tree["this tree"]
        target = TARGETS.get(name)
        verdict = "" if target is None else f"  target <= {target:.1f} s: wall {'met' if wall <= target else 'NOT met'}, CPU {'met' if cpu <= target else 'NOT met'}"
        print(f"  {name:<40}{cells}{verdict}")
    for tree, costs in imports.items():
        heavy = ", ".join(f"{m} {package_cost(costs, m):.2f} s" for m in HEAVY if m in costs) or "none"
        print(f"\n{tree}: largest cumulative imports of `persona features <5 s file>` (python -X importtime, least of {args.runs} runs):")
        for seconds, module in top_imports(costs):
            print(f"  {seconds:6.3f} s  {module}")
        print(f"  of {', '.join(HEAVY)}: {heavy}")


if __name__ == "__main__":
    main()
