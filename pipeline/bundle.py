"""Stage 4: merge the cover and every document into one editable Word bundle."""

from __future__ import annotations

import re
import zipfile
from copy import deepcopy
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.text import WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Twips
from lxml import etree

from pipeline.errors import RenderError
from pipeline.render import packet_author

if TYPE_CHECKING:
    from pypdf import PdfReader

HEADER_FOOTER_TAGS = ("w:headerReference", "w:footerReference", "w:titlePg")
# Attributes through which body XML points at images and links outside document.xml.
REFERENCES = ".//*[@r:embed or @r:id or @r:link]"
REFERENCE_ATTRIBUTES = tuple(qn(name) for name in ("r:embed", "r:id", "r:link"))


def merge_bundle(cover: Path, documents: list[Path], target: Path, context: dict[str, Any]) -> Path:
    """Cover first (its header, footer and styles win), then each document from a new page.

    The templates share one style sheet, so a part's body goes into the bundle as it is; what
    it refers to outside its body comes along: images and links, styles the cover lacks, and
    list numbering (a part's first numbered list starts again at 1). Each part ends with a
    section break of its own, so landscape pages stay landscape and every part starts a page.
    """
    bundle = Document(cover)
    final = bundle.element.body.sectPr
    close_section(bundle, final, keep_headers=True)
    strip_title_page(final)
    next_bookmark = renumber_bookmarks(bundle.element.body, 0)
    contents = []
    for index, path in enumerate(documents):
        part = Document(path)
        body = part.element.body
        entries = context.get("documents", [])
        if index < len(entries) and entries[index].get("contents") == "title":
            leave_out_of_contents(body)
        for inner in body.iter(qn("w:sectPr")):
            strip_headers(inner)
        if index == len(documents) - 1:
            adopt_page_setup(final, body.sectPr)
        else:
            close_section(part, body.sectPr, keep_headers=False)
        add_missing_styles(bundle, part)
        carry_numbering(bundle, part)
        carry_references(bundle.part, part.part, body)
        next_bookmark = renumber_bookmarks(body, next_bookmark)
        contents.append(body_content(part.element, bundle.element))
    body = splice(bundle, contents)
    renumber_drawings(body)
    list_contents(body, body.sectPr, next_bookmark)
    describe_links(bundle.part, body)
    set_properties(bundle, context)
    ask_word_to_update_fields(bundle)
    bundle.save(target)
    return target


def body_content(document, bundle_document) -> bytes:
    """A part's body as XML, without the body tag and its final section properties.

    Moving elements between lxml trees costs about ten microseconds a node (a 2,000-entry
    directory has over 100,000); writing each part out and reading the bundle in once is
    ten times faster.
    """
    body = document.body
    body.remove(body.sectPr)
    for prefix, uri in document.nsmap.items():
        if bundle_document.nsmap.get(prefix, uri) != uri:
            raise RenderError(f"a template uses the XML prefix '{prefix}' for another namespace")
    xml = etree.tostring(body)
    body.clear()  # the part's tree is no longer needed; free it before the bundle is parsed
    if xml.endswith(b"/>"):
        return b""
    return xml[xml.index(b">") + 1 : xml.rindex(b"</w:body>")]


def splice(bundle, contents: list[bytes]):
    """Put the parts' XML before the bundle's final section properties; return the new body."""
    root = bundle.part.element
    marker = etree.Comment("parts")
    root.body.sectPr.addprevious(marker)
    before, after = etree.tostring(root).split(b"<!--parts-->")
    try:
        # python-docx saves a part from its element; the spliced tree replaces the cover's.
        bundle.part._element = parse_xml(before + b"".join(contents) + after)
    except etree.XMLSyntaxError as error:
        raise RenderError(f"the documents could not be merged into one: {error}") from error
    return bundle.part.element.body


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


