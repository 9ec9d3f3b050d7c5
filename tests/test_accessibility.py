"""Every PDF the packet builder writes passes PDF/UA-1 in an independent validator
(page-validation, from PyPI), and each rule family is checked on its own."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import outloud
import page
import pikepdf
import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.archive import archive_packet
from pipeline.blank import build_blank
from pipeline.content import content
from pipeline.diff import compare_named, diff_pdf
from pipeline.forms import FORM_PDF, build_forms
from tests.conftest import FIXTURES, ROOT, SAMPLES

pytestmark = pytest.mark.pdf

PDF_UA_1 = page._enums.ValidationProfile.PDF_UA_1
PDF_A_2B = page._enums.ValidationProfile.PDF_A_2B
PARTS = [document["id"] for document in content("documents")["documents"]]


def failures(path: Path, profile=PDF_UA_1) -> list[str]:
    """What the validator finds against `profile`, one line per failure."""
    result = page.validate_pdf(str(path), profile=profile)
    return [
        f"{failure.rule_id}: {failure.message}"
        for failure in result.failures
        if not is_exact_length_ending_in_cr(path, failure)
    ]


def is_exact_length_ending_in_cr(path: Path, failure) -> bool:
    """page-validation 0.11 counts a stream whose data ends in a carriage return (`...\\r` then
    the line feed before `endstream`) one byte short, naming the object or not. About one
    compressed stream in 256 ends so, so the rule would fail builds at random: when a stream
    of the file ends so, every stream's /Length is checked here instead, against the bytes
    between `stream` and `endstream` as the file holds them."""
    if failure.rule_id != "PDFA2B-STREAM-LENGTH-001":
        return False
    data = path.read_bytes()
    ending_in_cr = False
    with pikepdf.open(path) as pdf:
        for stream in (item for item in pdf.objects if isinstance(item, pikepdf.Stream)):
            number, generation = stream.objgen
            header = re.search(rb"(?<!\d)%d %d obj" % (number, generation), data)
            if header is None:
                continue  # inside an object stream, which holds no streams
            start = data.index(b"stream", header.end()) + len(b"stream")
            start += 2 if data[start : start + 2] == b"\r\n" else 1
            length = int(stream.stream_dict["/Length"])
            if data[start + length : start + length + 11].lstrip(b"\r\n")[:9] != b"endstream":
                return False
            ending_in_cr |= data[start + length - 1 : start + length] == b"\r"
    return ending_in_cr


@pytest.fixture(scope="module")
def blank_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("blank-pdf") / "health_clinic"
    return build_blank("health_clinic", out, pdf=True, today=date(2026, 11, 23)).out


@pytest.fixture(scope="module")
def respondent_form(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("form-pdf")
    build_forms(ROOT / "inputs" / "harbor-family-health", out)
    return out / FORM_PDF


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> tuple[Path, Path]:
    """An agency archived for 2026, then corrected as 2026-r2: (its version folder, the diff
    report's PDF between the two)."""
    work = tmp_path_factory.mktemp("archived-pdf")
    folder = work / "inputs" / "archive-clinic"
    shutil.copytree(FIXTURES / "minimal-clinic", folder)
    root = work / "archive"
    archive_packet(folder, 2026, root)
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text().replace("Ada Tester", "Ada Tester-Brown"))
    version = archive_packet(folder, 2026, root, revision="the champion's name corrected")
    changes = compare_named(root, "archive-clinic", "2026", version.name)
    return version.path, diff_pdf(changes, work / "diff.pdf")


@pytest.mark.parametrize(
    ("slug", "name"), [(slug, name) for slug in SAMPLES for name in ["bundle", *PARTS]]
)
def test_every_pdf_of_every_sample_passes_pdf_ua_1(sample_packets, slug, name):
    assert failures(sample_packets[slug] / f"{name}.pdf") == []


@pytest.mark.parametrize("name", ["bundle", *PARTS])
def test_a_blank_packet_passes_pdf_ua_1(blank_pdf, name):
    assert failures(blank_pdf / f"{name}.pdf") == []


def test_the_respondent_form_passes_pdf_ua_1(respondent_form):
    assert failures(respondent_form) == []


def test_the_diff_report_passes_pdf_ua_1(archived):
    _, report = archived
    assert failures(report) == []


