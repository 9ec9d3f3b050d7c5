"""Stage 5: convert Word files to PDF with LibreOffice, headless, one start-up for many files."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pipeline.content import content
from pipeline.errors import ConversionError

if TYPE_CHECKING:
    import pikepdf

UNO_EXPORT = Path(__file__).parent / "uno_export.py"
UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", "python3")
NO_UNO = 3  # uno_export.py's exit code when its Python has no `uno` module


def install_hint() -> str:
    """How to install LibreOffice here (pipeline/content/libreoffice.yaml)."""
    office = content("libreoffice")
    packages = " ".join(office["packages"])
    return (
        f"install LibreOffice {office['minimum_version']} or later and its fonts: on Debian 12, "
        f"sudo apt-get install -t {office['debian_12_suite']} {packages}; elsewhere, "
        f"sudo apt-get install {packages} (or run `make bundle` as root, which installs them), "
        "or build with --no-pdf"
    )


# Start-up takes about a second and a 40-page bundle about a third of one; this leaves room
# for a slow machine without letting a hung LibreOffice stall a build for ever.
SECONDS_PER_RUN = 60
SECONDS_PER_FILE = 30
# A long document takes longer (the 337-page large agency's 7 MB of document XML, 9-13 s on a
# quiet machine and over 30 s on a busy one), so each megabyte of it adds to its time limit.
SECONDS_PER_MEGABYTE = 10


def seconds_for(job: PdfJob) -> float:
    """The time limit of one file: SECONDS_PER_FILE, and more for a long document."""
    try:
        with zipfile.ZipFile(job.source) as package:
            size = package.getinfo("word/document.xml").file_size
    except (OSError, KeyError, zipfile.BadZipFile):
        size = 0  # LibreOffice says what is wrong with the file
    return SECONDS_PER_FILE + SECONDS_PER_MEGABYTE * size / 1_000_000


@dataclass(frozen=True)
class PdfJob:
    source: Path
    target: Path
    pdfa: bool = False
    form: bool = False  # export Word content controls as fillable PDF fields


PDF_A_2 = 2  # SelectPdfVersion: PDF/A-2b (0 is plain PDF 1.7)


def export_options(job: PdfJob) -> dict[str, bool | int]:
    """LibreOffice's PDF export settings (writer_pdf_Export's FilterData), the one place they
    are set: the bridge and plain --convert-to both use them.

    Every PDF is PDF/UA-1: tagged, identified as PDF/UA in its metadata, its title (the Word
    file's) shown in the window and its language the document's; bookmarks from the headings.
    The archive's are PDF/A-2b as well.
    """
    return {
        "UseTaggedPDF": True,
        "PDFUACompliance": True,
        "ExportBookmarks": True,
        "SelectPdfVersion": PDF_A_2 if job.pdfa else 0,
        "ExportFormFields": job.form,
    }


def soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if not found:
        raise ConversionError(f"LibreOffice (soffice) was not found; {install_hint()}")
    return found


@cache
def uno_pythons() -> tuple[str, ...]:
    """Pythons that may have LibreOffice's `uno` module (the bridge says at once if not)."""
    found = [shutil.which(candidate) for candidate in UNO_PYTHONS]
    return tuple(dict.fromkeys(os.path.realpath(path) for path in found if path))


def convert_to_pdf(jobs: list[PdfJob]) -> None:
    """Convert every job in one LibreOffice run with its own profile; check each output."""
    if not jobs:
        return
    with Converter() as converter:
        converter.convert(jobs)


class NoBridge(Exception):
    """The Python tried for the bridge has no `uno` module."""


class Converter:
    """One LibreOffice run, started ahead of time, that converts files as they are handed over.

    Starting LibreOffice takes about a second; started before the documents are rendered, that
    second overlaps with the rendering. Each run has a profile folder of its own, locked while
    in use and kept for the next run (a fresh profile costs another half second to set up).
    Each file is bounded by a time limit; a run that fails or times out is stopped and not
    used again. Without LibreOffice's Python bridge, files go through plain --convert-to.
    Nothing is raised until a file is to be converted, so bad inputs are reported first.
    """

    def __init__(self) -> None:
        try:
            self.office, self.missing = soffice(), None
        except ConversionError as missing:
            self.office, self.missing = None, missing
        self.pythons = list(uno_pythons())
        self.process: subprocess.Popen | None = None
        self.failure: str | None = None
        self.started = False
        self.lock: IO | None = None
        if self.office:
            self.profile, self.lock = acquire_profile()
            self._start_bridge()

    def _start_bridge(self) -> None:
        if not self.pythons:
            self.process = None
            return
        self.unread = b""  # what the run has printed and no answer has taken yet
        self.pipe = f"packet-{secrets.token_hex(8)}"
        spec = {
            "soffice": self.office,
            "profile": str(self.profile),
            "pipe": self.pipe,
            "socket": str(pipe_socket(self.pipe)),
        }
        # The run holds the profile's lock too, so the profile stays locked until LibreOffice
        # has shut down, which it does by itself once its input is closed.
        self.process = subprocess.Popen(
            [self.pythons.pop(0), str(UNO_EXPORT), json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=(self.lock.fileno(),),
            env=office_environment(),
        )

    def convert(self, jobs: list[PdfJob]) -> None:
        """Convert each job, in turn; each PDF is checked as soon as it is written."""
        if self.missing:
            raise self.missing
        for job in jobs:
            self._convert(job)
            _check_pdf(job.target)

    def _convert(self, job: PdfJob) -> None:
        while self.process is not None:
            try:
                return self._export(job)
            except NoBridge:
                self._start_bridge()
        if self.failure:
            raise ConversionError(f"this LibreOffice run has already failed: {self.failure}")
        _plain_convert(self.office, str(self.profile), [job], SECONDS_PER_RUN + seconds_for(job))

    def _export(self, job: PdfJob) -> None:
        timeout = round(seconds_for(job) + (0 if self.started else SECONDS_PER_RUN))
        request = {
            "source": str(job.source),
            "target": str(job.target),
            "options": export_options(job),
        }
        try:
            self.process.stdin.write(json.dumps(request).encode() + b"\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # the run has ended: its answer is the end of its output
        answer = self._answer(timeout)
        self.started = True
        if answer["error"]:
            raise ConversionError(f"LibreOffice could not convert {job.source}: {answer['error']}")

    def _answer(self, timeout: float) -> dict:
        """The run's next line of output, read within `timeout` seconds. Read straight from
        the pipe: a buffered reader may hold a line where select() cannot see it."""
        while b"\n" not in self.unread:
            ready, _, _ = select.select([self.process.stdout], [], [], timeout)
            if not ready:
                self._stop()
                self.failure = f"LibreOffice took longer than {timeout} s and was stopped"
                raise ConversionError(self.failure)
            chunk = os.read(self.process.stdout.fileno(), 65536)
            if not chunk:  # the run has ended
                if self.process.wait() == NO_UNO and not self.started:
                    raise NoBridge
                self.failure = self._stop()
                raise ConversionError(self.failure)
            self.unread += chunk
        reply, _, self.unread = self.unread.partition(b"\n")
        return json.loads(reply)

    def _stop(self) -> str:
        """Stop LibreOffice and everything it started; say how the run ended."""
        process, self.process = self.process, None
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        pipe_socket(self.pipe).unlink(missing_ok=True)  # LibreOffice, killed, left it
        detail = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        return f"LibreOffice failed (exit code {process.returncode}): {detail[0]}"

    def close(self) -> None:
        """Let LibreOffice shut down in the background; the run keeps its profile locked."""
        if self.process is not None:
            self.process.stdin.close()
            self.process = None
        if self.lock is not None:
            self.lock.close()

    def abort(self) -> None:
        """Stop LibreOffice now, with everything it started: the build was interrupted."""
        if self.process is not None:
            self._stop()
        if self.lock is not None:
            self.lock.close()

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        # Ctrl-C and SIGTERM end a build at once: nothing it started may keep running.
        interrupted = exc_type is not None and not issubclass(exc_type, Exception)
        self.abort() if interrupted else self.close()


PROFILE_SLOTS = 32


def acquire_profile() -> tuple[Path, IO]:
    """A LibreOffice profile folder no other run is using (two runs sharing one fail).

    A profile whose lock is free has no run of ours; a LibreOffice still running on it was left
    by a build that was killed outright, and is stopped here, for every free profile.
    """
    base = Path(tempfile.gettempdir()) / f"packet-builder-lo-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    running = office_processes()
    chosen: tuple[Path, IO] | None = None
    for slot in range(PROFILE_SLOTS):
        profile = base / f"profile-{slot}"
        if chosen and not (base / f"{slot}.lock").exists():
            break
        lock = (base / f"{slot}.lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        end_processes(running.get(str(profile), []))
        if chosen is None:
            chosen = (profile, lock)
        else:
            lock.close()
    if chosen is None:
        raise ConversionError(f"all {PROFILE_SLOTS} LibreOffice profiles in {base} are in use")
    return chosen


PROFILE_ARGUMENT = "-env:UserInstallation=file://"


def office_processes() -> dict[str, list[int]]:
    """Profile folder -> ids of this user's processes started with it (read from /proc)."""
    found: dict[str, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if entry.stat().st_uid != os.getuid():
                continue
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # ended meanwhile, or not ours to read
        for argument in arguments:
            text = argument.decode(errors="replace")
            if text.startswith(PROFILE_ARGUMENT):
                found.setdefault(text.removeprefix(PROFILE_ARGUMENT), []).append(int(entry.name))
    return found


def end_processes(ids: list[int]) -> None:
    """Kill these processes, and remove the socket of the bridge's pipe any of them listened
    on (a killed LibreOffice leaves it)."""
    for process_id in ids:
        sockets = bridge_sockets_of(process_id)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(process_id, signal.SIGKILL)
        for socket in sockets:
            socket.unlink(missing_ok=True)


PIPE_ARGUMENT = "--accept=pipe,name="


def bridge_sockets_of(process_id: int) -> list[Path]:
    """The sockets of the packet builder's pipes a LibreOffice listens on, by its command line."""
    try:
        arguments = Path(f"/proc/{process_id}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return []
    names = [
        argument.decode(errors="replace").removeprefix(PIPE_ARGUMENT).split(";")[0]
        for argument in arguments
        if argument.startswith(PIPE_ARGUMENT.encode())
    ]
    return [pipe_socket(name) for name in names if name.startswith("packet-")]


def _plain_convert(office: str, profile: str, jobs: list[PdfJob], timeout: float) -> None:
    """Fallback without UNO: one `--convert-to pdf` call per target folder and kind of export
    (no contents refresh)."""
    batches: dict[tuple, list[PdfJob]] = {}
    for job in jobs:
        kind = (job.target.parent, tuple(export_options(job).items()))
        batches.setdefault(kind, []).append(job)
    for (outdir, settings), batch in batches.items():
        options = {name: _typed_option(value) for name, value in settings}
        command = [
            office,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            f"pdf:writer_pdf_Export:{json.dumps(options)}",
            "--outdir",
            str(outdir),
            *[str(job.source) for job in batch],
        ]
        _run(command, timeout)
        for job in batch:
            produced = outdir / f"{job.source.stem}.pdf"
            if produced != job.target and produced.exists():
                produced.replace(job.target)


def _typed_option(value: bool | int) -> dict[str, str]:
    """A FilterData value as --convert-to's JSON spells it."""
    if isinstance(value, bool):
        return {"type": "boolean", "value": str(value).lower()}
    return {"type": "long", "value": str(value)}


def pipe_socket(name: str) -> Path:
    """The socket of the named pipe LibreOffice listens on for the bridge (osl's naming, in
    /tmp): LibreOffice removes it as it shuts down, but not when it is killed."""
    return Path("/tmp") / f"OSL_PIPE_{os.getuid()}_{name}"


def office_environment() -> dict[str, str]:
    """LibreOffice stamps the PDF with its clock's time zone; UTC tells nothing of where it ran."""
    return {**os.environ, "TZ": "UTC"}


def _run(command: list[str], timeout: float) -> None:
    """Run LibreOffice with a time limit; on time-out kill it and everything it started."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=office_environment(),
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ConversionError(
            f"LibreOffice took longer than {timeout} s and was stopped"
        ) from error
    if process.returncode != 0:
        detail = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise ConversionError(f"LibreOffice failed (exit code {process.returncode}): {detail[0]}")


# A PDF ends with %%EOF (a few bytes of line ends may follow); a file cut short by a full disk or
# a LibreOffice that died while writing does not.
PDF_TAIL_BYTES = 1024
DAMAGED_PDF = "LibreOffice wrote a damaged PDF"


def _check_pdf(path: Path) -> None:
    # LibreOffice can exit 0 without writing anything; trust only a real, whole PDF file.
    if not path.is_file() or path.stat().st_size == 0:
        raise ConversionError(f"LibreOffice reported success but wrote no PDF at {path}")
    with path.open("rb") as stream:
        if stream.read(5) != b"%PDF-":
            raise ConversionError(f"{path} is not a PDF file")
        stream.seek(max(0, path.stat().st_size - PDF_TAIL_BYTES))
        if b"%%EOF" not in stream.read():
            raise ConversionError(
                f"{path.name}: {DAMAGED_PDF} (it ends before the PDF's end marker, cut short); "
                "nothing was published"
            )


# What pypdf raises on a damaged file besides its own errors (a cut stream, a broken object).
READ_FAILURES = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


@contextlib.contextmanager
def reading_written_pdf(path: Path):
    """Reading a PDF LibreOffice wrote: a damaged one is a ConversionError naming it."""
    import pikepdf
    from pypdf.errors import PyPdfError

    try:
        yield
    except (pikepdf.PdfError, PyPdfError, *READ_FAILURES) as error:
        # Named as the packet names it: the folder it was written in is a build's, gone by now.
        detail = str(error).replace(f"{path}: ", "").replace(str(path), path.name)
        raise ConversionError(
            f"{path.name}: {DAMAGED_PDF} ({type(error).__name__}: {detail}); nothing was published"
        ) from error


def open_written_pdf(path: Path) -> pikepdf.Pdf:
    """A PDF LibreOffice wrote, opened with pikepdf (qpdf), its pages and bookmarks read. qpdf
    repairs a damaged file as it opens it, and says so: a PDF it had to repair is refused."""
    import pikepdf

    with reading_written_pdf(path):
        pdf = pikepdf.open(path)
        try:
            _ = len(pdf.pages), bookmarked_pages(pdf)
            repaired = pdf.get_warnings()
            if repaired:
                raise pikepdf.PdfError(repaired[0])
        except BaseException:
            pdf.close()
            raise
    return pdf


def bookmarked_pages(pdf: pikepdf.Pdf) -> dict[str, int]:
    """Title of each top-level bookmark -> the number (from 0) of the page it opens."""
    import pikepdf

    numbers = {page.objgen: number for number, page in enumerate(pdf.pages)}
    with pdf.open_outline() as outline:
        items = list(outline.root)
    starts = {}
    for item in items:
        destination = item.destination
        if destination is None and item.action is not None:
            destination = item.action.get("/D")
        if isinstance(destination, (pikepdf.Name, pikepdf.String)):
            destination = named_destination(pdf, destination)
        if isinstance(destination, pikepdf.Array) and len(destination):
            starts[item.title] = numbers.get(destination[0].objgen)
    return {title: page for title, page in starts.items() if page is not None}


def linked_contents_pages(pdf: pikepdf.Pdf) -> list[str]:
    """The page number each contents line of the bundle shows, in order, read from the links
    LibreOffice writes for its PAGEREF fields: the pages before the first document's hold the
    contents, a line's links (its title and its number) sit at one height and lead to its
    heading's page, and the packet numbers its pages from 1 without restarting."""
    numbers = {page.objgen: number for number, page in enumerate(pdf.pages)}
    first_part = min(bookmarked_pages(pdf).values(), default=len(pdf.pages))
    lines: dict[tuple[int, float], int] = {}
    for number in range(first_part):
        for annotation in pdf.pages[number].obj.get("/Annots", ()):
            target = linked_page(pdf, annotation)
            if target is not None and target.objgen in numbers:
                top = round(float(annotation.Rect[3]))
                lines.setdefault((number, -top), numbers[target.objgen] + 1)
    return [str(page) for _, page in sorted(lines.items())]


def linked_page(pdf: pikepdf.Pdf, annotation):
    """The page a link within the PDF leads to, or None (another annotation, a web link)."""
    import pikepdf

    if annotation.get("/Subtype") != pikepdf.Name.Link:
        return None
    destination = annotation.get("/Dest")
    action = annotation.get("/A")
    if destination is None and action is not None and action.get("/S") == pikepdf.Name.GoTo:
        destination = action.get("/D")
    if isinstance(destination, (pikepdf.Name, pikepdf.String)):
        destination = named_destination(pdf, destination)
    if isinstance(destination, pikepdf.Array) and len(destination):
        return destination[0]
    return None


def named_destination(pdf: pikepdf.Pdf, name) -> pikepdf.Array | None:
    """A named destination's page array (the catalogue's /Dests, or its name tree)."""
    import pikepdf

    if "/Dests" in pdf.Root and str(name) in pdf.Root.Dests:
        found = pdf.Root.Dests[str(name)]
    elif "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
        found = pikepdf.NameTree(pdf.Root.Names.Dests).get(str(name))
    else:
        return None
    return found.get("/D") if isinstance(found, pikepdf.Dictionary) else found


def split_by_bookmarks(
    source: pikepdf.Pdf, bundle: Path, documents: list[dict], folder: Path, helper: bool = False
) -> int:
    """Cut one tagged PDF per document out of the bundle (open as `source`) at its top-level
    bookmarks, with no re-conversion (pipeline/split.py). A form (`form: true` in
    documents.yaml) is converted from its own Word file instead. Returns the bundle's page count.
    With `helper`, a second process cuts about half the pages (split.cut_documents).
    """
    from pipeline.split import cut_documents  # here, so that starting LibreOffice imports little

    starts = bookmarked_pages(source)
    documents = [document for document in documents if not document.get("form")]
    titles = [document["title"] for document in documents]
    missing = [title for title in titles if title not in starts]
    if missing:
        raise ConversionError(f"{bundle} has no bookmark for {', '.join(missing)}")
    ends = sorted(starts.values()) + [len(source.pages)]
    parts = []
    for document in documents:
        first = starts[document["title"]]
        parts.append((document, first, next(end for end in ends if end > first)))
    cut_documents(source, bundle, parts, folder, helper)
    return len(source.pages)


PDFA_ID = "{http://www.aiim.org/pdfa/ns/id/}"
PDFUA_ID = "{http://www.aiim.org/pdfua/ns/id/}"


def claimed_conformance(path: Path) -> list[str]:
    """The standards a PDF's XMP metadata says it meets, as `["PDF/A-2b", "PDF/UA-1"]`."""
    import pikepdf

    with pikepdf.open(path) as pdf:
        metadata = pdf.open_metadata()
        claims = []
        if part := metadata.get(f"{PDFA_ID}part"):
            claims.append(f"PDF/A-{part}{metadata.get(f'{PDFA_ID}conformance', '').lower()}")
        if part := metadata.get(f"{PDFUA_ID}part"):
            claims.append(f"PDF/UA-{part}")
    return claims
