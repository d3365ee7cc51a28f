"""Synthetic two-channel calls with known timing, built from the bundled speech and TTS clips.

Ground truth is taken from the clean clips before they are mixed: a clip's speech extends over
the 10 ms frames of its telephone band (300-3400 Hz, what a line carries) within
:data:`TRUTH_RANGE_DB` of its loudest such frame (clips are trimmed to that extent, so a placed
clip's start and end are the true speech onset and offset). The mix adds,
per channel, the other party's echo (a delayed, attenuated copy), white line noise, and the G.711
chain of :func:`persona.io.telephone` (300-3400 Hz, 8 kHz, mu-law).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from persona import io

REPO = Path(__file__).resolve().parents[2]
SR_HZ = 16000
FRAME = SR_HZ // 100
TRUTH_RANGE_DB = 35.0
"""The extent of an utterance: frames within this range of its peak, the range the detector's run edges use
(``ActivityParams.run_range_db``), so the tests measure what echo, noise, G.711 and overlap do to it."""
ONSET_RANGE_DB = 20.0
"""A barge-in starts with a stressed word: its clip begins at the first frame within this range of its peak."""
SPEECH_RMS_DBFS = -20.0

CALLER_CLIPS = sorted(str(p) for p in (REPO / "reference_audio").glob("*/human_*.flac"))
AGENT_VOICES = ("piper_joe", "espeak_en-us")
"""TTS voices with 15 scenario lines each; a call's agent speaks with one of them."""


def agent_clips(voice: str) -> list[str]:
    return sorted(str(p) for p in (REPO / "reference_audio").glob(f"*/agents/{voice}/*_0[1-5].flac"))


def frame_db(x: np.ndarray) -> np.ndarray:
    """Power (dBFS) of the telephone band of ``x`` per 10 ms frame."""
    x = io.telephone_band(x, SR_HZ)
    n = x.size // FRAME
    return 10 * np.log10((x[: n * FRAME].reshape(n, FRAME) ** 2).mean(axis=1) + 1e-15)


def speech_frames(x: np.ndarray, peak_db: float | None = None) -> np.ndarray:
    """Frames of a clean clip within TRUTH_RANGE_DB of its loudest frame (or of ``peak_db``)."""
    db = frame_db(x)
    return db >= (db.max() if peak_db is None else peak_db) - TRUTH_RANGE_DB


def clip(path: str, *, max_s: float | None = None) -> np.ndarray:
    """A clip at 16 kHz, speech RMS at -20 dBFS, trimmed to its speech extent (and to ``max_s``)."""
    audio = io.resample(io.load(path), SR_HZ)
    x = audio.samples
    on = np.flatnonzero(speech_frames(x))
    x = x[on[0] * FRAME : (on[-1] + 1) * FRAME]
    if max_s is not None:
        x = trim_end(x[: int(max_s * SR_HZ)])
    rms = np.sqrt(np.mean(x[np.repeat(speech_frames(x), FRAME)[: x.size]] ** 2))
    return x * 10 ** (SPEECH_RMS_DBFS / 20) / rms


def trim_end(x: np.ndarray, peak_db: float | None = None) -> np.ndarray:
    """``x`` cut after its last speech frame (a 10 ms fade at the cut)."""
    on = np.flatnonzero(speech_frames(x, peak_db))
    x = x[: (on[-1] + 1) * FRAME].copy()
    x[-FRAME:] *= np.linspace(1, 0, FRAME)
    return x


def voiced_at(x: np.ndarray, t_s: float, *, around_s: float = 0.15) -> bool:
    """Whether a clean clip is speaking (no silent frame) throughout ``t_s +- around_s``."""
    frames = speech_frames(x)
    lo, hi = int((t_s - around_s) * 100), int((t_s + around_s) * 100) + 1
    return lo >= 0 and hi <= frames.size and bool(frames[lo:hi].all())


def strong_start(x: np.ndarray, *, hold_s: float = 0.3) -> np.ndarray:
    """``x`` from its first frame within ONSET_RANGE_DB of its peak that starts ``hold_s`` of unbroken speech."""
    db = frame_db(x)
    speech = db >= db.max() - TRUTH_RANGE_DB
    hold = int(hold_s * 100)
    first = next(f for f in range(db.size - hold) if db[f] >= db.max() - ONSET_RANGE_DB and speech[f : f + hold].all())
    return x[first * FRAME :]


