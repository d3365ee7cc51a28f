"""Reference audio: read and validate ``reference_audio/`` (manifest or folder layout) and voice folders.

Layout::

    REF_DIR/manifest.csv                       file, scenario, speaker, role [, transcript, line_id, channel, register]
    REF_DIR/<scenario>/<human clips>           role human, speaker = manifest speaker (or file stem)
    REF_DIR/<scenario>/agents/<voice>/<clips>  role agent, speaker = voice

Without a manifest the layout alone defines scenario, role and speaker. The optional ``register``
(``low`` or ``high``: the speaker's pitch register, typically a man's or a woman's speaking voice)
lets pitch prescriptions aim at the agents of a voice's own register. Every function returns a
tidy DataFrame with absolute ``file`` paths and the columns of :data:`MANIFEST_COLUMNS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from .. import io
from ..errors import BenchmarkError

REQUIRED_COLUMNS = ("file", "scenario", "speaker", "role")
MANIFEST_COLUMNS = (*REQUIRED_COLUMNS, "transcript", "line_id", "channel", "register")
ROLES = ("human", "agent")
REGISTERS = ("low", "high")
AGENTS_DIR = "agents"
BUNDLED_DIR = "reference_audio"


def read_reference(ref_dir: str | Path) -> pd.DataFrame:
    """Every clip of a reference folder, from its ``manifest.csv`` or else from its layout.

    Raises
    ------
    BenchmarkError
        The folder is missing or holds no audio; the manifest lacks a required column, names a
        missing file, or has an unknown role.
    """
    root = Path(ref_dir)
    if not root.is_dir():
        raise BenchmarkError(f"{root}: reference folder not found")
    manifest = root / "manifest.csv"
    table = _read_manifest(manifest) if manifest.is_file() else _infer_layout(root)
    if table.empty:
        raise BenchmarkError(f"{root}: no audio files found (expected {root}/<scenario>/*.wav or a manifest.csv)")
    return table


def _read_manifest(manifest: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise BenchmarkError(f"{manifest}: not a readable CSV ({exc})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise BenchmarkError(f"{manifest}: missing column(s) {', '.join(missing)} (need {', '.join(REQUIRED_COLUMNS)})")
    for column in REQUIRED_COLUMNS:
        blank = table.index[table[column].str.strip() == ""]
        if len(blank):
            raise BenchmarkError(f"{manifest}: row {blank[0] + 2} has an empty {column!r}")
    bad_roles = sorted(set(table["role"]) - set(ROLES))
    if bad_roles:
        raise BenchmarkError(f"{manifest}: unknown role(s) {', '.join(bad_roles)}; use human or agent")
    bad_registers = sorted(set(table.get("register", pd.Series(dtype=str))) - {"", *REGISTERS})
    if bad_registers:
        raise BenchmarkError(f"{manifest}: unknown register(s) {', '.join(bad_registers)}; use low, high or leave it empty")
    table["file"] = [str((manifest.parent / f).resolve()) for f in table["file"]]
    absent = [f for f in table["file"] if not Path(f).is_file()]
    if absent:
        more = f" and {len(absent) - 1} more" if len(absent) > 1 else ""
        raise BenchmarkError(f"{manifest}: listed file {absent[0]} does not exist{more}")
    return _tidy(table)


def _infer_layout(root: Path) -> pd.DataFrame:
    rows = []
    for scenario_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for f in io.iter_audio_files([scenario_dir]):
            parts = f.relative_to(scenario_dir).parts
            is_agent = len(parts) >= 3 and parts[0] == AGENTS_DIR
            rows.append({
                "file": str(f.resolve()),
                "scenario": scenario_dir.name,
                "speaker": parts[1] if is_agent else f.stem,
                "role": "agent" if is_agent else "human",
            })  # fmt: skip
    return _tidy(pd.DataFrame(rows, columns=list(REQUIRED_COLUMNS)))


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    out = table.reindex(columns=list(MANIFEST_COLUMNS)).astype(object).fillna("")
    out["channel"] = pd.to_numeric(out["channel"].replace("", None), errors="coerce").astype("Int64")
    return out.reset_index(drop=True)


def humans(reference: pd.DataFrame, scenario: str | None = None) -> pd.DataFrame:
    """Human clips, of one scenario when given (unknown scenarios raise :class:`BenchmarkError`)."""
    table = reference[reference["role"] == "human"]
    if scenario is None:
        return table
    check_scenario(scenario, sorted(set(table["scenario"])))
    return table[table["scenario"] == scenario]


def agents(reference: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Agent clips of one scenario, ``voice`` = manifest speaker."""
    table = reference[(reference["role"] == "agent") & (reference["scenario"] == scenario)]
    return table.assign(voice=table["speaker"])


