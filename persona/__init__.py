"""persona: how far your agent's voice sits from your best human agents, per call scenario."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("persona")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from .errors import (  # noqa: E402
    AudioError,
    BenchmarkError,
    ClippingWarning,
    ParameterError,
    PersonaError,
    SurveyError,
)

_LAZY = {
    "COLUMNS": "features", "Profiler": "features", "profile": "features",
    "Audio": "io", "from_array": "io", "load": "io", "telephone": "io",
}  # fmt: skip
"""Public names imported on first use, so ``import persona`` (and the CLI's start-up) stays light."""


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'persona' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "__version__",
    "Audio",
    "COLUMNS",
    "Profiler",
    "profile",
    "AudioError",
    "BenchmarkError",
    "ClippingWarning",
    "ParameterError",
    "PersonaError",
    "SurveyError",
    "from_array",
    "load",
    "telephone",
]
