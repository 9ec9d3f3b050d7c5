"""Every field of the form in a filled file: what it holds, and what was put in its place.

Respondents do more than fill fields. In Word they delete a box and type an X where it was, type
beside a field instead of in it, paste a ☒ over a box without ticking it, or add a line anywhere;
in a PDF reader they stamp, draw or type with the comment tools on top of the form. Ingest
knows every field the form carries (`pipeline.forms.form_tags`) and where it sits (the item's
row, the domain's rating and comment tables), reads what can be read, and says what it did:

- a field that is gone is a warning naming the item; a mark (X, ✓, ☒) typed or drawn in its place
  is read as a tick, with a warning;
- a box whose glyph (Word) or appearance (PDF) says ticked while its checked flag says not, or
  the other way round, is read as it shows, with a warning;
- text typed in a comment's or respondent field's place is read as part of that field, with a
  warning; text typed beside the boxes of an item is a warning when a box is ticked, and an error
  (the answer cannot be known) when none is;
- text typed anywhere else is a warning naming the item it is nearest to.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import ERROR, WARNING, Problem
from pipeline.forms import (
    RATING_VALUES,
    REFERENCE_TAG,
    form_tags,
    paragraph_text,
    recorded_form_text,
)
from pipeline.ingest.answers import field_label
from pipeline.render import join_and

W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
# What people type or draw for a tick.
MARKS = set("xX✓✔✗✘☒☑⊠■●√*")
DRAWN = "a mark drawn"
CHOICE_WORDS = {"yes": "Yes", "no": "No", "na": "N/A"}
ITEM_ID = re.compile(r"\d+\.\d+(\.[a-z])?")
DOMAIN_HEADING = re.compile(r"Domain (\d+):")
COMMENTS_HEADING = re.compile(r"Comments on domain (\d+)")
RESPONDENT_LABELS = {"your role": "role", "your name": "name", "date": "date"}
EXCERPT = 80


@dataclass
class Place:
    """One field of the form, as found in a filled file."""

    tag: str
    found: bool = False  # the field is in the file
    value: bool | str = False  # a box: ticked; a text field: its text
    shows: bool | None = None  # a box: whether it shows a tick, when the file says otherwise
    beside: list[str] = field(default_factory=list)  # typed or drawn in its place, not in it


@dataclass
class Stray:
    """Text a respondent put on the form outside every field's place."""

    near: str  # the item or part of the form it is nearest to
    text: str
    counted: int = 0  # stands for this many paragraphs, not quoted


def is_mark(text: str) -> bool:
    return text == DRAWN or (0 < len(text.strip()) <= 2 and set(text.strip()) <= MARKS)


def described(text: str) -> str:
    return DRAWN if text == DRAWN else f"the “{excerpt(text)}” typed"


def excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def question_of(tag: str) -> tuple[str, str]:
    """`answer/1.5/na` -> (`answer`, `1.5`); `comment/3` -> (`comment`, `3`)."""
    kind, _, rest = tag.partition("/")
    return (kind, rest.rpartition("/")[0]) if kind in ("answer", "rating") else (kind, rest)


def question_label(kind: str, key: str) -> str:
    if kind == "respondent":
        return f"your {key}"
    section = {"answer": "answers", "rating": "ratings", "comment": "comments"}.get(kind, kind)
    return field_label((section, key))


def choice_word(tag: str) -> str:
    choice = tag.rpartition("/")[2]
    return CHOICE_WORDS.get(choice, choice)


def read_places(
    places: dict[str, Place], strays: list[Stray], display: str
) -> tuple[dict[str, bool | str], list[Problem]]:
    """Tag -> ticked or typed text, read from every field's place; what was found besides."""
    values: dict[str, bool | str] = {}
    problems: list[Problem] = []
    questions: dict[tuple[str, str], list[Place]] = {}
    for tag in (tag for tag in form_tags() if tag != REFERENCE_TAG):
        questions.setdefault(question_of(tag), []).append(places.get(tag) or Place(tag))
    for (kind, key), found in questions.items():
        label = question_label(kind, key)
        read = read_boxes if kind in ("answer", "rating") else read_text_field
        question_values, messages = read(found)
        values |= question_values
        problems += [Problem(display, 1, 1, label, text, severity) for text, severity in messages]
    # The reference, and fields no form of ours has (answers_from_form warns about those).
    values |= {
        tag: place.value for tag, place in places.items() if place.found and tag not in values
    }
    problems += [stray_warning(stray, display) for stray in strays]
    return values, problems