@pytest.mark.parametrize("name", ["bundle", *PARTS])
def test_every_archived_pdf_is_pdf_a_2b_and_pdf_ua_1_and_says_so(archived, name):
    version, _ = archived
    pdf = version / "data" / "packet" / f"{name}.pdf"
    assert failures(pdf, PDF_A_2B) == []
    assert failures(pdf) == []
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["files"][f"data/packet/{name}.pdf"]["conformance"] == ["PDF/A-2b", "PDF/UA-1"]


@pytest.mark.parametrize("name", PARTS)
def test_a_second_checker_finds_no_error_in_the_clinics_documents(sample_packets, name):
    """outloud (a PDF/UA-1 and WCAG checker of its own, about a second a file) on each of the
    sample clinic's documents: among its heuristics, an artifact that reads as prose (a long
    table heading repeated at the top of a page, Table 4's before its heading was printed on
    two lines as the toolkit prints it)."""
    assert outloud_errors(sample_packets["harbor-family-health"] / f"{name}.pdf") == []


def outloud_errors(path: Path) -> list[str]:
    result = outloud.check(str(path))
    assert result.error is None
    return [f"{f.rule} p.{f.page}: {f.message}" for f in result.findings if f.severity == "error"]


@pytest.fixture(scope="module")
def blank_school_pdf(tmp_path_factory) -> Path:
    """A school's blank packet: its forms say "student", and break across pages elsewhere."""
    out = tmp_path_factory.mktemp("blank-school") / "school"
    return build_blank("school", out, pdf=True, today=date(2026, 11, 23)).out


@pytest.mark.parametrize("slug", [*SAMPLES, "blank health_clinic", "blank school"])
def test_a_second_checker_finds_no_error_in_any_bundle(
    sample_packets, blank_pdf, blank_school_pdf, slug
):
    """Every document and form of each sample and two blank types, where pages break
    differently: a form's heading and its field kept on one page (a heading repeated over a
    field on the next page reads as skipped prose to outloud)."""
    folder = {"blank health_clinic": blank_pdf, "blank school": blank_school_pdf}.get(slug)
    assert outloud_errors((folder or sample_packets.get(slug)) / "bundle.pdf") == []


# One test per rule family, on the sample clinic's files.


def elements(node, kind: str) -> list:
    """Every structure element of type `kind` under `node`."""
    found = []
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += [kid] if kind == kid.S else []
            found += elements(kid, kind)
    return found


def annotations(pdf, subtype) -> list:
    """Every annotation of the PDF's pages of this subtype (`/Link`, `/Widget`)."""
    return [
        annotation
        for page in pdf.pages
        for annotation in page.obj.get("/Annots", [])
        if annotation.Subtype == subtype
    ]


def has_header_cell(table) -> bool:
    return bool(elements(table, "/TH"))


@pytest.mark.parametrize("name", PARTS)
def test_every_table_has_header_cells(sample_packets, name):
    with pikepdf.open(sample_packets["harbor-family-health"] / f"{name}.pdf") as pdf:
        tables = elements(pdf.Root.StructTreeRoot, "/Table")
        assert tables and all(has_header_cell(table) for table in tables)


def test_templates_mark_every_table_header_row_and_keep_it_with_the_next(sample_packets):
    """A header row repeats as TH on later pages and is never left alone at a page's foot,
    where its repetition, an artifact readers skip, would be the only one read with the rows."""
    for name in PARTS:
        for table in Document(sample_packets["harbor-family-health"] / f"{name}.docx").tables:
            first = table.rows[0]._tr
            assert first.xpath("./w:trPr/w:tblHeader"), f"{name}: {table.rows[0].cells[0].text}"
            assert all(p.xpath("./w:pPr/w:keepNext") for p in first.iter(qn("w:p")))


def test_every_link_has_a_description_and_still_leads_to_its_page(sample_packets):
    for name in ("bundle", "assessment"):
        with pikepdf.open(sample_packets["harbor-family-health"] / f"{name}.pdf") as pdf:
            pages = {page.objgen for page in pdf.pages}
            links = annotations(pdf, pikepdf.Name.Link)
            assert len(links) > 60
            assert all(str(link.get("/Contents", "")).strip() for link in links)
            assert all(link.Dest[0].objgen in pages for link in links)


