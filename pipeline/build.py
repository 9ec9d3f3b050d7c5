"""Runs the stages for one agency: load -> context -> render -> bundle -> convert -> publish."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

from pipeline.bundle import freeze_docx, merge_bundle, write_contents_pages
from pipeline.content import CONTENT_DIR
from pipeline.context import build_context
from pipeline.convert import (
    Converter,
    PdfJob,
    linked_contents_pages,
    open_written_pdf,
    reading_written_pdf,
    split_by_bookmarks,
)
from pipeline.errors import InputError, Problem, errors_and_warnings
from pipeline.forms.working import FormExport, finish_forms, working_forms
from pipeline.load import AgencyInputs, load_agency
from pipeline.publish import (
    FORK,
    MARKER,
    is_whole,
    publish,
    put_back,
    second_process,
    staging_area,
)
from pipeline.render import DRAFTING_NOTES, TEMPLATE_DIR, render_document, render_revised
from pipeline.style import HouseStyle, apply_style, is_default

FINGERPRINT = ".fingerprint"
# The packet's year and the inputs' warnings, kept for the report of a batch that skips it.
BUILD_RECORD = ".build.json"
BOOKKEEPING = (FINGERPRINT, BUILD_RECORD, MARKER)  # the hidden files a packet folder holds
PACKAGE_DIR = Path(__file__).parent


@dataclass
class BuildResult:
    slug: str
    out: Path
    files: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)
    style: HouseStyle | None = None  # the reference document that gave the look (None: default)


def build_packet(
    folder: Path,
    out: Path,
    pdf: bool = True,
    blank_assessment: bool = False,
    pdfa: bool = False,
    converter: Converter | None = None,
    extra_context: dict[str, Any] | None = None,
    style: HouseStyle | None = None,
) -> BuildResult:
    """Build one agency's packet into `out`, replacing it only if every stage succeeded.

    A caller that starts the `converter` itself, early, saves part of LibreOffice's start-up.
    `extra_context` adds values for the templates (an archive's record, say). The look comes
    from `style`, else the agency's own `style:` reference, else the project's.
    """
    put_back(out)  # an interrupted swap is undone first, even if the inputs then fail
    return build_agency(
        load_agency(folder), out, pdf, blank_assessment, pdfa, converter, extra_context, style
    )


def build_agency(
    inputs: AgencyInputs,
    out: Path,
    pdf: bool = True,
    blank_assessment: bool = False,
    pdfa: bool = False,
    converter: Converter | None = None,
    extra_context: dict[str, Any] | None = None,
    style: HouseStyle | None = None,
) -> BuildResult:
    """build_packet for inputs already loaded (an archive reads them first, for their date)."""
    # The agency's own reference is one of its files, which the fingerprint hashes anyway.
    options = packet_options(pdf=pdf, blank_assessment=blank_assessment, pdfa=pdfa, style=style)
    context = packet_context(inputs, blank_assessment, extra_context)
    stamp = fingerprint(inputs.folder, **options)
    return build(inputs, out, stamp, pdf, pdfa, converter, style or inputs.style, context)


def packet_context(
    inputs: AgencyInputs, blank_assessment: bool = False, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {**build_context(inputs, blank_assessment), **(extra or {})}


def packet_options(
    pdf: bool, blank_assessment: bool, pdfa: bool, style: HouseStyle | None
) -> dict[str, bool | str]:
    """The build options a packet's fingerprint covers (the look's file by its hash)."""
    look = "" if is_default(style) else style.digest
    return {"pdf": pdf, "blank_assessment": blank_assessment, "pdfa": pdfa, "style": look}


def build(
    inputs: AgencyInputs,
    out: Path,
    stamp: str,
    pdf: bool = True,
    pdfa: bool = False,
    converter: Converter | None = None,
    style: HouseStyle | None = None,
    context: dict[str, Any] | None = None,
) -> BuildResult:
    """The one build path (`bundle`, `blank` and `archive` come through here; a batch runs its
    stages, render_packet, finish_pdf and publish, on many agencies at once)."""
    context = context or packet_context(inputs)
    with (
        staging_area(out, inputs.slug) as work,
        Converter() if pdf and converter is None else nullcontext(converter) as converter,
    ):
        forms = FormExport(converter, context["documents"], pdfa) if converter else None
        staging, wording_warnings = render_packet(
            context,
            work,
            inputs.slug,
            stamp,
            helper=True,
            warnings=inputs.warnings,
            style=style,
            forms_ready=forms.start if forms else None,
        )
        if converter:
            finish_pdf(converter, staging, context["documents"], pdfa, forms, helper=True)
        publish(staging, out)
    files = output_files(out, context["documents"], pdf=converter is not None)
    warnings = sorted([*inputs.warnings, *wording_warnings])
    return BuildResult(inputs.slug, out, files, warnings, context, inputs.files, style)


def finish_pdf(
    converter: Converter,
    staging: Path,
    documents: list[dict],
    pdfa: bool,
    forms: FormExport | None = None,
    helper: bool = False,
) -> int:
    """Convert the bundle and, in the same LibreOffice run, each working form with its fields;
    cut one PDF per other document out of the bundle's and make the forms' fillable. Return
    the bundle's page count.

    The forms go first (`forms`, when their export started while the documents were rendered), and
    are made fillable (in this process) while LibreOffice converts the bundle: the run
    answers one file at a time, and a thread waits for its answer. With `helper`, a second
    process cuts half the documents out of the bundle's PDF (a batch leaves it off).
    """
    pdf = staging / "bundle.pdf"
    (forms or FormExport(converter, documents, pdfa)).finish(staging)
    waiting = ThreadPoolExecutor(1)
    try:
        bundle = waiting.submit(converter.convert, [PdfJob(staging / "bundle.docx", pdf, pdfa)])
        finish_forms(staging, documents)
        import pipeline.split  # noqa: F401  (imported while LibreOffice converts, for the split)

        bundle.result()
    finally:
        waiting.shutdown(wait=False)  # an interrupted build stops LibreOffice, not waits for it
    forms_ids = {document["id"] for document in working_forms(documents)}
    with open_written_pdf(pdf) as source, reading_written_pdf(pdf):
        write_contents_pages(staging / "bundle.docx", linked_contents_pages(source), pdf)
        return split_by_bookmarks(
            source, pdf, [d for d in documents if d["id"] not in forms_ids], staging, helper
        )


def render_packet(
    context: dict[str, Any],
    work: Path,
    name: str,
    stamp: str,
    helper: bool = False,
    warnings: list[Problem] | None = None,
    style: HouseStyle | None = None,
    forms_ready: Callable[[Path], Any] | None = None,
) -> tuple[Path, list[Problem]]:
    """Every document, the cover and the merged bundle, as Word files in `work/name`, in the
    look of `style` (the project's own when None); the warnings of the agency's wording.

    With `helper`, a long training log is rendered in a second process meanwhile (a batch,
    which already renders one agency per core, leaves it off). The working forms come first:
    `forms_ready` is called with the folder once their Word files are final, so that
    LibreOffice can export them while the other documents are rendered and the bundle merged.
    """
    staging = work / name
    staging.mkdir()
    jobs = [
        (document["template"], staging / f"{document['id']}.docx")
        for document in context["documents"]
    ]
    forms = {staging / f"{document['id']}.docx" for document in working_forms(context["documents"])}
    order = sorted(jobs, key=lambda job: job[1] not in forms)  # the forms first, else in turn
    aside = [job for job in jobs if helper and worth_a_process(job[0], context)]
    rendered: dict[tuple[str, Path], tuple] = {}
    with second_process(bool(aside)) as pool:
        pending = {job: pool.submit(render_revised, job[0], context, job[1]) for job in aside}
        for job in order:
            if job not in pending:
                rendered[job] = render_revised(job[0], context, job[1])
            if forms and job == order[len(forms) - 1]:
                for form in forms:
                    finish_docx(form, style, context)
                if forms_ready:
                    forms_ready(staging)
        cover = render_document("cover.docx", context, work / "cover.docx")
        rendered.update({job: future.result() for job, future in pending.items()})
    documents = [rendered[job][0] for job in jobs]
    errors, wording_warnings = errors_and_warnings(
        [problem for job in jobs for problem in rendered[job][1]]
    )
    if errors:
        raise InputError(errors)
    notes = [
        (document["title"], rendered[job][2])
        for document, job in zip(context["documents"], jobs, strict=True)
    ]
    write_drafting_notes(staging / DRAFTING_NOTES, notes, context)
    for document in documents:
        if document not in forms:
            finish_docx(document, style, context)
    bundle = merge_bundle(cover, documents, staging / "bundle.docx", context)
    finish_docx(bundle, style, context)
    (staging / FINGERPRINT).write_text(stamp)
    warnings = [*(warnings or []), *wording_warnings]
    record = {"packet_year": context["packet"]["year"], "warnings": list(map(str, warnings))}
    (staging / BUILD_RECORD).write_text(json.dumps(record, indent=1))
    return staging, wording_warnings


def finish_docx(document: Path, style: HouseStyle | None, context: dict[str, Any]) -> None:
    """A Word file of the packet in its look, with the packet's date as its every date."""
    if not is_default(style):
        apply_style(document, style)
    freeze_docx(document, context["packet"]["date"])


def write_drafting_notes(
    path: Path, notes: list[tuple[str, list[str]]], context: dict[str, Any]
) -> None:
    """The consultant's notes on the packet (how it adapts its sources, what is left to
    settle), kept in the packet folder and not printed on the agency's pages."""
    lines = [
        f"# Drafting notes: {context['agency'].get('legal_name', '')}",
        "",
        "For the consultant who prepares the packet, not for the agency's pages: how the packet "
        "adapts its sources and what is left to settle.",
    ]
    for title, found in notes:
        if found:
            lines += ["", f"## {title}", "", *(f"- {note}" for note in found)]
    if not any(found for _, found in notes):
        lines += ["", "No notes for this packet."]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


ASIDE_PEOPLE = 200  # from about this many people a training log is worth a process of its own


def worth_a_process(template: str, context: dict[str, Any]) -> bool:
    long_log = context["training"]["staff_count"] >= ASIDE_PEOPLE
    return (
        template == "training.docx" and long_log and FORK in multiprocessing.get_all_start_methods()
    )


def output_files(out: Path, documents: list[dict], pdf: bool) -> list[Path]:
    """The files a build writes into `out` besides its fingerprint, and nothing else."""
    names = [f"{document['id']}.docx" for document in documents] + ["bundle.docx", DRAFTING_NOTES]
    if pdf:
        names += [f"{document['id']}.pdf" for document in documents] + ["bundle.pdf"]
    return sorted(out / name for name in names)


@cache
def tool_fingerprint() -> str:
    """Hash of what every packet is made with: code, templates, content data and schemas."""
    digest = hashlib.sha256(package_version("protocol-packet-builder").encode())
    for folder, pattern in (
        (PACKAGE_DIR, "**/*.py"),
        (TEMPLATE_DIR, "*.docx"),
        (CONTENT_DIR, "*.yaml"),
        (PACKAGE_DIR / "schemas", "*.json"),
    ):
        for path in sorted(folder.glob(pattern)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(folder: Path, **options: bool | str) -> str:
    """Hash of an agency's inputs, the tool and the build options: equal means nothing to do."""
    digest = hashlib.sha256(tool_fingerprint().encode())
    digest.update(repr(sorted(options.items())).encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_current(out: Path, stamp: str, pdf: bool) -> bool:
    """True when `out` holds a complete packet built from exactly these inputs and tool, every
    file it wrote still there as it was written."""
    marker = out / FINGERPRINT
    complete = (out / "bundle.docx").is_file() and (not pdf or (out / "bundle.pdf").is_file())
    same = complete and marker.is_file() and marker.read_text() == stamp
    return same and is_whole(out)


def build_record(out: Path) -> dict[str, Any]:
    """The packet year and warnings of the packet in `out` ({} if it was built without them)."""
    try:
        return json.loads((out / BUILD_RECORD).read_text())
    except (OSError, ValueError):
        return {}
