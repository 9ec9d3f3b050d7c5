"""Runs the stages for one agency: load -> context -> render -> bundle -> convert -> publish."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.bundle import freeze_docx, merge_bundle
from pipeline.charts import domain_rating_chart
from pipeline.context import build_context
from pipeline.convert import PdfJob, convert_to_pdf
from pipeline.errors import Problem
from pipeline.load import load_agency
from pipeline.render import render_document


@dataclass
class BuildResult:
    slug: str
    out: Path
    files: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    context: dict = field(default_factory=dict)
    inputs: list[Path] = field(default_factory=list)


def build_packet(
    folder: Path,
    out: Path,
    pdf: bool = True,
    blank_assessment: bool = False,
    pdfa: bool = False,
) -> BuildResult:
    """Build one agency's packet into `out`, replacing it only if every stage succeeded."""
    inputs = load_agency(folder)
    context = build_context(inputs, blank_assessment)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{inputs.slug}-", dir=out.parent) as work:
        staging = Path(work) / inputs.slug
        staging.mkdir()
        if context["assessment"]["completed"]:
            chart = Path(work) / "domain-ratings.png"
            assessment = context["assessment"]
            domain_rating_chart(assessment["domains"], assessment["threshold"], chart)
            context["images"]["rating_chart"]["path"] = str(chart)
        documents = [
            render_document(document["template"], context, staging / f"{document['id']}.docx")
            for document in context["documents"]
        ]
        cover = render_document("cover.docx", context, Path(work) / "cover.docx")
        bundle = merge_bundle(cover, documents, staging / "bundle.docx", context)
        for document in [*documents, bundle]:
            freeze_docx(document, context["packet"]["date"])
        if pdf:
            convert_to_pdf([PdfJob(bundle, staging / "bundle.pdf", pdfa=pdfa)])
        publish(staging, out)
    files = sorted(out.iterdir())
    return BuildResult(inputs.slug, out, files, inputs.warnings, context, inputs.files)


def publish(staging: Path, out: Path) -> None:
    """Swap the finished packet into place; earlier outputs survive any failure before this."""
    retired = out.with_name(f".{out.name}.old")
    if retired.exists():
        shutil.rmtree(retired)
    if out.exists():
        out.rename(retired)
    staging.rename(out)
    if retired.exists():
        shutil.rmtree(retired)