def stray_warning(stray: Stray, display: str) -> Problem:
    if stray.counted:
        message = f"{stray.counted} more paragraphs typed outside the form's fields are not read"
    elif stray.text == DRAWN:
        message = "a mark drawn outside the form's boxes is not read"
    else:
        message = f"text typed outside the form's fields is not read: “{excerpt(stray.text)}”"
    return Problem(display, 1, 1, stray.near, message, WARNING)


Messages = list[tuple[str, str]]  # (message, severity)


def read_boxes(places: list[Place]) -> tuple[dict[str, bool], Messages]:
    """An item's (or a rating's) boxes: the ticked ones and marks put in their place, with a
    message for each thing that was not as the form made it."""
    messages: Messages = []
    chosen = [place.tag for place in places if box_ticked(place, messages)]
    unread = [(place, text) for place in places for text in place.beside if not is_mark(text)]
    missing = [place for place in places if not place.found]
    if missing:
        words = join_and([choice_word(place.tag) for place in missing])
        boxes = "box is" if len(missing) == 1 else "boxes are"
        empty = ", and nothing was put in their place" if not chosen and not unread else ""
        messages.insert(
            0, (f"its {words} {boxes} missing from the form (deleted?){empty}", WARNING)
        )
    for place, text in unread:
        where = f"{'at' if place.found else 'in place of'} the {choice_word(place.tag)} box"
        if chosen:
            messages.append((f"“{excerpt(text)}”, typed {where}, is not read", WARNING))
        else:
            message = (
                f"“{excerpt(text)}” is typed {where} and cannot be read as an answer; "
                "tick one box, or leave them all blank"
            )
            messages.append((message, ERROR))
    values = {
        place.tag: place.tag in chosen for place in places if place.found or place.tag in chosen
    }
    return values, messages


def box_ticked(place: Place, messages: Messages) -> bool:
    """Whether a box counts as ticked: as it shows, or as a mark put on it says."""
    ticked = bool(place.value) if place.found else False
    word = choice_word(place.tag)
    if place.found and place.shows is not None and place.shows != ticked:
        shows, flag = ("a tick", "not ticked") if place.shows else ("no tick", "ticked")
        message = (
            f"the {word} box shows {shows} but the file marks it {flag} (it was changed "
            "outside the form's box); read as it shows"
        )
        messages.append((message, WARNING))
        ticked = place.shows
    marks = [text for text in place.beside if is_mark(text)]
    if marks and not ticked:
        where = "at" if place.found else "in place of"
        messages.append(
            (f"{described(marks[0])} {where} the {word} box is read as a tick", WARNING)
        )
        ticked = True
    return ticked


def read_text_field(places: list[Place]) -> tuple[dict[str, str], Messages]:
    """A comment or respondent field: its text, and text typed in its place."""
    (place,) = places
    parts = [str(place.value)] if place.found and place.value else []
    parts += place.beside
    messages: Messages = []
    if place.beside:
        where = "beside" if place.found else "in place of"
        messages.append((f"the text typed {where} the field is read as part of it", WARNING))
    elif not place.found:
        messages.append(("its field is missing from the form (deleted?)", WARNING))
    if not place.found and not place.beside:
        return {}, messages
    return {place.tag: "\n".join(part.strip() for part in parts if part.strip())}, messages


# Word forms


def word_places(document) -> tuple[dict[str, Place], list[Stray], list[str]]:
    """Every field of a Word form, what was typed in each field's place, text typed elsewhere,
    and notes (a form that lost the record of its own text cannot be checked for the latter)."""
    from docx.oxml.ns import qn

    body = document.element.body
    places: dict[str, Place] = {}
    for control in body.iter(qn("w:sdt")):
        place = control_place(control)
        if place is not None:
            places[place.tag] = place
    slots, labels = field_cells(body)
    for cell, tag in slots.items():
        typed = [paragraph_text(p) for p in cell.iter(qn("w:p"))]
        typed = [text for text in typed if text]
        places.setdefault(tag, Place(tag)).beside += typed
    recorded = recorded_form_text(document)
    if recorded is None:
        return places, [], [NOT_RECORDED]
    return places, strays_in_text(body, recorded, slots, labels), []