def add_missing_styles(bundle, part) -> None:
    """Styles a part uses but the cover lacks (a template restyled in Word, say) are copied."""
    styles = bundle.styles.element
    known = {style.get(qn("w:styleId")) for style in styles.findall(qn("w:style"))}
    for style in part.styles.element.findall(qn("w:style")):
        if style.get(qn("w:styleId")) not in known:
            styles.append(deepcopy(style))


def carry_numbering(bundle, part) -> None:
    """Copy the list definitions a part's paragraphs name, and restart its first numbered list."""
    numbering = bundle.part.numbering_part.element
    body = part.element.body
    explicit = body.findall(f".//{qn('w:numId')}")
    if explicit:
        source = part.part.numbering_part.element
        renamed: dict[str, str] = {}
        for number in explicit:
            old = number.get(qn("w:val"))
            if old not in renamed:
                renamed[old] = copy_list_definition(numbering, source, old)
            number.set(qn("w:val"), renamed[old])
    restart_first_numbered_list(bundle, body, numbering)


def copy_list_definition(numbering, source, number_id: str) -> str:
    """Copy list `number_id` and its abstract definition from `source`; return its new id."""
    if number_id == "0":  # 0 means "no list"
        return number_id
    num = source.xpath(f'w:num[@w:numId="{number_id}"]')
    if not num:
        return number_id
    abstract_id = num[0].find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = deepcopy(source.xpath(f'w:abstractNum[@w:abstractNumId="{abstract_id}"]')[0])
    new_abstract_id = str(next_id(numbering, "w:abstractNum", "w:abstractNumId"))
    abstract.set(qn("w:abstractNumId"), new_abstract_id)
    for nsid in abstract.findall(qn("w:nsid")):  # Word merges lists that share an nsid
        abstract.remove(nsid)
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    copy = deepcopy(num[0])
    copy.find(qn("w:abstractNumId")).set(qn("w:val"), new_abstract_id)
    new_id = str(next_id(numbering, "w:num", "w:numId"))
    copy.set(qn("w:numId"), new_id)
    numbering.append(copy)
    return new_id


def restart_first_numbered_list(bundle, body, numbering) -> None:
    """A part's first numbered list starts at 1, not where the previous part's list ended."""
    numbered_styles = {
        style.style_id: number_id
        for style in bundle.styles
        if (number_id := style_list(style)) and counts(numbering, number_id)
    }
    if not numbered_styles:
        return
    styled = any_style(numbered_styles)
    first = body.xpath(f"(.//w:p[w:pPr[w:pStyle[{styled}] and not(w:numPr)]])[1]")
    for paragraph in first:
        number = numbering.num_having_numId(numbered_styles[paragraph.style])
        restart = numbering.add_num(number.abstractNumId.val)
        restart.add_lvlOverride(ilvl=0).add_startOverride(1)
        numbers = paragraph.pPr.get_or_add_numPr()
        numbers.get_or_add_ilvl().val = 0
        numbers.get_or_add_numId().val = restart.numId


def any_style(style_ids) -> str:
    """An XPath test on w:pStyle that matches any of `style_ids`."""
    return " or ".join(f"@w:val='{style}'" for style in style_ids if "'" not in style)


def style_list(style) -> int | None:
    """The list a paragraph style numbers its paragraphs with, if any."""
    properties = getattr(style.element, "pPr", None)
    numbers = properties.numPr if properties is not None else None
    return numbers.numId.val if numbers is not None and numbers.numId is not None else None


def counts(numbering, number_id: int) -> bool:
    """True for a numbered list (1, 2, 3 or a, b, c), false for bullets."""
    number = numbering.num_having_numId(number_id)
    abstract_id = number.abstractNumId.val
    formats = numbering.xpath(
        f'w:abstractNum[@w:abstractNumId="{abstract_id}"]/w:lvl[@w:ilvl="0"]/w:numFmt/@w:val'
    )
    return bool(formats) and formats[0] != "bullet"


def next_id(numbering, tag: str, attribute: str) -> int:
    ids = [int(element.get(qn(attribute))) for element in numbering.findall(qn(tag))]
    return max(ids, default=0) + 1


