"""One error family for persona: every message names the file or field and what was wrong."""

from __future__ import annotations


class PersonaError(Exception):
    """Base class of every error persona raises on purpose."""


class ParameterError(PersonaError, ValueError):
    """An analysis parameter or command-line option is out of range or inconsistent."""


class AudioError(PersonaError):
    """A recording cannot be measured. ``path`` names the file (or ``<array>``)."""

    def __init__(self, path: str, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):
        """Rebuild from ``(path, problem)``: an error raised in a worker process must reach the parent intact."""
        return type(self), (self.path, self.problem)


class AudioNotFoundError(AudioError, FileNotFoundError):
    """The file does not exist or is not a regular file."""


class CorruptAudioError(AudioError):
    """The file is not audio, or its audio cannot be decoded."""


class EmptyAudioError(AudioError):
    """The file decodes to zero samples."""


class TooShortError(AudioError):
    """The recording is shorter than the minimum analysable duration."""


class TooLongError(AudioError):
    """The recording is longer than the longest accepted (checked before it is decoded)."""


class NonFiniteAudioError(AudioError):
    """The samples contain NaN or infinite values."""


class SilentAudioError(AudioError):
    """Digital silence, or no voiced speech was found."""


class ClippingWarning(UserWarning):
    """A large fraction of samples sit at full scale; measurements may be biased."""


class GatedLoudnessWarning(UserWarning):
    """Every block is below BS.1770's absolute gate (-70 LUFS): the recording has no integrated loudness."""


class PersonaWarning(UserWarning):
    """A result is usable but may not compare like for like (e.g. a benchmark built with other parameters)."""


class ClipLeftOutWarning(PersonaWarning):
    """A clip could not be measured and was left out of an aggregate; ``file`` and ``reason`` say which and why."""

    def __init__(self, file: str, reason: str):
        self.file, self.reason = str(file), str(reason)
        super().__init__(f"human clip left out: {self.reason}")

    def __reduce__(self):
        """Rebuild from ``(file, reason)``, as :meth:`AudioError.__reduce__`."""
        return type(self), (self.file, self.reason)


class BenchmarkError(PersonaError):
    """A reference folder, manifest or benchmark file is unusable."""


class SurveyError(PersonaError):
    """A survey definition or listener response is invalid."""


class StoreError(PersonaError):
    """The trial database refused an operation."""


class MissingExtraError(PersonaError, ImportError):
    """An optional dependency is needed and not installed; the message names the ``persona[extra]`` to install."""

    def __init__(self, extra: str, purpose: str):
        self.extra = extra
        super().__init__(f"{purpose} needs the optional '{extra}' dependencies: pip install 'persona[{extra}]'")
