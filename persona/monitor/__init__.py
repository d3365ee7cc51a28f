"""Monitor the live agent: ingest its recordings week by week, chart persona and timing, alarm on drift.

>>> from persona import monitor
>>> store = monitor.MonitorStore()                                                     # doctest: +SKIP
>>> monitor.ingest(["calls/2026-03-02"], "benchmark.json", store=store, scenario="billing_dispute")  # doctest: +SKIP
>>> watched = monitor.watch(store.frame(), store.bands())                             # doctest: +SKIP
>>> watched.alarms                                                                     # doctest: +SKIP
"""

import lazy_loader

# ``persona monitor check`` reads stored rows only: the profiling stack loads when ingest is used.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "ingest": ["IngestReport", "ingest"],
        "metrics": ["METRICS", "Metric"],
        "store": ["MonitorStore"],
        "control": ["Settings", "Watch", "messiest", "watch"],
    },
)
