"""Human benchmark per scenario: build it, score voices against it, compare them, prescribe and preview fixes.

>>> from persona import benchmark as pb
>>> bench = pb.build_benchmark("reference_audio")                                   # doctest: +SKIP
>>> scores = pb.score_files(["agents/piper_joe"], bench, scenario="billing_dispute")  # doctest: +SKIP
>>> pb.compare_voices(scores).ranking                                             # doctest: +SKIP
"""

from . import register, typicality
from .build import Benchmark, FeatureStats, build_benchmark, from_profiles, load_benchmark, profile_reference
from .compare import Comparison, compare_voices
from .features import FEATURES, Feature, feature_values
from .prescribe import Prescription, prescribe, prescriptions, voice_prescription
from .preview import Preview, apply_prescription, preview
from .reference import bundled_reference, read_reference, voice_files
from .score import Scores, describe, score_files, score_profiles, voice_values, with_context

__all__ = [
    "register", "typicality",
    "Benchmark", "FeatureStats", "build_benchmark", "from_profiles", "load_benchmark", "profile_reference",
    "Comparison", "compare_voices",
    "FEATURES", "Feature", "feature_values",
    "Prescription", "prescribe", "prescriptions", "voice_prescription",
    "Preview", "apply_prescription", "preview",
    "bundled_reference", "read_reference", "voice_files",
    "Scores", "describe", "score_files", "score_profiles", "voice_values", "with_context",
]  # fmt: skip
