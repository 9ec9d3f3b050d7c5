"""What a careful reader sends back: sources that are the operators' own, dates that agree,
addresses broken only where they may break, no near-empty pages, and the country's own words.

The sample packets and the `packet new --country` starters are read as an experienced
anti-trafficking trainer reads them; each class of defect found so has a test here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.content import content
from pipeline.load import load_agency
from pipeline.locales import respell
from pipeline.render import ADDRESS, ZERO_WIDTH_SPACE, breakable
from tests.helpers import docx_text

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
    text = "\n".join(page.text for page in printed_pages(sample_packets[slug] / "bundle.pdf"))
    printed = [a for a in input_addresses(slug) if a in text.replace("\n", "")]
    assert len(printed) >= 5, printed
    split_inside_a_word = [a for a in printed if not broken_only_where_allowed(a).search(text)]
    assert split_inside_a_word == []


@pytest.mark.parametrize("slug", SAMPLES)
def test_the_word_files_hold_the_break_opportunities(sample_packets, slug):
    text = "\n".join(
        "".join(node.text or "" for node in paragraph.iter(qn("w:t")))
        for paragraph in Document(sample_packets[slug] / "directory.docx").element.body.iter(
            qn("w:p")
        )
    )
    emails = [a for a in input_addresses(slug) if "@" in a]
    assert emails
    for email in emails:
        assert breakable(email) in text or email not in text.replace(ZERO_WIDTH_SPACE, "")
    assert "@\u200b" in text
    assert not re.search(r"@\S*\u200b\u200b", text)


def test_break_opportunities_sit_after_at_dot_and_slash_only():
    assert breakable("help@coastallabor.example.org") == (
        "help@\u200bcoastallabor.\u200bexample.org"
    )
    assert (
        breakable("https://www.ice.gov/webform") == "https://\u200bwww.\u200bice.gov/\u200bwebform"
    )
    # The name before "@" stays whole: "j." alone at a line's end reads as an initial.
    assert breakable("j.featherstone@northgate.example.org") == (
        "j.featherstone@\u200bnorthgate.\u200bexample.org"
    )
    # The domain's last part stays whole: "learning.nspcc.org." above "uk" read as two words.
    assert breakable("learning.nspcc.org.uk") == "learning.\u200bnspcc.org.uk"
    assert breakable("dhs.gov") == "dhs.gov"
    assert ADDRESS.sub("", "1.5 hours, e.g. U.S. law; Dr. Delgado") == (
        "1.5 hours, e.g. U.S. law; Dr. Delgado"
    )


@dataclass(frozen=True)
class PrintedPage:
    """A page of a PDF as these checks read it."""

    text: str
    body: list[tuple[float, str]]  # each piece of text above the footer and below the header,
    height: float  # with the height of its baseline


@cache
def printed_pages(pdf: Path) -> list[PrintedPage]:
    """Every page of `pdf`, read once for all the checks of a sample's layout."""
    pages = []
    for page in PdfReader(pdf).pages:
        height = float(page.mediabox.height)
        pieces: list[tuple[float, str]] = []

        def visit(text, cm, tm, font, size, pieces=pieces):
            if text.strip():
                pieces.append((tm[5] * cm[3] + cm[5], text))

        text = page.extract_text(visitor_text=visit)
        body = [(y, piece) for y, piece in pieces if 0.08 * height < y < 0.92 * height]
        pages.append(PrintedPage(text, body, height))
    return pages


def body_fill(page: PrintedPage) -> float:
    """How far down the page its text reaches, as a share of the body (header and footer out)."""
    if not page.body:
        return 0.0
    return (0.92 * page.height - min(y for y, _ in page.body)) / (0.84 * page.height)


def headings_after_page_breaks(document) -> set[str]:
    """The headings a page break in the template puts at the top of a new page."""
    turned, after_break = set(), False
    for paragraph in document.paragraphs:
        if after_break and paragraph.style.name.startswith("Heading"):
            turned.add(paragraph.text)
        if paragraph.text.strip() or paragraph.style.name.startswith("Heading"):
            after_break = False
        breaks = paragraph._p.iter(qn("w:br"))
        if any(br.get(qn("w:type")) == "page" for br in breaks):
            after_break = True
    return turned


