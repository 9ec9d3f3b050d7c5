"""What the policy must contain: the toolkit's lists, definitions and laws by country, and every
element of a comprehensive protocol covered or warned about (pipeline/elements.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from pypdf import PdfReader

from pipeline.build import build_packet
from pipeline.cli import main
from pipeline.content import content
from pipeline.elements import country_definitions, definitions_place, open_elements
from pipeline.load import load_agency
from pipeline.schema import SCHEMA_DIR
from tests.conftest import ROOT
from tests.helpers import docx_text

CLINIC, SHELTER, TASK_FORCE = (
    "harbor-family-health",
    "northgate-youth-shelter",
    "river-valley-task-force",
)


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Path]:
    """The sample packets, Word files only."""
    out = tmp_path_factory.mktemp("protocol-samples")
    slugs = (CLINIC, SHELTER, TASK_FORCE)
    return {slug: build_packet(ROOT / "inputs" / slug, out / slug, pdf=False).out for slug in slugs}


@pytest.fixture(scope="module")
def clinic_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("protocol-clinic-pdf")
    return build_packet(ROOT / "inputs" / CLINIC, out / CLINIC).out / "policy.pdf"


def paragraphs(folder: Path) -> list[str]:
    return [paragraph.text for paragraph in Document(folder / "policy.docx").paragraphs]


def table_2_and_3_bullets() -> list[str]:
    """Every bullet text of the toolkit's Tables 2 and 3, the companion's list among them."""
    lists = content("toolkit_lists")
    bullets = list(lists["health_conditions"]["items"])
    for group in lists["indicators"]["groups"]:
        for item in group["items"]:
            bullets += [item["text"], *item.get("sub", [])]
    return bullets


def share_found(bullets: list[str], found) -> float:
    return sum(1 for bullet in bullets if found(bullet)) / len(bullets)


def test_the_clinics_policy_prints_the_bullets_of_tables_2_and_3_as_paragraphs(samples):
    texts = set(paragraphs(samples[CLINIC]))
    assert share_found(table_2_and_3_bullets(), texts.__contains__) >= 0.95


@pytest.mark.pdf
def test_the_clinics_policy_pdf_holds_the_bullets_of_tables_2_and_3(clinic_pdf):
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(clinic_pdf).pages)
    assert share_found(table_2_and_3_bullets(), lambda b: " ".join(b.split()) in text) >= 0.95


def test_the_trauma_informed_concepts_of_table_4_are_a_table_with_a_header_row(samples):
    table = next(
        table
        for table in Document(samples[CLINIC] / "policy.docx").tables
        if table.rows[0].cells[0].text == "Concept"
    )
    concepts = content("toolkit_lists")["trauma_informed_concepts"]["concepts"]
    assert [row.cells[0].text for row in table.rows[1:]] == [c["concept"] for c in concepts]
    assert concepts[0]["practice"] in table.rows[1].cells[1].text


def test_the_vulnerability_factors_of_table_1_are_quoted_in_the_toolkits_spelling(samples):
    texts = set(paragraphs(samples[CLINIC]))
    assert "Active informal labour markets" in texts  # the toolkit's own spelling, kept
    assert "Appendix C: Vulnerability factors" in texts


def test_step_1_and_step_2_point_to_the_appendices(samples):
    step_1 = section_under(samples[CLINIC], "Step 1: Notice red flags")
    assert "Appendix A" in step_1 and "Appendix B" in step_1
    step_2 = section_under(samples[CLINIC], "Step 2: Establish trust and safety")
    assert "Appendix D" in step_2 and "rights-based" in step_2


def section_under(folder: Path, heading: str) -> str:
    """The paragraphs from a heading to the next one (the three steps are also bullets)."""
    found = Document(folder / "policy.docx").paragraphs
    is_heading = [p.style.name.startswith("Heading") for p in found]
    start = next(n for n, p in enumerate(found) if p.text == heading and is_heading[n])
    end = next(n for n in range(start + 1, len(found)) if is_heading[n])
    return "\n".join(p.text for p in found[start + 1 : end])


def test_a_schools_policy_leaves_out_the_physical_exam_indicators(blank_packets):
    texts = paragraphs(blank_packets["school"])
    assert "Physical exam" not in texts
    assert "Signs of malnutrition, dehydration" not in texts
    assert "Appears depressed, fearful or very anxious" in texts
    notes = (blank_packets["school"] / "drafting-notes.md").read_text()
    assert "Table 3’s group “Physical exam” is left out of a school’s policy" in notes


def test_a_shelter_keeps_the_physical_exam_indicators_for_the_health_staff(samples):
    texts = paragraphs(samples[SHELTER])
    lead = texts[texts.index("Physical exam") + 1]
    assert lead.startswith("These are findings of a health examination")
    assert "Signs of malnutrition, dehydration" in texts


def test_table_4_is_read_in_the_words_of_a_school(blank_packets):
    text = docx_text(blank_packets["school"] / "policy.docx")
    assert "How to read the toolkit’s health-care words" in text
    assert "the school nurse, counselors, psychologists and social workers" in text
    notes = (blank_packets["school"] / "drafting-notes.md").read_text()
    assert "Table 4 is written for health care professionals" in notes


def test_a_clinic_reads_table_4_as_written(samples):
    assert "How to read the toolkit’s health-care words" not in docx_text(
        samples[CLINIC] / "policy.docx"
    )


# Definitions and laws, per country.


def definitions_section(folder: Path) -> str:
    texts = paragraphs(folder)
    start, end = texts.index("Definitions and the law"), texts.index("Policy")
    return "\n".join(texts[start:end])


def test_a_us_policy_cites_the_tvpa_and_defines_sex_and_labor_trafficking(samples):
    section = definitions_section(samples[CLINIC])
    assert "Trafficking Victims Protection Act of 2000 (TVPA), 22 U.S.C. § 7102" in section
    assert "Sex trafficking." in section and "Labor trafficking." in section
    assert "under 18" in section and "whether or not force, fraud or coercion was used" in section


def test_an_english_policy_cites_the_modern_slavery_act_in_british_spelling(samples):
    section = definitions_section(samples[SHELTER])
    assert "Modern Slavery Act 2015" in section
    assert "Labour trafficking." in section and "offence" in section
    assert "labor" not in section.lower().replace("labour", "")


def test_a_canadian_policy_cites_the_criminal_code(scenario, tmp_path):
    out = build_packet(scenario("canada-clinic"), tmp_path / "out", pdf=False).out
    section = definitions_section(out)
    assert "Criminal Code, sections 279.01 to 279.04" in section
    assert "Labour trafficking." in section and "section 279.011" in section


def test_australia_cites_divisions_270_and_271_in_australian_spelling():
    definitions = country_definitions({"country": "AU", "state": "NSW"}, "en-AU")
    assert "Divisions 270 and 271" in definitions["law"]
    assert "labour" in definitions["labor_trafficking"] and "organising" in definitions["children"]


def test_the_modern_slavery_act_is_not_given_for_scotland():
    assert country_definitions({"country": "GB", "state": "SCT"}, "en-GB") is None
    assert definitions_place({"country": "GB", "state": "SCT"}) == "Scotland"
    assert country_definitions({"country": "GB", "state": "WLS"}, "en-GB") is not None


def test_an_agency_in_scotland_is_warned_on_its_nation(scenario):
    folder = scenario("uk-clinic")
    profile = folder / "profile.yaml"
    profile.write_text(
        profile.read_text().replace("    country: GB", "    state: SCT\n    country: GB")
    )
    (warning,) = [w for w in load_agency(folder).warnings if "no definitions" in w.message]
    assert warning.field == "agency.address.state"
    assert "on file for Scotland" in warning.message


def test_a_country_without_definitions_is_asked_for_them(scenario, tmp_path):
    folder = scenario("country-without-national-resources")
    warnings = [w for w in load_agency(folder).warnings if "no definitions" in w.message]
    assert [w.field for w in warnings] == ["agency.address.country"]
    out = build_packet(folder, tmp_path / "out", pdf=False).out
    assert "Fill in: the law on human trafficking" in definitions_section(out)


@pytest.mark.parametrize("slug", [CLINIC, SHELTER, TASK_FORCE])
def test_labor_trafficking_is_named_in_every_section_that_names_sex_trafficking(samples, slug):
    for section in sections(paragraphs(samples[slug])):
        if re.search(r"\bsex trafficking\b", section, re.IGNORECASE):
            assert re.search(r"\blabou?r\b", section, re.IGNORECASE), section[:120]


def sections(texts: list[str]) -> list[str]:
    """The policy's text cut at its level-2 headings (each `##` section with its subsections)."""
    headings = {"Definitions and the law", "Policy", "Procedure"}
    cuts = [n for n, text in enumerate(texts) if text in headings or text.startswith("Appendix")]
    return ["\n".join(texts[a:b]) for a, b in zip([0, *cuts], [*cuts, len(texts)], strict=True)]


