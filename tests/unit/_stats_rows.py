"""Build tidy response rows for the stats tests: full defaults, override what the test is about."""

from __future__ import annotations

import pandas as pd

from persona.stats.responses import RESPONSE_COLUMNS, validate_responses

DEFAULTS = {
    "study_id": "t", "listener_id": "L1", "session_id": "s", "trial_id": "t0", "trial_index": 0,
    "test_type": "acr", "scenario": "billing", "line_id": "l1", "stimulus_id": "billing/agent/l1",
    "voice": "agent", "role": "agent", "other_stimulus_id": None, "other_voice": None, "other_role": None,
    "attribute": "trust", "rating": None, "choice": None, "confidence": None, "is_gold": False,
    "gold_correct": None, "headphone_passed": True, "practice": False, "response_time_s": 3.0,
    "played_full": True, "answered_at": "2026-01-05T09:00:00+00:00",
}  # fmt: skip


def row(**overrides) -> dict:
    """One answer row with defaults for every column of the contract."""
    unknown = set(overrides) - set(RESPONSE_COLUMNS)
    assert not unknown, unknown
    return {**DEFAULTS, **overrides}


def frame(rows: list[dict]) -> pd.DataFrame:
    """Validated responses from row dicts (an empty list gives the empty table)."""
    return validate_responses(pd.DataFrame(rows, columns=list(RESPONSE_COLUMNS)))


def acr(listener: str, voice: str, role: str, rating: float, *, line: str = "l1", attribute: str = "trust",
        scenario: str = "billing") -> dict:  # fmt: skip
    """An ACR rating of ``voice`` reading ``line``."""
    return row(listener_id=listener, voice=voice, role=role, rating=rating, line_id=line, attribute=attribute,
               scenario=scenario, stimulus_id=f"{scenario}/{voice}/{line}", trial_id=f"{listener}/{voice}/{line}")  # fmt: skip
