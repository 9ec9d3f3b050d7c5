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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import bagit

from pipeline.build import BOOKKEEPING, build_agency
from pipeline.content import CONTENT_DIR
from pipeline.convert import claimed_conformance
from pipeline.errors import ArchiveError, UsageError
from pipeline.load import PROFILE, AgencyInputs, load_agency
from pipeline.publish import agency_above, check_folders_above, is_ours
from pipeline.render import TEMPLATE_DIR
from pipeline.style import HouseStyle, default_style, is_default

MANIFEST = "manifest.json"
SUMMARY = "summary.json"
TAG_MANIFEST = "tagmanifest-sha256.txt"
SHA256_HEX = re.compile(r"[0-9a-f]{64}")
LEDGER = "ledger.tsv"
LEDGER_COLUMNS = ("version", "tagmanifest_sha256", "archived_at", "recorded_at")
VERSION_NAME = re.compile(r"^(?P<year>\d{4})(-r(?P<revision>\d+))?$")
SCHEMA_DIR = Path(__file__).parent / "schemas"
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


@dataclass(frozen=True)
class LedgerEntry:
    version: str
    fingerprint: str
    archived_at: str
    recorded_at: str


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
    inputs: Path,
    year: int | None,
    root: Path,
    note: str | None = None,
    revision: str | None = None,
    fiscal_year: bool = False,
    signer: Any = None,
    style: HouseStyle | None = None,
) -> ArchivedVersion:
    """Build and store the year's version; never overwrite, only add a revision beside it.

    The year is the packet date's unless `fiscal_year` says the agency files by fiscal year.
    The version's fingerprint goes into the agency's ledger; the fingerprint of the version
    archived before it goes into its manifest and onto its approval page (a chain).
    """
    check_archive_root(root)
    agency = load_agency(inputs)  # once: its packet date settles the year, then it is built
    folder = agency.folder
    packet_date = agency.profile["packet"]["date"]
    year = archive_year(year, packet_date, folder / PROFILE, fiscal_year)
    target_root = agency_root(root, folder.name)
    with agency_lock(target_root):
        clear_unfinished(target_root)
        name = next_version_name(target_root, year, revision)
        ledger = record_unlisted_versions(target_root)
        previous = ledger[-1] if ledger else None
        record = {
            "agency": folder.name,
            "version": name,
            "fiscal_year": fiscal_year,
            "previous": {"version": previous.version, "fingerprint": previous.fingerprint}
            if previous
            else None,
        }
        with tempfile.TemporaryDirectory(prefix=".incoming-", dir=target_root) as work:
            bag_dir = Path(work) / name
            write_version(agency, bag_dir, record, year, note, revision, signer, style)
            make_read_only(bag_dir)
            bag_dir.rename(target_root / name)
        version = read_version(target_root / name)
        append_to_ledger(target_root, version)
    return version


def check_archive_root(root: Path) -> None:
    """An archive sits outside every agency's inputs (else the next version would copy the
    archive into itself) and outside every packet folder (each rebuild would carry it over)."""
    check_folders_above(root)
    agency = agency_above(root)
    if agency is not None:
        raise UsageError(
            f"{root} is inside the agency input folder {agency}; keep the archive outside the "
            "inputs (the default is archive/)"
        )
    for folder in (root.resolve(), *root.resolve().parents):
        if is_ours(folder):
            raise UsageError(
                f"{root} is inside the folder {folder} the packet builder writes and replaces; "
                "keep the archive outside it (the default is archive/)"
            )


