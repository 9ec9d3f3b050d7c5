"""What people's own tools write: Windows-1252 text, byte-order marks, CRLF, Excel workbooks."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from pipeline.blank import new_agency
from pipeline.build import build_packet
from pipeline.cli import main
from pipeline.directory import COLUMNS as DIRECTORY_COLUMNS
from pipeline.directory import categories
from pipeline.errors import InputError
from pipeline.load import load_agency
from pipeline.training import COLUMNS as TRAINING_COLUMNS
from tests.helpers import docx_text

FIXTURES = Path(__file__).parent / "fixtures"


def write_workbook(path: Path, rows: list[list[object]], title: str = "Sheet1") -> Path:
    workbook = Workbook()
    workbook.active.title = title
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


def test_windows_1252_inputs_are_read_with_a_warning(scenario):
    inputs = load_agency(scenario("windows-1252"))
    assert inputs.profile["agency"]["legal_name"] == "Clínica San Tomás (fictional)"
    assert inputs.directory["entries"][0]["name"] == "Asociación Nuestra Señora – Refugio"
    advice = [str(w) for w in inputs.warnings if "Windows-1252" in w.message]
    assert len(advice) == 2
    assert all("CSV UTF-8" in line for line in advice)
    assert any(line.startswith(f"{inputs.folder}/profile.yaml:3:1:") for line in advice)


def test_windows_1252_names_reach_the_documents_unchanged(scenario, tmp_path):
    out = build_packet(scenario("windows-1252"), tmp_path / "out", pdf=False).out
    text = docx_text(out / "bundle.docx")
    assert "Clínica San Tomás" in text and "Nuestra Señora – Refugio" in text
    assert "�" not in text


def test_bytes_no_encoding_explains_are_refused(scenario):
    with pytest.raises(InputError) as caught:
        load_agency(scenario("not-text"))
    (problem,) = caught.value.problems
    assert problem.path.endswith("directory.csv") and problem.line == 2
    assert "not UTF-8 text and not Windows-1252 either" in problem.message


def test_utf8_with_byte_order_mark_and_crlf_reads_as_plain_utf8(scenario):
    folder = scenario("minimal-clinic")
    rows = (
        "id,name,category,phones,last_verified\r\nx,Café Refugio,childrens_shelter,,2026-09-01\r\n"
    )
    (folder / "directory.csv").write_bytes(b"\xef\xbb\xbf" + rows.encode())
    profile = (folder / "profile.yaml").read_text()
    (folder / "profile.yaml").write_bytes(b"\xef\xbb\xbf" + profile.replace("\n", "\r\n").encode())
    inputs = load_agency(folder)
    assert inputs.directory["entries"][0]["name"] == "Café Refugio"
    assert not [w for w in inputs.warnings if "UTF-8" in w.message]


def test_directory_workbook_reads_like_the_csv(scenario):
    folder = scenario("minimal-clinic")
    header = ["name", "category", "phones", "twenty_four_seven", "last_verified"]
    row = ["Refugio Uno", "childrens_shelter", "(555) 010-2000; (555) 010-2001", True, "2026-09-01"]
    write_workbook(folder / "directory.xlsx", [header, row])
    (entry,) = load_agency(folder).directory["entries"]
    assert entry["phones"] == ["(555) 010-2000", "(555) 010-2001"]
    assert entry["twenty_four_seven"] is True
    csv_folder = scenario("minimal-clinic", slug="csv-agency")
    with (csv_folder / "directory.csv").open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([header, [*row[:3], "yes", row[4]]])
    assert load_agency(csv_folder).directory["entries"] == [entry]


def test_training_workbook_dates_are_read_as_dates(scenario):
    from datetime import datetime

    folder = scenario("minimal-clinic")
    header = ["staff_id", "name", "role", "topics", "date", "hours", "method"]
    rows = [
        header,
        ["S1", "Pat Example", "Nurse", "confidentiality", datetime(2026, 3, 12), 2, "webinar"],
        ["S2", "Lee Example", "Front Desk", "", None, None, ""],
    ]
    write_workbook(folder / "training.xlsx", rows)
    training = load_agency(folder).training
    assert training["records"] == [
        {
            "staff_id": "S1",
            "name": "Pat Example",
            "role": "Nurse",
            "topics": ["confidentiality"],
            "date": "2026-03-12",
            "hours": 2.0,
            "method": "webinar",
        }
    ]
    assert [person["id"] for person in training["staff"]] == ["S1", "S2"]


def test_workbook_errors_name_sheet_row_and_column(scenario):
    folder = scenario("minimal-clinic")
    rows = [["name", "category", "last_verified"], ["Refugio", "no_such_category", "2026-09-01"]]
    write_workbook(folder / "directory.xlsx", rows, title="Entries")
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    (problem,) = caught.value.problems
    assert problem.field == "sheet 'Entries', row 2, column 'category'"
    assert (problem.line, problem.column) == (2, 2)


def test_two_formats_of_one_table_are_refused(scenario):
    folder = scenario("minimal-clinic")
    write_workbook(folder / "directory.xlsx", [["name", "category", "last_verified"]])
    (folder / "directory.csv").write_text("name,category,last_verified\n")
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    assert "both directory.csv and directory.xlsx exist; keep one" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty; expected an Excel workbook (.xlsx)"),
        (b"%PDF-1.7\n", "expected an Excel workbook (.xlsx), but the file is a PDF document"),
        (b"name,category\n", "expected an Excel workbook (.xlsx), but the file is text"),
    ],
)
def test_files_that_are_not_workbooks_are_named(scenario, content, message):
    folder = scenario("minimal-clinic")
    (folder / "training.xlsx").write_bytes(content)
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    assert [p.message for p in caught.value.problems] == [message]


def test_password_protected_workbook_is_refused_with_advice(scenario):
    folder = scenario("minimal-clinic")
    shutil.copy(
        FIXTURES / "unreadable-exports" / "password-protected.xlsx", folder / "directory.xlsx"
    )
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    (problem,) = caught.value.problems
    assert problem.message.startswith("it is password-protected, or saved in an old Office")


def test_validate_reports_encoding_advice_and_exit_code_for_bad_bytes(scenario):
    result = CliRunner().invoke(main, ["validate", str(scenario("not-text"))])
    assert result.exit_code == 2
    assert "Save As > 'CSV UTF-8 (Comma delimited)'" in result.output


def test_new_agency_writes_starter_workbooks_with_drop_downs(tmp_path):
    folder = new_agency(tmp_path, "lakeside-school", "school")
    directory = load_workbook(folder / "directory.xlsx")
    sheet = directory.worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(DIRECTORY_COLUMNS.names)
    assert sheet["A2"].value == "example"
    lists = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    category_column = "ABCDEFGHIJKLMNOPQRS"[DIRECTORY_COLUMNS.names.index("category")]
    last = len(categories()) + 1
    assert lists[f"{category_column}2"].formula1 == f"Lists!$A$2:$A${last}"
    offered = [row[0] for row in directory["Lists"].iter_rows(min_row=2, values_only=True)]
    assert offered == list(categories())
    training = load_workbook(folder / "training.xlsx").worksheets[0]
    assert [cell.value for cell in training[1]] == list(TRAINING_COLUMNS.names)
    assert len(training.data_validations.dataValidation) == 3


def test_starter_sample_rows_are_never_read(tmp_path, sample):
    folder = new_agency(tmp_path, "lakeside-school", "school")
    for name in ("profile.yaml", "questionnaire.yaml", "logo.png"):
        shutil.copy(sample("harbor-family-health") / name, folder / name)
    inputs = load_agency(folder)
    assert inputs.directory == {"entries": []}
    assert inputs.training == {"staff": [], "records": []}
