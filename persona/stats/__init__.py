"""Statistics of listening tests (ITU-T P.800/P.808, ITU-R BS.1534) on the tidy responses table.

One module per question: :mod:`~persona.stats.screening` (who is excluded),
:mod:`~persona.stats.acr` (MOS, agent minus human), :mod:`~persona.stats.preference` (AB,
Bradley-Terry), :mod:`~persona.stats.identification` (human or AI, d'),
:mod:`~persona.stats.mushra`, :mod:`~persona.stats.agreement` (Krippendorff's alpha),
:mod:`~persona.stats.power` (sample size), :mod:`~persona.stats.acoustics` (ratings versus
acoustic deviations); :func:`analyze_study` runs them all. :func:`simulate_panel` makes a
listener panel with planted effects; :mod:`~persona.stats.calibration` makes panels that break
the analysis' assumptions and checks every reported test on them. Listeners are the unit of every
test; each family of tests is Holm-adjusted with simultaneous intervals beside it.

The tests need statsmodels and krippendorff, the optional ``stats`` dependencies
(``pip install 'persona[stats]'``); names load on first use, so the responses table
(:mod:`~persona.stats.responses`), which the trial store uses, and the simulator need neither.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "analysis": ["AnalysisOptions", "StudyAnalysis", "analyze_study"],
        "responses": ["RESPONSE_COLUMNS", "read_responses_csv", "validate_responses"],
        "simulate": ["PanelSpec", "simulate_deviations", "simulate_panel"],
    },
)
