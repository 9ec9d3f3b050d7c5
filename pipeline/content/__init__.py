"""Content data files (YAML) that templates iterate over, read once per process."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).parent


@cache
def content(name: str) -> Any:
    """The parsed content file `pipeline/content/<name>.yaml`."""
    with (CONTENT_DIR / f"{name}.yaml").open(encoding="utf-8") as stream:
        return yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def agency_types() -> list[str]:
    """The agency types, as the profile schema lists them: the one list every command uses."""
    schema_file = CONTENT_DIR.parent / "schemas" / "profile.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return schema["properties"]["agency"]["properties"]["type"]["enum"]


def regions(country: str) -> dict[str, str] | None:
    """The region codes of a country (state, province, territory or nation) with their names;
    None for a country whose regions are not on file."""
    entry = content("regions")["countries"].get(country)
    return entry["regions"] if entry else None
