"""Survey exports as the services write them: the same respondents from every service, local
dates, account columns, coded exports and empty respondents (tests/fixtures/survey-exports)."""

from __future__ import annotations

import csv
import importlib.util
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from pipeline.errors import InputError
from pipeline.ingest import ingest
from pipeline.ingest.survey import rating_value

EXPORTS = Path(__file__).parent / "fixtures" / "survey-exports"
_spec = importlib.util.spec_from_file_location("make_exports", EXPORTS / "make_exports.py")
make_exports = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_exports)
RESPONDENTS = make_exports.RESPONDENTS


def refused(folder: Path, files: list[Path]) -> list[str]:
    with pytest.raises(InputError) as caught:
        ingest(folder, files)
    assert not (folder / "assessment").exists()
    return [str(problem) for problem in caught.value.problems]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)
    return path


@pytest.mark.parametrize(
    "export",
    [
        "google-forms.csv",
        "google-forms.ods",
        "microsoft-forms.xlsx",
        "surveymonkey-expanded.csv",
        "surveymonkey-condensed.csv",
        "qualtrics.csv",
    ],
)
def test_each_service_gives_the_same_three_respondents(scenario, export):
    report = ingest(scenario("minimal-clinic"), [EXPORTS / export])
    assert [found.data for found in report.answer_sets] == RESPONDENTS


def test_a_uk_export_is_read_day_first(scenario):
    report = ingest(scenario("uk-clinic"), [EXPORTS / "google-forms-uk.csv"])
    assert [found.data for found in report.answer_sets] == RESPONDENTS


def test_the_ignored_columns_are_listed(scenario):
    report = ingest(scenario("minimal-clinic"), [EXPORTS / "google-forms.csv"])
    (note,) = report.notes
    assert note.endswith("Timestamp, Email Address, Which services does your agency offer?")


def test_microsoft_forms_account_columns_are_not_the_respondent(scenario):
    report = ingest(scenario("minimal-clinic"), [EXPORTS / "microsoft-forms.xlsx"])
    (note,) = report.notes
    assert "Email, Name, Last modified time" in note


def microsoft_forms_without_a_name_question(path: Path) -> Path:
    workbook = Workbook()
    workbook.active.append(["ID", "Start time", "Completion time", "Email", "Name", "Your role"])
    start = datetime(2026, 11, 20, 14, 0)
    for number, (email, name) in enumerate([("a@example.org", "Ana Example"), ("anonymous",) * 2]):
        workbook.active.append([number + 1, start, start, email, name, "Nurse"])
    workbook.active.cell(1, 7, "1.1 Have staff received training on HT/E?")
    workbook.active.cell(2, 7, "Yes")
    workbook.active.cell(3, 7, "No")
    workbook.save(path)
    return path


def test_the_account_name_is_the_name_when_the_survey_asks_none(scenario, tmp_path):
    export = microsoft_forms_without_a_name_question(tmp_path / "forms.xlsx")
    first, second = ingest(scenario("minimal-clinic"), [export]).answer_sets
    assert first.data["respondent"] == {"role": "Nurse", "name": "Ana Example"}
    assert second.data["respondent"] == {"role": "Nurse"}  # `anonymous` is no name


def test_a_numeric_qualtrics_export_names_the_option_that_works(scenario):
    (message,) = refused(scenario("minimal-clinic"), [EXPORTS / "qualtrics-numeric.csv"])
    assert "numeric codes (1, 2, 3)" in message and "'Use choice text'" in message


def test_a_redcap_raw_export_names_the_labels_export(scenario):
    (message,) = refused(scenario("minimal-clinic"), [EXPORTS / "redcap-raw.csv"])
    assert "no column of this REDCap export was recognised" in message
    assert "'CSV / Microsoft Excel (labels)'" in message


def test_surveymonkeys_second_header_row_is_not_a_respondent(scenario):
    report = ingest(scenario("minimal-clinic"), [EXPORTS / "surveymonkey-condensed.csv"])
    assert [found.row for found in report.answer_sets] == ["row 3", "row 4", "row 5"]


def test_a_grid_whose_item_ids_are_not_found_is_refused(scenario, tmp_path):
    header = ["Timestamp", "Your role", "Domain 1 [Have staff received training? (1.1)]"]
    header.append("Rating 1")
    rows = [header, ["11/20/2026 14:03:11", "Nurse", "Yes", "4"]]
    (message,) = refused(scenario("minimal-clinic"), [write_csv(tmp_path / "grid.csv", rows)])
    assert ":1:3: row 1, column 'Domain 1 [Have staff received training? (1.1)]': " in message
    assert "no item answered in row(s) 2" in message and "Nothing was written" in message


def test_fewer_than_half_of_the_items_answered_is_a_warning_with_the_count(scenario):
    report = ingest(scenario("minimal-clinic"), [EXPORTS / "qualtrics.csv"])
    counts = [
        w.message.split(" were")[0] for w in report.warnings if "fewer than half" in w.message
    ]
    assert counts == [
        f"only 5 of the {found.applicable} items that apply" for found in report.answer_sets
    ]


