"""The staff training log: records, required topics, and each person's status as of a date."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from pipeline.content import content
from pipeline.dates import add_months, parse_date
from pipeline.errors import Problem
from pipeline.tables import Columns, TableDocument, locate, read_rows
from pipeline.yamlfile import YamlDocument

COLUMNS = Columns(
    names=(
        "staff_id",
        "name",
        "role",
        "department",
        "topics",
        "date",
        "hours",
        "method",
        "trainer",
        "trainer_qualifications",
        "understanding_check",
        "certificate",
        "kind",
    ),
    lists=frozenset({"topics"}),
    numbers=frozenset({"hours"}),
    dates=frozenset({"date"}),
    required=("staff_id", "name", "role"),
    noun="row",
    sheet_words=("training", "log", "records", "staff"),
)
VALID_FOR_MONTHS = 12
DUE_SOON_DAYS = 30
STAFF_FIELDS = ("name", "role", "department")
# Status -> (order of urgency, label shown in the documents).
STATUSES = {
    "overdue": (0, "Overdue"),
    "never": (1, "Never trained"),
    "due_soon": (2, "Due soon"),
    "current": (3, "Current"),
    "not_required": (4, "Not required"),
}


def read_spreadsheet(
    path: Path, display: str, country: str | None = None
) -> tuple[YamlDocument | None, list[Problem]]:
    """training.csv, .xlsx, .xls or .ods: one row per record; a row with no date and no topics
    only lists a person."""
    rows, problems, sheet = read_rows(path, display, COLUMNS, country)
    staff: dict[str, dict[str, Any]] = {}
    locations: dict[tuple, tuple[int, int]] = {(): (1, 1)}
    cells: dict[tuple, tuple[int, str]] = {}
    records = []
    person_columns = {"id": "staff_id", **{name: name for name in STAFF_FIELDS}}
    for line, values, positions in rows:
        person_id = values.get("staff_id", "")
        if person_id not in staff:
            at = ("staff", len(staff))
            staff[person_id] = {
                "id": person_id,
                **{k: values[k] for k in STAFF_FIELDS if k in values},
            }
            locate(locations, cells, at, line, positions, sheet, person_columns)
        if "date" not in values and "topics" not in values:
            continue
        locate(locations, cells, ("records", len(records)), line, positions, sheet)
        records.append(values)
    data = {"staff": list(staff.values()), "records": records}
    nouns = {"staff": "person", "records": "training record"}
    document = TableDocument(path, display, data, locations, cells, sheet, COLUMNS.noun, nouns)
    return document, problems


def topics(questionnaire: dict[str, Any]) -> list[dict[str, str]]:
    """The four annual topics, then the agency's own."""
    extra = questionnaire.get("training", {}).get("extra_topics", [])
    return [*content("policy")["annual_training_topics"], *extra]


def check_records(
    document: YamlDocument, questionnaire: dict[str, Any] | None, packet_date: date | None
) -> list[Problem]:
    """Errors for unknown people and topics; warnings for records dated after the packet date.
    Topics are checked when the questionnaire is valid, dates when the profile gives one."""
    problems, warnings = [], []
    known_topics = {topic["id"] for topic in topics(questionnaire)} if questionnaire else None
    expected = ", ".join(sorted(known_topics or ()))
    people = {
        person.get("id") for person in document.data.get("staff") or [] if isinstance(person, dict)
    }
    for index, record in enumerate(document.data.get("records") or []):
        if not isinstance(record, dict):
            continue
        if isinstance(record.get("staff_id"), str) and record["staff_id"] not in people:
            problems.append(
                document.problem(
                    ("records", index, "staff_id"),
                    f"no one with id '{record['staff_id']}' in the staff list",
                )
            )
        record_topics = record.get("topics")
        for position, topic in enumerate(record_topics if isinstance(record_topics, list) else []):
            if known_topics is not None and isinstance(topic, str) and topic not in known_topics:
                problems.append(
                    document.problem(
                        ("records", index, "topics", position),
                        f"unknown topic '{topic}'; expected one of: {expected}",
                    )
                )
        trained = parse_date(record.get("date"))
        if trained and packet_date and trained > packet_date:
            warnings.append(
                document.warning(
                    ("records", index, "date"),
                    f"dated after the packet date {packet_date}; it does not count yet",
                )
            )
    return problems + warnings


def check_requirements(document: YamlDocument) -> list[Problem]:
    """Requirements in the questionnaire must name known topics."""
    training = document.data.get("training")
    if not isinstance(training, dict):
        return []
    known = {topic["id"] for topic in topics(document.data)}
    problems = []
    for index, rule in enumerate(training.get("requirements", [])):
        for position, topic in enumerate(rule.get("topics", [])):
            if topic not in known:
                problems.append(
                    document.problem(
                        ("training", "requirements", index, "topics", position),
                        f"unknown topic '{topic}'; expected one of: {', '.join(sorted(known))}",
                    )
                )
    return problems


def required_topics(role: str, questionnaire: dict[str, Any]) -> set[str]:
    """Topics a role must be trained on: its requirement, or every topic if none names it."""
    for rule in questionnaire.get("training", {}).get("requirements", []):
        if role.lower() in (name.lower() for name in rule["roles"]):
            return set(rule["topics"])
    return {topic["id"] for topic in topics(questionnaire)}


def who_needs(topic_id: str, questionnaire: dict[str, Any]) -> dict[str, Any]:
    """The roles requirements name for a topic; None when there are no requirements (everyone).

    Roles that no requirement names need every topic, so they are always included too.
    """
    rules = questionnaire.get("training", {}).get("requirements", [])
    if not rules:
        return {"roles": None}
    return {
        "roles": [role for rule in rules if topic_id in rule["topics"] for role in rule["roles"]]
    }


