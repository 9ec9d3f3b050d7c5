"""A provider's house style: a restyled reference document gives any packet its look."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.shared import Inches, RGBColor

from pipeline.archive import archive_packet
from pipeline.build import build_packet
from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.load import load_agency
from pipeline.style import (
    GRAPHIC_CONTRAST,
    HEADER_FILL,
    PAGE_HEX,
    contrast,
    default_reference,
    default_style,
    house_style,
    low_contrast,
    text_colours,
)
from tests.helpers import docx_text

BODY_TEXT = "This sentence of the reference document must never reach a packet."


def restyled(target: Path) -> Path:
    """A copy of the reference, restyled the way a provider does it in Word."""
    reference = Document(default_reference())
    heading = reference.styles["Heading 1"]
    heading.font.name = "Caladea"
    heading.font.color.rgb = RGBColor(0x8B, 0x00, 0x00)
    normal = reference.styles["Normal"]
    normal.font.name = "Liberation Serif"
    normal.font.color.rgb = RGBColor(0x00, 0x33, 0x66)
    reference.sections[0].left_margin = reference.sections[0].right_margin = Inches(1.25)
    reference.add_paragraph(BODY_TEXT)
    reference.save(target)
    return target


@pytest.fixture
def house(tmp_path) -> Path:
    return restyled(tmp_path / "house-style.docx")


def test_a_restyled_heading_and_normal_reach_the_bundle(scenario, tmp_path, house):
    out = build_packet(
        scenario("minimal-clinic"), tmp_path / "out", pdf=False, style=house_style(house)
    )
    bundle = Document(out.out / "bundle.docx")
    heading = bundle.styles["Heading 1"].font
    assert (heading.name, heading.color.rgb) == ("Caladea", RGBColor(0x8B, 0x00, 0x00))
    normal = bundle.styles["Normal"].font
    assert (normal.name, normal.color.rgb) == ("Liberation Serif", RGBColor(0x00, 0x33, 0x66))


def test_every_document_takes_the_page_margins(scenario, tmp_path, house):
    out = build_packet(
        scenario("minimal-clinic"), tmp_path / "out", pdf=False, style=house_style(house)
    )
    for name in ("policy.docx", "directory.docx", "bundle.docx"):
        margins = {section.left_margin for section in Document(out.out / name).sections}
        assert margins == {Inches(1.25)}, name


def test_landscape_pages_stay_landscape(scenario, tmp_path, house):
    out = build_packet(
        scenario("minimal-clinic"), tmp_path / "out", pdf=False, style=house_style(house)
    )
    sections = Document(out.out / "directory.docx").sections
    assert any(section.page_width > section.page_height for section in sections)


def test_the_reference_documents_text_never_reaches_the_packet(scenario, tmp_path, house):
    out = build_packet(
        scenario("minimal-clinic"), tmp_path / "out", pdf=False, style=house_style(house)
    )
    assert BODY_TEXT not in docx_text(out.out / "bundle.docx")


def test_an_agency_names_its_own_reference_in_its_profile(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    restyled(folder / "house-style.docx")
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text() + "style: house-style.docx\n")
    out = build_packet(folder, tmp_path / "out", pdf=False)
    assert Document(out.out / "policy.docx").styles["Heading 1"].font.name == "Caladea"


def test_the_default_look_needs_no_reference(scenario, tmp_path):
    out = build_packet(scenario("minimal-clinic"), tmp_path / "out", pdf=False)
    assert Document(out.out / "bundle.docx").styles["Heading 1"].font.name == "Carlito"


def test_a_reference_without_a_style_the_packet_needs_names_it(tmp_path):
    reference = Document(default_reference())
    styles = reference.styles.element
    styles.remove(reference.styles["Heading 3"].element)
    reference.save(tmp_path / "partial.docx")
    with pytest.raises(InputError) as caught:
        house_style(tmp_path / "partial.docx")
    (problem,) = caught.value.problems
    assert problem.message == "has no style 'Heading 3', which the packet uses"


def test_a_reference_that_is_not_a_word_file_is_refused(scenario, tmp_path):
    fake = tmp_path / "style.docx"
    fake.write_text("Heading 1: Caladea, dark red")
    result = CliRunner().invoke(
        main, ["bundle", str(scenario("minimal-clinic")), "--style", str(fake), "--no-pdf"]
    )
    assert result.exit_code == 2
    assert "expected a Word document (.docx), but the file is text" in result.output


def test_a_profile_style_outside_the_folder_or_broken_is_an_input_problem(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    (folder / "house-style.docx").write_text("not a Word file")
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text() + "style: house-style.docx\n")
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    (problem,) = caught.value.problems
    assert problem.field == "style"
    assert problem.message.startswith("house-style.docx: expected a Word document (.docx)")


def test_blank_packets_take_the_style_too(tmp_path, house):
    from pipeline.blank import build_blank

    out = build_blank("school", tmp_path / "blank", pdf=False, style=house_style(house))
    assert Document(out.out / "bundle.docx").styles["Heading 1"].font.name == "Caladea"


@pytest.mark.pdf
def test_the_archive_records_which_reference_gave_the_look(sample, tmp_path, house):
    folder = tmp_path / "inputs" / "harbor-family-health"
    shutil.copytree(sample("harbor-family-health"), folder)
    version = archive_packet(folder, None, tmp_path / "archive", style=house_style(house))
    manifest = json.loads((version.path / "manifest.json").read_text())
    assert manifest["style"] == {"file": "house-style.docx", "sha256": house_style(house).digest}


def template_builder():
    """templates/source/build.py, which holds the fills of header cells and rating bars."""
    path = Path(__file__).resolve().parent.parent / "templates" / "source" / "build.py"
    spec = importlib.util.spec_from_file_location("template_builder", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_default_look_meets_wcag_aa_contrast():
    """Every text colour of the project's reference on its background (the page, its own
    shading, the header cells' fill) reaches 4.5:1; the rating bars reach 3:1 on the page."""
    builder = template_builder()
    assert builder.HEADER_FILL == HEADER_FILL
    assert text_colours(default_style())  # it does set colours (headings, links, fill-ins)
    assert low_contrast(default_style()) == []
    for bar in (builder.BAR_HEX, builder.ALERT_HEX):
        assert contrast(bar, PAGE_HEX) >= GRAPHIC_CONTRAST


def test_contrast_is_measured_as_wcag_does():
    assert round(contrast("000000", "FFFFFF"), 1) == 21.0
    assert round(contrast("777777", "FFFFFF"), 2) == 4.48  # the grey just short of AA


def test_a_reference_with_pale_text_is_a_warning_naming_the_style(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    reference = Document(restyled(folder / "house-style.docx"))
    reference.styles["Heading 2"].font.color.rgb = RGBColor(0xAA, 0xAA, 0xAA)
    reference.save(folder / "house-style.docx")
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text() + "style: house-style.docx\n")
    (warning,) = [w for w in load_agency(folder).warnings if "contrast" in w.message]
    assert warning.is_warning and warning.field == "style"
    assert "'Heading 2'" in warning.message and "#AAAAAA on #FFFFFF" in warning.message
