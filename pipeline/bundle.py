"""Stage 4: merge the cover and every document into one editable Word bundle."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxcompose.composer import Composer


def merge_bundle(cover: Path, documents: list[Path], target: Path, context: dict[str, Any]) -> Path:
    """Cover first (its header, footer and styles win), then each document on a new page."""
    master = Document(cover)
    composer = Composer(master)
    for document in documents:
        master.add_page_break()
        composer.append(Document(document))
    set_properties(master, context)
    ask_word_to_update_fields(master)
    composer.save(target)
    return target


def set_properties(document, context: dict[str, Any]) -> None:
    """Title and author for Word and the PDF; timestamps fixed to the packet date."""
    properties = document.core_properties
    agency = context["agency"]
    properties.title = f"Human Trafficking Response Packet {context['packet']['year']}"
    properties.subject = agency["legal_name"]
    properties.author = agency["legal_name"]
    properties.last_modified_by = agency["legal_name"]
    properties.keywords = "human trafficking; response protocol; policy and procedure"
    stamp = datetime.combine(datetime.fromisoformat(context["packet"]["date"]).date(), time(12))
    properties.created = properties.modified = stamp
    properties.revision = 1


def ask_word_to_update_fields(document) -> None:
    """Word refreshes the table of contents when the bundle is opened."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)