def topic_status(last: date | None, required: bool, packet_date: date) -> dict[str, Any]:
    """One person's standing on one topic as of the packet date."""
    if not required:
        status, due = "not_required", None
    elif last is None:
        status, due = "never", None
    else:
        due = add_months(last, VALID_FOR_MONTHS)
        if due < packet_date:
            status = "overdue"
        elif (due - packet_date).days <= DUE_SOON_DAYS:
            status = "due_soon"
        else:
            status = "current"
    return {
        "status": status,
        "label": STATUSES[status][1],
        "last": last.isoformat() if last else None,
        "due": due.isoformat() if due else None,
    }


ACTION_NEEDED = ("overdue", "never", "due_soon")
# A person whose every topic has one of these statuses is compliant.
COMPLIANT_STATUSES = ("current", "due_soon", "not_required")


def next_steps(person: dict[str, Any]) -> dict[str, Any] | None:
    """What one person needs, most urgent first, or None when nothing is due."""
    pending = [s for s in person["statuses"] if s["status"] in ACTION_NEEDED]
    if not pending:
        return None
    pending.sort(key=lambda s: (STATUSES[s["status"]][0], s["due"] or ""))
    dues = [s["due"] for s in pending if s["due"]]
    return {
        "person": person,
        "status": pending[0]["status"],
        "label": pending[0]["label"],
        "topics": pending,
        "due": None if pending[0]["status"] == "never" else min(dues, default=None),
    }


def grouped_sessions(
    records: list[dict[str, Any]], names: dict[str, str], titles: dict[str, str]
) -> list[dict[str, Any]]:
    """Records of the same training (date, topics, trainer, method) as one session, by date."""
    sessions: dict[tuple, dict[str, Any]] = {}
    for record in records:
        key = (record["date"], tuple(record["topics"]), record.get("trainer"), record.get("method"))
        session = sessions.setdefault(
            key,
            {
                **{name: record.get(name) for name in SESSION_FIELDS},
                "topic_titles": [titles[topic] for topic in record["topics"]],
                "attendees": [],
                "certificates": [],
                "checks": [],
            },
        )
        session["attendees"].append(names.get(record["staff_id"], record["staff_id"]))
        if record.get("certificate"):
            session["certificates"].append(record["certificate"])
        if (
            record.get("understanding_check")
            and record["understanding_check"] not in session["checks"]
        ):
            session["checks"].append(record["understanding_check"])
        hours = record.get("hours")
        session["hours"] = int(hours) if isinstance(hours, float) and hours.is_integer() else hours
        session["kinds"] = sorted({*session.get("kinds", []), *filter(None, [record.get("kind")])})
    for session in sessions.values():
        session["attendees"].sort(key=str.lower)
    return sorted(sessions.values(), key=lambda s: (s["date"], s["topic_titles"]))


def last_trained(records: list[dict[str, Any]]) -> dict[tuple[str, str], date]:
    """The latest date each person was trained on each topic, by (staff id, topic id)."""
    latest: dict[tuple[str, str], date] = {}
    for record in records:
        when = date.fromisoformat(record["date"])
        for topic in record["topics"]:
            key = (record["staff_id"], topic)
            if key not in latest or when > latest[key]:
                latest[key] = when
    return latest


SESSION_FIELDS = ("date", "method", "trainer", "trainer_qualifications")


def training_log(
    training: dict[str, Any],
    questionnaire: dict[str, Any],
    packet_date: date,
    reporting_topic: str | None = None,
) -> dict[str, Any]:
    """Matrix of people by topics, compliance share, who needs what next, and the session log.

    `reporting_topic` is the country's title of the reporting topic, as the policy names it
    ("Safeguarding referrals and statutory duties" in England, which has no general mandatory
    reporting law)."""
    all_topics = [
        {**topic, "title": reporting_topic}
        if topic["id"] == "mandatory_reporting" and reporting_topic
        else topic
        for topic in topics(questionnaire)
    ]
    records = [
        r for r in training.get("records", []) if date.fromisoformat(r["date"]) <= packet_date
    ]
    latest = last_trained(records)
    people = []
    for person in training.get("staff", []):
        required = required_topics(person["role"], questionnaire)
        statuses = []
        for topic in all_topics:
            last = latest.get((person["id"], topic["id"]))
            statuses.append(
                {"topic": topic, **topic_status(last, topic["id"] in required, packet_date)}
            )
        compliant = all(s["status"] in COMPLIANT_STATUSES for s in statuses)
        people.append({**person, "statuses": statuses, "compliant": compliant})
    people.sort(key=lambda p: (p.get("department", ""), p["name"].lower()))
    needs = [need for person in people if (need := next_steps(person))]
    needs.sort(
        key=lambda n: (STATUSES[n["status"]][0], n["due"] or "", n["person"]["name"].lower())
    )
    names = {person["id"]: person["name"] for person in people}
    titles = {topic["id"]: topic["title"] for topic in all_topics}
    sessions = grouped_sessions(records, names, titles)
    compliant = sum(1 for person in people if person["compliant"])
    return {
        "topics": [{**topic, **who_needs(topic["id"], questionnaire)} for topic in all_topics],
        "people": people,
        "needs": needs,
        "sessions": sessions,
        "compliant_count": compliant,
        "staff_count": len(people),
        "compliant_percent": round(100 * compliant / len(people)) if people else 0,
        "next_session": questionnaire.get("training", {}).get("next_session", {}),
        "valid_for_months": VALID_FOR_MONTHS,
        "due_soon_days": DUE_SOON_DAYS,
    }
