"""Who speaks when, per channel of a two-channel call, robust to line noise, G.711 and echo.

Each channel's frame power (telephone band, 10 ms frames) is compared with the other channel's:

1. **Leak.** Echo or crosstalk puts a scaled, delayed copy of the other party into a channel. For
   each delay ``d`` up to ``leak_max_delay_s`` the ratio ``P_own[t] / P_other[t - d]`` is taken
   over the frames where the other party is loud (within ``leak_loud_db`` of its speech level).
   At the true delay the copy lines up frame by frame and the ratio is nearly constant; at a
   wrong one its lower quantiles fall. The delay whose ``leak_floor_quantile`` is largest wins,
   and the ratio's ``leak_quantile`` (median) there is the gain: the own party is silent during
   most of the other's speech, so the median is the copy alone.
2. **Own speech.** A frame is the channel's own speech only if its power exceeds the predicted
   leak (gain x the other channel's power at the delay, maximum over +-``leak_spread_s``) by
   ``leak_margin_db``, and exceeds the channel's speech threshold; a run of such frames extends
   over neighbouring frames that exceed the leak by half the margin (an onset in double talk).
3. **Threshold with hysteresis.** The threshold is ``floor_margin_db`` over the channel's noise
   floor (its ``floor_quantile`` frame power, digital zeros left out), but no lower than
   ``level_range_db`` under its speech level (the ``level_quantile`` power); a run of frames
   above it counts only if it reaches ``hysteresis_db`` more somewhere, and, when it lasts
   ``modulation_min_s`` or more, if its power varies (p90 - p10) by ``modulation_db`` or more:
   speech rises and falls with its syllables, a hum or a burst of steady line noise does not.
4. **Runs.** Bursts shorter than ``min_click_s`` are dropped (clicks), silences shorter than
   ``min_silence_s`` bridged (stop closures, not pauses); a run's edges are then its first and
   last frames within ``run_range_db`` of its own peak, so a weak breath or a gate opening does
   not lengthen an utterance, and runs shorter than ``min_speech_s`` are dropped. The runs are the inter-pausal units
   turns are built from (:mod:`persona.calls.turns`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .audio import FramePower

DIGITAL_ZERO_DB = -120.0
"""Frames below this power (dBFS) are digital zeros (a gated line), left out of the noise floor."""


@dataclass(frozen=True)
class ActivityParams:
    """Parameters of speech activity per channel (dB, seconds, 0-1 quantiles); see the module docstring."""

    frame_s: float = 0.01
    leak_max_delay_s: float = 0.5
    leak_floor_quantile: float = 0.25
    leak_quantile: float = 0.5
    leak_loud_db: float = 15.0
    leak_spread_s: float = 0.01
    leak_margin_db: float = 6.0
    floor_quantile: float = 0.1
    floor_margin_db: float = 6.0
    level_quantile: float = 0.95
    level_range_db: float = 45.0
    hysteresis_db: float = 6.0
    modulation_db: float = 6.0
    modulation_min_s: float = 0.5
    run_range_db: float = 35.0
    min_click_s: float = 0.03
    min_silence_s: float = 0.2
    min_speech_s: float = 0.1


@dataclass(frozen=True)
class Leak:
    """The other party's copy in a channel: gain (dB, power ratio) and delay (s)."""

    gain_db: float
    delay_s: float


def estimate_leak(own_db: np.ndarray, other_db: np.ndarray, frame_s: float, params: ActivityParams = ActivityParams()) -> Leak:
    """Gain and delay of the other channel's copy in this one (see the module docstring, step 1)."""
    loud = other_db >= np.quantile(other_db, params.level_quantile) - params.leak_loud_db
    best, best_floor = Leak(-np.inf, 0.0), -np.inf
    for d in range(0, int(round(params.leak_max_delay_s / frame_s)) + 1):
        idx = np.flatnonzero(loud[: other_db.size - d])
        if idx.size < 10:
            break
        ratio = own_db[idx + d] - other_db[idx]
        floor, gain = np.quantile(ratio, (params.leak_floor_quantile, params.leak_quantile))
        if floor > best_floor:
            best, best_floor = Leak(float(gain), d * frame_s), floor
    return best


