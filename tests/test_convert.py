"""The PDF: made by LibreOffice, with bookmarks, metadata and a contents page with page numbers."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline import convert
from pipeline.build import build_packet
from pipeline.bundle import printed_contents_pages, write_contents_pages
from pipeline.cli import main
from pipeline.content import content
from pipeline.context import build_context
from pipeline.convert import PdfJob, convert_to_pdf, split_by_bookmarks
from pipeline.errors import ConversionError
from pipeline.load import load_agency
from tests.conftest import SAMPLES
from tests.helpers import LEFTOVERS, lock_files, outline_titles, pdf_text, unwritten_files

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def pdfs(sample_packets) -> dict[str, Path]:
    return {slug: folder / "bundle.pdf" for slug, folder in sample_packets.items()}


@pytest.mark.parametrize("slug", SAMPLES)
def test_pdf_has_pages_text_and_no_leftover_tags(pdfs, slug):
    reader = PdfReader(pdfs[slug])
    assert len(reader.pages) >= 6
    text = pdf_text(pdfs[slug])
    assert "Human Trafficking Response Packet" in text
    assert "Step 3: Take action" in text
    for leftover in LEFTOVERS:
        assert leftover not in text


@pytest.mark.parametrize("slug", SAMPLES)
def test_bookmarks_for_each_document_and_metadata(pdfs, slug):
    titles = outline_titles(pdfs[slug])
    for document in content("documents")["documents"]:
        assert document["title"] in titles
    metadata = PdfReader(pdfs[slug]).metadata
    assert metadata.title.startswith("Human Trafficking Response Packet")
    root = Path(__file__).resolve().parent.parent / "inputs"
    assert metadata.author == load_agency(root / slug).profile["agency"]["legal_name"]


def test_one_pdf_per_document_is_cut_from_the_bundle(pdfs):
    bundle = PdfReader(pdfs["harbor-family-health"])
    total = 0
    for document in content("documents")["documents"]:
        part = PdfReader(pdfs["harbor-family-health"].with_name(f"{document['id']}.pdf"))
        assert document["title"] in part.pages[0].extract_text()
        assert part.metadata.title == document["title"]
        total += len(part.pages)
    first = min(bundle.get_destination_page_number(item) for item in bundle.outline[:1])
    assert total == len(bundle.pages) - first  # all but the cover and the contents


def test_contents_page_shows_real_page_numbers(pdfs):
    assert_contents_shows_real_page_numbers(pdfs["harbor-family-health"])


def assert_contents_shows_real_page_numbers(path):
    reader = PdfReader(path)
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents
    listed = dict(re.findall(r"(Purpose|Procedure)\s*\.*\s*(\d+)", contents))
    assert set(listed) == {"Purpose", "Procedure"}
    for heading, page in listed.items():
        page_text = reader.pages[int(page) - 1].extract_text()
        assert heading in page_text


def test_missing_libreoffice_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ConversionError) as caught:
        convert_to_pdf([PdfJob(tmp_path / "a.docx", tmp_path / "a.pdf")])
    assert caught.value.exit_code == 1
    assert "apt-get install libreoffice-writer-nogui" in caught.value.message


def test_failed_conversion_leaves_earlier_outputs_untouched(monkeypatch, scenario, tmp_path):
    folder = scenario("minimal-clinic")
    out = tmp_path / "out" / "test-agency"
    build_packet(folder, out, pdf=False)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    monkeypatch.setattr(convert, "soffice", lambda: "/bin/false")
    monkeypatch.setattr(convert, "uno_pythons", lambda: ())  # plain conversion, which fails
    with pytest.raises(ConversionError):
        build_packet(folder, out)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert [path.name for path in out.parent.iterdir()] == ["test-agency"]


def test_plain_conversion_fallback_writes_a_pdf(monkeypatch, tmp_path, pdfs):
    """Without LibreOffice's Python bridge, plain --convert-to still produces the PDF."""
    monkeypatch.setattr(convert, "uno_pythons", lambda: ())
    source = pdfs["harbor-family-health"].with_name("policy.docx")
    target = tmp_path / "policy.pdf"
    convert_to_pdf([PdfJob(source, target)])
    first_page = PdfReader(target).pages[0].extract_text()
    assert "Human Trafficking Response Policy and Procedure" in first_page


def test_a_file_libreoffice_cannot_open_is_named_and_the_run_goes_on(tmp_path, pdfs):
    source = pdfs["harbor-family-health"].with_name("policy.docx")
    unreadable = tmp_path / "unreadable.docx"  # does not exist
    with convert.Converter() as converter:
        with pytest.raises(ConversionError) as caught:
            converter.convert([PdfJob(unreadable, tmp_path / "unreadable.pdf")])
        converter.convert([PdfJob(source, tmp_path / "policy.pdf")])
    assert "unreadable.docx" in caught.value.message
    assert (tmp_path / "policy.pdf").read_bytes().startswith(b"%PDF-")


def test_a_python_without_the_bridge_falls_back_to_plain_conversion(monkeypatch, tmp_path, pdfs):
    """The project's own Python has no `uno`: the run says so at once and --convert-to is used.

    The contents page still gets its page numbers (fields LibreOffice fills in itself), and its
    lines' links, from which the Word bundle takes them.
    """
    monkeypatch.setattr(convert, "uno_pythons", lambda: (sys.executable,))
    source = pdfs["harbor-family-health"].with_name("bundle.docx")
    convert_to_pdf([PdfJob(source, tmp_path / "bundle.pdf")])
    assert_contents_shows_real_page_numbers(tmp_path / "bundle.pdf")
    with pikepdf.open(tmp_path / "bundle.pdf") as pdf:  # its links give the same numbers
        linked = convert.linked_contents_pages(pdf)
    assert linked == printed_contents_pages(PdfReader(tmp_path / "bundle.pdf"))


