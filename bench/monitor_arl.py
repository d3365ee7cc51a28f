"""False-alarm rate and detection delay of ``persona monitor`` on simulated deployments (feature level).

Stable agents: many simulated years of weekly checks (each a fresh deployment: 4 baseline weeks,
then 52 monitored weeks); prints the false alarms per scenario-year, per family, against the design
(``--false-alarms-per-year``, default 1 per family). Planted changes at week 12 of 20 (+2 st pitch,
+10 % pace, +600 ms response latency): the share detected within one week and the change-point error.

    nice -n 10 python bench/monitor_arl.py --years 200 --changes 50
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

import numpy as np
from scipy import stats

from persona.monitor import Settings, simulate, watch

CHANGES = {"pitch +2 st": ("f0_median_hz", 2.0), "pace +10 %": ("speech_rate_syl_s", 0.10),
           "latency +600 ms": ("response_latency_median_s", 0.6)}  # fmt: skip


def false_alarms(years: int, calls_per_week: int, settings: Settings) -> None:
    counts = {"persona": 0, "timing": 0}
    started = time.perf_counter()
    for seed in range(years):
        frame = simulate.deployment(settings.baseline_periods + 52, calls_per_week=calls_per_week, seed=10_000 + seed)
        for family in watch(frame, {}, settings).alarms["family"]:
            counts[family] += 1
    print(f"stable deployments: {years} simulated years of weekly checks, {calls_per_week} calls/week "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    for family, n in counts.items():
        high = stats.chi2.ppf(0.975, 2 * (n + 1)) / 2 / years  # exact Poisson upper 95% limit
        print(f"  {family:8s} false alarms per scenario-year: {n / years:.3f} ({n} in {years} years; 95% upper {high:.3f}); "
              f"design at most {settings.false_alarms_per_year:g}")  # fmt: skip


def detection(runs: int, calls_per_week: int, settings: Settings) -> None:
    change_date = simulate.START + timedelta(weeks=12)
    print(f"planted changes at week 12 of 20, {runs} deployments each, {calls_per_week} calls/week:")
    for name, (column, shift) in CHANGES.items():
        delays, errors, other = [], [], 0
        for seed in range(runs):
            frame = simulate.deployment(20, calls_per_week=calls_per_week, change_week=12, changes={column: shift}, seed=20_000 + seed)
            alarms = watch(frame, {}, settings).alarms
            mine = alarms[alarms["metric"] == column]
            other += int((alarms["metric"] != column).sum())
            if not mine.empty:
                delays.append((mine["alarm_date"].iloc[0] - change_date).days // 7)
                errors.append(abs((mine["change_date"].iloc[0] - change_date).days) // 7)
        within = np.mean(np.array(delays) <= 1) if delays else 0.0
        print(f"  {name:16s} detected {len(delays)}/{runs}; within one week {within * len(delays) / runs:.0%}; "
              f"change point within one week {np.mean(np.array(errors) <= 1) if errors else 0:.0%}; "
              f"median delay {np.median(delays) if delays else float('nan'):.0f} week(s); alarms on other metrics {other}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=100, help="stable simulated years")
    parser.add_argument("--changes", type=int, default=30, help="deployments per planted change")
    parser.add_argument("--calls-per-week", type=int, nargs="+", default=[10, 50])
    args = parser.parse_args()
    settings = Settings()
    print(settings.describe())
    for calls in args.calls_per_week:
        false_alarms(args.years, calls, settings)
        detection(args.changes, calls, settings)


if __name__ == "__main__":
    main()
