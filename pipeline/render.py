"""Stage 3: fill each document's docxtpl template with the render context."""

from __future__ import annotations

import re
from copy import deepcopy
from datetime import date, datetime, time
from functools import cache, lru_cache
from importlib.resources import files
from io import BytesIO
from itertools import pairwise
from pathlib import Path
from typing import Any

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateError, pass_context
from jinja2.sandbox import SandboxedEnvironment

from pipeline.compiled import compiled_code
from pipeline.errors import Problem, RenderError
from pipeline.locales import respell_template, set_paper

# Inside the package, so that an installed `packet` finds them from any folder.
TEMPLATE_DIR = Path(str(files("pipeline") / "templates"))
# Blank packets mark what the agency must fill in as ⟦...⟧; rendering shows it highlighted as [...].
FILL_IN_OPEN, FILL_IN_CLOSE = "⟦", "⟧"
FILL_IN = re.compile(f"({FILL_IN_OPEN}[^{FILL_IN_CLOSE}]*{FILL_IN_CLOSE})")
FILL_IN_STYLE = "FillIn"
# A paragraph for the consultant, not the agency ("Adapted: the Title X template says..."):
# taken out of the document and written to the packet's drafting notes.
DRAFTING_NOTE = "⟪note⟫"
DRAFTING_NOTES = "drafting-notes.md"
# E-mail addresses, web addresses and bare site names ("988lifeline.org") in the documents' text;
# in a narrow table column each may break only after "@", "." or "/", never inside a word
# ("languageaccesspartner s.example.org"). A zero-width space marks each such place: Word and
# LibreOffice break there when they must and show nothing.
ADDRESS = re.compile(
    r"(?:https?://|www\.)[^\s<>()\[\]]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:org|com|net|gov|edu|int|ca|uk|au|us)\b(?:/[^\s<>()]*)?",
    re.IGNORECASE,
)
# An assessment item's number in its row's first cell: 5.5, 10.6.
ITEM_NUMBER = re.compile(r"\d+(?:\.\d+)+")
BREAK_AFTER = re.compile(r"(?<=[@./])(?=[^/\s])(?!$)")
ZERO_WIDTH_SPACE = "\u200b"


def long_date(value: str | date | None, day_first: bool = False) -> str:
    """`2026-07-01` -> `July 1, 2026` (day first: `1 July 2026`); a fill-in field such as
    `⟦Date⟧` stays as it is."""
    if not value:
        return ""
    if isinstance(value, str) and value.startswith(FILL_IN_OPEN):
        return value
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%B} {day.year}" if day_first else f"{day:%B} {day.day}, {day.year}"


@pass_context
def long_date_filter(context, value: str | date | None) -> str:
    """long_date in the order of the packet's language (`locale.day_first`)."""
    return long_date(value, context.get("locale", {}).get("day_first", False))


