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


# Workbooks as agencies keep them (tests/fixtures/spreadsheets/README.md says what each is).
SHEETS = FIXTURES / "spreadsheets"
SAMPLE_DIRECTORY = (
    Path(__file__).parent.parent / "inputs" / "harbor-family-health" / "directory.csv"
)


def with_file(scenario, source: Path, name: str, fixture: str = "minimal-clinic") -> Path:
    folder = scenario(fixture)
    shutil.copy(source, folder / name)
    return folder


def refused_lines(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    return [str(problem).removeprefix(f"{folder}/") for problem in caught.value.problems]


def plain_directory(scenario) -> list[dict]:
    """The 28 entries of the fixture workbooks, read from a CSV without titles or numbers."""
    folder = scenario("minimal-clinic", slug="plain-agency")
    with SAMPLE_DIRECTORY.open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    extra = dict.fromkeys(rows[0], "")
    extra.update(
        name="Bayview Food Pantry (fictional)",
        category="food_organizations",
        last_verified="2026-10-01",
    )
    with (folder / "directory.csv").open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([*rows, [extra[name] for name in rows[0]]])
    return load_agency(folder).directory["entries"]


def test_a_hidden_first_sheet_is_not_read(scenario):
    inputs = load_agency(with_file(scenario, SHEETS / "directory.xlsx", "directory.xlsx"))
    names = [entry["name"] for entry in inputs.directory["entries"]]
    assert len(names) == 28 and "Old Shelter (closed)" not in names


def test_the_sheet_read_is_named_when_the_workbook_has_others(scenario):
    inputs = load_agency(with_file(scenario, SHEETS / "directory.xlsx", "directory.xlsx"))
    (note,) = [w.message for w in inputs.warnings if w.message.startswith("read sheet")]
    assert "read sheet 'Resources'" in note and "not read: 'Old list' (hidden)" in note


@pytest.mark.parametrize("name", ["directory.xlsx", "directory.ods", "directory.xls"])
def test_a_workbook_below_a_title_row_reads_like_the_plain_csv(scenario, name):
    inputs = load_agency(with_file(scenario, SHEETS / name, name))
    assert inputs.directory["entries"] == plain_directory(scenario)


def test_the_header_row_taken_is_named(scenario):
    inputs = load_agency(with_file(scenario, SHEETS / "directory.ods", "directory.ods"))
    (note,) = [w for w in inputs.warnings if "taken as the header row" in w.message]
    assert (note.line, note.field) == (3, "sheet 'Resources', row 3")


def test_a_phone_stored_as_a_number_is_written_as_the_agencys_others(scenario):
    inputs = load_agency(with_file(scenario, SHEETS / "directory.xlsx", "directory.xlsx"))
    first, second = inputs.directory["entries"][:2]
    assert first["phones"] == ["(555) 010-4190"] and second["phones"][0] == "(555) 010-5210"


def test_a_training_log_in_ods_keeps_staff_ids_as_shown(scenario):
    inputs = load_agency(with_file(scenario, SHEETS / "training.ods", "training.ods"))
    assert [person["id"] for person in inputs.training["staff"]] == ["00042", "00007"]


def test_a_uk_phone_that_lost_its_leading_zero_is_a_warning(scenario):
    folder = scenario("uk-clinic")
    header = ["name", "category", "phones", "last_verified"]
    rows = [header, ["Kendle Refuge", "childrens_shelter", 1632960200, "2026-09-01"]]
    rows.append(["Kendle Advice", "legal_aid_organizations", "01632 960100", "2026-09-01"])
    write_workbook(folder / "directory.xlsx", rows, title="Entries")
    inputs = load_agency(folder)
    assert inputs.directory["entries"][0]["phones"] == ["01632 960200"]
    (warning,) = [w for w in inputs.warnings if "leading zero" in w.message]
    assert (warning.line, warning.column) == (2, 3)
    assert warning.field == "sheet 'Entries', row 2, column 'phones'"
    assert "format the column as Text" in warning.message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_missing_value_names_its_column_and_position(scenario, suffix):
    folder = scenario("minimal-clinic")
    rows = [["category", "name", "last_verified"], ["childrens_shelter", "", "2026-09-01"]]
    rows.insert(1, ["childrens_shelter", "Line One", "2026-09-01"])
    if suffix == ".csv":
        with (folder / "directory.csv").open("w", newline="") as stream:
            csv.writer(stream).writerows(rows)
    else:
        write_workbook(folder / "directory.xlsx", rows, title="Resources")
    sheet = "sheet 'Resources', " if suffix == ".xlsx" else ""
    assert refused_lines(folder) == [
        f"directory{suffix}:3:2: {sheet}row 3, column 'name': missing; every entry needs a name"
    ]


def test_a_sheet_with_no_header_is_one_problem_naming_the_columns(scenario):
    folder = scenario("minimal-clinic")
    write_workbook(folder / "directory.xlsx", [["Our partners"], ["Safe Harbor", "555-0100"]])
    (line,) = refused_lines(folder)
    assert "no header row found" in line
    assert "name, category, last_verified (required)" in line


def test_a_header_without_a_required_column_is_one_problem(scenario):
    folder = scenario("minimal-clinic")
    rows = [["name", "phones"], *[[f"Line {n}", "555-0100"] for n in range(20)]]
    write_workbook(folder / "directory.xlsx", rows)
    lines = refused_lines(folder)
    assert [line.split(": ", 2)[-1][:22] for line in lines] == [
        "no column 'category'; ",
        "no column 'last_verifi",
    ]


def test_headers_as_people_type_them_are_read(scenario):
    folder = scenario("minimal-clinic")
    rows = [["Name", "Category", "Phone", "Last verified"]]
    rows.append(["Refugio Uno", "childrens_shelter", "(555) 010-2000", "2026-09-01"])
    write_workbook(folder / "directory.xlsx", rows)
    (entry,) = load_agency(folder).directory["entries"]
    assert entry["phones"] == ["(555) 010-2000"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("directory.numbers", "Apple Numbers files are not read"),
        ("Directory 2026.xlsx", "name it directory with one of these endings"),
        ("directory.xlsb", "Excel's binary workbook (.xlsb) is not read"),
    ],
)
def test_a_directory_in_a_format_not_read_is_refused_by_name(scenario, name, message):
    folder = scenario("minimal-clinic")
    (folder / name).write_bytes(b"PK\x03\x04")
    (line,) = refused_lines(folder)
    assert line.startswith(f"{name}:1:1: not read: the directory is read from directory.yaml")
    assert message in line


