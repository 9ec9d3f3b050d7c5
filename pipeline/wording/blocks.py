"""A document's body as blocks a person can point at: headings, paragraphs, list items, tables.

Every block of the standard text has a reference: the section it sits in (its heading's words,
`policy/staff-training-and-supports`) and, for what follows a heading, its place in that
section (`policy/staff-training-and-supports/2`). References are computed on the standard
document, before the agency's changes, so a change elsewhere never moves them.

Word and LibreOffice rewrite a file freely on save, so a block is read by its text and style
name, never by ids: runs split at every edit are joined again, tracked insertions count as
written and tracked deletions as gone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from docx.oxml.ns import qn

from pipeline.wording.markup import Segment, escape, segments_markup

HEADING, PARAGRAPH, BULLET, NUMBER, CALLOUT, SMALL, TABLE = (
    "heading",
    "paragraph",
    "bullet",
    "number",
    "callout",
    "small",
    "table",
)
# Kinds a change can add, in the order the wording file's schema lists them.
ADDABLE = (PARAGRAPH, BULLET, NUMBER, HEADING, CALLOUT)
GONE = {qn("w:del"), qn("w:moveFrom")}  # tracked removals: their text is not the document's
TEXT_TAGS = {qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:noBreakHyphen")}


@dataclass
class Block:
    """One heading, paragraph, list item or table of a document body."""

    document: str  # the document's id: policy, assessment, directory, training
    kind: str
    level: int  # a heading's level, 0 for the rest
    text: str  # plain text, spaces collapsed
    markup: str  # text with **bold**, *italic* and [links](https://...)
    element: Any
    ref: str = ""  # "" for tables and for blocks of an edited file not matched to the standard

    @property
    def section(self) -> str:
        """The section reference of a block: itself for a heading."""
        return self.ref if self.kind == HEADING else self.ref.rpartition("/")[0]


def read_blocks(document, document_id: str) -> list[Block]:
    """The blocks of a python-docx Document's body, with references (the standard's)."""
    names = style_names(document)
    links = {rid: rel.target_ref for rid, rel in document.part.rels.items() if rel.is_external}
    blocks = []
    for element in body_elements(document.element.body):
        block = read_block(element, document_id, names, links)
        if block is not None:
            blocks.append(block)
    give_references(blocks, document_id)
    return blocks


def body_elements(body) -> list[Any]:
    """Paragraphs and tables in reading order; block-level content controls opened."""
    found = []
    for child in body:
        if child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            found += body_elements(content) if content is not None else []
        elif child.tag in (qn("w:p"), qn("w:tbl")):
            found.append(child)
    return merge_deleted_marks(found)


def merge_deleted_marks(elements: list[Any]) -> list[Any]:
    """A paragraph whose mark was deleted as a tracked change runs on into the next one: the
    pair reads as one paragraph (the first's runs are read before the second's)."""
    merged: list[Any] = []
    carried: list[Any] = []
    for element in elements:
        if element.tag == qn("w:p") and mark_deleted(element):
            carried.append(element)
            continue
        if carried and element.tag == qn("w:p"):
            element = JoinedParagraph([*carried, element])
        else:
            merged += carried
        carried = []
        merged.append(element)
    return merged + carried


class JoinedParagraph:
    """Paragraphs joined by deleted paragraph marks; read as the last one's style."""

    def __init__(self, parts: list[Any]):
        self.parts = parts
        self.tag = qn("w:p")

    def find(self, path: str):
        return self.parts[-1].find(path)

    def iter(self, *tags):
        for part in self.parts:
            yield from part.iter(*tags)


def mark_deleted(paragraph) -> bool:
    properties = paragraph.find(qn("w:pPr"))
    marks = properties.find(qn("w:rPr")) if properties is not None else None
    return marks is not None and marks.find(qn("w:del")) is not None


def read_block(element, document_id: str, names: dict[str, str], links: dict[str, str]):
    if element.tag == qn("w:tbl"):
        cells = [" ".join(paragraph_text(p).split()) for p in element.iter(qn("w:p"))]
        text = " | ".join(cell for cell in cells if cell)
        return Block(document_id, TABLE, 0, text, escape(text), element) if text else None
    segments = paragraph_segments(element, links)
    text = " ".join("".join(segment.text for segment in segments).split())
    if not text:
        return None
    kind, level = paragraph_kind(element, names)
    return Block(document_id, kind, level, text, segments_markup(segments), element)


