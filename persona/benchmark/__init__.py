"""Human benchmark per scenario: build it, score voices against it, compare them, prescribe and preview fixes.

>>> from persona import benchmark as pb
>>> bench = pb.build_benchmark("reference_audio")                                   # doctest: +SKIP
>>> scores = pb.score_files(["agents/piper_joe"], bench, scenario="billing_dispute")  # doctest: +SKIP
>>> pb.compare_voices(scores).ranking                                             # doctest: +SKIP
"""

import lazy_loader

# Names load on first use (scientific-python's lazy_loader), so a caller that needs only the
# feature table or the JSON reader does not pay for the whole measurement stack.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["humanlike", "register", "typicality"],
    submod_attrs={
        "build": ["Benchmark", "FeatureStats", "build_benchmark", "from_profiles", "load_benchmark", "profile_reference"],
        "compare": ["Comparison", "compare_voices"],
        "features": ["FEATURES", "Feature", "feature_values"],
        "prescribe": ["Prescription", "prescribe", "prescriptions", "voice_prescription"],
        "preview": ["Preview", "apply_prescription", "preview"],
        "reference": ["bundled_reference", "read_reference", "voice_files"],
        "score": ["Scores", "describe", "score_files", "score_profiles", "voice_values", "with_context"],
    },
)
