"""Peak memory per hostile input: every door audio and survey text come in through, one process each.

Run from the repository root::

    nice -n 10 python3 bench/hostile_inputs.py

Hostile files (written to a temporary folder):

* ``silent_55min_48k.flac``: a real FLAC of 55 min of digital silence at 48 kHz (the issue's
  545 KB file; 158.4 M samples, 1.2 GB as float64);
* ``lying_header.flac``: 1 s of audio whose STREAMINFO declares 55 min at 48 kHz;
* ``wide_wav.wav``: a WAV header declaring 64 channels x 10 min at 48 kHz (1.9 G samples) over 1 s of data;
* ``huge_instructions.toml``: a survey with 30 MB of instructions;
* ``deep.toml``: a survey nested 5000 arrays deep.

Doors: ``persona features FILE`` (the CLI), the Record page's loader
(:func:`persona.workbench.takes.load_take`), the designer upload
(:func:`persona.workbench.uploads.store_upload`) and a survey stimulus / survey file
(:func:`persona.trials.survey.load_survey`). Each runs in a fresh process; its peak resident set
(``ru_maxrss`` from ``wait4``) is printed with the outcome. The stated bound: no door takes more
than ``persona.io.MAX_DECODED_MB`` (512 MB) of peak RSS on any of these files; the baseline row
shows what importing the door's code costs by itself.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
SR_HZ = 48000
BOUND_MB = 512

DOORS = {
    "baseline (imports only)": "import persona.workbench.takes, persona.workbench.uploads, persona.trials.survey, persona.io",
    "persona features": None,  # the CLI itself, as a user runs it
    "Record page (load_take)": "from persona.workbench.takes import load_take; load_take(PATH)",
    "designer upload": "import tempfile; from persona.workbench.uploads import store_upload; "
                       "store_upload(tempfile.mkdtemp(), PATH.name, PATH.read_bytes())",
    "survey (load_survey)": "from persona.trials.survey import load_survey; load_survey(SURVEY)",
}


def write_silent_flac(path: Path, minutes: float) -> None:
    """Digital silence, written block by block (never held in memory whole)."""
    block = np.zeros(SR_HZ * 10, dtype=np.int16)
    with sf.SoundFile(path, "w", SR_HZ, 1, format="FLAC", subtype="PCM_16") as f:
        for _ in range(int(minutes * 6)):
            f.write(block)


def write_lying_flac(path: Path, frames: int) -> None:
    """1 s of tone whose STREAMINFO total-samples field (36 bits) says ``frames``."""
    t = np.arange(SR_HZ) / SR_HZ
    sf.write(path, 0.3 * np.sin(2 * np.pi * 220 * t), SR_HZ, format="FLAC", subtype="PCM_16")
    data = bytearray(path.read_bytes())
    packed = int.from_bytes(data[18:26], "big")
    data[18:26] = ((packed >> 36 << 36) | frames).to_bytes(8, "big")
    path.write_bytes(bytes(data))


def write_wide_wav(path: Path, channels: int, frames: int) -> None:
    """A PCM WAV header declaring ``channels`` x ``frames`` 16-bit samples, followed by 1 s of data."""
    data_bytes = channels * frames * 2
    body = np.zeros(SR_HZ * channels, dtype="<i2").tobytes()
    header = b"RIFF" + struct.pack("<I", min(36 + data_bytes, 2**32 - 1)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, SR_HZ, SR_HZ * channels * 2, channels * 2, 16)
    header += b"data" + struct.pack("<I", min(data_bytes, 2**32 - 1))
    path.write_bytes(header + body)


def survey_with(folder: Path, clip: Path) -> Path:
    path = folder / f"survey_{clip.stem}.toml"
    path.write_text(textwrap.dedent(f"""
        [study]
        id = "hostile"
        title = "t"
        [[scenario]]
        id = "s"
        context = "c"
        [[stimulus]]
        id = "a"
        file = "{clip.name}"
        scenario = "s"
        voice = "v"
        role = "human"
        [[test]]
        type = "acr"
    """))
    return path


def run(door: str, path: Path, survey: Path) -> tuple[float, str]:
    """Peak RSS (MB) and the last line the door printed (its error, or 'accepted')."""
    if DOORS[door] is None:
        command = [sys.executable, "-c", "from persona.cli import app; app()", "features", str(path)]
    else:
        code = f"from pathlib import Path; PATH = Path({str(path)!r}); SURVEY = Path({str(survey)!r})\n"
        code += f"try:\n    {DOORS[door]}\n    print('accepted')\nexcept Exception as exc:\n    print(f'refused: {{exc}}')\n"
        command = [sys.executable, "-c", code]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "PERSONA_CACHE": "0"})  # fmt: skip
    output = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    last = (output.strip().splitlines() or ["(no output)"])[-1]
    return usage.ru_maxrss / 1024, last


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = {
            "silent_55min_48k.flac": lambda p: write_silent_flac(p, 55),
            "lying_header.flac": lambda p: write_lying_flac(p, 55 * 60 * SR_HZ),
            "wide_wav.wav": lambda p: write_wide_wav(p, 64, 10 * 60 * SR_HZ),
        }
        rows = []
        for name, make in files.items():
            path = folder / name
            make(path)
            survey = survey_with(folder, path)
            for door in DOORS:
                peak, outcome = run(door, path, survey)
                rows.append((name, path.stat().st_size / 1024, door, peak, outcome))
        texts = {
            "huge_instructions.toml": '[study]\nid = "x"\ntitle = "t"\ninstructions = "' + "x" * 30_000_000 + '"\n',
            "deep.toml": "x = " + "[" * 5000 + "]" * 5000 + "\n",
        }
        for name, text in texts.items():
            path = folder / name
            path.write_text(text)
            peak, outcome = run("survey (load_survey)", path, path)
            rows.append((name, path.stat().st_size / 1024, "survey (load_survey)", peak, outcome))
    print(f"{'file':<24} {'size_kB':>9} {'door':<26} {'peak_rss_MB':>11}  outcome")
    for name, size_kb, door, peak, outcome in rows:
        print(f"{name:<24} {size_kb:>9.0f} {door:<26} {peak:>11.0f}  {outcome[:110]}")
    worst = max(peak for *_, peak, _ in rows)
    print(f"\nworst peak RSS {worst:.0f} MB; stated bound {BOUND_MB} MB (persona.io.MAX_DECODED_MB): "
          f"{'within' if worst <= BOUND_MB else 'OVER'} the bound")  # fmt: skip


if __name__ == "__main__":
    main()
