"""What the monitor watches: per-call measures in two families, their natural units and the smallest change that matters.

Each :class:`Metric` is one control chart per scenario. Values are charted on the metric's
*scale*: pitch level in semitones (12 log2 of F0 in Hz, so a shift reads in st whatever the
voice), latencies in ms, everything else in its profile unit. A chart alarms only when its
CUSUM crosses the threshold *and* the estimated shift is at least ``min_shift`` (scale units):
with thousands of calls a week the CUSUM finds changes far below what a caller hears or a
team would act on.

==============================  ===========  ======  =========  ====================================
metric                          scale unit   sides   min shift  why that minimum
==============================  ===========  ======  =========  ====================================
``persona_distance``            (z units)    up      0.25       a quarter of a human MAD, averaged
``f0_median_hz`` pitch level    st           both    0.5 st     about two speech pitch JNDs
``f0_range_st`` pitch span      st           both    1.0 st     a clearly flatter/livelier melody
``speech_rate_syl_s`` pace      syl/s        both    5 %        just-noticeable tempo change
``pause_ratio`` pausing         fraction     both    0.03       3 points of the speaking span
``loudness_lufs`` loudness      LUFS (dB)    both    1.0 dB     loudness JND
``hnr_db`` voice clarity        dB           both    1.0 dB     a codec or vocoder change
``response_latency_median_s``   ms           both    100 ms     half a human turn gap
``response_latency_p90_s``      ms           both    200 ms
``barge_in_stop_median_s``      ms           both    100 ms
``dead_air_3s_count``           per call     both    0.25
==============================  ===========  ======  =========  ====================================

The persona distance is the scenario's distance from the human benchmark: it alarms only when it
grows (a standing distance is reported, not alarmed). The human p10-p90 band of a metric comes
from the persona benchmark (pitch, pace, pausing, loudness, HNR) or, for the timing of calls, from
a calls benchmark (``persona calls benchmark``) when one was given at ingest. Pace's minimum is relative (a share of the
baseline median).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PERSONA = "persona"
TIMING = "timing"


@dataclass(frozen=True)
class Metric:
    """One monitored per-call measure.

    Attributes
    ----------
    column : str
        Column of the stored recording rows (profile, score or call-timing column).
    label : str
        Short name for people ("pitch level").
    family : str
        ``"persona"`` or ``"timing"``; false alarms are budgeted per family.
    unit : str
        Unit of the charted scale ("st", "ms", "syl/s", ...).
    min_shift : float
        Smallest shift (scale units; a fraction of the baseline median when ``relative``) that alarms.
    floor : float
        Smallest robust spread (scale units) used to standardise calls, for near-constant measures.
    sides : tuple of str
        ``("upper", "lower")``, or ``("upper",)`` for measures that alarm only when they grow.
    log_hz : bool
        Chart ``12 log2(value)`` (st) instead of the value (F0 level).
    to_ms : bool
        Chart the value (s) in milliseconds.
    relative : bool
        ``min_shift`` is a fraction of the baseline median.
    """

    column: str
    label: str
    family: str
    unit: str
    min_shift: float
    floor: float
    sides: tuple[str, ...] = ("upper", "lower")
    log_hz: bool = False
    to_ms: bool = False
    relative: bool = False

    def to_scale(self, values) -> np.ndarray:
        """Values in the charted unit: st re 1 Hz for pitch level, ms for latencies, else unchanged."""
        v = np.asarray(values, dtype=float)
        if self.log_hz:
            with np.errstate(divide="ignore", invalid="ignore"):
                return 12.0 * np.log2(np.where(v > 0, v, np.nan))
        return v * 1000.0 if self.to_ms else v

    def from_scale(self, values) -> np.ndarray:
        """Inverse of :meth:`to_scale`: back to the stored column's unit (Hz, s, ...)."""
        v = np.asarray(values, dtype=float)
        if self.log_hz:
            return 2.0 ** (v / 12.0)
        return v / 1000.0 if self.to_ms else v

    def smallest_shift(self, baseline_median: float) -> float:
        """The smallest shift that alarms, in scale units."""
        return self.min_shift * abs(baseline_median) if self.relative else self.min_shift


METRICS: tuple[Metric, ...] = (
    Metric("persona_distance", "persona distance", PERSONA, "z", 0.25, 0.1, sides=("upper",)),
    Metric("f0_median_hz", "pitch level", PERSONA, "st", 0.5, 0.2, log_hz=True),
    Metric("f0_range_st", "pitch span", PERSONA, "st", 1.0, 0.3),
    Metric("speech_rate_syl_s", "pace", PERSONA, "syl/s", 0.05, 0.1, relative=True),
    Metric("pause_ratio", "pausing", PERSONA, "fraction", 0.03, 0.01),
    Metric("loudness_lufs", "loudness", PERSONA, "LUFS", 1.0, 0.3),
    Metric("hnr_db", "voice clarity (HNR)", PERSONA, "dB", 1.0, 0.3),
    Metric("response_latency_median_s", "response latency p50", TIMING, "ms", 100.0, 20.0, to_ms=True),
    Metric("response_latency_p90_s", "response latency p90", TIMING, "ms", 200.0, 40.0, to_ms=True),
    Metric("barge_in_stop_median_s", "barge-in stop time", TIMING, "ms", 100.0, 20.0, to_ms=True),
    Metric("dead_air_3s_count", "dead air > 3 s", TIMING, "per call", 0.25, 0.5),
)
"""The monitored measures, in report order (persona family first, then call timing)."""


def family(name: str) -> tuple[Metric, ...]:
    """The metrics of one family, in report order."""
    return tuple(m for m in METRICS if m.family == name)


def one_sided_charts(name: str) -> int:
    """How many one-sided CUSUMs a family runs per scenario (its share of the false-alarm budget)."""
    return sum(len(m.sides) for m in family(name))
