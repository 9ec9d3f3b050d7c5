"""Answers from forms and survey exports: round trips to the completed assessment, and bad files."""

from __future__ import annotations

import csv
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from openpyxl import Workbook
from pypdf import PdfWriter

from pipeline.assessment import answerable, items_by_id, rated_domains
from pipeline.build import build_packet
from pipeline.cli import main
from pipeline.convert import soffice
from pipeline.errors import InputError
from pipeline.forms import FORM_PDF, build_forms, form_tags
from pipeline.ingest import ingest, summary_line
from pipeline.render import long_date
from tests.helpers import (
    cell_text,
    docx_text,
    fill_pdf_form,
    fill_pdf_form_with_mupdf,
    fill_word_form,
    item_rows,
)

FIXTURES = Path(__file__).parent / "fixtures"
GLYPH = {True: "☒", False: "☐"}

# Two respondents, as they would fill in the form. Items 1.6-1.10 apply only after 1.5 Yes.
NURSE = {
    "respondent": {"role": "Nurse", "name": "Ana Example-Fictus", "date": "2026-10-12"},
    "answers": {"1.1": "yes", "1.2": "no", "1.5": "yes", "1.6": "yes", "5.5.a": "n/a"},
    "ratings": {"1": 4, "3": "N/A"},
    "comments": {"1": "Nobody at the front desk knows the hotline number."},
}
FRONT_DESK = {
    "respondent": {"role": "Front desk"},
    "answers": {"1.1": "yes", "1.2": "yes", "1.5": "no", "5.5.a": "yes", "10.6": "no"},
    "ratings": {"1": 2, "9": 1},
    "comments": {"9": "No panic button."},
}
FORM_CHOICES = {"yes": "yes", "no": "no", "n/a": "na"}


def form_values(respondent: dict) -> dict[str, bool | str]:
    """The boxes and fields a respondent fills in to give these answers."""
    values: dict[str, bool | str] = {
        f"respondent/{key}": value for key, value in respondent["respondent"].items()
    }
    for item, answer in respondent["answers"].items():
        values[f"answer/{item}/{FORM_CHOICES[answer]}"] = True
    for domain, rating in respondent["ratings"].items():
        values[f"rating/{domain}/{'na' if rating == 'N/A' else rating}"] = True
    for domain, text in respondent["comments"].items():
        values[f"comment/{domain}"] = text
    return values


def check_completed_assessment(folder: Path, out: Path, respondents: list[dict]) -> None:
    """Every item of the completed tool ticks the most common answer and counts each answer."""
    rows = item_rows(build_packet(folder, out, pdf=False).out / "assessment.docx")
    for item_id, item in items_by_id().items():
        if not answerable(item):
            continue
        counts = Counter(r["answers"][item_id] for r in respondents if item_id in r["answers"])
        ranked = counts.most_common()
        top = ranked[0][0] if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]) else None
        for answer, column in (("yes", 2), ("no", 3), ("n/a", 4)):
            count = f" {counts[answer]}" if counts[answer] else ""
            assert rows[item_id][column] == f"{GLYPH[top == answer]}{count}", (item_id, answer)


@pytest.fixture
def agency(scenario) -> Path:
    return scenario("minimal-clinic")


@pytest.fixture
def word_form(agency, tmp_path) -> Path:
    return build_forms(agency, tmp_path / "forms", pdf=False)[0]


def test_word_forms_round_trip_to_the_completed_assessment(agency, word_form, tmp_path):
    filled = [
        fill_word_form(word_form, tmp_path / name, form_values(answers))
        for name, answers in (("nurse.docx", NURSE), ("desk.docx", FRONT_DESK))
    ]
    report = ingest(agency, filled)
    written = sorted(path.name for path in (agency / "assessment").iterdir())
    assert written == ["ana-example-fictus.yaml", "front-desk.yaml"]
    assert [answer_set.data for answer_set in report.answer_sets] == [NURSE, FRONT_DESK]
    assert report.warnings == [] and report.notes == []
    check_completed_assessment(agency, tmp_path / "out", [NURSE, FRONT_DESK])


