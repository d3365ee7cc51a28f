"""A study's responses, from a tidy CSV export or from the trial database by study id."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..stats.responses import read_responses_csv, validate_responses


def load_responses(study: str, *, db_url: str | None = None) -> tuple[pd.DataFrame, str]:
    """Responses of a study given as a tidy CSV path or as a study id in the trial database.

    Returns
    -------
    (pandas.DataFrame, str)
        The validated responses and a description of the source (file path or database study).
    """
    path = Path(study)
    if path.suffix.lower() == ".csv" or path.is_file():
        return read_responses_csv(path), str(path)
    from .store import responses_frame  # the database layer is only needed for study ids

    return validate_responses(responses_frame(study, db_url=db_url), source=f"study {study}"), f"study {study}"
