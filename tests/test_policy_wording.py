"""Safety wording: asking for consent never reads as asking it before a mandated report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document

from pipeline.blank import agency_types
from pipeline.build import build_packet

ASKS_CONSENT = re.compile(r"\bconsent\b|\bagreed to share\b", re.IGNORECASE)
SHARING = re.compile(r"\b(shar|disclos|refer)", re.IGNORECASE)
EXCEPTION = "the law requires"
CHILD_SENTENCE = "a mandated report does not wait for the child’s consent and is not delayed"
DOCUMENTS = ("policy.docx", "directory.docx")


def paragraphs(path: Path) -> list[str]:
    return [paragraph.text for paragraph in Document(path).paragraphs]


def consent_before_sharing(texts: list[str]) -> list[int]:
    """Indexes of paragraphs that ask for consent before information is shared."""
    return [n for n, text in enumerate(texts) if ASKS_CONSENT.search(text) and SHARING.search(text)]


def same_or_next(texts: list[str], index: int) -> str:
    return " ".join(texts[index : index + 2])


def with_population(folder: Path, minors: bool, agency_type: str = "health_clinic") -> Path:
    profile = folder / "profile.yaml"
    text = profile.read_text()
    text = text.replace("minors: false", f"minors: {str(minors).lower()}")
    profile.write_text(text.replace("type: health_clinic", f"type: {agency_type}"))
    return folder


@pytest.mark.parametrize("agency_type", agency_types())
@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_request_for_consent_states_the_reporting_exception(
    blank_packets, agency_type, document
):
    texts = paragraphs(blank_packets[agency_type] / document)
    asking = consent_before_sharing(texts)
    assert asking  # the policy: Step 2 and documentation; the directory: "Ask first"
    for index in asking:
        assert EXCEPTION in same_or_next(texts, index), texts[index]


@pytest.mark.parametrize("agency_type", agency_types())
@pytest.mark.parametrize("document", DOCUMENTS)
def test_for_minors_a_report_does_not_wait_for_the_childs_consent(
    blank_packets, agency_type, document
):
    texts = paragraphs(blank_packets[agency_type] / document)
    asking = consent_before_sharing(texts)
    assert asking
    for index in asking:
        assert CHILD_SENTENCE in same_or_next(texts, index), texts[index]


@pytest.mark.parametrize("agency_type", ["health_clinic", "hospital", "shelter", "school"])
def test_an_agency_serving_minors_says_so_beside_the_questionnaires_consent(
    scenario, tmp_path, agency_type
):
    folder = with_population(scenario("minimal-clinic"), minors=True, agency_type=agency_type)
    texts = paragraphs(build_packet(folder, tmp_path / "out", pdf=False).out / "policy.docx")
    [step_2] = [text for text in texts if "Staff ask before sharing anything." in text]
    assert step_2.index(EXCEPTION) < step_2.index(CHILD_SENTENCE)
    assert step_2.index(CHILD_SENTENCE) < step_2.index("Staff ask before sharing anything.")


def test_an_agency_serving_adults_only_has_the_exception_without_the_child_sentence(
    scenario, tmp_path
):
    folder = with_population(scenario("minimal-clinic"), minors=False)
    out = build_packet(folder, tmp_path / "out", pdf=False).out
    for document in DOCUMENTS:
        texts = paragraphs(out / document)
        for index in consent_before_sharing(texts):
            assert EXCEPTION in same_or_next(texts, index)
        assert CHILD_SENTENCE not in " ".join(texts)
