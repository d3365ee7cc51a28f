"""Profile recorded calls: conversation timing and the agent side's persona profile, one row per call.

>>> from persona.calls import profile_calls
>>> calls = profile_calls(["call_0001.wav"], jobs=2)          # doctest: +SKIP
>>> calls[["file", "agent_channel", "response_latency_median_s", "agent_f0_median_hz"]]  # doctest: +SKIP

**Which channel is the agent.** Given (``agent_channel``, or a manifest), else guessed per call:
the channel whose first speech run of at least :data:`GREETING_MIN_S` comes first, because the
agent answers and greets. When a given channel contradicts the guess, the row's ``warning`` says
which channel looks like the agent (swapped channels?).

**The agent's persona within the call.** The agent channel is cut to the agent's speech runs
(the caller's echo and the line noise in between are silenced), longer silences shortened to
:data:`MAX_GAP_S` (a turn gap for the profile, which counts silences of 2 s or more as neither
pause nor speech), and profiled with :class:`persona.features.Profiler`; its columns appear
prefixed ``agent_`` (``agent_f0_median_hz``, ``agent_speech_rate_syl_s``, ...; syllables counted by
the ``syllables`` method). The agent side profiled lasts at most ``profile_max_s`` (the speech of
every k-th agent turn, spread over the call), so time and memory stay flat in the length of the call.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple

import numpy as np
import pandas as pd

from .. import cache as cache_mod
from .. import io, provenance, workers
from ..errors import ParameterError, PersonaError, SilentAudioError
from ..features import COLUMNS as PROFILE_COLUMNS
from ..features import Profiler
from ..features.profile import SYLLABLE_METHODS, check_recogniser
from . import activity, audio, timing, turns as turns_mod

GREETING_MIN_S = 0.3
"""Shortest speech run (s) that counts as the first words of a call for the agent-channel guess."""
MAX_GAP_S = 2.5
"""Longest silence (s) kept between agent speech runs in the profiled agent side."""

AGENT_PROFILE_COLUMNS = tuple(f"agent_{c}" for c in PROFILE_COLUMNS if c not in ("file", "channel", "duration_s", "error", "warning"))
"""The agent side's persona profile, :data:`persona.features.COLUMNS` prefixed ``agent_``."""

CALL_COLUMNS = (
    "file", "agent_channel", "agent_channel_source", "duration_s",
    *timing.TIMING_COLUMNS,
    "agent_leak_db", "agent_leak_delay_s", "caller_leak_db", "caller_leak_delay_s",
    *AGENT_PROFILE_COLUMNS,
    "error", "warning",
)  # fmt: skip
"""Per-call output columns, in order (seconds, counts, 0-1 shares, dB; profile units as named)."""

TURN_OUTPUT_COLUMNS = ("file", *turns_mod.TURN_COLUMNS, *timing.TURN_TIMING_COLUMNS)
"""Per-turn output columns: ``file, speaker (agent/caller), start_s, end_s, ...`` in seconds."""


