"""What changed between two archived versions of an agency's packet."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from docx import Document

from pipeline.archive import SUMMARY, ArchivedVersion
from pipeline.directory import COLUMNS
from pipeline.render import render_document

# Every field of an entry but the two that identify it (category and name).
DIRECTORY_FIELDS = tuple(name for name in COLUMNS.names if name not in ("id", "name"))


def policy_paragraphs(version: ArchivedVersion) -> list[str]:
    document = Document(version.path / "data" / "packet" / "policy.docx")
    paragraphs = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" | ".join(cell.text.strip() for cell in row.cells))
    return [text for text in paragraphs if text]


def summary(version: ArchivedVersion) -> dict[str, Any]:
    return json.loads((version.path / "data" / SUMMARY).read_text())


def compare(old: ArchivedVersion, new: ArchivedVersion) -> dict[str, Any]:
    """Policy paragraph changes, rating changes, directory changes and training then and now."""
    before, after = summary(old), summary(new)
    return {
        "old": {"name": old.name, **old.manifest},
        "new": {"name": new.name, **new.manifest},
        "policy": policy_changes(policy_paragraphs(old), policy_paragraphs(new)),
        "ratings": rating_changes(before["assessment"]["ratings"], after["assessment"]["ratings"]),
        "directory": directory_changes(before["directory"], after["directory"]),
        "training": {"old": before["training"], "new": after["training"]},
    }


def policy_changes(old: list[str], new: list[str]) -> list[dict[str, str]]:
    """Paragraphs removed, added or changed, in document order."""
    changes = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for operation, a1, a2, b1, b2 in matcher.get_opcodes():
        if operation == "equal":
            continue
        removed, added = old[a1:a2], new[b1:b2]
        paired = min(len(removed), len(added)) if operation == "replace" else 0
        for before, after in zip(removed[:paired], added[:paired], strict=True):
            changes.append({"kind": "changed", "old": before, "new": after})
        changes += [{"kind": "removed", "old": text, "new": ""} for text in removed[paired:]]
        changes += [{"kind": "added", "old": "", "new": text} for text in added[paired:]]
    return changes


def rating_changes(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for number in sorted(set(old) | set(new), key=int):
        before = (old.get(number) or {}).get("mean")
        after = (new.get(number) or {}).get("mean")
        if before is None or after is None:
            direction = "n/a"
        else:
            direction = "up" if after > before else "down" if after < before else "same"
        title = (new.get(number) or old.get(number))["title"]
        rows.append(
            {"number": number, "title": title, "old": before, "new": after, "direction": direction}
        )
    return rows


def directory_changes(old: list[dict], new: list[dict]) -> dict[str, list]:
    def key(entry: dict) -> tuple[str, str]:
        return entry["category"], entry["name"]

    before = {key(entry): entry for entry in old}
    after = {key(entry): entry for entry in new}
    changed = []
    for entry_key in sorted(set(before) & set(after)):
        fields = [
            {
                "field": field,
                "old": before[entry_key].get(field),
                "new": after[entry_key].get(field),
            }
            for field in DIRECTORY_FIELDS
            if before[entry_key].get(field) != after[entry_key].get(field)
        ]
        if fields:
            changed.append({"name": entry_key[1], "category": entry_key[0], "fields": fields})
    return {
        "added": [after[k] for k in sorted(set(after) - set(before))],
        "removed": [before[k] for k in sorted(set(before) - set(after))],
        "changed": changed,
    }


ARROWS = {"up": "↑", "down": "↓", "same": "=", "n/a": "·"}


def as_text(changes: dict[str, Any]) -> str:
    """The comparison as plain text for the terminal."""
    old, new = changes["old"], changes["new"]
    lines = [
        f"{new['agency_name']}: {old['name']} (packet date {old['packet_date']}) -> "
        f"{new['name']} (packet date {new['packet_date']})",
        "",
    ]
    lines.append(f"Policy and procedure: {len(changes['policy'])} paragraphs changed")
    for change in changes["policy"]:
        if change["kind"] != "added":
            lines.append(f"  - {change['old']}")
        if change["kind"] != "removed":
            lines.append(f"  + {change['new']}")
    lines += ["", "Service assessment: mean domain ratings"]
    for row in changes["ratings"]:
        shown = [f"{value:.1f}" if value is not None else "-" for value in (row["old"], row["new"])]
        lines.append(
            f"  {ARROWS[row['direction']]} {row['number']:>2}. {row['title'][:48]:<48} "
            f"{shown[0]:>4} -> {shown[1]:>4}"
        )
    directory = changes["directory"]
    lines += [
        "",
        f"Community resource directory: {len(directory['added'])} added, "
        f"{len(directory['removed'])} removed, {len(directory['changed'])} changed",
    ]
    lines += [f"  + {entry['name']} ({entry['category']})" for entry in directory["added"]]
    lines += [f"  - {entry['name']} ({entry['category']})" for entry in directory["removed"]]
    for entry in directory["changed"]:
        fields = ", ".join(f"{f['field']}: {f['old']} -> {f['new']}" for f in entry["fields"])
        lines.append(f"  ~ {entry['name']}: {fields}")
    then, now = changes["training"]["old"], changes["training"]["new"]
    lines += [
        "",
        "Staff training compliance",
        f"  {old['name']}: {then['compliant_count']} of {then['staff_count']} "
        f"({then['compliant_percent']}%)",
        f"  {new['name']}: {now['compliant_count']} of {now['staff_count']} "
        f"({now['compliant_percent']}%)",
    ]
    return "\n".join(lines)


def diff_docx(changes: dict[str, Any], target: Path) -> Path:
    """The comparison as a Word document a compliance officer can file."""
    context = {"changes": changes, "arrows": ARROWS, "images": {}}
    return render_document("diff.docx", context, target)
