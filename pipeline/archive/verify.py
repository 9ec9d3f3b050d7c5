"""Checking archived versions: every file against the bag's manifests, each version against its
agency's ledger and the version after it, and its signature."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import bagit

from pipeline.archive.ledger import (
    LEDGER,
    ledger_path,
    read_ledger,
)
from pipeline.archive.store import (
    MANIFEST,
    SIGNED_PDF,
    TAG_MANIFEST,
    VERSION_NAME,
    is_lock_file,
    read_manifest,
    read_manifest_json,
    sha256,
)
from pipeline.errors import UsageError


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
