"""Inputs as people get them wrong: every one is a problem line naming file, line and field,
exit 2, nothing written, never a traceback."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from pipeline.cli import main
from pipeline.context import build_context
from pipeline.errors import InputError
from pipeline.load import load_agency
from pipeline.schema import MAX_TEXT


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    return [str(problem) for problem in caught.value.problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31", "2200-01-01"])
def test_a_packet_date_far_from_today_is_a_problem_line(scenario, day):
    folder = scenario("minimal-clinic")
    edit(folder / "profile.yaml", "date: 2026-11-23", f"date: {day}")
    problems = problems_of(folder)
    assert problems == [
        f"{folder}/profile.yaml:15:3: packet.date: expected a real date written YYYY-MM-DD, "
        f"in the years 1900 to 2199, got '{day}'"
    ]


@pytest.mark.parametrize("day", ["1900-01-01", "2199-12-31"])
def test_dates_at_the_edges_of_the_range_are_counted_from(scenario, day):
    folder = scenario("training-statuses")
    edit(folder / "profile.yaml", "date: 2026-11-23", f"date: {day}")
    inputs = load_agency(folder)
    context = build_context(inputs)  # due dates a year on, stale entries a year back
    assert context["packet"]["year"] == int(day[:4])


@pytest.mark.parametrize(("day", "stamped"), [("1900-01-01", 1980), ("2199-12-31", 2107)])
def test_a_packet_at_the_edges_of_the_range_is_built(scenario, tmp_path, day, stamped):
    """The zip inside a .docx holds dates from 1980 to 2107 only: its entries get the nearest."""
    folder, out = scenario("minimal-clinic"), tmp_path / "out" / "test-agency"
    edit(folder / "profile.yaml", "date: 2026-11-23", f"date: {day}")
    result = CliRunner().invoke(main, ["bundle", str(folder), "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out / "bundle.docx") as bundle:
        assert {info.date_time[0] for info in bundle.infolist()} == {stamped}
    assert Document(out / "bundle.docx").paragraphs


def test_a_legal_name_too_long_for_word_properties_is_refused_by_validate(scenario):
    folder = scenario("minimal-clinic")
    edit(folder / "profile.yaml", "legal_name: Minimal Test Clinic", f"legal_name: {'N' * 300}")
    (problem,) = problems_of(folder)
    assert problem.startswith(f"{folder}/profile.yaml:3:3: agency.legal_name: is 300 characters")
    assert "at most 200 characters" in problem and "255" in problem


def test_a_megabyte_of_text_is_refused_once_with_its_length(scenario):
    folder = scenario("minimal-clinic")
    edit(folder / "profile.yaml", "street: 1 Test Road", f"street: {'x' * 1_000_000}")
    (problem,) = problems_of(folder)
    assert problem == (
        f"{folder}/profile.yaml:7:5: agency.address.street: is 1000000 characters long; "
        f"expected at most {MAX_TEXT}"
    )


def test_a_megabyte_agency_name_is_one_problem(scenario):
    folder = scenario("minimal-clinic")
    edit(folder / "profile.yaml", "legal_name: Minimal Test Clinic", f"legal_name: {'N' * 10**6}")
    (problem,) = problems_of(folder)
    assert "agency.legal_name: is 1000000 characters long; at most 200" in problem


@pytest.mark.parametrize("character", ["\ufffe", "\uffff", "\x01", "\x0b"])
def test_characters_xml_cannot_hold_are_refused_with_the_field(scenario, character):
    folder = scenario("minimal-clinic")
    escaped = f"\\u{ord(character):04x}"
    edit(folder / "profile.yaml", "legal_name: Minimal Test Clinic", f'legal_name: "A{escaped}B"')
    (problem,) = problems_of(folder)
    assert problem.startswith(f"{folder}/profile.yaml:3:15: agency.legal_name: contains a control")


def test_a_character_xml_cannot_hold_in_a_spreadsheet_cell(scenario):
    folder = scenario("minimal-clinic")
    (folder / "directory.csv").write_text(
        "name,category,phones,last_verified\n"
        "Shelter\ufffe One,other_adult_shelter,555-010-0100,2026-10-01\n",
        encoding="utf-8",
    )
    (problem,) = problems_of(folder)
    assert "directory.csv:2:1:" in problem and "contains a control character" in problem


def test_entries_given_as_a_number_is_a_type_problem(scenario):
    folder = scenario("minimal-clinic")
    (folder / "directory.yaml").write_text("entries: 5\n")
    assert problems_of(folder) == [f"{folder}/directory.yaml:1:1: entries: expected a list, got 5"]


def test_records_and_staff_given_as_numbers_are_type_problems(scenario):
    folder = scenario("minimal-clinic")
    (folder / "training.yaml").write_text("records: 5\nstaff: 3\n")
    assert problems_of(folder) == [
        f"{folder}/training.yaml:1:1: records: expected a list, got 5",
        f"{folder}/training.yaml:2:1: staff: expected a list, got 3",
    ]


def test_an_entry_id_given_as_a_list(scenario):
    folder = scenario("minimal-clinic")
    (folder / "directory.yaml").write_text(
        "entries:\n"
        "  - {id: [a, b], name: One, category: other_adult_shelter, last_verified: 2026-10-01}\n"
        "  - {id: [a, b], name: Two, category: other_adult_shelter, last_verified: 2026-10-01}\n"
    )
    problems = problems_of(folder)
    assert problems == [
        f"{folder}/directory.yaml:2:6: entries[0].id: expected text, got a list of 2",
        f"{folder}/directory.yaml:3:6: entries[1].id: expected text, got a list of 2",
    ]


def test_a_staff_id_given_as_a_list(scenario):
    folder = scenario("minimal-clinic")
    (folder / "training.yaml").write_text(
        "staff:\n  - {id: [1, 2], name: Ada Tester, role: Director}\n"
        "records:\n  - {staff_id: [1, 2], topics: [confidentiality], date: 2026-10-01}\n"
    )
    problems = problems_of(folder)
    assert len(problems) == 2
    assert problems[0].startswith(f"{folder}/training.yaml:2:6: staff[0].id: expected text")
    assert problems[1].startswith(f"{folder}/training.yaml:4:6: records[0].staff_id: expected text")


def test_the_rest_of_a_list_is_still_checked_beside_a_broken_item(scenario):
    folder = scenario("minimal-clinic")
    (folder / "directory.yaml").write_text(
        "entries:\n  - 7\n  - {name: One, category: no_such_category, last_verified: 2026-10-01}\n"
    )
    problems = problems_of(folder)
    assert f"{folder}/directory.yaml:2:5: entries[0]: expected a set of fields, got 7" in problems
    assert any("entries[1].category: unknown category 'no_such_category'" in p for p in problems)


@pytest.mark.parametrize(
    ("written", "shown"), [("3.0", "3.0"), ("2.5", "2.5"), ("true", "True"), ("'3'", "'3'")]
)
def test_a_rating_that_is_not_a_whole_number_is_refused(scenario, written, shown):
    folder = scenario("two-respondents")
    answers = sorted((folder / "assessment").glob("*.yaml"))[0]
    edit(answers, '"1": 2', f'"1": {written}')
    (problem,) = problems_of(folder)
    assert problem.startswith(f"{answers}:")
    assert "ratings.1: expected a rating 1" in problem and problem.endswith(f"got {shown}")


def test_an_integer_field_refuses_a_float(scenario):
    folder = scenario("two-respondents")
    answers = sorted((folder / "assessment").glob("*.yaml"))[0]
    edit(answers, '"1": 2', '"1": 2.0')
    (problem,) = problems_of(folder)
    assert problem.endswith("got 2.0")


@pytest.mark.parametrize("command", ["validate", "bundle"])
def test_commands_answer_a_bad_input_with_exit_2_and_write_nothing(scenario, tmp_path, command):
    folder = scenario("minimal-clinic")
    edit(folder / "profile.yaml", "date: 2026-11-23", "date: 0001-01-01")
    (folder / "directory.yaml").write_text("entries: 5\n")
    out = tmp_path / "out"
    args = [command, str(folder)] + (["--out", str(out)] if command == "bundle" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "profile.yaml:15:3: packet.date:" in result.output
    assert "directory.yaml:1:1: entries: expected a list, got 5" in result.output
    assert not out.exists()


@pytest.mark.parametrize("profile_fault", ["typo", "syntax"])
def test_every_file_s_problems_are_listed_in_one_run(scenario, profile_fault):
    folder = scenario("two-respondents")
    if profile_fault == "typo":
        edit(folder / "profile.yaml", "short_name:", "shortname:")
    else:
        edit(folder / "profile.yaml", "short_name: Minimal Clinic", "short_name: [Minimal")
    edit(folder / "questionnaire.yaml", "cycle: annually", "cycle: [annually]")
    (folder / "directory.csv").write_text(
        "name,category,phones,last_verified\nOne,soup_kitchens,555-010-0100,2026-10-01\n"
    )
    (folder / "training.yaml").write_text(
        "staff: [{id: s1, name: Ada Tester, role: Director}]\n"
        "records: [{staff_id: s2, topics: [confidentiality], date: 2026-10-01}]\n"
    )
    answers = sorted((folder / "assessment").glob("*.yaml"))[0]
    edit(answers, '"1": 2', '"1": 3.0')
    problems = problems_of(folder)
    files = {p.split(":")[0].rsplit("/", 1)[-1] for p in problems}
    assert files == {
        "profile.yaml",
        "questionnaire.yaml",
        "directory.csv",
        "training.yaml",
        answers.name,
    }
    assert any("row 2, column 'category': unknown category 'soup_kitchens'" in p for p in problems)
    assert any("records[0].staff_id: no one with id 's2'" in p for p in problems)


@pytest.mark.parametrize("depth", [41, 500])
def test_values_nested_too_deep_are_refused(scenario, depth):
    folder = scenario("minimal-clinic")
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text() + f"extra: {'[' * depth}{']' * depth}\n")
    (problem,) = problems_of(folder)
    assert "profile.yaml:" in problem and "refused: values nested more than 40 levels" in problem