NOT_RECORDED = (
    "the form no longer holds the record of its own text (it was saved by an editor that drops "
    "it, or made before `packet forms` kept one), so text typed outside its fields' places "
    "could not be looked for"
)


def control_place(control) -> Place | None:
    """A content control's field: a box (ticked, and what its glyph shows) or a text field."""
    from docx.oxml.ns import qn

    properties = control.find(qn("w:sdtPr"))
    tag = properties.find(qn("w:tag")) if properties is not None else None
    if tag is None:
        return None
    name = tag.get(qn("w:val"), "")
    content = control.find(qn("w:sdtContent"))
    box = properties.find(f"{{{W14}}}checkbox")
    if box is None:
        if properties.find(qn("w:showingPlcHdr")) is not None:
            return Place(name, found=True, value="")
        return Place(name, found=True, value=control_text(content))
    checked = box.find(f"{{{W14}}}checked")
    flag = (checked.get(f"{{{W14}}}val", "0") if checked is not None else "0").lower()
    place = Place(name, found=True, value=flag in ("1", "true"))
    glyph = control_text(content)
    on, off = (state_glyph(box, state, default) for state, default in STATES)
    if glyph == on or is_mark(glyph):
        place.shows = True
    elif glyph == off:
        place.shows = False
    elif glyph:
        place.beside.append(glyph)  # typed into the box's place: neither a tick nor a box
    return place


STATES = (("checkedState", "☒"), ("uncheckedState", "☐"))


def state_glyph(box, state: str, default: str) -> str:
    found = box.find(f"{{{W14}}}{state}")
    try:
        return chr(int(found.get(f"{{{W14}}}val"), 16)) if found is not None else default
    except (TypeError, ValueError):
        return default


def control_text(content) -> str:
    """A text control's typed text, its paragraphs and line breaks kept as lines."""
    from docx.oxml.ns import qn

    if content is None:
        return ""
    lines = []
    for paragraph in content.iter(qn("w:p")) if content.find(qn("w:p")) is not None else [content]:
        text = ""
        for node in paragraph.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
            text += node.text or "" if node.tag == qn("w:t") else "\n" if "br" in node.tag else "\t"
        lines.append(text)
    return "\n".join(lines).strip()


def field_cells(body) -> tuple[dict[Any, str], dict[Any, str]]:
    """The table cells that hold a field (cell -> tag), found by the form's layout: an item's row
    (its id, then Yes, No, N/A), a domain's rating and comment tables, the respondent table; and
    the part of the form each paragraph is in (paragraph -> what a message calls it)."""
    from docx.oxml.ns import qn

    slots: dict[Any, str] = {}
    labels: dict[Any, str] = {}
    near = "the top of the form"
    domain: str | None = None
    for block in body.iterchildren(qn("w:p"), qn("w:tbl")):
        if block.tag == qn("w:p"):
            text = paragraph_text(block)
            heading = DOMAIN_HEADING.match(text)
            if heading:
                domain, near = heading.group(1), f"domain {heading.group(1)}"
            elif is_heading(block) and text:
                near = f"“{excerpt(text)}”"
            labels[block] = near
            continue
        rows = block.findall(qn("w:tr"))
        header = [cell_text(cell) for cell in rows[0].findall(qn("w:tc"))] if rows else []
        last_row = None
        for index, row in enumerate(rows):
            cells = row.findall(qn("w:tc"))
            row_near, row_slots = row_fields(cells, index == 1, header, domain)
            last_row = row_near or last_row
            slots |= row_slots
            for paragraph in row.iter(qn("w:p")):
                labels[paragraph] = row_near or last_row or near
        near = f"after {last_row}" if last_row else near
    return slots, labels


