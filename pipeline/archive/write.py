"""Archiving a packet: building it as PDF/A and writing it, its inputs and its summary as a new
read-only BagIt version, recorded in the agency's ledger."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import bagit

from pipeline.archive.ledger import (
    LedgerEntry,
    append_to_ledger,
    read_ledger,
)
from pipeline.archive.store import (
    MANIFEST,
    SCHEMA_DIR,
    SUMMARY,
    ArchivedVersion,
    agency_lock,
    agency_root,
    as_json,
    hashes,
    make_read_only,
    make_writable,
    read_version,
    sha256,
    versions,
)
from pipeline.archive.verify import (
    verify_bag,
)
from pipeline.build import BOOKKEEPING, build_agency
from pipeline.content import CONTENT_DIR
from pipeline.convert import claimed_conformance
from pipeline.errors import ArchiveError, UsageError
from pipeline.load import PROFILE, AgencyInputs, load_agency
from pipeline.publish import agency_above, check_folders_above, is_ours
from pipeline.render import TEMPLATE_DIR
from pipeline.style import HouseStyle, default_style, is_default


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
