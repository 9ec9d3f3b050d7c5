"""What the inputs say together, checked once each file reads well: rules that span fields or
files (a region code of another country, an emergency number not the country's), facts a
complete protocol states but the inputs leave out, and dates after the packet's."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeline import directory
from pipeline.content import content
from pipeline.content import regions as content_regions
from pipeline.dates import parse_date
from pipeline.errors import Problem
from pipeline.yamlfile import YamlDocument


def directory_gaps(profile: YamlDocument, listing: YamlDocument | None) -> list[Problem]:
    """The directory's categories with no entry, national ones included."""
    data = listing.data if listing else {}
    entries = directory.all_entries(data, profile.data["agency"]["address"]["country"])
    empty = directory.empty_categories(entries)
    if not empty:
        return []
    where = listing if listing else profile
    return [
        where.warning((), f"{len(empty)} directory categories have no entries: {', '.join(empty)}")
    ]


def national_checked_after_packet(
    profile: YamlDocument, listing: YamlDocument | None
) -> list[Problem]:
    """The directory prints the day each national resource was checked: never after the packet's."""
    packet_date = date.fromisoformat(profile.data["packet"]["date"])
    entries = directory.national_entries(
        listing.data if listing else {}, profile.data["agency"]["address"]["country"]
    )
    checked = max((date.fromisoformat(e["last_verified"]) for e in entries), default=None)
    if checked is None or checked <= packet_date:
        return []
    return [
        profile.warning(
            ("packet", "date"),
            f"the national resources the directory lists were checked on {checked}, after the "
            f"packet date {packet_date}: date the packet on or after {checked}",
        )
    ]


def cross_checks(profile: YamlDocument, questionnaire: YamlDocument) -> list[Problem]:
    """Rules that span fields or files, which JSON Schema cannot say."""
    found: list[Problem] = []
    agency = profile.data["agency"]
    governance = profile.data["governance"]
    address = agency["address"]
    if address["country"] == "US" and "state" not in address:
        found.append(
            profile.problem(
                ("agency", "address"),
                "missing 'state'; US agencies need their two-letter state code",
            )
        )
    found += region_checks(profile, address)
    if governance["next_review_date"] <= governance["effective_date"]:
        found.append(
            profile.problem(
                ("governance", "next_review_date"),
                f"expected a date after the effective date {governance['effective_date']}, "
                f"got {governance['next_review_date']!r}",
            )
        )
    is_task_force = agency["type"] == "task_force"
    has_task_force = "task_force" in questionnaire.data
    if is_task_force and not has_task_force:
        found.append(
            questionnaire.problem(
                (),
                "missing 'task_force'; a task force must answer the operational protocol questions",
            )
        )
    if has_task_force and not is_task_force:
        found.append(
            questionnaire.problem(
                ("task_force",),
                f"only task forces answer this section; this agency's type is {agency['type']!r}",
            )
        )
    return found


# What a country calls its regions, for the message about an unknown code.
REGION_WORDS = {
    "US": "two-letter US state code such as CA",
    "CA": "Canadian province or territory code such as ON",
    "AU": "Australian state or territory code such as NSW",
    "GB": "UK nation code such as ENG",
}


def region_checks(profile: YamlDocument, address: dict[str, Any]) -> list[Problem]:
    """A region code the agency's country has (content/regions.yaml)."""
    code, known = address.get("state"), content_regions(address["country"])
    if not code or known is None or code in known:
        return []
    words = REGION_WORDS.get(address["country"], f"region code such as {next(iter(known))}")
    return [
        profile.problem(
            ("agency", "address", "state"),
            f"expected a {words}, got {code!r}",
        )
    ]


