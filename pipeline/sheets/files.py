"""What a supplied file really is, before it is parsed: its size, whether it is empty, what its
first bytes say (a PDF renamed .xlsx, a workbook saved with a password), and text in UTF-8 or
Excel's Windows-1252."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.errors import WARNING, Problem

MAX_SUPPLIED_BYTES = 50_000_000
# What a supplied Office package (.docx, .xlsx, .ods) may inflate to before any part is parsed:
# a 300-page bundle.docx holds about 10 MB of XML and media; a zip bomb holds gigabytes, or
# hundreds of thousands of members. Each reader may bound its parts more tightly.
MAX_PACKAGE_MEMBERS = 2_000
MAX_PACKAGE_PART_BYTES = 60_000_000
MAX_PACKAGE_BYTES = 150_000_000
UTF8_ADVICE = (
    "to avoid this, save it as UTF-8 (Excel: Save As > 'CSV UTF-8 (Comma delimited)'; "
    "Notepad: Save As > Encoding: UTF-8)"
)
# What the first bytes of a file say it is, whatever its name.
SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip package"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE compound file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
OLE_ADVICE = (
    "it is password-protected, or saved in an old Office format (.xls or .doc) under another "
    "name; open it, remove the password (File > Info > Protect) and save it again as {kind}"
)


def file_kind(path: Path) -> str:
    """What the file's first bytes say it is: 'a PDF document', 'a zip package', 'text', ..."""
    with path.open("rb") as stream:
        head = stream.read(2048)
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if not head:
        return "empty"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data"
    return "text"


def check_supplied(path: Path, display: str, expected: str, kind_name: str) -> list[Problem]:
    """Problems that stop a supplied file before it is parsed: missing, empty, too large, or
    bytes of another kind than `expected` (one of SIGNATURES' kinds, or 'text')."""
    if not path.is_file():
        return [Problem(display, 1, 1, "", "no such file")]
    size = path.stat().st_size
    if size == 0:
        return [Problem(display, 1, 1, "", f"the file is empty; expected {kind_name}")]
    if size > MAX_SUPPLIED_BYTES:
        megabytes = MAX_SUPPLIED_BYTES // 1_000_000
        return [Problem(display, 1, 1, "", f"the file is larger than {megabytes} MB; refused")]
    found = file_kind(path)
    if found == expected == "a zip package":
        return package_problems(path, display)
    if found == expected:
        return []
    if found == "an OLE compound file":
        return [Problem(display, 1, 1, "", OLE_ADVICE.format(kind=kind_name))]
    return [Problem(display, 1, 1, "", f"expected {kind_name}, but the file is {found}")]


def package_problems(path: Path, display: str) -> list[Problem]:
    """A zip package that inflates past the bounds, has too many members, or an XML part that
    declares a DTD (entities can make a few bytes into gigabytes): refused before parsing.
    The sizes a zip declares are the most it yields (a member that lies fails its check)."""
    try:
        with zipfile.ZipFile(path) as package:
            members = package.infolist()
            if len(members) > MAX_PACKAGE_MEMBERS:
                count, most = f"{len(members):,}", f"{MAX_PACKAGE_MEMBERS:,}"
                message = f"the package holds {count} parts (at most {most} are read); refused"
                return [Problem(display, 1, 1, "", message)]
            total = 0
            for member in members:
                total += member.file_size
                if member.file_size > MAX_PACKAGE_PART_BYTES or total > MAX_PACKAGE_BYTES:
                    megabytes = max(member.file_size, total) // 1_000_000
                    message = (
                        f"the package's part {member.filename!r} inflates to {megabytes} MB or "
                        f"more (at most {MAX_PACKAGE_BYTES // 1_000_000} MB are read); refused"
                    )
                    return [Problem(display, 1, 1, "", message)]
            for member in members:
                if member.filename.endswith((".xml", ".rels")) and _declares_dtd(package, member):
                    message = f"the package's part {member.filename!r} declares a DTD; refused"
                    return [Problem(display, 1, 1, "", message)]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        return []  # a damaged package: its reader says so in its own terms
    return []


def _declares_dtd(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    with package.open(member) as stream:
        head = stream.read(4000)
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """A text file's contents (None if it cannot be read) and its problems.

    UTF-8 (with or without a byte-order mark) is read silently. Anything else is read as
    Windows-1252, which is what Excel's "CSV (Comma delimited)" and Notepad's "ANSI" write, with
    a warning saying how to save as UTF-8; bytes that Windows-1252 does not define either are
    refused rather than shown as the wrong letters.
    """
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        message = f"is not UTF-8 text and not Windows-1252 either; refused: {UTF8_ADVICE}"
        return None, [Problem(display, line, 1, "", message)]
    warning = (
        f"not UTF-8; read as Windows-1252 (Excel's 'CSV (Comma delimited)'), "
        f"first such character on this line; {UTF8_ADVICE}"
    )
    return text, [Problem(display, line, 1, "", warning, WARNING)]
