"""What changed between two archived versions of an agency's packet."""

from __future__ import annotations

import difflib
import json
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from docx import Document

from pipeline.archive import SUMMARY, ArchivedVersion, agency_root, find_version, superseded_by
from pipeline.archive import versions as archived_versions
from pipeline.content import content
from pipeline.directory import COLUMNS
from pipeline.errors import ArchiveError, UsageError, counted
from pipeline.publish import replaced_whole, writable
from pipeline.render import render_document
from pipeline.training import COMPLIANT_STATUSES, STATUSES
from pipeline.wording.changes import REMOVE, REPLACE, WORDING, Change, change_from
from pipeline.wording.markup import plain
from pipeline.wording.readback import slot

# Every field of an entry but the two that identify it (category and name).
DIRECTORY_FIELDS = tuple(name for name in COLUMNS.names if name not in ("id", "name"))
# The input files whose facts are compared field by field (the archive keeps a copy of each).
FACT_FILES = ("profile.yaml", "questionnaire.yaml")
COMPLIANT_LABELS = frozenset(STATUSES[status][1] for status in COMPLIANT_STATUSES)
NOT_GIVEN = "(not given)"


@dataclass(frozen=True)
class Record:
    """A record in a list (an approver, a key person), named by its identifying field."""

    name: str