def test_a_file_beside_the_one_read_is_a_warning(scenario):
    folder = with_file(scenario, SHEETS / "directory.xlsx", "directory.xlsx")
    (folder / "directory-old.csv").write_text("name\n")
    inputs = load_agency(folder)
    assert any(
        w.message == "not read: the directory is read from directory.xlsx" for w in inputs.warnings
    )


def test_a_workbook_open_in_excel_is_a_warning(scenario):
    folder = with_file(scenario, SHEETS / "directory.xlsx", "directory.xlsx")
    (folder / "~$directory.xlsx").write_bytes(b"\x00lock")
    inputs = load_agency(folder)
    assert any("directory.xlsx is open in Excel" in w.message for w in inputs.warnings)


def test_the_file_name_is_read_in_any_letter_case(scenario):
    inputs = load_agency(with_file(scenario, SHEETS / "directory.xlsx", "Directory.XLSX"))
    assert len(inputs.directory["entries"]) == 28


@pytest.mark.parametrize(
    ("fixture", "start"),
    [
        ("last-row.xlsx", "directory.xlsx:1048576:1: sheet 'Sheet': a cell is filled at A1048576"),
        ("wide-rows.xlsx", "directory.xlsx:2:501: sheet 'Sheet': a cell is filled at SG2"),
        (
            "directory-other-workbook.xlsx",
            "directory.xlsx:2:1: sheet 'Directory', row 2: cell A2 takes its value from another "
            "workbook",
        ),
    ],
)
def test_workbooks_past_the_limits_are_a_problem_line_at_once(scenario, fixture, start):
    import time

    folder = with_file(scenario, SHEETS / fixture, "directory.xlsx")
    began = time.monotonic()
    (line,) = refused_lines(folder)
    assert time.monotonic() - began < 1.5
    assert line.startswith(start)


