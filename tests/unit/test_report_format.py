"""Numbers for people: fixed point with sensible decimals, units, plain prose, provenance, report tables."""

import math

import numpy as np
import pandas as pd
import pytest

from persona.report import format as fmt
from persona.report.html import Report


@pytest.mark.parametrize(
    ("value", "expected"),
    [  # hand-computed: 3 significant digits of the value, fixed point, thousands separated
        (163.24, "163"),
        (150.0, "150"),
        (41.25, "41.2"),  # round-half-even of the binary value 41.25 -> 41.2
        (0.01234, "0.0123"),
        (12345.6, "12,346"),
        (-3.456, "-3.46"),
        (0.95, "0.95"),  # trailing zeros dropped for a single value
        (np.int64(5), "5"),
        (float("nan"), fmt.MISSING),
        (None, fmt.MISSING),
        (pd.NA, fmt.MISSING),
    ],
)
def test_number_is_fixed_point_with_three_significant_digits(value, expected):
    assert fmt.number(value) == expected


def test_number_never_uses_scientific_notation():
    for exponent in range(-4, 8):
        text = fmt.number(1.6 * 10**exponent)
        assert "e" not in text.lower(), text


def test_quantity_carries_the_unit():
    assert fmt.quantity(163.2, "Hz") == "163 Hz"
    assert fmt.quantity(-2.04, "st", 1) == "-2.0 st"
    assert fmt.quantity(12.0, "%") == "12%"
    assert fmt.quantity(math.nan, "Hz") == fmt.MISSING


def test_a_column_shares_its_decimals_and_a_mixed_column_keeps_digits_per_cell():
    frame = pd.DataFrame({"f0_hz": [163.24, 150.06, np.nan], "median": [163.2, 0.2345, 4.11], "voice": ["a", "b", None]})
    shown = fmt.cells(frame)
    assert shown["f0_hz"].tolist() == ["163", "150", fmt.MISSING]  # one scale: 0 decimals for values ~150
    assert shown["median"].tolist() == ["163", "0.234", "4.11"]  # Hz beside a fraction: 3 digits each
    assert shown["voice"].tolist() == ["a", "b", fmt.MISSING]


def test_plain_unwraps_rst_and_joins_lines():
    text = "Uses ``error`` and :func:`persona.profile`.\n  Next line.\n\nSecond paragraph."
    assert fmt.plain(text) == "Uses error and persona.profile. Next line.\n\nSecond paragraph."


def test_report_tables_and_provenance_read_as_prose():
    report = Report("t")
    report.section("s").table(pd.DataFrame({"f0_median_hz": [160.2, 151.7], "cents": [150.3, 80.2]}), how_to_read="Cents: 100 = 1 st.")
    wide = pd.DataFrame({"voice": ["a"], "f0": [99.1]}).set_index("voice")
    wide.columns.name = "feature"  # as a pivot leaves it
    report.section("d").table(wide.reset_index())
    report.provenance = {"scoring": "Uses ``F_z``.\n\nThen more.", "params": {"pause_min_s": 0.25}}
    for text in (report.to_html(), report.to_markdown()):
        assert "e+0" not in text and "1.6e" not in text
        assert "160" in text and "150" in text
        assert "How to read this" in text
        assert "``" not in text and "\\n" not in text
        assert "pause" in text and "0.25" in text
    assert "params.pause_min_s" in report.to_html()  # Markdown escapes its underscores
    assert "<th>feature</th>" not in report.to_html()  # a pivot's column-axis name is no empty extra header row
