"""Perception meets acoustics: which deviations from the human benchmark go with lower ratings.

Input deviations
----------------
A table with one row per stimulus (or per voice) and, per acoustic feature ``F``, a column
``F_z`` (robust z against the scenario's human benchmark, as written by ``persona score``) or,
failing that, ``F_deviation`` (deviation in natural units). The join key is, in order of
preference:

1. ``stimulus_id`` - the survey's stimulus ids (best: one point per recording);
2. ``voice`` and ``scenario``;
3. ``voice`` alone.

Other columns (``F_value``, ``F_human_median``, ``F_verdict``, ``persona_distance`` ...) are
ignored.

Method
------
For each rated attribute (default ``fit`` and ``trust``) the ratings are averaged per join key
(mean over listeners), and the Spearman rank correlation (``scipy.stats.spearmanr``) between
the *absolute* deviation ``|F_z|`` (or ``|F_deviation|``) and the mean rating is reported with a
Fisher-z interval using the Bonett & Wright (2000) variance ``(1 + rho^2 / 2) / (n - 3)``
(needs n >= 4 points). A negative rho says "the further this feature is from the human
band, the lower the rating". Holm's correction runs across all rows. With few stimuli these
are associations to investigate, not causes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import BenchmarkError
from .inference import holm_adjust
from .responses import scored_answers

CORRELATION_COLUMNS = (
    "attribute", "feature", "measure", "n_points", "rho", "ci_low", "ci_high", "p_value", "p_holm", "note",
)  # fmt: skip
_KEYS = (("stimulus_id",), ("voice", "scenario"), ("voice",))
_MIN_POINTS = 4


def deviation_columns(deviations: pd.DataFrame) -> dict[str, str]:
    """Map each feature name to the column used for it (``F_z`` preferred over ``F_deviation``)."""
    columns = {}
    for suffix in ("_deviation", "_z"):  # later suffixes win
        for column in deviations.columns:
            if column.endswith(suffix) and pd.api.types.is_numeric_dtype(deviations[column]):
                columns[column[: -len(suffix)]] = column
    return dict(sorted(columns.items()))


def join_key(deviations: pd.DataFrame) -> list[str]:
    """The columns that link deviations to responses (see module docstring)."""
    for key in _KEYS:
        if all(column in deviations.columns for column in key):
            return list(key)
    raise BenchmarkError("deviation table: needs a 'stimulus_id' or 'voice' column to join to the ratings")


def rating_deviation_correlations(
    responses: pd.DataFrame,
    deviations: pd.DataFrame,
    *,
    attributes: tuple[str, ...] = ("fit", "trust"),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Spearman correlation between each |feature deviation| and each attribute's mean rating.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated tidy responses (ACR rows are used).
    deviations : pandas.DataFrame
        Per-stimulus (or per-voice) deviations, see the module docstring.
    attributes : tuple of str
        ACR attributes to correlate with.
    confidence : float
        Confidence level of the Fisher-z interval (0..1).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CORRELATION_COLUMNS`, sorted by ``rho`` (most negative first).

    Raises
    ------
    BenchmarkError
        If the deviation table has no join key or no ``F_z``/``F_deviation`` column.
    """
    key = join_key(deviations)
    features = deviation_columns(deviations)
    if not features:
        raise BenchmarkError("deviation table: no numeric '<feature>_z' or '<feature>_deviation' column")
    acr = scored_answers(responses, "acr").dropna(subset=["rating"])
    means = acr[acr["attribute"].isin(attributes)].pivot_table(
        index=key, columns="attribute", values="rating", aggfunc="mean"
    )
    table = deviations.groupby(key)[list(features.values())].mean().abs().join(means, how="inner")
    rows = []
    for attribute in attributes:
        for feature, column in features.items():
            rows.append({"attribute": attribute, "feature": feature, "measure": f"|{column}|",
                         **_spearman(table, column, attribute, confidence=confidence)})  # fmt: skip
    result = pd.DataFrame(rows, columns=list(CORRELATION_COLUMNS))
    result["p_holm"] = holm_adjust(result["p_value"])
    return result.sort_values("rho", na_position="last", kind="stable").reset_index(drop=True)


def _spearman(table: pd.DataFrame, column: str, attribute: str, *, confidence: float) -> dict:
    empty = {"n_points": 0, "rho": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan}
    if attribute not in table.columns:
        return {**empty, "note": f"no {attribute} ratings for the stimuli in the deviation table"}
    pairs = table[[column, attribute]].dropna()
    n = len(pairs)
    if n < _MIN_POINTS:
        return {**empty, "n_points": n, "note": f"{n} matched point(s): need at least {_MIN_POINTS}"}
    if pairs[column].nunique() < 2 or pairs[attribute].nunique() < 2:
        return {**empty, "n_points": n, "note": "no variation in deviation or rating"}
    result = stats.spearmanr(pairs[column], pairs[attribute])
    rho = float(result.statistic)
    half_width = stats.norm.ppf(0.5 + confidence / 2) * np.sqrt((1 + rho**2 / 2) / (n - 3))
    centre = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    return {"n_points": n, "rho": rho, "ci_low": float(np.tanh(centre - half_width)),
            "ci_high": float(np.tanh(centre + half_width)), "p_value": float(result.pvalue), "note": ""}  # fmt: skip


def read_deviations(path: str | Path) -> pd.DataFrame:
    """Read a per-stimulus deviation table from CSV (e.g. ``persona score --out scores.csv``)."""
    if Path(path).suffix.lower() != ".csv":
        raise BenchmarkError(f"{path}: deviation table must be a .csv file (per-stimulus F_z / F_deviation columns)")
    try:
        return pd.read_csv(path)
    except FileNotFoundError as exc:
        raise BenchmarkError(f"{path}: deviation table not found") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise BenchmarkError(f"{path}: not a readable CSV deviation table ({exc})") from exc