@pytest.mark.parametrize(
    ("fixture", "written", "read"),
    [
        ("minimal-clinic", "11/03/2026", "2026-11-03"),
        ("uk-clinic", "11/03/2026", "2026-03-11"),
        ("canada-clinic", "11/20/2026", "2026-11-20"),
        ("canada-clinic", "20/11/2026", "2026-11-20"),
    ],
)
def test_dates_are_read_in_the_agency_countrys_convention(
    scenario, tmp_path, fixture, written, read
):
    rows = [["Your role", "Date", "1.1 Have staff received training?"], ["Nurse", written, "Yes"]]
    (found,) = ingest(scenario(fixture), [write_csv(tmp_path / "dates.csv", rows)]).answer_sets
    assert found.data["respondent"]["date"] == read


def test_a_date_that_could_be_either_day_is_refused_where_the_convention_is_unknown(
    scenario, tmp_path
):
    rows = [["Timestamp", "Your role", "Date", "1.1 Have staff received training?"]]
    rows.append(["x", "Nurse", "03/04/2026", "Yes"])
    (message,) = refused(scenario("canada-clinic"), [write_csv(tmp_path / "dates.csv", rows)])
    assert message.split(": ", 1)[0].endswith("dates.csv:2:3")
    assert "row 2, column 'Date' (respondent date): '03/04/2026' could be either day" in message


def test_a_missing_role_is_reported_in_the_role_column(scenario, tmp_path):
    rows = [["Timestamp", "Email Address", "Your role", "1.1 Have staff received training?"]]
    rows.append(["x", "ana@example.org", "", "Yes"])
    (message,) = refused(scenario("minimal-clinic"), [write_csv(tmp_path / "roles.csv", rows)])
    assert (
        ":2:3: row 2, column 'Your role' (respondent role): empty; the respondent's role" in message
    )


@pytest.mark.parametrize("text", ["N/A - Don't know", "N/A", "Don't know", "N/A | Don’t know"])
def test_ratings_accept_the_scales_own_words_for_not_known(text):
    assert rating_value(text) == ("N/A", None)


def test_a_control_character_in_a_comment_is_refused_at_ingest(scenario, tmp_path):
    rows = [["Your role", "1.1 Have staff received training?", "Comment 1"]]
    rows.append(["Nurse", "Yes", "Bell\x07 rings"])
    (message,) = refused(scenario("minimal-clinic"), [write_csv(tmp_path / "bell.csv", rows)])
    assert ":2:3: row 2, column 'Comment 1' (comment on domain 1): contains a control" in message


def test_a_sheet_name_with_a_line_break_stays_in_the_written_comment(scenario, tmp_path):
    workbook = Workbook()
    workbook.active.title = "Form\nratings 5"
    workbook.active.append(["Your role", "1.1 Have staff received training?"])
    workbook.active.append(["Nurse", "Yes"])
    workbook.save(tmp_path / "survey.xlsx")
    folder = scenario("minimal-clinic")
    ingest(folder, [tmp_path / "survey.xlsx"])
    (written,) = (folder / "assessment").glob("*.yaml")
    comments = [line for line in written.read_text().splitlines() if "survey.xlsx" in line]
    assert comments == ["# survey.xlsx, sheet 'Form\\nratings 5', row 2."]


def test_a_name_question_after_the_account_columns_is_the_name(scenario, tmp_path):
    workbook = Workbook()
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Name", "Your role"]
    workbook.active.append([*header, "1.1 Have staff received training on HT/E?"])
    start = datetime(2026, 11, 20, 14, 0)
    workbook.active.append(
        [1, start, start, "anonymous", "anonymous", "Rosa Example", "Nurse", "Yes"]
    )
    workbook.save(tmp_path / "forms.xlsx")
    (found,) = ingest(scenario("minimal-clinic"), [tmp_path / "forms.xlsx"]).answer_sets
    assert found.data["respondent"] == {"role": "Nurse", "name": "Rosa Example"}


def test_the_printed_questions_build_a_survey_whose_export_ingests_whole(scenario, tmp_path):
    from pipeline.assessment import items_by_id
    from pipeline.ingest.questions import survey_questions

    header, answers = ["Timestamp"], ["11/20/2026 14:03:11"]
    for block in survey_questions().split("\n\n"):
        title, *rows = block.split("\n")
        if "(grid;" not in title:
            header += [title, *rows]
            answers += ["Nurse", "", "11/20/2026"] if title == "Your role" else ["A comment"] * 12
            continue
        question = title.split("  (grid;")[0]
        header += [f"{question} [{row}]" for row in rows]
        answers += ["4 - Somewhat strong" if question.startswith("Rate") else "" for _ in rows]
    known = items_by_id()
    for position, column in enumerate(header):
        item_id = column.split("[", 1)[-1].split(" ", 1)[0]
        condition = known.get(item_id, {}).get("condition")
        if item_id in known and (condition is None or condition["answer"] == "yes"):
            answers[position] = "Yes"
    report = ingest(
        scenario("minimal-clinic"), [write_csv(tmp_path / "all.csv", [header, answers])]
    )
    (found,) = report.answer_sets
    assert (found.answered, found.applicable, len(found.data["ratings"])) == (81, 81, 11)
    (note,) = report.notes
    assert note.endswith(
        "ignored 1 columns the assessment does not use (their contents are not copied): Timestamp"
    )
