"""An archive's versions as they lie on disk: each a BagIt bag named by its year (2026, 2026-r2),
read, listed and shown as a history."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.errors import ArchiveError, UsageError

MANIFEST = "manifest.json"


SUMMARY = "summary.json"


TAG_MANIFEST = "tagmanifest-sha256.txt"


SHA256_HEX = re.compile(r"[0-9a-f]{64}")


VERSION_NAME = re.compile(r"^(?P<year>\d{4})(-r(?P<revision>\d+))?$")


SCHEMA_DIR = Path(__file__).parent.parent / "schemas"


SIGNED_PDF = Path("data") / "packet" / "bundle.pdf"


@dataclass(frozen=True)
class ArchivedVersion:
    path: Path
    name: str
    manifest: dict[str, Any]
    damage: str | None = None  # why manifest.json could not be read (then the manifest is {})

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the tag manifest, which hashes every other manifest, so every file."""
        return sha256(self.path / TAG_MANIFEST)

    @property
    def year(self) -> int:
        return int(VERSION_NAME.match(self.name)["year"])

    @property
    def revision(self) -> int:
        """1 for a year's original, 2 for its first correction, and so on."""
        return int(VERSION_NAME.match(self.name)["revision"] or 1)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def agency_root(root: Path, slug: str) -> Path:
    """`root/slug`, refused if the slug would lead outside the archive root."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", slug):
        raise UsageError(f"'{slug}' is not a valid agency slug")
    return root / slug


@contextlib.contextmanager
def agency_lock(folder: Path) -> Iterator[None]:
    """Only one archive command per agency at a time; the lock goes with the process."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise ArchiveError(
                f"another archive command is writing {folder} right now; try again when it ends"
            ) from error
        yield


def as_json(value: Any) -> str:
    """Dates (a directory entry's check date, say) as YYYY-MM-DD in summary.json."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written to {SUMMARY}")


def hashes(folder: Path, pattern: str) -> dict[str, str]:
    return {path.name: sha256(path) for path in sorted(folder.glob(pattern))}


def make_read_only(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:
        mode = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
        if path.is_dir():
            mode |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
        os.chmod(path, mode)


def make_writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, stat.S_IRWXU)


def read_version(path: Path) -> ArchivedVersion:
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise ArchiveError(f"{path} is not an archived version (no {MANIFEST})")
    manifest, damage = read_manifest_json(manifest_path)
    return ArchivedVersion(path, path.name, manifest, damage)


def read_manifest_json(path: Path) -> tuple[dict[str, Any], str | None]:
    """A version's manifest.json, or {} and what is wrong with it (damage is reported, never a
    traceback). A missing file is an empty manifest."""
    if not path.is_file():
        return {}, None
    try:
        manifest = json.loads(path.read_bytes())
    except (ValueError, OSError) as error:  # JSONDecodeError and UnicodeDecodeError among them
        return {}, f"{MANIFEST} cannot be read ({error})"
    if not isinstance(manifest, dict):
        return {}, f"{MANIFEST} holds {type(manifest).__name__}, not a set of fields"
    return manifest, None


def versions(target_root: Path) -> list[ArchivedVersion]:
    """An agency's archived versions, oldest year first, revisions after their year."""
    found = []
    for path in target_root.iterdir() if target_root.is_dir() else []:
        match = VERSION_NAME.match(path.name)
        if match and (path / MANIFEST).is_file():
            found.append((int(match["year"]), int(match["revision"] or 1), read_version(path)))
    return [version for *_, version in sorted(found, key=lambda item: item[:2])]


def find_version(root: Path, slug: str, name: str) -> ArchivedVersion:
    """A version by its name: `2026` or `2026-r1` for the year's original, `2026-r2` after.

    A name always means the same version: a bare year is the original even once it has been
    corrected, as in the folder's name, the manifest and the ledger.
    """
    target_root = agency_root(root, slug)
    if not target_root.is_dir():
        raise UsageError(f"no archive for '{slug}' under {root}")
    match = VERSION_NAME.match(name)
    wanted = (int(match["year"]), int(match["revision"] or 1)) if match else None
    for version in versions(target_root):
        if (version.year, version.revision) == wanted:
            return version
    raise UsageError(f"'{slug}' has no archived version {name} under {root}")


def superseded_by(version: ArchivedVersion, others: list[ArchivedVersion]) -> str | None:
    """The name of the year's latest revision, when it is not `version` itself."""
    same_year = [other for other in others if other.year == version.year]
    latest = max(same_year, key=lambda other: other.revision, default=version)
    return latest.name if latest.revision > version.revision else None


def is_lock_file(name: str) -> bool:
    """LibreOffice's `.~lock.<document>#`, left beside a document it had open."""
    return name.startswith(".~lock") or name.endswith("#")


def read_manifest(path: Path) -> tuple[dict[str, str], list[str]]:
    """`<sha256> <path>` lines of a BagIt manifest, as path -> hash, and its lines that are not
    such a line."""
    if not path.is_file():
        return {}, []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, OSError) as error:
        return {}, [f"{path.name}: cannot be read ({error})"]
    listed, problems = {}, []
    for number, line in enumerate(lines, start=1):
        digest, _, name = line.strip().partition(" ")
        if not line.strip():
            continue
        if not SHA256_HEX.fullmatch(digest) or not name.strip():
            problems.append(f"{path.name}:{number}: not a '<sha256> <file>' line: {line[:80]!r}")
            continue
        listed[name.strip()] = digest
    return listed, problems
