"""The staff training log: statuses as of the packet date, from YAML or CSV alike."""

from __future__ import annotations

import re
from datetime import date

import pytest
from docx import Document

from pipeline.build import build_packet
from pipeline.context import build_context
from pipeline.dates import add_months
from pipeline.errors import InputError
from pipeline.load import load_agency
from pipeline.training import last_trained
from tests.helpers import docx_text

# As of 2026-11-23, the fixture's people stand like this on every required topic.
EXPECTED = {
    "Olive Ontime": ("current", "2027-06-01"),
    "Dana Duesoon": ("due_soon", "2026-12-10"),
    "Oscar Overdue": ("overdue", "2026-11-01"),
    "Yara Yearago": ("due_soon", "2026-11-23"),  # trained exactly 12 months ago: due today
    "Lee Leapday": ("overdue", "2025-02-28"),  # 29 February 2024 + 12 months
    "Nina Never": ("never", None),
}


def log_of(folder) -> dict:
    return build_context(load_agency(folder))["training"]


@pytest.mark.parametrize("fixture", ["training-statuses", "training-statuses-csv"])
def test_statuses_as_of_the_packet_date(scenario, fixture):
    log = log_of(scenario(fixture))
    people = {person["name"]: person for person in log["people"]}
    for name, (status, due) in EXPECTED.items():
        statuses = people[name]["statuses"]
        assert {s["status"] for s in statuses} == {status}, name
        assert {s["due"] for s in statuses} == {due}, name
    volunteer = {s["topic"]["id"]: s["status"] for s in people["Val Volunteer"]["statuses"]}
    assert volunteer == {
        "identification_response": "current",
        "mandatory_reporting": "not_required",
        "confidentiality": "not_required",
        "trauma_informed_care": "not_required",
    }


def test_csv_and_yaml_give_the_same_log(scenario):
    from_yaml = log_of(scenario("training-statuses", slug="from-yaml"))
    from_csv = log_of(scenario("training-statuses-csv", slug="from-csv"))
    assert from_yaml == from_csv


def test_compliance_share_and_who_needs_what(scenario):
    log = log_of(scenario("training-statuses"))
    compliant = sorted(p["name"] for p in log["people"] if p["compliant"])
    assert compliant == ["Dana Duesoon", "Olive Ontime", "Val Volunteer", "Yara Yearago"]
    assert (log["compliant_count"], log["staff_count"], log["compliant_percent"]) == (4, 7, 57)
    order = [need["status"] for need in log["needs"]]
    assert order == sorted(order, key=["overdue", "never", "due_soon"].index)
    assert [need["person"]["name"] for need in log["needs"]] == [
        "Lee Leapday",  # overdue since 2025-02-28
        "Oscar Overdue",  # overdue since 2026-11-01
        "Nina Never",
        "Yara Yearago",  # due 2026-11-23
        "Dana Duesoon",  # due 2026-12-10
    ]
    assert [len(need["topics"]) for need in log["needs"]] == [4, 4, 4, 4, 4]
    sessions = {session["date"]: session for session in log["sessions"]}
    assert sessions["2026-06-01"]["attendees"] == ["Olive Ontime"]
    assert [s["date"] for s in log["sessions"]] == sorted(s["date"] for s in log["sessions"])


def test_add_months_counts_calendar_months():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 23), 12) == date(2026, 11, 23)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 23), -12) == date(2025, 11, 23)


def test_training_log_document(scenario, tmp_path):
    out = build_packet(scenario("training-statuses"), tmp_path / "o", pdf=False).out
    text = docx_text(out / "training.docx")
    summary = Document(out / "training.docx").tables[0]
    assert [cell.text for cell in summary.columns[0].cells] == [
        "Staff fully compliant",
        "4 of 7 (57%)",
    ]
    for heading in (
        "Who needs training next",
        "Compliance matrix",
        "Training sessions",
        "Sign-in sheet for the next session",
    ):
        assert heading in text
    assert "Oscar Overdue" in text and "Overdue" in text and "Never trained" in text
    assert "Not required" in text


def test_malformed_csv_rows_are_reported_with_row_and_column(scenario):
    with pytest.raises(InputError) as caught:
        load_agency(scenario("bad-csv"))
    messages = [str(problem) for problem in caught.value.problems]
    expected = [
        "directory.csv:1:6: header: unknown column 'adress'; did you mean 'address'?",
        "directory.csv:3:3: row 3, column 'phones': expected a phone number",
        "directory.csv:4:1: row 4: expected 6 columns as in the header, got 3",
        "directory.csv:5:2: row 5, column 'category': unknown category 'soup_kitchens'",
        "training.csv:2:5: row 2, column 'date': expected a real date written YYYY-MM-DD, "
        "in the years 1900 to 2199, got '2026-02-30'",
        "training.csv:3:4: row 3, column 'topics': unknown topic 'juggling'",
        "training.csv:3:6: row 3, column 'hours': expected a number of hours",
    ]
    for message in expected:
        assert any(message in line for line in messages), message
    assert len(messages) == len(expected)


def test_the_latest_training_on_a_topic_counts_whatever_the_record_order():
    records = [
        {"staff_id": "S1", "topics": ["a", "b"], "date": "2025-01-01"},
        {"staff_id": "S1", "topics": ["a"], "date": "2026-03-01"},
        {"staff_id": "S1", "topics": ["a"], "date": "2025-06-01"},
        {"staff_id": "S2", "topics": ["b"], "date": "2024-05-05"},
    ]
    assert last_trained(records) == {
        ("S1", "a"): date(2026, 3, 1),
        ("S1", "b"): date(2025, 1, 1),
        ("S2", "b"): date(2024, 5, 5),
    }


def test_due_dates_are_written_like_every_other_date(scenario, tmp_path):
    out = build_packet(scenario("training-statuses"), tmp_path / "o", pdf=False).out
    assert "(due December 10, 2026)" in docx_text(out / "training.docx")


def test_no_date_is_left_in_iso_form_in_the_training_log(scenario, tmp_path):
    out = build_packet(scenario("training-statuses"), tmp_path / "o", pdf=False).out
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", docx_text(out / "training.docx"))


def test_a_missing_value_names_its_column_and_position(scenario):
    folder = scenario("minimal-clinic")
    (folder / "training.csv").write_text(
        "staff_id,name,role,topics,date\nS1,Pat Example,,confidentiality,2026-03-12\n"
    )
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    (problem,) = caught.value.problems
    assert str(problem) == (
        f"{folder}/training.csv:2:3: row 2, column 'role': missing; every person needs a role"
    )
