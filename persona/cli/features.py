"""``persona features``: the acoustic profile of files and folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ParameterError
from ._common import Jobs, Strict, Syllables, failed_rows, friendly_errors, report_failures, strict_exit, syllables_option


def read_transcripts(path: Path) -> dict[str, str]:
    """Transcripts from a ``.txt`` (one file's text, keyed ``""``) or a CSV with ``file, transcript`` columns."""
    if path.suffix.lower() == ".csv":
        import pandas as pd

        frame = pd.read_csv(path, dtype=str).fillna("")
        missing = {"file", "transcript"} - set(frame.columns)
        if missing:
            raise ParameterError(f"{path}: transcript manifest lacks column(s) {', '.join(sorted(missing))}")
        return dict(zip(frame["file"], frame["transcript"]))
    return {"": path.read_text(encoding="utf-8").strip()}


@friendly_errors
def features(
    paths: Annotated[list[Path], typer.Argument(metavar="AUDIO", help="Audio files or folders (searched recursively).")],
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Output .csv, .json or .parquet; CSV on stdout if absent.")] = None,
    channel: Annotated[Optional[int], typer.Option(help="0-based channel of multi-channel files (default: mix all).")] = None,
    telephone: Annotated[bool, typer.Option("--telephone", help="Measure through a G.711 telephone chain (300-3400 Hz, 8 kHz, mu-law).")] = False,
    transcript: Annotated[
        Optional[Path],
        typer.Option(exists=True, dir_okay=False, help="Transcript: .txt for a single file, or CSV with file,transcript columns."),
    ] = None,
    jobs: Jobs = None,
    syllables: Syllables = None,
    pause_min_s: Annotated[float, typer.Option(min=0.0, help="Shortest silence counted as a pause (s).")] = 0.25,
    full_band_pitch: Annotated[
        bool, typer.Option("--full-band-pitch", help="Read pitch full-band, like Praat's default, not in the telephone band (then not telephone-invariant).")
    ] = False,
    max_duration_s: Annotated[
        Optional[float], typer.Option(min=1.0, show_default="3600, one hour", help="Longest recording accepted (s); longer files get an error row.")
    ] = None,
    strict: Strict = False,
) -> None:
    """Profile pitch, pace, energy and voice quality: one row per recording, units in column names.

    A file that cannot be measured gets a row with its reason in the error column, an "error: FILE:
    reason" line on stderr, and the others go on. Provenance goes to OUT.provenance.json (CSV), the
    "provenance" key (JSON) or the schema metadata (Parquet).
    """
    from .. import tables
    from ..features import COLUMNS, Profiler

    if out is not None:
        tables.output_format(out)
    texts = read_transcripts(transcript) if transcript else None
    files = [str(p) for p in paths]
    if texts is not None and "" in texts:
        texts = {f: texts[""] for f in files}
    limit = {} if max_duration_s is None else {"max_duration_s": max_duration_s}
    profiler = Profiler.create(telephone=telephone, pause_min_s=pause_min_s, in_telephone_band=not full_band_pitch, **limit, **syllables_option(syllables))
    rows = profiler.file_rows(files, channel=channel, transcripts=texts, jobs=jobs, progress=True)
    written = tables.write_rows(rows, COLUMNS, profiler.provenance(), out)
    strict_exit(strict, report_failures(failed_rows(rows), len(rows), done="profiled", out=written))