def test_libreoffice_leaves_no_lock_file_beside_a_document_it_still_has_open(tmp_path, pdfs):
    """The run answers before it closes the document, and the build then publishes the folder:
    a lock file written beside the document would be published with it."""
    shutil.copy(pdfs["harbor-family-health"].with_name("bundle.docx"), tmp_path)
    with convert.Converter() as converter:
        converter.convert([PdfJob(tmp_path / "bundle.docx", tmp_path / "bundle.pdf")])
        assert lock_files(tmp_path) == []


def test_bundle_leaves_only_the_files_it_says_it_wrote(scenario, tmp_path):
    out = tmp_path / "out"
    folder = scenario("minimal-clinic")
    result = CliRunner().invoke(main, ["bundle", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [Path(line.removeprefix("wrote ")) for line in result.stdout.splitlines()]
    assert (out / "bundle.pdf") in written
    assert lock_files(out) == []
    assert unwritten_files(out, written) == []


def test_pdf_dates_say_nothing_of_the_build_machines_time_zone(monkeypatch, scenario, tmp_path):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    out = build_packet(scenario("minimal-clinic"), tmp_path / "out").out
    reader = PdfReader(out / "bundle.pdf")
    xmp = reader.xmp_metadata.stream.get_data().decode()
    xmp_dates = re.findall(r"<xmp:\w+Date>([^<]*)<", xmp)
    assert re.fullmatch(r"D:\d{14}Z'?", reader.metadata["/CreationDate"])
    assert xmp_dates and all(date.endswith("Z") for date in xmp_dates), xmp_dates


def test_the_pdf_declares_the_agencys_language(pdfs):
    root = PdfReader(pdfs["northgate-youth-shelter"]).trailer["/Root"]
    assert root["/Lang"] == "en-GB"


def alternative_texts(node) -> list[str]:
    """Every /Alt in a tagged PDF's structure tree under `node`."""
    node = node.get_object()
    if isinstance(node, list):
        return [alt for kid in node for alt in alternative_texts(kid)]
    if not isinstance(node, dict):
        return []
    own = [str(node["/Alt"])] if "/Alt" in node else []
    return own + (alternative_texts(node["/K"]) if "/K" in node else [])


def test_the_logo_carries_its_alternative_text_into_the_pdf(pdfs):
    root = PdfReader(pdfs["harbor-family-health"]).trailer["/Root"]
    logo, flowchart = alternative_texts(root["/StructTreeRoot"])  # the cover's, the quickref's
    assert logo == "Harbor Family Health logo, a white H in a dark blue circle"
    assert flowchart.startswith("Flowchart of Harbor Family Health’s response")


def word_contents_pages(docx: Path) -> list[str]:
    """The page numbers the bundle's Word contents show (each PAGEREF field's result)."""
    body = Document(docx).element.body
    references = [
        text for text in body.iter(qn("w:instrText")) if text.text.strip().startswith("PAGEREF")
    ]
    shown = []
    for reference in references:
        run = reference.getparent().getnext()  # fldChar "separate", then the result
        shown.append(run.getnext().findtext(qn("w:t")))
    return shown


@pytest.mark.parametrize("slug", SAMPLES)
def test_the_word_contents_show_the_pages_the_pdf_prints(pdfs, slug):
    """The Word bundle's contents get the pages their lines' links lead to in the PDF: one link
    target per line, and the same numbers the PDF's contents page prints."""
    printed = printed_contents_pages(PdfReader(pdfs[slug]))
    with pikepdf.open(pdfs[slug]) as pdf:
        assert convert.linked_contents_pages(pdf) == printed
    assert len(printed) > 40
    assert word_contents_pages(pdfs[slug].with_name("bundle.docx")) == printed


def test_without_links_the_contents_take_the_pages_the_pdf_prints(tmp_path, pdfs):
    """Where the links do not give one page per line, the numbers are read from the PDF's
    contents page."""
    folder = Path(__file__).resolve().parent.parent / "inputs" / "harbor-family-health"
    docx = build_packet(folder, tmp_path / "out", pdf=False).out / "bundle.docx"
    assert write_contents_pages(docx, ["3", "4"], pdfs["harbor-family-health"])
    printed = printed_contents_pages(PdfReader(pdfs["harbor-family-health"]))
    assert word_contents_pages(docx) == printed


def test_a_second_process_cuts_the_same_documents_as_one(tmp_path, pdfs):
    """The build cuts about half the documents in a forked process: the files are those one
    process cuts (qpdf gives each save an /ID of its own, so they are compared as PDFs)."""
    bundle = pdfs["harbor-family-health"]
    folder = Path(__file__).resolve().parent.parent / "inputs" / "harbor-family-health"
    documents = [d for d in build_context(load_agency(folder))["documents"] if not d.get("form")]
    made = {}
    for helper in (False, True):
        (tmp_path / str(helper)).mkdir()
        with convert.open_written_pdf(bundle) as source:
            split_by_bookmarks(source, bundle, documents, tmp_path / str(helper), helper)
        made[helper] = {path.name: path for path in (tmp_path / str(helper)).glob("*.pdf")}
    assert sorted(made[True]) == sorted(made[False]) == sorted(f"{d['id']}.pdf" for d in documents)
    for name, path in made[True].items():
        with pikepdf.open(path) as two, pikepdf.open(made[False][name]) as one:
            assert len(two.pages) == len(one.pages) and len(two.objects) == len(one.objects)
            assert "/StructTreeRoot" in two.Root and two.Root.StructTreeRoot.get("/K")
        assert pdf_text(path) == pdf_text(made[False][name])
