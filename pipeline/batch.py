"""Many agencies at once: render in parallel, convert in as few LibreOffice runs as cores,
each bundle as soon as it is rendered."""

from __future__ import annotations

import csv
import os
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from queue import Queue

from pipeline.build import (
    build_record,
    fingerprint,
    finish_pdf,
    is_current,
    packet_context,
    packet_options,
    render_packet,
)
from pipeline.convert import Converter
from pipeline.errors import PacketError, UsageError, counted
from pipeline.load import PROFILE, load_agency
from pipeline.publish import (
    check_batch_root,
    check_destination,
    ends_with_parent,
    mark_batch_root,
    publish,
    recover,
    replaced_whole,
    staging_area,
    writable,
)
from pipeline.sheets import csv_safe
from pipeline.style import HouseStyle


@dataclass
class Outcome:
    """What happened to one agency in a batch."""

    slug: str
    status: str  # rendered (PDF still to make), built, skipped or failed
    seconds: float = 0.0
    pages: int | None = None
    warnings: list[str] = field(default_factory=list)  # as `packet validate` prints them
    error: str = ""
    packet_year: int | None = None
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
    style: HouseStyle | None = None,
) -> list[Outcome]:
    """Build every agency under `root`; go on past failures; skip agencies already current.

    `style` gives every packet its look (else each agency's own `style:`, or the project's).
    """
    jobs = jobs or os.cpu_count() or 1
    check_batch_root(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    pending: list[tuple[Path, str]] = []
    for folder in agency_folders(root):
        stamp = fingerprint(folder, **packet_options(pdf, False, False, style))
        target = out_root / folder.name
        try:
            check_destination(target, name=folder.name)
        except UsageError as error:
            outcomes.append(Outcome(folder.name, "failed", error=error.message))
            progress(outcomes[-1])
            continue
        recover(target)
        if not force and is_current(target, stamp, pdf):
            last = build_record(out_root / folder.name)  # what its last build reported
            outcomes.append(
                Outcome(
                    folder.name,
                    "skipped",
                    warnings=last.get("warnings", []),
                    packet_year=last.get("packet_year"),
                )
            )
            progress(outcomes[-1])
        else:
            pending.append((folder, stamp))
    runs = min(jobs, len(pending)) if pdf else 0
    # "_batch" is no agency's slug (slugs start with a letter or digit).
    with staging_area(out_root / "_batch", "_batch") as work:
        for outcome in build_all(pending, work, jobs, runs, progress, style):
            if outcome.status == "built":
                publish(outcome.staging, out_root / outcome.slug)
            outcomes.append(outcome)
    return sorted(outcomes, key=lambda outcome: outcome.slug)


def build_all(
    pending: list[tuple[Path, str]],
    work: Path,
    jobs: int,
    runs: int,
    progress: Callable[[Outcome], None],
    style: HouseStyle | None = None,
) -> list[Outcome]:
    """Render in worker processes; each rendered bundle goes to the next free LibreOffice run.

    LibreOffice starts while the first agencies render, and converts while the others do.
    """
    if not pending:
        return []
    finished: list[Outcome] = []
    free: Queue[Converter] = Queue()
    started = [Converter() for _ in range(runs)]
    for converter in started:
        free.put(converter)
    completed = False
    try:
        with (
            ProcessPoolExecutor(
                min(jobs, len(pending)), initializer=ends_with_parent, initargs=(os.getpid(),)
            ) as renderers,
            ThreadPoolExecutor(max_workers=max(runs, 1)) as converters,
            cancelled_on_interrupt(renderers, converters),
        ):
            futures = {
                renderers.submit(render_agency, folder, work, stamp, style)
                for folder, stamp in pending
            }
            while futures:
                done, futures = wait(futures, return_when=FIRST_COMPLETED)
                for future in done:
                    outcome = future.result()
                    if outcome.status == "rendered" and runs:
                        futures.add(converters.submit(convert_agency, outcome, free))
                    else:
                        if outcome.status == "rendered":
                            outcome.status = "built"  # no PDF asked for
                        finished.append(outcome)
                        progress(outcome)
        completed = True
    finally:
        # Interrupted or failed: stop every LibreOffice run at once, busy ones included.
        for converter in started:
            converter.close() if completed else converter.abort()
    return finished


@contextmanager
def cancelled_on_interrupt(*pools: Executor) -> Iterator[None]:
    """On Ctrl-C or SIGTERM, drop the work not yet started instead of waiting for all of it."""
    try:
        yield
    except BaseException:
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        raise


def render_agency(folder: Path, work: Path, stamp: str, style: HouseStyle | None = None) -> Outcome:
    """Load, check and render one agency into `work`; a failure is reported, not raised."""
    started = time.perf_counter()
    try:
        inputs = load_agency(folder)
        context = packet_context(inputs)
        agency_work = work / f"{folder.name}.work"
        with writable(work.parent):  # a full disk: one line naming the output folder
            agency_work.mkdir()
            staging, wording_warnings = render_packet(
                context,
                agency_work,
                folder.name,
                stamp,
                warnings=inputs.warnings,
                style=style or inputs.style,
            )
    except PacketError as error:
        return Outcome(folder.name, "failed", time.perf_counter() - started, error=error.message)
    except Exception:  # one agency's crash must not stop the batch; its trace is shown
        return Outcome(
            folder.name, "failed", time.perf_counter() - started, error=traceback.format_exc()
        )
    return Outcome(
        folder.name,
        "rendered",
        time.perf_counter() - started,
        warnings=[str(warning) for warning in sorted([*inputs.warnings, *wording_warnings])],
        packet_year=context["packet"]["year"],
        staging=staging,
        documents=context["documents"],
    )


def convert_agency(outcome: Outcome, free: Queue[Converter]) -> Outcome:
    """Convert one bundle in the next free LibreOffice run; a run that fails is replaced."""
    started = time.perf_counter()
    converter = free.get()
    try:
        outcome.pages = finish_pdf(converter, outcome.staging, outcome.documents, pdfa=False)
        outcome.status = "built"
    except PacketError as error:
        outcome.status, outcome.error = "failed", error.message
        converter.close()
        converter = Converter()
    finally:
        free.put(converter)
        outcome.seconds += time.perf_counter() - started
    return outcome


REPORT_CSV = "batch-report.csv"
REPORT_TEXT = "batch-report.txt"
REPORT_COLUMNS = ("agency", "status", "pages", "warnings", "seconds", "problems")


def report_text(outcomes: list[Outcome]) -> str:
    """The summary table, then every agency's warnings and errors, then the totals."""
    lines = [f"{'agency':<32} {'status':<8} {'pages':>5} {'warnings':>8} {'seconds':>7}"]
    for outcome in outcomes:
        pages = "" if outcome.pages is None else outcome.pages
        lines.append(
            f"{outcome.slug:<32} {outcome.status:<8} {pages:>5} {len(outcome.warnings):>8} "
            f"{outcome.seconds:>7.1f}"
        )
    for outcome in outcomes:
        if outcome.status == "failed":
            lines += ["", f"{outcome.slug} failed:", *outcome.error.rstrip().splitlines()]
        if outcome.warnings:
            lines += ["", f"{outcome.slug}: {counted(len(outcome.warnings), 'warning')}"]
            lines += [f"  {warning}" for warning in outcome.warnings]
    statuses = [outcome.status for outcome in outcomes]
    lines += [
        "",
        f"{statuses.count('built')} built, {statuses.count('skipped')} skipped, "
        f"{statuses.count('failed')} failed",
    ]
    return "\n".join(lines)


def write_report(outcomes: list[Outcome], out_root: Path) -> list[Path]:
    """batch-report.csv (one row per agency, its warnings and error in the last cell) and
    batch-report.txt (what the batch printed), beside the agencies' packet folders, entered in
    the root's marker."""
    csv_path, text_path = out_root / REPORT_CSV, out_root / REPORT_TEXT
    with (
        writable(out_root),
        replaced_whole(csv_path) as partial,
        partial.open("w", newline="", encoding="utf-8") as stream,
    ):
        writer = csv.writer(stream)
        writer.writerow(REPORT_COLUMNS)
        for outcome in outcomes:
            problems = [*outcome.warnings, *filter(None, [outcome.error.rstrip()])]
            row = (
                outcome.slug,
                outcome.status,
                "" if outcome.pages is None else outcome.pages,
                len(outcome.warnings),
                f"{outcome.seconds:.1f}",
                "\n".join(problems),
            )
            writer.writerow([csv_safe(value) for value in row])
    with writable(out_root), replaced_whole(text_path) as partial:
        partial.write_text(report_text(outcomes) + "\n", encoding="utf-8")
    mark_batch_root(out_root, [csv_path, text_path])
    return [csv_path, text_path]


def zip_packets(outcomes: list[Outcome], out_root: Path) -> list[Path]:
    """`<slug>-packet-<year>.zip` for every agency that has a packet: its bundle, documents and
    respondent forms, each file named after the agency."""
    written = []
    for outcome in outcomes:
        folder = out_root / outcome.slug
        if outcome.status in ("built", "skipped") and (folder / "bundle.docx").is_file():
            year = outcome.packet_year or packet_year(folder)
            written.append(zip_packet(folder, out_root / f"{outcome.slug}-packet-{year}.zip"))
            mark_batch_root(out_root, written[-1:])  # at once: a later failure leaves it ours
    return written


def zip_packet(folder: Path, target: Path) -> Path:
    """One agency's packet folder (hidden files aside) as one zip, written whole or not at all."""
    slug = folder.name
    files = [path for path in sorted(folder.iterdir()) if path.is_file()]
    if (folder / "forms").is_dir():
        files += sorted(path for path in (folder / "forms").iterdir() if path.is_file())
    with (
        writable(target.parent),
        replaced_whole(target) as partial,
        zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for path in files:
            if not path.name.startswith("."):
                archive.write(path, f"{slug}-{path.name}")
    return target


def packet_year(folder: Path) -> int:
    """The year of a packet built before builds recorded it: its bundle's creation date."""
    from docx import Document

    return Document(folder / "bundle.docx").core_properties.created.year
