"""Validation: every bad-input scenario is reported with file, line, field and expectation."""

from __future__ import annotations

import shutil

import pytest

from pipeline.accessibility import known_language, languages, reads_as
from pipeline.errors import InputError, UsageError
from pipeline.load import load_agency
from tests.conftest import ROOT, SAMPLES


def problems_of(folder) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    assert caught.value.exit_code == 2
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize("slug", SAMPLES)
def test_samples_are_valid(sample, slug):
    inputs = load_agency(sample(slug))
    assert inputs.profile["sample"] is True
    # The samples plant a few stale directory entries and leave some categories empty, to show
    # how the packet marks them; nothing else may warn.
    planted = ("was last verified", "categories have no entries")
    assert all(any(p in w.message for p in planted) for w in inputs.warnings), inputs.warnings


def test_minimal_agency_is_valid_with_warnings_for_missing_optional_facts(scenario):
    inputs = load_agency(scenario("minimal-clinic"))
    fields = [warning.field for warning in inputs.warnings]
    assert "law_enforcement" in fields
    assert "mandatory_reporting.statute" in fields
    assert "response.safety.security_contact" in fields
    assert all(warning.is_warning for warning in inputs.warnings)


def test_malformed_yaml_names_file_and_line(scenario):
    problems = problems_of(scenario("malformed-yaml"))
    assert len(problems) == 1
    assert "questionnaire.yaml:5:" in problems[0]
    assert "not valid YAML" in problems[0]


def test_unknown_keys_are_caught_with_a_suggestion(scenario):
    problems = problems_of(scenario("unknown-keys"))
    assert any(
        "profile.yaml:11:3: agency.langauges: unknown field 'langauges'; did you mean 'languages'?"
        in p
        for p in problems
    )
    assert any(
        "mandatory_reporting.time_limits.writen_report_hours: unknown field" in p
        and "did you mean 'written_report_hours'?" in p
        for p in problems
    )
    # The misspelt key also leaves a required field missing: both are reported in one run.
    assert any("agency.languages: missing; this field is required" in p for p in problems)


def test_missing_required_fields_are_all_listed(scenario):
    problems = problems_of(scenario("missing-required"))
    assert any("agency.short_name: missing; this field is required" in p for p in problems)
    assert any("governance.policy_number: missing; this field is required" in p for p in problems)


def test_impossible_dates(scenario):
    problems = problems_of(scenario("impossible-dates"))
    assert any(
        "profile.yaml:18:3: governance.effective_date: expected a real date written YYYY-MM-DD, "
        "in the years 1900 to 2199, got '2026-02-30'" in p
        for p in problems
    )
    assert any("packet.date: expected a real date" in p and "'2026-13-01'" in p for p in problems)


def test_bad_phone_and_email(scenario):
    problems = problems_of(scenario("bad-contacts"))
    assert any(
        "mandatory_reporting.child_abuse_agency.phone: expected a phone number" in p
        and "got 'call-me-maybe'" in p
        for p in problems
    )
    assert any("child_abuse_agency.email: expected an email address" in p for p in problems)
    assert any("governance.champion.email: expected an email address" in p for p in problems)


def test_wrong_types_and_state_code(scenario):
    problems = problems_of(scenario("wrong-types"))
    assert any(
        "agency.populations.adults: expected true or false, got 'yes please'" in p for p in problems
    )
    assert any("agency.languages: expected a list, got 'English'" in p for p in problems)
    assert any(
        "agency.address.state: expected a state, province or territory code" in p for p in problems
    )


def test_alias_bomb_is_refused(scenario):
    problems = problems_of(scenario("alias-bomb"))
    assert any("refused: aliases expand this file" in p for p in problems)


def test_python_tags_are_never_constructed(scenario):
    problems = problems_of(scenario("python-tag"))
    assert any(
        "the tag !!python/object/apply:os.system is not allowed" in p
        and "nothing in them is ever run" in p
        for p in problems
    )


def test_logo_outside_the_agency_folder(scenario):
    problems = problems_of(scenario("logo-outside-folder"))
    assert any("agency.logo: expected a file inside" in p for p in problems)


def test_task_force_must_answer_operational_questions(scenario):
    problems = problems_of(scenario("task-force-without-answers"))
    assert any("missing 'task_force'" in p for p in problems)


def test_problems_from_both_files_are_reported_together(scenario):
    folder = scenario("impossible-dates")
    (folder / "questionnaire.yaml").write_text("response: {}\n")
    problems = problems_of(folder)
    assert any("profile.yaml" in p for p in problems)
    assert any("questionnaire.yaml" in p and "response.notify: missing" in p for p in problems)


@pytest.mark.parametrize("name", ["Bad_Slug", "has space", ".."])
def test_slugs_that_are_invalid(tmp_path, name):
    folder = tmp_path / "inputs" / name
    with pytest.raises(UsageError) as caught:
        load_agency(folder)
    assert caught.value.exit_code == 2
    assert str(folder.resolve() if name == ".." else folder) in caught.value.message


def test_a_path_through_dot_dot_names_the_folder_it_leads_to(scenario):
    folder = scenario("minimal-clinic")
    roundabout = folder.parent / ".." / folder.parent.name / folder.name
    assert load_agency(roundabout).folder == folder.resolve()