@dataclass
class Call:
    """A scripted call: placed clips per party, and the expected timing events."""

    agent: list = field(default_factory=list)  # (start_s, samples)
    caller: list = field(default_factory=list)
    responses: list = field(default_factory=list)  # (agent start_s, true latency_s)
    stops: list = field(default_factory=list)  # (caller onset_s, true agent stop_s)
    talk_through: list = field(default_factory=list)  # caller onset_s where the agent does not stop

    def end_s(self) -> float:
        return max(s + x.size / SR_HZ for s, x in self.agent + self.caller)

    def intervals(self, party: str) -> np.ndarray:
        return np.array([(s, s + x.size / SR_HZ) for s, x in getattr(self, party)])

    def mix(self, *, echo_db: float, echo_delay_s: float, noise_dbfs: float, seed: int, tail_s: float = 1.0) -> np.ndarray:
        """Two channels (agent 0, caller 1) at 8 kHz after echo, noise and G.711: float array ``(n, 2)``."""
        rng = np.random.default_rng(seed)
        n = int((self.end_s() + tail_s) * SR_HZ)
        clean = np.zeros((2, n))
        for ch, placed in enumerate((self.agent, self.caller)):
            for start, x in placed:
                i = int(round(start * SR_HZ))
                clean[ch, i : i + x.size] += x
        lag = int(round(echo_delay_s * SR_HZ))
        gain = 10 ** (echo_db / 20)
        out = []
        for ch in (0, 1):
            other = np.concatenate([np.zeros(lag), clean[1 - ch, : n - lag]]) * gain
            noisy = clean[ch] + other + rng.normal(0, 10 ** (noise_dbfs / 20), n)
            out.append(io.telephone(io.Audio(noisy, SR_HZ)).samples)
        return np.column_stack(out)

    def write(self, path: Path, **mix) -> Path:
        sf.write(path, self.mix(**mix), io.TELEPHONE_SR_HZ, subtype="PCM_16")
        return path


def scripted_call(seed: int) -> Call:
    """An alternating call, the agent speaking with one TTS voice: gaps of 0.1-3 s, one overlapping transition, a barge-in the agent
    stops for (0.2-1 s after the caller's onset) and one it talks through."""
    rng = np.random.default_rng(seed)
    agents = [clip(p, max_s=5.0) for p in rng.choice(agent_clips(AGENT_VOICES[seed % 2]), 7, replace=False)]
    callers = [clip(p, max_s=4.0) for p in rng.choice(CALLER_CLIPS, 6, replace=False)]
    call = Call()
    t = 0.5
    gaps = list(rng.uniform(0.1, 3.0, 8))
    for k in range(4):  # agent, caller, agent, caller, ... with known gaps
        call.agent.append((t, agents[k]))
        t += agents[k].size / SR_HZ + gaps.pop()
        call.caller.append((t, callers[k]))
        end = t + callers[k].size / SR_HZ
        gap = -0.3 if k == 2 else gaps.pop()  # one agent response in overlap
        t = end + gap
        call.responses.append((t, gap))
    # barge-in: the caller comes in while the agent speaks, the agent stops
    a, onset = next((a, x) for a in (agents[4], agents[6]) for x in np.arange(1.0, a.size / SR_HZ - 1.2, 0.05) if voiced_at(a, x))
    stop_after = float(rng.uniform(0.2, 1.0))
    cut = trim_end(a[: int((onset + stop_after) * SR_HZ)], peak_db=frame_db(a).max())
    call.agent.append((t, cut))
    callers[4] = strong_start(callers[4])
    call.caller.append((t + onset, callers[4]))
    call.stops.append((t + onset, cut.size / SR_HZ - onset))
    t += onset + callers[4].size / SR_HZ + 0.6
    call.responses.append((t, 0.6))
    # barge-in the agent talks through: a 0.6-0.9 s caller phrase inside continuous agent speech
    a = agents[5]
    call.agent.append((t, a))
    short = trim_end(strong_start(callers[5])[: int(rng.uniform(0.6, 0.9) * SR_HZ)], peak_db=frame_db(callers[5]).max())
    spots = [x for x in np.arange(0.3, a.size / SR_HZ - 1.5, 0.05) if all(voiced_at(a, x + d, around_s=0.1) for d in np.arange(0, short.size / SR_HZ + 0.25, 0.1))]
    if spots:
        call.caller.append((t + spots[0], short))
        call.talk_through.append(t + spots[0])
    return call


def two_party_call(gap_s: float, *, sr_hz: int = 8000) -> np.ndarray:
    """Agent line, the caller 1.0 s after it, the agent again ``gap_s`` after the caller: clean stereo ``(n, 2)``.

    The same two bundled clips every time (with their own edge silences), so two such calls differ
    in response latency by exactly the difference of their ``gap_s``.
    """
    agent = io.resample(io.load(REPO / "reference_audio/billing_dispute/agents/piper_joe/billing_dispute_01.flac"), sr_hz).samples
    caller = io.resample(io.load(REPO / "reference_audio/billing_dispute/human_katie_a.flac"), sr_hz).samples
    caller_start = 0.5 + agent.size / sr_hz + 1.0
    second = caller_start + caller.size / sr_hz + gap_s
    out = np.zeros((int((second + agent.size / sr_hz + 0.5) * sr_hz), 2))
    for ch, start, x in ((0, 0.5, agent), (1, caller_start, caller), (0, second, agent)):
        i = int(start * sr_hz)
        out[i : i + x.size, ch] += x
    return out
