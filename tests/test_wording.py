"""The agency's own wording: edits made in Word come back with `packet ingest` and survive every
rebuild (pipeline/wording/, pipeline/ingest/document.py)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from pipeline.build import build_packet
from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.ingest import ingest
from pipeline.render import long_date
from pipeline.wording.blocks import read_blocks
from tests.conftest import ROOT
from tests.helpers import resaved_by_libreoffice

SAMPLE = ROOT / "inputs" / "harbor-family-health"
SECURITY_PHONE = "(555) 010-4000"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample clinic's Word files as the packet builder writes them, built once."""
    out = tmp_path_factory.mktemp("built") / "packet"
    build_packet(SAMPLE, out, pdf=False)
    return out


@pytest.fixture
def agency(tmp_path) -> Path:
    folder = tmp_path / "inputs" / "harbor-family-health"
    shutil.copytree(SAMPLE, folder)
    return folder


def paragraph(document, words: str) -> Paragraph:
    return next(p for p in document.paragraphs if words in p.text)


def set_text(target: Paragraph, text: str) -> None:
    for run in target.runs[1:]:
        run._r.getparent().remove(run._r)
    target.runs[0].text = text


def add_after(anchor: Paragraph, text: str, style: str | None = None) -> Paragraph:
    added = anchor.insert_paragraph_before(text, style)  # then moved below the anchor
    anchor._p.addnext(added._p)
    return added


def edit_like_a_person(source: Path, target: Path) -> None:
    """The edits the issue names, made with python-docx on a built policy.docx or bundle.docx."""
    document = Document(source)
    set_text(
        paragraph(document, "Do not confront a companion"),
        "Never confront a companion, and never ask about trafficking while they are in the room.",
    )
    safety = next(p for p in document.paragraphs if p.text == "Safety")
    add_after(safety, "Our front desk has a panic button under the counter.")
    bullet = paragraph(document, "Remember that red flags suggest")
    bullet._p.getparent().remove(bullet._p)
    anchor = paragraph(document, "Personal information is shared with other service providers")
    heading = add_after(anchor, "Media enquiries", "Heading 3")
    first = add_after(heading, "Staff refer every media enquiry to the communications lead.")
    add_after(first, "No one confirms whether a person is a patient.")
    paragraph(document, "Training is recorded in the staff training log").add_run(
        " She also keeps the sign-in sheets."
    )
    document.save(target)


def block_texts(path: Path) -> list[str]:
    return [block.markup for block in read_blocks(Document(path), "any")]


def rebuilt_policy(agency: Path, tmp_path: Path) -> Path:
    return build_packet(agency, tmp_path / "rebuilt", pdf=False).out / "policy.docx"


def test_edits_made_with_python_docx_are_rebuilt_paragraph_for_paragraph(agency, built, tmp_path):
    edited = tmp_path / "policy.docx"
    edit_like_a_person(built / "policy.docx", edited)
    ingest(agency, [edited])
    assert block_texts(rebuilt_policy(agency, tmp_path)) == block_texts(edited)


def test_an_edited_bundle_gives_the_same_wording_as_the_edited_policy(agency, built, tmp_path):
    edit_like_a_person(built / "policy.docx", tmp_path / "policy.docx")
    ingest(agency, [tmp_path / "policy.docx"])
    from_policy = (agency / "wording.yaml").read_text()
    (agency / "wording.yaml").unlink()
    edit_like_a_person(built / "bundle.docx", tmp_path / "bundle.docx")
    ingest(agency, [tmp_path / "bundle.docx"])
    assert (agency / "wording.yaml").read_text() == from_policy


def test_the_summary_counts_what_the_edit_did(agency, built, tmp_path):
    edited = tmp_path / "policy.docx"
    edit_like_a_person(built / "policy.docx", edited)
    result = CliRunner().invoke(main, ["ingest", str(agency), str(edited)])
    assert "2 paragraphs replaced, 4 added, 1 removed, 1 section added" in result.output


def test_ingesting_the_same_edits_again_changes_nothing(agency, built, tmp_path):
    edited = tmp_path / "policy.docx"
    edit_like_a_person(built / "policy.docx", edited)
    ingest(agency, [edited])
    first = (agency / "wording.yaml").read_text()
    report = ingest(agency, [edited])
    assert (agency / "wording.yaml").read_text() == first
    assert sum(report.wording[0].counts.values()) == 0


