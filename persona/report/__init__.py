"""Reports: a generic HTML/Markdown page builder, figures, the listening-test report, and number formatting.

``Report`` and ``Section`` load matplotlib, so they are imported on first use: the command line's
tables can use :mod:`persona.report.format` without it.
"""


def __getattr__(name: str):
    if name in ("Report", "Section"):
        from . import html

        return getattr(html, name)
    raise AttributeError(f"module 'persona.report' has no attribute {name!r}")


__all__ = ["Report", "Section"]