@dataclasses.dataclass(frozen=True)
class CallProfiler:
    """What to measure in calls (:meth:`process_files` walks the files).

    Parameters
    ----------
    telephone : bool
        Profile the agent side through the G.711 telephone chain (studio-rate recordings).
    syllables : {"nuclei", "recogniser", "fused"}
        How the agent side's syllables are counted (:class:`persona.features.Profiler`'s ``syllables``);
        a call scored against a benchmark must be counted as its humans were.
    max_duration_s : float
        Longest call accepted (s), from the header; shorter calls are streamed.
    profile_max_s : float
        Most agent speech (s) the persona profile reads.
    activity, timing : ActivityParams, TimingParams
        Speech-activity and timing parameters.
    """

    telephone: bool = False
    syllables: str = Profiler.syllables
    max_duration_s: float = audio.MAX_CALL_S
    profile_max_s: float = 180.0
    activity: activity.ActivityParams = activity.ActivityParams()
    timing: timing.TimingParams = timing.TimingParams()

    def __post_init__(self):
        self.profiler()  # an unknown syllables method, or a missing recogniser extra, fails before any call is read

    @classmethod
    def from_params(cls, params: dict) -> CallProfiler:
        """The profiler that measured with ``params`` (:meth:`params` output, as a benchmark stores it); a stage or
        parameter it lacks (recorded by an older persona) takes today's default. ``max_duration_s`` is a resource
        limit, not a measurement: it keeps the default.

        Raises
        ------
        ParameterError
            A stage holds a parameter this persona does not know (recorded by a newer one), or the agent side was
            counted by a recogniser this persona does not run: it cannot measure alike.
        """
        check_recogniser(params.get("profile", {}))
        measured = {k: params[k] for k in ("telephone", "syllables", "profile_max_s") if k in params}
        stages = {}
        for name, kind in (("activity", activity.ActivityParams), ("timing", timing.TimingParams)):
            unknown = sorted(set(params.get(name, {})) - {f.name for f in dataclasses.fields(kind)})
            if unknown:
                raise ParameterError(f"the calls benchmark was measured with {name} parameters this persona does not know "
                                     f"({', '.join(unknown)}): upgrade persona to score against it")  # fmt: skip
            stages[name] = kind(**params.get(name, {}))
        return cls(**measured, **stages)

    def params(self) -> dict:
        """Every analysis parameter, nested by stage (the agent profile's under ``profile``)."""
        return dataclasses.asdict(self) | {"profile": self.profiler().params()}

    def provenance(self) -> dict:
        """Provenance record for call outputs."""
        method = METHOD | {"syllable_count": SYLLABLE_METHODS[self.syllables]}
        return provenance.record(self.params(), method=method, calls_code=code_digest())

    def profiler(self) -> Profiler:
        """The persona profiler of the agent side."""
        return Profiler(telephone=self.telephone, syllables=self.syllables, max_duration_s=max(io.MAX_DURATION_S, self.profile_max_s * 4))

    # -- one call -------------------------------------------------------------------------------

    def process_call(self, path: str | Path, *, agent_channel: int | None = None, segments: pd.DataFrame | None = None) -> tuple[dict, pd.DataFrame]:
        """Measure one call; returns the call row (every column of :data:`CALL_COLUMNS`) and its turn table.

        ``segments`` (columns ``speaker, start_s, end_s``) replaces speech detection, and is
        required for a mono call. Errors raise; :meth:`process_files` turns them into rows.
        """
        name = str(path)
        if agent_channel is not None and agent_channel not in (0, 1):
            raise ParameterError(f"{name}: agent channel {agent_channel} requested but a call has channels 0 and 1")
        info = audio.call_info(path, max_duration_s=self.max_duration_s, mono_ok=segments is not None)
        row: dict = {"file": name, "duration_s": info.duration_s}
        notes: list[str] = []
        if segments is not None:
            channel, agent_runs, caller_runs = self._given_turns(info, segments, agent_channel, row)
        else:
            channel, agent_runs, caller_runs = self._detected_turns(info, agent_channel, row, notes)
        if not len(agent_runs) or not len(caller_runs):
            who = "agent" if not len(agent_runs) else "caller"
            raise SilentAudioError(name, f"no {who} speech found; not a two-party call?")
        turn_rows = turns_mod.build_turns(agent_runs, caller_runs)
        table = timing.turn_table(turn_rows, agent_runs, caller_runs, self.timing)
        row |= timing.call_timing(table, agent_runs, caller_runs, self.timing)
        agent_turns = turn_rows[turn_rows["speaker"] == "agent"][["start_s", "end_s"]].to_numpy(float)
        row |= self.agent_profile(info, channel, agent_runs, agent_turns, notes)
        row["warning"] = "; ".join(notes)
        table.insert(0, "file", name)
        return _complete(row), table

    def _given_turns(self, info: audio.CallInfo, segments: pd.DataFrame, agent_channel: int | None, row: dict):
        """Agent channel and both parties' runs from turns-file segments (the agent channel for the profile:
        the only one, the given one, or the one louder during the agent's turns)."""
        last = float(segments["end_s"].max())
        if last > info.duration_s + 0.5:
            raise ParameterError(f"{info.path}: the turns file has speech until {last:.1f} s but the call lasts {info.duration_s:.1f} s")
        agent_runs, caller_runs = turns_mod.speaker_runs(segments, source=info.path)
        channel = 0 if info.channels == 1 else agent_channel
        if channel is None:
            channel = _louder_channel(info, agent_runs)
        row |= {"agent_channel": channel, "agent_channel_source": "turns file"}
        return channel, agent_runs, caller_runs

    def _detected_turns(self, info: audio.CallInfo, agent_channel: int | None, row: dict, notes: list[str]):
        """Agent channel and both parties' runs detected in the two channels; a given channel that is not
        the guessed one is noted (swapped channels?)."""
        act = activity.detect(audio.frame_power(info, frame_s=self.activity.frame_s), self.activity)
        guess = guess_agent_channel(act.runs)
        channel = guess if agent_channel is None else int(agent_channel)
        if channel != guess:
            notes.append(f"channel {guess} looks like the agent (it speaks first), not the given channel {channel}: swapped channels?")
        row |= {"agent_channel": channel, "agent_channel_source": "given" if agent_channel is not None else "guessed: speaks first",
                "agent_leak_db": act.leaks[channel].gain_db, "agent_leak_delay_s": act.leaks[channel].delay_s,
                "caller_leak_db": act.leaks[1 - channel].gain_db, "caller_leak_delay_s": act.leaks[1 - channel].delay_s}  # fmt: skip
        return channel, act.runs[channel], act.runs[1 - channel]

    def agent_profile(self, info: audio.CallInfo, channel: int, agent_runs: np.ndarray, agent_turns: np.ndarray, notes: list[str]) -> dict:
        """The agent side's persona profile, prefixed ``agent_`` (see the module docstring)."""
        runs = _spread_sample(agent_runs, agent_turns, self.profile_max_s)
        samples = audio.gather(info, channel, runs, max_gap_s=MAX_GAP_S)
        profiler = self.profiler()
        try:
            side = io.from_array(samples, info.sr_hz, path=f"{info.path} (agent side)", min_duration_s=profiler.min_duration_s,
                                 max_duration_s=profiler.max_duration_s)  # fmt: skip
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                measured = profiler.process_audio(side)
            notes += [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        except PersonaError as exc:
            notes.append(f"no agent persona profile: {exc}")
            return {}
        return {f"agent_{k}": v for k, v in measured.items() if f"agent_{k}" in AGENT_PROFILE_COLUMNS}

    # -- many calls -----------------------------------------------------------------------------

    def process_files(
        self,
        paths: Iterable[str | Path],
        *,
        agent_channel: int | Mapping[str, int] | None = None,
        turns: str | Path | pd.DataFrame | None = None,
        jobs: int | None = None,
        cache: bool | cache_mod.ProfileCache = False,
        progress: bool = False,
    ) -> "CallTables":
        """Measure many calls (files or folders); a call that fails gets a row with its ``error``.

        ``agent_channel``: one channel for every call, or a mapping file (as given, or its
        name) -> channel, or ``None`` to guess per call. ``turns``: a turns file or table
        (:func:`persona.calls.turns.read_turns`) for the calls it names (all calls when it
        names none). ``jobs`` as :func:`persona.extract.extract`; ``cache`` as there too.
        """
        files = [str(p) for p in io.iter_audio_files([str(p) for p in paths])]
        if not files:
            raise ParameterError(f"no audio files ({', '.join(sorted(io.AUDIO_SUFFIXES))}) in {', '.join(map(str, paths))}")
        table = turns_mod.read_turns(turns) if isinstance(turns, (str, Path)) else turns
        if table is not None and len(files) > 1 and (table["file"].astype(str) == "").all():
            raise ParameterError(f"the turns file names no call (no file column) but {len(files)} calls were given; "
                                 "add a file column, or give one call")  # fmt: skip
        tasks = [(self, f, _channel_for(agent_channel, f), _segments_for(table, f)) for f in files]
        store = _cache(cache)
        keys = [_cache_key(self, t) for t in tasks] if store is not None else [None] * len(tasks)
        found = store.get_many([k for k in keys if k]) if store is not None else {}
        results: list = [found.get(k) if k else None for k in keys]
        todo = [i for i, r in enumerate(results) if r is None]
        with workers.pool(jobs, n_tasks=len(todo)) as executor:
            done = workers.map_ordered(_call_task, [tasks[i] for i in todo], executor)
            if progress and len(todo) > 1:
                from tqdm import tqdm

                done = tqdm(done, total=len(todo), unit="call", leave=False)
            for i, result in zip(todo, done):
                results[i] = result
        if store is not None:
            store.put_many({keys[i]: results[i] for i in todo if keys[i]})
        return self._tables(results)

    def _tables(self, results: list[dict]) -> "CallTables":
        calls = pd.DataFrame([r["call"] for r in results], columns=list(CALL_COLUMNS))
        turn_frames = [pd.DataFrame(r["turns"]) for r in results if r["turns"]]
        turn_table = pd.concat(turn_frames, ignore_index=True) if turn_frames else pd.DataFrame(columns=list(TURN_OUTPUT_COLUMNS))
        turn_table = turn_table.reindex(columns=list(TURN_OUTPUT_COLUMNS))
        record = self.provenance()
        calls.attrs["provenance"] = turn_table.attrs["provenance"] = record
        return CallTables(calls, turn_table)


class CallTables(NamedTuple):
    """What profiling calls produces: one row per call, and one row per turn (both with provenance)."""

    calls: pd.DataFrame
    turns: pd.DataFrame


METHOD = {
    "activity": activity.__doc__.split("\n\n", 1)[1].strip(),
    "turns": turns_mod.__doc__.split("\n\n", 1)[1].strip(),
    "timing": timing.__doc__.split("\n\n", 1)[1].strip(),
    "agent": __doc__.split("\n\n", 2)[2].strip(),
}


def guess_agent_channel(runs: tuple[np.ndarray, np.ndarray]) -> int:
    """The channel whose first speech run of at least :data:`GREETING_MIN_S` starts first (the agent greets)."""
    firsts = []
    for channel_runs in runs:
        long_enough = channel_runs[(channel_runs[:, 1] - channel_runs[:, 0]) >= GREETING_MIN_S] if len(channel_runs) else channel_runs
        firsts.append(long_enough[0, 0] if len(long_enough) else np.inf)
    return int(np.argmin(firsts))


def profile_calls(
    paths: Iterable[str | Path],
    *,
    agent_channel: int | Mapping[str, int] | None = None,
    turns: str | Path | pd.DataFrame | None = None,
    jobs: int | None = None,
    telephone: bool = False,
    syllables: str = Profiler.syllables,
) -> pd.DataFrame:
    """One row per call: conversation timing and the agent side's persona profile.

    Columns (:data:`CALL_COLUMNS`): ``file, agent_channel, agent_channel_source, duration_s``; the
    timing block (:data:`persona.calls.timing.TIMING_COLUMNS`: ``agent_turns, caller_turns,
    response_latency_median_s, response_latency_p90_s, response_over_1s_share, overlap_count,
    overlap_s, barge_in_count, barge_in_stop_median_s, agent_talk_ratio, dead_air_3s_count,
    dead_air_10s_count`` and more, all in seconds, counts or 0-1 shares); the leak of each party
    into the other's channel (dB, s); the agent's persona profile, the columns of
    :data:`persona.features.COLUMNS` prefixed ``agent_`` (``agent_f0_median_hz``,
    ``agent_speech_rate_syl_s``, ...); ``error`` and ``warning``. Provenance in
    ``frame.attrs["provenance"]``. Per-turn tables: :meth:`CallProfiler.process_files`.

    ``agent_channel`` 0 or 1 (or a mapping file -> channel; ``None`` guesses per call: the first
    to speak); ``turns`` a CSV/RTTM turns file or table (required for mono calls); ``jobs`` CPUs
    (``None``: this thread); ``telephone`` profiles the agent side through the G.711 chain;
    ``syllables`` is how its syllables are counted (:class:`CallProfiler`).
    """
    return CallProfiler(telephone=telephone, syllables=syllables).process_files(paths, agent_channel=agent_channel, turns=turns, jobs=jobs).calls


# ---- helpers ----------------------------------------------------------------------------------


def _complete(row: dict) -> dict:
    return {c: row.get(c, "" if c in ("error", "warning", "agent_channel_source") else np.nan) for c in CALL_COLUMNS}


def _spread_sample(runs: np.ndarray, turns_s: np.ndarray, max_s: float) -> np.ndarray:
    """The runs of every k-th turn (``turns_s``: ``(start_s, end_s)`` rows), with the smallest k for which
    the profiled agent side (runs and the silences kept between them, at most :data:`MAX_GAP_S`)
    lasts at most ``max_s``. Whole turns keep their pauses, so rates and pause statistics are unbiased."""
    for k in range(1, len(turns_s) + 1):
        picked = turns_s[::k]
        inside = np.searchsorted(picked[:, 0], runs[:, 0], side="right") - 1
        mine = runs[(inside >= 0) & (runs[:, 0] < picked[np.maximum(inside, 0), 1])]
        gaps = np.minimum(mine[1:, 0] - mine[:-1, 1], MAX_GAP_S)
        if float(np.sum(mine[:, 1] - mine[:, 0]) + np.sum(gaps)) <= max_s or k == len(turns_s):
            return mine
    return runs


def _louder_channel(info: audio.CallInfo, agent_runs: np.ndarray) -> int:
    """The channel with more power inside the agent's turns (stereo call with a turns file)."""
    power = audio.frame_power(info)
    frames = np.arange(power.power.shape[0]) * power.frame_s
    inside = np.zeros(frames.size, bool)
    for start, end in agent_runs:
        inside |= (frames >= start) & (frames < end)
    return int(np.argmax(power.power[inside].sum(axis=0))) if inside.any() else 0


def _channel_for(agent_channel, file: str) -> int | None:
    if agent_channel is None or isinstance(agent_channel, (int, np.integer)):
        return None if agent_channel is None else int(agent_channel)
    value = agent_channel.get(file, agent_channel.get(Path(file).name))
    return None if value is None or pd.isna(value) else int(value)


def _segments_for(table: pd.DataFrame | None, file: str) -> pd.DataFrame | None:
    if table is None:
        return None
    mine = turns_mod.turns_for(table, file)
    return mine if len(mine) else None


def _call_task(task) -> dict:
    profiler, path, channel, segments = task
    try:
        row, table = profiler.process_call(path, agent_channel=channel, segments=segments)
        return {"call": row, "turns": table.to_dict("records"), "error": ""}
    except PersonaError as exc:
        message = str(exc)
    except Exception as exc:  # noqa: BLE001 - one bad call never stops a batch
        message = f"{path}: unexpected {type(exc).__name__}: {exc}"
    return {"call": _complete({"file": str(path), "error": message}), "turns": [], "error": message}


def code_digest() -> str:
    """Digest of this package's source: call rows computed by other code are never served from the cache."""
    digest = hashlib.sha256()
    for source in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _cache(cache) -> cache_mod.ProfileCache | None:
    if isinstance(cache, cache_mod.ProfileCache):
        return cache
    return cache_mod.ProfileCache() if cache and cache_mod.enabled() else None


def _cache_key(profiler: CallProfiler, task) -> str | None:
    _, path, channel, segments = task
    try:
        digest = cache_mod.content_hash(path)
    except OSError:
        return None
    turns_text = segments.to_csv(index=False) if segments is not None else ""
    return cache_mod.key(digest, params={"calls": profiler.params(), "code": code_digest()}, channel=channel, transcript=turns_text)
