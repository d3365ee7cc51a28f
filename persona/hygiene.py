"""Output that cannot turn on its reader: spreadsheet-safe CSV cells and inert Markdown.

Listener comments, voice names and stimulus ids end up in files people open in a spreadsheet
or a Markdown viewer. Following the OWASP CSV-injection rule, a text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading apostrophe
(``'=HYPERLINK(...)`` shows as text, never runs); numbers stay numbers. Markdown text gets its
inline markup and any HTML escaped, so ``<img src=x onerror=...>`` or ``![](http://...)`` in a
name is shown, not rendered or fetched.
"""

from __future__ import annotations

import contextlib
import csv
import html
import math
import os
import re
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    import pandas as pd  # imported where a frame is written: writing rows needs no pandas

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]!|])")


def neutral_cell(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def neutral_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are :func:`neutral_cell` (numbers untouched)."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutral_cell)
    out.columns = [neutral_cell(str(c)) for c in out.columns]
    out.attrs = frame.attrs
    return out


def write_csv(frame: pd.DataFrame, path_or_buffer, *, sep: str = ",") -> None:
    """Write ``frame`` as CSV (or TSV with ``sep="\\t"``) with every cell spreadsheet-safe, no index.

    A path is opened here, so a failure raises an :class:`OSError` that names the file.
    """
    with _text_sink(path_or_buffer) as sink:
        neutral_frame(frame).to_csv(sink, index=False, sep=sep)


def write_csv_rows(rows: Iterable[dict], columns: Sequence[str], path_or_buffer) -> None:
    """Write row dicts as :func:`write_csv` writes a frame of them: ``columns`` in order, NaN and missing as
    empty cells, floats as their shortest exact decimal, text spreadsheet-safe. Needs no pandas."""
    with _text_sink(path_or_buffer) as sink:
        writer = csv.writer(sink, lineterminator=os.linesep)
        writer.writerow([neutral_cell(str(c)) for c in columns])
        writer.writerows([_csv_cell(row.get(c)) for c in columns] for row in rows)


def _csv_cell(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):  # numpy floats too: repr() of a np.float64 names its type
        return repr(float(value))
    return neutral_cell(value)


@contextlib.contextmanager
def _text_sink(path_or_buffer):
    """A text stream: the open buffer as given, or the file at a path opened for CSV writing (UTF-8, no newline translation)."""
    if isinstance(path_or_buffer, (str, os.PathLike)):
        with open(path_or_buffer, "w", newline="", encoding="utf-8") as f:
            yield f
    else:
        yield path_or_buffer


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as spreadsheet-safe CSV text (for a download button)."""
    return neutral_frame(frame).to_csv(index=False)


def restore_cell(value: object) -> object:
    """Undo :func:`neutral_cell` when reading a file persona wrote (``'=x`` -> ``=x``)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def without_images(markdown: str) -> str:
    """Survey Markdown with every image (inline ``![a](url)`` or reference ``![a][r]``) shown as text, so
    a listener's browser fetches nothing from another host; other formatting is kept."""
    return markdown.replace("![", "!\\[")


def markdown_text(text: object) -> str:
    """``text`` as inert Markdown: HTML escaped, inline markup characters backslash-escaped, one line."""
    escaped = html.escape(str(text), quote=False)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped).replace("\r", " ").replace("\n", " ")