@pytest.mark.pdf
def test_edits_saved_through_libreoffice_ingest_to_the_same_wording(agency, built, tmp_path):
    edited = tmp_path / "edited" / "policy.docx"
    edited.parent.mkdir()
    edit_like_a_person(built / "policy.docx", edited)
    ingest(agency, [edited])
    by_python_docx = (agency / "wording.yaml").read_text()
    (agency / "wording.yaml").unlink()
    ingest(agency, [resaved_by_libreoffice(edited, tmp_path)])
    assert (agency / "wording.yaml").read_text() == by_python_docx


def track(run_element, kind: str) -> None:
    """Wrap a run in a tracked insertion or deletion, as Word writes them."""
    mark = OxmlElement(f"w:{kind}")
    mark.set(qn("w:id"), "90" if kind == "ins" else "91")
    mark.set(qn("w:author"), "Reviewer")
    run_element.addprevious(mark)
    mark.append(run_element)
    if kind == "del":
        for text in run_element.findall(qn("w:t")):
            text.tag = qn("w:delText")


def test_tracked_changes_are_taken_as_accepted(agency, built, tmp_path):
    document = Document(built / "policy.docx")
    target = paragraph(document, "Do not confront a companion")
    track(target.runs[0]._r, "del")
    inserted = target.add_run("Never confront a companion.")
    track(inserted._r, "ins")
    document.save(tmp_path / "tracked.docx")
    report = ingest(agency, [tmp_path / "tracked.docx"])
    assert report.wording[0].tracked == 2
    rebuilt = Document(rebuilt_policy(agency, tmp_path))
    assert any(p.text == "Never confront a companion." for p in rebuilt.paragraphs)


def test_comments_are_listed_and_not_stored(agency, built, tmp_path):
    document = Document(built / "policy.docx")
    target = paragraph(document, "Do not confront a companion")
    document.add_comment(target.runs, text="Check this with security", author="Ana Ruiz")
    document.save(tmp_path / "commented.docx")
    report = ingest(agency, [tmp_path / "commented.docx"])
    assert report.wording[0].comments == ["Ana Ruiz: Check this with security"]
    assert "Check this" not in (agency / "wording.yaml").read_text()


def test_a_changed_champion_name_reaches_the_agency_paragraph(agency, built, tmp_path):
    edited = tmp_path / "policy.docx"
    edit_like_a_person(built / "policy.docx", edited)
    ingest(agency, [edited])
    profile = agency / "profile.yaml"
    profile.write_text(profile.read_text().replace("Alana Kealoha-Sample", "Noa Kahale-Sample"))
    rebuilt = Document(rebuilt_policy(agency, tmp_path))
    extended = paragraph(rebuilt, "She also keeps the sign-in sheets")
    assert "Noa Kahale-Sample, the protocol champion" in extended.text


def test_an_edited_phone_number_points_to_the_input_that_holds_it(agency, built, tmp_path):
    document = Document(built / "policy.docx")
    for run in paragraph(document, "Security: ").runs:
        run.text = run.text.replace(SECURITY_PHONE, "(555) 010-4999")
    document.save(tmp_path / "phone.docx")
    report = ingest(agency, [tmp_path / "phone.docx"])
    warning = next(w for w in report.warnings if w.field.endswith("security_contact.phone"))
    lines = (agency / "questionnaire.yaml").read_text().splitlines()
    line = 1 + next(n for n, text in enumerate(lines) if f"phone: {SECURITY_PHONE}" in text)
    assert (Path(warning.path).name, warning.line) == ("questionnaire.yaml", line)
    assert report.wording[0].changes == []


def test_an_edit_of_a_table_cell_names_its_input(agency, built, tmp_path):
    document = Document(built / "policy.docx")
    cell = document.tables[0].rows[1].cells[1].paragraphs[0]  # key personnel: the champion's title
    cell.runs[0].text = "Head of Nursing"
    document.save(tmp_path / "table.docx")
    report = ingest(agency, [tmp_path / "table.docx"])
    assert any(w.field == "governance.champion.title" for w in report.warnings)


def wording_file(agency: Path, changes: list[dict]) -> None:
    (agency / "wording.yaml").write_text(yaml.safe_dump({"changes": changes}, sort_keys=False))


