"""Numbers and text for people: fixed-point values with sensible decimals, units, plain prose, provenance.

Every table a person reads (terminal, HTML, Markdown, the app) goes through here, so ``163.2`` Hz
never shows as ``1.6e+02``. Decimals follow the size of the values: three significant digits of
the typical magnitude of a column, never scientific notation, thousands separated by commas.

>>> number(163.24), number(0.01234), number(12345.6), quantity(-3.456, "st"), quantity(41.2, "%")
('163', '0.0123', '12,346', '-3.46 st', '41.2%')
"""

from __future__ import annotations

import math
import numbers
import re
import textwrap

SIGNIFICANT = 3
"""Significant digits of the typical value shown, unless a caller asks for another number."""
MAX_DECIMALS = 4
MISSING = "\u2013"
"""Shown for a missing value (en dash)."""
TERMINAL_WIDTH = 100
"""Width (characters) terminal output is wrapped to."""

_RST_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|ref|obj):`~?([^`]+)`")
_RST_LITERAL = re.compile(r"``([^`]+)``")


def is_missing(value) -> bool:
    """True for None, NaN and pandas' NA/NaT."""
    if value is None or str(value) in ("<NA>", "NaT"):
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def decimals_for(values, significant: int = SIGNIFICANT) -> int:
    """Decimals that show ``significant`` digits of the median magnitude of ``values`` (0 to :data:`MAX_DECIMALS`)."""
    sizes = sorted(abs(float(v)) for v in values if not is_missing(v) and math.isfinite(float(v)) and float(v) != 0)
    if not sizes:
        return 0
    typical = sizes[len(sizes) // 2]
    return int(min(MAX_DECIMALS, max(0, significant - 1 - math.floor(math.log10(typical)))))


def number(value, decimals: int | None = None, *, significant: int = SIGNIFICANT) -> str:
    """A value in fixed point: ``decimals`` given, or up to ``significant`` digits (trailing zeros dropped); missing as an en dash."""
    if is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, numbers.Real):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    value = float(value)
    if decimals is None and value.is_integer() and abs(value) >= 1:
        return f"{int(value):,}"
    if not math.isfinite(value):
        return "inf" if value > 0 else "-inf"
    trim = decimals is None
    if trim:
        decimals = decimals_for([value], significant)
    text = f"{value:,.{decimals}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "-0.0", "-0.00", "-0.000", "-0.0000") else text


def quantity(value, unit: str, decimals: int | None = None, *, significant: int = SIGNIFICANT) -> str:
    """A value with its unit: ``"163 Hz"``, ``"-3.46 st"``, ``"41%"``."""
    text = number(value, decimals, significant=significant)
    if text == MISSING or not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def cells(frame, *, significant: int = SIGNIFICANT):
    """``frame`` as display strings: a float column of one scale with one number of decimals (see
    :func:`decimals_for`), a column mixing scales (e.g. Hz beside fractions) with ``significant`` digits per cell."""
    out = frame.copy().astype(object)
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind == "f" and _one_scale(values):
            decimals = decimals_for(values, significant)
            out[column] = [number(v, decimals) for v in values]
        else:
            out[column] = [number(v) for v in values]
    out.columns = [str(c) for c in frame.columns]
    return out


def _one_scale(values) -> bool:
    """True when the non-zero magnitudes of ``values`` span at most two orders (one column, one unit)."""
    sizes = [abs(float(v)) for v in values if not is_missing(v) and math.isfinite(float(v)) and float(v) != 0]
    return not sizes or max(sizes) <= 100 * min(sizes)


def text_table(frame, *, significant: int = SIGNIFICANT) -> str:
    """A frame as an aligned plain-text table (no index), numbers as :func:`cells` formats them."""
    shown = cells(frame, significant=significant)
    return shown.to_string(index=False) if len(shown) else "(no rows)"


def plain(text: str) -> str:
    """Docstring-style text as prose: reStructuredText roles and literals unwrapped, lines joined into paragraphs."""
    text = _RST_LITERAL.sub(r"\1", _RST_ROLE.sub(r"\1", str(text)))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip())]
    return "\n\n".join(p for p in paragraphs if p)


def wrap(text: str, *, width: int = TERMINAL_WIDTH, indent: str = "") -> str:
    """``text`` wrapped to ``width`` columns, continuation lines indented by ``indent``."""
    return textwrap.fill(text, width=width, subsequent_indent=indent, break_on_hyphens=False)


def provenance_items(record: dict, prefix: str = "") -> list[tuple[str, str]]:
    """A nested provenance record as ``(dotted key, plain text)`` pairs, in order."""
    items = []
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            items += provenance_items(value, prefix=f"{name}.")
        elif isinstance(value, (list, tuple)):
            items.append((name, ", ".join(number(v) if isinstance(v, float) else str(v) for v in value)))
        elif isinstance(value, float):
            items.append((name, number(value)))
        else:
            items.append((name, plain(value) if isinstance(value, str) else str(value)))
    return items
