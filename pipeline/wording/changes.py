"""The agency's wording file, `inputs/<slug>/wording.yaml`: read, checked and written."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import schema
from pipeline.content import content
from pipeline.errors import WARNING, Problem
from pipeline.wording.blocks import HEADING, PARAGRAPH
from pipeline.wording.markup import bad_links, value_names
from pipeline.yamlfile import YamlDocument, dump_yaml, read_yaml

WORDING = "wording.yaml"
REPLACE, REMOVE, AFTER = "replace", "remove", "after"
ACTIONS = (REPLACE, REMOVE, AFTER)
HEADER = (
    "# yaml-language-server: $schema=../../pipeline/schemas/wording.schema.json\n"
    "# The agency's own wording: its changes to the standard text of the packet's documents.\n"
    "# Written by `packet ingest` from an edited document; it can be edited by hand too.\n"
    "# `packet wording <agency folder>` lists every paragraph's reference and text.\n"
)


@dataclass(frozen=True)
class Addition:
    """A paragraph the agency adds: its kind (paragraph, bullet, heading...) and markup."""

    kind: str
    text: str
    level: int = 0

    def as_data(self) -> Any:
        if self.kind == PARAGRAPH:
            return self.text
        if self.kind == HEADING:
            return {"heading": self.text, "level": self.level}
        return {self.kind: self.text}


@dataclass
class Change:
    """One change to one paragraph of the standard text."""

    action: str
    ref: str
    standard: str | None = None  # the standard text it was made against (values as {names})
    text: str = ""  # the replacement, for `replace`
    add: list[Addition] = field(default_factory=list)  # for `after`
    note: str = ""
    index: int = -1  # its place in wording.yaml (-1: not read from a file)

    @property
    def document(self) -> str:
        return self.ref.partition("/")[0]

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {self.action: self.ref}
        if self.standard is not None:
            data["standard"] = self.standard
        if self.action == REPLACE:
            data["text"] = self.text
        if self.action == AFTER:
            data["add"] = [addition.as_data() for addition in self.add]
        if self.note:
            data["note"] = self.note
        return data

    def markups(self) -> list[str]:
        return [self.text] if self.action == REPLACE else [item.text for item in self.add]


@dataclass
class Wording:
    """The changes of one agency, and where each stands in its file."""

    changes: list[Change] = field(default_factory=list)
    document: YamlDocument | None = None

    def for_document(self, document_id: str) -> list[Change]:
        return [change for change in self.changes if change.document == document_id]

    def problem(
        self, change: Change, message: str, severity: str = "error", key: str = ""
    ) -> Problem:
        """A problem at the change's line in wording.yaml (or at its `key`)."""
        field_path = ("changes", change.index, key or change.action)
        display = self.document.display if self.document else WORDING
        line, column = self.document.where(field_path) if self.document else (1, 1)
        label = f"changes[{change.index}].{key or change.action}"
        return Problem(display, line, column, label, message, severity)


def read_wording(folder: Path) -> tuple[Wording, list[Problem]]:
    """The agency's wording (no changes when it has no wording.yaml) and its problems."""
    path = folder / WORDING
    if not path.is_file():
        return Wording(), []
    document, problems = read_yaml(path, str(path))
    if document is None:
        return Wording(), problems
    if document.data is None:
        return Wording(document=document), problems
    if not isinstance(document.data, dict):
        return Wording(), [*problems, document.problem((), "expected `changes:` at the top")]
    found = schema.check(document, "wording")
    found += shape_problems(document)
    if found:
        return Wording(document=document), [*problems, *found]
    wording = Wording(
        [change_from(data, index) for index, data in enumerate(document.data.get("changes") or [])],
        document,
    )
    return wording, [*problems, *check_changes(wording)]


# What each kind of change needs, and what it must not have.
NEEDS = {REPLACE: ("text",), REMOVE: (), AFTER: ("add",)}
BLOCK_KINDS = ("paragraph", "bullet", "number", "callout", "heading")


