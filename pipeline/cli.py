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

from pipeline.convert import Converter
from pipeline.errors import Interrupted, Problem, UsageError

FOLDER = click.Path(path_type=Path, file_okay=False)


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
    from pipeline.load import load_agency

    inputs = load_agency(agency)
    show_warnings(inputs.warnings)
    click.echo(f"{agency}: inputs are valid ({len(inputs.warnings)} warnings)")


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
def bundle(agency: Path, out: Path | None, no_pdf: bool, blank_assessment: bool) -> None:
    """Build the packet: one .docx per document, bundle.docx and bundle.pdf.

    The service assessment is completed from the answer files in the agency's assessment/
    folder, or blank (with boxes to tick in Word) when there are none.

    Nothing is written unless the whole packet succeeds; an earlier packet in the output
    folder stays as it was.
    """
    target = out or Path("outputs") / agency.name
    with nullcontext() if no_pdf else Converter() as converter:
        from pipeline.build import build_packet

        result = build_packet(
            agency,
            target,
            pdf=not no_pdf,
            blank_assessment=blank_assessment,
            converter=converter,
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
def batch(inputs: Path, jobs: int | None, out: Path, force: bool, no_pdf: bool) -> None:
    """Build every agency folder under INPUTS, in parallel, going on past failures.

    Agencies whose inputs, templates, content and tool are unchanged since their last build
    are skipped. Prints a summary table; exits 1 if any agency failed, and a failed agency's
    earlier packet stays as it was.
    """
    from pipeline.batch import agency_folders, batch_build

    total = len(agency_folders(inputs))
    with click.progressbar(length=total, label="Building packets", file=sys.stderr) as bar:
        outcomes = batch_build(
            inputs, out, jobs, force=force, pdf=not no_pdf, progress=lambda _: bar.update(1)
        )
    click.echo(f"{'agency':<32} {'status':<8} {'pages':>5} {'warnings':>8} {'seconds':>7}")
    for outcome in outcomes:
        pages = "" if outcome.pages is None else outcome.pages
        click.echo(
            f"{outcome.slug:<32} {outcome.status:<8} {pages:>5} {outcome.warnings:>8} "
            f"{outcome.seconds:>7.1f}"
        )
    failed = [outcome for outcome in outcomes if outcome.status == "failed"]
    for outcome in failed:
        click.secho(f"\n{outcome.slug} failed:", fg="red", err=True)
        click.echo(outcome.error, err=True)
    counts = {status: sum(o.status == status for o in outcomes) for status in ("built", "skipped")}
    click.echo(f"{counts['built']} built, {counts['skipped']} skipped, {len(failed)} failed")
    if failed:
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

    target = out or Path("outputs") / agency.name / "forms"
    for path in build_forms(agency, target, pdf=not no_pdf):
        click.echo(f"wrote {path}")


@main.command()
@click.argument("agency", type=FOLDER)
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False)
)
@click.option("--replace", is_flag=True, help="Overwrite respondent files that hold other answers.")
def ingest(agency: Path, files: tuple[Path, ...], replace: bool) -> None:
    """Read filled forms and survey exports into the agency's assessment/ folder.

    FILES are filled respondent forms (.docx or .pdf, from `packet forms`) and survey exports
    (.csv or .xlsx, one row per respondent). Each respondent becomes
    assessment/<name or role>.yaml. If any file has a problem, nothing is written.
    """
    from pipeline.ingest import ingest as ingest_answers
    from pipeline.ingest import summary_line

    report = ingest_answers(agency, list(files), replace=replace)
    show_warnings(report.warnings)
    for note in report.notes:
        click.echo(note)
    for answer_set in report.answer_sets:
        click.echo(summary_line(answer_set))


AGENCY_TYPES = click.Choice(
    ["health_clinic", "hospital", "shelter", "school", "nonprofit", "task_force"]
)


