"""Stage 2: turn validated inputs into the values the templates show."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pipeline.assessment import summarize
from pipeline.content import content
from pipeline.directory import arrange, national_set
from pipeline.images import LOGO, clean_image
from pipeline.load import AgencyInputs
from pipeline.training import training_log


def build_context(inputs: AgencyInputs, blank_assessment: bool = False) -> dict[str, Any]:
    """The render context shared by every document of the packet."""
    profile, answers = inputs.profile, inputs.questionnaire
    respondents = [] if blank_assessment else inputs.respondents
    agency_type = profile["agency"]["type"]
    country = profile["agency"]["address"]["country"]
    is_us = country == "US"
    national = national_set(country)
    return {
        "sample": profile.get("sample", False),
        "agency": agency_facts(profile["agency"]),
        "words": content("policy")["agency_types"][agency_type],
        "packet": packet_facts(profile, inputs.packet_date),
        "governance": profile["governance"],
        "personnel": profile["key_personnel"],
        "reporting": reporting_facts(profile),
        "law_enforcement": law_enforcement_contacts(profile.get("law_enforcement", [])),
        "partners": profile.get("partners", []),
        "response": response_decisions(answers["response"]),
        "is_us": is_us,
        "relationships": content("policy")[
            "relationships" if is_us else "relationships_outside_us"
        ],
        "is_task_force": agency_type == "task_force",
        "task_force": task_force_facts(answers.get("task_force")),
        "operational_protocol": operational_protocol(answers.get("task_force")),
        "hotline": national_hotline(national),
        "national_resources": national["resources"] if national else [],
        "national": national,
        "language": national["language"] if national else None,
        "content": content("policy"),
        "documents": content("documents")["documents"],
        "directory": arrange(
            inputs.directory,
            profile["agency"]["address"]["country"],
            profile["agency"]["languages"],
            inputs.packet_date,
        ),
        "training": training_log(inputs.training, answers, inputs.packet_date),
        "assessment": summarize(
            respondents, {} if blank_assessment else answers.get("assessment", {}), agency_type
        ),
        "images": {"logo": logo_image(inputs)},
        # The agency's own wording, applied to each document once it is rendered.
        "wording": inputs.wording,
        "values": inputs.values,
    }


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
    parts = [address["street"], address["city"]]
    parts.append(" ".join(filter(None, [address.get("state"), address.get("postal_code")])))
    if address["country"] != "US":
        parts.append(address["country"])
    return {
        **agency,
        "type_label": content("policy")["agency_types"][agency["type"]]["label"],
        "title_x": agency.get("title_x", False),
        "county": address.get("county"),
        "address_line": ", ".join(part for part in parts if part),
        "serves_minors": agency["populations"]["minors"],
    }


def packet_facts(profile: dict[str, Any], packet_date: date) -> dict[str, Any]:
    return {
        "date": packet_date.isoformat(),
        "year": packet_date.year,
        "version": profile["packet"].get("version", "1.0"),
    }


def reporting_facts(profile: dict[str, Any]) -> dict[str, Any]:
    address = profile["agency"]["address"]
    state = address.get("state")
    return {
        **profile["mandatory_reporting"],
        "state": state,
        "jurisdiction": profile["mandatory_reporting"].get("jurisdiction")
        or (content("us_states")[state] if state else address["country"]),
    }


def law_enforcement_contacts(offices: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kinds = content("policy")["law_enforcement_kinds"]
    return [{**office, "kind_label": kinds[office.get("kind", "other")]} for office in offices]


def response_decisions(response: dict[str, Any]) -> dict[str, Any]:
    cycles = content("policy")["quality_improvement_cycles"]
    quality = response["quality_improvement"]
    return {
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
