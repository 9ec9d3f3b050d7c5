"""Values edited in a document, written back into the input that holds them (`packet ingest
--update-inputs`): the one line of the YAML file changes, its comments and layout stay.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import yaml

from pipeline.errors import InputError, Problem
from pipeline.load import load_agency
from pipeline.wording.readback import FactEdit


def updated_inputs(folder: Path, facts: list[FactEdit]) -> tuple[dict[Path, str], list[Problem]]:
    """The new text of each input file that holds an edited value, and what could not be
    changed (a date, a value on several lines, or a new value the inputs refuse)."""
    texts: dict[Path, str] = {}
    problems = []
    for fact in facts:
        path = folder / fact.value.file
        text = texts.get(path) or path.read_text(encoding="utf-8")
        changed = replaced_scalar(text, fact.value.field_path, fact.now)
        if changed is None:
            message = (
                f"could not change {fact.value.printed!r} to {fact.now!r} here by itself "
                "(a date, or a value written on several lines); change it by hand"
            )
            problems.append(Problem(str(path), 1, 1, fact.value.name, message))
        else:
            texts[path] = changed
    if texts and not problems:
        problems += still_valid(folder, texts)
    return texts, problems


def replaced_scalar(text: str, field_path: tuple, now: str) -> str | None:
    """`text` with the one-line string scalar at `field_path` replaced by `now`, or None."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    for part in field_path:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            return None
        if node is None:
            return None
    if not isinstance(node, yaml.ScalarNode) or node.tag != "tag:yaml.org,2002:str":
        return None
    if node.start_mark.line != node.end_mark.line or node.style in ("|", ">"):
        return None
    # Plain if it can be, quoted otherwise; escaped when YAML would read a character of it as a
    # line break (U+2028 and the like): the first that reads back as `now`.
    for written in (now, json.dumps(now, ensure_ascii=False), json.dumps(now)):
        changed = text[: node.start_mark.index] + written + text[node.end_mark.index :]
        if (written != now or plain_scalar(now)) and read_back(changed, field_path) == now:
            return changed
    return None


def read_back(text: str, field_path: tuple) -> object:
    """The value at `field_path` of a YAML text, or None."""
    try:
        value = yaml.safe_load(text)
        for part in field_path:
            value = value[part]
    except (yaml.YAMLError, LookupError, TypeError):
        return None
    return value


def plain_scalar(value: str) -> bool:
    """True when `value` reads back as the same string without quotes."""
    try:
        return yaml.safe_load(value) == value and "#" not in value and ": " not in value
    except yaml.YAMLError:
        return False


def still_valid(folder: Path, texts: dict[Path, str]) -> list[Problem]:
    """The agency's inputs with the new texts, checked in a copy: their errors, if any."""
    with tempfile.TemporaryDirectory(prefix="packet-ingest-") as work:
        copy = Path(work) / folder.name
        shutil.copytree(folder, copy, symlinks=True)
        for path, text in texts.items():
            (copy / path.relative_to(folder)).write_text(text, encoding="utf-8")
        try:
            load_agency(copy)
        except InputError as error:
            return [
                Problem(
                    problem.path.replace(str(copy), str(folder)),
                    problem.line,
                    problem.column,
                    problem.field,
                    f"the document's new value is not valid here: {problem.message}",
                )
                for problem in error.problems
            ]
    return []