def join_and(items: list[Any]) -> str:
    """`['a', 'b', 'c']` -> `a, b and c`."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


class TemplateEnvironment(SandboxedEnvironment):
    """Sandboxed and autoescaping: values are shown as typed, never run as template code.

    docxtpl compiles a template's XML on every render; compiled templates are kept in the
    process and between runs (pipeline.compiled), so a template is compiled once.
    """

    def __init__(self, language: str | None = None) -> None:
        super().__init__(autoescape=True)
        self.language = language
        self.filters.update(long_date=long_date_filter, join_and=join_and, capfirst=capfirst)

    @lru_cache(maxsize=64)  # noqa: B019  (one environment per language and process)
    def from_string(self, source: str, globals=None, template_class=None):
        # The template's own sentences in the packet's spelling; values are never respelt.
        code = compiled_code(self, respell_template(source, self.language))
        cls = template_class or self.template_class
        return cls.from_code(self, code, self.make_globals(globals), None)


@cache
def jinja_environment(language: str | None = None) -> TemplateEnvironment:
    return TemplateEnvironment(language)


def render_document(template_name: str, context: dict[str, Any], target: Path) -> Path:
    """Fill `pipeline/templates/<template_name>` and save it as `target`."""
    return render_revised(template_name, context, target)[0]


def render_revised(
    template_name: str, context: dict[str, Any], target: Path
) -> tuple[Path, list[Problem], list[str]]:
    """render_document with the agency's own wording applied; its problems and its drafting
    notes (taken out of the document) beside the file."""
    template = fill_template(template_name, context)
    problems = revise_document(template.docx, template_name, context)
    break_addresses(template.docx)
    keep_introductions(template.docx)
    let_leading_rows_run_on(template.docx)
    set_document_properties(template.docx, context, template_name)
    agency = context.get("agency", {})
    describe_pictures(template.docx, agency.get("logo_description") or agency.get("legal_name", ""))
    set_language(template.docx, context.get("language"))
    set_paper(template.docx, context.get("locale", {}).get("paper"))
    template.save(target)
    if context.get("blank"):
        highlight_fill_ins(target)
    return target, problems, template.drafting_notes


def fill_template(template_name: str, context: dict[str, Any]) -> DocxTemplate:
    """The template filled with the context, in memory."""
    template = DocxTemplate(TEMPLATE_DIR / template_name)
    values = dict(context)
    for name, image in context["images"].items():
        size = {image["dimension"]: Mm(image["mm"])}
        png = image["png"]  # cleaned by pipeline.images; the agency's file never goes in as it is
        values[name] = InlineImage(template, BytesIO(png), **size) if png else ""
    try:
        environment = jinja_environment(context.get("language"))
        template.render(values, jinja_env=environment, autoescape=True)
    except (TemplateError, TypeError, ValueError, KeyError, AttributeError) as error:
        raise RenderError(f"templates/{template_name} could not be filled: {error}") from error
    from pipeline.flowchart import draw_flowcharts, has_chart  # they read this module's marks

    if has_chart(TEMPLATE_DIR / template_name):
        draw_flowcharts(template.docx, context.get("locale", {}).get("paper"))
    template.drafting_notes = take_drafting_notes(template.docx)
    return template


def take_drafting_notes(document) -> list[str]:
    """The document's notes for the consultant, removed from it."""
    notes = []
    for paragraph in list(document.paragraphs):
        if paragraph.text.startswith(DRAFTING_NOTE):
            notes.append(paragraph.text.removeprefix(DRAFTING_NOTE).strip())
            paragraph._element.getparent().remove(paragraph._element)
    return notes


def revise_document(document, template_name: str, context: dict[str, Any], mark: bool = False):
    """The agency's changes to this document's standard text, applied in place."""
    from pipeline.wording.apply import revise  # the wording reads values as this module prints

    wording = context.get("wording")
    ids = [
        entry["id"] for entry in context.get("documents", []) if entry["template"] == template_name
    ]
    if not wording or not wording.changes or not ids:
        return []
    return revise(document, ids[0], wording, context["values"], mark)


# What Word writes about whoever saved a file: free-text properties (cleared), and the parts
# holding the company, the template's path, custom (e.g. sensitivity-label) properties and a
# picture of the first page (left out).
TEMPLATE_PROPERTIES = (
    "category",
    "comments",
    "content_status",
    "identifier",
    "keywords",
    "language",
    "subject",
    "version",
)
TEMPLATE_PARTS = (RT.EXTENDED_PROPERTIES, RT.CUSTOM_PROPERTIES, RT.THUMBNAIL)


def set_document_properties(document, context: dict[str, Any], template_name: str) -> None:
    """Title, author and dates from the packet; nothing of whoever last saved the template.

    A template outside the packet's documents (the respondent form) gives its own title,
    subject and keywords in the context's `properties`.
    """
    properties = document.core_properties
    for name in TEMPLATE_PROPERTIES:
        setattr(properties, name, "")
    titles = {
        entry["template"]: {"title": entry["title"]} for entry in context.get("documents", [])
    }
    own = {**titles, **context.get("properties", {})}.get(template_name, {})
    for name in ("title", "subject", "keywords"):
        setattr(properties, name, own.get(name, ""))
    properties.author = properties.last_modified_by = packet_author(context)
    properties.revision = 1
    if "packet" in context:
        stamp = datetime.combine(date.fromisoformat(context["packet"]["date"]), time(12))
        properties.created = properties.modified = stamp
    relationships = document.part.package.rels
    for rid, relationship in list(relationships.items()):
        if relationship.reltype in TEMPLATE_PARTS:
            del relationships[rid]