def outline_entries(outline):
    for item in outline:
        if isinstance(item, list):
            yield from outline_entries(item)
        else:
            yield item


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
    # A part the template starts on a new page (the assessment's guidance appendix) ends the
    # part before it the way a document's end does: that page holds whatever rows are left.
    turned = headings_after_page_breaks(Document(sample_packets[slug] / "bundle.docx"))
    last_pages |= {
        reader.get_destination_page_number(item) - 1
        for item in outline_entries(reader.outline)
        if item.title in turned
    }
    # A section's last page before the paper turns (the training log's sessions, landscape,
    # before its portrait sign-in sheet) ends with the rows left, like a document's last page.
    wide = [page.mediabox.width > page.mediabox.height for page in reader.pages]
    last_pages |= {n for n in range(len(wide) - 1) if wide[n] != wide[n + 1]}
    near_empty = []
    for number, page in enumerate(printed_pages(sample_packets[slug] / "bundle.pdf")):
        if "Sign-in sheet for the next session" in page.text:
            continue  # its rows are empty lines to sign on
        least = LAST_PAGE_FILL if number in last_pages else INNER_PAGE_FILL
        if (fill := body_fill(page)) < least:
            near_empty.append((number + 1, round(fill, 2)))
    assert near_empty == []


@pytest.fixture
def starters(starter_packets) -> dict[str, Path]:
    return starter_packets


def text_of(folder: Path, *documents: str) -> str:
    return "\n".join(docx_text(folder / f"{name}.docx") for name in documents)


# The project's own documents (the assessment quotes the toolkit, which keeps its words).
OWN = ("policy", "training", "directory")


def test_englands_training_log_names_the_safeguarding_topic(starters, sample_packets):
    for folder in (starters["english-shelter"], sample_packets["northgate-youth-shelter"]):
        log = text_of(folder, "training")
        assert "Safeguarding referrals and statutory duties" in log
        assert "Mandatory reporting" not in log and "mandatory reporting" not in log


@pytest.mark.parametrize("slug", ["ontario-school", "australian-clinic"])
def test_countries_with_mandatory_reporting_keep_the_topic(starters, slug):
    assert "Mandatory reporting requirements" in text_of(starters[slug], "training")


def test_an_english_packet_speaks_of_safeguarding_throughout(starters):
    text = text_of(starters["english-shelter"], *OWN).lower()
    for phrase in ("mandatory report", "mandated report"):
        assert phrase not in text, phrase
    assert "safeguarding referrals and statutory duties" in text
    assert "make a safeguarding referral" in text and "file a safeguarding referral" not in text


@pytest.mark.parametrize("slug", ["ontario-school", "english-shelter", "australian-clinic"])
def test_no_us_only_words_outside_the_us(starters, slug):
    text = text_of(starters[slug], *OWN)
    us_only = (
        "FBI",
        "HSI",
        "Title X",
        "sheriff",
        "child protective services",
        "federal or state",
        "Department of Labor",
        "National Human Trafficking Hotline",
    )
    assert [word for word in us_only if word.lower() in text.lower()] == []
    if slug != "ontario-school":
        assert "911" not in text


def test_the_directory_says_which_children_the_duty_covers(starters):
    text = text_of(starters["ontario-school"], "directory")
    assert "When the student is a child under 16, a mandated report does not wait" in text


def test_a_statute_given_as_sentences_reads_as_sentences(sample_packets):
    text = text_of(sample_packets["northgate-youth-shelter"], "policy")
    assert "Reporting rules for England (Kendleshire): No general mandatory reporting law" in text
    assert "procedures.." not in text and "(Kendleshire), No" not in text
    harbor = text_of(sample_packets["harbor-family-health"], "policy")
    assert "(Marin Vista County): California Child Abuse and Neglect Reporting Act" in harbor
    assert "11164-11174.3." in harbor


@pytest.mark.parametrize("slug", SAMPLES)
def test_no_doubled_brackets_or_full_stops(sample_packets, slug):
    text = text_of(sample_packets[slug], *OWN)
    # "((555) 010-4190)": a template's brackets around a value in brackets; "..": a full stop
    # after a value that ends in one. (A citation's "2152.021(F))" is right as it is.)
    assert not re.findall(r".{30}(?:\(\(|[^.]\.\.(?!\.)).{10}", text)


@pytest.mark.parametrize("slug", SAMPLES)
def test_the_policy_counts_the_topics_the_log_requires(sample_packets, slug):
    """ "Staff trained on the four annual topics" in a packet whose log requires five."""
    questionnaire = yaml.safe_load((ROOT / "inputs" / slug / "questionnaire.yaml").read_text())
    extra = questionnaire.get("training", {}).get("extra_topics", [])
    required = len(content("policy")["annual_training_topics"]) + len(extra)
    policy = text_of(sample_packets[slug], "policy")
    counted = re.findall(r"\b(four|five|six) annual topics", policy)
    assert all(word == {4: "four", 5: "five", 6: "six"}[required] for word in counted), counted


def last_body_line(page: PrintedPage) -> str:
    """The text of the page's lowest line above the footer."""
    body = [(round(y), text) for y, text in page.body]
    if not body:
        return ""
    lowest = min(y for y, _ in body)
    return "".join(text for y, text in body if abs(y - lowest) < 3).strip()


