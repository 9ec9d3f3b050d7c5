"""The service assessment tool: checking respondents' answers and aggregating them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from statistics import mean
from typing import Any

from pipeline.content import content
from pipeline.errors import Problem
from pipeline.yamlfile import YamlDocument

ANSWERS = ("yes", "no", "n/a")
ANSWER_LABELS = {"yes": "Yes", "no": "No", "n/a": "N/A"}
DEFAULT_THRESHOLD = 2
FACILITY_COLUMNS = 5  # the toolkit's facility table has five rows: the agency and four others


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


def read_respondent(document: YamlDocument) -> tuple[Respondent, list[Problem]]:
    """A valid respondent's answers, and warnings for items and domains left unanswered."""
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
    warnings = []
    unanswered = [item_id for item_id in applicable_items(answers) if item_id not in answers]
    if unanswered:
        warnings.append(
            document.problem(
                ("answers",),
                f"warning: {len(unanswered)} items unanswered: {', '.join(unanswered)}",
            )
        )
    unrated = [str(d["number"]) for d in rated_domains() if d["number"] not in respondent.ratings]
    if unrated:
        warnings.append(
            document.problem(("ratings",), f"warning: domains not rated: {', '.join(unrated)}")
        )
    return respondent, warnings


def rated_domains() -> list[dict[str, Any]]:
    return [domain for domain in content("assessment")["domains"] if domain.get("rating_prompt")]


def applicable_items(answers: dict[str, str]) -> list[str]:
    """Answerable items whose condition (if any) is met or not yet answered."""
    ids = []
    for item_id, item in items_by_id().items():
        condition = item.get("condition")
        if not answerable(item):
            continue
        if condition and answers.get(condition["item"], condition["answer"]) != condition["answer"]:
            continue
        ids.append(item_id)
    return ids


def summarize(respondents: list[Respondent], settings: dict[str, Any]) -> dict[str, Any]:
    """Everything the assessment document shows, blank when there are no respondents."""
    tool = content("assessment")
    threshold = settings.get("threshold", DEFAULT_THRESHOLD)
    actions = settings.get("actions", [])
    domains = [
        domain_summary(domain, respondents, threshold, actions) for domain in tool["domains"]
    ]
    facilities = facility_rows(settings.get("facilities", []), tool["aaaq"])
    return {
        "completed": bool(respondents),
        "tool": tool,
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
    }


def rating_label(value: int) -> str:
    scale = content("assessment")["rating_scale"]
    return next(option["label"] for option in scale if option["value"] == value)


def domain_summary(
    domain: dict[str, Any], respondents: list[Respondent], threshold: int, actions: list[dict]
) -> dict[str, Any]:
    items = item_rows(domain["items"], respondents)
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
        "guidance_blocks": flatten_guidance(domain.get("guidance") or []),
        "actions": [action for action in actions if action["domain"] == domain["number"]],
        "comments": [
            {"role": r.role, "text": r.comments[domain["number"]]}
            for r in respondents
            if domain["number"] in r.comments
        ],
    }


def item_rows(items: list[dict[str, Any]], respondents: list[Respondent]) -> list[dict[str, Any]]:
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
                "unanswered": bool(respondents)
                and answerable(item)
                and not given
                and not not_applicable,
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
    """Each potential service with, per facility, whether it offers it."""
    rows = []
    for number, service in enumerate(services, start=1):
        text = service if isinstance(service, str) else service["text"]
        details = [] if isinstance(service, str) else service.get("items", [])
        offered = [number in facility.get(key, []) for facility in facilities]
        offered += [False] * (FACILITY_COLUMNS - len(offered))
        rows.append({"number": number, "text": text, "details": details, "offered": offered})
    return rows


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
    """Questionnaire `assessment` settings: service numbers must exist in the toolkit's lists."""
    settings = document.data.get("assessment")
    aaaq = content("assessment")["aaaq"]
    problems = []
    facilities = settings.get("facilities") if isinstance(settings, dict) else None
    for position, facility in enumerate(facilities if isinstance(facilities, list) else []):
        for key in ("health_services", "mental_health_services"):
            limit = len(aaaq[key])
            numbers = facility.get(key, []) if isinstance(facility, dict) else []
            for index, number in enumerate(numbers if isinstance(numbers, list) else []):
                if isinstance(number, int) and number > limit:
                    problems.append(
                        document.problem(
                            ("assessment", "facilities", position, key, index),
                            f"expected a service number from 1 to {limit}, got {number}",
                        )
                    )
    return problems