def test_control_characters_are_refused(scenario):
    problems = problems_of(scenario("control-characters"))
    assert any("response.consent: contains a control character" in p for p in problems)


def test_unknown_field_in_a_shared_contact_definition(scenario):
    problems = problems_of(scenario("unknown-contact-field"))
    assert len(problems) == 1
    assert "law_enforcement[0].phnoe: unknown field 'phnoe'; did you mean 'phone'?" in problems[0]


def warnings_on(folder, field: str) -> list[str]:
    return [w.message for w in load_agency(folder).warnings if w.field == field]


def test_an_approval_after_the_packet_date_is_a_warning(scenario):
    (message,) = warnings_on(scenario("dates-after-packet"), "governance.approvers[0].date")
    assert message.startswith("approved 2026-12-15, after the packet date 2026-11-23")


def test_reporting_rules_verified_after_the_packet_date_are_a_warning(scenario):
    field = "mandatory_reporting.verified.date"
    (message,) = warnings_on(scenario("dates-after-packet"), field)
    assert message.startswith("rules verified 2026-12-20, after the packet date")


def test_a_country_without_national_resources_is_a_warning(scenario):
    folder = scenario("country-without-national-resources")
    (message,) = national_resources_warnings(folder)
    assert message.startswith("no national resources are on file for country 'FR'")


def test_the_warning_says_how_to_add_national_entries(scenario):
    folder = scenario("country-without-national-resources")
    (message,) = national_resources_warnings(folder)
    assert "to directory.yaml as entries (category anti_trafficking_hotline" in message


def national_resources_warnings(folder) -> list[str]:
    """The warnings on the country about national resources (definitions have their own)."""
    found = warnings_on(folder, "agency.address.country")
    return [message for message in found if "national resources" in message]


def test_a_country_with_national_resources_is_not_warned_about(scenario):
    assert warnings_on(scenario("canada-clinic"), "agency.address.country") == []


def test_another_countrys_emergency_number_is_a_warning(scenario):
    (message,) = warnings_on(scenario("uk-clinic"), "response.safety.emergency_number")
    assert message == "the emergency number in the United Kingdom is 999, got '911'"


def with_languages(folder, languages: str):
    """The scenario's profile, serving people in `languages` ("English, Spanish")."""
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text().replace("[English]", f"[{languages}]"))
    return folder


def test_a_description_in_one_of_the_agencys_languages_without_its_language_is_a_warning(
    scenario,
):
    folder = with_languages(scenario("spanish-entries"), "English, Spanish")
    (problem,) = [w for w in load_agency(folder).warnings if w.field.startswith("entries")]
    assert (problem.path.endswith("directory.yaml"), problem.line, problem.field) == (
        True,
        4,
        "entries[0]",
    )
    assert problem.message.startswith("'Centro Comunitario de Apoyo Legal' reads as Spanish")
    assert problem.message.endswith("add language: es (or the tag of its language)")


def test_a_language_the_agency_does_not_serve_in_is_not_looked_for(scenario):
    folder = scenario("spanish-entries")
    assert [w for w in load_agency(folder).warnings if w.field.startswith("entries")] == []


def test_a_logo_without_a_description_is_a_warning(scenario):
    folder = with_logo(scenario("minimal-clinic"))
    (message,) = warnings_on(folder, "agency.logo")
    assert message.startswith("the logo has no description, so a screen reader says only")


def test_a_logo_described_by_its_file_name_is_a_warning_and_a_description_is_not(scenario):
    folder = with_logo(scenario("minimal-clinic"), "image1.png")
    (message,) = warnings_on(folder, "agency.logo_description")
    assert message.startswith("'image1.png' says nothing of what the logo shows")
    with_logo(folder, "Minimal Clinic logo, a green leaf")
    assert warnings_on(folder, "agency.logo_description") == warnings_on(folder, "agency.logo")
    assert warnings_on(folder, "agency.logo") == []


def with_logo(folder, description: str | None = None):
    """The scenario with the sample clinic's logo, described as `description`."""
    shutil.copy(ROOT / "inputs" / "harbor-family-health" / "logo.png", folder / "logo.png")
    profile = folder / "profile.yaml"
    lines = [
        line
        for line in profile.read_text().splitlines()
        if not line.startswith(("  logo:", "  logo_description:"))
    ]
    at = next(i for i, line in enumerate(lines) if line.startswith("  languages:")) + 1
    added = ["  logo: logo.png"] + ([f"  logo_description: {description}"] if description else [])
    profile.write_text("\n".join(lines[:at] + added + lines[at:]) + "\n")
    return folder


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Servicios legales gratuitos para inmigrantes y sus familias", "es"),
        ("Los Angeles LGBT Center Legal help for LGBTQ+ youth", None),
        ("Casa de Esperanza Emergency shelter for women and children", None),
        ("Dịch vụ hỗ trợ pháp lý miễn phí cho người nhập cư", "vi"),
        ("華人家庭服務中心 法律援助", "zh"),
        ("Serbisyong legal para sa mga manggagawa", "tl"),
    ],
)
def test_an_entrys_text_reads_as_the_agencys_language_it_is_written_in(text, language):
    served = [known_language(name) for name in ("Spanish", "Vietnamese", "Chinese", "Tagalog")]
    found = reads_as(text, served, languages()["english"])
    assert (found or {}).get("code") == language