def packet_author(context: dict[str, Any]) -> str:
    """The agency's legal name; none for a blank packet, whose legal name is a fill-in field."""
    return "" if context.get("blank") else context.get("agency", {}).get("legal_name", "")


def describe_pictures(document, description: str) -> None:
    """Every picture carries alternative text (screen readers, the tagged PDF's /Alt): what the
    logo shows (agency.logo_description), else the agency's name, since the only pictures are
    its own (the logo)."""
    parts = [document.element.body]
    for section in document.sections:
        parts += [section.header._element, section.footer._element]
    for part in parts:
        for picture in part.iter(qn("wp:docPr")):
            if not picture.get("descr"):
                picture.set("descr", description)


def set_language(document, language: str | None) -> None:
    """The document's language (en-GB for an agency in the United Kingdom): the default run
    language, from which LibreOffice writes the PDF's /Lang, and the document property."""
    if not language:
        return
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        document.styles.element.insert(0, defaults)
    run_defaults = defaults.find(qn("w:rPrDefault"))
    if run_defaults is None:
        run_defaults = OxmlElement("w:rPrDefault")
        defaults.insert(0, run_defaults)
    properties = run_defaults.find(qn("w:rPr"))
    if properties is None:
        properties = OxmlElement("w:rPr")
        run_defaults.append(properties)
    lang = properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        properties.append(lang)
    lang.set(qn("w:val"), language)
    document.core_properties.language = language


def breakable(address: str) -> str:
    """`j.doe@mail.example.org` -> `j.doe@\u200bmail.\u200bexample.org`: a break opportunity after
    the "@", the dots of the domain and the slashes and dots of a path. Never inside the name
    before the "@" ("j." alone reads as an initial), after "://", or before the domain's last
    part ("org.uk" stays whole: "learning.nspcc.org." above "uk" reads as two words)."""
    core = address.rstrip(".")
    trail = address[len(core) :]
    if "@" in core and "/" not in core:
        name, domain = core.split("@", 1)
        return f"{name}@{ZERO_WIDTH_SPACE}{breakable_host(domain)}{trail}"
    scheme, separator, rest = core.rpartition("://")
    host, slash, path = rest.partition("/")
    start = f"{scheme}://{ZERO_WIDTH_SPACE}" if separator else ""
    rest = breakable_host(host) + (f"/{BREAK_AFTER.sub(ZERO_WIDTH_SPACE, path)}" if slash else "")
    if slash and path:
        rest = rest.replace("/", f"/{ZERO_WIDTH_SPACE}", 1)
    return start + rest + trail


def breakable_host(host: str) -> str:
    """Break opportunities after the dots of a host name, the last part kept whole: a country's
    code with the short name before it ("org.uk", "com.au"), or the top-level name ("org")."""
    labels = host.split(".")
    keep = 2 if len(labels) > 2 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else 1
    if len(labels) <= keep:
        return host
    head, tail = labels[:-keep], ".".join(labels[-keep:])
    return "".join(f"{label}.{ZERO_WIDTH_SPACE}" for label in head[:-1]) + f"{head[-1]}.{tail}"


def break_addresses(document) -> None:
    """Break opportunities in every address of the body's text, headers and footers left alone;
    form fields (content controls) keep their values exactly as typed."""
    control = qn("w:sdt")
    for node in document.element.body.iter(qn("w:t")):
        if not node.text or ZERO_WIDTH_SPACE in node.text or not ADDRESS.search(node.text):
            continue
        if not any(parent.tag == control for parent in node.iterancestors()):
            node.text = ADDRESS.sub(lambda found: breakable(found.group()), node.text)


