"""Rebuild the bundled default ``reference_audio/`` from the development corpus (../shared/corpus).

Only permissively licensed clips are bundled (CC-BY, MIT, public domain, BSD, Apache, CC0 voice
data); SpokenWOZ (non-commercial), FSDD and the IPA sample (CC-BY-SA) stay out. Long human clips are
cut at the pause nearest their middle so each scenario has several clips from several speakers.
Audio is stored as 16-bit FLAC at the source rate. Run: ``python tools/bundle_reference_audio.py``.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import parselmouth
import soundfile as sf

from persona import io
from persona.features import pace

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
OUT = ROOT / "reference_audio"

# scenario -> human stand-ins: (corpus file, speaker, part) with part "a"/"b" = first/second half, "" = whole
HUMANS = {
    "billing_dispute": [
        ("human/enrollment_katie.wav", "katie", "a"),
        ("human/enrollment_steve.wav", "steve", "a"),
        ("human/librispeech_3436-172162-0000.wav", "libri_3436", "a"),
        ("human/librispeech_198-209-0000.wav", "libri_198", "a"),
        ("human/jfk_inaugural.wav", "jfk", ""),
        ("human/ljspeech_LJ050-0131.wav", "ljspeech", ""),
    ],
    "appointment_booking": [
        ("human/enrollment_katie.wav", "katie", "b"),
        ("human/enrollment_steve.wav", "steve", "b"),
        ("human/librispeech_198-209-0000.wav", "libri_198", "b"),
        ("human/librispeech_5703-47212-0000.wav", "libri_5703", "a"),
    ],
    "cancellation": [
        ("human/librispeech_3436-172162-0000.wav", "libri_3436", "b"),
        ("human/librispeech_5703-47212-0000.wav", "libri_5703", "b"),
        ("human/enrollment_katie.wav", "katie", "a"),
        ("human/enrollment_steve.wav", "steve", "a"),
    ],
}
AGENTS = {
    "billing_dispute": ["piper_joe", "piper_joe_ls0.8", "piper_joe_ls1.25", "pico_en-US", "flite_slt", "espeak_en-us"],
    "appointment_booking": ["piper_joe", "espeak_en-us"],
    "cancellation": ["piper_joe", "espeak_en-us"],
}
# the corpus's speaker sex as a pitch register (persona.benchmark.reference.REGISTERS)
REGISTER = {"M": "low", "F": "high"}
# human transcripts also rendered by TTS: paired lines (same words, human and agent)
PAIRED = {"human/jfk_inaugural.wav": "transcript_jfk", "human/ljspeech_LJ050-0131.wav": "transcript_lj050_0131"}
PAIRED_AGENT = "piper_joe"


def split_at_middle_pause(audio: io.Audio) -> float:
    """Time (s) of the centre of the pause nearest the middle of the recording."""
    sound = parselmouth.Sound(audio.samples, audio.sr_hz)
    seg = pace.segment(pace.intensity(sound), pace.PaceParams(pause_min_s=0.15))
    pauses = seg.pauses_s
    if not len(pauses):
        return audio.duration_s / 2
    centres = pauses.mean(axis=1)
    return float(centres[np.argmin(np.abs(centres - audio.duration_s / 2))])


def cut(audio: io.Audio, part: str) -> io.Audio:
    if not part:
        return audio
    at = int(split_at_middle_pause(audio) * audio.sr_hz)
    return audio.with_samples(audio.samples[:at] if part == "a" else audio.samples[at:])


def write_flac(path: Path, audio: io.Audio) -> None:
    sf.write(path, np.clip(audio.samples, -1, 1), audio.sr_hz, subtype="PCM_16", format="FLAC")


def write_attribution(rows: list[dict]) -> None:
    """ATTRIBUTION.md: one line per distinct source and license, with the bundled files it gave."""
    by_source: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        by_source.setdefault((r["source"], r["license"]), []).append(r["file"])
    lines = [
        "# Attribution of the bundled reference audio",
        "",
        "Public read and conversational speech and open TTS voices, standing in for a team's own",
        "best-agent recordings and agent TTS output. Rebuilt by `tools/bundle_reference_audio.py` from",
        "the development corpus; human clips may be cut at a pause, otherwise unmodified (FLAC).",
        "",
    ]
    for (source, license_), files in sorted(by_source.items()):
        lines.append(f"- **{license_}**: {source} -> {len(files)} file(s): {', '.join(files[:3])}{' ...' if len(files) > 3 else ''}")
    (OUT / "ATTRIBUTION.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    rows = list(csv.DictReader(open(CORPUS / "manifest.csv", newline="")))
    meta = {r["file"]: r for r in rows}
    out_rows = []
    for scenario, humans in HUMANS.items():
        folder = OUT / scenario
        folder.mkdir(parents=True, exist_ok=True)
        for src, speaker, part in humans:
            audio = cut(io.load(CORPUS / src), part)
            name = f"human_{speaker}{'_' + part if part else ''}.flac"
            write_flac(folder / name, audio)
            m = meta[src]
            line_id = PAIRED.get(src, "") if not part else ""
            out_rows.append(dict(file=f"{scenario}/{name}", scenario=scenario, speaker=speaker, role="human",
                                 transcript=m["transcript"] if not part else "", line_id=line_id.removeprefix("transcript_"),
                                 channel="", register=REGISTER.get(m["sex"], ""), license=m["license"], source=m["source"]))
        for voice in AGENTS[scenario]:
            vdir = folder / "agents" / voice
            vdir.mkdir(parents=True, exist_ok=True)
            lines = [r for r in rows if r["voice"] and r["file"].startswith(f"tts/{voice}/") and r["scenario"] == scenario]
            if scenario == "billing_dispute" and voice == PAIRED_AGENT:
                lines += [r for r in rows if r["file"].startswith(f"tts/{voice}/") and r["line_id"] in PAIRED.values()]
            for m in lines:
                audio = io.load(CORPUS / m["file"])
                name = Path(m["file"]).with_suffix(".flac").name
                write_flac(vdir / name, audio)
                out_rows.append(dict(file=f"{scenario}/agents/{voice}/{name}", scenario=scenario, speaker=voice, role="agent",
                                     transcript=m["transcript"], line_id=m["line_id"].removeprefix("transcript_"),
                                     channel="", register=REGISTER.get(m["sex"], ""), license=m["license"],
                                     source=f"{m['source']} ({m['engine']})"))
    with open(OUT / "manifest.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(out_rows[0]))
        writer.writeheader()
        writer.writerows(out_rows)
    write_attribution(out_rows)
    print(f"{len(out_rows)} clips -> {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
