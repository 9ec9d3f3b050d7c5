"""The assessment as survey questions to paste into a survey service: the respondent's
questions, one grid per domain whose rows start with the item ids, the ratings as one grid,
and a comment per domain. What `packet questions` prints; every header it leads to ingests."""

from __future__ import annotations

from pipeline.assessment import answerable, items_by_id, rated_domains
from pipeline.content import content

RESPONDENT_QUESTIONS = ("Your role", "Your name (optional)", "Date")


def item_question(item: dict, known: dict) -> str:
    """`1.1 Have staff received training on: HT/E (...)?`, `1.6 IF YES: Was the protocol...`."""
    parts = [item["id"]]
    if item.get("group"):
        parts.append(item["group"])
    if item.get("parent"):
        parts.append(f"{known[item['parent']]['text']}:")
    condition = item.get("condition")
    if condition and not item["text"].lower().startswith("if"):
        parts.append(f"{condition['label']}:")
    parts.append(item["text"])
    return " ".join(parts)


def survey_questions() -> str:
    """The survey to build, as text: each block is one question (a grid's rows under it)."""
    tool = content("assessment")
    known = items_by_id()
    choices = " | ".join(tool["answer_options"])
    scale = " | ".join(
        f"{option['value']} - {option['label']}".replace("N/A - Don’t know", "N/A - Don't know")
        for option in tool["rating_scale"]
    )
    blocks = ["\n".join(RESPONDENT_QUESTIONS)]
    for domain in tool["domains"]:
        rows = [
            item_question(item, known)
            for item in known.values()
            if item["id"].split(".")[0] == str(domain["number"]) and answerable(item)
        ]
        if rows:
            title = f"Domain {domain['number']}: {domain['title']}  (grid; columns: {choices})"
            blocks.append("\n".join([title, *rows]))
    ratings = [f"Domain {d['number']}: {d['title']}" for d in rated_domains()]
    blocks.append("\n".join([f"Rate each domain  (grid; columns: {scale})", *ratings]))
    comments = [f"Comments on domain {domain['number']}" for domain in tool["domains"]]
    blocks.append("\n".join(comments))
    return "\n\n".join(blocks)
