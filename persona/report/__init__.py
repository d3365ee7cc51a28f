"""Reports: a generic HTML/Markdown page builder, figures, the listening-test report, and number formatting.

``Report`` and ``Section`` load matplotlib, so they load on first use (lazy_loader, as in
:mod:`persona.benchmark`): the command line's tables can use :mod:`persona.report.format` without it.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(__name__, submod_attrs={"html": ["Report", "Section"]})