def keep_introductions(document) -> None:
    """A paragraph ending in a colon ("Law enforcement contacts:", the toolkit's "...include the
    following:") stays on the page of what it introduces, never alone at a page's foot; so does
    an assessment item whose parts follow it."""
    for paragraph in document.paragraphs:
        if paragraph.text.rstrip().endswith(":"):
            paragraph.paragraph_format.keep_with_next = True
    for row in document.element.body.iter(qn("w:tr")):  # "1. Initial evaluation that includes:"
        if first_cell_text(row).rstrip().endswith(":"):
            keep_row_with_next(row)
    # An item whose parts follow it (5.5 "Are interpreters trained on", then 5.5.a to 5.5.c).
    for table in document.element.body.iter(qn("w:tbl")):
        for row, following in pairwise(table.findall(qn("w:tr"))):
            number = first_cell_text(row).strip()
            if ITEM_NUMBER.fullmatch(number) and first_cell_text(following).startswith(
                f"{number}."
            ):
                keep_row_with_next(row)


def first_cell_text(row) -> str:
    first = next(row.iter(qn("w:tc")), None)
    return "".join(t.text or "" for t in first.iter(qn("w:t"))) if first is not None else ""


def keep_row_with_next(row) -> None:
    for element in row.iter(qn("w:p")):  # Word keeps the row with the next one
        Paragraph(element, None).paragraph_format.keep_with_next = True


def let_leading_rows_run_on(document) -> None:
    """The rows a table starts with, through its first row that is neither a repeated header
    row nor kept with the next, may break across a page; every later row stays whole.

    When those leading rows may not break and the last of them ends at the foot of a page, to
    within half a point, LibreOffice 25.2 lays out none of the table's later rows: they are
    missing from the PDF and their structure elements are empty (river valley's domain 5 lost
    rows 5.2 to 5.7 so). Rows that may break are laid out. Their paragraphs keep their lines
    together, which Word honours; LibreOffice breaks such a row only when the table starts at
    a page's foot with less room than the row needs. A table whose rows are all kept with the
    next (`keep`) moves whole and is left as it is.
    """
    for table in document.element.body.iter(qn("w:tbl")):
        leading = []
        for row in table.findall(qn("w:tr")):
            leading.append(row)
            header = row.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
            if not header and row.find(f".//{qn('w:keepNext')}") is None:
                break
        else:
            continue
        for row in leading:
            for whole in row.findall(f"{qn('w:trPr')}/{qn('w:cantSplit')}"):
                whole.getparent().remove(whole)
                for element in row.iter(qn("w:p")):
                    Paragraph(element, None).paragraph_format.keep_together = True


def highlight_fill_ins(path: Path) -> None:
    """Turn every ⟦field⟧ into a highlighted [field] run, in the body, headers and footers."""
    document = Document(path)
    parts = [document.element.body]
    for section in document.sections:
        parts += [section.header._element, section.footer._element]
    for part in parts:
        for run in list(part.iter(qn("w:r"))):
            # Its own text only: a run holding a drawing holds its text boxes' runs as well.
            text = "".join(t.text or "" for t in run.findall(qn("w:t")))
            if FILL_IN_OPEN in text:
                split_run(run, text)
    document.save(path)


def split_run(run, text: str) -> None:
    """Replace one run by runs of plain text and styled fill-in fields, keeping its formatting."""
    properties = run.find(qn("w:rPr"))
    anchor = run
    for piece in filter(None, FILL_IN.split(text)):
        new_run = OxmlElement("w:r")
        new_properties = deepcopy(properties) if properties is not None else OxmlElement("w:rPr")
        if piece.startswith(FILL_IN_OPEN):
            style = OxmlElement("w:rStyle")
            style.set(qn("w:val"), FILL_IN_STYLE)
            new_properties.insert(0, style)
            piece = f"[{piece[1:-1]}]"
        new_run.append(new_properties)
        element = OxmlElement("w:t")
        element.set(qn("xml:space"), "preserve")
        element.text = piece
        new_run.append(element)
        anchor.addnext(new_run)
        anchor = new_run
    run.getparent().remove(run)
