"""The `packet` command: parses options and calls one pipeline function per command."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.build import build_packet
from pipeline.errors import Problem
from pipeline.load import load_agency

AGENCY_FOLDER = click.Path(path_type=Path, file_okay=False)


def show_warnings(warnings: list[Problem]) -> None:
    for warning in warnings:
        click.secho(str(warning), fg="yellow", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="protocol-packet-builder")
def main() -> None:
    """Build an agency's human-trafficking response packet from its inputs folder.

    An agency's folder (inputs/<slug>/) holds profile.yaml and questionnaire.yaml.
    Exit codes: 0 done, 2 bad input, 1 anything else.
    """


@main.command()
@click.argument("agency", type=AGENCY_FOLDER)
def validate(agency: Path) -> None:
    """Check an agency's inputs and list every problem, without writing anything.

    Problems are printed as file:line:column: field: what is wrong. Warnings name optional
    facts the documents will ask to fill in by hand.
    """
    inputs = load_agency(agency)
    show_warnings(inputs.warnings)
    click.echo(f"{agency}: inputs are valid ({len(inputs.warnings)} warnings)")


@main.command()
@click.argument("agency", type=AGENCY_FOLDER)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
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
    result = build_packet(agency, target, pdf=not no_pdf, blank_assessment=blank_assessment)
    show_warnings(result.warnings)
    for path in result.files:
        click.echo(f"wrote {path}")