# Questions to ask, media and external enquiries, health evaluation off site.


def test_the_agencys_own_questions_are_printed_without_the_starter_mark(samples):
    texts = paragraphs(samples[CLINIC])
    assert "Do you feel safe at home, at work and in your relationships?" in texts
    assert not any(text.startswith("Starter set to review") for text in texts)


def test_without_questions_the_starter_set_is_printed_and_marked(scenario, tmp_path):
    out = build_packet(scenario("minimal-clinic"), tmp_path / "out", pdf=False).out
    texts = paragraphs(out)
    assert any(text.startswith("Starter set to review.") for text in texts)
    for question in content("policy")["starter_screening_questions"]:
        assert question in texts


def test_media_enquiries_go_to_the_agencys_spokesperson(samples):
    texts = paragraphs(samples[TASK_FORCE])
    start = texts.index("Enquiries from the media and external agencies")
    section = "\n".join(texts[start : start + 12])
    assert "Kendra Liu-Example" in section and "never confirm or deny" in section


def test_the_shelter_sets_out_the_health_evaluation_and_mental_health_assessment(samples):
    text = docx_text(samples[SHELTER] / "policy.docx")
    assert "Health evaluation and mental health assessment" in text
    assert "Aldermoor Young People's Health Hub, within 48 hours of intake" in text
    assert "Kendleshire Mental Health Crisis Line" in text
    assert "Fill in" not in text.split("Health evaluation and mental health assessment")[1][:3000]