def carry_references(bundle_part, source_part, body) -> None:
    """Give every image and link in `body` a relationship of the bundle's own."""
    renamed: dict[str, str] = {}
    for element in body.xpath(REFERENCES):
        for attribute in REFERENCE_ATTRIBUTES:
            old = element.get(attribute)
            if old is None:
                continue
            if old not in renamed:
                renamed[old] = relate(bundle_part, source_part.rels[old])
            element.set(attribute, renamed[old])


def relate(bundle_part, relationship) -> str:
    if relationship.is_external:
        return bundle_part.relate_to(relationship.target_ref, relationship.reltype, True)
    if relationship.reltype == RT.IMAGE:
        rid, _ = bundle_part.get_or_add_image(BytesIO(relationship.target_part.blob))
        return rid
    raise RenderError(
        f"the bundle cannot carry over a template's {relationship.reltype.rsplit('/', 1)[-1]} "
        "part; remove it from the template"
    )


def renumber_bookmarks(body, start: int) -> int:
    """Bookmark ids must be unique in a document; give this body's the ones from `start` on."""
    renamed: dict[str, str] = {}
    for element in body.iter(qn("w:bookmarkStart"), qn("w:bookmarkEnd")):
        old = element.get(qn("w:id"))
        if old not in renamed:
            renamed[old] = str(start + len(renamed))
        element.set(qn("w:id"), renamed[old])
    return start + len(renamed)


def renumber_drawings(body) -> None:
    """Drawing ids must be unique too; number them through the bundle."""
    for number, drawing in enumerate(body.iter(qn("wp:docPr")), start=1):
        drawing.set("id", str(number))


def list_contents(body, section_properties, first_bookmark: int) -> None:
    """Replace the contents field by one line per heading: its title, dots and its page number.

    Each heading gets a bookmark and its line a PAGEREF field pointing at it (Word's own contents
    lines are made the same way). LibreOffice computes such fields while it lays the pages out,
    so the PDF gets real page numbers without a contents update, which on a 300-page bundle
    costs as much as laying it out again. Word fills them in when it updates fields on opening.
    Each line links to its heading, in Word and in the PDF. Bookmark ids start at
    `first_bookmark`, the first the merge has not given out.
    """
    instruction = next(
        (text for text in body.iter(qn("w:instrText")) if text.text.strip().startswith("TOC")),
        None,
    )
    if instruction is None:
        return
    styled = any_style(CONTENTS_LEVELS)
    headings = []
    for heading in body.xpath(f".//w:p[w:pPr/w:pStyle[{styled}]]"):
        if heading.attrib.pop(LEFT_OUT, None) is None:
            headings.append(heading)
    if not headings:
        return
    field = instruction.getparent().getparent()
    width = text_width(section_properties)
    lines = []
    for number, heading in enumerate(headings):
        name = f"_Toc{number + 1:06d}"
        mark_heading(heading, name, str(first_bookmark + number))
        title = "".join(t.text or "" for t in heading.iter(qn("w:t")))
        lines.append(contents_line(title, name, CONTENTS_LEVELS[heading.style], width))
    if len(lines) > FULL_SIZE_CONTENTS_LINES:
        for run in (run for line in lines for run in line.iter(qn("w:r"))):
            run.get_or_add_rPr().append(OxmlElement("w:sz", {qn("w:val"): SMALL_CONTENTS_SIZE}))
    anchor = field
    for line in lines:
        anchor.addnext(line)
        anchor = line
    field.getparent().remove(field)


# A document listed in the contents by its title alone (`contents: title` in documents.yaml):
# its other headings carry this mark until the contents are listed.
LEFT_OUT = "{urn:protocol-packet-builder:contents}left-out"


def leave_out_of_contents(body) -> None:
    """Mark the document's headings below its title, which the contents leave out."""
    for heading in body.xpath(f".//w:p[w:pPr/w:pStyle[{any_style(CONTENTS_LEVELS)}]]"):
        if heading.style != "Heading1":
            heading.set(LEFT_OUT, "")


