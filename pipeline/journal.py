"""Writing several files into an agency's input folder all or none, even when killed.

`packet ingest` changes several files at once (respondent files, wording.yaml, edited inputs).
Each new file is first written beside its target under a hidden name (`.ana.yaml.ingest-<id>`);
a journal in the agency folder, `.packet-builder-journal.json`, names every pair. The journal
says "pending" before the first file is written and "committed" (one atomic rename) once every
file is on disk; only then are the files renamed over their targets, one by one, and the journal
removed. Whatever command next reads the folder (ingest, validate, bundle, archive, batch) first
finishes what a killed run left: a committed journal's renames are completed, a pending one's
files are removed and its targets were never touched. Only files a journal names are removed.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
import time
from pathlib import Path

from pipeline.errors import InputError, PacketError, Problem
from pipeline.publish import output_lock

JOURNAL = ".packet-builder-journal.json"
PENDING, COMMITTED = "pending", "committed"
STAGED = re.compile(r"\.(?P<target>.+)\.ingest-[0-9a-f]{8}")
# Set by the tests only: `staged` (every file written, the journal still pending) or `moving`
# (committed, one file renamed in): the run says so on stderr, then waits a minute there.
PAUSE_IN_WRITE = "PACKET_BUILDER_TEST_PAUSE_IN_INGEST"


class WriteError(PacketError):
    """Files could not be written into an agency folder (no permission, a full disk)."""


def write_files(folder: Path, texts: dict[Path, str]) -> None:
    """Write every file of `texts` (each inside `folder`), or none of them."""
    if not texts:
        return
    with output_lock(folder):
        finish_locked(folder)
        token = secrets.token_hex(4)
        pairs = [(target.with_name(f".{target.name}.ingest-{token}"), target) for target in texts]
        try:
            for _, target in pairs:
                if target.is_symlink() or target.exists() and not target.is_file():
                    raise IsADirectoryError(0, "not a plain file", str(target))
            write_journal(folder, PENDING, pairs)
            for (staged, target), text in zip(pairs, texts.values(), strict=True):
                target.parent.mkdir(parents=True, exist_ok=True)
                write_durably(staged, text.encode("utf-8"))
            pause_for_tests("staged")
            write_journal(folder, COMMITTED, pairs)
        except OSError as error:
            roll_back(folder, pairs)
            raise write_error(folder, error, "nothing was written") from error
        try:
            move_in(folder, pairs)
        except OSError as error:
            raise write_error(
                folder, error, f"the next command on {folder} completes the writing ({JOURNAL})"
            ) from error


def finish(folder: Path) -> None:
    """Complete, or roll back, what a killed write left in `folder` (nothing if none)."""
    if not (folder / JOURNAL).exists() and not journal_draft(folder).exists():
        return
    try:
        with output_lock(folder):
            finish_locked(folder)
    except OSError as error:
        raise write_error(
            folder, error, f"an interrupted ingest is still open ({JOURNAL})"
        ) from error


def finish_locked(folder: Path) -> None:
    if journal_draft(folder).is_file():
        journal_draft(folder).unlink()  # a journal killed while being written
    path = folder / JOURNAL
    if not path.exists():
        return
    state, pairs = read_journal(folder)
    if state == COMMITTED:
        move_in(folder, pairs)
    else:
        roll_back(folder, pairs)


def move_in(folder: Path, pairs: list[tuple[Path, Path]]) -> None:
    """The committed renames not yet done, then the journal removed."""
    for number, (staged, target) in enumerate(pairs):
        if staged.is_file() and not staged.is_symlink():
            os.replace(staged, target)
            if number == 0:
                pause_for_tests("moving")
    for parent in {target.parent for _, target in pairs}:
        sync_folder(parent)
    (folder / JOURNAL).unlink()
    sync_folder(folder)


def roll_back(folder: Path, pairs: list[tuple[Path, Path]]) -> None:
    """Remove the staged files of a journal that never committed, then the journal."""
    for staged, _ in pairs:
        if not staged.is_symlink():
            staged.unlink(missing_ok=True)
    (folder / JOURNAL).unlink(missing_ok=True)
    if journal_draft(folder).is_file():
        journal_draft(folder).unlink()


def write_journal(folder: Path, state: str, pairs: list[tuple[Path, Path]]) -> None:
    record = {
        "written_by": "protocol packet builder",
        "state": state,
        "files": [
            {"staged": str(staged.relative_to(folder)), "target": str(target.relative_to(folder))}
            for staged, target in pairs
        ],
    }
    draft = journal_draft(folder)
    write_durably(draft, json.dumps(record, indent=1).encode("utf-8"))
    os.replace(draft, folder / JOURNAL)
    sync_folder(folder)


def read_journal(folder: Path) -> tuple[str, list[tuple[Path, Path]]]:
    """A journal's state and pairs; a problem line if it is not one this module wrote."""
    path = folder / JOURNAL
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        state = record["state"]
        pairs = [(folder / item["staged"], folder / item["target"]) for item in record["files"]]
        if state not in (PENDING, COMMITTED) or not all(map(is_pair, pairs)):
            raise ValueError(state)
    except (OSError, ValueError, KeyError, TypeError) as error:  # a folder, bytes, a list...
        message = (
            "not a journal the packet builder wrote (it records an unfinished `packet "
            "ingest`); move it out of the agency folder"
        )
        raise InputError([Problem(str(path), 1, 1, "", message)]) from error
    return state, [(staged, target) for staged, target in pairs]


def is_pair(pair: tuple[Path, Path]) -> bool:
    """A staged file beside its target, both named plainly inside the agency folder."""
    staged, target = pair
    match = STAGED.fullmatch(staged.name)
    return (
        ".." not in staged.parts
        and ".." not in target.parts
        and staged.parent == target.parent
        and match is not None
        and match["target"] == target.name
    )


def journal_draft(folder: Path) -> Path:
    return folder / f"{JOURNAL}.draft"


def write_durably(path: Path, data: bytes) -> None:
    try:
        with path.open("wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError as error:  # a failed write names no file of its own
        raise OSError(error.errno, error.strerror, str(path)) from error


def sync_folder(folder: Path) -> None:
    """Make the renames in `folder` survive a power loss."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def write_error(folder: Path, error: OSError, outcome: str) -> WriteError:
    where = Path(error.filename).parent if error.filename else folder
    return WriteError(f"{where}: cannot write there ({error.strerror or error}); {outcome}")


def pause_for_tests(point: str) -> None:
    if os.environ.get(PAUSE_IN_WRITE) == point:
        print(f"paused: {point}", file=sys.stderr, flush=True)
        time.sleep(60)
