"""Calibration of the agent-minus-human ACR analysis on simulated panels.

Plant a difference, simulate many panels, analyse each with
:func:`persona.stats.acr.agent_human_differences`, and count how often the 95 % interval covers
the planted difference (target >= 0.95 nominal, accepted >= 0.90) and how often the test
rejects (the power when an effect is planted, the type-I error rate when the plant is 0,
target about 0.05). Used by the unit tests (few panels) and ``bench/stats_calibration.py``
(200 panels).
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from .acr import MIXED_MODEL, agent_human_differences
from .simulate import PanelSpec, simulate_panel

CALIBRATION_SPEC = PanelSpec(
    n_listeners=16, scenarios=("calibration",), lines_per_scenario=4, careless_rate=0.0,
    headphone_failure_rate=0.0, gold_trials=0, test_types=("acr",),
)  # fmt: skip


def calibrate_difference(
    *,
    difference_mos: float,
    n_panels: int,
    spec: PanelSpec = CALIBRATION_SPEC,
    attribute: str = "trust",
    confidence: float = 0.95,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """Simulate ``n_panels`` panels with a planted latent difference and analyse each.

    Parameters
    ----------
    difference_mos : float
        Latent agent-minus-human difference planted on ``attribute`` (MOS points).
    n_panels : int
        Simulated panels; panel k uses seed ``seed + k``.
    spec : PanelSpec
        Panel design (the planted difference replaces its ``agent_minus_human_mos``).

    Returns
    -------
    (pandas.DataFrame, dict)
        One row per panel (estimate, interval, p-value, method, covered, rejected) and a summary:
        planted difference on the 1..5 scale, coverage, rejection rate, mean estimate, share of
        panels analysed by the fallback.
    """
    spec = dataclasses.replace(spec, agent_minus_human_mos={attribute: difference_mos})
    truth = spec.planted_difference(attribute)
    rows = []
    for k in range(n_panels):
        responses = simulate_panel(spec, seed=seed + k)
        result = agent_human_differences(responses[responses["attribute"] == attribute], confidence=confidence).iloc[0]
        rows.append({
            "panel": k, "estimate": result["difference_mos"], "ci_low": result["ci_low"],
            "ci_high": result["ci_high"], "p_value": result["p_value"], "method": result["method"],
            "covered": bool(result["ci_low"] <= truth <= result["ci_high"]),
            "rejected": bool(result["p_value"] < alpha),
        })  # fmt: skip
    panels = pd.DataFrame(rows)
    summary = {
        "planted_difference_mos": truth,
        "n_panels": n_panels,
        "coverage": float(panels["covered"].mean()),
        "rejection_rate": float(panels["rejected"].mean()),
        "mean_estimate_mos": float(panels["estimate"].mean()),
        "fallback_share": float((panels["method"] != MIXED_MODEL).mean()),
    }
    return panels, summary