def test_the_column_headings_are_read_not_skipped_as_artifacts(sample_packets):
    """Domain 12's facility columns and the directory's column headings are header cells of
    the structure, read by a screen reader, not page furniture."""
    path = sample_packets["harbor-family-health"] / "bundle.pdf"
    reader = PdfReader(path)
    with pikepdf.open(path) as pdf:
        numbers = {page.objgen: number for number, page in enumerate(pdf.pages)}
        shown: dict[int, dict[int, str]] = {}
        headers = set()
        for cell in elements(pdf.Root.StructTreeRoot, "/TH"):
            for page, mcid in marked_content(cell):
                number = numbers[page.objgen]
                if number not in shown:
                    shown[number] = marked_texts(reader.pages[number])
                headers.add(shown[number].get(mcid, "").strip())
    assert {"Health service", "Mental health service", "F1", "F5"} <= headers
    assert {"Name and services", "Verified"} <= headers


def marked_content(element) -> list[tuple]:
    """(page, MCID) of each piece of marked content under `element`."""
    found = []
    kids = element.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, int):
            found.append((element.Pg, kid))
        elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += marked_content(kid)
        elif isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:
            found.append((kid.get("/Pg", element.get("/Pg")), int(kid.MCID)))
    return found


def marked_texts(page) -> dict[int, str]:
    """MCID -> the text shown in that marked content of a page (pypdf decodes the fonts)."""
    open_marks: list = []
    texts: dict[int, str] = {}

    def before(operator, operands, *_):
        if operator == b"BDC":
            properties = operands[1] if len(operands) > 1 else None
            open_marks.append(properties.get("/MCID") if isinstance(properties, dict) else None)
        elif operator == b"BMC":
            open_marks.append(None)
        elif operator == b"EMC" and open_marks:
            open_marks.pop()

    def shown(text, *_):
        current = next((mark for mark in reversed(open_marks) if mark is not None), None)
        if current is not None:
            texts[int(current)] = texts.get(int(current), "") + text

    page.extract_text(visitor_operand_before=before, visitor_text=shown)
    return texts


@pytest.mark.parametrize("slug", SAMPLES)
def test_every_pdf_declares_the_agencys_language_and_its_own_title(sample_packets, slug):
    with pikepdf.open(sample_packets[slug] / "bundle.pdf") as bundle:
        language = str(bundle.Root.Lang)
    titles = {document["id"]: document["title"] for document in content("documents")["documents"]}
    for name in PARTS:
        with pikepdf.open(sample_packets[slug] / f"{name}.pdf") as pdf:
            assert str(pdf.Root.Lang) == language
            assert pdf.open_metadata()["dc:title"] == titles[name] == str(pdf.docinfo.Title)
            assert pdf.Root.ViewerPreferences.DisplayDocTitle
            with pdf.open_outline() as outline:
                assert [item.title for item in outline.root] == [titles[name]]
        # Its pages are numbered as their footers print them, the bundle's numbers.
        first = PdfReader(sample_packets[slug] / f"{name}.pdf")
        assert f"Page {first.page_labels[0]} of" in first.pages[0].extract_text()


def test_every_figure_has_alternative_text(sample_packets):
    with pikepdf.open(sample_packets["harbor-family-health"] / "bundle.pdf") as pdf:
        figures = elements(pdf.Root.StructTreeRoot, "/Figure")
    assert figures and all(str(figure.get("/Alt", "")).strip() for figure in figures)


def test_the_logos_alternative_text_is_its_description(sample_packets):
    with pikepdf.open(sample_packets["harbor-family-health"] / "bundle.pdf") as pdf:
        texts = {
            str(figure.get("/Alt", "")) for figure in elements(pdf.Root.StructTreeRoot, "/Figure")
        }
    assert "Harbor Family Health logo, a white H in a dark blue circle" in texts


def test_form_fields_have_spoken_names_and_a_structure_tab_order(respondent_form):
    with pikepdf.open(respondent_form) as pdf:
        widgets = annotations(pdf, pikepdf.Name.Widget)
        assert len(widgets) > 50
        assert all(str(widget.get("/TU", "")).strip() for widget in widgets)
        assert all(page.obj.get("/Tabs") == pikepdf.Name.S for page in pdf.pages)
        forms = elements(pdf.Root.StructTreeRoot, "/Form")
        assert len(forms) == len(widgets)
        assert all(widget_only(form) for form in forms)


def widget_only(form) -> bool:
    """A Form element holds one object reference, its widget, and no text (PDF/UA-1)."""
    kids = list(form.K) if isinstance(form.K, pikepdf.Array) else [form.K]
    return len(kids) == 1 and isinstance(kids[0], pikepdf.Dictionary) and kids[0].Type == "/OBJR"