def style_names(document) -> dict[str, str]:
    """Style id -> its name in lower case (`ListBullet` -> `list bullet`)."""
    names = {}
    for style in document.styles.element.iter(qn("w:style")):
        name = style.find(qn("w:name"))
        if name is not None:
            names[style.get(qn("w:styleId"))] = name.get(qn("w:val"), "").lower()
    return names


def paragraph_kind(paragraph, names: dict[str, str]) -> tuple[str, int]:
    properties = paragraph.find(qn("w:pPr"))
    style = properties.find(qn("w:pStyle")) if properties is not None else None
    name = names.get(style.get(qn("w:val")), "") if style is not None else ""
    if heading := re.fullmatch(r"heading (\d)", name):
        return HEADING, int(heading.group(1))
    if name.startswith("list number"):
        return NUMBER, 0
    if name.startswith("list bullet"):
        return BULLET, 0
    if name in ("callout", "small"):
        return name, 0
    numbered = properties is not None and properties.find(qn("w:numPr")) is not None
    return (BULLET if numbered or name == "list paragraph" else PARAGRAPH), 0


def paragraph_text(paragraph) -> str:
    return "".join(segment.text for segment in paragraph_segments(paragraph, {}))


def paragraph_segments(paragraph, links: dict[str, str]) -> list[Segment]:
    """The paragraph's text as runs of one look: bold, italic, the link they belong to."""
    segments: list[Segment] = []
    # A drawing's text boxes (the quick reference's flowchart) are not the paragraph's text:
    # the chart is drawn again from the inputs on every build.
    boxed = {id(run) for box in paragraph.iter(qn("w:txbxContent")) for run in box.iter(qn("w:r"))}
    for run in paragraph.iter(qn("w:r")):
        if removed(run) or id(run) in boxed:
            continue
        text = "".join(run_text(node) for node in run if node.tag in TEXT_TAGS)
        if text:
            bold, italic = run_look(run)
            segments.append(Segment(text, bold, italic, run_link(run, links)))
    return segments


def removed(run) -> bool:
    """True for a run inside a tracked deletion or move away."""
    parent = run.getparent()
    while parent is not None and parent.tag != qn("w:p"):
        if parent.tag in GONE:
            return True
        parent = parent.getparent()
    return False


def run_text(node) -> str:
    if node.tag == qn("w:t"):  # without the break opportunities the packet put in addresses
        return (node.text or "").replace("\u200b", "")
    return "-" if node.tag == qn("w:noBreakHyphen") else " "


def run_look(run) -> tuple[bool, bool]:
    properties = run.find(qn("w:rPr"))
    if properties is None:
        return False, False
    style = properties.find(qn("w:rStyle"))
    style_id = (style.get(qn("w:val")) or "").lower() if style is not None else ""
    return (
        switched_on(properties.find(qn("w:b"))) or style_id == "strong",
        switched_on(properties.find(qn("w:i"))) or style_id == "emphasis",
    )


def switched_on(toggle) -> bool:
    return toggle is not None and toggle.get(qn("w:val"), "true").lower() not in ("0", "false")


def run_link(run, links: dict[str, str]) -> str:
    parent = run.getparent()
    if parent is None or parent.tag != qn("w:hyperlink"):
        return ""
    target = links.get(parent.get(qn("r:id")), "")
    # `#bookmark`: a link within the document (the bundle's form, bundle.describe_links), which
    # the templates make, not the agency's wording.
    return "" if target.startswith("#") else target


def give_references(blocks: list[Block], document_id: str) -> None:
    """`policy/<section>` for headings, `policy/<section>/<n>` for what follows them."""
    taken: set[str] = set()
    parents: list[tuple[int, str]] = []  # (level, section key) of the headings above
    section, count = "start", 0
    for block in blocks:
        if block.kind == HEADING:
            while parents and parents[-1][0] >= block.level:
                parents.pop()
            key = slug(block.text)
            if key in taken and parents:
                key = f"{parents[-1][1]}/{key}"
            base, number = key, 2
            while key in taken:
                key, number = f"{base}-{number}", number + 1
            taken.add(key)
            parents.append((block.level, key))
            section, count = key, 0
            block.ref = f"{document_id}/{key}"
        elif block.kind != TABLE:
            count += 1
            block.ref = f"{document_id}/{section}/{count}"


def slug(text: str) -> str:
    """`Step 1: Notice red flags` -> `step-1-notice-red-flags`, at most about 48 letters."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", plain).split()
    key = ""
    for word in words:
        if key and len(key) + len(word) > 48:
            break
        key = f"{key}-{word}" if key else word
    if not key or key.isdigit():
        key = f"section-{key}" if key else "section"
    return key
