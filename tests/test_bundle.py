"""The bundle: cover, contents, each document on a new page, styles and numbering kept."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import PIL.Image
import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from docx.shared import Mm

from pipeline.build import build_packet
from pipeline.bundle import link_target, merge_bundle
from pipeline.content import content
from pipeline.errors import InputError


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    folder = Path(__file__).resolve().parent.parent / "inputs" / "harbor-family-health"
    out = tmp_path_factory.mktemp("bundle") / "harbor-family-health"
    return build_packet(folder, out, pdf=False).out / "bundle.docx"


def test_outputs_one_docx_per_document_and_the_bundle(bundle):
    names = {path.name for path in bundle.parent.iterdir() if not path.name.startswith(".")}
    expected = {f"{doc['id']}.docx" for doc in content("documents")["documents"]}
    assert expected | {"bundle.docx", "drafting-notes.md"} == names


def test_cover_then_contents_then_documents(bundle):
    document = Document(bundle)
    texts = [p.text for p in document.paragraphs]
    assert texts.index("Human Trafficking Response Packet") < texts.index("Contents")
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [doc["title"] for doc in content("documents")["documents"]]
    assert texts[texts.index("Contents") + 1] == f"{headings[0]}\t"


def test_contents_lists_every_heading_with_a_page_reference_to_it(bundle):
    """One line per heading, linked to it, its page a PAGEREF field to the heading's bookmark."""
    document = Document(bundle)
    body = document.element.body
    headings = listed_headings(body)
    lines = body.xpath(".//w:p[w:r/w:instrText[starts-with(normalize-space(), 'PAGEREF')]]")
    assert len(lines) == len(headings) > 10
    assert not body.xpath(".//w:instrText[starts-with(normalize-space(), 'TOC')]")
    for heading, line in zip(headings, lines, strict=True):
        title = "".join(heading.xpath(".//w:t/text()"))
        (bookmark,) = heading.xpath("./w:bookmarkStart/@w:name")
        assert "".join(line.xpath("./w:hyperlink//w:t/text()")) == title
        (link,) = line.xpath("./w:hyperlink")
        assert link_target(link, document.part) == bookmark
        (reference,) = line.xpath(".//w:instrText/text()")
        assert reference.split() == ["PAGEREF", bookmark, "\\h"]
    ids = body.xpath(".//w:bookmarkStart/@w:id")
    assert len(ids) == len(set(ids))


def listed_headings(body) -> list:
    """The headings the contents list: every document's title, and the sections of each
    document that is not listed by its title alone (`contents: title` in documents.yaml)."""
    title_only = {
        entry["title"]
        for entry in content("documents")["documents"]
        if entry.get("contents") == "title"
    }
    listed, current = [], ""
    for heading in body.xpath(".//w:p[w:pPr/w:pStyle[@w:val='Heading1' or @w:val='Heading2']]"):
        if heading.style == "Heading1":
            current = "".join(heading.xpath(".//w:t/text()"))
            listed.append(heading)
        elif current not in title_only:
            listed.append(heading)
    return listed


def test_a_short_document_is_listed_by_its_title_alone(bundle):
    lines = Document(bundle).element.body.xpath(
        ".//w:p[w:r/w:instrText[starts-with(normalize-space(), 'PAGEREF')]]"
    )
    texts = ["".join(line.xpath("./w:hyperlink//w:t/text()")) for line in lines]
    assert "Quick Reference: Responding to Suspected Human Trafficking" in texts
    assert "Safety Plan" in texts and "The steps in words" not in texts


def test_each_document_starts_on_a_new_page(bundle):
    document = Document(bundle)
    paragraphs = document.paragraphs
    for index, paragraph in enumerate(paragraphs):
        if paragraph.style.name == "Heading 1":
            before = paragraphs[index - 1]._p.xml
            assert "<w:sectPr" in before  # a section break: the part starts a new page


def test_header_footer_and_cover_without_them(bundle):
    sections = Document(bundle).sections
    section = sections[0]
    assert section.different_first_page_header_footer
    assert not any(later.different_first_page_header_footer for later in sections[1:])
    assert "Harbor Family Health" in section.header.paragraphs[0].text
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    for later in sections[1:]:  # the cover's header and footer run through the bundle
        assert "Harbor Family Health" in later.header.paragraphs[0].text
        assert "NUMPAGES" in later.footer.paragraphs[0]._p.xml


def test_landscape_pages_survive_the_merge(bundle):
    orientations = [
        section.page_width > section.page_height for section in Document(bundle).sections
    ]
    assert orientations[0] is False and True in orientations
    assert orientations[-1] is False  # the training log's sign-in sheet is portrait


