"""The `packet` command: parses options and calls one pipeline function per command.

Each command imports the part of the pipeline it runs when it runs: `packet bundle` starts
LibreOffice first, and its start-up then overlaps with importing, reading and rendering.
"""

from __future__ import annotations

import signal
import sys
from contextlib import nullcontext
from pathlib import Path

import click

from pipeline.content import agency_types, content
from pipeline.convert import Converter
from pipeline.errors import Interrupted, Problem, counted

FOLDER = click.Path(path_type=Path, file_okay=False)
STYLE = click.option(
    "--style",
    "style_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="FILE.docx",
    help="A reference Word document that gives the packet its look (a restyled copy of "
    "pipeline/templates/reference.docx) [default: the agency's style: in profile.yaml, else "
    "the project's].",
)


def house_style(style_file: Path | None):
    """The reference document named with --style, checked; None for the default."""
    if style_file is None:
        return None
    from pipeline.style import house_style as read

    return read(style_file)


def show_warnings(warnings: list[Problem]) -> None:
    for warning in warnings:
        click.secho(str(warning), fg="yellow", err=True)


class PacketCommands(click.Group):
    """Every command ends with one line and exit code 128 + N when stopped by signal N."""

    def invoke(self, ctx: click.Context):
        signal.signal(signal.SIGTERM, raise_interrupted)
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, Interrupted) as stop:
            number = getattr(stop, "signal_number", signal.SIGINT)
            click.echo(
                f"Error: stopped by {signal.Signals(number).name}; temporary files were removed "
                "and earlier outputs are as they were",
                err=True,
            )
            ctx.exit(128 + number)


def raise_interrupted(number: int, frame: object) -> None:
    raise Interrupted(number)


@click.group(cls=PacketCommands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="protocol-packet-builder")
def main() -> None:
    """Build an agency's human-trafficking response packet from its inputs folder.

    An agency's folder (inputs/<slug>/) holds profile.yaml and questionnaire.yaml.
    Exit codes: 0 done, 2 bad input, 1 anything else.
    """


@main.command()
@click.argument("agency", type=FOLDER)
def validate(agency: Path) -> None:
    """Check an agency's inputs and list every problem, without writing anything.

    Problems are printed as file:line:column: field: what is wrong. Warnings name optional
    facts the documents will ask to fill in by hand.
    """
    from pipeline.errors import InputError, errors_and_warnings
    from pipeline.load import load_agency
    from pipeline.wording.listing import wording_problems

    inputs = load_agency(agency)
    errors, wording_warnings = errors_and_warnings(wording_problems(inputs))
    if errors:
        raise InputError(errors)
    warnings = sorted([*inputs.warnings, *wording_warnings])
    show_warnings(warnings)
    click.echo(f"{agency}: inputs are valid ({counted(len(warnings), 'warning')})")


@main.command()
@click.argument("agency", type=FOLDER)
@click.option(
    "--document",
    "document_ids",
    multiple=True,
    type=click.Choice([entry["id"] for entry in content("documents")["documents"]]),
    help="List this document only (repeat for more) [default: every document].",
)
def wording(agency: Path, document_ids: tuple[str, ...]) -> None:
    """List every heading and paragraph of an agency's documents with its reference.

    The references are what wording.yaml names to replace, remove or add after a paragraph
    (`packet ingest` writes them from an edited document); `*` marks a paragraph the agency's
    wording changes. Values of the inputs show as {field} names.
    """
    from pipeline.load import load_agency
    from pipeline.wording.listing import listing_lines

    inputs = load_agency(agency)
    for line in listing_lines(inputs, list(document_ids) or None):
        click.echo(line)


