"""Blank packets for every agency type, and starter folders for new agencies."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from pypdf import PdfReader

from pipeline.blank import build_blank, new_agency
from pipeline.cli import main
from pipeline.content import agency_types, content
from pipeline.errors import InputError, UsageError
from pipeline.load import load_agency
from tests.helpers import LEFTOVERS, docx_text, lock_files, unwritten_files


@pytest.mark.parametrize("agency_type", agency_types())
def test_blank_packet_for_every_type(agency_type, tmp_path):
    out = build_blank(agency_type, tmp_path / "blank", pdf=False, today=date(2026, 11, 23)).out
    bundle = Document(out / "bundle.docx")
    text = docx_text(out / "bundle.docx")
    for leftover in (*LEFTOVERS, "⟦", "⟧"):
        assert leftover not in text
    headings = [p.text for p in bundle.paragraphs if p.style.name == "Heading 1"]
    assert headings == [document["title"] for document in content("documents")["documents"]]
    for section in (
        "Purpose",
        "Policy",
        "Procedure",
        "Mandatory reporting",
        "Required topics",
        "Compliance matrix",
        "How to use this directory",
    ):
        assert section in text
    assert "[Agency legal name]" in text and "[Policy number]" in text
    fill_ins = [r for p in bundle.paragraphs for r in p.runs if r.text == "[Agency short name]"]
    assert fill_ins and all(run.style.name == "Fill In" for run in fill_ins)
    assert "Improvement plan" not in text  # the assessment is blank
    assert "[to fill in]" in text  # the directory's categories are empty rows
    assert "No staff are listed yet" in text
    assert ("Task force operational protocol" in text) == (agency_type == "task_force")
    words = content("policy")["agency_types"][agency_type]
    assert words["encounter"] in text


@pytest.mark.pdf
def test_blank_packet_leaves_only_the_files_it_says_it_wrote(tmp_path):
    out = tmp_path / "blank-school"
    result = CliRunner().invoke(main, ["blank", "--type", "school", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = [Path(line.removeprefix("wrote ")) for line in result.stdout.splitlines()]
    assert (out / "bundle.pdf") in written
    assert lock_files(out) == []
    assert unwritten_files(out, written) == []


def test_new_agency_validates_once_the_required_facts_are_filled_in(tmp_path):
    folder = new_agency(tmp_path / "inputs", "lakeside-school", "school")
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    assert all("is empty; fill in" in p.message for p in caught.value.problems)
    facts = {
        "legal_name": "Lakeside Unified School District",
        "short_name": "Lakeside Schools",
        "street": "1 School Road",
        "city": "Lakeside",
        "state": "WA",
        "date": "2026-11-23",
        "policy_number": "SCH-7",
        "effective_date": "2026-12-01",
        "next_review_date": "2027-12-01",
        "name": "Pat Example",
        "title": "Principal",
        "role": "Leads the response",
        "oral_report": "immediately",
        "when": "at enrolment",
        "who": "The counselor",
        "private_time": "Students meet counselors alone.",
        "service": "District interpreters",
        "access": "Call the district office.",
        "consent": "Counselors explain what they share.",
        "where": "the counseling record",
        "follow_up": "The counselor checks in weekly.",
        "committee": "Safety Committee",
    }
    for name in ("profile.yaml", "questionnaire.yaml"):
        path = folder / name
        text = path.read_text()
        for key, value in facts.items():
            text = re.sub(rf'^(\s*-? ?{key}): ""', rf'\1: "{value}"', text, flags=re.M)
        text = text.replace('[""]', '["To be written"]')
        path.write_text(text)
    inputs = load_agency(folder)
    assert inputs.profile["agency"]["type"] == "school"


def test_new_task_force_has_the_operational_questions(tmp_path):
    folder = new_agency(tmp_path, "metro-task-force", "task_force")
    text = (folder / "questionnaire.yaml").read_text()
    for item in content("policy")["operational_questions"]:
        assert f"{item['key']}:" in text


def test_new_refuses_an_existing_folder_or_a_bad_slug(tmp_path):
    new_agency(tmp_path, "taken", "nonprofit")
    with pytest.raises(UsageError):
        new_agency(tmp_path, "taken", "nonprofit")
    result = CliRunner().invoke(
        main, ["new", "Bad Slug", "--type", "school", "--inputs", str(tmp_path)]
    )
    assert result.exit_code == 2


def starter(tmp_path: Path, agency_type: str) -> str:
    folder = new_agency(tmp_path / "inputs", "new-agency", agency_type)
    return (folder / "profile.yaml").read_text() + (folder / "questionnaire.yaml").read_text()


def test_a_schools_starter_speaks_of_students(tmp_path):
    assert "[all teachers, counselors" in starter(tmp_path, "school")


@pytest.mark.parametrize("agency_type", ["shelter", "school", "nonprofit", "task_force"])
def test_a_starter_outside_health_care_gives_no_clinic_example(tmp_path, agency_type):
    assert not re.search(r"patient|clinician|\bclinic\b", starter(tmp_path, agency_type))


@pytest.mark.parametrize("agency_type", agency_types())
def test_every_example_of_a_starter_is_filled_in(tmp_path, agency_type):
    assert "@" not in starter(tmp_path, agency_type)


def test_a_schools_starter_workbook_samples_a_teacher(tmp_path):
    folder = new_agency(tmp_path / "inputs", "new-school", "school")
    sheet = openpyxl.load_workbook(folder / "training.xlsx").active
    assert sheet["C2"].value == "Teacher"


def test_blank_packets_go_under_outputs_blank_by_type(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["blank", "--type", "shelter", "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "outputs" / "blank" / "shelter" / "bundle.docx").is_file()


def test_blank_type_all_builds_every_type(tmp_path):
    out = tmp_path / "blank"
    result = CliRunner().invoke(main, ["blank", "--type", "all", "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == sorted(agency_types())


@pytest.fixture(scope="module")
def blank_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("blank-pdf") / "nonprofit"
    return build_blank("nonprofit", out, today=date(2026, 11, 23)).out / "bundle.pdf"


@pytest.mark.pdf
def test_a_blank_packets_pdf_names_no_placeholder_as_author(blank_pdf):
    metadata = PdfReader(blank_pdf).metadata
    assert not any("⟦" in str(value) or "[" in str(value) for value in metadata.values())


@pytest.mark.pdf
def test_pdf_keywords_are_phrases(blank_pdf):
    keywords = PdfReader(blank_pdf).metadata["/Keywords"].split(", ")
    assert {"human trafficking", "response protocol", "policy and procedure"} <= set(keywords)


def test_every_agency_type_has_its_wording_and_applicability():
    types = set(agency_types())  # the profile schema's list, the one every command uses
    assert set(content("policy")["agency_types"]) == types
    assert set(content("applicability")["agency_types"]) == types
