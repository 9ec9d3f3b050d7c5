"""Each field is described once, in its schema, and the starters' comments come from there."""

from __future__ import annotations

import re

import pytest

from pipeline.blank import starter_text
from pipeline.content import agency_types, content
from pipeline.fields import INPUT_FILES, ITEM, fields, key_lines, shared_fields, summary

ALL_FIELDS = [
    *[(name, field) for name in INPUT_FILES for field in fields(name)],
    *[
        (shared, field)
        for shared in ("person", "contact_fields")
        for field in shared_fields(shared)
    ],
]
STARTERS = [
    (file, agency_type, country)
    for file in ("profile.yaml", "questionnaire.yaml")
    for agency_type in agency_types()
    for country in content("starter/countries")
]


def test_every_property_of_every_input_schema_is_described():
    undescribed = [
        f"{schema}: {field.name}" for schema, field in ALL_FIELDS if not field.description
    ]
    assert undescribed == []
    assert len(ALL_FIELDS) >= 213


@pytest.mark.parametrize("schema, field", ALL_FIELDS, ids=lambda x: getattr(x, "name", x))
def test_a_description_says_which_documents_print_the_field(schema, field):
    assert re.search(r"print", field.description, re.IGNORECASE)


TEXT_LEAVES = [
    (schema, field)
    for schema, field in ALL_FIELDS
    if field.node.get("type") in ("string", "array") and "objects" not in field.form
]


@pytest.mark.parametrize("schema, field", TEXT_LEAVES, ids=lambda x: getattr(x, "name", x))
def test_a_text_fields_description_gives_an_example(schema, field):
    assert re.search(r"e\.g\.|such as", field.description)


@pytest.mark.parametrize("file, agency_type, country", STARTERS)
def test_every_line_of_a_starter_names_a_field_of_its_schema(file, agency_type, country):
    text = starter_text(file, agency_type, country)
    unknown = [line.path for line in key_lines(text, file.removesuffix(".yaml")) if not line.field]
    assert unknown == []


@pytest.mark.parametrize("file, agency_type, country", STARTERS)
def test_a_starters_comments_are_the_descriptions_and_its_own_examples(file, agency_type, country):
    text = starter_text(file, agency_type, country)
    words = " ".join(text.replace("#", " ").split())
    for line in key_lines(text, file.removesuffix(".yaml")):
        assert " ".join(summary(line.field.description).split()) in words, line.path
    raw = re.sub(r"@[A-Z_]+@", "", open_starter(file))
    hints = [line.hint for line in key_lines(raw, file.removesuffix(".yaml")) if line.hint]
    assert all(hint.startswith("e.g. ") for hint in hints), hints


def open_starter(file: str) -> str:
    from pipeline.blank import STARTER_DIR

    return (STARTER_DIR / file).read_text(encoding="utf-8")


@pytest.mark.parametrize("file", ["profile.yaml", "questionnaire.yaml"])
def test_a_starter_has_every_required_field(file):
    name = file.removesuffix(".yaml")
    text = starter_text(file, "task_force", "US", "CA")
    lines = list(key_lines(text, name))
    present = {line.path for line in lines}
    blocks = {line.path for line in lines if not line.value}  # fields below, not on the line
    required = {
        field.path
        for field in fields(name)
        if field.required and all(parent in blocks for parent in parents(field.path))
    }
    assert required - present == set()


def parents(path: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The fields enclosing a field (a list's items are not fields of their own)."""
    steps = [path[:end] for end in range(1, len(path))]
    return [step for step in steps if step[-1] != ITEM]
