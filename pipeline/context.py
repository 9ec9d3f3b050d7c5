"""Stage 2: turn validated inputs into the values the templates show."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pipeline.assessment import summarize
from pipeline.content import content, regions
from pipeline.directory import arrange, national_set
from pipeline.elements import (
    country_definitions,
    open_elements,
    provides_health_care,
    refers_health_care_off_site,
    screening_questions,
    toolkit_lists,
)
from pipeline.images import LOGO, clean_image
from pipeline.load import AgencyInputs
from pipeline.locales import conventions, reporting_terms, respell, respell_data
from pipeline.training import training_log


def build_context(inputs: AgencyInputs, blank_assessment: bool = False) -> dict[str, Any]:
    """The render context shared by every document of the packet."""
    profile, answers = inputs.profile, inputs.questionnaire
    respondents = [] if blank_assessment else inputs.respondents
    agency_type = profile["agency"]["type"]
    country = profile["agency"]["address"]["country"]
    is_us = country == "US"
    national = national_set(country)
    language = national["language"] if national else None
    policy = respell_data(content("policy"), language, kept=QUOTED_POLICY_CONTENT)
    return {
        "sample": profile.get("sample", False),
        "agency": agency_facts(profile["agency"]),
        "words": policy["agency_types"][agency_type],
        "packet": packet_facts(profile, inputs.packet_date),
        "governance": profile["governance"],
        "personnel": profile["key_personnel"],
        "reporting": reporting_facts(profile),
        "law_enforcement": law_enforcement_contacts(profile.get("law_enforcement", [])),
        "partners": profile.get("partners", []),
        "response": response_decisions(answers["response"]),
        # What the toolkit says a comprehensive protocol includes (content/protocol_elements.yaml).
        "definitions": country_definitions(profile["agency"]["address"], language),
        "toolkit": toolkit_lists(agency_type),
        "screening_questions": screening_questions(answers["response"]["screening"], language),
        "refers_off_site": refers_health_care_off_site(agency_type),
        "provides_health_care": provides_health_care(agency_type),
        "open_elements": open_elements(profile, answers),
        "is_us": is_us,
        "relationships": policy["relationships" if is_us else "relationships_outside_us"],
        "is_task_force": agency_type == "task_force",
        "task_force": task_force_facts(answers.get("task_force")),
        "operational_protocol": operational_protocol(answers.get("task_force")),
        "hotline": national_hotline(national),
        "national_resources": national["resources"] if national else [],
        "national": national,
        "language": language,
        "locale": conventions(language),
        "terms": reporting_terms(country),
        "content": policy,
        "documents": content("documents")["documents"],
        "quickref": quick_reference(agency_type),
        "directory": fitted_to_type(
            spelt_titles(
                arrange(
                    inputs.directory, country, profile["agency"]["languages"], inputs.packet_date
                ),
                language,
            ),
            agency_type,
        ),
        "training": training_log(
            inputs.training, answers, inputs.packet_date, reporting_terms(country)["topic"]
        ),
        "assessment": assessment_summary(inputs, respondents, blank_assessment, language),
        "images": {"logo": logo_image(inputs)},
        "working_forms": working_form_facts(agency_type),
        # The agency's own wording, applied to each document once it is rendered.
        "wording": inputs.wording,
        "values": inputs.values,
    }


# Content the policy quotes from its sources, kept in their spelling.
QUOTED_POLICY_CONTENT = {"operational_questions", "annual_training_topics", "protocol_components"}


def spelt_titles(directory: dict[str, Any], language: str | None) -> dict[str, Any]:
    """The directory's group and category headings in the packet's spelling ("Trauma centre");
    entries, and the organisations the toolkit lists, keep their own names."""
    groups = [
        {
            **group,
            "title": respell(group["title"], language),
            "categories": [
                {**row, "title": respell(row["title"], language)} for row in group["categories"]
            ],
        }
        for group in directory["groups"]
    ]
    return {**directory, "groups": groups}


def fitted_to_type(directory: dict[str, Any], agency_type: str) -> dict[str, Any]:
    """The directory with the empty categories that do not fit the agency type taken out of
    its tables and `offered` (the drafting notes list them); see directory.yaml."""
    printed = content("directory").get("empty_rows_by_type", {}).get(agency_type)
    if printed is None:
        return {**directory, "offered": []}
    offered, groups = [], []
    for group in directory["groups"]:
        rows = [row for row in group["categories"] if row["entries"] or row["id"] in printed]
        offered += [row["title"] for row in group["categories"] if row not in rows]
        if rows:
            groups.append({**group, "categories": rows})
    empty = sum(1 for group in groups for row in group["categories"] if not row["entries"])
    return {**directory, "groups": groups, "offered": offered, "empty_count": empty}


def assessment_summary(
    inputs: AgencyInputs, respondents: list, blank_assessment: bool, language: str | None
) -> dict[str, Any]:
    """The assessment as summarised; the toolkit's items keep their spelling, and only the notes
    on applying it to the agency type (the project's own text) follow the packet's."""
    settings = {} if blank_assessment else inputs.questionnaire.get("assessment", {})
    summary = summarize(respondents, settings, inputs.profile["agency"]["type"])
    return {**summary, "applicability": respell_data(summary["applicability"], language)}


def logo_path(inputs: AgencyInputs) -> str | None:
    logo = inputs.profile["agency"].get("logo")
    return str(inputs.folder / logo) if logo else None


def logo_image(inputs: AgencyInputs) -> dict[str, Any]:
    """The logo as the cover prints it: a cleaned PNG (None without a logo) and its size."""
    path = logo_path(inputs)
    png = clean_image(Path(path), LOGO) if path else None
    return {"png": png, "dimension": LOGO.dimension, "mm": LOGO.mm}


def agency_facts(agency: dict[str, Any]) -> dict[str, Any]:
    address = agency["address"]
    return {
        **agency,
        "type_label": content("policy")["agency_types"][agency["type"]]["label"],
        "title_x": agency.get("title_x", False),
        "county": address.get("county"),
        "region": region_name(address),
        "address_line": address_line(address),
        "serves_minors": agency["populations"]["minors"],
    }


def region_name(address: dict[str, Any]) -> str | None:
    """The state, province or territory named in full ("Ontario" for ON); None without one."""
    code = address.get("state")
    return (regions(address["country"]) or {}).get(code, code) if code else None


def country_name(country: str) -> str:
    """The country as an address ends ("Canada"); its code for a country not on file."""
    national = national_set(country)
    return national["name"].removeprefix("the ") if national else country


def address_line(address: dict[str, Any]) -> str:
    """One line of the address. A US address keeps its postal state code (San Diego, CA 92101);
    elsewhere the region is named in full and the country closes the line, so that no code is
    read as a US state ("CA" for Canada)."""
    country = address["country"]
    parts = [address["street"], address["city"]]
    if country == "US":
        parts.append(" ".join(filter(None, [address.get("state"), address.get("postal_code")])))
        return ", ".join(part for part in parts if part)
    in_address = content("regions")["countries"].get(country, {}).get("in_address", True)
    region = region_name(address) if in_address else None
    parts.append(" ".join(filter(None, [region, address.get("postal_code")])))
    parts.append(country_name(country))
    return ", ".join(part for part in parts if part)


def packet_facts(profile: dict[str, Any], packet_date: date) -> dict[str, Any]:
    return {
        "date": packet_date.isoformat(),
        "year": packet_date.year,
        "version": profile["packet"].get("version", "1.0"),
    }


def reporting_facts(profile: dict[str, Any]) -> dict[str, Any]:
    """The reporting rules and whose they are: the jurisdiction the agency gives, else its
    region's name, else its country's."""
    address = profile["agency"]["address"]
    reporting = profile["mandatory_reporting"]
    return {
        **reporting,
        "state": address.get("state"),
        "child_words": child_words(reporting.get("duty_under_age")),
        "jurisdiction": reporting.get("jurisdiction")
        or region_name(address)
        or country_name(address["country"]),
    }


def child_words(duty_under_age: int | None) -> str:
    """Whom the duty to report a child covers, as the policy's sentences name them."""
    return f"a child under {duty_under_age}" if duty_under_age else "a child"


def law_enforcement_contacts(offices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kinds = content("policy")["law_enforcement_kinds"]
    return [{**office, "kind_label": kinds[office.get("kind", "other")]} for office in offices]


def response_decisions(response: dict[str, Any]) -> dict[str, Any]:
    cycles = content("policy")["quality_improvement_cycles"]
    quality = response["quality_improvement"]
    # Decisions the policy states as still open when they are not given: {} for the templates.
    optional = {
        "clinical_care": [],
        "external_enquiries": {},
        "health_evaluation": {},
        "mental_health_assessment": {},
    }
    return {
        **optional,
        **response,
        "quality_improvement": {
            **quality,
            "cycle_text": cycles.get(quality["cycle"], quality["cycle"]),
        },
    }


def task_force_facts(task_force: dict[str, Any] | None) -> dict[str, Any]:
    if not task_force:
        return {}
    members = [
        {**member, "sector_label": content("policy")["task_force_sectors"][member["sector"]]}
        for member in task_force.get("members", [])
    ]
    return {**task_force, "members": members}


def operational_protocol(task_force: dict[str, Any] | None) -> list[dict[str, str]]:
    """The eight operational questions paired with the task force's answers."""
    if not task_force:
        return []
    answers = task_force["operational_protocol"]
    return [
        {"question": item["question"], "answer": answers[item["key"]]}
        for item in content("policy")["operational_questions"]
    ]


def national_hotline(national: dict[str, Any] | None) -> dict[str, Any] | None:
    """The country's national anti-trafficking helpline, which the policy names; None without."""
    if not national:
        return None
    return next((r for r in national["resources"] if r["id"] == national["helpline"]), None)


def working_form_facts(agency_type: str) -> dict[str, Any]:
    """What the working forms take from the agency type: the toolkit's Table 3 groups that the
    documentation record offers as boxes (those the type's policy prints), and those it leaves
    out and why (working_forms.yaml)."""
    table = content("toolkit_lists")["indicators"]
    fitting = content("working_forms")["indicators"]
    left_out = content("policy")["indicator_groups_left_out"].get(agency_type, [])
    kept = [group for group in table["groups"] if group["id"] not in left_out]
    return {
        "indicators": {"table": table["table"], "title": table["title"]},
        "indicator_groups": [{**group, "entries": numbered_indicators(group)} for group in kept],
        "left_out": [
            {"heading": group["heading"], "because": fitting["left_out_because"][group["id"]]}
            for group in table["groups"]
            if group not in kept
        ],
    }


def numbered_indicators(group: dict[str, Any]) -> list[dict[str, Any]]:
    """A Table 3 group's items in order, each numbered for its box's tag (`4`, and `4-1` for
    the first of what item 4's colon introduces)."""
    numbered = []
    for number, item in enumerate(group["items"], start=1):
        numbered.append({"number": str(number), "text": item["text"], "sub_of": None})
        numbered += [
            {"number": f"{number}-{position}", "text": text, "sub_of": str(number)}
            for position, text in enumerate(item.get("sub", []), start=1)
        ]
    return numbered


def quick_reference(agency_type: str) -> dict[str, Any]:
    """The quick reference's signs: Table 3's items that quickref.yaml chooses for the agency
    type, in the toolkit's order and wording, and the groups of Table 3 they leave out."""
    choice = content("quickref")["indicators"]
    chosen = set(choice["common"] + choice["by_type"].get(agency_type, []))
    table = content("toolkit_lists")["indicators"]
    signs, used = [], []
    for group in table["groups"]:
        for item in group["items"]:
            subs = [sub for sub in item.get("sub", []) if sub in choice["companion"]]
            if item["text"] in chosen or subs:
                signs.append({"text": item["text"], "sub": subs})
                used += [] if group["heading"] in used else [group["heading"]]
    left_out = [group["heading"] for group in table["groups"] if group["heading"] not in used]
    return {"signs": signs, "groups": used, "left_out": left_out, "table": table["table"]}