def every_tag_respondents() -> list[dict]:
    """Six respondents who between them tick every box of the form and fill every field: one
    answers every item Yes, one No, one N/A (each giving the "IF YES" items' conditions the
    answer that lets them be answered), two give those conditions the other answers, and each
    rates each domain with another of the six values and comments on every domain, 12 too."""
    items = [item for item in items_by_id().values() if answerable(item)]
    conditions = {
        item["condition"]["item"]: item["condition"]["answer"]
        for item in items
        if item.get("condition")
    }
    others = {parent: [a for a in ANSWERS if a != needed] for parent, needed in conditions.items()}
    answer_sets = [
        {item["id"]: conditions.get(item["id"], answer) for item in items} for answer in ANSWERS
    ]
    answer_sets += [{parent: others[parent][n] for parent in conditions} for n in (0, 1)]
    answer_sets.append({})
    values = [*range(1, 6), "N/A"]
    return [
        {
            "respondent": {"role": f"Role {n}", "name": f"Person {n}", "date": f"2026-10-1{n}"},
            "answers": answers,
            "ratings": {str(d["number"]): values[(n + d["number"]) % 6] for d in rated_domains()},
            "comments": {str(d): f"Comment {n} on domain {d}" for d in range(1, 13)},
        }
        for n, answers in enumerate(answer_sets)
    ]


ANSWERS = ("yes", "no", "n/a")


def test_every_tag_of_the_form_reaches_the_completed_assessment(agency, word_form, tmp_path):
    respondents = every_tag_respondents()
    values = [form_values(respondent) for respondent in respondents]
    assert set().union(*values) == set(form_tags()) - {"form/agency"}
    filled = [fill_word_form(word_form, tmp_path / f"{n}.docx", v) for n, v in enumerate(values)]
    report = ingest(agency, filled)
    assert [answer_set.data for answer_set in report.answer_sets] == respondents
    check_completed_assessment(agency, tmp_path / "out", respondents)  # every item's counts
    assessment = tmp_path / "out" / "assessment.docx"
    assert rating_rows(assessment) == [["☒ ×1"] * 6] * len(rated_domains())
    people = [row[:3] for row in table_rows(assessment, "Respondent role")]
    assert people == [
        [r["respondent"]["role"], r["respondent"]["name"], long_date(r["respondent"]["date"])]
        for r in respondents
    ]
    for document in (assessment, tmp_path / "out" / "bundle.docx"):
        text = docx_text(document)
        for respondent in respondents:
            for comment in respondent["comments"].values():
                assert f"{respondent['respondent']['role']}: “{comment}”" in text, document.name


def rating_rows(path: Path) -> list[list[str]]:
    """The counts row under each domain's rating scale (`1 Very weak | 2 … | N/A …`)."""
    return [
        [cell_text(cell) for cell in table.rows[1].cells]
        for table in Document(path).tables
        if cell_text(table.rows[0].cells[0]).startswith("1 ") and len(table.columns) == 6
    ]


def table_rows(path: Path, heading: str) -> list[list[str]]:
    """The rows after the header of the table whose first header cell is `heading`."""
    table = next(t for t in Document(path).tables if cell_text(t.rows[0].cells[0]) == heading)
    return [[cell_text(cell) for cell in row.cells] for row in table.rows[1:]]


@pytest.fixture(scope="module")
def pdf_form(tmp_path_factory) -> Path:
    """The fillable PDF form of the `agency` fixture's agency (its slug is test-agency)."""
    folder = tmp_path_factory.mktemp("pdf-form") / "inputs" / "test-agency"
    shutil.copytree(FIXTURES / "minimal-clinic", folder)
    build_forms(folder, folder.parent.parent / "forms")
    return folder.parent.parent / "forms" / FORM_PDF


@pytest.mark.pdf
@pytest.mark.parametrize(
    "fill", [fill_pdf_form, fill_pdf_form_with_mupdf], ids=["pypdf", "pymupdf"]
)
def test_pdf_forms_round_trip_to_the_completed_assessment(agency, pdf_form, tmp_path, fill):
    filled = [
        fill(pdf_form, tmp_path / name, form_values(answers))
        for name, answers in (("nurse.pdf", NURSE), ("desk.pdf", FRONT_DESK))
    ]
    report = ingest(agency, filled)
    assert [answer_set.data for answer_set in report.answer_sets] == [NURSE, FRONT_DESK]
    assert report.warnings == [] and report.notes == []
    check_completed_assessment(agency, tmp_path / "out", [NURSE, FRONT_DESK])