# Facts of US reporting law with no counterpart in every other country (Ontario has no adult
# protective services and no written-report deadline): asked for in the US only.
# Optional facts the documents can do without, but which a complete protocol should state.
OPTIONAL_FACTS: list[tuple[str, tuple[str, ...], str]] = [
    (
        "profile",
        ("law_enforcement",),
        "no law-enforcement contacts; the policy asks for them to be filled in",
    ),
    (
        "profile",
        ("partners",),
        "no local anti-trafficking partners; the policy asks for them to be filled in",
    ),
    (
        "profile",
        ("mandatory_reporting", "adult_protective_services"),
        "no adult protective services contact; the policy asks for it",
    ),
    ("profile", ("mandatory_reporting", "statute"), "no statute citation; the policy asks for it"),
    (
        "profile",
        ("mandatory_reporting", "verified"),
        "no record of when the reporting rules were last verified",
    ),
    (
        "profile",
        ("mandatory_reporting", "time_limits", "written_report_hours"),
        "no deadline for the written report",
    ),
    ("questionnaire", ("response", "interpreters", "phone"), "no interpreter service phone number"),
    (
        "questionnaire",
        ("response", "safety", "security_contact"),
        "no security contact; the policy asks for one",
    ),
    (
        "questionnaire",
        ("response", "survivor_input"),
        "no statement of how survivors' expertise shapes the protocol",
    ),
]


US_ONLY_FACTS = {
    ("mandatory_reporting", "adult_protective_services"),
    ("mandatory_reporting", "time_limits", "written_report_hours"),
}


def missing_optional_facts(profile: YamlDocument, questionnaire: YamlDocument) -> list[Problem]:
    """A warning for each of OPTIONAL_FACTS the inputs leave out (the US-only ones in the US)."""
    documents = {"profile": profile, "questionnaire": questionnaire}
    warnings = []
    is_us = profile.data["agency"]["address"]["country"] == "US"
    for file_key, field_path, message in OPTIONAL_FACTS:
        if field_path in US_ONLY_FACTS and not is_us:
            continue
        if field_path[-1] == "written_report_hours" and lookup(
            profile.data, ("mandatory_reporting", "time_limits", "written_report")
        ):
            continue
        document = documents[file_key]
        if not lookup(document.data, field_path):
            warnings.append(document.warning(field_path, message))
    packet_date = profile.data["packet"]["date"]
    if profile.data["governance"]["next_review_date"] < packet_date:
        warnings.append(
            profile.warning(("governance", "next_review_date"), "the annual review date has passed")
        )
    return warnings


def dates_after_packet(profile: YamlDocument) -> list[Problem]:
    """Approvals and verifications dated after the date the packet speaks as of."""
    packet_date = date.fromisoformat(profile.data["packet"]["date"])
    dated = [
        (("governance", "approvers", index, "date"), approver.get("date"), "approved")
        for index, approver in enumerate(profile.data["governance"]["approvers"])
    ]
    verified = lookup(profile.data, ("mandatory_reporting", "verified"))
    if verified:
        where = ("mandatory_reporting", "verified", "date")
        dated.append((where, verified.get("date"), "rules verified"))
    warnings = []
    for field_path, value, what in dated:
        day = parse_date(value)
        if day and day > packet_date:
            warnings.append(
                profile.warning(
                    field_path,
                    f"{what} {day}, after the packet date {packet_date}; "
                    "check the date (or the packet date)",
                )
            )
    return warnings


def national_resources_missing(profile: YamlDocument) -> list[Problem]:
    """A country with no national resources on file: the agency must add its own."""
    country = profile.data["agency"]["address"]["country"]
    if directory.national_set(country) is not None:
        return []
    known = ", ".join(content("national_resources")["countries"])
    return [
        profile.warning(
            ("agency", "address", "country"),
            f"no national resources are on file for country '{country}' (only for "
            f"{known}); the packet names no national helpline. Add the country's national "
            "anti-trafficking helpline and other national hotlines to directory.yaml as entries "
            "(category anti_trafficking_hotline, suicide_hotline, child_hotline, "
            "family_violence_hotline, missing_persons_hotline), each with last_verified",
        )
    ]


def emergency_number(profile: YamlDocument, questionnaire: YamlDocument) -> list[Problem]:
    """The policy's emergency number should be the country's."""
    national = directory.national_set(profile.data["agency"]["address"]["country"])
    given = str(questionnaire.data["response"]["safety"]["emergency_number"])
    if national is None or national["emergency"]["number"] in given:
        return []
    expected = national["emergency"]["number"]
    return [
        questionnaire.warning(
            ("response", "safety", "emergency_number"),
            f"the emergency number in {national['name']} is {expected}, got {given!r}",
        )
    ]


def lookup(data: Any, field_path: tuple[str, ...]) -> Any:
    """The value at `field_path` in nested mappings, or None where a part is missing."""
    for part in field_path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