def test_a_replacement_whose_standard_text_changed_is_kept_and_warns(agency, tmp_path):
    wording_file(
        agency,
        [
            {
                "replace": "policy/safety/2",
                "standard": "Do not confront anyone who came with the patient.",
                "text": "Our own words about companions.",
            }
        ],
    )
    result = build_packet(agency, tmp_path / "out", pdf=False)
    warning = next(w for w in result.warnings if "has changed" in w.message)
    assert "Do not confront a companion or ask" in warning.message
    rebuilt = Document(result.out / "policy.docx")
    assert any(p.text == "Our own words about companions." for p in rebuilt.paragraphs)


def test_a_reference_that_no_longer_exists_is_a_problem_line(agency, tmp_path):
    wording_file(agency, [{"remove": "policy/safety/42"}])
    with pytest.raises(InputError) as raised:
        build_packet(agency, tmp_path / "out", pdf=False)
    assert "did you mean policy/safety/" in str(raised.value.problems[0])
    assert not (tmp_path / "out").exists()


def test_removing_a_mandatory_reporting_paragraph_warns(agency, tmp_path):
    wording_file(agency, [{"remove": "policy/mandatory-reporting/2"}])
    result = build_packet(agency, tmp_path / "out", pdf=False)
    assert any("mandatory-reporting procedure" in w.message for w in result.warnings)


def test_an_edit_of_an_assessment_item_is_refused_with_the_reason(agency, built, tmp_path):
    document = Document(built / "assessment.docx")
    rating = paragraph(document, "Rating. Based on your responses")
    set_text(rating, "Rate it as you like.")
    document.save(tmp_path / "assessment.docx")
    report = ingest(agency, [tmp_path / "assessment.docx"])
    assert any("standard the agency is measured against" in w.message for w in report.warnings)
    assert report.wording[0].changes == []


def test_the_assessment_introduction_can_be_reworded(agency, built, tmp_path):
    document = Document(built / "assessment.docx")
    set_text(paragraph(document, "Answer for the clinic as a whole"), "Answer for all sites.")
    document.save(tmp_path / "assessment.docx")
    ingest(agency, [tmp_path / "assessment.docx"])
    rebuilt = build_packet(agency, tmp_path / "out", pdf=False).out / "assessment.docx"
    assert any(p.text == "Answer for all sites." for p in Document(rebuilt).paragraphs)


def test_a_document_of_another_kind_writes_nothing(agency, tmp_path):
    other = Document()
    other.add_paragraph("Minutes of the board meeting")
    other.save(tmp_path / "minutes.docx")
    with pytest.raises(InputError) as raised:
        ingest(agency, [tmp_path / "minutes.docx"])
    assert "none of the packet's documents" in raised.value.problems[0].message
    assert not (agency / "wording.yaml").exists()


def test_an_unknown_value_name_is_a_problem_with_a_suggestion(agency, tmp_path):
    wording_file(
        agency, [{"replace": "policy/safety/1", "text": "Call {governance.champion.nmae}."}]
    )
    with pytest.raises(InputError) as raised:
        build_packet(agency, tmp_path / "out", pdf=False)
    assert "did you mean {governance.champion.name}?" in raised.value.problems[0].message


def test_a_change_without_what_it_needs_names_the_line(agency, tmp_path):
    (agency / "wording.yaml").write_text("changes:\n  - replace: policy/safety/1\n")
    with pytest.raises(InputError) as raised:
        build_packet(agency, tmp_path / "out", pdf=False)
    problem = raised.value.problems[0]
    assert (problem.line, problem.message) == (2, "`replace` needs `text`")


def test_added_paragraphs_take_the_documents_styles(agency, tmp_path):
    wording_file(
        agency,
        [
            {
                "after": "policy/safety",
                "add": [{"heading": "Front desk", "level": 3}, {"bullet": "**Lock** the door."}],
            }
        ],
    )
    rebuilt = Document(build_packet(agency, tmp_path / "out", pdf=False).out / "policy.docx")
    heading = next(p for p in rebuilt.paragraphs if p.text == "Front desk")
    bullet = next(p for p in rebuilt.paragraphs if p.text == "Lock the door.")
    assert (heading.style.name, bullet.style.name, bullet.runs[0].bold) == (
        "Heading 3",
        "List Bullet",
        True,
    )


def test_packet_wording_lists_every_reference_with_its_text(agency):
    result = CliRunner().invoke(main, ["wording", str(agency), "--document", "policy"])
    assert "policy/safety/2" in result.output
    assert "{governance.champion.name}" in result.output