@pytest.mark.pdf
@pytest.mark.parametrize("slug", SAMPLES)
def test_no_introduction_is_left_alone_at_a_page_foot(sample_packets, slug):
    """ "Law enforcement contacts:" at the foot of a page, its list on the next."""
    alone = [
        (number, line)
        for number, page in enumerate(printed_pages(sample_packets[slug] / "bundle.pdf"), 1)
        if (line := last_body_line(page)).endswith(":")
    ]
    assert alone == []


@pytest.mark.parametrize("slug", ["ontario-school", "english-shelter", "australian-clinic"])
def test_every_introduction_keeps_with_what_it_introduces(starters, slug):
    for name in ("policy", "assessment", "directory", "training"):
        document = Document(starters[slug] / f"{name}.docx")
        loose = [
            p.text
            for p in document.paragraphs
            if p.text.rstrip().endswith(":") and not p.paragraph_format.keep_with_next
        ]
        assert loose == [], (name, loose)
        for table in document.tables:
            for row in table.rows:
                first = row.cells[0].text.rstrip()
                if first.endswith(":"):
                    assert all(p.paragraph_format.keep_with_next for p in row.cells[0].paragraphs)


def test_no_police_line_is_listed_as_a_front_line_hotline():
    """Police and enforcement lines (the HSI Tip Line, the AFP's 131AFP) are contacts for the
    protocol champion, used with the person's informed choice: never the directory's hotlines."""
    for country in COUNTRIES.values():
        for entry in country["resources"]:
            name = entry["name"].lower()
            assert not any(word in name for word in ("police", "tip line", "afp")), entry["id"]
        for entry in country.get("official_contacts", []):
            assert entry["kind"] in ("law_enforcement", "labor"), entry["id"]
    assert "afp_report_line" in {e["id"] for e in COUNTRIES["AU"]["official_contacts"]}


@pytest.mark.parametrize("slug", SAMPLES)
def test_a_partners_services_do_not_bring_a_second_colon(sample_packets, slug):
    """ "Open Door Survivor Services: Lead victim service provider: 24/7 advocate response": the
    template's colon after the name and the input's own collide."""
    profile = yaml.safe_load((ROOT / "inputs" / slug / "profile.yaml").read_text())
    policy = text_of(sample_packets[slug], "policy")
    for partner in profile.get("partners", []):
        line = next(line for line in policy.splitlines() if line.startswith(partner["name"]))
        assert line.count(": ") == 1, line


@pytest.mark.parametrize(
    ("language", "us", "spelt"),
    [
        (
            "en-GB",
            "Obstetrics and gynecology; Pediatrics clinic",
            "Obstetrics and gynaecology; Paediatrics clinic",
        ),
        ("en-AU", "Obstetrics and gynecology", "Obstetrics and gynaecology"),
        (
            "en-CA",
            "Obstetrics and gynecology; Pediatrics clinic",
            "Obstetrics and gynecology; Pediatrics clinic",
        ),
    ],
)
def test_medical_words_are_spelt_consistently_in_each_country(language, us, spelt):
    """An English list had "Paediatrics clinic" beside "Obstetrics and gynecology"; Canadian
    usage keeps both US forms."""
    assert respell(us, language) == spelt


@pytest.mark.pdf
@pytest.mark.parametrize("slug", SAMPLES)
def test_no_heading_is_left_alone_at_a_page_foot(sample_packets, slug):
    """ "Key personnel" or "Domain 5" as a page's last line, their text on the next page."""
    document = Document(sample_packets[slug] / "bundle.docx")
    headings = {
        p.text.replace(ZERO_WIDTH_SPACE, "").strip()
        for p in document.paragraphs
        if p.style.name.startswith("Heading")
    }
    assert len(headings) > 40
    alone = [
        (number, line)
        for number, page in enumerate(printed_pages(sample_packets[slug] / "bundle.pdf"), 1)
        if (line := last_body_line(page)) in headings
    ]
    assert alone == []


def test_englands_reporting_table_asks_no_us_question(starters, sample_packets):
    """England has no statutory child-abuse definition for a report to name trafficking in: the
    row asks how the safeguarding procedures treat it."""
    starter = text_of(starters["english-shelter"], "policy")
    assert "child-abuse definition" not in starter
    assert (
        "whether the local safeguarding procedures treat trafficking of a child as abuse" in starter
    )
    sample = text_of(sample_packets["northgate-youth-shelter"], "policy")
    assert "Trafficking as child abuse" in sample and "child-abuse definition" not in sample
    assert "child-abuse definition includes trafficking" in text_of(
        starters["ontario-school"], "policy"
    )
