"""Checks an input document against the published JSON Schemas, in the user's terms."""

from __future__ import annotations

import copy
import difflib
import json
import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from pipeline.errors import Problem
from pipeline.yamlfile import FieldPath, YamlDocument

SCHEMA_DIR = Path(__file__).parent / "schemas"

PHONE = re.compile(r"^\+?[0-9 ()./-]{3,25}(\s*(ext\.?|x)\s*[0-9]{1,6})?$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
WEB_URL = re.compile(r"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:[0-9]+)?(/\S*)?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Dates are counted in months and years from one another (due dates, stale entries, the review a
# year on); years far from today overflow that arithmetic and are surely typing mistakes.
FIRST_YEAR, LAST_YEAR = 1900, 2199
# Every text of every input is bounded: a paragraph fits, a pasted file does not.
MAX_TEXT = 5000
REQUIRED_MESSAGE = "missing; this field is required"

formats = FormatChecker(formats=())


@formats.checks("phone")
def is_phone(value: object) -> bool:
    if not isinstance(value, str) or not PHONE.match(value.strip()):
        return False
    digits = sum(ch.isdigit() for ch in value.split("x")[0].split("ext")[0])
    return 3 <= digits <= 15


@formats.checks("email")
def is_email(value: object) -> bool:
    return isinstance(value, str) and bool(EMAIL.match(value))


@formats.checks("web-url")
def is_web_url(value: object) -> bool:
    return isinstance(value, str) and bool(WEB_URL.match(value))


@formats.checks("date", raises=ValueError)
def is_date(value: object) -> bool:
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return False
    return FIRST_YEAR <= date.fromisoformat(value).year <= LAST_YEAR


@cache
def _schema_file(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def _inline(node: Any, file: str) -> Any:
    """The schema with every $ref replaced by what it points to.

    The published files keep their shared definitions in common.schema.json for editors;
    validating thousands of CSV rows is several times faster without reference lookups.
    """
    if isinstance(node, list):
        return [_inline(item, file) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" not in node:
        return {key: _inline(value, file) for key, value in node.items() if key != "$defs"}
    target_file, _, pointer = node["$ref"].partition("#")
    target_file = target_file or file
    target: Any = _schema_file(target_file)
    for part in filter(None, pointer.split("/")):
        target = target[part]
    inlined = _inline(target, target_file)
    # A description beside a $ref is for editors and the reference pages, not for validation.
    rest = {
        key: _inline(value, file)
        for key, value in node.items()
        if key not in ("$ref", "description")
    }
    return {**rest, "allOf": [inlined]} if rest else inlined


def _whole_number(checker: Any, instance: object) -> bool:
    """A whole number as written: 3, not 3.0 (JSON Schema would take either)."""
    return isinstance(instance, int) and not isinstance(instance, bool)


def _enum_as_written(validator: Any, members: list, instance: object, schema: dict) -> Any:
    """`enum`, with a value matching a member only if it has the member's type: 3.0 is no
    rating 3, and true is no 1."""
    if not any(type(instance) is type(member) and instance == member for member in members):
        yield ValidationError(f"{instance!r} is not one of {members!r}")


StrictValidator = validators.extend(
    Draft202012Validator,
    validators={"enum": _enum_as_written},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _whole_number),
)


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator for `profile`, `questionnaire`, ... with shared definitions inlined."""
    file = f"{name}.schema.json"
    return StrictValidator(_inline(_schema_file(file), file), format_checker=formats)


def check(document: YamlDocument, schema_name: str) -> list[Problem]:
    """Every way the document breaks its schema, one problem each."""
    return checked(document, schema_name)[1]


def checked(document: YamlDocument, schema_name: str) -> tuple[YamlDocument, list[Problem]]:
    """The document's problems, and the document with every value that breaks the schema taken
    out, so that checks across fields and files can read what is left without meeting a number
    where a list belongs (a list item taken out leaves None, keeping the others' places)."""
    problems: list[Problem] = []
    broken: list[FieldPath] = []
    for error in validator(schema_name).iter_errors(document.data):
        problems.extend(_describe(document, error))
        broken.extend(_broken_values(error))
    bounded = {p.field for p in problems}
    problems += [p for p in _too_long(document, document.data, ()) if p.field not in bounded]
    if not broken:
        return document, problems
    sound = copy.copy(document)  # a table document keeps its cells and sheet
    sound.data = _without(document.data, broken)
    return sound, problems


def _broken_values(error: ValidationError) -> list[FieldPath]:
    """Where the values an error is about are: a missing field is no value, an unknown one is."""
    at = tuple(error.absolute_path)
    if error.validator == "required":
        return []
    unknown = error.validator in ("additionalProperties", "unevaluatedProperties")
    if unknown and isinstance(error.instance, dict):
        allowed = _allowed_keys(error.schema)
        return [(*at, key) for key in error.instance if key not in allowed]
    return [at]


def _without(data: Any, broken: list[FieldPath]) -> Any:
    """A copy of `data` with the values at `broken` removed (no fields left when the document as
    a whole breaks its schema: the checks that read it look fields up)."""
    if () in broken:
        return {}
    data = copy.deepcopy(data)
    for field_path in sorted(set(broken), key=len, reverse=True):
        *parents, last = field_path
        container = data
        for part in parents:
            container = container[part] if _holds(container, part) else None
        if isinstance(container, dict) and last in container:
            del container[last]
        elif isinstance(container, list) and _holds(container, last):
            container[last] = None
    return data


def _holds(container: Any, part: Any) -> bool:
    if isinstance(container, dict):
        return part in container
    return isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container)


def _too_long(document: YamlDocument, value: Any, at: FieldPath) -> list[Problem]:
    """A problem for every text of the document longer than MAX_TEXT characters."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _too_long(document, item, (*at, key))]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _too_long(document, item, (*at, i))]
    if isinstance(value, str) and len(value) > MAX_TEXT:
        message = f"is {len(value)} characters long; expected at most {MAX_TEXT}"
        return [document.problem(at, message)]
    return []


def _describe(document: YamlDocument, error: ValidationError) -> list[Problem]:
    at = tuple(error.absolute_path)
    keyword = error.validator
    if keyword == "required":
        missing = re.search(r"'([^']+)' is a required property", error.message)
        name = missing.group(1) if missing else "?"
        return [document.problem((*at, name), REQUIRED_MESSAGE)] if missing else []
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        allowed = _allowed_keys(error.schema)
        extra = [key for key in error.instance if key not in allowed]
        return [document.problem((*at, key), _unknown_key(key, allowed)) for key in extra]
    if error.validator == "type" and error.validator_value == "string":
        hint = " (put it in quotes)" if isinstance(error.instance, (int, float, bool)) else ""
        return [document.problem(at, f"expected text{hint}, got {_shown(error.instance)}")]
    if error.instance == "" and error.validator in ("minLength", "format", "pattern"):
        return [document.problem(at, f"is empty; fill in {_expected(error)}")]
    if keyword == "maxLength" and isinstance(error.instance, str):
        bound = f"at most {error.validator_value} characters"
        reason = f" ({error.schema['x-why']})" if "x-why" in error.schema else ""
        return [document.problem(at, f"is {len(error.instance)} characters long; {bound}{reason}")]
    if "propertyNames" in error.schema_path:
        # The error is about a key, not a value: point at the key itself.
        at = (*at, error.instance)
    return [document.problem(at, f"expected {_expected(error)}, got {_shown(error.instance)}")]


def _allowed_keys(schema: dict[str, Any]) -> list[str]:
    """Property names a schema allows, including those of the schemas it combines."""
    keys = list(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        keys += _allowed_keys(part)
    return keys


def _unknown_key(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(allowed)}"
    return f"unknown field '{key}'{hint}"


TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a set of fields",
}


def _expected(error: ValidationError) -> str:
    if "x-expected" in error.schema:
        return error.schema["x-expected"]
    if error.validator == "type":
        return TYPE_NAMES.get(error.validator_value, str(error.validator_value))
    if error.validator == "minItems":
        return (
            f"at least {error.validator_value} entr{'y' if error.validator_value == 1 else 'ies'}"
        )
    if error.validator == "minLength":
        return "some text (it is empty)"
    return error.message


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if value is None:
        return "nothing"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"
