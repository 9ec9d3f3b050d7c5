"""Many agencies at once: render in parallel, convert in as few LibreOffice runs as cores."""

from __future__ import annotations

import os
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from pypdf import PdfReader

from pipeline.build import fingerprint, is_current, publish, render_packet
from pipeline.context import build_context
from pipeline.convert import Converter, PdfJob, split_by_bookmarks
from pipeline.errors import PacketError, UsageError
from pipeline.load import PROFILE, load_agency


@dataclass
class Outcome:
    """What happened to one agency in a batch."""

    slug: str
    status: str  # built, skipped or failed
    seconds: float = 0.0
    pages: int | None = None
    warnings: int = 0
    error: str = ""
    staging: Path | None = field(default=None, repr=False)
    documents: list[dict] = field(default_factory=list, repr=False)


def agency_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder of agencies")
    return sorted(path for path in root.iterdir() if (path / PROFILE).is_file())


def batch_build(
    root: Path,
    out_root: Path,
    jobs: int | None = None,
    force: bool = False,
    pdf: bool = True,
    progress: Callable[[Outcome], None] = lambda outcome: None,
) -> list[Outcome]:
    """Build every agency under `root`; go on past failures; skip agencies already current."""
    jobs = jobs or os.cpu_count() or 1
    out_root.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    pending: list[tuple[Path, str]] = []
    for folder in agency_folders(root):
        stamp = fingerprint(folder, pdf=pdf, blank_assessment=False, pdfa=False)
        if not force and is_current(out_root / folder.name, stamp, pdf):
            outcomes.append(Outcome(folder.name, "skipped"))
            progress(outcomes[-1])
        else:
            pending.append((folder, stamp))
    runs = min(jobs, len(pending)) if pdf else 0
    with (
        tempfile.TemporaryDirectory(prefix=".batch-", dir=out_root) as work,
        ExitStack() as stack,
    ):
        # LibreOffice starts while the agencies render, one run per share of the conversions.
        converters = [stack.enter_context(Converter()) for _ in range(runs)]
        rendered = render_all(pending, Path(work), jobs, progress)
        if converters:
            convert_all([o for o in rendered if o.status == "built"], converters)
        for outcome in rendered:
            if outcome.status == "built":
                publish(outcome.staging, out_root / outcome.slug)
        outcomes += rendered
    return sorted(outcomes, key=lambda outcome: outcome.slug)


def render_all(
    pending: list[tuple[Path, str]], work: Path, jobs: int, progress: Callable[[Outcome], None]
) -> list[Outcome]:
    if not pending:
        return []
    rendered = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(pending))) as pool:
        futures = [pool.submit(render_agency, folder, work, stamp) for folder, stamp in pending]
        for future in as_completed(futures):
            rendered.append(future.result())
            progress(rendered[-1])
    return rendered


def render_agency(folder: Path, work: Path, stamp: str) -> Outcome:
    """Load, check and render one agency into `work`; a failure is reported, not raised."""
    started = time.perf_counter()
    try:
        inputs = load_agency(folder)
        context = build_context(inputs)
        agency_work = work / f"{folder.name}.work"
        agency_work.mkdir()
        staging = render_packet(context, agency_work, folder.name, stamp)
    except PacketError as error:
        return Outcome(folder.name, "failed", time.perf_counter() - started, error=error.message)
    except Exception:  # one agency's crash must not stop the batch; its trace is shown
        return Outcome(
            folder.name, "failed", time.perf_counter() - started, error=traceback.format_exc()
        )
    return Outcome(
        folder.name,
        "built",
        time.perf_counter() - started,
        warnings=len(inputs.warnings),
        staging=staging,
        documents=context["documents"],
    )


def convert_all(outcomes: list[Outcome], converters: list[Converter]) -> None:
    """Each LibreOffice run converts its share of the bundles, all runs at once."""
    if not outcomes:
        return
    shares = [outcomes[index :: len(converters)] for index in range(len(converters))]
    with ThreadPoolExecutor(max_workers=len(converters)) as pool:
        for share, seconds in pool.map(convert_share, shares, converters):
            for outcome in share:
                outcome.seconds += seconds / max(len(share), 1)
                if outcome.status == "built":
                    finish_pdf(outcome)


def convert_share(share: list[Outcome], converter: Converter) -> tuple[list[Outcome], float]:
    """Convert a share in one run; if that fails, convert one by one to find the culprit."""
    started = time.perf_counter()
    if not share:
        return share, 0.0
    try:
        converter.convert([pdf_job(outcome) for outcome in share])
    except PacketError as error:
        if len(share) == 1:
            share[0].status, share[0].error = "failed", error.message
        else:
            for outcome in share:
                with Converter() as alone:
                    convert_share([outcome], alone)
    return share, time.perf_counter() - started


def pdf_job(outcome: Outcome) -> PdfJob:
    return PdfJob(outcome.staging / "bundle.docx", outcome.staging / "bundle.pdf")


def finish_pdf(outcome: Outcome) -> None:
    bundle = outcome.staging / "bundle.pdf"
    outcome.pages = len(PdfReader(bundle).pages)
    split_by_bookmarks(bundle, outcome.documents, outcome.staging)