def row_fields(
    cells: list, second_row: bool, header: list[str], domain: str | None
) -> tuple[str | None, dict[Any, str]]:
    """The fields of one table row, by cell, and what the row is called (None: no field row)."""
    from pipeline.assessment import answerable, items_by_id

    first = cell_text(cells[0]) if cells else ""
    if ITEM_ID.fullmatch(first) and len(cells) >= 5:
        item = items_by_id().get(first)
        if item is None or not answerable(item):
            return f"item {first}", {}
        tags = [f"answer/{first}/{choice}" for choice in CHOICE_WORDS]
        return f"item {first}", dict(zip(cells[2:5], tags, strict=True))
    if domain is None and len(cells) == 2:
        for prefix, name in RESPONDENT_LABELS.items():
            if first.lower().startswith(prefix):
                return f"your {name}", {cells[1]: f"respondent/{name}"}
    if domain is None or not second_row:
        return None, {}
    if len(cells) == 6 and header[0].startswith("1"):
        tags = [f"rating/{domain}/{value}" for value in RATING_VALUES]
        return f"rating of domain {domain}", dict(zip(cells, tags, strict=True))
    comments = COMMENTS_HEADING.match(header[0]) if len(header) == 1 else None
    if comments and len(cells) == 1:
        number = comments.group(1)
        return f"comment on domain {number}", {cells[0]: f"comment/{number}"}
    return None, {}


def cell_text(element) -> str:
    from docx.oxml.ns import qn

    return " ".join(paragraph_text(p) for p in element.iter(qn("w:p"))).strip()


def is_heading(paragraph) -> bool:
    from docx.oxml.ns import qn

    style = paragraph.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
    return style is not None and style.get(qn("w:val"), "").startswith("Heading")


def strays_in_text(
    body, recorded: list[str], slots: dict[Any, str], labels: dict[Any, str]
) -> list[Stray]:
    """Text outside the fields' places that the form did not have when it was made."""
    from docx.oxml.ns import qn

    cells = set(slots)
    found = []
    for paragraph in body.iter(qn("w:p")):
        if any(cell in cells for cell in paragraph.iterancestors(qn("w:tc"))):
            continue
        text = paragraph_text(paragraph)
        if text:
            found.append((text, paragraph))
    strays = []
    matcher = difflib.SequenceMatcher(a=recorded, b=[text for text, _ in found], autojunk=False)
    for operation, old_start, old_end, start, end in matcher.get_opcodes():
        if operation not in ("insert", "replace"):
            continue
        # Paragraphs of the form edited in place: what was added to them (a few, not pages).
        before = recorded[old_start:old_end] if max(old_end - old_start, end - start) <= 10 else []
        for text, paragraph in found[start:end]:
            added = typed_into(before, text)
            if added:
                strays.append(Stray(labels.get(paragraph, "the form"), added))
    if len(strays) > MAX_STRAYS:
        rest = len(strays) - MAX_STRAYS + 1
        near = strays[MAX_STRAYS - 1].near
        strays[MAX_STRAYS - 1 :] = [Stray(near, f"{rest} more paragraphs", counted=rest)]
    return strays


MAX_STRAYS = 20  # warnings about text typed outside the fields; the rest are counted


def typed_into(originals: list[str], text: str) -> str:
    """What was added to a paragraph of the form (the whole paragraph when it is new)."""
    best = max(
        originals, key=lambda old: difflib.SequenceMatcher(a=old, b=text).ratio(), default=None
    )
    if best is None or difflib.SequenceMatcher(a=best, b=text).ratio() < 0.6:
        return text
    matcher = difflib.SequenceMatcher(a=best, b=text, autojunk=False)
    added = [
        text[start:end]
        for operation, _, _, start, end in matcher.get_opcodes()
        if operation in ("insert", "replace")
    ]
    return " … ".join(piece.strip() for piece in added if piece.strip())


# PDF forms

# Annotations drawn with a reader's comment tools (a stamp, a pen stroke, a shape) are marks.
DRAWINGS = {"/Ink", "/Stamp", "/Square", "/Circle", "/Line", "/Polygon", "/PolyLine"}
NOT_MARKUP = {"/Widget", "/Link", "/Popup"}
MAX_FIELD_DEPTH = 32  # deeper field trees (or cycles) are not forms of ours
MARGIN = 3.0  # points around a box within which a mark counts as put on it