def test_a_paragraph_copied_in_place_is_kept_twice(agency, built, tmp_path):
    document = Document(built / "policy.docx")
    target = paragraph(document, "Do not confront a companion")
    target._p.addnext(copy.deepcopy(target._p))
    document.save(tmp_path / "copied.docx")
    ingest(agency, [tmp_path / "copied.docx"])
    rebuilt = Document(rebuilt_policy(agency, tmp_path))
    assert [p.text for p in rebuilt.paragraphs].count(target.text) == 2


@pytest.mark.pdf
def test_the_archive_lists_the_changes_and_diff_shows_them(agency, tmp_path):
    from pipeline.archive import archive_packet
    from pipeline.diff import as_text, compare

    root = tmp_path / "archive"
    first = archive_packet(agency, 2026, root)
    wording_file(agency, [{"remove": "policy/step-1-notice-red-flags/2", "note": "Board asked"}])
    second = archive_packet(agency, 2026, root, revision="The board's wording")
    assert second.manifest["wording"] == [
        {"change": "remove", "ref": "policy/step-1-notice-red-flags/2", "note": "Board asked"}
    ]
    assert "policy/step-1-notice-red-flags/2 (added)" in as_text(compare(first, second))


def test_next_years_packet_keeps_the_agency_wording(agency, built, tmp_path):
    edited = tmp_path / "policy.docx"
    edit_like_a_person(built / "policy.docx", edited)
    ingest(agency, [edited])
    profile = agency / "profile.yaml"
    next_year = (
        profile.read_text()
        .replace("date: 2026-11-23", "date: 2027-11-22")
        .replace('version: "2026.1"', 'version: "2027.1"')
    )
    profile.write_text(next_year)
    rebuilt = Document(rebuilt_policy(agency, tmp_path))
    texts = [p.text for p in rebuilt.paragraphs]
    assert "Media enquiries" in texts
    assert not any("Remember that red flags suggest" in text for text in texts)


def test_a_reference_to_an_unknown_document_suggests_one(agency, tmp_path):
    wording_file(agency, [{"remove": "polcy/safety/2"}])
    with pytest.raises(InputError) as raised:
        build_packet(agency, tmp_path / "out", pdf=False)
    assert "did you mean policy?" in raised.value.problems[0].message


def rewrite_like_word(source: Path, target: Path) -> None:
    """What Word does on save: runs split at every few letters, new paragraph ids and rsids,
    bookmarks dropped."""
    document = Document(source)
    body = document.element.body
    for number, element in enumerate(body.iter(qn("w:p"))):
        element.set(qn("w14:paraId"), f"{number:08X}")
        element.set(qn("w:rsidR"), "00A1B2C3")
    for mark in [*body.iter(qn("w:bookmarkStart")), *body.iter(qn("w:bookmarkEnd"))]:
        mark.getparent().remove(mark)
    for run in list(body.iter(qn("w:r"))):
        text = run.find(qn("w:t"))
        content = [child for child in run if child.tag != qn("w:rPr")]
        if content != [text] or not text.text or len(text.text) < 4:
            continue
        pieces = [text.text[i : i + 3] for i in range(0, len(text.text), 3)]
        text.text = pieces[0]
        text.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        anchor = run
        for piece in pieces[1:]:
            twin = copy.deepcopy(run)
            twin.find(qn("w:t")).text = piece
            twin.set(qn("w:rsidR"), "00D4E5F6")
            anchor.addnext(twin)
            anchor = twin
    document.save(target)


def test_a_file_rewritten_as_word_saves_it_reads_as_unchanged(agency, built, tmp_path):
    rewrite_like_word(built / "bundle.docx", tmp_path / "saved-by-word.docx")
    report = ingest(agency, [tmp_path / "saved-by-word.docx"])
    assert (report.wording[0].changes, report.warnings) == ([], [])


def test_edits_in_a_file_rewritten_as_word_saves_it_are_read(agency, built, tmp_path):
    edit_like_a_person(built / "policy.docx", tmp_path / "edited.docx")
    rewrite_like_word(tmp_path / "edited.docx", tmp_path / "saved-by-word.docx")
    ingest(agency, [tmp_path / "saved-by-word.docx"])
    assert block_texts(rebuilt_policy(agency, tmp_path)) == block_texts(tmp_path / "edited.docx")


@pytest.mark.pdf
def test_the_bundle_and_the_pdfs_carry_the_agency_wording(agency, built, tmp_path):
    from tests.helpers import pdf_text

    edit_like_a_person(built / "policy.docx", tmp_path / "edited.docx")
    ingest(agency, [tmp_path / "edited.docx"])
    out = build_packet(agency, tmp_path / "out").out
    bundle = [p.text for p in Document(out / "bundle.docx").paragraphs]
    assert "Staff refer every media enquiry to the communications lead." in bundle
    assert "Media enquiries" in pdf_text(out / "policy.pdf")


