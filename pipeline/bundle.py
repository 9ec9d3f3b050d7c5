"""Stage 4: merge the cover and every document into one editable Word bundle."""

from __future__ import annotations

import zipfile
from copy import deepcopy
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docxcompose.composer import Composer

HEADER_FOOTER_TAGS = ("w:headerReference", "w:footerReference", "w:titlePg")


def merge_bundle(cover: Path, documents: list[Path], target: Path, context: dict[str, Any]) -> Path:
    """Cover first (its header, footer and styles win), then each document from a new page.

    docxcompose keeps only the master's final section properties, so each part is closed with
    a section break of its own: landscape pages stay landscape, and every part starts a page.
    """
    master = Document(cover)
    composer = Composer(master)
    close_section(master, master.element.body.sectPr, keep_headers=True)
    strip_title_page(master.element.body.sectPr)
    parts = [Document(path) for path in documents]
    for index, part in enumerate(parts):
        for inner in part.element.body.iter(qn("w:sectPr")):
            strip_headers(inner)
        last = index == len(parts) - 1
        if last:
            adopt_page_setup(master.element.body.sectPr, part.element.body.sectPr)
        else:
            close_section(part, part.element.body.sectPr, keep_headers=False)
        composer.append(part)
    set_properties(master, context)
    ask_word_to_update_fields(master)
    composer.save(target)
    return target


def close_section(document, section_properties, keep_headers: bool) -> None:
    """End the document with a section break that carries its final page setup."""
    copy = deepcopy(section_properties)
    if not keep_headers:
        strip_headers(copy)
    paragraph = document.add_paragraph()
    paragraph._p.get_or_add_pPr().append(copy)


def strip_headers(section_properties) -> None:
    """Drop header/footer references: an appended part's own ones are not carried over."""
    for tag in HEADER_FOOTER_TAGS:
        for element in section_properties.findall(qn(tag)):
            section_properties.remove(element)


def strip_title_page(section_properties) -> None:
    for element in section_properties.findall(qn("w:titlePg")):
        section_properties.remove(element)


def adopt_page_setup(master_properties, part_properties) -> None:
    """Give the bundle's last section the last part's page size, orientation and margins."""
    for tag in ("w:pgSz", "w:pgMar"):
        mine, theirs = master_properties.find(qn(tag)), part_properties.find(qn(tag))
        if mine is not None and theirs is not None:
            mine.getparent().replace(mine, deepcopy(theirs))


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


def freeze_docx(path: Path, day: str) -> None:
    """Rewrite a .docx with every zip entry stamped at noon on `day`, for byte-identical builds."""
    stamp = (*date.fromisoformat(day).timetuple()[:3], 12, 0, 0)
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            frozen = zipfile.ZipInfo(info.filename, date_time=stamp)
            frozen.compress_type = zipfile.ZIP_DEFLATED
            frozen.external_attr = 0o644 << 16
            target.writestr(frozen, data)