def shape_problems(document: YamlDocument) -> list[Problem]:
    """Each change is one of replace, remove or after, with what that kind needs."""
    problems = []
    changes = document.data.get("changes")
    for index, data in enumerate(changes if isinstance(changes, list) else []):
        if not isinstance(data, dict):
            continue
        at = ("changes", index)
        actions = [name for name in ACTIONS if name in data]
        if len(actions) != 1:
            message = (
                "give one of replace, remove or after (the paragraph the change applies to)"
                if not actions
                else f"one change per item: {' and '.join(actions)} are given together"
            )
            problems.append(document.problem(at, message))
            continue
        action = actions[0]
        for key in NEEDS[action]:
            if key not in data:
                problems.append(document.problem(at, f"`{action}` needs `{key}`"))
        for key in {"text", "add"} - set(NEEDS[action]):
            if key in data:
                owner = REPLACE if key == "text" else AFTER
                message = f"`{key}` goes with {owner}, not {action}"
                problems.append(document.problem((*at, key), message))
        for number, item in enumerate(data.get("add") or []):
            if isinstance(item, dict):
                kinds = [kind for kind in BLOCK_KINDS if kind in item]
                if len(kinds) != 1:
                    message = f"give one of {', '.join(BLOCK_KINDS)} for each paragraph added"
                    problems.append(document.problem((*at, "add", number), message))
                elif "level" in item and kinds != ["heading"]:
                    message = "`level` goes with a heading"
                    problems.append(document.problem((*at, "add", number, "level"), message))
    return problems


def change_from(data: dict[str, Any], index: int) -> Change:
    action = next(name for name in ACTIONS if name in data)
    return Change(
        action=action,
        ref=data[action],
        standard=data.get("standard"),
        text=data.get("text", ""),
        add=[addition_from(item) for item in data.get("add", [])],
        note=data.get("note", ""),
        index=index,
    )


def addition_from(item: Any) -> Addition:
    if isinstance(item, str):
        return Addition(PARAGRAPH, item)
    if "heading" in item:
        return Addition(HEADING, item["heading"], item.get("level", 3))
    kind, text = next(iter(item.items()))
    return Addition(kind, text)


def check_changes(wording: Wording) -> list[Problem]:
    """Unknown documents, two changes of one paragraph, and links that are not web, mail or
    phone links."""
    problems = []
    seen: dict[tuple[str, str], Change] = {}
    documents = [entry["id"] for entry in content("documents")["documents"]]
    for change in wording.changes:
        if change.document not in documents:
            close = difflib.get_close_matches(change.document, documents, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            message = f"no document '{change.document}' in a packet{hint} ({', '.join(documents)})"
            problems.append(wording.problem(change, message))
        slot = (AFTER if change.action == AFTER else REPLACE, change.ref)
        if slot in seen:
            first = seen[slot]
            message = (
                f"{change.ref} is changed twice (the first is changes[{first.index}]); "
                "keep one change per paragraph"
            )
            problems.append(wording.problem(change, message))
        seen[slot] = change
        for markup in change.markups():
            for link in bad_links(markup):
                message = f"the link {link!r} should start with https://, http://, mailto: or tel:"
                problems.append(wording.problem(change, message))
    return problems


def check_value_names(wording: Wording, known: list[str]) -> list[Problem]:
    """Every `{name}` in the agency's text names a field of its inputs."""
    problems = []
    for change in wording.changes:
        for markup in change.markups():
            for name in value_names(markup):
                if name in known:
                    continue
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"; did you mean {{{close[0]}}}?" if close else ""
                message = (
                    f"{{{name}}} names no field of profile.yaml or questionnaire.yaml{hint} "
                    "(write \\{ for a brace)"
                )
                problems.append(wording.problem(change, message, key="text"))
    return problems


def wording_yaml(changes: list[Change]) -> str:
    """The wording file's text, changes in document order as given."""
    return HEADER + dump_yaml({"changes": [change.as_data() for change in changes]})


def warning(wording: Wording, change: Change, message: str) -> Problem:
    return wording.problem(change, message, WARNING)