@pytest.mark.pdf
def test_a_word_form_saved_again_by_libreoffice_ingests_as_filled(agency, word_form, tmp_path):
    """A respondent who fills the Word form in LibreOffice: its boxes, fields and the form's
    record of its own text come back, so nothing is lost and nothing is reported."""
    filled = fill_word_form(word_form, tmp_path / "filled.docx", form_values(NURSE))
    saved = tmp_path / "saved"
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to"]
        + ["docx:MS Word 2007 XML", "--outdir", str(saved), str(filled)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    report = ingest(agency, [saved / "filled.docx"])
    assert [answer_set.data for answer_set in report.answer_sets] == [NURSE]
    assert report.warnings == [] and report.notes == []


# A survey as Microsoft Forms or Google Forms exports it: tool columns, then one per question,
# answers written as people pick them.
SURVEY_HEADER = [
    "Timestamp",
    "Email Address",
    "Role",
    "Name",
    "Date",
    "1.1 Have staff received training on HT/E?",
    "1.2 Common immediate and long-term health needs?",
    "1.5 Does the facility have a protocol?",
    "1.6 IF YES: Was the protocol developed with survivors?",
    "5.5.a Interpreters",
    "10.6 Is mental health service integrated?",
    "Rating 1",
    "3 rating",
    "Rating 9",
    "Comment 1",
    "9 comment",
]
SURVEY_ROWS = [
    [
        "2026/10/12 14:03:11",
        "ana@example.org",
        "Nurse",
        "Ana Example-Fictus",
        "2026-10-12",
        "Yes",
        "N",
        "y",
        "YES",
        "Don’t know",
        "",
        "4 - Somewhat strong",
        "N/A",
        "",
        "Nobody at the front desk knows the hotline number.",
        "",
    ],
    [
        "2026/10/13 09:00:00",
        "desk@example.org",
        "Front desk",
        "",
        "",
        "yes",
        "Yes",
        "No",
        "",
        "Y",
        "no",
        "Somewhat weak",
        "",
        "1",
        "",
        "No panic button.",
    ],
]


def test_survey_csv_round_trips_to_the_completed_assessment(agency, tmp_path):
    export = tmp_path / "survey.csv"
    with export.open("w", newline="", encoding="utf-8-sig") as stream:
        csv.writer(stream).writerows([SURVEY_HEADER, *SURVEY_ROWS])
    report = ingest(agency, [export])
    assert [answer_set.data for answer_set in report.answer_sets] == [NURSE, FRONT_DESK]
    assert report.notes == [
        f"{export}: ignored 2 columns the assessment does not use (their contents are not "
        "copied): Timestamp, Email Address"
    ]
    check_completed_assessment(agency, tmp_path / "out", [NURSE, FRONT_DESK])


def test_survey_workbook_round_trips_to_the_completed_assessment(agency, tmp_path):
    from datetime import datetime

    workbook = Workbook()
    workbook.active.title = "Form1"
    workbook.active.append(SURVEY_HEADER)
    first, second = (list(row) for row in SURVEY_ROWS)
    first[4] = datetime(2026, 10, 12)  # Excel keeps dates as dates
    second[13] = 1  # and numbers as numbers
    workbook.active.append(first)
    workbook.active.append(second)
    workbook.save(tmp_path / "survey.xlsx")
    report = ingest(agency, [tmp_path / "survey.xlsx"])
    assert [answer_set.data for answer_set in report.answer_sets] == [NURSE, FRONT_DESK]
    assert report.answer_sets[1].source == f"{tmp_path}/survey.xlsx, sheet 'Form1', row 3"
    check_completed_assessment(agency, tmp_path / "out", [NURSE, FRONT_DESK])


def test_a_survey_comment_on_domain_12_reaches_the_assessment(agency, tmp_path):
    export = tmp_path / "survey.csv"
    export.write_text("Role,Comment 12\nNurse,The county clinic closed its dental service.\n")
    ingest(agency, [export])
    out = build_packet(agency, tmp_path / "out", pdf=False).out
    text = docx_text(out / "assessment.docx")
    assert "Nurse: “The county clinic closed its dental service.”" in text


def test_qualtrics_extra_header_rows_are_skipped(agency, tmp_path):
    export = tmp_path / "qualtrics.csv"
    questions = ["Role", "1.1", "Rating 1"]
    texts = ["What is your role?", "Have staff received training on HT/E?", "Rate domain 1"]
    imports = ['{"ImportId":"QID1_TEXT"}', '{"ImportId":"QID2"}', '{"ImportId":"QID3"}']
    with export.open("w", newline="") as stream:
        csv.writer(stream).writerows([questions, texts, imports, ["Nurse", "Yes", "3"]])
    (found,) = ingest(agency, [export]).answer_sets
    assert found.data["answers"] == {"1.1": "yes"} and found.row == "row 4"


def test_summary_says_what_was_read_and_where_it_went(agency, word_form, tmp_path):
    filled = fill_word_form(word_form, tmp_path / "nurse.docx", form_values(NURSE))
    result = CliRunner().invoke(main, ["ingest", str(agency), str(filled)])
    assert result.exit_code == 0, result.output
    expected = (
        f"{filled}: 5 of 82 items answered, 2 of 11 domains rated, 1 comment -> "
        f"{agency}/assessment/ana-example-fictus.yaml (new)"
    )
    assert expected in result.output


def test_ingesting_the_same_forms_twice_changes_nothing(agency, word_form, tmp_path):
    filled = fill_word_form(word_form, tmp_path / "nurse.docx", form_values(NURSE))
    ingest(agency, [filled])
    written = agency / "assessment" / "ana-example-fictus.yaml"
    before = (written.read_bytes(), written.stat().st_mtime_ns)
    (again,) = ingest(agency, [filled]).answer_sets
    assert again.outcome == "unchanged"
    assert (written.read_bytes(), written.stat().st_mtime_ns) == before


def test_other_answers_replace_a_respondent_file_only_when_asked(agency, word_form, tmp_path):
    ingest(agency, [fill_word_form(word_form, tmp_path / "a.docx", form_values(NURSE))])
    changed = {**NURSE, "ratings": {"1": 5}}
    second = fill_word_form(word_form, tmp_path / "b.docx", form_values(changed))
    with pytest.raises(InputError) as caught:
        ingest(agency, [second])
    assert "ana-example-fictus.yaml already exists with other answers; give --replace" in str(
        caught.value
    )
    (replaced,) = ingest(agency, [second], replace=True).answer_sets
    assert replaced.outcome == "replaced"
    assert "'1': 5" in (agency / "assessment" / "ana-example-fictus.yaml").read_text()


def test_written_files_name_the_source_file_but_not_its_folders(agency, word_form, tmp_path):
    folder = tmp_path / "Downloads of Ana"
    folder.mkdir()
    ingest(agency, [fill_word_form(word_form, folder / "nurse.docx", form_values(NURSE))])
    text = (agency / "assessment" / "ana-example-fictus.yaml").read_text()
    assert "nurse.docx" in text and "Downloads" not in text


# Damaged forms: what a respondent did besides filling the fields is read where it can be (with a
# warning naming the item), and refused where the answer cannot be known.


def controls_of(document) -> dict[str, object]:
    return {
        control.find(qn("w:sdtPr")).find(qn("w:tag")).get(qn("w:val")): control
        for control in document.element.body.iter(qn("w:sdt"))
    }


def item_cells(document, item_id: str) -> list:
    return next(
        row.cells for table in document.tables for row in table.rows if row.cells[0].text == item_id
    )


def damage_word_form(form: Path, target: Path) -> Path:
    """A filled Word form, damaged as respondents do in Word: boxes deleted (and an X typed in
    one's place), a glyph pasted over a box, a comment typed where its field was deleted,
    and text typed in a question and after the form's last line."""
    filled = fill_word_form(form, target, {"respondent/role": "Nurse", "answer/1.1/yes": True})
    document = Document(filled)
    controls = controls_of(document)
    for item in ("2.1", "2.2"):
        for choice in ("yes", "no", "na"):
            control = controls[f"answer/{item}/{choice}"]
            control.getparent().remove(control)
    item_cells(document, "2.1")[2].paragraphs[0].add_run("X")
    glyph = next(controls["answer/2.3/no"].iter(qn("w:t")))
    glyph.text = "☒"  # pasted: the box's checked flag stays off
    comment = controls["comment/3"]
    paragraph = comment.getparent()
    paragraph.remove(comment)
    Paragraph(paragraph, None).add_run("We have no interpreter at night.")
    item_cells(document, "3.1")[1].paragraphs[-1].add_run(" (only partly)")
    document.add_paragraph("PS: we need more training on labour trafficking.")
    document.save(filled)
    return filled


@pytest.fixture(scope="module")
def damaged_word_form(tmp_path_factory):
    """The damaged Word form, ingested: the report and the messages (warnings) it gave."""
    work = tmp_path_factory.mktemp("damaged-word")
    folder = work / "inputs" / "test-agency"
    shutil.copytree(FIXTURES / "minimal-clinic", folder)
    form = build_forms(folder, work / "forms", pdf=False)[0]
    damaged = damage_word_form(form, work / "damaged.docx")
    report = ingest(folder, [damaged])
    messages = [str(warning).split(": warning: ", 1) for warning in report.warnings]
    return report, {(field.split(":1:1: ")[1], message) for field, message in messages}


def test_deleted_boxes_are_a_warning_naming_the_item(damaged_word_form):
    _, warnings = damaged_word_form
    assert (
        "item 2.2",
        "its Yes, No and N/A boxes are missing from the form (deleted?), and nothing was put "
        "in their place",
    ) in warnings


def test_an_x_typed_where_a_box_was_deleted_is_read_as_a_tick(damaged_word_form):
    report, warnings = damaged_word_form
    assert report.answer_sets[0].data["answers"]["2.1"] == "yes"
    assert ("item 2.1", "the “X” typed in place of the Yes box is read as a tick") in warnings
    assert (
        "item 2.1",
        "its Yes, No and N/A boxes are missing from the form (deleted?)",
    ) in warnings


def test_a_box_showing_a_tick_its_flag_denies_is_read_as_it_shows(damaged_word_form):
    report, warnings = damaged_word_form
    assert report.answer_sets[0].data["answers"]["2.3"] == "no"
    assert (
        "item 2.3",
        "the No box shows a tick but the file marks it not ticked (it was changed outside the "
        "form's box); read as it shows",
    ) in warnings


def test_a_comment_typed_where_its_field_was_deleted_is_read(damaged_word_form):
    report, warnings = damaged_word_form
    assert report.answer_sets[0].data["comments"]["3"] == "We have no interpreter at night."
    assert (
        "comment on domain 3",
        "the text typed in place of the field is read as part of it",
    ) in warnings


def test_text_typed_into_a_question_is_a_warning_naming_the_item(damaged_word_form):
    _, warnings = damaged_word_form
    assert (
        "item 3.1",
        "text typed outside the form's fields is not read: “(only partly)”",
    ) in warnings


def test_a_line_added_to_the_form_is_a_warning_saying_where(damaged_word_form):
    _, warnings = damaged_word_form
    assert (
        "after comment on domain 12",
        "text typed outside the form's fields is not read: “PS: we need more training on labour "
        "trafficking.”",
    ) in warnings


def test_nothing_else_is_reported_about_a_damaged_form(damaged_word_form):
    report, warnings = damaged_word_form
    assert len(warnings) == len(report.warnings) == 7 and report.notes == []


def test_the_summary_counts_the_warnings(damaged_word_form):
    report, _ = damaged_word_form
    assert ", 7 warnings above -> " in summary_line(report.answer_sets[0])


def test_text_typed_beside_unticked_boxes_cannot_be_read(agency, word_form, tmp_path):
    filled = fill_word_form(word_form, tmp_path / "partly.docx", form_values(NURSE))
    document = Document(filled)
    item_cells(document, "2.1")[2].paragraphs[0].add_run(" partly")
    document.save(filled)
    assert refused(agency, [filled]) == [
        f"{filled}:1:1: item 2.1: “partly” is typed at the Yes box and cannot be read as an "
        "answer; tick one box, or leave them all blank"
    ]


def test_pages_pasted_into_a_form_are_counted_after_twenty_warnings(agency, word_form, tmp_path):
    filled = fill_word_form(word_form, tmp_path / "letter.docx", form_values(NURSE))
    document = Document(filled)
    for number in range(100):
        document.add_paragraph(f"Paragraph {number} of a letter pasted into the form.")
    document.save(filled)
    warnings = ingest(agency, [filled]).warnings
    assert len(warnings) == 20
    assert warnings[-1].message == "81 more paragraphs typed outside the form's fields are not read"


def test_a_form_that_lost_its_record_of_its_text_says_what_was_not_checked(
    agency, word_form, tmp_path
):
    filled = fill_word_form(word_form, tmp_path / "nurse.docx", form_values(NURSE))
    document = Document(filled)
    for key, relationship in list(document.part.rels.items()):
        if relationship.reltype.endswith("/customXml"):
            document.part.drop_rel(key)
    document.save(filled)
    (note,) = ingest(agency, [filled]).notes
    assert note.startswith(f"{filled}: the form no longer holds the record of its own text")


def damage_pdf_form(form: Path, target: Path) -> Path:
    """A filled PDF form, damaged as respondents do in a PDF reader's editing and comment tools:
    fields deleted, a box's look changed without its value, marks typed and drawn on boxes, a
    comment typed on the comment field, a sticky note beside a question."""
    import pymupdf

    document = pymupdf.open(form)
    widgets = {w.field_name: (page, w) for page in document for w in page.widgets()}
    page, role = widgets["respondent/role"]
    role.field_value = "Nurse"
    role.update()
    for choice in ("yes", "no", "na"):
        page, widget = widgets[f"answer/2.1/{choice}"]
        page.delete_widget(widget)
    page, widget = widgets["answer/2.2/no"]
    document.xref_set_key(widget.xref, "AS", "/Yes")
    page, widget = widgets["answer/2.3/na"]
    page.add_freetext_annot(widget.rect + (-1, -1, 1, 1), "X")
    page, widget = widgets["answer/2.4/yes"]
    corners = [tuple(corner) for corner in (widget.rect.tl, widget.rect.br)]
    corners += [tuple(corner) for corner in (widget.rect.tr, widget.rect.bl)]
    page.add_ink_annot([corners[:2], corners[2:]])  # an X drawn with the pen
    page, widget = widgets["comment/2"]
    page.add_freetext_annot(widget.rect + (4, 4, -4, -20), "Typed with the comment tool")
    page, widget = widgets["answer/2.5/yes"]
    page.add_text_annot(widget.rect.tl - (300, 0), "Ask the nurse manager")
    document.save(target)
    return target


@pytest.fixture(scope="module")
def damaged_pdf_form(pdf_form, tmp_path_factory):
    work = tmp_path_factory.mktemp("damaged-pdf")
    folder = work / "inputs" / "test-agency"
    shutil.copytree(FIXTURES / "minimal-clinic", folder)
    report = ingest(folder, [damage_pdf_form(pdf_form, work / "damaged.pdf")])
    messages = [str(warning).split(": warning: ", 1) for warning in report.warnings]
    return report, {(field.split(":1:1: ")[1], message) for field, message in messages}


@pytest.mark.pdf
def test_deleted_pdf_fields_are_a_warning_naming_the_item(damaged_pdf_form):
    _, warnings = damaged_pdf_form
    assert (
        "item 2.1",
        "its Yes, No and N/A boxes are missing from the form (deleted?), and nothing was put "
        "in their place",
    ) in warnings


@pytest.mark.pdf
def test_a_pdf_box_showing_a_tick_its_value_denies_is_read_as_it_shows(damaged_pdf_form):
    report, warnings = damaged_pdf_form
    assert report.answer_sets[0].data["answers"]["2.2"] == "no"
    assert (
        "item 2.2",
        "the No box shows a tick but the file marks it not ticked (it was changed outside the "
        "form's box); read as it shows",
    ) in warnings


@pytest.mark.pdf
def test_marks_typed_or_drawn_on_a_pdf_box_are_read_as_ticks(damaged_pdf_form):
    report, warnings = damaged_pdf_form
    assert {key: report.answer_sets[0].data["answers"][key] for key in ("2.3", "2.4")} == {
        "2.3": "n/a",
        "2.4": "yes",
    }
    assert ("item 2.3", "the “X” typed at the N/A box is read as a tick") in warnings
    assert ("item 2.4", "a mark drawn at the Yes box is read as a tick") in warnings


@pytest.mark.pdf
def test_text_typed_on_a_pdf_comment_field_is_read_as_the_comment(damaged_pdf_form):
    report, warnings = damaged_pdf_form
    assert report.answer_sets[0].data["comments"]["2"] == "Typed with the comment tool"
    assert ("comment on domain 2", "the text typed beside the field is read as part of it") in (
        warnings
    )


@pytest.mark.pdf
def test_a_sticky_note_is_a_warning_naming_the_item_beside_it(damaged_pdf_form):
    _, warnings = damaged_pdf_form
    assert (
        "item 2.5 (page 3)",
        "text typed outside the form's fields is not read: “Ask the nurse manager”",
    ) in warnings


# Bad forms and exports: each is refused with a message naming the file and the item, and nothing
# is written.


def refused(agency: Path, files: list[Path]) -> list[str]:
    with pytest.raises(InputError) as caught:
        ingest(agency, files)
    assert not (agency / "assessment").exists()
    return [str(problem) for problem in caught.value.problems]


def test_two_boxes_ticked_for_one_item(agency, word_form, tmp_path):
    values = {**form_values(NURSE), "answer/1.1/no": True}
    filled = fill_word_form(word_form, tmp_path / "two.docx", values)
    assert refused(agency, [filled]) == [
        f"{filled}:1:1: item 1.1: Yes and No are both ticked; tick one box"
    ]


def test_two_ratings_ticked_for_one_domain(agency, word_form, tmp_path):
    values = {**form_values(NURSE), "rating/1/2": True}
    filled = fill_word_form(word_form, tmp_path / "two.docx", values)
    assert refused(agency, [filled]) == [
        f"{filled}:1:1: rating of domain 1: 2 and 4 are both ticked; tick one box"
    ]


def test_answer_to_an_item_whose_condition_was_answered_otherwise(agency, word_form, tmp_path):
    values = {**form_values(FRONT_DESK), "answer/1.7/yes": True}
    filled = fill_word_form(word_form, tmp_path / "desk.docx", values)
    assert refused(agency, [filled]) == [
        f"{filled}:1:1: item 1.7: answered, but it only applies when 1.5 is 'yes' and 1.5 was "
        "answered 'no'"
    ]


def test_a_form_made_for_another_agency(agency, word_form, tmp_path):
    values = {**form_values(NURSE), "form/agency": "northgate-youth-shelter"}
    filled = fill_word_form(word_form, tmp_path / "other.docx", values)
    (message,) = refused(agency, [filled])
    assert message.startswith(
        f"{filled}:1:1: form/agency: this form was made for the agency 'northgate-youth-shelter', "
        "not 'test-agency'"
    )


def test_a_form_with_no_role(agency, word_form, tmp_path):
    values = {k: v for k, v in form_values(NURSE).items() if k != "respondent/role"}
    filled = fill_word_form(word_form, tmp_path / "anonymous.docx", values)
    (message,) = refused(agency, [filled])
    assert message.startswith(f"{filled}:1:1: your role: empty; the respondent's role is needed")


def test_an_unknown_item_column(agency):
    export = FIXTURES / "survey-unknown-item" / "survey.csv"
    (message,) = refused(agency, [export])
    assert message.startswith(
        f"{export}:1:4: row 1, column '1.12 Is there a policy on staff wellbeing?': unknown item "
        "'1.12'"
    )


def test_a_survey_answer_to_a_conditional_item(agency):
    export = FIXTURES / "survey-conditional" / "survey.csv"
    assert refused(agency, [export]) == [
        f"{export}:2:3: row 2, column '1.6 IF YES: developed with survivors?' (item 1.6): "
        "answered, but it only applies when 1.5 is 'yes' and 1.5 was answered 'no'"
    ]


def test_two_answers_in_one_survey_cell(agency):
    export = FIXTURES / "survey-two-answers" / "survey.csv"
    assert refused(agency, [export]) == [
        f"{export}:2:2: row 2, column '1.1 Have staff received training on HT/E?' (item 1.1): "
        "two answers (Yes;No) for one item; give one"
    ]


def test_a_rating_that_is_not_on_the_scale(agency, tmp_path):
    export = tmp_path / "survey.csv"
    export.write_text("Role,Rating 2\nNurse,Very good\n")
    (message,) = refused(agency, [export])
    assert message.startswith(
        f"{export}:2:2: row 2, column 'Rating 2' (rating of domain 2): expected a rating"
    )


def test_a_header_excel_turned_into_a_number(agency, tmp_path):
    workbook = Workbook()
    workbook.active.append(["Role", 1.1, "Rating 1"])  # typed as 1.10, stored as 1.1
    workbook.active.append(["Nurse", "Yes", 3])
    workbook.save(tmp_path / "survey.xlsx")
    (message,) = refused(agency, [tmp_path / "survey.xlsx"])
    assert message.startswith(
        f"{tmp_path}/survey.xlsx:1:2: sheet 'Sheet', row 1, column '1.1': the header 1.1"
    )


def test_a_password_protected_workbook(agency):
    export = FIXTURES / "unreadable-exports" / "password-protected.xlsx"
    (message,) = refused(agency, [export])
    assert message.startswith(f"{export}:1:1: it is password-protected")


def test_a_password_protected_pdf(agency, tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    writer.write(locked)
    assert refused(agency, [locked]) == [
        f"{locked}:1:1: the PDF is password-protected; save it again without a password"
    ]


def test_a_truncated_word_form(agency, word_form, tmp_path):
    cut = tmp_path / "cut.docx"
    cut.write_bytes(word_form.read_bytes()[:4000])
    (message,) = refused(agency, [cut])
    assert message.startswith(f"{cut}:1:1: the file is damaged or incomplete")


def test_a_word_file_without_form_fields(agency, tmp_path):
    retyped = tmp_path / "retyped.docx"
    Document().save(retyped)
    (message,) = refused(agency, [retyped])
    assert "has no form fields to read" in message and "Google Docs" in message


def test_a_pdf_without_form_fields(agency, tmp_path):
    printed = tmp_path / "printed.pdf"
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.write(printed)
    (message,) = refused(agency, [printed])
    assert "this PDF has no form fields to read" in message


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "the file is empty; expected a PDF form (.pdf)"),
        (
            "form.pdf",
            b"PK\x03\x04rest",
            "expected a PDF form (.pdf), but the file is a zip package",
        ),
        ("form.docx", b"%PDF-1.7\n", "expected a Word document (.docx), but the file is a PDF"),
        ("survey.xlsx", b"Role,1.1\n", "expected an Excel workbook (.xlsx), but the file is text"),
        ("answers.txt", b"Role\n", "expected a filled form or a survey export"),
    ],
)
def test_files_of_another_kind(agency, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    (found,) = refused(agency, [path])
    assert found.startswith(f"{path}:1:1: {message}")


def test_an_unreasonably_large_file(agency, tmp_path):
    huge = tmp_path / "survey.csv"
    with huge.open("wb") as stream:
        stream.truncate(51_000_000)  # sparse: no disk used
    assert refused(agency, [huge]) == [f"{huge}:1:1: the file is larger than 50 MB; refused"]


def test_one_bad_file_stops_the_whole_run(agency, word_form, tmp_path):
    good = fill_word_form(word_form, tmp_path / "good.docx", form_values(NURSE))
    bad = FIXTURES / "survey-two-answers" / "survey.csv"
    messages = refused(agency, [good, bad])
    assert len(messages) == 1


def test_cli_exit_code_and_nothing_written(agency):
    export = FIXTURES / "survey-unknown-item" / "survey.csv"
    result = CliRunner().invoke(main, ["ingest", str(agency), str(export)])
    assert result.exit_code == 2
    assert "1 input problem found; nothing was written." in result.output
    assert not (agency / "assessment").exists()


def test_the_count_of_items_that_apply_follows_the_agency_type(scenario, tmp_path):
    export = tmp_path / "survey.csv"
    export.write_text("Role,1.1 Have staff received training on HT/E?\nNurse,Yes\n")
    school = ingest(scenario("school-district", slug="school"), [export]).answer_sets[0]
    clinic = ingest(scenario("minimal-clinic", slug="clinic"), [export]).answer_sets[0]
    assert (school.answered, clinic.answered) == (1, 1)
    assert clinic.applicable - school.applicable == 4  # 3.6, 3.10, 6.6 and 6.7 at a school
