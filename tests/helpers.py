"""Reading generated documents the way a person would: their text, styles and XML."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader


def cell_text(cell) -> str:
    """A table cell's text including content controls (checkboxes), which python-docx skips."""
    paragraphs = cell._tc.iter(qn("w:p"))
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in paragraphs)


def docx_text(path: Path) -> str:
    """All paragraph and table text of a .docx, headers and footers included."""
    document = Document(path)
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell_text(cell) for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def outline_titles(path: Path) -> list[str]:
    """Top-level PDF bookmarks."""
    return [item.title for item in PdfReader(path).outline if not isinstance(item, list)]


LEFTOVERS = ("{{", "}}", "{%", "%}", "(Insert", "[The agency may")
