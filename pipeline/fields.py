"""What every field of the input files means, read from the one place it is written: the
`description` of its property in the JSON Schemas (pipeline/schemas/). The starter files'
comments (`packet new`) and the reference pages (docs/reference/inputs.md) are made from it."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from pipeline.schema import SCHEMA_DIR

# The input files, by schema, in the order a consultant meets them.
INPUT_FILES = {
    "profile": "profile.yaml",
    "questionnaire": "questionnaire.yaml",
    "assessment": "assessment/<respondent>.yaml",
    "directory": "directory.yaml",
    "training": "training.yaml",
    "wording": "wording.yaml",
}
ITEM = "[]"  # a field path's step into the items of a list
SHARED = "common.schema.json"


@dataclass(frozen=True)
class Field:
    """One property of an input schema, as the reference and the starters describe it."""

    path: tuple[str, ...]  # ("key_personnel", "[]", "role")
    node: dict[str, Any]  # the property's schema, with its $ref followed
    required: bool
    file: str  # the schema file the node lies in, for the $refs inside it

    @property
    def form(self) -> str:
        """The form of its value, in words."""
        return value_form(self.node, self.file)

    @property
    def name(self) -> str:
        """The dotted name, lists marked: key_personnel[].role."""
        return ".".join(self.path).replace(f".{ITEM}", ITEM)

    @property
    def description(self) -> str:
        return self.node.get("description", "")

    @property
    def items_shared(self) -> str | None:
        """The shared definition each entry of this list is (a list of contacts), or None."""
        items = self.node.get("items")
        return resolved(items, self.file)[0].get("x-shared") if isinstance(items, dict) else None

    @property
    def shared(self) -> str | None:
        """The shared definition this field is (person, contact), which the reference describes
        once; None for a field of its own."""
        return self.node.get("x-shared")


@cache
def schema(name: str) -> dict[str, Any]:
    """`profile`, `questionnaire`, ... or `common`, as published."""
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def resolved(node: dict[str, Any], file: str) -> tuple[dict[str, Any], str]:
    """The node with its $ref followed (its own keywords win), and the file it now lies in."""
    if "$ref" not in node:
        return node, file
    target_file, _, pointer = node["$ref"].partition("#")
    target_file = target_file or file
    target: Any = schema(target_file.removesuffix(".schema.json"))
    for part in filter(None, pointer.split("/")):
        target = target[part]
    target, target_file = resolved(target, target_file)
    merged = {**target, **{key: value for key, value in node.items() if key != "$ref"}}
    if target_file == SHARED and pointer.rsplit("/", 1)[-1] in SHARED_OBJECTS:
        merged["x-shared"] = pointer.rsplit("/", 1)[-1]
    # A contact extended in place (a law-enforcement office's `kind`) keeps both sets of fields.
    if "properties" in node and "properties" in target:
        merged["properties"] = {**target["properties"], **node["properties"]}
        merged["x-own"] = list(node["properties"])
    return merged, target_file


# Shared objects the reference describes once, in a section of their own.
SHARED_OBJECTS = {"person": "A person", "contact_fields": "A contact", "contact": "A contact"}


def fields(name: str) -> Iterator[Field]:
    """Every property of an input schema, depth first, in the schema's order."""
    yield from _walk(schema(name), (), f"{name}.schema.json")


def shared_fields(definition: str) -> Iterator[Field]:
    """The properties of a shared definition of common.schema.json (person, contact_fields)."""
    yield from _walk(schema("common")["$defs"][definition], (), SHARED, shared=False)


def _walk(node: dict[str, Any], path: tuple[str, ...], file: str, shared: bool = True):
    node, file = resolved(node, file)
    own = node.get("properties", {})
    if shared and node.get("x-shared") and path:
        # Described once in its own section; only the fields added here are listed here.
        own = {key: own[key] for key in node.get("x-own", [])}
    required = set(node.get("required", []))
    for key, child in own.items():
        child_node, child_file = resolved(child, file)
        yield Field((*path, key), child_node, key in required, child_file)
        yield from _walk(child_node, (*path, key), child_file)
    items = node.get("items")
    if isinstance(items, dict):
        yield from _walk(items, (*path, ITEM), file)


def field_at(name: str, path: tuple[str, ...]) -> Field | None:
    """The field of schema `name` at a path such as ("key_personnel", "[]", "role")."""
    node, file = resolved(schema(name), f"{name}.schema.json")
    required = False
    for step in path:
        if step == ITEM:
            items = node.get("items")
            if not isinstance(items, dict):
                return None
            node, file = resolved(items, file)
            continue
        properties = node.get("properties", {})
        if step not in properties:
            return None
        required = step in node.get("required", [])
        node, file = resolved(properties[step], file)
    return Field(path, node, required, file)


