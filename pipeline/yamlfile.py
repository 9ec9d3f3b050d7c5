"""Safe YAML reading that remembers where every value came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import WARNING, Problem
from pipeline.sheets import read_text

# Aliases let a few lines expand into millions of nodes ("billion laughs"); no agency needs that.
MAX_NODES = 100_000
# No input nests past a dozen levels; a deeper one would exhaust the checks' recursion.
MAX_DEPTH = 40
# libyaml's parser when PyYAML has it (several times faster); the same safe node tree either way.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FILE_BYTES = 5_000_000
# Control characters cannot be stored in a Word file, and docxtpl turns \a and \f into page
# structure; only tabs and line breaks are kept. XML (inside every .docx) cannot hold U+FFFE,
# U+FFFF or a lone surrogate either.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
CONTROL_MESSAGE = (
    "contains a control character or one a Word file cannot hold (such as U+FFFE); "
    "expected plain text (tabs and line breaks are fine)"
)
PLAIN_TAGS = {
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
}

Location = tuple[int, int]
FieldPath = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """A parsed YAML file: its data and the line/column of every field."""

    path: Path
    display: str
    data: Any
    locations: dict[FieldPath, Location] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    def where(self, field_path: FieldPath) -> Location:
        """Line and column of a field, or of its nearest located parent."""
        while field_path not in self.locations and field_path:
            field_path = field_path[:-1]
        return self.locations.get(field_path, (1, 1))

    def problem(self, field_path: FieldPath, message: str) -> Problem:
        line, column = self.where(field_path)
        return Problem(self.display, line, column, dotted(field_path), message)

    def warning(self, field_path: FieldPath, message: str) -> Problem:
        return replace(self.problem(field_path, message), severity=WARNING)


def dotted(field_path: FieldPath) -> str:
    """`('agency', 'languages', 2)` -> `agency.languages[2]`; `('a', '1.5')` -> `a["1.5"]`."""
    text = ""
    for part in field_path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif "." in part or not part:
            text += f'["{part}"]'  # item ids such as 1.5 would read as two fields
        else:
            text += f".{part}" if text else part
    return text


class _TooLarge(Exception):
    pass


class _TooDeep(Exception):
    def __init__(self, mark: Location):
        super().__init__(mark)
        self.mark = mark


class _Builder:
    """Turns a composed node tree into plain data, recording marks and counting nodes."""

    def __init__(self) -> None:
        self.locations: dict[FieldPath, Location] = {}
        self.count = 0
        self.problems: list[tuple[FieldPath, Location, str]] = []
        self._constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
        yaml.SafeLoader.__init__(self._constructor, "")

    def build(self, node: yaml.Node, at: FieldPath) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooLarge
        mark = (node.start_mark.line + 1, node.start_mark.column + 1)
        if len(at) > MAX_DEPTH:
            raise _TooDeep(mark)
        self.locations.setdefault(at, mark)
        if node.tag not in PLAIN_TAGS:
            shown = node.tag.replace("tag:yaml.org,2002:", "!!")
            message = (
                f"the tag {shown} is not allowed: input files hold plain text, numbers, lists "
                "and mappings, and nothing in them is ever run; remove the tag"
            )
            self.problems.append((at, mark, message))
            return None
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, at)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*at, i)) for i, item in enumerate(node.value)]
        value = self._scalar(node)
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            self.problems.append((at, mark, CONTROL_MESSAGE))
        return value

    def _mapping(self, node: yaml.MappingNode, at: FieldPath) -> dict:
        result: dict = {}
        for key_node, value_node in node.value:
            # Keys are names, kept as written: `1.10` stays "1.10" instead of becoming 1.1.
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key is None or key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append((at, mark, "keys must be plain words (no merge keys)"))
                continue
            if key in result:
                self.problems.append(((*at, key), mark, f"key '{key}' appears twice"))
                continue
            self.locations[(*at, key)] = mark
            result[key] = self.build(value_node, (*at, key))
        return result

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        # Dates stay text so that the schema's date format catches impossible ones (2026-02-30).
        if node.tag == "tag:yaml.org,2002:timestamp":
            return node.value
        return self._constructor.construct_object(node, deep=True)


def read_yaml(path: Path, display: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse one YAML file safely; return the document or the problems that stop it."""
    if path.stat().st_size > MAX_FILE_BYTES:
        return None, [Problem(display, 1, 1, "", f"file is larger than {MAX_FILE_BYTES} bytes")]
    text, warnings = read_text(path, display)
    if text is None:
        return None, warnings
    try:
        node = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = " ".join(filter(None, [error.context, error.problem]))
        return None, [Problem(display, line, column, "", f"not valid YAML: {reason}")]
    except yaml.YAMLError as error:
        return None, [Problem(display, 1, 1, "", f"not valid YAML: {error}")]
    if node is None:
        return YamlDocument(path, display, {}, warnings=warnings), []
    builder = _Builder()
    try:
        data = builder.build(node, ())
    except _TooLarge:
        message = f"refused: aliases expand this file to more than {MAX_NODES} values"
        return None, [Problem(display, 1, 1, "", message)]
    except _TooDeep as error:
        message = f"refused: values nested more than {MAX_DEPTH} levels deep"
        return None, [Problem(display, *error.mark, "", message)]
    except yaml.constructor.ConstructorError as error:
        mark = error.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return None, [
            Problem(display, line, column, "", f"unsupported YAML value: {error.problem}")
        ]
    document = YamlDocument(path, display, data, builder.locations, warnings)
    problems = [Problem(display, *mark, dotted(at), msg) for at, mark, msg in builder.problems]
    return document, problems


def dump_yaml(data: Any) -> str:
    """`data` as YAML that reads back as the same data. Characters YAML takes for line breaks
    inside a value (U+0085, U+2028, U+2029) are written raw by PyYAML and then read as spaces,
    so a text holding one is written with escapes (`\\u2028`), as all non-ASCII then is."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    if yaml.safe_load(text) == data:
        return text
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=False, width=100)
