"""The service assessment tool: every item, blank with tickable boxes, or completed and scored."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from pipeline.build import build_packet
from pipeline.content import content
from pipeline.errors import InputError
from pipeline.load import load_agency
from tests.helpers import LEFTOVERS, docx_text, item_rows

# Yes/No/N/A entries per domain in the toolkit's Section II (5.5 and its three sub-items count
# as four entries, 10.6.a as one); domain 12 is scored per facility instead.
TOOLKIT_ITEMS = {1: 11, 2: 5, 3: 13, 4: 4, 5: 10, 6: 8, 7: 8, 8: 7, 9: 5, 10: 8, 11: 4, 12: 0}
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    root = Path(__file__).resolve().parent / "fixtures"
    work = tmp_path_factory.mktemp("blank")
    folder = work / "inputs" / "blank-clinic"
    import shutil

    shutil.copytree(root / "minimal-clinic", folder)
    return build_packet(folder, work / "out", pdf=False).out / "assessment.docx"


@pytest.fixture
def completed(scenario, tmp_path) -> Path:
    folder = scenario("two-respondents")
    return build_packet(folder, tmp_path / "out", pdf=False).out / "assessment.docx"


def test_content_matches_the_toolkit_counts():
    counts = {d["number"]: len(d["items"]) for d in content("assessment")["domains"]}
    assert counts == TOOLKIT_ITEMS


def test_every_item_of_every_domain_is_in_the_document(blank):
    rows = item_rows(blank)
    for domain in content("assessment")["domains"]:
        found = [item for item in domain["items"] if item["id"] in rows]
        assert len(found) == TOOLKIT_ITEMS[domain["number"]]
        for item in domain["items"]:
            assert item["text"] in rows[item["id"]][1]


def test_grouped_and_conditional_items_keep_their_stems(blank):
    text = docx_text(blank)
    assert "Have staff received training on:" in text
    assert "Do staff members routinely:" in text
    rows = item_rows(blank)
    assert rows["1.6"][1].startswith("IF YES:")
    assert rows["10.6.a"][1].startswith("If “No”:")


def test_rating_scales_and_aaaq_table(blank):
    document = Document(blank)
    text = docx_text(blank)
    labels = [option["label"] for option in content("assessment")["rating_scale"]]
    rated = [d for d in content("assessment")["domains"] if d.get("rating_prompt")]
    for domain in rated:
        assert domain["rating_prompt"] in text
    scale_rows = [
        t for t in document.tables if [c.text for c in t.rows[0].cells][0] == f"1 {labels[0]}"
    ]
    assert len(scale_rows) == len(rated)
    aaaq = content("assessment")["aaaq"]
    for option in aaaq["scale"]:
        assert option["label"] in text
    assert aaaq["facility_table"]["heading"] in text
    assert "Availability" in text and "Acceptability" in text
    for service in aaaq["mental_health_services"]:
        assert service in text


def test_blank_tool_has_tickable_unticked_checkboxes(blank):
    body = Document(blank).element.body
    boxes = body.findall(f".//{W14}checkbox")
    answerable = sum(count for count in TOOLKIT_ITEMS.values()) - 1  # 5.5 is a heading
    assert len(boxes) >= answerable * 3 + 11 * 6
    states = {box.find(f"{W14}checked").get(f"{W14}val") for box in boxes}
    assert states == {"0"}
    assert "☐" in docx_text(blank) and "☒" not in docx_text(blank)
    assert "Improvement plan" not in docx_text(blank)


def test_completed_tool_ticks_answers_and_counts_respondents(completed):
    rows = item_rows(completed)
    assert rows["1.1"][2] == "☒ 2" and rows["1.1"][3] == "☐"
    assert rows["1.2"][2] == "☐ 1" and rows["1.2"][3] == "☐ 1"
    assert rows["1.2"][5] == "Respondents disagree"
    assert rows["2.1"][3] == "☒ 2"
    assert rows["5.5.a"][5] == "Respondents disagree"
    assert rows["3.1"][5] == "Unanswered"
    body = Document(completed).element.body
    ticked = [
        box
        for box in body.findall(f".//{W14}checkbox")
        if box.find(f"{W14}checked").get(f"{W14}val") == "1"
    ]
    assert ticked


def test_if_yes_items_do_not_apply_when_their_condition_was_answered_no(completed):
    rows = item_rows(completed)  # both respondents answered 1.5 No
    for item_id in ("1.6", "1.7", "1.8", "1.9", "1.10"):
        assert rows[item_id][5] == "Not applicable (1.5 answered No)"
        assert rows[item_id][2:5] == ["☐", "☐", "☐"]


def test_if_yes_items_left_blank_after_a_yes_are_unanswered(scenario, tmp_path):
    folder = scenario("two-respondents")
    for path in (folder / "assessment").iterdir():
        path.write_text(path.read_text().replace('"1.5": no', '"1.5": yes'))
    out = build_packet(folder, tmp_path / "out", pdf=False).out
    rows = item_rows(out / "assessment.docx")
    assert rows["1.5"][2] == "☒ 2"
    assert rows["1.6"][5] == "Unanswered"
    warnings = [w.message for w in load_agency(folder).warnings if "unanswered" in w.message]
    assert all("1.6" in message for message in warnings)


def test_not_applicable_items_count_neither_as_gaps_nor_as_applicable(scenario):
    from pipeline.assessment import summarize

    inputs = load_agency(scenario("two-respondents"))
    summary = summarize(inputs.respondents, {})
    domain = summary["domains"][0]
    not_applicable = [row["id"] for row in domain["item_rows"] if row["not_applicable"]]
    assert not_applicable == ["1.6", "1.7", "1.8", "1.9", "1.10"]
    unanswered = [row["id"] for row in domain["item_rows"] if row["unanswered"]]
    assert unanswered == ["1.3", "1.4", "1.11"]
    assert domain["applicable_count"] == 2  # 1.1 (Yes) and 1.5 (No); 1.2 is a tie


def test_completed_summary_figures(completed):
    document = Document(completed)
    summary = next(t for t in document.tables if t.rows[0].cells[0].text == "Domain")
    by_domain = {row.cells[0].text: [c.text for c in row.cells] for row in summary.rows[1:]}
    protocol = by_domain["1. Protocol & Community Network"]
    assert protocol[1] == "1.5 ▼" and protocol[3] == "1–2 (2)"
    assert protocol[4] == "1 / 2" and protocol[5] == "1" and protocol[6] == "1"
    privacy = by_domain["2. Privacy/Confidentiality"]
    assert privacy[1] == "4.5" and privacy[5] == "1"
    assert by_domain["3. Staff Communication"][1] == "not rated"


def test_rating_bars_fill_their_share_of_the_cell(completed):
    """Each domain's bar is a shaded paragraph indented from the right by what is not filled."""
    summary = next(t for t in Document(completed).tables if t.rows[0].cells[0].text == "Domain")
    bars = {}
    for row in summary.rows[1:]:
        properties = row.cells[2].paragraphs[0]._p.pPr
        shading = properties.find(qn("w:shd")).get(qn("w:fill"))
        indent = int(properties.find(qn("w:ind")).get(qn("w:right")))
        bars[row.cells[0].text.split(".")[0]] = (shading, indent)
    content_width = bars["3"][1]  # not rated: nothing filled, the whole cell is indent
    assert bars["3"][0] == "auto"
    assert bars["1"] == ("C0392B", round(content_width * (1 - 1.5 / 5)))  # low: red
    assert bars["2"] == ("1B4F72", round(content_width * (1 - 4.5 / 5)))


