"""What a careful reader sends back: sources that are the operators' own, dates that agree,
addresses broken only where they may break, no near-empty pages, and the country's own words.

The sample packets and the `packet new --country` starters are read as an experienced
anti-trafficking trainer reads them; each class of defect found so has a test here."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from pypdf import PdfReader

from pipeline.build import build_packet
from pipeline.content import content
from pipeline.load import load_agency
from pipeline.render import ADDRESS, ZERO_WIDTH_SPACE, breakable
from tests.helpers import docx_text, pdf_text

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


@pytest.fixture(scope="module")
def sample_packets(tmp_path_factory) -> dict[str, Path]:
    """The three sample packets, with their PDFs."""
    out = tmp_path_factory.mktemp("careful")
    return {slug: build_packet(ROOT / "inputs" / slug, out / slug).out for slug in SAMPLES}


def input_addresses(slug: str) -> set[str]:
    """Every e-mail and web address the agency's inputs give."""
    text = "\n".join(
        path.read_text(encoding="utf-8")
        for path in (ROOT / "inputs" / slug).iterdir()
        if path.suffix in (".yaml", ".csv")
    )
    return {found.group().rstrip(".,;") for found in ADDRESS.finditer(text)}


def broken_only_where_allowed(address: str) -> re.Pattern:
    """The address as the PDF's text may show it: a line break only after "@", ".", "/" or "-"."""
    return re.compile("".join(re.escape(c) + ("\n?" if c in "@./-" else "") for c in address))


@pytest.mark.pdf
@pytest.mark.parametrize("slug", SAMPLES)
def test_addresses_break_only_after_at_dot_or_slash(sample_packets, slug):
    text = pdf_text(sample_packets[slug] / "bundle.pdf")
    printed = [a for a in input_addresses(slug) if a in text.replace("\n", "")]
    assert len(printed) >= 5, printed
    split_inside_a_word = [a for a in printed if not broken_only_where_allowed(a).search(text)]
    assert split_inside_a_word == []


@pytest.mark.parametrize("slug", SAMPLES)
def test_the_word_files_hold_the_break_opportunities(sample_packets, slug):
    text = docx_text(sample_packets[slug] / "directory.docx")
    emails = [a for a in input_addresses(slug) if "@" in a]
    assert emails
    for email in emails:
        assert breakable(email) in text or email not in text.replace(ZERO_WIDTH_SPACE, "")
    assert "@\u200b" in text
    assert not re.search(r"@\S*\u200b\u200b", text)


def test_break_opportunities_sit_after_at_dot_and_slash_only():
    assert breakable("help@coastallabor.example.org") == (
        "help@\u200bcoastallabor.\u200bexample.\u200borg"
    )
    assert breakable("https://www.ice.gov/webform") == (
        "https://\u200bwww.\u200bice.\u200bgov/\u200bwebform"
    )
    assert ADDRESS.sub("", "1.5 hours, e.g. U.S. law; Dr. Delgado") == (
        "1.5 hours, e.g. U.S. law; Dr. Delgado"
    )


def body_fill(page) -> float:
    """How far down the page its text reaches, as a share of the body (header and footer out)."""
    height = float(page.mediabox.height)
    lines = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            lines.append(tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    body = [y for y in lines if 0.08 * height < y < 0.92 * height]
    return (0.92 * height - min(body)) / (0.84 * height) if body else 0.0


INNER_PAGE_FILL = 0.3  # a page inside a document holds at least this share of text
LAST_PAGE_FILL = 0.1  # a document's last page, at least a few lines


@pytest.mark.pdf
@pytest.mark.parametrize("slug", SAMPLES)
def test_no_near_empty_pages(sample_packets, slug):
    reader = PdfReader(sample_packets[slug] / "bundle.pdf")
    starts = sorted(
        reader.get_destination_page_number(item)
        for item in reader.outline
        if not isinstance(item, list)
    )
    last_pages = {start - 1 for start in starts[1:]} | {len(reader.pages) - 1, 1}
    near_empty = []
    for number, page in enumerate(reader.pages):
        if "Sign-in sheet for the next session" in page.extract_text():
            continue  # its rows are empty lines to sign on
        least = LAST_PAGE_FILL if number in last_pages else INNER_PAGE_FILL
        if (fill := body_fill(page)) < least:
            near_empty.append((number + 1, round(fill, 2)))
    assert near_empty == []
