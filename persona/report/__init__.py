"""Reports: a generic HTML/Markdown page builder, figures, and the listening-test report."""

from .html import Report, Section

__all__ = ["Report", "Section"]
