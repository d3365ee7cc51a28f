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

import lazy_loader  # noqa: E402

# Public names load on first use (scientific-python's lazy_loader, as in persona.benchmark), so
# ``import persona`` and the command line's start-up stay light.
__getattr__, _, _lazy_all = lazy_loader.attach(
    __name__,
    submod_attrs={"features": ["COLUMNS", "Profiler", "profile"], "io": ["Audio", "from_array", "load", "telephone"]},
)
__all__ = sorted(
    ["__version__", "AudioError", "BenchmarkError", "ClippingWarning", "ParameterError", "PersonaError", "SurveyError", *_lazy_all]
)



def __dir__() -> list[str]:
    return __all__
