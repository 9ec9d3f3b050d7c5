"""Files that come back from other people (survey exports, filled forms, a restyled reference
document), made hostile: bounded, inert, never a traceback; ingest writes every file or none."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    RectangleObject,
    TextStringObject,
)

from pipeline import journal
from pipeline.errors import InputError, PacketError
from pipeline.ingest import ingest
from pipeline.ingest.forms import read_pdf_form, read_word_form
from pipeline.load import load_agency
from pipeline.sheets.files import MAX_PACKAGE_MEMBERS
from pipeline.style import read_style

REFERENCE = Path(__file__).parent.parent / "pipeline" / "templates" / "reference.docx"
ROLE, ITEM = "Your role", "1.1 Have staff received training?"


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(rows)
    return path


def test_respondents_whose_names_slug_alike_get_a_file_each(scenario, tmp_path):
    rows = [[ROLE, "Your name", ITEM], ["Doctor", "Ana", "Yes"], ["Nurse", "Ana", "No"]]
    rows.append(["Clerk", "Ana 2", "Yes"])
    folder = scenario("minimal-clinic")
    report = ingest(folder, [write_csv(tmp_path / "survey.csv", rows)])
    assert [found.outcome for found in report.answer_sets] == ["new", "new", "new"]
    written = sorted((folder / "assessment").glob("*.yaml"))
    assert [path.name for path in written] == ["ana-2-2.yaml", "ana-2.yaml", "ana.yaml"]
    roles = {respondent.role for respondent in load_agency(folder).respondents}
    assert roles == {"Doctor", "Nurse", "Clerk"}


def test_a_line_break_in_a_file_name_stays_in_the_comment(scenario, tmp_path):
    rows = [[ROLE, ITEM], ["Nurse", "Yes"]]
    export = write_csv(tmp_path / "survey\nratings: 5\u2028x.csv", rows)
    folder = scenario("minimal-clinic")
    ingest(folder, [export])
    (written,) = (folder / "assessment").glob("*.yaml")
    text = written.read_text()
    assert "\\u000aratings: 5\\u2028x.csv" in text.splitlines()[1]
    assert load_agency(folder).respondents[0].ratings == {}


def a_docx(path: Path) -> Path:
    document = Document()
    document.add_paragraph("A reference document")
    document.save(path)
    return path


def rewritten(source: Path, target: Path, extra: dict[str, bytes], replace: dict[str, bytes]):
    """The package `source` with parts replaced and added, as a hand-made .docx would be."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info)))
        for name, data in extra.items():
            new.writestr(name, data)
    return target


def test_a_docx_that_inflates_to_hundreds_of_megabytes_is_refused(tmp_path):
    bomb = rewritten(
        a_docx(tmp_path / "plain.docx"),
        tmp_path / "bomb.docx",
        {"word/media/filler.bin": b"\0" * 200_000_000},
        {},
    )
    assert bomb.stat().st_size < 1_000_000
    values, problems, _ = read_word_form(bomb, str(bomb))
    assert values == {}
    assert "inflates to" in problems[0].message and "refused" in problems[0].message


def test_a_docx_with_too_many_parts_is_refused(tmp_path):
    many = {f"customXml/part{n}.xml": b"<a/>" for n in range(MAX_PACKAGE_MEMBERS + 1)}
    crowded = rewritten(a_docx(tmp_path / "plain.docx"), tmp_path / "many.docx", many, {})
    (problem,) = read_style(crowded, str(crowded))[1]
    assert "parts (at most 2,000 are read); refused" in problem.message


def test_a_reference_document_whose_styles_carry_a_dtd_is_refused(tmp_path):
    plain = REFERENCE
    with zipfile.ZipFile(plain) as package:
        styles = package.read("word/styles.xml")
    dtd = b'<?xml version="1.0"?><!DOCTYPE w:styles [<!ENTITY a "aaaa">]>'
    body = styles.split(b"?>", 1)[1]
    hostile = rewritten(plain, tmp_path / "dtd.docx", {}, {"word/styles.xml": dtd + body})
    style, problems = read_style(hostile, str(hostile))
    assert style is None
    assert problems[0].message == "the package's part 'word/styles.xml' declares a DTD; refused"