@main.command()
@click.argument("agency", type=FOLDER)
@click.option(
    "--out",
    type=FOLDER,
    help="Folder to write the packet to [default: outputs/<slug>].",
)
@click.option("--no-pdf", is_flag=True, help="Write the Word files only; skip LibreOffice.")
@click.option(
    "--blank-assessment",
    is_flag=True,
    help="Leave the service assessment blank, to fill in by hand, even if answers exist.",
)
@STYLE
def bundle(
    agency: Path, out: Path | None, no_pdf: bool, blank_assessment: bool, style_file: Path | None
) -> None:
    """Build the packet: one .docx per document, bundle.docx and bundle.pdf.

    The service assessment is completed from the answer files in the agency's assessment/
    folder, or blank (with boxes to tick in Word) when there are none.

    Nothing is written unless the whole packet succeeds; an earlier packet in the output
    folder stays as it was.
    """
    target = out or Path("outputs") / agency.absolute().name  # `.` names the folder it is
    with nullcontext() if no_pdf else Converter() as converter:
        from pipeline.build import build_packet

        result = build_packet(
            agency,
            target,
            pdf=not no_pdf,
            blank_assessment=blank_assessment,
            converter=converter,
            style=house_style(style_file),
        )
    show_warnings(result.warnings)
    for path in result.files:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("inputs", type=FOLDER, default=Path("inputs"))
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Agencies rendered, and LibreOffice runs, at once [default: one per core].",
)
@click.option(
    "--out",
    type=FOLDER,
    default=Path("outputs"),
    show_default=True,
    help="Folder that receives one packet folder per agency.",
)
@click.option("--force", is_flag=True, help="Rebuild agencies whose inputs have not changed.")
@click.option("--no-pdf", is_flag=True, help="Write the Word files only; skip LibreOffice.")
@click.option(
    "--zip",
    "zip_packets",
    is_flag=True,
    help="Also write <slug>-packet-<year>.zip per agency, to hand out as one file.",
)
@STYLE
def batch(
    inputs: Path,
    jobs: int | None,
    out: Path,
    force: bool,
    no_pdf: bool,
    zip_packets: bool,
    style_file: Path | None,
) -> None:
    """Build every agency folder under INPUTS, in parallel, going on past failures.

    Agencies whose inputs, templates, content and tool are unchanged since their last build
    are skipped. Prints a summary table and every agency's warnings and errors, and writes
    the same as batch-report.txt and batch-report.csv into OUT; exits 1 if any agency
    failed, and a failed agency's earlier packet stays as it was.
    """
    from pipeline import batch as batches

    total = len(batches.agency_folders(inputs))
    style = house_style(style_file)
    with click.progressbar(length=total, label="Building packets", file=sys.stderr) as bar:
        outcomes = batches.batch_build(
            inputs,
            out,
            jobs,
            force=force,
            pdf=not no_pdf,
            progress=lambda _: bar.update(1),
            style=style,
        )
    written = batches.write_report(outcomes, out)
    written += batches.zip_packets(outcomes, out) if zip_packets else []
    click.echo(batches.report_text(outcomes))
    for path in written:
        click.echo(f"wrote {path}")
    if any(outcome.status == "failed" for outcome in outcomes):
        raise SystemExit(1)


@main.command()
@click.argument("agency", type=FOLDER)
@click.option(
    "--out",
    type=FOLDER,
    help="Folder to write the forms to [default: outputs/<slug>/forms].",
)
@click.option("--no-pdf", is_flag=True, help="Write the Word form only; skip LibreOffice.")
def forms(agency: Path, out: Path | None, no_pdf: bool) -> None:
    """Write the service assessment as a form for one respondent to fill in.

    assessment-form.docx has boxes to tick and fields to type in Word; assessment-form.pdf is
    the same form as a fillable PDF. Send either to each respondent, then read the filled
    forms back with `packet ingest`.
    """
    from pipeline.forms import build_forms

    target = out or Path("outputs") / agency.absolute().name / "forms"
    for path in build_forms(agency, target, pdf=not no_pdf):
        click.echo(f"wrote {path}")


@main.command()
@click.argument("agency", type=FOLDER)
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False)
)
@click.option("--replace", is_flag=True, help="Overwrite respondent files that hold other answers.")
@click.option(
    "--update-inputs",
    is_flag=True,
    help="Write values edited in a document (a phone number, a name) into the input that holds "
    "them, keeping the file's comments; without it they are only reported.",
)
def ingest(agency: Path, files: tuple[Path, ...], replace: bool, update_inputs: bool) -> None:
    """Read filled forms, survey exports and edited documents back into the agency's inputs.

    FILES are filled respondent forms (.docx or .pdf, from `packet forms`), survey exports
    (.csv, .xlsx, .xls or .ods, one row per respondent, as Google Forms, Microsoft Forms,
    SurveyMonkey, Qualtrics or REDCap's labels export write them) and packet documents edited
    in Word or LibreOffice (policy.docx, bundle.docx...). Each respondent becomes
    assessment/<name or role>.yaml; the edits of a document become the agency's wording,
    wording.yaml. If any file has a problem, nothing is written.
    """
    from pipeline.ingest import ingest as ingest_answers
    from pipeline.ingest import summary_line
    from pipeline.ingest.document import wording_summary

    report = ingest_answers(agency, list(files), replace=replace, update_inputs=update_inputs)
    show_warnings(report.warnings)
    for note in report.notes:
        click.echo(note)
    for answer_set in report.answer_sets:
        click.echo(summary_line(answer_set))
    for update in report.wording:
        for line in wording_summary(update):
            click.echo(line)