def pdf_places(reader) -> tuple[dict[str, Place], list[Stray]]:
    """Every field of a PDF form (its value, and what a box's appearance shows) and what was
    typed, stamped or drawn on the pages with the comment tools, on a field or elsewhere."""
    places: dict[str, Place] = {}
    spots: list[tuple[int, tuple[float, float, float, float], str]] = []
    markups = []
    for number, page in enumerate(reader.pages, start=1):
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            subtype = annotation.get("/Subtype")
            if subtype == "/Widget":
                place = widget_place(annotation)
                if place is not None:
                    places[place.tag] = place
                    spots.append((number, rectangle(annotation), place.tag))
            elif subtype not in NOT_MARKUP:
                markups.append((number, annotation))
    strays = []
    for number, annotation in markups:
        text = markup_text(annotation)
        if not text:
            continue
        box = rectangle(annotation)
        target = spot_under(number, box, spots)
        if target is not None:
            places[target].beside.append(text)
        else:
            strays.append(Stray(nearest_field(number, box, spots), text))
    return places, strays


def widget_place(widget) -> Place | None:
    tag = qualified_name(widget)
    kind = inherited(widget, "/FT")
    value = inherited(widget, "/V")
    if not tag or kind not in ("/Btn", "/Tx"):
        return None
    if kind == "/Tx":
        return Place(tag, found=True, value=str(value).strip() if value is not None else "")
    state = widget.get("/AS")
    return Place(
        tag,
        found=True,
        value=value is not None and str(value) not in OFF,
        shows=None if state is None else str(state) not in OFF,
    )


OFF = ("/Off", "Off", "")


class FieldTreeError(ValueError):
    """A form field whose parents form a cycle or nest past MAX_FIELD_DEPTH: a damaged form."""


def qualified_name(widget) -> str:
    """The field's full name: its own and its parents' names, joined by periods."""
    parts = []
    node = widget
    seen: set[int] = set()
    for _ in range(MAX_FIELD_DEPTH):
        if node is None:
            return ".".join(reversed(parts))
        node = node.get_object()
        if id(node) in seen:
            raise FieldTreeError("a form field's parents form a cycle")
        seen.add(id(node))
        if "/T" in node:
            parts.append(str(node["/T"]))
        node = node.get("/Parent")
    raise FieldTreeError(f"a form field is nested more than {MAX_FIELD_DEPTH} levels deep")


def inherited(widget, key: str):
    """A field attribute, from the field or the nearest parent that has it (PDF 12.7.4.1)."""
    node = widget
    for _ in range(MAX_FIELD_DEPTH):
        if node is None:
            return None
        node = node.get_object()
        if key in node:
            return node[key]
        node = node.get("/Parent")
    return None


def rectangle(annotation) -> tuple[float, float, float, float]:
    try:
        left, bottom, right, top = (float(value) for value in annotation.get("/Rect", []))
    except (TypeError, ValueError):
        return (0.0, 0.0, 0.0, 0.0)
    return (min(left, right), min(bottom, top), max(left, right), max(bottom, top))


def markup_text(annotation) -> str:
    """What a comment-tool annotation says: its text, or that it is a drawn mark."""
    if annotation.get("/Subtype") in DRAWINGS:
        return DRAWN
    contents = annotation.get("/Contents")
    return str(contents).strip() if contents is not None else ""


def centre(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def spot_under(number: int, box, spots) -> str | None:
    """The field whose place the middle of `box` lies on, if any."""
    x, y = centre(box)
    for page, (left, bottom, right, top), tag in spots:
        inside = left - MARGIN <= x <= right + MARGIN and bottom - MARGIN <= y <= top + MARGIN
        if page == number and inside:
            return tag
    return None


def nearest_field(number: int, box, spots) -> str:
    """What a message calls the place of `box`: the item of the nearest field on its page."""
    x, y = centre(box)
    # The row first (a note beside an item's question is about that item), then the column.
    on_page = [
        (abs(centre(spot)[1] - y), abs(centre(spot)[0] - x), tag)
        for page, spot, tag in spots
        if page == number
    ]
    if not on_page:
        return f"page {number}"
    tag = min(on_page)[2]
    return f"{question_label(*question_of(tag))} (page {number})"
