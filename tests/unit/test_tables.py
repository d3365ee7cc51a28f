"""Result tables: rows written without a DataFrame read back as the DataFrame path writes them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from persona import tables

COLUMNS = ("file", "channel", "f0_median_hz", "syllable_count", "error")
ROWS = [
    {"file": "a.wav", "channel": "mix", "f0_median_hz": np.float64(110.123456789012345), "syllable_count": 12, "error": ""},
    {"file": "=cmd|' /C calc'!A0", "channel": np.nan, "f0_median_hz": np.nan, "syllable_count": np.nan, "error": "b.wav: not audio"},
    {"file": "c, with comma.wav", "channel": "0", "f0_median_hz": 0.1 + 0.2, "syllable_count": 3},  # no error key: empty
]
PROVENANCE = {"software": {"persona": "test"}, "params": {"pause_min_s": 0.25}}


def _frame() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS, columns=list(COLUMNS)).fillna({"error": ""})
    frame.attrs["provenance"] = PROVENANCE
    return frame


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_rows_read_back_as_the_frame_path_writes_them(tmp_path, suffix):
    """pandas' own writer (tables.write) is the oracle: same cells, same provenance, formula text made inert."""
    by_rows = tables.read(tables.write_rows(ROWS, COLUMNS, PROVENANCE, tmp_path / f"rows{suffix}"))
    by_frame = tables.read(tables.write(_frame(), tmp_path / f"frame{suffix}"))
    assert by_rows.attrs["provenance"] == by_frame.attrs["provenance"] == PROVENANCE
    pd.testing.assert_frame_equal(by_rows.fillna({"error": ""}), by_frame.fillna({"error": ""}), check_dtype=False, rtol=1e-10)
    assert by_rows.loc[1, "file"] == "=cmd|' /C calc'!A0"  # written inert, restored on reading


def test_csv_rows_keep_full_precision_and_neutralise_formulas(tmp_path, capsys):
    assert tables.write_rows(ROWS, COLUMNS, PROVENANCE, None) is None
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1] == "a.wav,mix,110.12345678901235,12,"
    assert lines[2] == "'=cmd|' /C calc'!A0,,,,b.wav: not audio"
    assert lines[3] == '"c, with comma.wav",0,0.30000000000000004,3,'


def test_json_rows_carry_null_for_nan(tmp_path):
    payload = json.loads(tables.write_rows(ROWS, COLUMNS, PROVENANCE, tmp_path / "rows.json").read_text())
    assert payload["provenance"] == PROVENANCE
    assert payload["rows"][1]["f0_median_hz"] is None and payload["rows"][2]["error"] is None
    assert payload["rows"][0]["f0_median_hz"] == 110.123456789012345