@main.command()
@click.option("--type", "agency_type", type=AGENCY_TYPES, required=True, help="The agency type.")
@click.option(
    "--out",
    type=FOLDER,
    help="Folder to write the blank packet to [default: outputs/blank-<type>].",
)
@click.option("--no-pdf", is_flag=True, help="Write the Word files only; skip LibreOffice.")
def blank(agency_type: str, out: Path | None, no_pdf: bool) -> None:
    """Build a blank packet for an agency type, to fill in by hand or in Word.

    Facts are highlighted [fill-in] fields; the assessment has boxes to tick, the directory
    lists its categories as empty rows, and the training log is empty.
    """
    from pipeline.blank import build_blank

    target = out or Path("outputs") / f"blank-{agency_type.replace('_', '-')}"
    result = build_blank(agency_type, target, pdf=not no_pdf)
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
def new(slug: str, agency_type: str, inputs: Path) -> None:
    """Create a starter inputs/<slug>/ with every field present and explained.

    Fill in the empty required fields, then run `packet validate`.
    """
    from pipeline.blank import new_agency

    folder = new_agency(inputs, slug, agency_type)
    click.echo(f"created {folder}: fill in profile.yaml and questionnaire.yaml")


ARCHIVE_ROOT = click.option(
    "--root",
    type=FOLDER,
    default=Path("archive"),
    show_default=True,
    help="Folder that holds every agency's archived versions.",
)


@main.command()
@click.argument("agency", type=FOLDER)
@click.option("--year", type=int, required=True, help="The year this version is for.")
@ARCHIVE_ROOT
@click.option("--note", help="A note kept in the manifest, such as who approved the packet.")
@click.option(
    "--revision",
    metavar="REASON",
    help="Store a corrected version beside an archived year (as 2026-r2), with the reason.",
)
def archive(agency: Path, year: int, root: Path, note: str | None, revision: str | None) -> None:
    """Build the packet and store the year's version, unchangeable, under ROOT/<slug>/<year>/.

    The version holds every document, bundle.pdf as PDF/A-2b, a copy of the inputs and a
    manifest.json of hashes; it is a BagIt bag that archivists' own tools can check. An
    archived year is never overwritten.
    """
    from pipeline.archive import archive_packet

    version = archive_packet(agency, year, root, note=note, revision=revision)
    click.echo(f"archived {version.path}")


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
def verify(path: Path) -> None:
    """Re-hash archived versions (one version folder, or every version under a folder).

    Exit code 0 when every version is intact, 1 when anything was altered, removed or added.
    """
    from pipeline.archive import verify as verify_archive

    results = verify_archive(path)
    for result in results:
        if result.intact:
            click.echo(f"intact   {result.path}")
        else:
            click.secho(f"DAMAGED  {result.path}", fg="red")
            for problem in result.problems:
                click.echo(f"         {problem}")
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
def diff(slug: str, old: str, new: str, root: Path, docx_path: Path | None) -> None:
    """Show what changed between two archived years (or revisions such as 2026-r2)."""
    from pipeline.archive import find_version
    from pipeline.diff import as_text, compare, diff_docx

    changes = compare(find_version(root, slug, old), find_version(root, slug, new))
    click.echo(as_text(changes))
    if docx_path:
        click.echo(f"wrote {diff_docx(changes, docx_path)}")


@main.command()
@click.argument("slug")
@ARCHIVE_ROOT
def history(slug: str, root: Path) -> None:
    """List an agency's archived versions with their dates, revisions and notes."""
    from pipeline.archive import agency_root, versions

    found = versions(agency_root(root, slug))
    if not found:
        raise UsageError(f"no archived versions of '{slug}' under {root}")
    for version in found:
        manifest = version.manifest
        extra = "; ".join(filter(None, [manifest.get("revision_reason"), manifest.get("note")]))
        click.echo(
            f"{version.name:<9} packet date {manifest['packet_date']}  "
            f"archived {manifest['archived_at']}  {extra}".rstrip()
        )