@main.command()
def questions() -> None:
    """Print the survey to build in Google Forms, Microsoft Forms, SurveyMonkey or Qualtrics.

    One question per block: the respondent's role, name and date; one grid per domain whose
    rows are the items, each starting with its id (columns Yes, No, N/A); the ratings as one
    grid; a comment question per domain. An export of such a survey ingests as it is.
    """
    from pipeline.ingest.questions import survey_questions

    click.echo(survey_questions())


AGENCY_TYPES = click.Choice(agency_types())


@main.command()
@click.option(
    "--type",
    "agency_type",
    type=click.Choice([*AGENCY_TYPES.choices, "all"]),
    required=True,
    help="The agency type, or all for one blank packet of each type.",
)
@click.option(
    "--out",
    type=FOLDER,
    help="Folder to write the blank packet to [default: outputs/blank/<type>]; with --type "
    "all, the folder that receives one folder per type [default: outputs/blank].",
)
@click.option("--no-pdf", is_flag=True, help="Write the Word files only; skip LibreOffice.")
@STYLE
def blank(agency_type: str, out: Path | None, no_pdf: bool, style_file: Path | None) -> None:
    """Build a blank packet for an agency type, to fill in by hand or in Word.

    Facts are highlighted [fill-in] fields; the assessment has boxes to tick, the directory
    lists its categories as empty rows, and the training log is empty.
    """
    from pipeline.blank import build_blank
    from pipeline.publish import check_batch_root, check_destination

    everyone = agency_type == "all"
    root = out if everyone and out else Path("outputs") / "blank"
    style = house_style(style_file)
    types = agency_types() if everyone else [agency_type]
    targets = {each: root / each if everyone or not out else out for each in types}
    if everyone:
        check_batch_root(root)  # every folder is checked before the first is written
    for target in targets.values():
        check_destination(target)
    for each, target in targets.items():
        result = build_blank(each, target, pdf=not no_pdf, style=style)
        for path in result.files:
            click.echo(f"wrote {path}")


@main.command()
@click.argument("slug")
@click.option("--type", "agency_type", type=AGENCY_TYPES, required=True, help="The agency type.")
@click.option(
    "--inputs",
    type=FOLDER,
    default=Path("inputs"),
    show_default=True,
    help="Folder that holds the agencies' input folders.",
)
@click.option(
    "--country",
    default="US",
    show_default=True,
    help="The agency's country (US, CA, GB or AU): the starter's examples follow it.",
)
@click.option(
    "--region",
    help="The state, province or territory code (e.g. ON, NSW; in the UK the nation, ENG).",
)
def new(slug: str, agency_type: str, inputs: Path, country: str, region: str | None) -> None:
    """Create a starter inputs/<slug>/ with every field present and explained.

    Fill in the empty required fields, then run `packet validate`.
    """
    from pipeline.blank import new_agency

    folder = new_agency(inputs, slug, agency_type, country.upper(), region and region.upper())
    click.echo(f"created {folder}: fill in profile.yaml and questionnaire.yaml")


ARCHIVE_ROOT = click.option(
    "--root",
    type=FOLDER,
    default=Path("archive"),
    show_default=True,
    help="Folder that holds every agency's archived versions.",
)


SIGNING_PASSWORD = "PACKET_SIGNING_PASSWORD"  # the environment variable --sign reads


