"""The archived versions of an agency as a table, oldest first: each with its packet date, when
it was archived, whether it is intact and what corrected it."""

from __future__ import annotations

from pathlib import Path

from pipeline.archive.store import (
    agency_root,
    superseded_by,
    versions,
)
from pipeline.archive.verify import (
    lost_versions,
)
from pipeline.errors import UsageError

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
