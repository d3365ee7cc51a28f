"""Acoustic feature extractors: pitch, pace, energy and voice quality, combined into a profile."""

from .pace import PaceParams
from .pitch import PitchParams
from .profile import COLUMNS, Profiler, profile

__all__ = ["COLUMNS", "PaceParams", "PitchParams", "Profiler", "profile"]
