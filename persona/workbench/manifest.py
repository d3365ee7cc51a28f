"""Appending rows to ``reference_audio/manifest.csv`` so that no write ever corrupts or loses rows.

Writers take an exclusive ``fcntl.flock`` on a lock file beside the manifest, read the current
text, write the whole new text to a temporary file in the same folder, ``fsync`` it and
``os.replace`` it over the manifest. Readers therefore always see either the old or the new
complete file, concurrent writers queue instead of overwriting each other, and a write that
fails at any point leaves the old manifest untouched.
"""

from __future__ import annotations

import csv
import fcntl
import io as textio
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import BenchmarkError

REQUIRED_COLUMNS = ("file", "scenario", "speaker", "role")


@contextmanager
def locked(manifest: str | os.PathLike) -> Iterator[None]:
    """Hold an exclusive lock on ``<manifest>.lock`` (blocks until other writers are done)."""
    lock_path = Path(f"{manifest}.lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def append_rows(manifest: str | os.PathLike, rows: Sequence[Mapping[str, object]], *, drop_unknown: bool = False) -> None:
    """Append ``rows`` to the manifest CSV atomically, under the manifest's lock.

    Existing lines are kept byte for byte; new rows follow the existing header's column order
    (missing fields are left empty). With ``drop_unknown``, fields of optional columns the
    manifest does not have are dropped instead of refused.

    Raises
    ------
    BenchmarkError
        The manifest is missing, has no header or lacks a required column, a row lacks a
        required field or has a column the manifest does not, or a row's ``file`` is already
        listed. Nothing is written then.
    """
    path = Path(manifest)
    with locked(path):
        if not path.is_file():
            raise BenchmarkError(f"{path}: manifest not found")
        text = path.read_text(encoding="utf-8")
        header, listed = _header_and_files(path, text)
        new_text = text + ("" if text.endswith("\n") or not text else "\n") + _rows_csv(path, header, listed, rows, drop_unknown=drop_unknown)
        _replace_atomically(path, new_text)


def _header_and_files(path: Path, text: str) -> tuple[list[str], set[str]]:
    """The manifest's column names and the set of files it lists."""
    reader = csv.DictReader(textio.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise BenchmarkError(f"{path}: manifest lacks column(s) {', '.join(missing)}")
    return list(header), {row["file"] for row in reader}


def _rows_csv(path: Path, header: list[str], listed: set[str], rows: Sequence[Mapping[str, object]], *, drop_unknown: bool) -> str:
    """``rows`` as CSV lines in ``header`` order, after checking columns and duplicates."""
    buffer = textio.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, restval="", extrasaction="ignore" if drop_unknown else "raise", lineterminator="\n")
    for row in rows:
        lacking = [c for c in REQUIRED_COLUMNS if not str(row.get(c, "")).strip()]
        if lacking:
            raise BenchmarkError(f"{path}: new row {dict(row)!r} lacks {', '.join(lacking)}")
        unknown = sorted(set(row) - set(header))
        if unknown and not drop_unknown:
            raise BenchmarkError(f"{path}: manifest has no column(s) {', '.join(unknown)}")
        if row["file"] in listed:
            raise BenchmarkError(f"{path}: {row['file']} is already listed")
        listed.add(str(row["file"]))
        writer.writerow(row)
    return buffer.getvalue()


def _replace_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary sibling, fsync it, and rename it over ``path``."""
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, path.stat().st_mode & 0o777)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
