"""Stage 6 (for compliance officers): immutable yearly versions, as BagIt bags with a manifest."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import bagit

from pipeline.build import FINGERPRINT, build_packet
from pipeline.content import CONTENT_DIR
from pipeline.errors import ArchiveError, UsageError
from pipeline.load import agency_folder
from pipeline.render import TEMPLATE_DIR

MANIFEST = "manifest.json"
SUMMARY = "summary.json"
VERSION_NAME = re.compile(r"^(?P<year>\d{4})(-r(?P<revision>\d+))?$")
SCHEMA_DIR = Path(__file__).parent / "schemas"


@dataclass(frozen=True)
class ArchivedVersion:
    path: Path
    name: str
    manifest: dict[str, Any]


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


def archive_packet(
    inputs: Path, year: int, root: Path, note: str | None = None, revision: str | None = None
) -> ArchivedVersion:
    """Build and store the year's version; never overwrite, only add a revision beside it."""
    if not 1900 <= year <= 2999:
        raise UsageError(f"{year} is not a year to archive")
    folder = agency_folder(inputs)
    target_root = agency_root(root, folder.name)
    with agency_lock(target_root):
        clear_unfinished(target_root)
        name = next_version_name(target_root, year, revision)
        with tempfile.TemporaryDirectory(prefix=".incoming-", dir=target_root) as work:
            bag_dir = Path(work) / name
            write_version(folder, bag_dir, name, year, note, revision)
            make_read_only(bag_dir)
            bag_dir.rename(target_root / name)
    return read_version(target_root / name)


def clear_unfinished(target_root: Path) -> None:
    """Remove what an interrupted archive left: it never became a version."""
    for leftover in target_root.glob(".incoming-*"):
        make_writable(leftover)
        shutil.rmtree(leftover)


def next_version_name(target_root: Path, year: int, revision: str | None) -> str:
    if not (target_root / str(year)).exists():
        if revision:
            raise UsageError(f"{year} has not been archived yet; archive it without --revision")
        return str(year)
    if not revision:
        raise UsageError(
            f"{target_root / str(year)} already exists and is never overwritten; "
            "to store a corrected version beside it, give --revision with the reason"
        )
    number = 2
    while (target_root / f"{year}-r{number}").exists():
        number += 1
    return f"{year}-r{number}"


