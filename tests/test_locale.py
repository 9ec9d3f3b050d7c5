"""Packets right for their country: regions named in full, no US-only fill-ins, the country's
spelling, dates and paper, built from `packet new --country` starters as a consultant would."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from pypdf import PdfReader

from pipeline.blank import new_agency
from pipeline.build import build_packet
from pipeline.content import content
from pipeline.errors import InputError
from pipeline.load import load_agency
from pipeline.locales import respell
from tests.helpers import docx_text, starter_agency


@pytest.fixture
def packets(starter_packets) -> dict[str, Path]:
    return starter_packets


def policy(packets, slug: str) -> str:
    return docx_text(packets[slug] / "policy.docx")


def test_a_province_is_named_in_full_and_the_address_ends_in_the_country(packets):
    text = policy(packets, "ontario-school")
    assert "Reporting rules for Ontario" in text
    cover = docx_text(packets["ontario-school"] / "bundle.docx")
    assert "Exampletown, Ontario, Canada" in cover
    assert "Exampletown, ON" not in cover and not cover.count(", CA\n")


def test_a_uk_address_gives_no_nation_and_ends_in_the_country(packets):
    cover = docx_text(packets["english-shelter"] / "bundle.docx")
    assert "Exampletown, LS1 4AP, United Kingdom" in cover
    assert "Safeguarding referrals and statutory duties rules" not in cover
    assert "Reporting rules for England" in cover


@pytest.mark.parametrize("slug", ["ontario-school", "english-shelter", "australian-clinic"])
def test_no_us_only_fill_ins_outside_the_us(packets, slug):
    text = policy(packets, slug)
    assert "deadline for the written report" not in text
    assert "adult protective services contact" not in text
    assert "FBI field office" not in text
    assert "Written report" not in text


def test_englands_section_speaks_of_safeguarding_not_mandatory_reporting(packets):
    text = policy(packets, "english-shelter")
    assert "Safeguarding referrals and statutory duties" in text
    assert "Mandated reporters" not in text and "mandated report" not in text
    assert "Mandatory reporting" not in text


def test_ontarios_duty_covers_children_under_16(packets):
    text = policy(packets, "ontario-school")
    assert "is a child under 16, a mandated report does not wait" in text
    assert "trafficking of a child under 16" in text


@pytest.mark.parametrize(
    ("slug", "words", "not_words"),
    [
        ("ontario-school", ["counsellors", "organizations"], ["counselors", "organisations"]),
        ("english-shelter", ["victim-centred", "specialised"], ["victim-centered", "specialized"]),
        (
            "australian-clinic",
            ["victim-centred", "specialised"],
            ["victim-centered", "specialized"],
        ),
    ],
)
def test_the_tools_own_text_is_spelt_as_the_country_spells(packets, slug, words, not_words):
    text = policy(packets, slug)
    assert all(word in text for word in words), words
    assert not any(word in text for word in not_words)


def test_dates_are_day_first_outside_the_us(packets):
    assert "Effective 1 December 2026" in policy(packets, "english-shelter")
    assert "December 1, 2026" not in policy(packets, "australian-clinic")


@pytest.mark.parametrize(
    ("slug", "width"),
    [("english-shelter", 210), ("australian-clinic", 210), ("ontario-school", 215.9)],
)
def test_paper_is_a4_outside_the_us_and_canada(packets, slug, width):
    for name in ("policy.docx", "bundle.docx"):
        section = Document(packets[slug] / name).sections[0]
        assert abs(section.page_width - Mm(width)) < Mm(1)


def test_an_unknown_province_is_a_problem_line(tmp_path):
    folder = starter_agency(tmp_path, "bad-province", "school", "CA", "ON")
    profile = folder / "profile.yaml"
    profile.write_text(
        profile.read_text().replace("state: 'ON'", "state: ZZ").replace("state: ON", "state: ZZ")
    )
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    assert caught.value.exit_code == 2
    problems = [str(problem) for problem in caught.value.problems]
    assert any(
        ":" in p.split("profile.yaml:")[1]
        and "agency.address.state: expected a Canadian province or territory code such as ON, "
        "got 'ZZ'"
        in p
        for p in problems
    ), problems


@pytest.mark.parametrize(("country", "region"), [("CA", "ON"), ("GB", "ENG"), ("AU", "VIC")])
def test_a_starter_outside_the_us_has_no_us_examples(tmp_path, country, region):
    folder = new_agency(tmp_path, "new-agency", "school", country, region)
    text = (folder / "profile.yaml").read_text() + (folder / "questionnaire.yaml").read_text()
    assert "(555)" not in text and "written_report_hours" not in text
    assert "fbi" not in text and "sheriff" not in text and '"911"' not in text or country == "CA"
    assert "@" not in text


def test_starter_law_enforcement_kinds_fit_the_country(tmp_path):
    kinds = {
        country: (
            new_agency(tmp_path, f"a-{country.lower()}", "nonprofit", country, None)
            / "profile.yaml"
        ).read_text()
        for country in ("CA", "GB", "AU")
    }
    assert "national_police (RCMP)" in kinds["CA"] and "provincial_police" in kinds["CA"]
    assert "national_crime_agency" in kinds["GB"]
    assert "state_police (e.g. NSW Police Force)" in kinds["AU"]


def test_the_ontario_starter_gives_the_age_of_the_duty(tmp_path):
    data = yaml.safe_load(
        (new_agency(tmp_path, "on", "school", "CA", "ON") / "profile.yaml").read_text()
    )
    assert data["mandatory_reporting"]["duty_under_age"] == 16


def test_respelling_keeps_the_case_of_each_word():
    assert respell("Labor and counseling centers", "en-GB") == "Labour and counselling centres"
    assert respell("organization", "en-CA") == "organization"
    assert respell("labor", "en-US") == "labor"


@pytest.fixture(scope="module")
def us_samples(tmp_path_factory) -> dict[str, Path]:
    root = Path(__file__).resolve().parent.parent / "inputs"
    out = tmp_path_factory.mktemp("us-samples")
    slugs = ("harbor-family-health", "river-valley-task-force")
    return {slug: build_packet(root / slug, out / slug, pdf=False).out for slug in slugs}


# British spellings the tool's own US text must not use; the toolkit's quoted items (the
# assessment, the policy's Table 1 appendix) and proper names ("International Labour
# Organization") keep theirs.
BRITISH = re.compile(r"\b(labour|fulfil|fulfilment|counsell\w*|centre[sd]?|behaviour\w*)\b", re.I)


def quoted_vulnerability_factors() -> list[str]:
    """The toolkit's Table 1 items, which the policy quotes in the toolkit's spelling."""
    groups = content("toolkit_lists")["vulnerability_factors"]["groups"]
    return [item["text"] for group in groups for item in group["items"]]


@pytest.mark.parametrize("slug", ["harbor-family-health", "river-valley-task-force"])
@pytest.mark.parametrize("document", ["policy", "directory", "training"])
def test_us_samples_use_us_spelling_in_the_tools_own_text(us_samples, slug, document):
    text = docx_text(us_samples[slug] / f"{document}.docx").replace("International Labour", "")
    for quoted in quoted_vulnerability_factors():
        text = text.replace(quoted, "")
    assert not BRITISH.findall(text)


def test_no_written_deadline_after_the_agencys_own_sentence(us_samples):
    text = policy_text_of(us_samples["river-valley-task-force"])
    assert "Written report: within 24 hours" not in text
    assert "Written report: only when the receiving agency asks for one" in text


def policy_text_of(folder: Path) -> str:
    return docx_text(folder / "policy.docx")


def test_editor_notes_go_to_the_drafting_notes_not_the_pages(packets, us_samples):
    for folder in [*packets.values(), *us_samples.values()]:
        for name in ("policy.docx", "bundle.docx", "directory.docx"):
            text = docx_text(folder / name)
            # The assessment's note on its domain 11 prompt stays: respondents answer it.
            assert "Title X template" not in text and "Adapted for an agency" not in text
            assert "directory.yaml" not in text
        notes = (folder / "drafting-notes.md").read_text()
        assert "The Title X template is written for family planning clinics" in notes
        assert (
            "drafting-notes.md"
            in json.loads((folder / ".packet-builder.json").read_text())["files"]
        )
    outside = (packets["ontario-school"] / "drafting-notes.md").read_text()
    assert "Adapted for an agency outside the United States" in outside


def test_the_starter_says_what_the_records_field_continues(tmp_path):
    folder = new_agency(tmp_path, "school", "school", "CA", "ON")
    comments = re.sub(r"\n *# *", " ", (folder / "questionnaire.yaml").read_text())
    assert (
        'written to follow "Records of suspected trafficking are kept in" (the policy' in comments
    )


def test_the_hsi_tip_line_and_labor_agencies_are_contacts_for_the_champion(us_samples):
    text = policy_text_of(us_samples["harbor-family-health"])
    contacts = text.split("Federal contacts for the protocol champion", 1)[1]
    assert (
        "used only with the patient’s informed choice and never as a front-line number" in contacts
    )
    for name in ("HSI Tip Line", "Wage and Hour Division", "Equal Employment Opportunity"):
        assert name in contacts
    assert "HSI Tip Line" not in docx_text(us_samples["harbor-family-health"] / "directory.docx")


def test_the_sample_clinic_models_the_reporters_own_duty(us_samples):
    text = policy_text_of(us_samples["harbor-family-health"])
    assert "decides on mandatory reports" not in text
    rows = [
        [cell.text for cell in row.cells]
        for table in Document(us_samples["harbor-family-health"] / "policy.docx").tables
        for row in table.rows
        if row.cells[0].text.startswith("The patient is under 18")
    ]
    assert rows and "Child Welfare Services" in rows[0][1]
    assert "consulting anyone never delays the report" in rows[0][2]


def test_the_sample_task_force_has_survivor_centred_safeguards(us_samples):
    text = policy_text_of(us_samples["river-valley-task-force"])
    assert "no member refers a survivor to Enforcement and Removal Operations" in text
    assert "offered legal advice" in text and "Wage and Hour Division" in text


@pytest.mark.pdf
def test_bundle_opens_in_word_without_asking_to_update_fields(tmp_path):
    """The contents carry the page numbers LibreOffice laid out for the PDF."""
    root = Path(__file__).resolve().parent.parent / "inputs"
    out = build_packet(root / "northgate-youth-shelter", tmp_path / "out").out
    with zipfile.ZipFile(out / "bundle.docx") as bundle:
        settings = bundle.read("word/settings.xml").decode()
    assert "updateFields" not in settings
    body = Document(out / "bundle.docx").element.body
    pages = [
        run.getnext().findtext(qn("w:t"))
        for run in body.iter(qn("w:r"))
        if run.find(qn("w:fldChar")) is not None
        and run.find(qn("w:fldChar")).get(qn("w:fldCharType")) == "separate"
    ]
    assert pages and all(page and page.isdigit() for page in pages)
    assert pages == sorted(pages, key=int)
    # A4 in England, in the PDF too.
    width = float(PdfReader(out / "bundle.pdf").pages[3].mediabox.width)
    assert abs(width - 595) < 2


@pytest.mark.parametrize("name", ["policy.docx", "training.docx", "assessment.docx"])
def test_headings_and_table_introductions_keep_with_next(us_samples, name):
    document = Document(us_samples["harbor-family-health"] / name)
    body = document.element.body
    for table in body.iter(qn("w:tbl")):
        before = table.getprevious()
        if before is None or before.tag != qn("w:p") or not "".join(before.itertext()).strip():
            continue
        style = before.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is not None and style.get(qn("w:val")).startswith("Heading"):
            continue  # headings keep with next by their style (below)
        assert before.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None, "".join(
            before.itertext()
        )
    for style in ("Heading 1", "Heading 2", "Heading 3"):
        assert document.styles[style].paragraph_format.keep_with_next


# Sentences a careful reader sends back (the US samples).


def test_training_requirements_say_all_other_staff(us_samples):
    text = docx_text(us_samples["harbor-family-health"] / "training.docx")
    assert "every role no requirement names" not in text
    assert "and all other staff" in text


def test_the_sign_in_sheet_has_a_line_per_person_with_topics_and_a_test_result(us_samples):
    from pipeline.load import load_agency
    from pipeline.training import training_log

    folder = Path(__file__).resolve().parent.parent / "inputs" / "harbor-family-health"
    inputs = load_agency(folder)
    staff = training_log(inputs.training, inputs.questionnaire, inputs.packet_date)["staff_count"]
    sheet = Document(us_samples["harbor-family-health"] / "training.docx").tables[-1]
    assert [cell.text for cell in sheet.rows[0].cells] == [
        "Name",
        "Role",
        "Topics attended",
        "Signature",
        "Test result",
    ]
    assert len(sheet.rows) - 1 == max(12, staff)


def test_the_policy_names_every_annual_topic_the_log_requires(us_samples):
    text = policy_text_of(us_samples["harbor-family-health"])
    assert "Harbor's human trafficking response protocol" in text.split("Relationships")[0]


def test_the_cover_says_the_assessment_is_completed_when_it_is(us_samples):
    text = docx_text(us_samples["harbor-family-health"] / "bundle.docx")
    assert "completed from respondents' answers, with a summary" in text
    assert "blank to fill in or completed" not in text


def test_a_schools_respondent_form_suggests_school_roles(tmp_path):
    from pipeline.forms import build_forms

    folder = starter_agency(tmp_path / "inputs", "school", "school", "CA", "ON")
    [form_docx] = [
        p for p in build_forms(folder, tmp_path / "forms", pdf=False) if p.suffix == ".docx"
    ]
    with zipfile.ZipFile(form_docx) as form:
        xml = form.read("word/document.xml").decode()
    assert "teacher, school counsellor, school nurse, principal" in xml
    assert "shelter partner" not in xml


def test_the_assessment_summary_has_a_row_for_domain_12(us_samples):
    document = Document(us_samples["harbor-family-health"] / "assessment.docx")
    summary = next(t for t in document.tables if t.rows[0].cells[0].text == "Domain")
    firsts = [row.cells[0].text for row in summary.rows[1:]]
    assert len(firsts) == 12
    assert firsts[-1].startswith("12. ")


def test_directory_categories_that_do_not_fit_a_school_are_offered_not_printed(packets):
    folder = packets["ontario-school"]
    text = docx_text(folder / "directory.docx")
    for title in ("Shelter for males", "Embassy/consular offices", "Trauma centre"):
        assert title not in text
    assert "Professional interpreters" in text and "Children’s shelter" in text
    notes = (folder / "drafting-notes.md").read_text()
    assert "Shelter for males" in notes and "Trauma centre" in notes
    assert text.count("[to fill in]") <= 22


def test_validate_asks_for_no_us_only_facts_outside_the_us(tmp_path):
    folder = starter_agency(tmp_path, "ontario", "school", "CA", "ON")
    fields = {warning.field for warning in load_agency(folder).warnings}
    assert "mandatory_reporting.adult_protective_services" not in fields
    assert "mandatory_reporting.time_limits.written_report_hours" not in fields


def test_a_us_starter_keeps_the_us_examples(tmp_path):
    text = (new_agency(tmp_path, "us", "school", "US", "CA") / "profile.yaml").read_text()
    assert 'state: "CA"' in text and "(555) 010-1234" in text
    assert "# written_report_hours: 36" in text and "kind: fbi" in text


@pytest.mark.parametrize("country", ["US", "CA", "AU", "GB"])
def test_every_region_code_of_a_country_is_named_in_full(country):
    from pipeline.content import regions
    from pipeline.context import region_name

    names = regions(country)
    assert names and all(isinstance(code, str) for code in names)
    for code, name in names.items():
        assert region_name({"country": country, "state": code}) == name != code
    assert {"CA": "ON", "AU": "NSW", "US": "CA", "GB": "ENG"}[country] in names