def describe_links(bundle_part, body) -> None:
    """Give every link within the bundle its text as its description (PDF/UA asks each link
    annotation for one; a screen reader speaks it).

    LibreOffice 25.2 takes a link's description from its screen tip (`w:tooltip`), but drops
    a link that has both a screen tip and a bookmark (`w:anchor`) as it reads the .docx; a link
    to the relationship `#bookmark` keeps both, and its PDF link still jumps to the bookmark.
    """
    for link in body.iter(qn("w:hyperlink")):
        bookmark = link.get(qn("w:anchor"))
        description = "".join(t.text or "" for t in link.iter(qn("w:t"))).strip()
        if bookmark is None or not description:
            continue
        del link.attrib[qn("w:anchor")]
        link.set(qn("r:id"), bundle_part.relate_to(f"#{bookmark}", RT.HYPERLINK, True))
        link.set(qn("w:tooltip"), description)


def link_target(link, part) -> str | None:
    """The bookmark a link within the document jumps to, in either form (see describe_links)."""
    bookmark = link.get(qn("w:anchor"))
    relationship = link.get(qn("r:id"))
    if bookmark is None and relationship in part.rels:
        target = part.rels[relationship].target_ref
        bookmark = target[1:] if target.startswith("#") else None
    return bookmark


def mark_heading(heading, name: str, bookmark_id: str) -> None:
    heading.pPr.addnext(
        OxmlElement("w:bookmarkStart", {qn("w:id"): bookmark_id, qn("w:name"): name})
    )
    heading.append(OxmlElement("w:bookmarkEnd", {qn("w:id"): bookmark_id}))


def contents_line(title: str, bookmark: str, indent: int, width: int):
    """`title ........ page`, the title linked to the heading, the page a PAGEREF field."""
    line = OxmlElement("w:p")
    properties = line.get_or_add_pPr()
    properties._add_tabs().insert_tab_in_order(
        Twips(width), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS
    )
    if indent:
        properties.get_or_add_ind().left = Twips(indent)
    # Single-spaced lines, a little space above each document's: the contents of a packet fit on
    # one page instead of leaving its last lines alone on a second.
    spacing = {qn("w:before"): "0" if indent else "100", qn("w:after"): "0", qn("w:line"): "240"}
    properties.append(OxmlElement("w:spacing", {**spacing, qn("w:lineRule"): "auto"}))
    link = OxmlElement("w:hyperlink", {qn("w:anchor"): bookmark, qn("w:history"): "1"})
    title_run = OxmlElement("w:r")
    title_run.text = title
    link.append(title_run)
    line.append(link)
    line.add_r().add_tab()
    instruction = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
    instruction.text = f" PAGEREF {bookmark} \\h "
    for piece in (field_mark("begin"), instruction, field_mark("separate"), field_mark("end")):
        line.add_r().append(piece)
    return line


def field_mark(kind: str):
    return OxmlElement("w:fldChar", {qn("w:fldCharType"): kind})


CONTENTS_LEVELS = {"Heading1": 0, "Heading2": 220}  # paragraph style: indent in twips
# About 49 contents lines fit the contents page in the text's own size; a longer contents is
# set in 9 points (half-points in Word), so that it stays on one page (58 lines fit).
FULL_SIZE_CONTENTS_LINES = 45
SMALL_CONTENTS_SIZE = "18"


def text_width(section_properties) -> int:
    """The width between the margins, in twips."""
    size, margins = section_properties.find(qn("w:pgSz")), section_properties.find(qn("w:pgMar"))
    return (
        int(size.get(qn("w:w"))) - int(margins.get(qn("w:left"))) - int(margins.get(qn("w:right")))
    )


KEYWORDS = (
    "human trafficking; response protocol; policy and procedure; service assessment; "
    "community resource directory; staff training"
)


