"""The community resource directory: every Section V category, national resources, warnings."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from docx.oxml.ns import qn

from pipeline.build import build_packet
from pipeline.content import content
from pipeline.context import build_context
from pipeline.directory import arrange, categories, national_set
from pipeline.errors import InputError
from pipeline.load import load_agency
from pipeline.locales import respell
from tests.conftest import FIXTURES
from tests.helpers import cell_text, docx_text


def directory_docx(folder: Path, tmp_path: Path) -> Path:
    return build_packet(folder, tmp_path / "o", pdf=False).out / "directory.docx"


def first_column(path: Path) -> list[str]:
    return [cell_text(row.cells[0]) for table in Document(path).tables for row in table.rows]


def names_in_order(path: Path) -> list[str]:
    """The entries' names, in bold in each row's second cell, from top to bottom."""
    cells = [row.cells[1] for table in Document(path).tables for row in table.rows]
    return [run.text for cell in cells for run in cell.paragraphs[0].runs[:1] if run.bold]


def test_every_section_v_category_is_in_the_document(scenario, tmp_path):
    path = directory_docx(scenario("minimal-clinic"), tmp_path)
    column = first_column(path)
    text = docx_text(path)
    for group in content("directory")["groups"]:
        assert group["title"] in text
        for category in group["categories"]:
            # The toolkit's headings in the packet's (here US) spelling.
            assert respell(category["title"], "en-US") in column, category["title"]
    assert text.count("[to fill in]") >= len(categories()) - 6  # all but the national hotlines
    for organization in content("directory")["groups"][-1]["listed_organizations"]:
        assert organization["name"] in text


def test_us_agencies_get_national_resources_and_others_do_not(scenario, sample):
    arranged = build_context(load_agency(scenario("minimal-clinic")))["directory"]
    names = {e["name"] for g in arranged["groups"] for c in g["categories"] for e in c["entries"]}
    us = content("national_resources")["countries"]["US"]["resources"]
    national = {resource["name"] for resource in us}
    assert national <= names
    abroad = build_context(load_agency(sample("northgate-youth-shelter")))["directory"]
    names = {e["name"] for g in abroad["groups"] for c in g["categories"] for e in c["entries"]}
    assert not national & names


def test_national_resources_can_be_excluded_or_replaced(scenario):
    arranged = build_context(load_agency(scenario("directory-entries")))["directory"]
    entries = [e for g in arranged["groups"] for c in g["categories"] for e in c["entries"]]
    names = [entry["name"] for entry in entries]
    assert "National Center for Missing" not in " ".join(names)
    assert "National Human Trafficking Hotline (local routing test)" in names
    assert "National Human Trafficking Hotline" not in names


def test_entries_sorted_24_7_marked_stale_flagged(scenario, tmp_path):
    folder = scenario("directory-entries")
    inputs = load_agency(folder)
    stale = [w for w in inputs.warnings if "was last verified" in w.message]
    assert [w.field for w in stale] == ["entries[2].last_verified"]
    empty = [w for w in inputs.warnings if "categories have no entries" in w.message]
    assert len(empty) == 1
    text = docx_text(directory_docx(folder, tmp_path))
    assert text.index("Alpha Safe House") < text.index("Zebra Safe House")
    assert "● 24/7" in text
    assert "Address confidential" in text and "12 Secret Lane" not in text
    assert "June 30, 2025 [not verified]" in text
    assert "Stay: Up to 90 days" in text
    assert "Most common languages encountered: Spanish, Somali." in text


def category_names(arranged: dict, category_id: str) -> list[str]:
    return next(
        [entry["name"] for entry in category["entries"]]
        for group in arranged["groups"]
        for category in group["categories"]
        if category["id"] == category_id
    )


def test_the_hsi_tip_line_is_no_front_line_hotline(scenario, tmp_path):
    """A law-enforcement line: the policy names it for the protocol champion, the directory's
    hotlines do not list it."""
    folder = scenario("minimal-clinic")
    assert "HSI Tip Line" not in names_in_order(directory_docx(folder, tmp_path))
    context = build_context(load_agency(folder))
    assert "hsi_tip_line" in {office["id"] for office in context["national"]["official_contacts"]}


def test_national_resources_come_first_then_the_agencys_entries_by_name():
    entries = [
        {"name": name, "category": "anti_trafficking_hotline", "last_verified": "2026-11-01"}
        for name in ("Zeta Help Line", "Alpha Help Line")
    ]
    entries.append({**entries[0], "id": "nhth", "name": "Trafficking Hotline (local routing)"})
    arranged = arrange({"entries": entries}, "US", ["English"], date(2026, 11, 23))
    assert category_names(arranged, "anti_trafficking_hotline") == [
        "Trafficking Hotline (local routing)",  # replaces the national hotline, keeps its place
        "Alpha Help Line",
        "Zeta Help Line",
    ]


def test_malformed_entries_are_reported_not_crashed_on(scenario):
    with pytest.raises(InputError) as caught:
        load_agency(scenario("malformed-directory"))
    messages = [str(problem) for problem in caught.value.problems]
    assert len(messages) == 3
    assert "directory.yaml:3:5: entries[0].category: missing; this field is required" in messages[0]
    assert "entries[1]: expected a set of fields, got 'not a mapping'" in messages[1]
    assert "entries[2].category: unknown category 'soup_kitchens'" in messages[2]


def national_names(folder) -> list[str]:
    arranged = build_context(load_agency(folder))["directory"]
    return [
        entry["name"]
        for group in arranged["groups"]
        for category in group["categories"]
        for entry in category["entries"]
        if entry.get("national")
    ]


def directory_phones(folder) -> set[str]:
    arranged = build_context(load_agency(folder))["directory"]
    return {
        phone
        for group in arranged["groups"]
        for category in group["categories"]
        for entry in category["entries"]
        for phone in entry.get("phones", [])
    }


def us_phones() -> set[str]:
    resources = content("national_resources")["countries"]["US"]["resources"]
    return {phone for resource in resources for phone in resource["phones"]}


def test_a_uk_agency_gets_the_uk_helpline(sample):
    names = national_names(sample("northgate-youth-shelter"))
    assert "Modern Slavery & Exploitation Helpline" in names


def test_a_uk_agency_gets_no_us_number(sample):
    assert not us_phones() & directory_phones(sample("northgate-youth-shelter"))


def test_a_canadian_agency_gets_canadas_set(scenario):
    canada = [r["name"] for r in content("national_resources")["countries"]["CA"]["resources"]]
    assert sorted(national_names(scenario("canada-clinic"))) == sorted(canada)


def test_a_canadian_agency_gets_no_us_resource(scenario):
    """By name: 988 is both countries' suicide crisis number, so phones cannot tell them apart."""
    us = {r["name"] for r in content("national_resources")["countries"]["US"]["resources"]}
    assert not us & set(national_names(scenario("canada-clinic")))


