"""A small, self-contained report builder: title, sections, tables, figures, provenance.

Renders the same content as one HTML file (figures embedded as base64 PNG, inline CSS, no
network access needed) or as Markdown (figures embedded as PNG data URIs). It knows nothing
about statistics or acoustics; callers build sections from their DataFrames and figures::

    report = Report("Listening test: demo", subtitle="30 listeners")
    section = report.section("Headline", text="What the panel said.")
    section.table(headline_frame, caption="One row per finding")
    section.figure(fig, caption="MOS with 95% CI")
    report.provenance = {"persona": "0.1.0"}
    report.write("report.html")
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ..errors import ParameterError
from ..hygiene import markdown_text
from .format import cells, provenance_items

FORMATS = (".html", ".md")
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:72rem;margin:2rem auto;
padding:0 1rem;color:#1f2328;line-height:1.45}
h1{margin-bottom:.2rem}.subtitle{color:#59636e;margin-top:0}
h2{border-bottom:1px solid #d1d9e0;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.85rem;display:block;overflow-x:auto}
th,td{border:1px solid #d1d9e0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}figure{margin:1rem 0}figure img{max-width:100%}
figcaption,.caption{color:#59636e;font-size:.85rem}.note{background:#fff8c5;padding:.5rem;border-radius:4px}
pre{background:#f6f8fa;padding:.75rem;overflow-x:auto;font-size:.8rem}
"""


@dataclass(frozen=True)
class _Text:
    text: str
    note: bool = False


@dataclass(frozen=True)
class _Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class _Table:
    frame: pd.DataFrame
    caption: str
    digits: int
    how_to_read: str = ""


@dataclass(frozen=True)
class _Figure:
    png: bytes
    caption: str


@dataclass
class Section:
    """One titled part of a report; add blocks in reading order (methods return ``self``)."""

    heading: str
    blocks: list = field(default_factory=list)

    def text(self, paragraph: str, *, note: bool = False) -> Section:
        """Add a paragraph (``note=True`` highlights it as a caveat)."""
        self.blocks.append(_Text(paragraph, note))
        return self

    def bullets(self, items) -> Section:
        """Add a bulleted list."""
        self.blocks.append(_Bullets(tuple(str(item) for item in items)))
        return self

    def table(self, frame: pd.DataFrame, *, caption: str = "", digits: int = 3, how_to_read: str = "") -> Section:
        """Add a table; each float column in fixed point with ``digits`` significant digits of its typical value
        (:func:`persona.report.format.cells`), NaN as an en dash; ``how_to_read`` is printed under it."""
        self.blocks.append(_Table(frame.copy(), caption, digits, how_to_read))
        return self

    def figure(self, figure: Figure, *, caption: str = "", dpi: int = 110) -> Section:
        """Add a matplotlib figure, rendered now to PNG at ``dpi``."""
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        self.blocks.append(_Figure(buffer.getvalue(), caption))
        return self


@dataclass
class Report:
    """A document of sections plus a provenance block, rendered as HTML or Markdown."""

    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)
    provenance: dict = field(default_factory=dict)

    def section(self, heading: str, *, text: str = "") -> Section:
        """Append and return a new section (with an optional first paragraph)."""
        section = Section(heading)
        if text:
            section.text(text)
        self.sections.append(section)
        return section

    def to_html(self) -> str:
        """The whole report as one self-contained HTML page."""
        parts = [f"<h1>{_esc(self.title)}</h1>"]
        if self.subtitle:
            parts.append(f'<p class="subtitle">{_esc(self.subtitle)}</p>')
        for section in self.sections:
            parts.append(f"<h2>{_esc(section.heading)}</h2>")
            parts += [_block_html(block) for block in section.blocks]
        if self.provenance:
            parts.append("<h2>Provenance</h2>")
            rows = "".join(f"<tr><th>{_esc(k)}</th><td>{_paragraphs_html(v)}</td></tr>" for k, v in provenance_items(self.provenance))
            parts.append(f'<table class="provenance">{rows}</table>')
        body = "\n".join(parts)
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>{_esc(self.title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n")  # fmt: skip

    def to_markdown(self) -> str:
        """The whole report as Markdown (figures as PNG data URIs)."""
        parts = [f"# {markdown_text(self.title)}"]
        if self.subtitle:
            parts.append(f"_{markdown_text(self.subtitle)}_")
        for section in self.sections:
            parts.append(f"## {markdown_text(section.heading)}")
            parts += [_block_markdown(block) for block in section.blocks]
        if self.provenance:
            parts.append("## Provenance")
            parts.append("\n".join(f"- **{markdown_text(k)}**: {markdown_text(v)}" for k, v in provenance_items(self.provenance)))
        return "\n\n".join(parts) + "\n"

    def write(self, path: str | Path) -> Path:
        """Write HTML or Markdown according to the suffix of ``path`` (.html or .md)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise ParameterError(f"{path}: report format must be one of {', '.join(FORMATS)}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_html() if suffix == ".html" else self.to_markdown(), encoding="utf-8")
        return path


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def _paragraphs_html(text: str) -> str:
    return "".join(f"<p>{_esc(p)}</p>" for p in text.split("\n\n")) if "\n\n" in text else _esc(text)


def _how_to_read(table: _Table, *, markdown: bool) -> str:
    if not table.how_to_read:
        return ""
    if markdown:
        return f"\n\n_How to read this:_ {markdown_text(table.how_to_read)}"
    return f'<p class="caption"><strong>How to read this:</strong> {_esc(table.how_to_read)}</p>'


def _block_html(block) -> str:
    if isinstance(block, _Text):
        return f'<p class="note">{_esc(block.text)}</p>' if block.note else f"<p>{_esc(block.text)}</p>"
    if isinstance(block, _Bullets):
        return "<ul>" + "".join(f"<li>{_esc(item)}</li>" for item in block.items) + "</ul>"
    if isinstance(block, _Table):
        caption = f'<p class="caption">{_esc(block.caption)}</p>' if block.caption else ""
        if block.frame.empty:
            return caption + "<p><em>(no rows)</em></p>"
        return caption + cells(block.frame, significant=block.digits).to_html(index=False, escape=True, border=0) + _how_to_read(block, markdown=False)
    encoded = base64.b64encode(block.png).decode("ascii")
    return (f'<figure><img alt="{_esc(block.caption)}" src="data:image/png;base64,{encoded}">'
            f"<figcaption>{_esc(block.caption)}</figcaption></figure>")  # fmt: skip


def _block_markdown(block) -> str:
    if isinstance(block, _Text):
        return f"> **Note:** {markdown_text(block.text)}" if block.note else markdown_text(block.text)
    if isinstance(block, _Bullets):
        return "\n".join(f"- {markdown_text(item)}" for item in block.items)
    if isinstance(block, _Table):
        caption = f"_{markdown_text(block.caption)}_\n\n" if block.caption else ""
        if block.frame.empty:
            return caption + "_(no rows)_"
        shown = cells(block.frame, significant=block.digits)
        lines = ["| " + " | ".join(markdown_text(c) for c in shown.columns) + " |",
                 "|" + "---|" * len(shown.columns)]  # fmt: skip
        lines += ["| " + " | ".join(markdown_text(v) for v in row) + " |" for row in shown.itertuples(index=False)]
        return caption + "\n".join(lines) + _how_to_read(block, markdown=True)
    encoded = base64.b64encode(block.png).decode("ascii")
    return f"![{markdown_text(block.caption)}](data:image/png;base64,{encoded})"
