"""Each agency's ledger: one line per archived version with its fingerprint, so that a version
replaced or removed afterwards is found out."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.archive.store import (
    ArchivedVersion,
)

LEDGER = "ledger.tsv"


LEDGER_COLUMNS = ("version", "tagmanifest_sha256", "archived_at", "recorded_at")


@dataclass(frozen=True)
class LedgerEntry:
    version: str
    fingerprint: str
    archived_at: str
    recorded_at: str


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