def test_an_agency_in_a_country_without_a_set_gets_no_national_entries(scenario):
    assert national_names(scenario("country-without-national-resources")) == []


def test_uk_is_read_as_the_united_kingdom():
    assert national_set("UK")["code"] == "GB"


@pytest.mark.parametrize("country", list(content("national_resources")["countries"]))
def test_every_national_resource_names_the_public_pages_it_was_checked_against(country):
    resources = content("national_resources")["countries"][country]["resources"]
    assert all(r["sources"] and all(s.startswith("http") for s in r["sources"]) for r in resources)


@pytest.mark.parametrize("country", list(content("national_resources")["countries"]))
def test_every_national_resource_carries_the_date_it_was_checked(country):
    resources = content("national_resources")["countries"][country]["resources"]
    assert all(isinstance(resource["checked"], date) for resource in resources)


@pytest.mark.parametrize("country", list(content("national_resources")["countries"]))
def test_every_country_names_its_emergency_number_and_its_source(country):
    emergency = content("national_resources")["countries"][country]["emergency"]
    assert emergency["number"] and emergency["sources"]


def test_national_resource_ids_are_unique_across_countries():
    countries = content("national_resources")["countries"].values()
    ids = [resource["id"] for national in countries for resource in national["resources"]]
    assert len(ids) == len(set(ids))


def test_an_entry_verified_after_the_packet_date_is_a_warning(scenario):
    warnings = load_agency(scenario("dates-after-packet")).warnings
    (warning,) = [w for w in warnings if w.field == "entries[0].last_verified"]
    assert warning.message.startswith("'Future Help Line' was verified 2026-12-01, after")


def test_a_national_entrys_note_is_printed_with_it(scenario, tmp_path):
    out = build_packet(scenario("minimal-clinic"), tmp_path / "out", pdf=False).out
    text = docx_text(out / "directory.docx")
    assert "Contacting the Hotline does not fulfill mandatory reporting requirements." in text
    assert "Not a reporting line: a report goes to the child-abuse agency" in text


def test_each_site_a_national_entry_was_checked_against_is_named_once():
    from pipeline.directory import source_sites

    addresses = [
        "https://www.modernslaveryhelpline.org/",
        "https://www.modernslaveryhelpline.org/what-happens",
        "https://www.gov.uk/x",
    ]
    assert source_sites(addresses) == ["modernslaveryhelpline.org", "gov.uk"]


@pytest.fixture(scope="module")
def spanish_entries(tmp_path_factory) -> Path:
    """A US clinic serving people in English and Spanish, whose directory describes two
    resources in Spanish, one of them with `language: es`: its packet, with PDFs."""
    folder = tmp_path_factory.mktemp("spanish") / "inputs" / "spanish-clinic"
    shutil.copytree(FIXTURES / "minimal-clinic", folder)
    shutil.copytree(FIXTURES / "spanish-entries", folder, dirs_exist_ok=True)
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text().replace("[English]", "[English, Spanish]"))
    return build_packet(folder, folder.parent.parent / "out").out


def run_languages(path: Path) -> dict[str, str]:
    """The text of each run of the Word file that sets its own language, by language."""
    found: dict[str, str] = {}
    for run in Document(path).element.body.iter(qn("w:r")):
        language = run.find(f"{qn('w:rPr')}/{qn('w:lang')}")
        if language is not None:
            text = "".join(piece.text for piece in run.iter(qn("w:t")))
            found[text] = language.get(qn("w:val"))
    return found


def test_an_entrys_language_is_set_on_its_name_and_services(spanish_entries):
    assert run_languages(spanish_entries / "directory.docx") == {
        "Casa Segura para Mujeres": "es",
        "Refugio de emergencia para mujeres y sus hijos, con apoyo en español": "es",
    }


@pytest.mark.pdf
def test_an_entrys_language_is_the_pdfs_language_of_that_text(spanish_entries):
    """LibreOffice writes the run's language as /Lang on the text's Span (es as es-ES)."""
    with pikepdf.open(spanish_entries / "directory.pdf") as pdf:
        languages = {str(span.Lang) for span in spans(pdf.Root.StructTreeRoot) if "/Lang" in span}
        assert str(pdf.Root.Lang) == "en-US"
    assert languages == {"es-ES"}


def spans(node) -> list:
    """Every Span structure element under `node`."""
    found = []
    kids = node.get("/K")
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found += [kid] if kid.S == "/Span" else []
            found += spans(kid)
    return found
