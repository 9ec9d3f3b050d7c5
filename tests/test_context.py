"""The render context: the agency's country decides the national helpline the policy names."""

from __future__ import annotations

from pipeline.context import build_context, national_hotline
from pipeline.directory import national_set
from pipeline.load import load_agency


def test_a_canadian_agencys_hotline_is_canadas(scenario):
    context = build_context(load_agency(scenario("canada-clinic")))
    assert context["hotline"]["id"] == "canadian_human_trafficking_hotline"


def test_a_uk_agencys_hotline_is_the_modern_slavery_helpline(sample):
    context = build_context(load_agency(sample("northgate-youth-shelter")))
    assert context["hotline"]["id"] == "modern_slavery_helpline"


def test_an_agency_without_a_national_set_has_no_hotline(scenario):
    context = build_context(load_agency(scenario("country-without-national-resources")))
    assert context["hotline"] is None


def test_a_country_whose_helpline_could_not_be_confirmed_names_none():
    assert national_hotline(national_set("AU")) is None


def test_the_document_language_is_the_countrys(scenario):
    assert build_context(load_agency(scenario("canada-clinic")))["language"] == "en-CA"