def test_a_reference_document_without_a_section_is_refused(tmp_path):
    plain = REFERENCE
    with zipfile.ZipFile(plain) as package:
        body = package.read("word/document.xml")
    start, end = body.index(b"<w:sectPr"), body.index(b"</w:sectPr>") + len(b"</w:sectPr>")
    cut = rewritten(
        plain, tmp_path / "cut.docx", {}, {"word/document.xml": body[:start] + body[end:]}
    )
    style, problems = read_style(cut, str(cut))
    assert style is None
    assert problems[0].field == "sections" and "has no page setup" in problems[0].message


def field_tree_pdf(path: Path, depth: int) -> Path:
    """A one-field PDF form whose field has `depth` parents, or (depth 0) parents in a cycle."""
    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    widget = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("respondent/name"),
            NameObject("/Rect"): RectangleObject([10, 10, 100, 30]),
            NameObject("/V"): TextStringObject("Ana"),
        }
    )
    child = writer._add_object(widget)
    node = widget
    for level in range(max(depth, 2)):
        parent = DictionaryObject({NameObject("/T"): TextStringObject(f"p{level}")})
        reference = writer._add_object(parent)
        node[NameObject("/Parent")] = reference
        parent[NameObject("/Kids")] = ArrayObject([child])
        child, node = reference, parent
    if depth == 0:
        node[NameObject("/Parent")] = widget[NameObject("/Parent")]  # back to the first parent
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(widget)])
    fields = DictionaryObject({NameObject("/Fields"): ArrayObject([child])})
    writer._root_object[NameObject("/AcroForm")] = fields
    with path.open("wb") as stream:
        writer.write(stream)
    return path


@pytest.mark.parametrize(("depth", "said"), [(0, "form a cycle"), (5000, "levels deep")])
def test_a_pdf_form_whose_field_tree_cycles_or_nests_too_deep_is_refused(tmp_path, depth, said):
    pdf = field_tree_pdf(tmp_path / "form.pdf", depth)
    values, problems, _ = read_pdf_form(pdf, str(pdf))
    assert values == {}
    assert "the PDF is damaged or incomplete" in problems[0].message and said in problems[0].message


def test_ingest_writes_every_respondent_file_or_none(scenario, tmp_path, monkeypatch):
    rows = [[ROLE, "Your name", ITEM], ["Doctor", "Ana", "Yes"], ["Nurse", "Bo", "No"]]
    folder = scenario("minimal-clinic")
    (folder / "assessment").mkdir()
    kept = folder / "assessment" / "bo.yaml"
    kept.write_text("respondent: {role: Nurse, name: Bo}\nanswers: {}\nratings: {}\n")
    before = kept.read_bytes()
    original = journal.write_durably

    def full_disk_at_the_second(path, data):
        if path.name.startswith(".bo.yaml."):
            raise OSError(28, "No space left on device", str(path))
        return original(path, data)

    monkeypatch.setattr(journal, "write_durably", full_disk_at_the_second)
    with pytest.raises(PacketError) as caught:
        ingest(folder, [write_csv(tmp_path / "survey.csv", rows)], replace=True)
    assert caught.value.exit_code == 1
    assert str(folder / "assessment") in caught.value.message
    assert "No space left on device" in caught.value.message
    assert sorted(path.name for path in (folder / "assessment").iterdir()) == ["bo.yaml"]
    assert kept.read_bytes() == before
    assert not (folder / journal.JOURNAL).exists()


def test_ingest_into_a_folder_that_cannot_be_written_is_an_error_naming_it(
    scenario, tmp_path, monkeypatch
):
    folder = scenario("minimal-clinic")

    def read_only(path, data):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(journal, "write_durably", read_only)
    with pytest.raises(PacketError) as caught:
        ingest(folder, [write_csv(tmp_path / "survey.csv", [[ROLE, ITEM], ["Nurse", "Yes"]])])
    assert not isinstance(caught.value, InputError)
    assert str(folder) in caught.value.message
    assert (
        "Permission denied" in caught.value.message
        and "nothing was written" in caught.value.message
    )


