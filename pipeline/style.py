"""A packet's look from a reference Word document, the way pandoc's --reference-doc works.

The reference document gives the styles (fonts, sizes, colours and spacing of Normal, Title,
Heading 1-3, Table Text, the list styles ...), the theme, and the page size and margins. Its
text is never used. The packet's templates use only the styles in REQUIRED_STYLES, so a
reference that has them all can restyle any packet.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from lxml import etree

from pipeline.errors import InputError, Problem
from pipeline.sheets import check_supplied

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
# Entities are never expanded, nor anything fetched, whatever a supplied document declares.
INERT_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
STYLES_PART = "word/styles.xml"
THEME_PART = "word/theme/theme1.xml"
DOCUMENT_PART = "word/document.xml"
# The styles the templates use, by the names Word shows.
REQUIRED_STYLES = (
    "Normal",
    "Title",
    "Subtitle",
    "Heading 1",
    "Heading 2",
    "Heading 3",
    "Header",
    "Footer",
    "List Bullet",
    "List Bullet 2",
    "List Number",
    "Callout",
    "Small",
    "Table Text",
    "Fill In",
    "Hyperlink",
)
MARGINS = ("top", "right", "bottom", "left", "header", "footer")
# The fill the templates give table header cells (templates/source/build.py's HEADER_FILL, which
# tests/test_style.py keeps equal): not a style, so a reference document does not change it.
HEADER_FILL = "DCE6F0"
PAGE_HEX = "FFFFFF"
# WCAG 2.1 AA: 4.5:1 for text (1.4.3), 3:1 for a graphic such as a rating bar (1.4.11).
TEXT_CONTRAST = 4.5
GRAPHIC_CONTRAST = 3.0


@dataclass(frozen=True)
class HouseStyle:
    """What a reference document gives a packet."""

    path: Path
    digest: str  # SHA-256 of the reference file, recorded in archives
    styles: bytes
    theme: bytes | None
    page: tuple[str, str]  # portrait width and height, in twips
    margins: dict[str, str]


def default_reference() -> Path:
    """The project's own reference document, shipped inside the package."""
    return Path(str(files("pipeline") / "templates" / "reference.docx"))


@cache
def default_style() -> HouseStyle:
    return house_style(default_reference())


def house_style(path: Path) -> HouseStyle:
    """A reference document a user named (`--style`); an InputError says what is wrong."""
    style, problems = read_style(path, str(path))
    if problems:
        raise InputError(problems)
    return style


def read_style(path: Path, display: str) -> tuple[HouseStyle | None, list[Problem]]:
    """Read a reference document, or the problems that make it unusable."""
    problems = check_supplied(path, display, "a zip package", "a Word document (.docx)")
    if problems:
        return None, problems
    try:
        with zipfile.ZipFile(path) as package:
            styles = package.read(STYLES_PART)
            theme = package.read(THEME_PART) if THEME_PART in package.namelist() else None
            document = etree.fromstring(package.read(DOCUMENT_PART), INERT_XML)
        parsed = [document, etree.fromstring(styles, INERT_XML)]
        if theme is not None:
            parsed.append(etree.fromstring(theme, INERT_XML))
        names = style_names(parsed[1])
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as error:
        message = f"not a Word document whose styles can be read: {error}"
        return None, [Problem(display, 1, 1, "", message)]
    if any(root.getroottree().docinfo.internalDTD is not None for root in parsed):
        # Its styles are copied into every document: a DTD would go with them.
        return None, [Problem(display, 1, 1, "styles", "declares a DTD; refused")]
    missing = [name for name in REQUIRED_STYLES if name.lower() not in names]
    if missing:
        return None, [
            Problem(display, 1, 1, "styles", f"has no style '{name}', which the packet uses")
            for name in missing
        ]
    page = page_setup(document)
    if page is None:
        message = (
            "has no page setup (a section with page size and margins) to take the look from; "
            "start from a copy of pipeline/templates/reference.docx"
        )
        return None, [Problem(display, 1, 1, "sections", message)]
    (width, height), margins = page
    return HouseStyle(
        path=path,
        digest=hashlib.sha256(path.read_bytes()).hexdigest(),
        styles=styles,
        theme=theme,
        page=(width, height),
        margins=margins,
    ), []