def own_speech(own_db: np.ndarray, other_db: np.ndarray, leak: Leak, frame_s: float, params: ActivityParams = ActivityParams()) -> np.ndarray:
    """Boolean mask of the frames that are the channel's own speech (module docstring, steps 2-3)."""
    d = int(round(leak.delay_s / frame_s))
    other = _spread(other_db, int(round(params.leak_spread_s / frame_s)))
    predicted = np.full(own_db.shape, -np.inf)
    predicted[d:] = other[: other.size - d] + leak.gain_db
    low = threshold_db(own_db, params)
    near = (own_db > predicted + params.leak_margin_db / 2) & (own_db > low)
    clear = own_db > predicted + params.leak_margin_db
    labels, n = ndimage.label(near)
    if n == 0:
        return near
    index = np.arange(1, n + 1)
    peak = ndimage.maximum(np.where(clear, own_db, -np.inf), labels, index=index)
    spread = ndimage.labeled_comprehension(own_db, labels, index, lambda v: np.subtract(*np.quantile(v, (0.9, 0.1))), float, 0.0)
    length_s = ndimage.sum_labels(np.ones_like(own_db), labels, index=index) * frame_s
    steady = (length_s >= params.modulation_min_s) & (spread < params.modulation_db)
    keep = np.concatenate([[False], (peak > low + params.hysteresis_db) & ~steady])
    return keep[labels]


def threshold_db(own_db: np.ndarray, params: ActivityParams = ActivityParams()) -> float:
    """Lower speech threshold (dBFS): ``floor_margin_db`` over the noise floor, at least ``level_range_db`` under the speech level."""
    live = own_db[own_db > DIGITAL_ZERO_DB]
    if live.size == 0:
        return np.inf
    floor = float(np.quantile(live, params.floor_quantile))
    level = float(np.quantile(live, params.level_quantile))
    return max(floor + params.floor_margin_db, level - params.level_range_db)


def runs_s(mask: np.ndarray, own_db: np.ndarray, frame_s: float, params: ActivityParams = ActivityParams()) -> np.ndarray:
    """``(start_s, end_s)`` rows of speech: bursts under ``min_click_s`` dropped, silences under ``min_silence_s``
    bridged, each run's edges moved in to its first and last frame within ``run_range_db`` of its peak,
    then runs under ``min_speech_s`` dropped."""
    mask = ndimage.binary_opening(mask, structure=np.ones(max(1, int(round(params.min_click_s / frame_s))), bool))
    bridge = int(round(params.min_silence_s / frame_s))
    padded = np.concatenate([np.ones(bridge, bool), mask, np.ones(bridge, bool)])
    closed = ndimage.binary_closing(padded, structure=np.ones(bridge + 1, bool))[bridge:-bridge] if bridge else mask
    closed &= ~_edge_fill(mask, closed)
    edges = np.diff(np.concatenate([[0], closed.astype(np.int8), [0]]))
    runs = []
    for start, end in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        db = np.where(mask[start:end], own_db[start:end], -np.inf)
        strong = np.flatnonzero(db >= db.max() - params.run_range_db)
        runs.append((start + strong[0], start + strong[-1] + 1))
    runs = np.array(runs, float).reshape(-1, 2) * frame_s
    return runs[(runs[:, 1] - runs[:, 0]) >= params.min_speech_s - 1e-9]


def _edge_fill(mask: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """Frames the closing filled before the first or after the last speech frame (padding artefacts)."""
    out = np.zeros(mask.shape, bool)
    on = np.flatnonzero(mask)
    if on.size == 0:
        return closed.copy()
    out[: on[0]] = True
    out[on[-1] + 1 :] = True
    return out


def _spread(db: np.ndarray, frames: int) -> np.ndarray:
    """Running maximum over +-``frames`` frames."""
    return ndimage.maximum_filter1d(db, size=2 * frames + 1, mode="nearest") if frames > 0 else db


@dataclass(frozen=True, eq=False)
class ChannelActivity:
    """Speech runs (s) of both channels and the leak found in each (index = channel)."""

    runs: tuple[np.ndarray, np.ndarray]
    leaks: tuple[Leak, Leak]
    frame_s: float


def detect(power: FramePower, params: ActivityParams = ActivityParams()) -> ChannelActivity:
    """Speech runs of both channels of a two-channel call, each with the other's leak removed."""
    db = [power.db(0), power.db(1)]
    leaks = (estimate_leak(db[0], db[1], power.frame_s, params), estimate_leak(db[1], db[0], power.frame_s, params))
    runs = tuple(runs_s(own_speech(db[c], db[1 - c], leaks[c], power.frame_s, params), db[c], power.frame_s, params) for c in (0, 1))
    return ChannelActivity(runs, leaks, power.frame_s)
