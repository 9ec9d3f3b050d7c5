"""What a careful reader sends back: sources that are the operators' own, dates that agree,
addresses broken only where they may break, no near-empty pages, and the country's own words.

The sample packets and the `packet new --country` starters are read as an experienced
anti-trafficking trainer reads them; each class of defect found so has a test here."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from pipeline.content import content
from pipeline.load import load_agency

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ("harbor-family-health", "northgate-youth-shelter", "river-valley-task-force")
COUNTRIES = content("national_resources")["countries"]


def national_entries():
    for code, country in COUNTRIES.items():
        for entry in [*country["resources"], *country.get("official_contacts", [])]:
            yield code, entry


def on_site(address: str, sites: list[str]) -> bool:
    host = (urlsplit(address).hostname or "").removeprefix("www.")
    return any(host == site or host.endswith(f".{site}") for site in sites)


@pytest.mark.parametrize(
    "entry", [entry for _, entry in national_entries()], ids=lambda entry: entry["id"]
)
def test_every_national_entry_cites_only_its_operators_own_site(entry):
    sites = entry["operator_sites"]
    assert entry["sources"], entry["id"]
    strays = [source for source in entry["sources"] if not on_site(source, sites)]
    assert strays == [], (entry["id"], strays)
    if "website" in entry:
        assert on_site(entry["website"], sites)


@pytest.mark.parametrize(
    ("entry_id", "site"),
    [
        ("lifeline_988", "988lifeline.org"),
        ("childhelp", "childhelp.org"),
        ("ncmec", "missingkids.org"),
        ("childline", "childline.org.uk"),
        ("suicide_crisis_helpline_988", "988.ca"),
        ("ndvh", "thehotline.org"),
    ],
)
def test_the_entries_a_reader_sent_back_cite_the_operator(entry_id, site):
    entry = next(entry for _, entry in national_entries() if entry["id"] == entry_id)
    assert any(on_site(source, [site]) for source in entry["sources"])


@pytest.mark.parametrize("slug", SAMPLES)
def test_no_national_check_is_dated_after_a_sample_packet(slug):
    profile = yaml.safe_load((ROOT / "inputs" / slug / "profile.yaml").read_text())
    packet_date = profile["packet"]["date"]
    country = COUNTRIES[profile["agency"]["address"]["country"]]
    for entry in [*country["resources"], *country.get("official_contacts", [])]:
        assert entry["checked"] <= packet_date, (slug, entry["id"], entry["checked"])
    assert isinstance(packet_date, date)


def test_validate_warns_when_the_packet_is_dated_before_the_national_check(scenario):
    folder = scenario("minimal-clinic")
    latest = max(entry["checked"] for code, entry in national_entries() if code == "US")
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text().replace("date: 2026-11-23", "date: 2026-11-01", 1))
    warnings = [str(w) for w in load_agency(folder).warnings if "packet.date" in str(w)]
    assert any(f"checked on {latest}, after the packet date 2026-11-01" in w for w in warnings)
