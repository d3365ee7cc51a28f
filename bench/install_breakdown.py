"""Where a core ``pip install`` spends its time: per distribution, and per top-level dependency.

Builds (``pip wheel``) every wheel the install of SRC needs, then installs them one by one with
``pip install --no-deps --no-index`` into a fresh venv, once byte-compiling (pip's default) and once
with ``--no-compile``, and prints per distribution the CPU time (user + system of pip and its
children, s; CPU time barely moves with the machine's load, wall time does), the wall time and the
files it unpacks (``.py`` files are the ones pip byte-compiles). Then, per top-level requirement
of SRC, the distributions only it pulls in and their summed CPU time: what dropping it would save.
Resolution and downloading are not in these figures (``install_time.sh`` times the whole install).

    python bench/install_breakdown.py                    # this checkout, core only
    python bench/install_breakdown.py /tmp/old           # another clone, e.g. an older commit
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run inside the venv: {distribution: [names it requires]}, markers evaluated, extras followed.
_REQUIRES = r"""
import json, re
from importlib.metadata import distributions
from packaging.requirements import Requirement
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
out = {}
for dist in distributions():
    reqs = []
    for line in dist.requires or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            reqs.append([norm(req.name), sorted(req.extras)])
    out[norm(dist.metadata["Name"])] = {"requires": reqs, "extras": {
        extra: [[norm(Requirement(l).name), sorted(Requirement(l).extras)] for l in dist.requires or []
                if Requirement(l).marker is not None and Requirement(l).marker.evaluate({"extra": extra})]
        for extra in dist.metadata.get_all("Provides-Extra") or []}}
print(json.dumps(out))
"""


def norm(name: str) -> str:
    return name.replace("_", "-").replace(".", "-").lower()


def wheel_name(path: Path) -> str:
    return norm(path.name.split("-")[0])


def wheel_files(path: Path) -> tuple[int, int]:
    """(files, .py files) in a wheel."""
    names = zipfile.ZipFile(path).namelist()
    return len(names), sum(n.endswith(".py") for n in names)


def timed(cmd: list[str]) -> tuple[float, float]:
    """(CPU s of the children, wall s) of one command run to completion."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    return folder / "bin" / "pip"


def install_each(wheels: list[Path], folder: Path, *, compile_py: bool) -> dict[str, tuple[float, float]]:
    pip = venv(folder)
    flags = [] if compile_py else ["--no-compile"]
    return {wheel_name(w): timed(["nice", "-n", "10", str(pip), "install", "--quiet", "--no-deps", "--no-index", *flags, str(w)])
            for w in wheels}  # fmt: skip


def closure(graph: dict, roots: list[tuple[str, list[str]]]) -> set[str]:
    """Distributions needed by ``roots`` ((name, extras) pairs), following requirements and extras."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name, extras = todo.pop()
        if name not in graph:
            continue
        todo += [(n, e) for n, e in graph[name]["requires"] if n not in seen]
        for extra in extras:
            todo += [(n, e) for n, e in graph[name]["extras"].get(extra, [])]
        seen.add(name)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("src", nargs="?", default=str(ROOT), help="clone to install (default: this one)")
    args = parser.parse_args()
    src = Path(args.src).resolve()
    with tempfile.TemporaryDirectory(prefix="persona-breakdown-") as tmp:
        tmp = Path(tmp)
        wheels_dir = tmp / "wheels"
        subprocess.run(["nice", "-n", "10", str(venv(tmp / "build")), "wheel", "--quiet", "-w", str(wheels_dir), str(src)], check=True)
        wheels = sorted(wheels_dir.glob("*.whl"))
        compiled = install_each(wheels, tmp / "compiled", compile_py=True)
        plain = install_each(wheels, tmp / "plain", compile_py=False)
        graph = json.loads(subprocess.run([str(tmp / "compiled" / "bin" / "python"), "-c", _REQUIRES],
                                          check=True, capture_output=True, text=True).stdout)  # fmt: skip
        files = {wheel_name(w): wheel_files(w) for w in wheels}

    print(f"{src}: {len(wheels)} distributions; load average {os.getloadavg()[0]:.1f} at the end")
    print(f"{'distribution':<24}{'files':>7}{'.py':>7}{'cpu_s':>8}{'wall_s':>8}{'cpu_s_no_compile':>18}{'wall_s_no_compile':>19}")
    for name in sorted(compiled, key=lambda n: -compiled[n][0]):
        print(f"{name:<24}{files[name][0]:>7}{files[name][1]:>7}{compiled[name][0]:>8.1f}{compiled[name][1]:>8.1f}"
              f"{plain[name][0]:>18.1f}{plain[name][1]:>19.1f}")  # fmt: skip
    total = [sum(x[i] for x in d.values()) for d in (compiled, plain) for i in (0, 1)]
    print(f"{'total':<24}{sum(f[0] for f in files.values()):>7}{sum(f[1] for f in files.values()):>7}"
          f"{total[0]:>8.1f}{total[1]:>8.1f}{total[2]:>18.1f}{total[3]:>19.1f}")  # fmt: skip

    tops = graph["persona"]["requires"]
    print("\nper top-level requirement: the distributions only it pulls in (what leaving it out saves)")
    print(f"{'requirement':<24}{'dists':>6}{'.py':>7}{'cpu_s':>8}{'cpu_s_no_compile':>18}  distributions")
    for name, extras in tops:
        others = closure(graph, [t for t in tops if t[0] != name])
        own = sorted(closure(graph, [(name, extras)]) - others)
        row = [sum(files[n][1] for n in own if n in files), sum(compiled[n][0] for n in own if n in compiled),
               sum(plain[n][0] for n in own if n in plain)]  # fmt: skip
        print(f"{name:<24}{len(own):>6}{row[0]:>7}{row[1]:>8.1f}{row[2]:>18.1f}  {' '.join(own)}")


if __name__ == "__main__":
    main()