def test_a_workbook_that_inflates_far_past_its_size_is_refused(scenario):
    import zipfile

    folder = scenario("minimal-clinic")
    write_workbook(folder / "directory.xlsx", [["name", "category", "last_verified"]])
    with zipfile.ZipFile(folder / "directory.xlsx", "a", zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/media/padding.bin", b"\x00" * 20_000_000)
    (line,) = refused_lines(folder)
    assert "inflates to 20 MB or more" in line


def test_a_sheet_name_with_a_line_break_is_written_escaped(scenario):
    folder = scenario("minimal-clinic")
    rows = [["name", "category", "last_verified"], ["Refugio", "no_such_category", "2026-09-01"]]
    write_workbook(folder / "directory.xlsx", rows, title="Entries\nratings 5")
    (line,) = refused_lines(folder)
    assert "sheet 'Entries\\nratings 5', row 2" in line and "\n" not in line


def test_text_that_a_spreadsheet_would_run_is_neutralised_in_csv():
    from pipeline.sheets import csv_safe

    cells = ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "plain", 3]
    assert [csv_safe(cell) for cell in cells] == [
        '\'=HYPERLINK("x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "plain",
        3,
    ]


def test_a_csv_past_the_rows_read_is_a_problem_line(scenario):
    folder = scenario("minimal-clinic")
    lines = ["name,category,last_verified", *["x,hotlines,2026-09-01"] * 20_001]
    (folder / "directory.csv").write_text("\n".join(lines) + "\n")
    (line,) = refused_lines(folder)
    assert line.startswith("directory.csv:20001:1: a cell is filled at A20001, past the 20,000")


def test_a_sheet_whose_cells_have_no_references_is_scanned_cell_by_cell(scenario):
    import zipfile

    folder = scenario("minimal-clinic")
    write_workbook(folder / "directory.xlsx", [["name", "category", "last_verified"]])
    cells = "".join("<c><v>1</v></c>" for _ in range(501))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    )
    source = folder / "directory.xlsx"
    with zipfile.ZipFile(source) as package:
        parts = {item.filename: package.read(item.filename) for item in package.infolist()}
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(source, "w") as package:
        for name, data in parts.items():
            package.writestr(name, data)
    (line,) = refused_lines(folder)
    assert line.startswith("directory.xlsx:1:501: sheet 'Sheet1': a cell is filled at SG1")


def test_a_training_workbook_with_a_hidden_first_sheet_reads_the_visible_one(scenario):
    folder = scenario("minimal-clinic")
    workbook = Workbook()
    workbook.active.title = "2025"
    workbook.active.append(["staff_id", "name", "role"])
    workbook.active.append(["S9", "Gone Example", "Nurse"])
    workbook.active.sheet_state = "hidden"
    visible = workbook.create_sheet("Training")
    visible.append(["staff_id", "name", "role"])
    visible.append(["S1", "Pat Example", "Nurse"])
    workbook.save(folder / "training.xlsx")
    assert [person["id"] for person in load_agency(folder).training["staff"]] == ["S1"]


@pytest.mark.parametrize(
    ("name", "content", "start"),
    [
        (
            "directory.ods",
            b"PK\x03\x04 cut short",
            "not a LibreOffice spreadsheet that can be read",
        ),
        (
            "directory.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "not an Excel 97-2003 workbook (.xls) that can be read",
        ),
        ("directory.ods", b"name,category\n", "expected a LibreOffice Calc spreadsheet (.ods)"),
    ],
)
def test_damaged_ods_and_xls_files_are_a_problem_line(scenario, name, content, start):
    folder = scenario("minimal-clinic")
    (folder / name).write_bytes(content)
    (line,) = refused_lines(folder)
    assert line.startswith(f"{name}:1:1: {start}")


@pytest.mark.parametrize(
    ("fixture", "written", "read"),
    [
        ("minimal-clinic", ["9/1/2026", "10/2/2026"], ["2026-09-01", "2026-10-02"]),
        ("uk-clinic", ["9/1/2026", "10/2/2026"], ["2026-01-09", "2026-02-10"]),
        ("uk-clinic", ["9/1/2026", "11/20/2026"], ["2026-09-01", "2026-11-20"]),
    ],
)
def test_dates_excel_wrote_into_a_csv_are_read_as_the_country_writes_them(
    scenario, fixture, written, read
):
    folder = scenario(fixture)
    rows = [["name", "category", "last_verified"]]
    rows += [[f"Refugio {n}", "childrens_shelter", day] for n, day in enumerate(written)]
    with (folder / "directory.csv").open("w", newline="") as stream:
        csv.writer(stream).writerows(rows)
    entries = load_agency(folder).directory["entries"]
    assert [entry["last_verified"] for entry in entries] == read
