"""Turns from the speech runs of two parties, and turns files (CSV or RTTM) for mono calls.

Definitions (after Heldner & Edlund 2010, "Pauses, gaps and overlaps in conversations"):

* an **inter-pausal unit** (IPU) is one speech run of one party (:mod:`persona.calls.activity`);
* an IPU lying wholly inside an IPU of the other party is **within** speech (a backchannel such as
  "mm-hm", or an attempt to interrupt that the other party talked through): it never takes the floor;
* a **turn** is a party's run of IPUs that no IPU of the other party (other than within speech)
  starts between; so turns that take the floor alternate between the parties, and a within IPU
  is a turn of its own flagged ``within``.
"""

from __future__ import annotations

import csv
import io as _io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ParameterError

SPEAKERS = ("agent", "caller")
TURN_COLUMNS = ("speaker", "start_s", "end_s", "speech_s", "ipus", "within")


def within(runs: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Which rows of ``runs`` lie wholly inside a row of ``other`` (both sorted ``(start_s, end_s)``)."""
    if not len(other) or not len(runs):
        return np.zeros(len(runs), bool)
    idx = np.searchsorted(other[:, 0], runs[:, 0], side="right") - 1
    ok = idx >= 0
    ok[ok] = runs[ok, 1] <= other[idx[ok], 1]
    return ok


def build_turns(agent_runs: np.ndarray, caller_runs: np.ndarray) -> pd.DataFrame:
    """Turns of both parties sorted by start: :data:`TURN_COLUMNS` (seconds; ``ipus`` counts speech runs)."""
    runs = {"agent": np.asarray(agent_runs, float).reshape(-1, 2), "caller": np.asarray(caller_runs, float).reshape(-1, 2)}
    inside = {"agent": within(runs["agent"], runs["caller"]), "caller": within(runs["caller"], runs["agent"])}
    rows = []
    for speaker, other in (("agent", "caller"), ("caller", "agent")):
        own = runs[speaker]
        other_starts = runs[other][~inside[other], 0]
        floor_runs = own[~inside[speaker]]
        rows += [_turn(speaker, own[i : i + 1], True) for i in np.flatnonzero(inside[speaker])]
        if not len(floor_runs):
            continue
        # a new turn starts at run k+1 when an IPU of the other party starts in [start_k, start_k+1)
        before = np.searchsorted(other_starts, floor_runs[:, 0], side="left")
        breaks = np.flatnonzero(np.diff(before) > 0) + 1
        for group in np.split(floor_runs, breaks):
            rows.append(_turn(speaker, group, False))
    frame = pd.DataFrame(rows, columns=list(TURN_COLUMNS))
    return frame.sort_values(["start_s", "end_s"], kind="stable").reset_index(drop=True)


def _turn(speaker: str, group: np.ndarray, is_within: bool) -> dict:
    return {
        "speaker": speaker,
        "start_s": float(group[0, 0]),
        "end_s": float(group[:, 1].max()),
        "speech_s": float(np.sum(group[:, 1] - group[:, 0])),
        "ipus": int(len(group)),
        "within": bool(is_within),
    }


# ---- turns files ------------------------------------------------------------------------------


def read_turns(path: str | Path) -> pd.DataFrame:
    """Who spoke when, from a CSV (``speaker, start_s, end_s`` and optional ``file``) or an RTTM file.

    Returns columns ``file`` (empty when the CSV has none; the RTTM file id otherwise),
    ``speaker`` (as written), ``start_s``, ``end_s``. :class:`ParameterError` names the file and
    the line on a malformed entry.
    """
    p = Path(path)
    if not p.is_file():
        raise ParameterError(f"{p}: turns file not found")
    text = p.read_text(encoding="utf-8", errors="replace")
    frame = _read_rttm(p, text) if p.suffix.lower() == ".rttm" or text.lstrip().startswith("SPEAKER") else _read_csv(p, text)
    if frame.empty:
        raise ParameterError(f"{p}: turns file lists no segment")
    bad = ~(np.isfinite(frame["start_s"]) & np.isfinite(frame["end_s"]) & (frame["end_s"] > frame["start_s"]) & (frame["start_s"] >= 0))
    if bad.any():
        line = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise ParameterError(f"{p}: segment near line {line} needs 0 <= start_s < end_s (seconds)")
    return frame


def _read_csv(p: Path, text: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(_io.StringIO(text), dtype={"speaker": str, "file": str}, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise ParameterError(f"{p}: not a turns CSV ({exc})") from None
    missing = {"speaker", "start_s", "end_s"} - set(frame.columns)
    if missing:
        raise ParameterError(f"{p}: turns CSV lacks column(s) {', '.join(sorted(missing))} (needs speaker,start_s,end_s)")
    out = pd.DataFrame({
        "file": frame["file"].fillna("").astype(str) if "file" in frame else "",
        "speaker": frame["speaker"].fillna("").astype(str).str.strip(),
        "start_s": pd.to_numeric(frame["start_s"], errors="coerce"),
        "end_s": pd.to_numeric(frame["end_s"], errors="coerce"),
    })  # fmt: skip
    return out


def _read_rttm(p: Path, text: str) -> pd.DataFrame:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split()
        if not fields or fields[0].startswith((";", "#")):
            continue
        if fields[0] != "SPEAKER" or len(fields) < 8:
            raise ParameterError(f"{p}: line {number} is not an RTTM SPEAKER line (SPEAKER file chan start dur <NA> <NA> name ...)")
        try:
            start, dur = float(fields[3]), float(fields[4])
        except ValueError:
            raise ParameterError(f"{p}: line {number}: start and duration must be seconds") from None
        rows.append({"file": fields[1], "speaker": fields[7], "start_s": start, "end_s": start + dur})
    return pd.DataFrame(rows, columns=["file", "speaker", "start_s", "end_s"])


def turns_for(turns: pd.DataFrame, file: str) -> pd.DataFrame:
    """The rows of a turns table that belong to ``file`` (by path, name or stem; all rows if it names no file)."""
    names = turns["file"].astype(str)
    if (names == "").all():
        return turns
    p = Path(file)
    mine = names.isin({str(file), p.name, p.stem}) | names.map(lambda n: Path(n).name in (p.name, p.stem))
    return turns[mine]


def speaker_runs(segments: pd.DataFrame, *, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Agent and caller runs ``(start_s, end_s)`` from turns-file segments.

    Speakers named ``agent`` and ``caller`` (any case) are taken as such; two other names are
    mapped by the agent rule of :mod:`persona.calls.profile`, the first to speak is the agent.
    More than two speakers is a :class:`ParameterError` naming ``source``.
    """
    names = segments["speaker"].str.lower()
    found = list(dict.fromkeys(names[np.argsort(segments["start_s"].to_numpy(), kind="stable")]))
    if set(found) <= set(SPEAKERS):
        mapping = {s: s for s in SPEAKERS}
    elif len(found) <= 2:
        mapping = dict(zip(found, SPEAKERS))
    else:
        raise ParameterError(f"{source}: turns file names {len(found)} speakers ({', '.join(found[:5])}); a call has two")
    out = []
    for speaker in SPEAKERS:
        rows = segments[names.map(mapping) == speaker][["start_s", "end_s"]].to_numpy(float)
        out.append(_union(rows))
    return out[0], out[1]


def _union(rows: np.ndarray) -> np.ndarray:
    """Sorted, merged ``(start_s, end_s)`` intervals."""
    if not len(rows):
        return rows.reshape(0, 2)
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    merged = [list(rows[0])]
    for start, end in rows[1:]:
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return np.array(merged)