# The summary ends where the description gives its example or its second sentence.
SUMMARY_END = re.compile(r",? e\.g\. |\. (?=[A-Z])|\.$")


def summary(description: str) -> str:
    """What a field is for and the form of its value, without the example and the details:
    the description up to its example or the end of its first sentence."""
    match = SUMMARY_END.search(description)
    return description[: match.start()] if match else description


def value_form(node: dict[str, Any], file: str) -> str:
    """The form of a field's value, in words: its schema's `x-expected`, else its type."""
    if "x-expected" in node:
        return node["x-expected"]
    kind = node.get("type")
    if kind == "array":
        items = node.get("items")
        items, items_file = resolved(items, file) if isinstance(items, dict) else ({}, file)
        if items.get("type") == "object":
            return "a list of objects (the fields below)"
        inner = value_form(items, items_file)
        return "a list of texts" if inner == "some text" else f"a list, each {inner}"
    if kind == "object" and isinstance(node.get("additionalProperties"), dict):
        keys = node.get("propertyNames", {}).get("x-expected", "a name")
        values, _ = resolved(node["additionalProperties"], file)
        return f"a mapping of {keys} to {value_form(values, file)}"
    if "anyOf" in node:
        return "some text, or an object (the fields below)"
    return {
        "object": "an object (the fields below)",
        "boolean": "true or false",
        "integer": "a whole number",
        "number": "a number",
        "string": "some text",
    }.get(kind, "")


# A key line of a starter file: `  key: value  # hint`, `  - key: value`, or the same commented
# out (`  # key: value`, `#   key: value`), which the starter offers as optional.
KEY_LINE = re.compile(
    r"^(?P<indent> *)(?P<off># ?)?(?P<inner> *)(?P<dash>- )?(?P<key>[a-z][a-z0-9_]*):"
    r"(?P<value>(?: *[^#\s][^#]*?)?)(?P<comment> +# ?(?P<hint>.*))?$"
)
COMMENT_COLUMN = 33  # where the starters' comments start
LINE_WIDTH = 100


@dataclass(frozen=True)
class KeyLine:
    """A key line of a starter, and the field of the schema it names."""

    number: int
    path: tuple[str, ...]
    field: Field | None
    value: str  # as written: "" for a block of fields below, `{...}` for fields on the line
    hint: str | None


def key_lines(text: str, name: str) -> Iterator[KeyLine]:
    """The key lines of a starter file for schema `name`, each with its field's path."""
    parents: list[tuple[int, str]] = []  # (indent, key or ITEM) of the lines enclosing this one
    for number, line in enumerate(text.splitlines(), 1):
        match = KEY_LINE.match(line)
        if not match:
            continue
        indent = len(match["indent"]) + len(match["inner"])
        if match["dash"]:
            parents = [(i, key) for i, key in parents if i < indent]
            parents.append((indent, ITEM))
            indent += len(match["dash"])
        parents = [(i, key) for i, key in parents if i < indent]
        path = (*[key for _, key in parents], match["key"])
        parents.append((indent, match["key"]))
        yield KeyLine(number, path, field_at(name, path), match["value"].strip(), match["hint"])


def commented(text: str, name: str) -> str:
    """A starter file with each key line's comment made from its field's description: the
    summary, then the line's own example (`# e.g. ...`, fitted to the agency type and country).
    A comment too long for the line goes on the lines above it."""
    lines = text.splitlines()
    for key_line in reversed(list(key_lines(text, name))):
        if key_line.field is None:
            continue
        index = key_line.number - 1
        match = KEY_LINE.match(lines[index])
        assert match
        words = summary(key_line.field.description)
        if key_line.hint:
            words = f"{words}, {key_line.hint}"
        code = lines[index][: match.start("comment")] if match["comment"] else lines[index]
        padded = code.ljust(COMMENT_COLUMN - 1)
        if len(padded) + 3 + len(words) <= LINE_WIDTH:
            lines[index] = f"{padded} # {words}"
            continue
        prefix = " " * len(match["indent"]) + "# " + match["inner"]
        wrapped = textwrap.wrap(words, LINE_WIDTH - len(prefix), break_on_hyphens=False)
        lines[index : index + 1] = [f"{prefix}{part}" for part in wrapped] + [code]
    return "\n".join(lines) + "\n"