def archive_year(asked: int | None, packet_date: str, profile: Path, fiscal_year: bool) -> int:
    """The year to file a version under: the packet date's, or a fiscal year said explicitly."""
    packet_year = int(packet_date[:4])
    if asked is None:
        if fiscal_year:
            raise UsageError("--fiscal-year needs --year, the fiscal year to file the packet under")
        return packet_year
    if not 1900 <= asked <= 2999:
        raise UsageError(f"{asked} is not a year to archive")
    if asked == packet_year or (fiscal_year and abs(asked - packet_year) == 1):
        return asked
    if fiscal_year:
        raise UsageError(
            f"--year {asked} is more than a year from the packet date {packet_date} "
            f"({profile}: packet.date); a fiscal year is the calendar year or one next to it"
        )
    raise UsageError(
        f"--year {asked} is not the year of the packet date {packet_date} "
        f"({profile}: packet.date), and an archived year is permanent. To archive this packet "
        f"as {packet_year}, leave out --year; if it belongs to {asked}, correct packet.date "
        f"first; if the agency files by fiscal year and {asked} is that fiscal year, add "
        "--fiscal-year"
    )


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
    agency: AgencyInputs,
    bag_dir: Path,
    record: dict[str, Any],
    year: int,
    note: str | None,
    revision: str | None,
    signer: Any = None,
    style: HouseStyle | None = None,
) -> None:
    """Packet (PDF/A), inputs copy and summary as the bag's payload; manifest.json as a tag file.

    `record` (agency, version name, previous version's fingerprint) is shown on the approval
    page; with a `signer`, bundle.pdf is signed before anything is hashed.
    """
    name = record["version"]
    payload = bag_dir / "packet"
    result = build_agency(
        agency, payload, pdf=True, pdfa=True, extra_context={"archive": record}, style=style
    )
    stray = sorted(set(payload.iterdir()) - {*result.files, *(payload / n for n in BOOKKEEPING)})
    if stray:  # an archived version never changes, so nothing it should not hold goes in
        raise ArchiveError(
            f"the build left files it did not write: {', '.join(p.name for p in stray)}; "
            "nothing was archived"
        )
    signature = None
    if signer is not None:
        from pipeline.sign import certificate_sha256, sign_pdf, signer_name

        sign_pdf(payload / "bundle.pdf", signer, f"Archived version {result.slug}/{name}")
        signature = {
            "signer": signer_name(signer),
            "certificate_sha256": certificate_sha256(signer.signing_cert),
        }
    copied = bag_dir / "inputs"
    for path in result.inputs:
        destination = copied / path.relative_to(agency.folder)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
    (bag_dir / SUMMARY).write_text(
        json.dumps(packet_summary(result.context), indent=2, sort_keys=True, default=as_json)
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
        str(path.relative_to(bag_dir)): {
            "sha256": sha256(path),
            "size": path.stat().st_size,
            # What each PDF's metadata declares it meets (the tests check it does).
            **({"conformance": claimed_conformance(path)} if path.suffix == ".pdf" else {}),
        }
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
        "fiscal_year": record["fiscal_year"],
        "previous": record["previous"],
        "signature": signature,
        "style": style_record(result.style),
        # The agency's own wording (inputs/wording.yaml, archived with the inputs), by change.
        "wording": wording_record(result.context.get("wording")),
        "tool_version": package_version("protocol-packet-builder"),
        "files": files,
        "templates": hashes(TEMPLATE_DIR, "*.docx"),
        "content": hashes(CONTENT_DIR, "*.yaml"),
        "schemas": hashes(SCHEMA_DIR, "*.json"),
    }
    (bag_dir / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    bag.save(manifests=True)  # the tag manifest now covers manifest.json too


def wording_record(wording) -> list[dict[str, str]]:
    """Each of the agency's changes to the standard text: what it does, where, and why."""
    if wording is None:
        return []
    return [
        {
            "change": change.action,
            "ref": change.ref,
            **({"note": change.note} if change.note else {}),
        }
        for change in wording.changes
    ]


def style_record(style: HouseStyle | None) -> dict[str, str]:
    """Which reference document gave the version its look: its file name and SHA-256."""
    used = default_style() if is_default(style) else style
    name = "pipeline/templates/reference.docx" if is_default(style) else used.path.name
    return {"file": name, "sha256": used.digest}


def as_json(value: Any) -> str:
    """Dates (a directory entry's check date, say) as YYYY-MM-DD in summary.json."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written to {SUMMARY}")


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


DAMAGED, MISSING = "DAMAGED", "MISSING"
HISTORY_COLUMNS = ("version", "packet date", "archived", "status", "revision reason", "note")


def history_rows(root: Path, slug: str) -> list[tuple[str, ...]]:
    """A header and one row per version, oldest first: the table `packet history` prints."""
    found = versions(agency_root(root, slug))
    lost = lost_versions({agency_root(root, slug)})
    if not found and not lost:
        raise UsageError(f"no archived versions of '{slug}' under {root}")
    rows = [HISTORY_COLUMNS]
    for version in found:
        manifest, later = version.manifest, superseded_by(version, found)
        status = f"superseded by {later}" if later else "current"
        rows.append(
            (
                version.name,
                _shown(manifest.get("packet_date")),
                _shown(manifest.get("archived_at")),
                f"{DAMAGED}: {version.damage}" if version.damage else status,
                _shown(manifest.get("revision_reason")),
                _shown(manifest.get("note")),
            )
        )
    gone = [name for ledger in lost for name in ledger.names]
    rows += [(name, "-", "-", f"{MISSING}: the ledger lists it", "-", "-") for name in gone]
    return rows


def damaged_rows(rows: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The history rows of versions whose manifest is damaged or whose folder is gone."""
    return [row for row in rows[1:] if row[3].startswith((DAMAGED, MISSING))]


def _shown(value: object) -> str:
    return str(value) if value else "-"


def superseded_by(version: ArchivedVersion, others: list[ArchivedVersion]) -> str | None:
    """The name of the year's latest revision, when it is not `version` itself."""
    same_year = [other for other in others if other.year == version.year]
    latest = max(same_year, key=lambda other: other.revision, default=version)
    return latest.name if latest.revision > version.revision else None


def ledger_path(target_root: Path) -> Path:
    return target_root / LEDGER


def read_ledger(target_root: Path) -> tuple[list[LedgerEntry], list[str]]:
    """The ledger's entries in the order they were written, and any line that is not one."""
    path = ledger_path(target_root)
    if not path.is_file():
        return [], []
    entries, problems = [], []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        cells = line.split("\t")
        if number == 1 and tuple(cells) == LEDGER_COLUMNS or not line.strip():
            continue
        if len(cells) != len(LEDGER_COLUMNS) or not re.fullmatch(r"[0-9a-f]{64}", cells[1]):
            problems.append(f"{path}:{number}: not a ledger line: {line!r}")
            continue
        entries.append(LedgerEntry(*cells))
    return entries, problems


def append_to_ledger(target_root: Path, version: ArchivedVersion, recorded_at: str = "") -> None:
    """Add a line for `version`; lines are only ever added, and the file is kept read-only."""
    path = ledger_path(target_root)
    recorded_at = recorded_at or datetime.now(UTC).replace(microsecond=0).isoformat()
    line = "\t".join(
        (version.name, version.fingerprint, version.manifest["archived_at"], recorded_at)
    )
    new = not path.exists()
    if not new:
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    with path.open("a") as ledger:
        if new:
            ledger.write("\t".join(LEDGER_COLUMNS) + "\n")
        ledger.write(line + "\n")
        ledger.flush()
        os.fsync(ledger.fileno())
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def record_unlisted_versions(target_root: Path) -> list[LedgerEntry]:
    """Enter intact versions the ledger lacks (archived before ledgers were kept, or by a run
    stopped just before its entry); return the ledger's entries."""
    entries, _ = read_ledger(target_root)
    listed = {entry.version for entry in entries}
    unlisted = [version for version in versions(target_root) if version.name not in listed]
    for version in sorted(unlisted, key=lambda version: str(version.manifest.get("archived_at"))):
        if verify_bag(version.path).intact:  # a damaged version is not vouched for
            append_to_ledger(target_root, version)
    return read_ledger(target_root)[0] if unlisted else entries


@dataclass
class Verification:
    path: Path
    problems: list[str]
    fingerprint: str | None = None
    notes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the versions a ledger lists that are gone

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(
    path: Path, expect: str | None = None, trusted: list | None = None
) -> list[Verification]:
    """Re-hash every archived version at or under `path`, and check each against its agency's
    ledger, the fingerprint the version after it recorded, its signature, and `expect`."""
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    bags = (
        [path]
        if (path / "bagit.txt").exists()
        else sorted(found.parent for found in archive_files(path, "bagit.txt"))
    )
    ledgers = {found.parent for found in archive_files(path, LEDGER)}
    if not bags and not ledgers:
        raise UsageError(f"no archived versions found at {path}")
    if expect is not None and len(bags) != 1:
        raise UsageError(
            f"--expect checks one version, and {path} holds {len(bags)}; "
            "give the version's folder, such as archive/<slug>/2026"
        )
    results = []
    for bag in bags:
        result = verify_bag(bag, trusted)
        problems, notes = anchor_findings(bag)
        result.problems += problems
        result.notes += notes
        if expect is not None and result.fingerprint != expect.strip().lower():
            result.problems.append(
                f"fingerprint {result.fingerprint} is not the expected {expect.strip()}"
            )
        results.append(result)
    if not (path / "bagit.txt").exists():
        results += lost_versions({bag.parent for bag in bags} | ledgers)
    return results


SEARCH_DEPTH = 4  # an archive root's versions sit two folders down: root/<slug>/<version>


def archive_files(path: Path, name: str) -> list[Path]:
    """The files called `name` in `path` and the folders below it, to SEARCH_DEPTH, hidden
    folders (an unfinished `.incoming-*`) and links left out and unreadable folders skipped:
    `verify /` answers in a moment, never with a traceback."""
    found = []
    for root, folders, files in os.walk(path, onerror=lambda error: None):
        depth = len(Path(root).relative_to(path).parts)
        folders[:] = [] if depth >= SEARCH_DEPTH else sorted(f for f in folders if f[0] != ".")
        if name in files and not Path(root, name).is_symlink():
            found.append(Path(root, name))
    return found


def anchor_findings(bag_dir: Path) -> tuple[list[str], list[str]]:
    """The version's fingerprint against its agency's ledger, and the fingerprint of the
    version before it against the one this version recorded when it was archived.

    A version folder (named like 2026 or 2026-r2) must have its agency's ledger beside it; a
    copy kept under another name (sent to an auditor, say) is checked with --expect instead.
    """
    if not VERSION_NAME.match(bag_dir.name):
        return [], ["not in an agency's archive folder: no ledger to compare with (use --expect)"]
    target_root = bag_dir.parent
    fingerprint = sha256(bag_dir / TAG_MANIFEST) if (bag_dir / TAG_MANIFEST).is_file() else ""
    entries, problems = read_ledger(target_root)
    recorded = {entry.fingerprint for entry in entries if entry.version == bag_dir.name}
    if not ledger_path(target_root).is_file():
        problems.append(f"no ledger: {ledger_path(target_root)} does not exist")
    elif not recorded:
        problems.append(f"not in the ledger {ledger_path(target_root)}")
    elif recorded != {fingerprint}:
        problems.append(
            f"fingerprint {fingerprint} differs from the ledger's {', '.join(sorted(recorded))}"
        )
    manifest, _ = read_manifest_json(bag_dir / MANIFEST)  # its damage is verify_bag's finding
    previous = manifest.get("previous")
    if not isinstance(previous, dict) or not {"version", "fingerprint"} <= set(previous):
        previous = None
    if previous:
        earlier = target_root / previous["version"] / TAG_MANIFEST
        now = sha256(earlier) if earlier.is_file() else "nothing (the version is gone)"
        if now != previous["fingerprint"]:
            problems.append(
                f"this version recorded {previous['version']}'s fingerprint as "
                f"{previous['fingerprint']}, and it is now {now}: {previous['version']} was "
                "changed after this version was archived"
            )
    return problems, []


def lost_versions(agency_roots: set[Path]) -> list[Verification]:
    """Versions a ledger lists that are no longer there."""
    results = []
    for target_root in sorted(agency_roots):
        entries, _ = read_ledger(target_root)
        gone = sorted({e.version for e in entries if not (target_root / e.version).is_dir()})
        if gone:
            problems = [f"the ledger lists {name}, which is not in the archive" for name in gone]
            results.append(Verification(ledger_path(target_root), problems, names=gone))
    return results


def verify_bag(bag_dir: Path, trusted: list | None = None) -> Verification:
    """Every payload and tag file against the bag's manifests, then bagit's own checks."""
    payload, payload_problems = read_manifest(bag_dir / "manifest-sha256.txt")
    tags, tag_problems = read_manifest(bag_dir / TAG_MANIFEST)
    listed = {**payload, **tags}
    present = {
        str(path.relative_to(bag_dir))
        for path in bag_dir.rglob("*")
        if path.is_file() and str(path.relative_to(bag_dir)) != TAG_MANIFEST
    }
    locks = {name for name in present if is_lock_file(Path(name).name)}
    # Listed or not: archives made before conversions stopped leaving lock files may list one.
    problems = [*payload_problems, *tag_problems]
    problems += [
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
    damage = read_manifest_json(bag_dir / MANIFEST)[1]
    problems += [damage] if damage else []
    if not problems:
        try:
            bagit.Bag(str(bag_dir)).validate()
        except (bagit.BagError, ValueError, OSError) as error:
            problems.append(f"not a valid bag: {error}")
    fingerprint = sha256(bag_dir / TAG_MANIFEST) if (bag_dir / TAG_MANIFEST).is_file() else None
    signature_problems, notes = signature_findings(bag_dir, trusted)
    return Verification(bag_dir, problems + signature_problems, fingerprint, notes)


def signature_findings(bag_dir: Path, trusted: list | None) -> tuple[list[str], list[str]]:
    """Problems with bundle.pdf's signature, and a note on who signed it."""
    manifest, _ = read_manifest_json(bag_dir / MANIFEST)
    expected = manifest.get("signature")
    pdf = bag_dir / SIGNED_PDF
    if trusted and not (isinstance(expected, dict) and pdf.is_file()):
        # A trust anchor asks for a signature; whatever the manifest says, none is no pass.
        return [f"{SIGNED_PDF}: no signature to check against the trusted certificate"], []
    if not isinstance(expected, dict) or not pdf.is_file():
        return [], []
    from pipeline.sign import check_signatures

    try:
        checks = check_signatures(pdf, trusted or [])
    except Exception as error:  # a damaged PDF can fail in many ways inside pyHanko
        return [f"bundle.pdf: its signature cannot be read ({error})"], []
    if not checks:
        return [f"bundle.pdf: no signature, though {expected.get('signer')} signed it"], []
    problems, notes = [], []
    for check in checks:
        who = f"{check.signer} (certificate SHA-256 {check.certificate_sha256})"
        if not check.intact:
            problems.append(f"bundle.pdf: the signature of {who} does not match the file")
        elif not check.whole_file:
            problems.append(f"bundle.pdf: changed after {who} signed it")
        elif check.certificate_sha256 != expected.get("certificate_sha256"):
            problems.append(f"bundle.pdf: signed by {who}, not by {expected.get('signer')}")
        elif trusted and not check.trusted:
            problems.append(f"bundle.pdf: signed by {who}, a certificate not trusted here")
        elif check.trusted:
            notes.append(f"signed by {who}: signature valid, certificate trusted")
        else:
            notes.append(
                f"signed by {who}: signature valid; give --trust with the signer's "
                "certificate to check who it is"
            )
    return problems, notes


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
