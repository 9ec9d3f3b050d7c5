"""The approval page: a table to sign by hand, kept with its heading, with every approver."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.shared import Inches
from pypdf import PdfReader

from pipeline.build import build_packet
from pipeline.convert import Converter

APPROVERS = [f"Approver Number{n}" for n in range(1, 13)]
HEADER = ["Approved by", "Title", "Date", "Signature"]


def approvals_table(policy: Path):
    return next(
        table
        for table in Document(policy).tables
        if [cell.text for cell in table.rows[0].cells] == HEADER
    )


def with_many_approvers(folder: Path, padding: int = 0) -> Path:
    """Twelve approvers, and `padding` more measures to move the heading down the page."""
    profile = folder / "profile.yaml"
    rows = "".join(f"\n    - {{name: {name}, title: Board member}}" for name in APPROVERS)
    profile.write_text(
        profile.read_text().replace("\n    - {name: Ada Tester, title: Director}", rows)
    )
    questionnaire = folder / "questionnaire.yaml"
    extra = "".join(f", Measure {n}" for n in range(padding))
    questionnaire.write_text(
        questionnaire.read_text().replace("[Cases referred]", f"[Cases referred{extra}]")
    )
    return folder


def test_every_approver_has_a_row_tall_enough_to_sign_and_date(scenario, tmp_path):
    folder = with_many_approvers(scenario("minimal-clinic", slug="many-approvers"))
    out = build_packet(folder, tmp_path / "out", pdf=False).out
    rows = approvals_table(out / "policy.docx").rows[1:]
    assert [row.cells[0].text for row in rows] == APPROVERS
    assert all(row.height >= Inches(0.5) for row in rows)
    assert all(row.cells[2].text == row.cells[3].text == "" for row in rows)


@pytest.mark.pdf
def test_the_approvals_table_stays_on_the_page_of_its_heading(scenario, tmp_path):
    """Wherever the heading falls on its page (the table needs most of a page), the table and
    every approver come with it."""
    with Converter() as converter:
        for padding in (0, 12, 24, 36):
            folder = with_many_approvers(scenario("minimal-clinic", f"pad-{padding}"), padding)
            out = build_packet(folder, tmp_path / f"out-{padding}", converter=converter).out
            pages = [page.extract_text() for page in PdfReader(out / "policy.pdf").pages]
            [page] = [text for text in pages if "Annual review and approval" in text]
            assert all(name in page for name in APPROVERS), padding