def test_a_clinic_that_gives_no_off_site_procedure_has_no_such_section(samples):
    assert "Health evaluation and mental health assessment" not in paragraphs(samples[CLINIC])


def test_a_clinic_sets_out_its_trauma_informed_examination_and_treatment(samples):
    section = section_under(samples[CLINIC], "Trauma-informed examination and treatment")
    assert "Pelvic exams, STI testing and pregnancy tests are offered, never required" in section
    assert "Fill in" not in section
    assert "Trauma-informed examination and treatment" not in paragraphs(samples[SHELTER])


def test_the_task_force_names_the_referral_and_consent_form_in_this_packet(samples):
    text = docx_text(samples[TASK_FORCE] / "policy.docx")
    assert "the referral and consent form in this packet" in text
    assert "Referral and Consent Form" not in text


# `packet validate`: a warning for each element the inputs leave open.


def element_warnings(folder: Path) -> dict[str, str]:
    ids = {element["id"]: element for element in content("protocol_elements")["elements"]}
    warned = {w.field: w.message for w in load_agency(folder).warnings}
    fields = {
        element_id: ".".join(element["input"][1:])
        for element_id, element in ids.items()
        if "input" in element
    }
    return {element_id: warned[field] for element_id, field in fields.items() if field in warned}


def test_a_clinic_is_warned_about_its_questions_and_media_enquiries(scenario):
    warned = element_warnings(scenario("minimal-clinic"))
    assert set(warned) == {"screening_questions", "external_enquiries", "clinical_care"}
    assert "starter set" in warned["screening_questions"]


def test_a_school_is_warned_about_the_health_evaluation_off_site(scenario):
    warned = element_warnings(scenario("school-district"))
    assert {"health_evaluation", "mental_health_assessment"} <= set(warned)
    assert "who accompanies" in warned["health_evaluation"]


@pytest.mark.parametrize("slug", [CLINIC, SHELTER, TASK_FORCE])
def test_the_samples_leave_no_protocol_element_open(slug):
    inputs = load_agency(ROOT / "inputs" / slug)
    assert open_elements(inputs.profile, inputs.questionnaire) == []


def test_validate_reports_open_elements_as_warnings_and_succeeds(scenario):
    folder = scenario("school-district")
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "response.health_evaluation" in line]
    assert len(lines) == 1 and "warning: no procedure for the initial health evaluation" in lines[0]


def test_the_drafting_notes_list_the_open_elements(scenario, tmp_path):
    out = build_packet(scenario("minimal-clinic"), tmp_path / "out", pdf=False).out
    notes = (out / "drafting-notes.md").read_text()
    assert "Questions to ask to assess risk of trafficking (questionnaire.yaml:" in notes


NEW_PROPERTIES = (
    ("response", "clinical_care"),
    ("response", "screening", "questions"),
    ("response", "external_enquiries"),
    ("response", "external_enquiries", "spokesperson"),
    ("response", "external_enquiries", "practices"),
    ("response", "health_evaluation"),
    ("response", "health_evaluation", "where"),
    ("response", "health_evaluation", "accompanied_by"),
    ("response", "health_evaluation", "information_shared"),
    ("response", "health_evaluation", "ongoing_care"),
    ("response", "mental_health_assessment"),
    ("response", "mental_health_assessment", "by"),
    ("response", "mental_health_assessment", "when"),
    ("response", "mental_health_assessment", "tools"),
    ("response", "mental_health_assessment", "crisis"),
)


@pytest.mark.parametrize("field_path", NEW_PROPERTIES, ids=".".join)
def test_each_new_questionnaire_field_is_described(field_path):
    node = json.loads((SCHEMA_DIR / "questionnaire.schema.json").read_text())
    for part in field_path:
        node = node["properties"][part]
    assert len(node["description"]) > 40
