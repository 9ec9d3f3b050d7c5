"""The working forms of every packet: referral and consent, documentation record, safety plan.

They are documents of the packet like the others (documents.yaml, `form: true`): rendered with
the packet's context, merged into the bundle, whose pages print them as paper forms. Their own
PDFs are not cut from the bundle's: each form's .docx is exported with its fields, in the same
LibreOffice run as the bundle, and made fillable (fillable.py), its fields named by their tags
(`referral/share/health/yes`, `record/report/child/reference`, `plan/contact/1/name`).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from pathlib import Path
from typing import Any

from pipeline.content import content
from pipeline.context import numbered_indicators
from pipeline.convert import Converter, PdfJob
from pipeline.forms.fillable import FieldLayout, make_fillable, row_height

# What a tooltip calls each form, by its tags' first part.
FORM_NAMES = {
    "referral": "Referral and consent",
    "record": "Documentation record",
    "plan": "Safety plan",
}
INDICATOR = "record/indicator/"


def working_forms(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents of the packet that are forms to fill in."""
    return [document for document in documents if document.get("form")]


def exported(staging: Path, document: dict[str, Any]) -> Path:
    """Where LibreOffice's export of a form waits to be made fillable: beside the packet's
    staging folder, so that it is never published."""
    return staging.parent / f"{document['id']}.exported.pdf"


def export_jobs(staging: Path, documents: list[dict[str, Any]], pdfa: bool) -> list[PdfJob]:
    """One export with fields per working form, for the run that converts the bundle."""
    return [
        PdfJob(staging / f"{document['id']}.docx", exported(staging, document), pdfa, form=True)
        for document in working_forms(documents)
    ]


class FormExport:
    """The working forms' export with fields, in a thread of its own from the moment their Word
    files are final: LibreOffice, started early and idle meanwhile, converts them while this
    process merges the bundle. The run converts one file at a time, so `finish` waits for it
    before the bundle is handed over."""

    def __init__(self, converter: Converter, documents: list[dict[str, Any]], pdfa: bool):
        self.converter, self.documents, self.pdfa = converter, documents, pdfa
        self.pool: ThreadPoolExecutor | None = None
        self.pending: Future | None = None

    def start(self, staging: Path) -> None:
        self.pool = ThreadPoolExecutor(1)
        jobs = export_jobs(staging, self.documents, self.pdfa)
        self.pending = self.pool.submit(self.converter.convert, jobs)
        self.pool.shutdown(wait=False)  # the thread ends with its one task

    def finish(self, staging: Path) -> None:
        """The export done: waited for if it was started, else run now."""
        if self.pending is None:
            self.converter.convert(export_jobs(staging, self.documents, self.pdfa))
        else:
            self.pending.result()


def finish_forms(staging: Path, documents: list[dict[str, Any]]) -> None:
    """Each working form's fillable PDF, `<id>.pdf`, from its export."""
    for document in working_forms(documents):
        export = exported(staging, document)
        make_fillable(export, staging / f"{document['id']}.pdf", document["title"], LAYOUT)
        export.unlink()


def field_description(tag: str) -> str:
    """The tooltip for a field: an indicator's own text, else its tag in words
    (`plan/contact/1/how` -> `Safety plan: contact 1, how`)."""
    if tag.startswith(INDICATOR):
        return f"Indicator observed: {indicator_texts().get(tag, tag)}"
    form, _, rest = tag.partition("/")
    words: list[str] = []
    for part in rest.split("/"):
        if part.isdigit() and words:
            words[-1] += f" {part}"
        else:
            words.append(part.replace("_", " "))
    return f"{FORM_NAMES.get(form, form)}: {', '.join(words)}"


@cache
def indicator_texts() -> dict[str, str]:
    """The toolkit's Table 3 texts by their boxes' tags (documentation_record.txt)."""
    return {
        f"{INDICATOR}{group['id']}/{item['number']}": item["text"]
        for group in content("toolkit_lists")["indicators"]["groups"]
        for item in numbered_indicators(group)
    }


# The rows of the multi-line fields (templates/source/documentation_record.txt, safety_plan.txt).
LAYOUT = FieldLayout(
    describe=field_description,
    heights={
        "record/observations": row_height(0.8),
        "record/steps_other": row_height(0.6),
        "plan/emergency/what": row_height(0.8),
        "plan/warning/": row_height(0.8),
    },
)
