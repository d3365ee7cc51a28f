"""Writing result tables with their provenance: CSV (+ side JSON), JSON, Parquet, or CSV on stdout.

CSV cells a spreadsheet would run as formulas are written inert (:mod:`persona.hygiene`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .errors import ParameterError
from .extras import require
from .hygiene import restore_cell, write_csv, write_csv_rows

if TYPE_CHECKING:
    import pandas as pd  # imported where a frame is built or read: 0.5 s, more than profiling a short file

FORMATS = (".csv", ".json", ".parquet")


def provenance_path(out: Path) -> Path:
    """Side file holding a CSV's provenance: ``table.csv`` -> ``table.provenance.json``."""
    return out.with_suffix(".provenance.json")


def output_format(out: str | Path) -> str:
    """The suffix of ``out`` if it is a writable table format (and its extra is installed), else a :class:`PersonaError`."""
    suffix = Path(out).suffix.lower()
    if suffix not in FORMATS:
        raise ParameterError(f"{out}: unsupported output format {suffix or '(none)'}; use one of {', '.join(FORMATS)}")
    if suffix == ".parquet":
        require("pyarrow.parquet", "parquet", f"{out}: writing Parquet")
    return suffix


def write(frame: pd.DataFrame, out: str | Path | None) -> Path | None:
    """Write ``frame`` (provenance from ``frame.attrs["provenance"]``) by the suffix of ``out``.

    CSV gets a side ``.provenance.json``; JSON is ``{"provenance": ..., "rows": [...]}``;
    Parquet keeps provenance in its schema metadata. ``out=None`` writes CSV to stdout.
    """
    prov = frame.attrs.get("provenance", {})
    if out is None:
        write_csv(frame, sys.stdout)
        return None
    path = Path(out)
    suffix = output_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        write_csv(frame, path)
        _write_side_provenance(path, prov)
    elif suffix == ".json":
        _write_json(path, prov, json.loads(frame.to_json(orient="records")))
    else:
        pa = require("pyarrow", "parquet", f"{path}: writing Parquet")
        pq = require("pyarrow.parquet", "parquet", f"{path}: writing Parquet")

        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = {**(table.schema.metadata or {}), b"persona.provenance": json.dumps(prov, default=str).encode()}
        pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def write_rows(rows: list[dict], columns: Sequence[str], provenance: dict, out: str | Path | None) -> Path | None:
    """Write row dicts as :func:`write` writes a frame of them (``columns`` in order), building no frame for CSV and JSON.

    For rows straight from measurement (``persona features``): importing pandas takes longer than
    profiling a short file. Parquet goes through a frame.
    """
    if out is not None and output_format(out) == ".parquet":
        import pandas as pd

        frame = pd.DataFrame(rows, columns=list(columns))
        frame.attrs["provenance"] = provenance
        return write(frame, out)
    if out is None:
        write_csv_rows(rows, columns, sys.stdout)
        return None
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    if output_format(path) == ".csv":
        write_csv_rows(rows, columns, path)
        _write_side_provenance(path, provenance)
    else:
        _write_json(path, provenance, [jsonable({c: row.get(c) for c in columns}) for row in rows])
    return path


def jsonable(row: dict) -> dict:
    """``row`` with NaN and infinities as ``None`` and NumPy scalars as Python numbers, ready for :func:`json.dumps`."""
    out = {}
    for k, v in row.items():
        if isinstance(v, (float, np.floating)) and not np.isfinite(v):
            out[k] = None
        elif isinstance(v, np.generic):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def _write_side_provenance(path: Path, provenance: dict) -> None:
    provenance_path(path).write_text(json.dumps(provenance, indent=2, default=str))


def _write_json(path: Path, provenance: dict, rows: list[dict]) -> None:
    path.write_text(json.dumps({"provenance": provenance, "rows": rows}, indent=2, default=str))


def read(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write`, restoring ``attrs["provenance"]``."""
    import pandas as pd

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".csv":
        frame = pd.read_csv(p, keep_default_na=True).map(restore_cell)
        side = provenance_path(p)
        frame.attrs["provenance"] = json.loads(side.read_text()) if side.exists() else {}
    elif suffix == ".json":
        payload = json.loads(p.read_text())
        frame = pd.DataFrame(payload["rows"])
        frame.attrs["provenance"] = payload.get("provenance", {})
    elif suffix == ".parquet":
        pq = require("pyarrow.parquet", "parquet", f"{p}: reading Parquet")
        table = pq.read_table(p)
        frame = table.to_pandas()
        frame.attrs["provenance"] = json.loads((table.schema.metadata or {}).get(b"persona.provenance", b"{}"))
    else:
        raise ParameterError(f"{p}: unsupported table format {suffix or '(none)'}")
    return frame
