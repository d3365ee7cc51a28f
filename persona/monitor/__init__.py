"""Monitor the live agent: ingest its recordings week by week, chart persona and timing, alarm on drift.

>>> from persona import monitor
>>> store = monitor.MonitorStore()                                                     # doctest: +SKIP
>>> monitor.ingest(["calls/2026-03-02"], "benchmark.json", store=store, scenario="billing_dispute")  # doctest: +SKIP
>>> watched = monitor.watch(store.frame(), store.bands())                             # doctest: +SKIP
>>> watched.alarms                                                                     # doctest: +SKIP
"""

from .ingest import IngestReport, ingest
from .metrics import METRICS, Metric
from .store import MonitorStore
from .control import Settings, Watch, messiest, watch

__all__ = ["IngestReport", "ingest", "METRICS", "Metric", "MonitorStore", "Settings", "Watch", "messiest", "watch"]
