"""Reading generated documents the way a person would: their text, styles and XML."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.blank import new_agency
from pipeline.build import BOOKKEEPING


def cell_text(cell) -> str:
    """A table cell's text including content controls (checkboxes), which python-docx skips."""
    paragraphs = cell._tc.iter(qn("w:p"))
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in paragraphs)


def docx_text(path: Path) -> str:
    """All paragraph and table text of a .docx, headers and footers included, as a person reads
    it: without the zero-width break opportunities the packet puts in addresses."""
    document = Document(path)
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell_text(cell) for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts).replace("\u200b", "")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def outline_titles(path: Path) -> list[str]:
    """Top-level PDF bookmarks."""
    return [item.title for item in PdfReader(path).outline if not isinstance(item, list)]


LEFTOVERS = ("{{", "}}", "{%", "%}", "(Insert", "[The agency may")


def unwritten_files(folder: Path, written: list[Path]) -> list[str]:
    """Files in `folder` a build did not say it wrote (its hidden bookkeeping aside): no LibreOffice
    lock file (`.~lock.bundle.docx#`) or anything else may sit beside the packet."""
    expected = {path.name for path in written} | set(BOOKKEEPING)
    return sorted(path.name for path in folder.iterdir() if path.name not in expected)


def lock_files(folder: Path) -> list[str]:
    return sorted(
        path.name
        for path in folder.rglob("*")
        if path.name.startswith(".~lock") or path.name.endswith("#")
    )


def item_rows(path: Path) -> dict[str, list[str]]:
    """Item id -> the texts of its table row, for every item row in the document."""
    rows = {}
    for table in Document(path).tables:
        for row in table.rows:
            cells = [cell_text(cell) for cell in row.cells]
            if re.fullmatch(r"\d+\.\d+(\.[a-z])?", cells[0]):
                rows[cells[0]] = cells
    return rows


W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


def fill_word_form(form: Path, target: Path, values: dict[str, bool | str]) -> Path:
    """What a respondent does in Word: tick boxes and type in fields, found by their tags."""
    shutil.copy(form, target)
    document = Document(target)
    controls = {
        control.find(qn("w:sdtPr")).find(qn("w:tag")).get(qn("w:val")): control
        for control in document.element.body.iter(qn("w:sdt"))
        if control.find(qn("w:sdtPr")).find(qn("w:tag")) is not None
    }
    for tag, value in values.items():
        control = controls[tag]
        properties = control.find(qn("w:sdtPr"))
        texts = list(control.find(qn("w:sdtContent")).iter(qn("w:t")))
        if value is True or value is False:
            properties.find(f"{{{W14}}}checkbox/{{{W14}}}checked").set(
                f"{{{W14}}}val", "1" if value else "0"
            )
            texts[0].text = "\u2612" if value else "\u2610"
        else:
            placeholder = properties.find(qn("w:showingPlcHdr"))
            if placeholder is not None:
                properties.remove(placeholder)
            texts[0].text = value
            for extra in texts[1:]:
                extra.text = ""
    document.save(target)
    return target


def fill_pdf_form(form: Path, target: Path, values: dict[str, bool | str]) -> Path:
    """What a respondent does in a PDF reader: tick boxes (on-state /Yes) and type in fields."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(form))
    entries = {tag: ("/Yes" if value is True else value) for tag, value in values.items()}
    for page in writer.pages:
        writer.update_page_form_field_values(page, entries, auto_regenerate=False)
    writer.write(target)
    return target


def fill_pdf_form_with_mupdf(form: Path, target: Path, values: dict[str, bool | str]) -> Path:
    """What a respondent does in a MuPDF-based reader (SumatraPDF, many phone apps): the same,
    through PyMuPDF, which redraws each field it changes."""
    import pymupdf

    document = pymupdf.open(form)
    for page in document:
        for widget in page.widgets():
            if widget.field_name not in values:
                continue
            value = values[widget.field_name]
            widget.field_value = widget.on_state() if value is True else value
            widget.update()
    document.save(target)
    return target


def strict_pdf_findings(path: Path) -> list[str]:
    """What qpdf's strict check (pikepdf) finds in a PDF: syntax errors, then warnings."""
    import pikepdf

    with pikepdf.open(path) as document:
        return [*document.check_pdf_syntax(), *document.get_warnings()]


# The facts a consultant types into a starter, by field name; the rest stay as the starter has them.
FACTS = {
    "legal_name": "Example Agency (fictional)",
    "short_name": "Example Agency",
    "street": "1 Example Street",
    "city": "Exampletown",
    "date": "2026-12-02",
    "policy_number": "HT-1",
    "effective_date": "2026-12-01",
    "next_review_date": "2027-12-01",
    "name": "Sam Example",
    "title": "Director",
    "role": "Leads the response",
    "oral_report": "immediately, by phone",
    "when": "at intake",
    "who": "The protocol champion",
    "private_time": "Staff see the person alone.",
    "service": "Example Interpreters",
    "access": "Staff call the interpreter line.",
    "consent": "Staff explain what they share and why.",
    "where": "a restricted section of the case record",
    "follow_up": "The champion checks in after a week.",
    "committee": "Quality committee",
}
LISTS = {"languages": ["English"], "services": ["Support"], "mandated_reporters": ["all staff"]}


def filled(value, key=None):
    """The starter's data with every empty required value filled in."""
    if isinstance(value, dict):
        return {k: filled(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if key in LISTS:
            return LISTS[key]
        return [filled(item, key) for item in value] if value != [""] else ["As agreed."]
    if value == "":
        return FACTS.get(key, "As agreed.")
    return value


def starter_agency(
    root: Path, slug: str, agency_type: str, country: str, region: str, **profile_facts
) -> Path:
    """A `packet new --country ... --region ...` starter filled in as a consultant would."""
    folder = new_agency(root, slug, agency_type, country, region)
    for name in ("profile.yaml", "questionnaire.yaml"):
        data = filled(yaml.safe_load((folder / name).read_text()))
        if name == "profile.yaml":
            data["sample"] = True
            for dotted, value in profile_facts.items():
                *parents, last = dotted.split(".")
                target = data
                for part in parents:
                    target = target.setdefault(part, {})
                target[last] = value
        (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True))
    return folder


def resaved_by_libreoffice(source: Path, tmp_path: Path) -> Path:
    """`source` opened and saved again as .docx by LibreOffice, as an agency's editor would."""
    resaved = tmp_path / "resaved"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(resaved),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return resaved / source.name
