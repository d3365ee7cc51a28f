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
from .features import COLUMNS, Profiler, profile  # noqa: E402
from .io import Audio, from_array, load, telephone  # noqa: E402

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
