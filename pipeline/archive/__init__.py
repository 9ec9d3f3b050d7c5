"""Stage 6 (for compliance officers): immutable yearly versions, as BagIt bags with a manifest.

`write` archives a packet as a new version, `ledger` keeps each agency's list of versions and
their fingerprints, `verify` checks versions against their manifests, ledger and signatures,
`history` lists them; `store` reads them from disk.
"""

from pipeline.archive.history import damaged_rows, history_rows
from pipeline.archive.ledger import LEDGER, ledger_path
from pipeline.archive.store import (
    SUMMARY,
    ArchivedVersion,
    agency_lock,
    agency_root,
    find_version,
    make_writable,
    read_manifest,
    superseded_by,
    versions,
)
from pipeline.archive.verify import verify
from pipeline.archive.write import archive_packet, record_unlisted_versions

__all__ = [
    "LEDGER",
    "SUMMARY",
    "ArchivedVersion",
    "agency_lock",
    "agency_root",
    "archive_packet",
    "damaged_rows",
    "find_version",
    "history_rows",
    "ledger_path",
    "make_writable",
    "read_manifest",
    "record_unlisted_versions",
    "superseded_by",
    "verify",
    "versions",
]