def write_version(
    inputs: Path, bag_dir: Path, name: str, year: int, note: str | None, revision: str | None
) -> None:
    """Packet (PDF/A), inputs copy and summary as the bag's payload; manifest.json as a tag file."""
    payload = bag_dir / "packet"
    result = build_packet(inputs, payload, pdf=True, pdfa=True)
    stray = sorted(set(payload.iterdir()) - {*result.files, payload / FINGERPRINT})
    if stray:  # an archived version never changes, so nothing it should not hold goes in
        raise ArchiveError(
            f"the build left files it did not write: {', '.join(p.name for p in stray)}; "
            "nothing was archived"
        )
    copied = bag_dir / "inputs"
    for path in result.inputs:
        destination = copied / path.relative_to(inputs)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    (bag_dir / SUMMARY).write_text(
        json.dumps(packet_summary(result.context), indent=2, sort_keys=True)
    )
    agency = result.context["agency"]
    archived_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    bag = bagit.make_bag(
        str(bag_dir),
        {
            "Source-Organization": agency["legal_name"],
            "External-Identifier": f"{result.slug}/{name}",
            "External-Description": f"Human trafficking response packet {year}",
            "Bagging-Date": archived_at[:10],
            **({"Internal-Sender-Description": note} if note else {}),
        },
        checksums=["sha256"],
    )
    files = {
        str(path.relative_to(bag_dir)): {"sha256": sha256(path), "size": path.stat().st_size}
        for path in sorted((bag_dir / "data").rglob("*"))
        if path.is_file()
    }
    manifest = {
        "agency": result.slug,
        "agency_name": agency["legal_name"],
        "version": name,
        "year": year,
        "revision_reason": revision,
        "packet_date": result.context["packet"]["date"],
        "archived_at": archived_at,
        "note": note,
        "tool_version": package_version("protocol-packet-builder"),
        "files": files,
        "templates": hashes(TEMPLATE_DIR, "*.docx"),
        "content": hashes(CONTENT_DIR, "*.yaml"),
        "schemas": hashes(SCHEMA_DIR, "*.json"),
    }
    (bag_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    bag.save(manifests=True)  # the tag manifest now covers manifest.json too


def hashes(folder: Path, pattern: str) -> dict[str, str]:
    return {path.name: sha256(path) for path in sorted(folder.glob(pattern))}


def packet_summary(context: dict[str, Any]) -> dict[str, Any]:
    """The facts `packet diff` compares between years."""
    directory = context["directory"]
    training = context["training"]
    return {
        "packet": context["packet"],
        "policy_number": context["governance"]["policy_number"],
        "assessment": {
            "completed": context["assessment"]["completed"],
            "ratings": {
                str(domain["number"]): {"title": domain["title"], "mean": domain["rating"]["mean"]}
                for domain in context["assessment"]["rated_domains"]
            },
        },
        "directory": [
            {key: value for key, value in entry.items() if key not in ("stale", "national")}
            for group in directory["groups"]
            for category in group["categories"]
            for entry in category["entries"]
        ],
        "training": {
            "compliant_count": training["compliant_count"],
            "staff_count": training["staff_count"],
            "compliant_percent": training["compliant_percent"],
            "people": {
                person["name"]: {s["topic"]["title"]: s["label"] for s in person["statuses"]}
                for person in training["people"]
            },
        },
    }


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
    return ArchivedVersion(path, path.name, json.loads(manifest_path.read_text()))


def versions(target_root: Path) -> list[ArchivedVersion]:
    """An agency's archived versions, oldest year first, revisions after their year."""
    found = []
    for path in target_root.iterdir() if target_root.is_dir() else []:
        match = VERSION_NAME.match(path.name)
        if match and (path / MANIFEST).is_file():
            found.append((int(match["year"]), int(match["revision"] or 1), read_version(path)))
    return [version for *_, version in sorted(found, key=lambda item: item[:2])]


def find_version(root: Path, slug: str, name: str) -> ArchivedVersion:
    """A version by year (its latest revision) or by exact name such as 2026-r2."""
    target_root = agency_root(root, slug)
    if not target_root.is_dir():
        raise UsageError(f"no archive for '{slug}' under {root}")
    matching = [v for v in versions(target_root) if v.name == name or v.name.split("-r")[0] == name]
    if not matching:
        raise UsageError(f"'{slug}' has no archived version {name} under {root}")
    return matching[-1]


@dataclass
class Verification:
    path: Path
    problems: list[str]

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(path: Path) -> list[Verification]:
    """Re-hash every archived version at or under `path`."""
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    bags = (
        [path]
        if (path / "bagit.txt").exists()
        else sorted(
            found.parent
            for found in path.rglob("bagit.txt")
            if not found.parent.name.startswith(".") and ".incoming-" not in str(found)
        )
    )
    if not bags:
        raise UsageError(f"no archived versions found at {path}")
    return [verify_bag(bag) for bag in bags]


def verify_bag(bag_dir: Path) -> Verification:
    """Every payload and tag file against the bag's manifests, then bagit's own checks."""
    listed = {
        **read_manifest(bag_dir / "manifest-sha256.txt"),
        **read_manifest(bag_dir / "tagmanifest-sha256.txt"),
    }
    present = {
        str(path.relative_to(bag_dir))
        for path in bag_dir.rglob("*")
        if path.is_file() and not path.name.startswith("tagmanifest-")
    }
    locks = {name for name in present if is_lock_file(Path(name).name)}
    # Listed or not: archives made before conversions stopped leaving lock files may list one.
    problems = [
        f"LibreOffice lock file (holds a user name, host name and profile path): {name}"
        for name in sorted(locks)
    ]
    problems += [f"missing: {name}" for name in sorted(set(listed) - present)]
    problems += [f"unexpected file: {name}" for name in sorted(present - set(listed) - locks)]
    problems += [
        f"altered: {name}"
        for name in sorted(set(listed) & present)
        if sha256(bag_dir / name) != listed[name]
    ]
    if not problems:
        try:
            bagit.Bag(str(bag_dir)).validate()
        except bagit.BagError as error:
            problems.append(f"not a valid bag: {error}")
    return Verification(bag_dir, problems)


def is_lock_file(name: str) -> bool:
    """LibreOffice's `.~lock.<document>#`, left beside a document it had open."""
    return name.startswith(".~lock") or name.endswith("#")


def read_manifest(path: Path) -> dict[str, str]:
    """`<sha256> <path>` lines of a BagIt manifest, as path -> hash."""
    if not path.is_file():
        return {}
    entries = (line.split(maxsplit=1) for line in path.read_text().splitlines() if line.strip())
    return {name.strip(): digest for digest, name in entries}
