"""The tidy responses table: its columns, validation, and loading from CSV.

One row per answer, exactly the columns of :data:`RESPONSE_COLUMNS` (the contract written by
``persona.trials.store.responses_frame`` and ``persona survey export``). Every analysis in
:mod:`persona.stats` takes a frame that went through :func:`validate_responses`, so the
column types are known: booleans are ``bool`` (or ``pd.NA`` for ``gold_correct``), ``rating``,
``confidence`` and ``response_time_s`` are floats (NaN when empty).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SurveyError
from ..hygiene import restore_cell

RESPONSE_COLUMNS = (
    "study_id", "listener_id", "session_id", "trial_id", "trial_index", "test_type",
    "scenario", "line_id", "stimulus_id", "voice", "role", "other_stimulus_id",
    "other_voice", "other_role", "attribute", "rating", "choice", "confidence", "is_gold",
    "gold_correct", "headphone_passed", "practice", "response_time_s", "played_full",
    "fast_answer", "answered_at",
)  # fmt: skip
TEST_TYPES = frozenset({"acr", "ab", "identify", "mushra"})
ROLES = frozenset({"agent", "human", "reference", "anchor"})
ACR_ATTRIBUTES = ("naturalness", "warmth", "trust", "fit")
ACR_SCALE = (1, 5)
MUSHRA_SCALE = (0, 100)
AB_CHOICES = frozenset({"A", "B", "none"})
IDENTIFY_CHOICES = frozenset({"human", "ai"})

_TEXT_COLUMNS = (
    "study_id", "listener_id", "session_id", "trial_id", "test_type", "scenario", "line_id",
    "stimulus_id", "voice", "role", "other_stimulus_id", "other_voice", "other_role",
    "attribute", "choice", "answered_at",
)  # fmt: skip
_REQUIRED_TEXT = ("listener_id", "trial_id", "test_type", "stimulus_id", "voice", "role", "attribute")
_NUMBER_COLUMNS = ("trial_index", "rating", "confidence", "response_time_s")
_BOOL_COLUMNS = ("is_gold", "headphone_passed", "practice", "played_full")
_TRUE = frozenset({"true", "1", "yes", "t", "y"})
_FALSE = frozenset({"false", "0", "no", "f", "n"})


def empty_responses() -> pd.DataFrame:
    """Return a validated responses frame with no rows."""
    return validate_responses(pd.DataFrame({c: [] for c in RESPONSE_COLUMNS}))


def read_responses_csv(path: str | Path) -> pd.DataFrame:
    """Read a tidy responses CSV (as written by ``persona survey export``) and validate it.

    Raises
    ------
    SurveyError
        If the file is missing, is not CSV, or breaks the responses contract.
    """
    path = Path(path)
    if not path.is_file():
        raise SurveyError(f"{path}: responses file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""]).map(restore_cell)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise SurveyError(f"{path}: not a readable CSV file ({exc})") from exc
    return validate_responses(frame, source=str(path))


def validate_responses(frame: pd.DataFrame, *, source: str = "<responses>") -> pd.DataFrame:
    """Check a responses frame against the contract and return a typed copy.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows in the tidy responses schema; extra columns are dropped.
    source : str
        Name used in error messages (a file path or ``"<responses>"``).

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`RESPONSE_COLUMNS` in order, with text, float and bool types.

    Raises
    ------
    SurveyError
        Naming the source, the column and the offending value when a column is missing,
        a value is outside its vocabulary or range, or a boolean cannot be parsed.
    """
    missing = [c for c in RESPONSE_COLUMNS if c not in frame.columns and c != "fast_answer"]
    if missing:
        raise SurveyError(f"{source}: missing column(s) {', '.join(missing)}")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column in _TEXT_COLUMNS:
        values = frame[column].to_numpy(dtype=object)
        out[column] = pd.Series(
            [None if _is_missing(v) else str(v).strip() for v in values], dtype=object
        )
    for column in _NUMBER_COLUMNS:
        out[column] = _to_float(frame[column], column=column, source=source)
    for column in _BOOL_COLUMNS:
        out[column] = _to_bool(frame[column], column=column, source=source, allow_missing=False)
    out["gold_correct"] = _to_bool(
        frame["gold_correct"], column="gold_correct", source=source, allow_missing=True
    )
    out["fast_answer"] = _to_bool(  # answered before the clips could be heard; empty in older exports
        frame.get("fast_answer", pd.Series(pd.NA, index=frame.index)), column="fast_answer", source=source, allow_missing=True
    ).fillna(False).astype(bool)
    out = out[list(RESPONSE_COLUMNS)]
    for column in _REQUIRED_TEXT:
        empty = out[column].isna()
        if empty.any():
            raise SurveyError(f"{source}: column {column!r} row {int(np.flatnonzero(empty)[0])}: value is empty")
    _check_vocabulary(out, "test_type", TEST_TYPES, source=source)
    _check_vocabulary(out, "role", ROLES, source=source)
    _check_ranges(out, source=source)
    return out


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


def _to_float(values: pd.Series, *, column: str, source: str) -> pd.Series:
    numbers = pd.to_numeric(values.map(lambda v: None if _is_missing(v) else v), errors="coerce")
    bad = numbers.isna() & ~values.map(_is_missing)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SurveyError(f"{source}: column {column!r} row {row}: {values.iloc[row]!r} is not a number")
    return numbers.astype(float)


def _to_bool(values: pd.Series, *, column: str, source: str, allow_missing: bool) -> pd.Series:
    parsed = []
    for row, value in enumerate(values.to_numpy(dtype=object)):
        if isinstance(value, (bool, np.bool_)):
            parsed.append(bool(value))
        elif _is_missing(value) or str(value).strip() == "":
            if not allow_missing:
                raise SurveyError(f"{source}: column {column!r} row {row}: value is empty")
            parsed.append(pd.NA)
        elif str(value).strip().lower() in _TRUE:
            parsed.append(True)
        elif str(value).strip().lower() in _FALSE:
            parsed.append(False)
        else:
            raise SurveyError(f"{source}: column {column!r} row {row}: {value!r} is not true/false")
    return pd.Series(parsed, dtype="boolean" if allow_missing else bool)


def _check_vocabulary(frame: pd.DataFrame, column: str, allowed: frozenset, *, source: str) -> None:
    bad = ~frame[column].isin(allowed)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SurveyError(
            f"{source}: column {column!r} row {row}: {frame[column].iloc[row]!r} is not one of "
            f"{sorted(allowed)}"
        )


def _check_ranges(frame: pd.DataFrame, *, source: str) -> None:
    """Ratings must sit on their test's scale and choices in their test's vocabulary."""
    checks = (
        ("acr", "rating", ACR_SCALE),
        ("mushra", "rating", MUSHRA_SCALE),
        ("identify", "confidence", (1, 3)),
    )
    for test_type, column, (low, high) in checks:
        values = frame.loc[frame["test_type"] == test_type, column]
        bad = values.notna() & ((values < low) | (values > high))
        if bad.any():
            row = int(bad.index[bad.to_numpy()][0])
            raise SurveyError(
                f"{source}: column {column!r} row {row}: {values[row]} is outside "
                f"{low}..{high} for {test_type} trials"
            )
    for test_type, allowed in (("ab", AB_CHOICES), ("identify", IDENTIFY_CHOICES)):
        choices = frame.loc[frame["test_type"] == test_type, "choice"]
        bad = choices.notna() & ~choices.isin(allowed)
        if bad.any():
            row = int(bad.index[bad.to_numpy()][0])
            raise SurveyError(
                f"{source}: column 'choice' row {row}: {choices[row]!r} is not one of "
                f"{sorted(allowed)} for {test_type} trials"
            )


def scored_answers(responses: pd.DataFrame, test_type: str) -> pd.DataFrame:
    """The rows of one test that count in the analysis: no practice and no gold trials."""
    keep = (responses["test_type"] == test_type) & ~responses["practice"] & ~responses["is_gold"]
    return responses[keep]
