"""The community resource directory: reading, checking and arranging entries by category."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.content import content
from pipeline.dates import add_months, parse_date
from pipeline.errors import Problem
from pipeline.tables import Columns, read_rows, table_document
from pipeline.yamlfile import YamlDocument

COLUMNS = Columns(
    names=(
        "id",
        "name",
        "category",
        "services",
        "phones",
        "text",
        "email",
        "website",
        "address",
        "address_confidential",
        "hours",
        "twenty_four_seven",
        "languages",
        "language",
        "eligibility_age",
        "eligibility_gender",
        "eligibility_legal_status",
        "length_of_stay",
        "contact_person",
        "last_verified",
    ),
    lists=frozenset({"phones", "languages"}),
    flags=frozenset({"address_confidential", "twenty_four_seven"}),
    phones=frozenset({"phones"}),
    dates=frozenset({"last_verified"}),
    required=("name", "category", "last_verified"),
    noun="entry",
    sheet_words=("directory", "resources", "entries"),
)
STALE_AFTER_MONTHS = 12


def read_spreadsheet(
    path: Path, display: str, country: str | None = None
) -> tuple[YamlDocument | None, list[Problem]]:
    """directory.csv, .xlsx, .xls or .ods: one entry per row; `country` (the agency's) tells how
    phone numbers stored as numbers were typed."""
    rows, problems, sheet = read_rows(path, display, COLUMNS, country)
    return table_document(path, display, "entries", rows, sheet, COLUMNS.noun), problems


@cache
def categories() -> dict[str, dict[str, Any]]:
    """Category id -> category with its group, in the toolkit's order."""
    found = {}
    for group in content("directory")["groups"]:
        for category in group["categories"]:
            found[category["id"]] = {**category, "group": group["id"]}
    return found


def check_entries(document: YamlDocument, packet_date: date | None) -> list[Problem]:
    """Errors for unknown categories and repeated ids; warnings for entries not verified lately
    or verified after the packet date (when the profile gives one)."""
    problems, warnings = [], []
    seen: set[str] = set()
    stale_before = add_months(packet_date, -STALE_AFTER_MONTHS) if packet_date else None
    for index, entry in enumerate(document.data.get("entries") or []):
        if not isinstance(entry, dict):
            continue
        category = entry.get("category")
        if isinstance(category, str) and category not in categories():
            problems.append(
                document.problem(
                    ("entries", index, "category"),
                    f"unknown category '{category}'; expected a category id from "
                    "pipeline/content/directory.yaml such as anti_trafficking_local",
                )
            )
        if "id" in entry and entry["id"] in seen:
            problems.append(
                document.problem(("entries", index, "id"), f"id '{entry['id']}' is used twice")
            )
        seen.add(entry.get("id"))
        verified = parse_date(entry.get("last_verified"))
        if verified and stale_before and verified < stale_before:
            warnings.append(
                document.warning(
                    ("entries", index, "last_verified"),
                    f"'{entry.get('name')}' was last verified {verified}, "
                    f"more than {STALE_AFTER_MONTHS} months before the packet date",
                )
            )
        if verified and packet_date and verified > packet_date:
            warnings.append(
                document.warning(
                    ("entries", index, "last_verified"),
                    f"'{entry.get('name')}' was verified {verified}, after the packet "
                    f"date {packet_date}; check the date",
                )
            )
    return problems + warnings


@cache
def national_sets() -> dict[str, dict[str, Any]]:
    """Country code (or an alias such as UK) -> that country's set in national_resources.yaml."""
    found = {}
    for code, national in content("national_resources")["countries"].items():
        for key in (code, *national.get("aliases", [])):
            found[key] = {**national, "code": code}
    return found


def national_set(country: str) -> dict[str, Any] | None:
    """The national resources of the agency's country, or None when the file has no set for it."""
    return national_sets().get(country)


@cache
def national_ranks() -> dict[str, int]:
    """National resource id -> its place in its country's set in national_resources.yaml."""
    return {
        resource["id"]: rank
        for national in content("national_resources")["countries"].values()
        for rank, resource in enumerate(national["resources"])
    }


def listing_order(entry: dict[str, Any]) -> tuple[int, str]:
    """National resources first, in their file's order, then the agency's own entries by name.

    The file puts the victim-centred National Human Trafficking Hotline ahead of the HSI Tip
    Line (federal law enforcement); an agency entry that replaces a national one keeps its place.
    """
    ranks = national_ranks()
    return ranks.get(entry.get("id"), len(ranks)), entry["name"].lower()


def national_entries(directory: dict[str, Any], country: str) -> list[dict[str, Any]]:
    """The national resources of the agency's country (none of another's), unless switched off
    or excluded; none for a country without a set."""
    national = national_set(country)
    if national is None or not directory.get("national_resources", True):
        return []
    excluded = set(directory.get("exclude_national", []))
    return [
        {
            **resource,
            "languages": [resource["languages"]] if "languages" in resource else [],
            "last_verified": str(resource["checked"]),
            "national": True,
            "source_sites": source_sites(resource.get("sources", [])),
        }
        for resource in national["resources"]
        if resource["id"] not in excluded
    ]


def source_sites(addresses: list[str]) -> list[str]:
    """The web sites a resource was checked against, each once: `humantraffickinghotline.org`."""
    sites = [urlsplit(address).hostname or address for address in addresses]
    return list(dict.fromkeys(site.removeprefix("www.") for site in sites))


def all_entries(directory: dict[str, Any], country: str) -> list[dict[str, Any]]:
    """The agency's entries plus national ones; an agency entry with a national id replaces it."""
    own = directory.get("entries", [])
    replaced = {entry["id"] for entry in own if entry.get("id")}
    national = [
        entry for entry in national_entries(directory, country) if entry["id"] not in replaced
    ]
    return own + national


def empty_categories(entries: list[dict[str, Any]]) -> list[str]:
    used = {entry["category"] for entry in entries}
    return [category_id for category_id in categories() if category_id not in used]


def arrange(
    directory: dict[str, Any], country: str, languages: list[str], packet_date: date
) -> dict[str, Any]:
    """Groups -> categories -> entries (national first, then by name), 24/7 and stale marked."""
    stale_before = add_months(packet_date, -STALE_AFTER_MONTHS)
    entries = all_entries(directory, country)
    by_category: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        by_category.setdefault(entry["category"], []).append(
            {
                **entry,
                "twenty_four_seven": entry.get("twenty_four_seven", entry.get("hours") == "24/7"),
                "stale": date.fromisoformat(entry["last_verified"]) < stale_before,
            }
        )
    groups = []
    for group in content("directory")["groups"]:
        rows = [
            {
                **category,
                "entries": sorted(by_category.get(category["id"], []), key=listing_order),
            }
            for category in group["categories"]
        ]
        groups.append(
            {**group, "categories": rows, "entry_count": sum(len(r["entries"]) for r in rows)}
        )
    return {
        "groups": groups,
        "common_languages": directory.get("common_languages") or languages,
        "entry_count": len(entries),
        "stale_count": sum(1 for rows in by_category.values() for entry in rows if entry["stale"]),
        "empty_count": len(empty_categories(entries)),
        "twenty_four_seven_count": sum(
            1 for rows in by_category.values() for e in rows if e["twenty_four_seven"]
        ),
    }