def test_improvement_plan_covers_low_or_no_domains(completed):
    document = Document(completed)
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("Improvement plan")
    plan_headings = [p.text for p in document.paragraphs[start:] if p.style.name == "Heading 3"]
    assert plan_headings == [
        "Domain 1: Protocol & Community Network",
        "Domain 2: Privacy/Confidentiality",
    ]
    text = docx_text(completed)
    assert "Train every clinician on the protocol" in text
    assert "Plan-Do-Study-Act" in text
    assert "Guidance on Protocols and Community Network" in text
    assert "Director: “No protocol yet.”" in text
    for leftover in LEFTOVERS:
        assert leftover not in text


def test_threshold_is_configurable(scenario, tmp_path):
    folder = scenario("two-respondents")
    questionnaire = folder / "questionnaire.yaml"
    questionnaire.write_text(questionnaire.read_text().replace("threshold: 2", "threshold: 5"))
    inputs = load_agency(folder)
    from pipeline.context import build_context

    flagged = [d["number"] for d in build_context(inputs)["assessment"]["flagged_domains"]]
    assert flagged == [1, 2]  # domain 2's mean 4.5 is now under the threshold, and had a No
    assert build_context(inputs)["assessment"]["domains"][1]["low_rating"]


def test_bad_answers_are_reported_like_other_input_errors(scenario):
    with pytest.raises(InputError) as caught:
        load_agency(scenario("assessment-bad-answers"))
    messages = [str(problem) for problem in caught.value.problems]
    expected = [
        'assessment/bad.yaml:4:3: answers["1.6"]: answered, but it only applies when 1.5 is '
        "'yes' and 1.5 was answered 'no'",
        "assessment/bad.yaml:5:3: answers[\"1.99\"]: unknown item id '1.99'",
        "assessment/bad.yaml:6:3: answers[\"5.5\"]: '5.5' is a heading",
        "assessment/bad.yaml:7:3: answers[\"2.1\"]: expected yes, no or n/a, got 'maybe'",
        "assessment/bad.yaml:9:3: answers[\"2.2\"]: key '2.2' appears twice",
        "assessment/bad.yaml:11:3: ratings.3: expected a rating 1 (very weak) to 5 (very strong)",
        "assessment/bad.yaml:12:3: ratings.12: expected a domain number from 1 to 11",
        "questionnaire.yaml:24:35: assessment.facilities[0].aaaq: expected an AAAQ score",
        "questionnaire.yaml:24:62: assessment.facilities[0].health_services[0]: expected a "
        "service number from 1 to 8, got 99",
    ]
    for message in expected:
        assert any(message in line for line in messages), message
    assert len(messages) == len(expected)


def test_unanswered_items_are_warnings(scenario):
    inputs = load_agency(scenario("two-respondents"))
    unanswered = [w for w in inputs.warnings if "items unanswered" in w.message]
    assert len(unanswered) == 2
    assert "1.3, 1.4, 1.11" in unanswered[0].message
    assert "1.6" not in unanswered[0].message  # 1.5 was answered No, so 1.6-1.10 do not apply


def test_blank_option_ignores_answers(scenario, tmp_path):
    out = build_packet(
        scenario("two-respondents"), tmp_path / "o", pdf=False, blank_assessment=True
    )
    text = docx_text(out.out / "assessment.docx")
    assert "Improvement plan" not in text and "☒" not in text