def test_update_inputs_writes_an_edited_value_into_its_input_keeping_comments(
    agency, built, tmp_path
):
    document = Document(built / "policy.docx")
    for run in paragraph(document, "Security: ").runs:
        run.text = run.text.replace(SECURITY_PHONE, "(555) 010-4999")
    document.save(tmp_path / "phone.docx")
    questionnaire = agency / "questionnaire.yaml"
    before = questionnaire.read_text().splitlines()
    ingest(agency, [tmp_path / "phone.docx"], update_inputs=True)
    after = questionnaire.read_text().splitlines()
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    index = next(n for n, text in enumerate(before) if f"phone: {SECURITY_PHONE}" in text)
    assert changed == [(before[index], before[index].replace("010-4000", "010-4999"))]


def test_update_inputs_refuses_a_value_the_inputs_do_not_accept(agency, built, tmp_path):
    document = Document(built / "policy.docx")
    for run in paragraph(document, "Security: ").runs:
        run.text = run.text.replace(SECURITY_PHONE, "call the desk")
    document.save(tmp_path / "phone.docx")
    original = (agency / "questionnaire.yaml").read_text()
    with pytest.raises(InputError):
        ingest(agency, [tmp_path / "phone.docx"], update_inputs=True)
    assert (agency / "questionnaire.yaml").read_text() == original


def test_a_date_in_the_agency_paragraph_follows_its_input(agency, built, tmp_path):
    """A date is named as the packet prints it (`December 1, 2026`), not as the input holds it
    (`2026-12-01`): the agency's paragraph then follows a new effective date."""
    profile = agency / "profile.yaml"
    effective = yaml.safe_load(profile.read_text())["governance"]["effective_date"]
    document = Document(built / "policy.docx")
    paragraph(document, "Training is recorded in the staff training log").add_run(
        f" The log is kept from {long_date(effective)}."
    )
    document.save(tmp_path / "dated.docx")
    ingest(agency, [tmp_path / "dated.docx"])
    assert "{governance.effective_date}" in (agency / "wording.yaml").read_text()
    profile.write_text(profile.read_text().replace(effective.isoformat(), "2027-01-04"))
    rebuilt = Document(rebuilt_policy(agency, tmp_path))
    assert "The log is kept from January 4, 2027." in paragraph(rebuilt, "The log is kept").text


def test_dates_are_named_day_first_where_the_packet_prints_them_so():
    from pipeline.wording.values import input_values

    files = [("profile.yaml", {"governance": {"effective_date": "2026-12-01"}})]
    assert input_values(files, day_first=True)["governance.effective_date"].printed == (
        "1 December 2026"
    )
    assert input_values(files)["governance.effective_date"].printed == "December 1, 2026"


def edited_margins_and_cover(source: Path, target: Path) -> None:
    """A header, a footer and a cover paragraph rewritten in a built bundle.docx."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    document = Document(source)
    parts = [
        rel.target_part
        for rel in document.part.rels.values()
        if rel.reltype in (RT.HEADER, RT.FOOTER)
    ]
    for part in parts:
        for text in part.element.iter(qn("w:t")):
            if "Response Packet" in (text.text or ""):
                text.text = text.text.replace("Response Packet", "Response Binder")
    paragraph(document, "This packet holds").runs[0].text = "Our binder holds, for every shift:"
    document.save(target)


def test_edits_of_headers_and_the_cover_are_named_not_dropped(agency, built, tmp_path):
    edited_margins_and_cover(built / "bundle.docx", tmp_path / "bundle.docx")
    report = ingest(agency, [tmp_path / "bundle.docx"])
    messages = [w.message for w in report.warnings]
    header = next(m for m in messages if "Response Binder" in m)
    assert "headers and footers are written from the inputs" in header
    cover = next(m for m in messages if "Our binder holds" in m)
    assert "the cover and the contents are written from the inputs" in cover
    assert report.wording[0].changes == []


@pytest.mark.pdf
def test_a_bundle_resaved_by_libreoffice_has_no_edits_outside_the_documents(
    agency, built, tmp_path
):
    report = ingest(agency, [resaved_by_libreoffice(built / "bundle.docx", tmp_path)])
    assert [w.message for w in report.warnings if "not taken" in w.message] == []