def test_a_problem_line_for_a_file_whose_name_holds_a_line_break_stays_one_line(scenario, tmp_path):
    export = write_csv(tmp_path / "bad\nname.csv", [[ROLE, ITEM], ["", "Yes"]])
    with pytest.raises(InputError) as caught:
        ingest(scenario("minimal-clinic"), [export])
    (line,) = [str(problem) for problem in caught.value.problems]
    assert "\n" not in line and "bad\\u000aname.csv:2:1:" in line


def test_a_dtd_hidden_behind_a_long_comment_is_refused_too(tmp_path):
    with zipfile.ZipFile(REFERENCE) as package:
        styles = package.read("word/styles.xml")
    padding = b"<!--" + b"x" * 10_000 + b"-->"
    dtd = b'<?xml version="1.0"?>' + padding + b'<!DOCTYPE w:styles [<!ENTITY a "aaaa">]>'
    body = styles.split(b"?>", 1)[1]
    hostile = rewritten(REFERENCE, tmp_path / "dtd.docx", {}, {"word/styles.xml": dtd + body})
    style, problems = read_style(hostile, str(hostile))
    assert style is None
    assert [(p.field, p.message) for p in problems] == [("styles", "declares a DTD; refused")]


def test_a_file_named_twice_or_copied_is_one_respondent(scenario, tmp_path):
    rows = [[ROLE, "Your name", ITEM], ["Doctor", "Ana", "Yes"]]
    export = write_csv(tmp_path / "survey.csv", rows)
    copy = write_csv(tmp_path / "survey (1).csv", rows)  # downloaded twice
    saved_again = write_csv(tmp_path / "again.csv", [[*row, ""] for row in rows])  # other bytes
    folder = scenario("minimal-clinic")
    report = ingest(folder, [export, export, copy, saved_again])
    assert [found.target.name for found in report.answer_sets] == ["ana.yaml"]
    assert sorted(path.name for path in (folder / "assessment").iterdir()) == ["ana.yaml"]
    assert f"{copy}: the same file as {export}; read once" in report.notes
    assert any("again.csv" in p.path and "read once" in p.message for p in report.warnings)


def test_two_alike_rows_of_one_export_are_two_respondents(scenario, tmp_path):
    rows = [[ROLE, ITEM], ["Nurse", "Yes"], ["Nurse", "Yes"]]
    report = ingest(scenario("minimal-clinic"), [write_csv(tmp_path / "survey.csv", rows)])
    assert [found.target.name for found in report.answer_sets] == ["nurse.yaml", "nurse-2.yaml"]


@pytest.mark.parametrize("breaking", ["\u2028", "\u2029", "\u0085"])
def test_a_comment_holding_a_character_yaml_reads_as_a_line_break_is_kept_as_written(
    scenario, tmp_path, breaking
):
    comment = f"first{breaking}second"
    rows = [[ROLE, "Your name", ITEM, "Comments 1"], ["Nurse", "Cy", "Yes", comment]]
    export = write_csv(tmp_path / "survey.csv", rows)
    folder = scenario("minimal-clinic")
    ingest(folder, [export])
    (respondent,) = load_agency(folder).respondents
    assert list(respondent.comments.values()) == [comment]
    assert [found.outcome for found in ingest(folder, [export]).answer_sets] == ["unchanged"]


@pytest.mark.parametrize("now", ["x\u2028y", "z\u0085", "a: b", '"quoted"', "yes", "#hash"])
def test_an_edited_value_written_into_an_input_reads_back_as_edited(now):
    from pipeline.ingest.facts import replaced_scalar

    text = "agency:\n  phone: old  # the front desk\n  city: Testville\n"
    changed = replaced_scalar(text, ("agency", "phone"), now)
    assert yaml.safe_load(changed)["agency"] == {"phone": now, "city": "Testville"}
    assert "# the front desk" in changed
