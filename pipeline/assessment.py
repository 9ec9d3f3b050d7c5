"""The service assessment tool: checking respondents' answers and aggregating them."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cache
from statistics import mean
from typing import Any

from pipeline.content import content
from pipeline.dates import add_months, parse_date
from pipeline.errors import Problem
from pipeline.yamlfile import YamlDocument

ANSWERS = ("yes", "no", "n/a")
ANSWER_LABELS = {"yes": "Yes", "no": "No", "n/a": "N/A"}
DEFAULT_THRESHOLD = 2
ANSWERS_VALID_FOR_MONTHS = 12  # older answers are a warning: the assessment should be repeated
FACILITY_COLUMNS = 5  # the toolkit's facility table has five rows: the agency and four others
# The toolkit's references to other sections are quoted names: “General Resources”.
QUOTED = re.compile(r"(“[^”]+”)")
GENERAL_RESOURCES = "General Resources"
GENERAL_RESOURCES_BOOKMARK = "General_Resources"
RESOURCES_FOR = "Resources for "
# Letters of the parts of a service the toolkit lists with parts (1a, 1b ... for service 1).
PART_LETTERS = "abcdefghijklmnopqrstuvwxyz"
PART_ID = re.compile(r"[1-9][0-9]*[a-z]")


@dataclass(frozen=True)
class Respondent:
    """One respondent's answer set, normalised: item id -> yes/no/n/a, domain -> 1-5 or N/A."""

    file: str
    role: str
    name: str | None
    date: str | None
    answers: dict[str, str]
    ratings: dict[int, int | str]
    comments: dict[int, str]


@cache
def items_by_id() -> dict[str, dict[str, Any]]:
    return {
        item["id"]: item for domain in content("assessment")["domains"] for item in domain["items"]
    }


def answerable(item: dict[str, Any]) -> bool:
    return not item.get("stem", False)


@cache
def type_exceptions(agency_type: str | None) -> dict[str, str]:
    """Item id -> when it applies all the same, for the items that do not apply to the agency
    type as a rule (pipeline/content/applicability.yaml)."""
    if agency_type is None:
        return {}
    rules = content("applicability")["agency_types"][agency_type]["not_applicable"]
    return {item_id: rule["applies_when"] for rule in rules for item_id in rule["items"]}


def applicability(agency_type: str | None) -> dict[str, Any] | None:
    """How the agency type uses the tool: introduction, reading of its words, items marked."""
    if agency_type is None:
        return None
    return content("applicability")["agency_types"][agency_type]