def set_properties(document, context: dict[str, Any]) -> None:
    """The bundle's title, subject and keywords for Word and the PDF. Its author and dates are
    the cover's, which rendering set (render.set_document_properties)."""
    properties = document.core_properties
    properties.title = f"Human Trafficking Response Packet {context['packet']['year']}"
    properties.subject = packet_author(context)
    # Phrases, separated by semicolons; the PDF export keeps each phrase whole.
    properties.keywords = KEYWORDS


def ask_word_to_update_fields(document) -> None:
    """Word refreshes the table of contents when the bundle is opened."""
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)


ZIP_FIRST_DAY, ZIP_LAST_DAY = date(1980, 1, 1), date(2107, 12, 31)  # a zip entry's dates


def freeze_docx(path: Path, day: str) -> None:
    """Rewrite a .docx with every zip entry stamped at noon on `day`, for byte-identical builds
    (a day the zip format cannot hold, before 1980 or after 2107, as the nearest it can)."""
    held = min(max(date.fromisoformat(day), ZIP_FIRST_DAY), ZIP_LAST_DAY)
    stamp = (*held.timetuple()[:3], 12, 0, 0)
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            frozen = zipfile.ZipInfo(info.filename, date_time=stamp)
            frozen.compress_type = zipfile.ZIP_DEFLATED
            frozen.external_attr = 0o644 << 16
            target.writestr(frozen, data)


# A contents line of the PDF as LibreOffice printed it: the title, dot leaders (a single dot
# after a title that fills the line), the page.
PRINTED_CONTENTS_LINE = re.compile(r"\.+\s*(\d+)\s*$")
WORD_XML = "word/document.xml"
SETTINGS_XML = "word/settings.xml"


def printed_contents_pages(reader: PdfReader) -> list[str]:
    """The page numbers of the contents lines, in order, as the bundle's PDF prints them."""
    first_part = min(
        (
            reader.get_destination_page_number(item)
            for item in reader.outline
            if not isinstance(item, list)
        ),
        default=len(reader.pages),
    )
    numbers = []
    for page in reader.pages[:first_part]:
        for line in page.extract_text().splitlines():
            found = PRINTED_CONTENTS_LINE.search(line)
            if found:
                numbers.append(found.group(1))
    return numbers


def write_contents_pages(docx: Path, linked: list[str], pdf: Path) -> bool:
    """Give the bundle's contents the page numbers LibreOffice laid out for its PDF, so that
    Word opens it without asking to update fields that may refer to other files: `linked`, the
    number each contents line's link in the PDF leads to (convert.linked_contents_pages), or,
    where those are not one per line, the numbers printed on the contents pages of `pdf`.
    False (and the bundle left to ask Word) when they cannot be matched line for line."""
    with zipfile.ZipFile(docx) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    parts = {info.filename: data for info, data in entries}
    document = etree.fromstring(parts[WORD_XML])
    references = [
        text
        for text in document.iter(qn("w:instrText"))
        if (text.text or "").strip().startswith("PAGEREF _Toc")
    ]
    if linked and len(linked) == len(references):
        numbers = linked
    else:
        from pypdf import PdfReader

        numbers = printed_contents_pages(PdfReader(pdf))
    in_order = all(int(a) <= int(b) for a, b in zip(numbers, numbers[1:], strict=False))
    if not references or len(numbers) != len(references) or not in_order:
        return False
    for reference, number in zip(references, numbers, strict=True):
        separate = reference.getparent().getnext()  # the run holding fldChar "separate"
        result = OxmlElement("w:r")
        result.text = number
        separate.addnext(result)
    settings = etree.fromstring(parts[SETTINGS_XML])
    for update in settings.findall(qn("w:updateFields")):
        settings.remove(update)
    parts[WORD_XML] = etree.tostring(
        document, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    parts[SETTINGS_XML] = etree.tostring(
        settings, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as target:
        for info, _ in entries:
            target.writestr(info, parts[info.filename])
    return True
