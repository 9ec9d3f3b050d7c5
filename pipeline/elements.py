"""The elements of a comprehensive protocol, as the ICMEC toolkit lists them
(content/protocol_elements.yaml): what the policy prints for each, and which of them the
agency's inputs still leave open."""

from __future__ import annotations

from typing import Any

from pipeline.content import content, regions
from pipeline.directory import national_set
from pipeline.errors import Problem
from pipeline.locales import respell_data
from pipeline.yamlfile import YamlDocument

FieldPath = tuple[str, ...]


def country_definitions(address: dict[str, Any], language: str | None) -> dict[str, Any] | None:
    """The definitions of trafficking in the agency's country and region, in the packet's
    spelling; None where none are on file (a country not listed, or a region its law does not
    cover, such as Scotland for the Modern Slavery Act 2015)."""
    entry = content("definitions")["countries"].get(address["country"])
    region = address.get("state")
    if entry is None or (region and "applies_in" in entry and region not in entry["applies_in"]):
        return None
    return respell_data(entry, language)


def definitions_place(address: dict[str, Any]) -> str:
    """Where the definitions are missing for, as a warning names it: the region when the
    country's law does not cover it, else the country."""
    country, region = address["country"], address.get("state")
    if definitions_field(address) == "state":
        return (regions(country) or {}).get(region, region)
    national = national_set(country)
    return national["name"].removeprefix("the ") if national else f"country '{country}'"


def definitions_field(address: dict[str, Any]) -> str:
    """The address field that leaves the definitions missing: the region (`state`) when the
    country has definitions that do not cover it, else the country."""
    known = address["country"] in content("definitions")["countries"]
    return "state" if known and address.get("state") else "country"


def toolkit_lists(agency_type: str) -> dict[str, Any]:
    """The toolkit's Tables 1-4 as the policy's appendices print them: quoted as written (never
    respelt), with the Table 3 groups that do not fit the agency type left out and named."""
    lists = content("toolkit_lists")
    left_out = content("policy")["indicator_groups_left_out"].get(agency_type, [])
    groups = lists["indicators"]["groups"]
    return {
        **lists,
        "indicators": {
            **lists["indicators"],
            "groups": [group for group in groups if group["id"] not in left_out],
        },
        "indicators_left_out": [group["heading"] for group in groups if group["id"] in left_out],
    }


def refers_health_care_off_site(agency_type: str) -> bool:
    return agency_type in content("policy")["refers_health_care_off_site"]


def provides_health_care(agency_type: str) -> bool:
    return agency_type in content("policy")["provides_health_care"]


def screening_questions(screening: dict[str, Any], language: str | None) -> dict[str, Any]:
    """The questions staff ask: the agency's own, else the project's starter set (marked)."""
    own = screening.get("questions")
    if own:
        return {"questions": own, "starter": False}
    starter = respell_data(content("policy")["starter_screening_questions"], language)
    return {"questions": starter, "starter": True}


def open_elements(profile: dict[str, Any], questionnaire: dict[str, Any]) -> list[dict[str, Any]]:
    """The protocol elements the inputs leave uncovered, in the toolkit's order; each with the
    file (`profile` or `questionnaire`) and field that would cover it."""
    agency = profile["agency"]
    files = {"profile": profile, "questionnaire": questionnaire}
    found = []
    for element in content("protocol_elements")["elements"]:
        types = element.get("types")
        if types and agency["type"] not in content("policy")[types]:
            continue
        if element.get("country") and country_definitions(agency["address"], None) is None:
            warning = element["warning"].format(place=definitions_place(agency["address"]))
            field_path = ("agency", "address", definitions_field(agency["address"]))
            found.append({**element, "file": "profile", "field": field_path, "warning": warning})
        elif "input" in element:
            file_key, *field_path = element["input"]
            if _lookup(files[file_key], field_path) in (None, [], ""):
                found.append({**element, "file": file_key, "field": tuple(field_path)})
    return found


def uncovered_element_warnings(profile: YamlDocument, questionnaire: YamlDocument) -> list[Problem]:
    """`packet validate`'s warning for each protocol element the inputs leave open."""
    documents = {"profile": profile, "questionnaire": questionnaire}
    return [
        documents[element["file"]].warning(element["field"], " ".join(element["warning"].split()))
        for element in open_elements(profile.data, questionnaire.data)
    ]


def _lookup(data: Any, field_path: list[str] | FieldPath) -> Any:
    for part in field_path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data