def check_scenario(scenario: str, known: Iterable[str]) -> None:
    """Raise :class:`BenchmarkError` naming the known scenarios when ``scenario`` is not one of them."""
    known = list(known)
    if scenario not in known:
        raise BenchmarkError(f"unknown scenario {scenario!r}; known: {', '.join(known) or '(none)'}")


def voice_files(paths: Iterable[str | Path]) -> pd.DataFrame:
    """Files to score with their voice: a folder's files are that folder's voice; a file given by itself is a voice named by its stem.

    Returns columns ``file`` (absolute) and ``voice``.
    """
    rows = []
    for item in paths:
        p = Path(item)
        if not p.exists():
            raise BenchmarkError(f"{p}: no such file or folder")
        files = list(io.iter_audio_files([p])) if p.is_dir() else [p]
        if not files:
            raise BenchmarkError(f"{p}: folder holds no audio files")
        voice = p.resolve().name if p.is_dir() else p.stem
        rows += [{"file": str(f.resolve()), "voice": voice} for f in files]
    return pd.DataFrame(rows, columns=["file", "voice"])


def with_manifest(files: pd.DataFrame, reference: pd.DataFrame | None) -> pd.DataFrame:
    """Attach ``transcript``, ``line_id``, ``channel`` and ``register`` to files listed in a manifest.

    A file's entry comes from ``reference`` when it lists the file, else from the nearest
    ``manifest.csv`` in the file's folder or above it (:func:`enclosing_manifests`), so the
    same clip is measured the same way whether the benchmark was built on the fly from a
    reference folder or loaded from a file.
    """
    text = ["transcript", "line_id", "register"]
    tables = [_tidy(pd.DataFrame(columns=list(MANIFEST_COLUMNS))), reference, enclosing_manifests(files["file"])]
    listed = pd.concat([t for t in tables if t is not None]).drop_duplicates("file")
    merged = files.merge(listed[["file", *text, "channel"]], on="file", how="left")
    merged[text] = merged[text].fillna("")
    merged["channel"] = merged["channel"].astype("Int64")
    return merged


def enclosing_manifests(files: Iterable[str]) -> pd.DataFrame | None:
    """Entries of the ``manifest.csv`` files found in the folders holding ``files`` or above them."""
    manifests = {parent / "manifest.csv" for f in files for parent in Path(f).parents if (parent / "manifest.csv").is_file()}
    tables = [_read_manifest(m) for m in sorted(manifests)]
    return pd.concat(tables, ignore_index=True) if tables else None


def bundled_reference(start: str | Path | None = None) -> Path:
    """The bundled ``reference_audio/`` folder: searched from ``start`` (default cwd) upwards, then beside the package.

    Raises
    ------
    BenchmarkError
        Not found (e.g. an installed wheel without the repository).
    """
    here = Path(start or Path.cwd()).resolve()
    candidates = [d / BUNDLED_DIR for d in (here, *here.parents)]
    candidates.append(Path(__file__).resolve().parents[2] / BUNDLED_DIR)
    for candidate in candidates:
        if (candidate / "manifest.csv").is_file():
            return candidate
    raise BenchmarkError(
        f"bundled {BUNDLED_DIR}/ not found from {here} or beside the persona package; "
        "run from a clone of the repository, or pass --reference REF_DIR"
    )
