"""Writing result tables with their provenance: CSV (+ side JSON), JSON, Parquet, or CSV on stdout.

CSV cells a spreadsheet would run as formulas are written inert (:mod:`persona.hygiene`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from .errors import ParameterError
from .extras import require
from .hygiene import restore_cell, write_csv

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
        provenance_path(path).write_text(json.dumps(prov, indent=2, default=str))
    elif suffix == ".json":
        payload = {"provenance": prov, "rows": json.loads(frame.to_json(orient="records"))}
        path.write_text(json.dumps(payload, indent=2, default=str))
    else:
        pa = require("pyarrow", "parquet", f"{path}: writing Parquet")
        pq = require("pyarrow.parquet", "parquet", f"{path}: writing Parquet")

        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = {**(table.schema.metadata or {}), b"persona.provenance": json.dumps(prov, default=str).encode()}
        pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def read(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write`, restoring ``attrs["provenance"]``."""
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