@main.command()
@click.argument("agency", type=FOLDER)
@click.option(
    "--year",
    type=int,
    help="The year this version is for [default: the year of packet.date]; another year is "
    "refused unless --fiscal-year is given.",
)
@click.option(
    "--fiscal-year",
    is_flag=True,
    help="The agency files by fiscal year: accept a --year one year from packet.date's.",
)
@ARCHIVE_ROOT
@click.option("--note", help="A note kept in the manifest, such as who approved the packet.")
@click.option(
    "--revision",
    metavar="REASON",
    help="Store a corrected version beside an archived year (as 2026-r2), with the reason.",
)
@click.option(
    "--sign",
    "key_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="KEY.p12",
    help=f"Sign the archived bundle.pdf with this PKCS#12 key; its password is read from "
    f"{SIGNING_PASSWORD}, or asked for.",
)
@STYLE
def archive(
    agency: Path,
    year: int | None,
    fiscal_year: bool,
    root: Path,
    note: str | None,
    revision: str | None,
    key_file: Path | None,
    style_file: Path | None,
) -> None:
    """Build the packet and store the year's version, unchangeable, under ROOT/<slug>/<year>/.

    The version holds every document, bundle.pdf as PDF/A-2b, a copy of the inputs and a
    manifest.json of hashes; it is a BagIt bag that archivists' own tools can check. An
    archived year is never overwritten. Prints the version's fingerprint, which is also added
    to ROOT/<slug>/ledger.tsv: keep a copy of it outside the archive.
    """
    import os

    from pipeline.archive import archive_packet, ledger_path
    from pipeline.sign import load_signer

    signer = None
    if key_file:
        password = os.environ.get(SIGNING_PASSWORD)
        if password is None:
            password = click.prompt(f"Password of {key_file}", hide_input=True, default="")
        signer = load_signer(key_file, password)
    version = archive_packet(
        agency,
        year,
        root,
        note=note,
        revision=revision,
        fiscal_year=fiscal_year,
        signer=signer,
        style=house_style(style_file),
    )
    click.echo(f"archived {version.path}")
    click.echo(f"archive fingerprint (SHA-256 of its tag manifest): {version.fingerprint}")
    click.echo(f"recorded in {ledger_path(version.path.parent)}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--expect",
    metavar="DIGEST",
    help="The version's fingerprint as recorded outside the archive (one version folder).",
)
@click.option(
    "--trust",
    "trusted",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    metavar="CERT",
    help="A certificate (PEM or DER) to trust for signed versions; may be given again.",
)
def verify(path: Path, expect: str | None, trusted: tuple[Path, ...]) -> None:
    """Re-hash archived versions (one version folder, or every version under a folder).

    Each version is checked against its manifests, its fingerprint against the agency's
    ledger.tsv (and --expect), the fingerprint each version recorded of the one before it,
    and a signed bundle.pdf's signature. Exit code 0 when every version is intact, 1 when
    anything was altered, removed or added.
    """
    from pipeline.archive import verify as verify_archive
    from pipeline.sign import load_certificates

    results = verify_archive(path, expect=expect, trusted=load_certificates(list(trusted)))
    for result in results:
        if result.intact:
            click.echo(f"intact   {result.path}")
        else:
            click.secho(f"DAMAGED  {result.path}", fg="red")
        if result.fingerprint:
            click.echo(f"         fingerprint {result.fingerprint}")
        for line in [*result.problems, *result.notes]:
            click.echo(f"         {line}")
    if not all(result.intact for result in results):
        raise SystemExit(1)


@main.command()
@click.argument("slug")
@click.argument("old")
@click.argument("new")
@ARCHIVE_ROOT
@click.option(
    "--docx",
    "docx_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the comparison as a Word document.",
)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the comparison as a tagged PDF (PDF/UA-1).",
)
def diff(
    slug: str, old: str, new: str, root: Path, docx_path: Path | None, pdf_path: Path | None
) -> None:
    """Show what changed between two archived versions: 2025, 2026 (or 2026-r1, the year's
    original, even once corrected), 2026-r2 for its first correction."""
    from pipeline.diff import as_text, compare_named, diff_docx, diff_pdf
    from pipeline.publish import check_new_file

    for path in (docx_path, pdf_path):
        if path:
            check_new_file(path)
    changes = compare_named(root, slug, old, new)
    click.echo(as_text(changes))
    if docx_path:
        click.echo(f"wrote {diff_docx(changes, docx_path)}")
    if pdf_path:
        click.echo(f"wrote {diff_pdf(changes, pdf_path)}")


@main.command()
@click.argument("slug")
@ARCHIVE_ROOT
def history(slug: str, root: Path) -> None:
    """List an agency's archived versions: dates, whether a later revision superseded each,
    revision reason and note, one column each."""
    from pipeline.archive import damaged_rows, history_rows

    rows = history_rows(root, slug)
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())
    if damaged_rows(rows):
        raise SystemExit(1)