def policy_paragraphs(version: ArchivedVersion) -> list[str]:
    document = Document(version.path / "data" / "packet" / "policy.docx")
    paragraphs = [p.text.strip() for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append(" | ".join(cell.text.strip() for cell in row.cells))
    return [text for text in paragraphs if text]


def summary(version: ArchivedVersion) -> dict[str, Any]:
    """What the version recorded of its packet; a damaged record is an error naming it."""
    path = version.path / "data" / SUMMARY
    try:
        found = json.loads(path.read_bytes())
    except (OSError, ValueError) as error:
        raise ArchiveError(
            f"{path}: cannot be read ({error}); `packet verify` says more"
        ) from error
    if not isinstance(found, dict):
        raise ArchiveError(f"{path}: not a packet summary; `packet verify` says more")
    return found


def compare_named(root: Path, slug: str, old_name: str, new_name: str) -> dict[str, Any]:
    """`compare` for two versions named as `packet diff` takes them; each says what supersedes
    it, if a later revision of its year does."""
    old, new = find_version(root, slug, old_name), find_version(root, slug, new_name)
    if old.path == new.path:
        raise UsageError(
            f"{old_name} and {new_name} are both version {old.name}; a year's original is "
            f"{old.year} or {old.year}-r1, its corrections {old.year}-r2 and on "
            f"(`packet history {slug}` lists them)"
        )
    changes = compare(old, new)
    every = archived_versions(agency_root(root, slug))
    for side, version in (("old", old), ("new", new)):
        changes[side]["superseded_by"] = superseded_by(version, every)
    return changes


def compare(old: ArchivedVersion, new: ArchivedVersion) -> dict[str, Any]:
    """Input facts, policy paragraphs, ratings, directory entries and training, person by
    person, between two versions."""
    before, after = summary(old), summary(new)
    return {
        "old": {"name": old.name, **old.manifest},
        "new": {"name": new.name, **new.manifest},
        "facts": fact_changes(old, new),
        "policy": policy_changes(policy_paragraphs(old), policy_paragraphs(new)),
        "wording": wording_changes(archived_wording(old), archived_wording(new)),
        "ratings": rating_changes(before["assessment"]["ratings"], after["assessment"]["ratings"]),
        "directory": directory_changes(before["directory"], after["directory"]),
        "training": {
            "old": before["training"],
            "new": after["training"],
            "people": training_changes(before["training"]["people"], after["training"]["people"]),
        },
    }


def fact_changes(old: ArchivedVersion, new: ArchivedVersion) -> list[dict[str, str]]:
    """Every input fact of the profile and questionnaire that differs, named in words."""
    changes = []
    for name in FACT_FILES:
        before, after = input_facts(old, name), input_facts(new, name)
        for path in [*after, *(path for path in before if path not in after)]:
            if before.get(path) != after.get(path):
                changes.append(
                    {
                        "file": name,
                        "fact": fact_name(name, path),
                        "old": as_written(before.get(path)),
                        "new": as_written(after.get(path)),
                    }
                )
    return changes


def archived_wording(version: ArchivedVersion) -> dict[tuple[str, str], str]:
    """The agency's changes in an archived version's wording.yaml, by (kind, reference), each
    described in words."""
    path = version.path / "data" / "inputs" / WORDING
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    changes = data.get("changes") if isinstance(data, dict) else None
    described = {}
    for index, item in enumerate(changes if isinstance(changes, list) else []):
        if isinstance(item, dict):
            change = change_from(item, index)
            described[(slot(change), change.ref)] = described_change(change)
    return described


def described_change(change: Change) -> str:
    """`replaced by: ...`, `removed`, `adds: ...; ...` (values as {field} names)."""
    if change.action == REPLACE:
        return f"replaced by: {plain(change.text)}"
    if change.action == REMOVE:
        return "removed"
    return "adds: " + "; ".join(plain(item.text) for item in change.add)


def wording_changes(
    old: dict[tuple[str, str], str], new: dict[tuple[str, str], str]
) -> list[dict[str, str]]:
    """The agency's wording changes that differ between two versions, by reference."""
    rows = []
    for key in [*new, *(key for key in old if key not in new)]:
        if old.get(key) != new.get(key):
            kind = "added" if key not in old else "dropped" if key not in new else "changed"
            rows.append(
                {"ref": key[1], "kind": kind, "old": old.get(key, ""), "new": new.get(key, "")}
            )
    return rows


def input_facts(version: ArchivedVersion, name: str) -> dict[tuple, Any]:
    """The archived copy of an input file, as path -> value for every fact it holds."""
    path = version.path / "data" / "inputs" / name
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    return flatten(data or {})


def flatten(value: Any, path: tuple = ()) -> dict[tuple, Any]:
    """Nested mappings as path -> value; a list of records as one path per record and field."""
    if isinstance(value, dict):
        found: dict[tuple, Any] = {}
        for key, item in value.items():
            found.update(flatten(item, (*path, str(key))))
        return found
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        found = {}
        for position, item in enumerate(value, start=1):
            found.update(flatten(item, (*path, Record(record_name(item, position)))))
        return found
    return {path: value}


def record_name(record: dict[str, Any], position: int) -> str:
    identifiers = content("input_facts")["identifiers"]
    names = [record[key] for key in identifiers if isinstance(record.get(key), str | int)]
    return str(names[0]) if names else str(position)


def fact_name(file: str, path: tuple) -> str:
    """`governance.champion.phone` -> `Protocol champion phone` (pipeline/content/input_facts)."""
    labels = content("input_facts")["files"].get(file, {})
    keys = [element for element in path if isinstance(element, str)]
    covered = next(
        (length for length in range(len(keys), 0, -1) if ".".join(keys[:length]) in labels), 0
    )
    words, seen = [], 0
    for element in path:
        if isinstance(element, Record):
            words.append(f"({element.name})")
            continue
        seen += 1
        if seen == covered:
            words.append(labels[".".join(keys[:covered])])
        elif seen > covered:
            words.append(element.replace("_", " "))
    text = " ".join(word for word in words if word)
    return text[:1].upper() + text[1:]


def as_written(value: Any) -> str:
    """A value as a person would write it: lists joined, yes/no, dates as YYYY-MM-DD."""
    if value is None or value == "" or value == []:
        return NOT_GIVEN
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(as_written(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {as_written(item)}" for key, item in value.items())
    return " ".join(str(value).split())


def training_changes(old: dict[str, dict], new: dict[str, dict]) -> list[dict[str, Any]]:
    """Each person whose training standing changed: compliant then and now (None when not in
    the log), and the topics whose status changed."""
    people = []
    for name in sorted({*old, *new}, key=str.lower):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        topics = [
            {"topic": topic, "old": (before or {}).get(topic), "new": (after or {}).get(topic)}
            for topic in dict.fromkeys([*(before or {}), *(after or {})])
            if (before or {}).get(topic) != (after or {}).get(topic)
        ]
        people.append(
            {
                "name": name,
                "was_compliant": compliant(before),
                "is_compliant": compliant(after),
                "topics": topics,
            }
        )
    return people


def compliant(statuses: dict[str, str] | None) -> bool | None:
    if statuses is None:
        return None
    return all(label in COMPLIANT_LABELS for label in statuses.values())


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
                "old": as_written(before[entry_key].get(field)),
                "new": as_written(after[entry_key].get(field)),
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
    ]
    lines += [
        f"Note: {side['name']} was superseded by {side['superseded_by']}"
        for side in (old, new)
        if side.get("superseded_by")
    ]
    lines += ["", f"Agency facts: {counted(len(changes['facts']), 'fact')} changed"]
    lines += [f"  {f['fact']}: {f['old']} -> {f['new']}" for f in changes["facts"]]
    lines += ["", f"Policy and procedure: {counted(len(changes['policy']), 'paragraph')} changed"]
    for change in changes["policy"]:
        if change["kind"] != "added":
            lines.append(f"  - {change['old']}")
        if change["kind"] != "removed":
            lines.append(f"  + {change['new']}")
    lines += ["", f"Agency's own wording: {counted(len(changes['wording']), 'change')} differ"]
    for change in changes["wording"]:
        lines.append(f"  {change['ref']} ({change['kind']})")
        lines += [f"    - {change['old']}"] if change["old"] else []
        lines += [f"    + {change['new']}"] if change["new"] else []
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
        fields = "; ".join(
            f"{f['field'].replace('_', ' ')}: {f['old']} -> {f['new']}" for f in entry["fields"]
        )
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
    for person in changes["training"]["people"]:
        topics = "; ".join(
            f"{t['topic']}: {t['old'] or 'not in the log'} -> {t['new'] or 'not in the log'}"
            for t in person["topics"]
        )
        lines.append(f"  {STANDING_SIGNS[standing(person)]} {person['name']}: {standing(person)}")
        lines += [f"      {topics}"] if topics else []
    return "\n".join(lines)


STANDING_SIGNS = {
    "became compliant": "+",
    "no longer compliant": "-",
    "still compliant": "~",
    "still not compliant": "~",
    "joined the log, compliant": "+",
    "joined the log, not compliant": "-",
    "left the log": "-",
}


def standing(person: dict[str, Any]) -> str:
    """How a person's compliance moved, in the words the printed diff uses."""
    was, now = person["was_compliant"], person["is_compliant"]
    if was is None:
        return "joined the log, compliant" if now else "joined the log, not compliant"
    if now is None:
        return "left the log"
    if was == now:
        return "still compliant" if now else "still not compliant"
    return "became compliant" if now else "no longer compliant"


def diff_docx(changes: dict[str, Any], target: Path) -> Path:
    """The comparison as a Word document a compliance officer can file."""
    old, new = changes["old"]["name"], changes["new"]["name"]
    title = f"Changes from {old} to {new}: {changes['new'].get('agency_name', '')}"
    context = {
        "changes": changes,
        "arrows": ARROWS,
        "images": {},
        "properties": {"diff.docx": {"title": title.rstrip(": ")}},
    }
    with writable(target.parent), replaced_whole(target) as partial:
        render_document("diff.docx", context, partial)
    return target


def diff_pdf(changes: dict[str, Any], target: Path) -> Path:
    """The comparison as a tagged PDF (PDF/UA-1), to file or post beside the packet."""
    from pipeline.convert import PdfJob, convert_to_pdf

    with tempfile.TemporaryDirectory(prefix="packet-diff-") as work:
        document = diff_docx(changes, Path(work) / f"{target.stem}.docx")
        with writable(target.parent), replaced_whole(target) as partial:
            convert_to_pdf([PdfJob(document, partial)])
    return target