def normalise_answer(value: bool | str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.lower()


def normalise_rating(value: int | str) -> int | str:
    return "N/A" if isinstance(value, str) else value


def check_answers(document: YamlDocument) -> list[Problem]:
    """Answers to unknown items, to headings, or to items whose condition was answered otherwise."""
    given = document.data.get("answers") if isinstance(document.data, dict) else None
    if not isinstance(given, dict):
        return []
    answers = {key: normalise_answer(value) for key, value in given.items() if _is_answer(value)}
    problems: list[Problem] = []
    known = items_by_id()
    for item_id in given:
        where = ("answers", item_id)
        item = known.get(item_id)
        if item is None:
            problems.append(
                document.problem(
                    where, f"unknown item id '{item_id}'; expected an item of the tool such as 1.5"
                )
            )
        elif not answerable(item):
            problems.append(
                document.problem(
                    where,
                    f"'{item_id}' is a heading; answer its sub-items {item_id}.a, {item_id}.b, ...",
                )
            )
        elif "condition" in item:
            condition = item["condition"]
            answer = answers.get(condition["item"])
            if answer is not None and answer != condition["answer"]:
                problems.append(
                    document.problem(
                        where,
                        f"answered, but it only applies when {condition['item']} is "
                        f"'{condition['answer']}' and {condition['item']} was answered '{answer}'",
                    )
                )
    return problems


def _is_answer(value: object) -> bool:
    return isinstance(value, bool) or (isinstance(value, str) and value.lower() in ANSWERS)


def read_respondent(
    document: YamlDocument, agency_type: str | None = None, packet_date: date | None = None
) -> tuple[Respondent, list[Problem]]:
    """A valid respondent's answers, and warnings for items and domains left unanswered and for
    answers dated after the packet date or more than 12 months before it."""
    data = document.data
    answers = {key: normalise_answer(value) for key, value in data["answers"].items()}
    respondent = Respondent(
        file=document.display,
        role=data["respondent"]["role"],
        name=data["respondent"].get("name"),
        date=data["respondent"].get("date"),
        answers=answers,
        ratings={int(key): normalise_rating(value) for key, value in data["ratings"].items()},
        comments={int(key): value for key, value in data.get("comments", {}).items()},
    )
    warnings = answer_date_warnings(document, respondent.date, packet_date)
    unanswered = [
        item_id for item_id in applicable_items(answers, agency_type) if item_id not in answers
    ]
    if unanswered:
        warnings.append(
            document.warning(
                ("answers",),
                f"{len(unanswered)} items unanswered: {', '.join(unanswered)}",
            )
        )
    unrated = [str(d["number"]) for d in rated_domains() if d["number"] not in respondent.ratings]
    if unrated:
        warnings.append(document.warning(("ratings",), f"domains not rated: {', '.join(unrated)}"))
    return respondent, warnings


def answer_date_warnings(
    document: YamlDocument, answered: str | None, packet_date: date | None
) -> list[Problem]:
    """Answers dated after the packet date, or too long before it to describe the agency now."""
    day = parse_date(answered)
    if day is None or packet_date is None:
        return []
    where = ("respondent", "date")
    if day > packet_date:
        message = f"answered {day}, after the packet date {packet_date}; check the date"
        return [document.warning(where, message)]
    if day < add_months(packet_date, -ANSWERS_VALID_FOR_MONTHS):
        return [
            document.warning(
                where,
                f"answered {day}, more than {ANSWERS_VALID_FOR_MONTHS} months before the "
                f"packet date {packet_date}; ask for the assessment to be answered again",
            )
        ]
    return []


def rated_domains() -> list[dict[str, Any]]:
    return [domain for domain in content("assessment")["domains"] if domain.get("rating_prompt")]


def applicable_items(answers: dict[str, str], agency_type: str | None = None) -> list[str]:
    """Answerable items whose condition (if any) is met or not yet answered, less the items that
    do not apply to the agency type (those count only when answered)."""
    ids = []
    exceptions = type_exceptions(agency_type)
    for item_id, item in items_by_id().items():
        condition = item.get("condition")
        if not answerable(item) or (item_id in exceptions and item_id not in answers):
            continue
        if condition and answers.get(condition["item"], condition["answer"]) != condition["answer"]:
            continue
        ids.append(item_id)
    return ids


def summarize(
    respondents: list[Respondent], settings: dict[str, Any], agency_type: str | None = None
) -> dict[str, Any]:
    """Everything the assessment document shows, blank when there are no respondents; items that
    do not apply to the agency type are marked."""
    tool = content("assessment")
    threshold = settings.get("threshold", DEFAULT_THRESHOLD)
    actions = settings.get("actions", [])
    exceptions = type_exceptions(agency_type)
    domains = [
        {
            **domain_summary(domain, respondents, threshold, actions, exceptions),
            **domain_references(domain, tool),
        }
        for domain in tool["domains"]
    ]
    facilities = facility_rows(settings.get("facilities", []), tool["aaaq"])
    return {
        "completed": bool(respondents),
        "tool": tool,
        "applicability": applicability(agency_type),
        "respondents": respondents,
        "threshold": threshold,
        "threshold_label": rating_label(threshold),
        "domains": domains,
        "rated_domains": [d for d in domains if d["rated"]],
        "flagged_domains": [d for d in domains if d["flagged"]],
        "aaaq_domain": next(d for d in domains if d.get("scoring") == "aaaq"),
        "facilities": facilities,
        "aaaq_options": [str(option["value"]) for option in tool["aaaq"]["scale"]],
        "health_services": service_rows(
            tool["aaaq"]["health_services"], facilities, "health_services"
        ),
        "mental_health_services": service_rows(
            tool["aaaq"]["mental_health_services"], facilities, "mental_health_services"
        ),
        "item_count": sum(len([i for i in d["items"] if answerable(i)]) for d in tool["domains"]),
        "appendix": bookmark("Guidance_and_Resources", 1),
        "general_resources": bookmark(GENERAL_RESOURCES_BOOKMARK, 2),
        "guidance_intro": flatten_guidance(tool["guidance_intro"]),
    }


def rating_label(value: int) -> str:
    scale = content("assessment")["rating_scale"]
    return next(option["label"] for option in scale if option["value"] == value)


def domain_summary(
    domain: dict[str, Any],
    respondents: list[Respondent],
    threshold: int,
    actions: list[dict],
    exceptions: dict[str, str] | None = None,
) -> dict[str, Any]:
    items = item_rows(domain["items"], respondents, exceptions)
    rating = rating_summary(domain["number"], respondents) if domain.get("rating_prompt") else None
    gaps = [item for item in items if item["consensus"] == "no"]
    applicable = [item for item in items if item["consensus"] in ("yes", "no")]
    low = bool(rating and rating["mean"] is not None and rating["mean"] <= threshold)
    return {
        **domain,
        "item_rows": items,  # not "items": templates would reach dict.items instead
        "rated": rating is not None,
        "rating": rating,
        "yes_count": len([item for item in applicable if item["consensus"] == "yes"]),
        "applicable_count": len(applicable),
        "gaps": gaps,
        "disagreements": [item for item in items if item["disagree"]],
        "low_rating": low,
        "flagged": bool(respondents) and (low or bool(gaps)),
        "actions": [action for action in actions if action["domain"] == domain["number"]],
        "comments": [
            {"role": r.role, "text": r.comments[domain["number"]]}
            for r in respondents
            if domain["number"] in r.comments
        ],
    }


def item_rows(
    items: list[dict[str, Any]],
    respondents: list[Respondent],
    exceptions: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One row per item. `exceptions` (item id -> when it applies all the same) are the items
    that do not apply to the agency type: marked, never dropped, and counted when answered."""
    exceptions = exceptions or {}
    rows = []
    previous_group = None
    consensus_by_id: dict[str, str | None] = {}
    for item in items:
        given = [r.answers[item["id"]] for r in respondents if item["id"] in r.answers]
        counts = Counter(given)
        ranked = counts.most_common()
        unique_top = ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1])
        consensus = ranked[0][0] if unique_top else None
        consensus_by_id[item["id"]] = consensus
        group = item.get("group")
        # An "IF YES" item does not apply when its condition item's most common answer is
        # another one: it is neither unanswered nor a gap.
        condition = item.get("condition")
        condition_answer = consensus_by_id.get(condition["item"]) if condition else None
        not_applicable = bool(
            condition and condition_answer and condition_answer != condition["answer"] and not given
        )
        type_not_applicable = item["id"] in exceptions
        rows.append(
            {
                **item,
                "answerable": answerable(item),
                "sub_item": "parent" in item,
                "group_start": bool(group) and group != previous_group,
                "counts": {answer: counts.get(answer, 0) for answer in ANSWERS},
                "answered": len(given),
                "consensus": consensus,
                "disagree": len(counts) > 1,
                "not_applicable": not_applicable,
                "condition_answer": ANSWER_LABELS.get(condition_answer, ""),
                "type_not_applicable": type_not_applicable,
                "applies_when": exceptions.get(item["id"], ""),
                "unanswered": bool(respondents)
                and answerable(item)
                and not given
                and not not_applicable
                and not type_not_applicable,
            }
        )
        previous_group = group
    return rows


def rating_summary(number: int, respondents: list[Respondent]) -> dict[str, Any]:
    given = [r.ratings[number] for r in respondents if number in r.ratings]
    numeric = [value for value in given if isinstance(value, int)]
    counts = Counter(str(value) for value in given)
    options = [str(option["value"]) for option in content("assessment")["rating_scale"]]
    return {
        "counts": {option: counts.get(option, 0) for option in options},
        "count": len(numeric),
        "dont_know": counts.get("N/A", 0),
        "mean": round(mean(numeric), 1) if numeric else None,
        "mean_text": f"{mean(numeric):.1f}" if numeric else "",
        "low": min(numeric) if numeric else None,
        "high": max(numeric) if numeric else None,
        "disagree": len(set(numeric)) > 1,
    }


def facility_rows(facilities: list[dict[str, Any]], aaaq: dict[str, Any]) -> list[dict[str, Any]]:
    """The filled facilities, or the toolkit's numbered empty rows when there are none."""
    if not facilities:
        return [{"label": row, "name": "", "aaaq": None} for row in aaaq["facility_table"]["rows"]]
    return [
        {**facility, "label": f"{number}.", "aaaq": normalise_rating(facility["aaaq"])}
        for number, facility in enumerate(facilities, start=1)
    ]


def service_rows(
    services: list, facilities: list[dict[str, Any]], key: str
) -> list[dict[str, Any]]:
    """Each potential service with, per facility, whether it offers it.

    A service the toolkit lists with parts (the initial medical evaluation and its 13 parts) is
    a heading row followed by a row per part, 1a, 1b ..., each marked on its own; a facility
    that lists the service's number (1) offers every part.
    """
    rows = []
    for number, service in enumerate(services, start=1):
        if isinstance(service, str):
            rows.append(service_row(str(number), service, facilities, key, {number}))
            continue
        rows.append({"id": str(number), "text": service["text"], "part": False, "markable": False})
        for letter, text in zip(PART_LETTERS, service.get("items", []), strict=False):
            part = f"{number}{letter}"
            row = service_row(part, text, facilities, key, {number, part})
            rows.append({**row, "part": True})
    return rows


def service_row(
    service_id: str, text: str, facilities: list[dict[str, Any]], key: str, marks: set
) -> dict[str, Any]:
    """One markable service row: offered by each facility that lists any of `marks`."""
    offered = [bool(marks & set(facility.get(key, []))) for facility in facilities]
    offered += [False] * (FACILITY_COLUMNS - len(offered))
    return {"id": service_id, "text": text, "part": False, "markable": True, "offered": offered}


def service_ids(services: list) -> set[int | str]:
    """What a facility may list: each service's number, and each part's id (1a, 1b ...)."""
    ids: set[int | str] = set()
    for number, service in enumerate(services, start=1):
        ids.add(number)
        parts = [] if isinstance(service, str) else service.get("items", [])
        ids.update(f"{number}{letter}" for letter, _ in zip(PART_LETTERS, parts, strict=False))
    return ids


def bookmark(name: str, number: int) -> dict[str, Any]:
    """A place the assessment links to: its bookmark's name, and an id unique in the document."""
    return {"name": name, "id": number}


def guidance_bookmark(number: int) -> dict[str, Any]:
    return bookmark(f"Domain{number}_Guidance", 100 * number)


def resources_bookmark(number: int, position: int) -> dict[str, Any]:
    suffix = "" if position == 1 else str(position)
    return bookmark(f"Domain{number}_Resources{suffix}", 100 * number + position)


def domain_references(domain: dict[str, Any], tool: dict[str, Any]) -> dict[str, Any]:
    """A domain's guidance and resource lists for the appendix, each quoted reference linked:
    “General Resources”, the domain's own “Resources for …”, and the names `cross_references`
    in the content lists (another domain's guidance, or in a Section IV note its resources)."""
    lists, named = resource_lists(domain)
    targets = {GENERAL_RESOURCES: GENERAL_RESOURCES_BOOKMARK}
    targets |= {name: resource_list["anchor"]["name"] for name, resource_list in named.items()}
    cross = tool.get("cross_references", {})
    in_guidance = {name: cross_reference(to, in_note=False) for name, to in cross.items()}
    in_notes = {name: cross_reference(to, in_note=True) for name, to in cross.items()}
    in_notes[GENERAL_RESOURCES] = GENERAL_RESOURCES_BOOKMARK
    for resource_list in lists:
        note = resource_list["note"]
        resource_list["note"] = linked(note, in_notes) if note else None
    blocks = flatten_guidance(domain.get("guidance") or [])
    for block in blocks:
        block["segments"] = linked(block["text"], in_guidance | targets)
    return {
        "guidance_anchor": guidance_bookmark(domain["number"]),
        "guidance_blocks": blocks,
        "resource_lists": lists,
    }


def resource_lists(domain: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The domain's resource lists, and which list each “Resources for …” of its guidance names.

    A name leads to the Section IV list of that name or, since the toolkit names some lists
    differently in sections III and IV, to the first list no name has matched; a name with no
    list left gets an empty list of its own, which the appendix says the toolkit does not give.
    """
    lists = section_iv_lists(domain)
    names = referenced_resources(domain.get("guidance") or [])
    by_name = {plain(resource_list["title"]): resource_list for resource_list in lists}
    unnamed = [r for r in lists if plain(r["title"]) not in names]
    named = {}
    for name in names:
        match = by_name.get(name) or (unnamed.pop(0) if unnamed else None)
        if match is None:
            match = {"title": name, "note": None, "entries": [], "in_toolkit": False}
            lists.append(match)
        named[name] = match
    for position, resource_list in enumerate(lists, start=1):
        resource_list["anchor"] = resources_bookmark(domain["number"], position)
    return lists, named


def cross_reference(target: int | dict[str, Any], in_note: bool) -> str:
    """The bookmark a `cross_references` entry links to: a domain's guidance or resources."""
    if isinstance(target, dict):
        return resources_bookmark(target["domain"], 1)["name"]
    return resources_bookmark(target, 1)["name"] if in_note else guidance_bookmark(target)["name"]


def section_iv_lists(domain: dict[str, Any]) -> list[dict[str, Any]]:
    """The domain's resource lists as Section IV gives them: one per category, or one."""
    resources = domain.get("resources") or []
    categories = list(dict.fromkeys(r["category"] for r in resources if "category" in r))
    if categories:
        notes = domain.get("resources_notes", {})
        return [
            {
                "title": category,
                "note": notes.get(category),
                "entries": [r for r in resources if r.get("category") == category],
                "in_toolkit": True,
            }
            for category in categories
        ]
    if "resources_title" not in domain:
        return []
    return [
        {
            "title": domain["resources_title"],
            "note": domain.get("resources_note"),
            "entries": resources,
            "in_toolkit": True,
        }
    ]


def referenced_resources(blocks: list[dict[str, Any]]) -> list[str]:
    """The “Resources for …” names the guidance points to, in order, each once."""
    names = []
    for block in flatten_guidance(blocks):
        for quoted in QUOTED.findall(block["text"]):
            name = plain(quoted)
            if name.startswith(RESOURCES_FOR) and name not in names:
                names.append(name)
    return names


def plain(name: str) -> str:
    """A quoted name as the content looks it up: no quotes, no trailing comma or full stop."""
    return name.replace("“", "").replace("”", "").strip().rstrip(",.").strip()


def linked(text: str, targets: dict[str, str]) -> list[dict[str, str | None]]:
    """`text` in pieces; a quoted name with a target carries the bookmark it links to."""
    return [
        {"text": piece, "target": targets.get(plain(piece)) if QUOTED.fullmatch(piece) else None}
        for piece in QUOTED.split(text)
        if piece
    ]


def flatten_guidance(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Guidance blocks as paragraphs, headings and bullets with a nesting level (0 or 1)."""
    flat = []
    for block in blocks:
        if block["kind"] == "bullets":
            flat.extend(_bullets(block["items"], level=0))
        else:
            flat.append({"kind": block["kind"], "text": block["text"], "level": 0})
    return flat


def _bullets(items: list, level: int) -> list[dict[str, Any]]:
    flat = []
    for item in items:
        text = item if isinstance(item, str) else item["text"]
        flat.append({"kind": "bullet", "text": text, "level": min(level, 1)})
        if not isinstance(item, str):
            flat.extend(_bullets(item.get("items", []), level + 1))
    return flat


def check_settings(document: YamlDocument) -> list[Problem]:
    """Questionnaire `assessment` settings: services must exist in the toolkit's lists."""
    settings = document.data.get("assessment")
    aaaq = content("assessment")["aaaq"]
    problems = []
    facilities = settings.get("facilities") if isinstance(settings, dict) else None
    for position, facility in enumerate(facilities if isinstance(facilities, list) else []):
        for key in ("health_services", "mental_health_services"):
            known = service_ids(aaaq[key])
            numbers = facility.get(key, []) if isinstance(facility, dict) else []
            for index, number in enumerate(numbers if isinstance(numbers, list) else []):
                if checkable(number, aaaq[key]) and number not in known:
                    problems.append(
                        document.problem(
                            ("assessment", "facilities", position, key, index),
                            unknown_service(number, aaaq[key]),
                        )
                    )
    return problems


def checkable(given: object, services: list) -> bool:
    """A number, or a part id for a list with parts; the schema reports anything else."""
    has_parts = any(not isinstance(service, str) for service in services)
    part = isinstance(given, str) and PART_ID.fullmatch(given)
    return (isinstance(given, int) and not isinstance(given, bool)) or bool(has_parts and part)


def unknown_service(given: int | str, services: list) -> str:
    """What a facility may list, for a service number or part it may not."""
    parts = "".join(
        f", or a part of service {number} from {number}a to {number}{PART_LETTERS[len(items) - 1]}"
        for number, service in enumerate(services, start=1)
        if (items := [] if isinstance(service, str) else service.get("items", []))
    )
    shown = given if isinstance(given, int) else f"'{given}'"
    return f"expected a service number from 1 to {len(services)}{parts}, got {shown}"
