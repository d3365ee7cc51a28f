"""Uploaded files, stored safely in a per-user working folder and validated like the CLI's input.

A browser supplies a file name and bytes; neither is trusted. The name is reduced to one safe
path component (no separators, no ``..``, no control characters, bounded length), the file is
created exclusively inside the working folder, checked against size and duration limits, and
decoded by :func:`persona.io.load`. A file that fails any check is removed again.

>>> folder = new_working_folder()                              # doctest: +SKIP
>>> store_upload(folder.name, "../../etc/passwd.wav", data, voice="vendor A")  # doctest: +SKIP
PosixPath('/tmp/persona-workbench-k2j3/vendor_A/passwd.wav')
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path


from .. import io
from ..errors import AudioError, CorruptAudioError

UPLOAD_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")
"""Audio types accepted from a browser upload (the issue's WAV/FLAC/OGG/MP3)."""

_UNSAFE_CHARS = re.compile(r"[^\w.\-]+")  # \w keeps letters and digits of every script
_MAX_NAME_BYTES = 120  # well under the 255-byte limit of common file systems


class UploadTooLargeError(AudioError):
    """The upload exceeds the size limit."""


class UploadTooLongError(AudioError):
    """The upload's duration exceeds the duration limit."""


class UnsupportedUploadError(AudioError):
    """The upload's file type is not accepted."""


@dataclass(frozen=True)
class UploadLimits:
    """What an upload may be.

    Parameters
    ----------
    max_bytes : int
        Largest accepted file, in bytes.
    max_duration_s : float
        Longest accepted recording, in seconds (read from the header before decoding).
    min_duration_s : float
        Shortest accepted recording, in seconds (as :func:`persona.io.load`).
    suffixes : tuple of str
        Accepted file name endings, lower case with the dot.
    """

    max_bytes: int = 20 * 2**20
    max_duration_s: float = 120.0
    min_duration_s: float = 0.5
    suffixes: tuple[str, ...] = UPLOAD_SUFFIXES

    @property
    def max_megabytes(self) -> float:
        """Size limit in MB of 2^20 bytes (the unit of Streamlit's ``max_upload_size``)."""
        return self.max_bytes / 2**20


def new_working_folder() -> tempfile.TemporaryDirectory:
    """A fresh private working folder (mode 0700) that is deleted when the returned object is."""
    return tempfile.TemporaryDirectory(prefix="persona-workbench-")


def safe_name(name: str, *, default: str = "upload") -> str:
    """Reduce an untrusted file name to one safe path component.

    Keeps only the last component of ``name`` (``/`` and ``\\`` both separate), cleans it like
    :func:`safe_label`, lower-cases the suffix, and shortens the stem so the name fits in
    120 UTF-8 bytes, keeping the suffix.

    >>> safe_name("../../etc/passwd.WAV")
    'passwd.wav'
    >>> safe_name("..")
    'upload'
    """
    text = _clean(name.replace("\\", "/").rsplit("/", 1)[-1])
    stem, dot, suffix = text.rpartition(".")
    if not dot:
        stem, suffix = text, ""
    suffix = (dot + suffix.lower())[:16]
    stem = _truncate_utf8(stem.rstrip("._"), _MAX_NAME_BYTES - len(suffix.encode()))
    return f"{stem}{suffix}" if stem else f"{default}{suffix}"


def safe_label(text: str, *, default: str = "voice") -> str:
    """Reduce untrusted text (a voice or speaker name) to letters, digits, ``.``, ``-`` and ``_``.

    Normalises Unicode (NFKC), drops control and format characters (NUL included), replaces
    every other run of characters by ``_``, strips leading and trailing dots, underscores and
    spaces, and bounds the result to 120 UTF-8 bytes; empty text gives ``default``.

    >>> safe_label("Vendor A / v2")
    'Vendor_A_v2'
    """
    return _truncate_utf8(_clean(text), _MAX_NAME_BYTES).rstrip("._") or default


def _clean(text: str) -> str:
    """NFKC text without control/format characters, other runs of unsafe characters as ``_``."""
    kept = "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch)[0] != "C")
    return _UNSAFE_CHARS.sub("_", kept).strip("._ ")


def _truncate_utf8(text: str, max_bytes: int) -> str:
    """Longest prefix of ``text`` whose UTF-8 encoding fits in ``max_bytes`` (no split characters)."""
    return text.encode()[:max_bytes].decode(errors="ignore")


def shown_name(name: str, *, max_chars: int = 80) -> str:
    """An untrusted name made safe to echo in a message: quoted, escaped, bounded."""
    return repr(name if len(name) <= max_chars else name[: max_chars - 1] + "…")


def write_new_file(folder: str | os.PathLike, name: str, data: bytes) -> Path:
    """Create ``folder/safe_name(name)`` exclusively and write ``data``; never overwrites.

    A taken name (a file, folder or symbolic link) gets ``-2``, ``-3``, ... before the suffix.
    """
    root = Path(folder).resolve()
    root.mkdir(parents=True, exist_ok=True)
    clean = safe_name(name)
    stem, suffix = os.path.splitext(clean)
    for n in range(1, 10_000):
        candidate = root / (clean if n == 1 else f"{stem}-{n}{suffix}")
        try:
            with open(candidate, "xb") as handle:  # O_CREAT | O_EXCL: no overwrite, no symlink follow
                handle.write(data)
            return candidate
        except FileExistsError:
            continue
    raise CorruptAudioError(shown_name(name), "too many uploads with this name")


def check_upload(name: str, size_bytes: int, *, limits: UploadLimits = UploadLimits()) -> None:
    """Refuse an upload by type or size before anything is written.

    Raises
    ------
    UnsupportedUploadError, UploadTooLargeError
        The message names the file and the limit.
    """
    suffix = os.path.splitext(safe_name(name))[1]
    if suffix not in limits.suffixes:
        accepted = ", ".join(s.lstrip(".").upper() for s in limits.suffixes)
        raise UnsupportedUploadError(shown_name(name), f"file type {suffix or '(none)'} is not accepted; upload {accepted}")
    if size_bytes > limits.max_bytes:
        raise UploadTooLargeError(
            shown_name(name), f"{size_bytes / 2**20:.1f} MB is over the {limits.max_megabytes:g} MB limit per file"
        )


def store_upload(
    folder: str | os.PathLike,
    name: str,
    data: bytes,
    *,
    voice: str | None = None,
    limits: UploadLimits = UploadLimits(),
) -> Path:
    """Store one uploaded audio file in ``folder`` (or its ``voice`` subfolder) and validate it.

    Parameters
    ----------
    folder : path
        The user's working folder; nothing is written outside it.
    name : str
        File name as sent by the browser (untrusted).
    data : bytes
        File content.
    voice : str, optional
        Voice the file belongs to; becomes a sanitised subfolder name.
    limits : UploadLimits
        Size, duration and type limits.

    Returns
    -------
    Path
        The stored file, inside ``folder``.

    Raises
    ------
    AudioError
        :class:`UnsupportedUploadError`, :class:`UploadTooLargeError`,
        :class:`UploadTooLongError`, or any error of :func:`persona.io.load`; each message
        names the uploaded file. A refused file is removed.
    """
    check_upload(name, len(data), limits=limits)
    target = Path(folder) / safe_label(voice) if voice else Path(folder)
    path = write_new_file(target, name, data)
    try:
        _check_duration(path, name, limits=limits)
        io.load(path, min_duration_s=limits.min_duration_s)
    except AudioError as exc:
        path.unlink(missing_ok=True)
        raise type(exc)(shown_name(name), exc.problem.replace(str(path), shown_name(name))) from None
    return path


def _check_duration(path: Path, name: str, *, limits: UploadLimits) -> None:
    """Refuse a recording longer than the limit from its header, before decoding it whole."""
    info = io.check_header(path)
    duration_s = info.frames / info.samplerate
    if duration_s > limits.max_duration_s:
        raise UploadTooLongError(
            shown_name(name), f"{duration_s:.1f} s long, over the {limits.max_duration_s:.0f} s limit per file"
        )


def uploaded_voices(folder: str | os.PathLike) -> dict[str, list[Path]]:
    """Voices stored in ``folder`` by :func:`store_upload`: subfolder name -> its audio files, sorted.

    A folder that does not exist yet holds no voices.
    """
    root = Path(folder)
    if not root.is_dir():
        return {}
    return {
        sub.name: files
        for sub in sorted(p for p in root.iterdir() if p.is_dir())
        if (files := list(io.iter_audio_files([sub], suffixes=frozenset(UPLOAD_SUFFIXES))))
    }


def remove_uploaded_voice(folder: str | os.PathLike, voice: str) -> None:
    """Delete the ``voice`` subfolder of ``folder`` (a name listed by :func:`uploaded_voices`)."""
    target = Path(folder) / safe_label(voice)
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