def test_properties_and_field_refresh(bundle):
    document = Document(bundle)
    assert document.core_properties.author == "Harbor Family Health Center"
    assert document.core_properties.title == "Human Trafficking Response Packet 2026"
    assert document.settings.element.find(qn("w:updateFields")) is not None


def test_word_styles_and_list_numbering_survive_the_merge(bundle):
    document = Document(bundle)
    styles = {p.style.name for p in document.paragraphs}
    assert {"Heading 1", "Heading 2", "Heading 3", "List Bullet", "List Number"} <= styles
    numbered = [p for p in document.paragraphs if p.style.name == "List Number"]
    numbering = document.part.numbering_part.element
    style_num = document.styles["List Number"].element.pPr.numPr.numId.val
    assert numbered and numbering.num_having_numId(style_num) is not None


def test_images_of_every_part_are_carried_into_the_bundle(bundle):
    document = Document(bundle)
    blips = document.element.body.iter(qn("a:blip"))
    images = [document.part.related_parts[blip.get(qn("r:embed"))] for blip in blips]
    logo = Path(__file__).resolve().parent.parent / "inputs" / "harbor-family-health" / "logo.png"
    # The cover's logo, re-encoded from its pixels (pipeline.images): the same picture.
    (image,) = images
    with PIL.Image.open(BytesIO(image.blob)) as carried, PIL.Image.open(logo) as original:
        assert carried.tobytes() == original.convert(carried.mode).tobytes()


def test_drawing_and_bookmark_ids_are_unique(bundle):
    body = Document(bundle).element.body
    drawings = [element.get("id") for element in body.iter(qn("wp:docPr"))]
    assert len(drawings) == len(set(drawings))
    bookmarks = [element.get(qn("w:id")) for element in body.iter(qn("w:bookmarkStart"))]
    assert len(bookmarks) == len(set(bookmarks))


def test_parts_bring_their_own_styles_links_images_and_lists(tmp_path):
    """What a template edited in Word can add: a style of its own, a web link, a picture."""
    templates = Path(__file__).resolve().parent.parent / "pipeline" / "templates"
    logo = Path(__file__).resolve().parent.parent / "inputs" / "harbor-family-health" / "logo.png"
    parts = []
    for number in (1, 2):
        part = Document(templates / "policy.docx")
        part.element.body.clear_content()
        style = part.styles.add_style(f"Local Note {number}", WD_STYLE_TYPE.PARAGRAPH)
        part.add_paragraph(f"Part {number}", style=style)
        part.add_paragraph("First step", style="List Number")
        part.add_paragraph("Second step", style="List Number")
        part.add_picture(str(logo), width=Mm(20))
        link = part.part.relate_to(f"https://example.org/{number}", RT.HYPERLINK, is_external=True)
        hyperlink = part.add_paragraph()._p.makeelement(qn("w:hyperlink"), {qn("r:id"): link})
        part.paragraphs[-1]._p.append(hyperlink)
        parts.append(tmp_path / f"part-{number}.docx")
        part.save(parts[-1])
    context = {
        "agency": {"legal_name": "Test Agency"},
        "packet": {"year": 2026, "date": "2026-07-01"},
    }
    merged = merge_bundle(templates / "cover.docx", parts, tmp_path / "bundle.docx", context)

    document = Document(merged)
    assert {"Local Note 1", "Local Note 2"} <= {style.name for style in document.styles}
    links = [
        document.part.rels[h.get(qn("r:id"))] for h in document.element.body.iter(qn("w:hyperlink"))
    ]
    assert [link.target_ref for link in links] == ["https://example.org/1", "https://example.org/2"]
    blips = list(document.element.body.iter(qn("a:blip")))
    assert len(blips) == 2 and all(document.part.related_parts[b.get(qn("r:embed"))] for b in blips)
    numbering = document.part.numbering_part.element
    firsts = [p for p in document.paragraphs if p.text == "First step"]
    for paragraph in firsts:  # each part's list starts again at 1
        number = numbering.num_having_numId(paragraph._p.pPr.numPr.numId.val)
        assert number.xpath("w:lvlOverride/w:startOverride/@w:val") == ["1"]


def test_failed_build_leaves_earlier_outputs_untouched(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    out = tmp_path / "out" / "test-agency"
    build_packet(folder, out, pdf=False)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    (folder / "profile.yaml").write_text("agency: {}\n")
    with pytest.raises(InputError):
        build_packet(folder, out, pdf=False)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert sorted(path.name for path in out.parent.iterdir()) == ["test-agency"]
