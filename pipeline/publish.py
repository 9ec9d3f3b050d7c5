"""Writing output folders without ever losing a file the packet builder did not write.

Every folder the packet builder publishes carries a marker, `.packet-builder.json`, listing
each file it wrote with its SHA-256. A command may replace a folder only when it is missing,
empty, or carries that marker; it never writes into an agency's input folder, or into a folder
inside one. Files a person added to a packet folder (a note, a signed scan) are carried over
into the new packet. A packet is built aside and swapped in by one atomic exchange of the two
folders (Linux's renameat2), so the folder always holds a whole packet; where the file system
cannot exchange, by two renames, and a crash between them leaves the earlier packet under
`.<name>.old`, which the next run puts back before it does anything else. The marker also says
what the folder holds (`kind`) and whose it is (`of`): a packet replaces only the same
agency's packet. A run's staging folder carries a lock file held while the run lasts, so that
any later run beside it can tell a killed run's leftover (removed) from a running one's.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import PacketError, UsageError

MARKER = ".packet-builder.json"
LEGACY_MARKER = ".fingerprint"  # packets built before the marker carry this file
PROFILE = "profile.yaml"  # what makes a folder an agency's inputs
STAGING_MARK = ".staging-"  # `.<name>.staging-*` beside an output: a run's folder
STAGING_LOCK = ".packet-builder-staging"  # in a staging folder, locked while its run lasts
# Set by the tests only: seconds to wait between the two renames of a swap.
PAUSE_BETWEEN_RENAMES = "PACKET_BUILDER_TEST_PAUSE_IN_SWAP"


class OutputError(PacketError):
    """An output folder cannot be written (no permission, a full disk)."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_marker(folder: Path) -> dict | None:
    """The marker of a folder the packet builder wrote, or None."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def is_ours(folder: Path) -> bool:
    """True for a folder the packet builder wrote (its marker, or an older packet's)."""
    return read_marker(folder) is not None or (folder / LEGACY_MARKER).is_file()


def agency_above(folder: Path) -> Path | None:
    """The agency input folder that `folder` is, or sits inside, if any."""
    resolved = folder.resolve()
    for candidate in (resolved, *resolved.parents):
        if (candidate / PROFILE).is_file():
            return candidate
    return None


def check_folders_above(path: Path) -> None:
    """The nearest existing folder above `path` is a folder: a file there (`thesis.txt/packet`)
    is refused with one line, before any work."""
    for parent in path.absolute().parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise UsageError(f"{path}: {parent} is a file, not a folder; name another place")
            return


def check_destination(out: Path, kind: str = "packet", name: str | None = None) -> None:
    """Refuse, before any work, an output folder the packet builder may not replace (a
    `forms` folder is the one that may sit inside a packet folder): a packet replaces only a
    packet of the same agency (`name`), forms only forms."""
    if not out.name or ".." in out.parts:  # `.`, `..`, `/`: no folder of its own to replace
        raise UsageError(
            f"{out}: name the packet's own folder (for example outputs/<slug>), not `.` or `..`"
        )
    if out.resolve() in (Path.cwd(), *Path.cwd().parents):
        raise UsageError(f"{out} is the folder you are in, or holds it; name a folder of its own")
    check_folders_above(out)
    agency = agency_above(out)
    if agency is not None:
        where = "is" if agency == out.resolve() else "is inside"
        raise UsageError(
            f"{out} {where} the agency input folder {agency}; the packet builder never writes "
            "there: name a folder outside the inputs (the default is outputs/<slug> of the "
            "folder you run it from)"
        )
    for parent in out.resolve().parents:
        marker = read_marker(parent)
        if marker is not None and marker.get("kind") != "batch" and kind != "forms":
            raise UsageError(
                f"{out} is inside the packet folder {parent}; name a folder of its own"
            )
    if out.is_symlink():
        raise UsageError(f"{out} is a link; name a real folder")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file, not a folder; name a new or empty folder")
    if out.is_dir() and any(out.iterdir()) and not is_ours(out):
        raise UsageError(
            f"{out} holds files the packet builder did not write; name a new or empty folder"
        )
    marker = read_marker(out) or {}
    held = marker.get("kind", kind)
    if held != kind:
        raise UsageError(
            f"{out} holds {KINDS.get(held, held)} the packet builder wrote, not {KINDS[kind]}; "
            "name a folder of its own"
        )
    if name is not None and kind != "forms" and marker.get("of", name) != name:
        raise UsageError(
            f"{out} holds the packet of '{marker['of']}', not of '{name}'; name a folder of its own"
        )


KINDS = {"packet": "a packet", "forms": "respondent forms", "batch": "a batch's packets"}


def check_batch_root(root: Path) -> None:
    """A batch writes its report and one folder per agency into `root`: refuse a folder that
    holds anything else than those, .gitkeep and earlier packets."""
    check_folders_above(root)
    agency = agency_above(root)
    if agency is not None:
        raise UsageError(f"{root} is inside the agency input folder {agency}; name another")
    if not root.is_dir() or read_marker(root) is not None:
        return
    foreign = [
        entry.name
        for entry in root.iterdir()
        if not (entry.name == ".gitkeep" or entry.name.startswith(".") or is_ours(entry))
        and not (entry.is_dir() and not any(entry.iterdir()))
    ]
    if foreign:
        raise UsageError(
            f"{root} holds files the packet builder did not write ({', '.join(sorted(foreign)[:3])}"
            f"{'...' if len(foreign) > 3 else ''}); name a new or empty folder"
        )


def written_files(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under `folder` (the marker aside)."""
    return {
        str(path.relative_to(folder)): sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MARKER
    }


def write_marker(folder: Path, kind: str) -> None:
    """The marker of a finished folder: what it is (`kind`), of whom (the staging folder's
    name: the agency's slug, or the blank packet's), and every file it holds."""
    record = {
        "written_by": "protocol packet builder",
        "kind": kind,
        "of": folder.name,
        "files": written_files(folder),
    }
    (folder / MARKER).write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")


def mark_batch_root(root: Path, written: list[Path]) -> None:
    """The files a batch wrote beside its packet folders (its reports, zips), in the root's
    marker, with those of earlier batches."""
    files = dict((read_marker(root) or {"files": {}})["files"])
    files.update({str(path.relative_to(root)): sha256(path) for path in written})
    record = {"written_by": "protocol packet builder", "kind": "batch", "files": files}
    draft = root / f"{MARKER}.draft"  # replaced in one rename: a kill never leaves half of it
    draft.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(draft, root / MARKER)


AS_WRITTEN, CHANGED, MISSING = "as written", "changed", "missing"


def listed_files(folder: Path) -> dict[str, str]:
    """Each file the folder's marker lists, by name: as written, changed since, or missing."""
    states = {}
    for name, digest in (read_marker(folder) or {"files": {}})["files"].items():
        path = folder / name
        if not path.is_file():
            states[name] = MISSING
        else:
            states[name] = AS_WRITTEN if sha256(path) == digest else CHANGED
    return states


def is_whole(folder: Path) -> bool:
    """True when every file the marker lists is there with the content it was written with."""
    return read_marker(folder) is not None and all(
        state == AS_WRITTEN for state in listed_files(folder).values()
    )


def carry_over_added_files(out: Path, staging: Path) -> None:
    """Files and folders a person (or another command, `packet forms`) put into the packet
    folder, which this build did not write, go into the new packet as they are."""
    if not out.is_dir():
        return
    listed = set((read_marker(out) or {"files": {}})["files"])
    for path in sorted(out.rglob("*")):
        name = str(path.relative_to(out))
        if path.name == MARKER and path.parent == out or name in listed:
            continue
        target = staging / name
        if path.is_dir() or target.exists() or target.parent.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target, follow_symlinks=False)


def keep_edited_files(out: Path, staging: Path) -> None:
    """A file the packet builder wrote and a person then changed in place (policy.docx edited
    in Word) is the person's: it goes into the new packet beside the new file, as
    `policy.edited.docx` (`policy.edited-2.docx`...), and the command says so."""
    for name, state in listed_files(out).items():
        path = out / name
        if state != CHANGED or path.is_symlink():
            continue
        candidates = (
            path.with_name(f"{path.stem}.edited{'' if n == 1 else f'-{n}'}{path.suffix}")
            for n in range(1, 1000)
        )
        kept = next(candidate for candidate in candidates if not candidate.exists())
        target = staging / kept.relative_to(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        print(
            f"{path}: changed since the packet builder wrote it; kept as {kept} "
            "(read its edits in with `packet ingest`)",
            file=sys.stderr,
        )


def publish(staging: Path, out: Path, kind: str = "packet") -> None:
    """Swap a finished folder into place; the earlier one survives any failure, or a crash."""
    write_marker(staging, kind)
    keep_edited_files(out, staging)
    carry_over_added_files(out, staging)
    if out.is_dir() and exchange(staging, out):
        shutil.rmtree(staging)  # now the earlier packet; a crash here leaves only a leftover
        return
    retired = retired_folder(out)
    earlier = out.exists()
    if earlier:
        if retired.exists() or retired.is_symlink():  # not the builder's (recover left it)
            raise UsageError(f"{retired} is in the way of replacing {out}; move it elsewhere")
        out.rename(retired)
    pause = os.environ.get(PAUSE_BETWEEN_RENAMES)
    if pause:
        time.sleep(float(pause))
    staging.rename(out)
    if earlier:
        shutil.rmtree(retired)


def retired_folder(out: Path) -> Path:
    """Where the two-rename swap keeps the earlier folder until the new one is in place."""
    return out.with_name(f".{out.name}.old")


RENAME_EXCHANGE = 2  # linux/fs.h
AT_FDCWD = -100


def exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one step; False where the system or file system cannot."""
    if os.environ.get(PAUSE_BETWEEN_RENAMES):
        return False  # the tests hold the two-rename swap open to kill it there
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    done = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(code, os.strerror(code), str(second))


def recover(out: Path) -> None:
    """Put back what a run killed during a swap left: the earlier folder, if the new one never
    arrived; otherwise the earlier folder is removed. A folder of that name without the
    marker is not the packet builder's, and is left alone."""
    retired = retired_folder(out)
    if retired.is_symlink() or not retired.is_dir() or not is_ours(retired):
        return
    if out.exists():
        shutil.rmtree(retired)
    else:
        retired.rename(out)


def put_back(out: Path) -> None:
    """Recover an interrupted swap of `out` at once, if `out` is a folder the builder may use."""
    check_destination(out)
    if retired_folder(out).is_dir():
        with writable(out.parent), output_lock(out):
            recover(out)


@contextmanager
def staging_area(out: Path, name: str, kind: str = "packet") -> Iterator[Path]:
    """A temporary folder beside `out` for one build of `name`, removed however the build ends.

    The destination is checked first. Builds of the same output take turns. A build killed
    outright cannot remove its folder; the next run that writes beside it first recovers an
    interrupted swap, then removes what killed runs left there (clear_abandoned).
    """
    check_destination(out, kind, name)
    with writable(out.parent):
        out.parent.mkdir(parents=True, exist_ok=True)
        with output_lock(out):
            recover(out)
            clear_abandoned(out.parent)
            with staging_folder(out.parent, f".{name}{STAGING_MARK}") as work:
                yield work


@contextmanager
def staging_folder(parent: Path, prefix: str) -> Iterator[Path]:
    """A new hidden folder in `parent`, marked as the packet builder's and locked for as long as
    this run lasts (a lock ends with its process, however it ends)."""
    while True:
        work = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
        try:
            handle = (work / STAGING_LOCK).open("w")
        except FileNotFoundError:
            continue  # another run removed it while empty, as a killed run's: make another
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            marker = work / STAGING_LOCK
            if not marker.exists() or os.stat(marker).st_ino != os.fstat(handle.fileno()).st_ino:
                shutil.rmtree(work, ignore_errors=True)  # removed before it was locked
                continue
            try:
                yield work
            finally:
                shutil.rmtree(work, ignore_errors=True)
            return


@contextmanager
def replaced_whole(target: Path) -> Iterator[Path]:
    """A path to write `target`'s new content to; it replaces `target` in one rename once
    written, and a run killed before leaves `target` as it was."""
    with staging_folder(target.parent, f".{target.name}{STAGING_MARK}") as work:
        partial = work / target.name
        yield partial
        os.replace(partial, target)


def check_new_file(target: Path) -> None:
    """A single file a command writes (`diff --docx`) is a new one: an existing file is never
    overwritten, nor is one written into an agency's inputs."""
    check_folders_above(target)
    agency = agency_above(target.parent)
    if agency is not None:
        raise UsageError(f"{target} is inside the agency input folder {agency}; name another")
    if target.exists() or target.is_symlink():
        raise UsageError(f"{target} already exists; name a new file (it is never overwritten)")


def clear_abandoned(parent: Path) -> None:
    """Remove the staging folders that killed runs left in `parent`: only folders the packet
    builder marked whose run has ended, and empty ones (a run that finds its new folder gone
    before it marked it makes another)."""
    for leftover in parent.glob(f".*{STAGING_MARK}*"):
        if leftover.is_symlink() or not leftover.is_dir():
            continue
        if not any(leftover.iterdir()):
            with contextlib.suppress(OSError):
                leftover.rmdir()
        elif is_abandoned(leftover):
            shutil.rmtree(leftover, ignore_errors=True)


def is_abandoned(staging: Path) -> bool:
    """True for a staging folder the packet builder marked, whose run no longer holds it."""
    marker = staging / STAGING_LOCK
    if marker.is_symlink() or not marker.is_file():
        return False  # not one of the packet builder's: left alone
    with marker.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


@contextmanager
def writable(folder: Path) -> Iterator[None]:
    """An output that cannot be written is a clear error naming the folder, not a traceback."""
    try:
        yield
    except PermissionError as error:
        raise OutputError(
            f"{folder}: cannot write there (permission denied); the earlier outputs are as "
            "they were"
        ) from error
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG):
            close_quietly(error)
            raise OutputError(
                f"{folder}: cannot write there ({error.strerror}); the earlier outputs are as "
                "they were"
            ) from error
        raise


def close_quietly(error: OSError) -> None:
    """Close now the files a full disk stopped mid-write (python-docx leaves its zip open on a
    failed save): closing them fails the same way, which would print a traceback at exit."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        traceback.clear_frames(error.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """An exclusive lock on one output folder, kept outside it (nothing stray lands there)."""
    folder = Path(tempfile.gettempdir()) / f"packet-builder-locks-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:24]
    with (folder / f"{key}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def ends_with_parent(parent: int) -> None:
    """Start of a worker process: it is killed when the run that forked it dies, however that
    dies. A worker left behind by a run killed outright would otherwise wait forever, holding
    the locks it inherited, and the next run would wait for it."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (AttributeError, OSError):
        return  # not Linux: the worker ends when it next reads from the run
    if os.getppid() != parent:  # the run died before the request was made
        os._exit(1)


FORK = "fork"  # a forked process starts at once, with everything already imported


@contextmanager
def second_process(use: bool = True) -> Iterator[ProcessPoolExecutor | None]:
    """One forked worker for part of a build's work (None when `use` is false). A build that
    is stopped meanwhile kills it: its pool, interrupted, may never tell the worker to end, and
    the run would wait for it on the way out (a stopped build that never ended)."""
    if not use:
        yield None
        return
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(
        1, multiprocessing.get_context(FORK), ends_with_parent, (os.getpid(),)
    )
    try:
        yield pool
    except BaseException:
        for worker in set(multiprocessing.active_children()) - before:  # the pool's own
            worker.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def clean(root: Path) -> list[Path]:
    """Remove every packet under `root` as the packet builder wrote it (`make clean`): the files
    its markers list, unchanged, and folders left empty. What a person added or changed stays;
    return those paths."""
    kept: list[Path] = []
    for parent in {leftover.parent for leftover in root.rglob(f".*{STAGING_MARK}*")}:
        clear_abandoned(parent)  # what killed builds left
    for marker_path in sorted(root.rglob(MARKER), key=lambda p: -len(p.parts)):
        folder = marker_path.parent
        for name, state in listed_files(folder).items():
            if state == AS_WRITTEN and not (folder / name).is_symlink():
                (folder / name).unlink()
        marker_path.unlink()
    for path in sorted(root.rglob("*"), key=lambda p: -len(p.parts)):
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
        elif not path.is_dir() and path.name != ".gitkeep":
            kept.append(path)
    return sorted(kept)


if __name__ == "__main__":  # make clean
    for left in clean(Path(sys.argv[1])):
        print(f"kept (not written by the packet builder, or changed since): {left}")