def page_setup(document: etree._Element) -> tuple[tuple[str, str], dict[str, str]] | None:
    """The last section's page size (shorter side first) and margins, or None if it has none."""
    sections = document.findall(f".//{{{W}}}sectPr")
    if not sections:
        return None
    size, margins = sections[-1].find(f"{{{W}}}pgSz"), sections[-1].find(f"{{{W}}}pgMar")
    if size is None or margins is None:
        return None
    sides = (size.get(f"{{{W}}}w"), size.get(f"{{{W}}}h"))
    found = {side: margins.get(f"{{{W}}}{side}") for side in MARGINS}
    values = [*sides, *found.values()]
    if not all(value and value.lstrip("-").isdigit() for value in values):
        return None
    return tuple(sorted(sides, key=int)), found


def style_names(styles: etree._Element) -> set[str]:
    """Lower-case names of the styles defined (Word stores built-in ones as "heading 1")."""
    return {
        name.get(f"{{{W}}}val").lower()
        for name in styles.iterfind(f"{{{W}}}style/{{{W}}}name")
        if name.get(f"{{{W}}}val")
    }


def is_default(style: HouseStyle | None) -> bool:
    """The project's own look, which the templates already have."""
    return style is None or style.digest == default_style().digest


def apply_style(path: Path, style: HouseStyle) -> None:
    """Give a rendered .docx the reference's styles, theme, page size and margins.

    Landscape sections stay landscape, on the reference's paper turned sideways.
    """
    with zipfile.ZipFile(path) as package:
        entries = [(info, package.read(info)) for info in package.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for info, data in entries:
            if info.filename == STYLES_PART:
                data = style.styles
            elif info.filename == THEME_PART and style.theme is not None:
                data = style.theme
            elif info.filename == DOCUMENT_PART:
                data = restyled_pages(data, style)
            package.writestr(info, data)


def restyled_pages(document_xml: bytes, style: HouseStyle) -> bytes:
    document = etree.fromstring(document_xml)
    for section in document.iter(f"{{{W}}}sectPr"):
        size, margins = section.find(f"{{{W}}}pgSz"), section.find(f"{{{W}}}pgMar")
        if size is not None:
            landscape = int(size.get(f"{{{W}}}w")) > int(size.get(f"{{{W}}}h"))
            width, height = style.page[::-1] if landscape else style.page
            size.set(f"{{{W}}}w", width)
            size.set(f"{{{W}}}h", height)
        if margins is not None:
            for side, value in style.margins.items():
                if value is not None:
                    margins.set(f"{{{W}}}{side}", value)
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", standalone=True)


def contrast(first: str, second: str) -> float:
    """WCAG's contrast ratio of two sRGB colours given as hex (`1B4F72`), 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def luminance(colour: str) -> float:
    """WCAG's relative luminance of a hex colour."""
    channels = [int(colour[n : n + 2], 16) / 255 for n in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colours(style: HouseStyle) -> list[tuple[str, str, str]]:
    """(style name, text colour, what it is shown on) for every style the packet uses that
    sets a colour: its own shading or the page, and for Table Text the header cells' fill."""
    styles = etree.fromstring(style.styles, INERT_XML)
    used = {name.lower(): name for name in REQUIRED_STYLES}  # as Word shows them
    found = []
    for element in styles.iterfind(f"{{{W}}}style"):
        name = element.find(f"{{{W}}}name")
        colour = element.find(f"{{{W}}}rPr/{{{W}}}color")
        value = colour.get(f"{{{W}}}val", "") if colour is not None else ""
        if name is None or name.get(f"{{{W}}}val", "").lower() not in used or not is_hex(value):
            continue
        shading = element.find(f"{{{W}}}pPr/{{{W}}}shd")
        fill = shading.get(f"{{{W}}}fill", "") if shading is not None else ""
        shown = used[name.get(f"{{{W}}}val").lower()]
        found.append((shown, value.upper(), fill.upper() if is_hex(fill) else PAGE_HEX))
        if shown.lower() == "table text":
            found.append((f"{shown} (header cells)", value.upper(), HEADER_FILL))
    return found


def is_hex(value: str) -> bool:
    return len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value)


def low_contrast(style: HouseStyle) -> list[str]:
    """What in a reference document's text colours falls below WCAG AA's 4.5:1."""
    return [
        f"style '{name}' shows text in #{colour} on #{background}: contrast "
        f"{contrast(colour, background):.1f}:1, below the {TEXT_CONTRAST}:1 WCAG AA asks of text"
        for name, colour, background in text_colours(style)
        if contrast(colour, background) < TEXT_CONTRAST
    ]
