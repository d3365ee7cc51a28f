"""Output that cannot turn on its reader: spreadsheet-safe CSV cells and inert Markdown.

Listener comments, voice names and stimulus ids end up in files people open in a spreadsheet
or a Markdown viewer. Following the OWASP CSV-injection rule, a text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a leading apostrophe
(``'=HYPERLINK(...)`` shows as text, never runs); numbers stay numbers. Markdown text gets its
inline markup and any HTML escaped, so ``<img src=x onerror=...>`` or ``![](http://...)`` in a
name is shown, not rendered or fetched.
"""

from __future__ import annotations

import html
import os
import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]!|])")


def neutral_cell(value: object) -> object:
    """``value`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def neutral_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are :func:`neutral_cell` (numbers untouched)."""
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
    if isinstance(path_or_buffer, (str, os.PathLike)):
        with open(path_or_buffer, "w", newline="", encoding="utf-8") as f:
            neutral_frame(frame).to_csv(f, index=False, sep=sep)
    else:
        neutral_frame(frame).to_csv(path_or_buffer, index=False, sep=sep)


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
