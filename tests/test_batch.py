"""Batch builds: parallel, incremental, going on past failures with untouched outputs."""

from __future__ import annotations

import csv
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import build
from pipeline.batch import batch_build
from pipeline.cli import main
from pipeline.content import content
from pipeline.convert import PdfJob
from tests.conftest import FIXTURES
from tests.helpers import lock_files, unwritten_files

pytestmark = pytest.mark.pdf


@pytest.fixture
def agencies(tmp_path) -> Path:
    """Three fixture agencies, one of them with a broken profile."""
    root = tmp_path / "inputs"
    for slug in ("alpha-clinic", "beta-clinic", "gamma-clinic"):
        shutil.copytree(FIXTURES / "minimal-clinic", root / slug)
    shutil.copytree(FIXTURES / "training-statuses", root / "beta-clinic", dirs_exist_ok=True)
    return root


def break_agency(folder: Path) -> None:
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text().replace("date: 2026-11-23", "date: 2026-02-30"))


def test_batch_builds_every_agency_with_pdfs(agencies, tmp_path):
    out = tmp_path / "out"
    outcomes = batch_build(agencies, out, jobs=2)
    assert [(o.slug, o.status) for o in outcomes] == [
        ("alpha-clinic", "built"),
        ("beta-clinic", "built"),
        ("gamma-clinic", "built"),
    ]
    for outcome in outcomes:
        assert outcome.pages and outcome.pages >= 20
        for name in ("bundle.docx", "bundle.pdf", "policy.pdf", "training.pdf"):
            assert (out / outcome.slug / name).is_file()
    assert not list(out.glob(".batch-*"))


def test_batch_leaves_only_the_files_each_build_wrote(agencies, tmp_path):
    """One LibreOffice run converts bundle after bundle and closes each after answering."""
    out = tmp_path / "out"
    outcomes = batch_build(agencies, out, jobs=1)
    assert {outcome.status for outcome in outcomes} == {"built"}
    assert lock_files(out) == []
    for outcome in outcomes:
        written = build.output_files(out / outcome.slug, outcome.documents, pdf=True)
        assert unwritten_files(out / outcome.slug, written) == []
    assert sorted(path.name for path in out.iterdir()) == [o.slug for o in outcomes]


def test_partial_failure_exit_code_summary_and_untouched_outputs(agencies, tmp_path):
    out = tmp_path / "out"
    batch_build(agencies, out, jobs=2)
    before = {p.name: p.read_bytes() for p in (out / "beta-clinic").iterdir()}
    break_agency(agencies / "beta-clinic")
    (agencies / "alpha-clinic" / "questionnaire.yaml").write_text(
        (agencies / "alpha-clinic" / "questionnaire.yaml")
        .read_text()
        .replace("Cases referred", "Cases referred and completed")
    )
    result = CliRunner().invoke(main, ["batch", str(agencies), "--out", str(out), "--jobs", "2"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("agency"))
    table = {line.split()[0]: line.split()[1] for line in lines[header + 1 : header + 4]}
    assert table == {"alpha-clinic": "built", "beta-clinic": "failed", "gamma-clinic": "skipped"}
    assert "beta-clinic failed:" in result.output
    assert (
        "packet.date: expected a real date written YYYY-MM-DD, in the years 1900 to 2199, "
        "got '2026-02-30'" in result.output
    )
    assert "1 built, 1 skipped, 1 failed" in result.output
    assert {p.name: p.read_bytes() for p in (out / "beta-clinic").iterdir()} == before


def test_a_failed_conversion_fails_only_its_agency(agencies, tmp_path, monkeypatch):
    """LibreOffice cannot read beta's bundle: beta fails, the run is replaced, the rest build."""

    def job_for(source: Path, target: Path, pdfa: bool = False) -> PdfJob:
        if "beta-clinic" in str(source):
            source = source.with_name("missing.docx")
        return PdfJob(source, target, pdfa)

    monkeypatch.setattr(build, "PdfJob", job_for)
    out = tmp_path / "out"
    outcomes = {o.slug: o for o in batch_build(agencies, out, jobs=1)}
    assert {slug: o.status for slug, o in outcomes.items()} == {
        "alpha-clinic": "built",
        "beta-clinic": "failed",
        "gamma-clinic": "built",
    }
    assert "missing.docx" in outcomes["beta-clinic"].error
    assert not (out / "beta-clinic").exists()
    assert (out / "gamma-clinic" / "bundle.pdf").is_file()


def test_unchanged_agencies_are_skipped_unless_forced(agencies, tmp_path):
    out = tmp_path / "out"
    batch_build(agencies, out, jobs=2, pdf=False)
    assert {o.status for o in batch_build(agencies, out, jobs=2, pdf=False)} == {"skipped"}
    # The same outputs, but asked with a PDF: the packets without one are rebuilt.
    assert {o.status for o in batch_build(agencies, out, jobs=2, pdf=True)} == {"built"}
    assert {o.status for o in batch_build(agencies, out, jobs=2, force=True)} == {"built"}


def test_an_edited_agency_is_the_only_one_rebuilt(agencies, tmp_path):
    out = tmp_path / "out"
    batch_build(agencies, out, jobs=2, pdf=False)
    (agencies / "gamma-clinic" / "profile.yaml").write_text(
        (agencies / "gamma-clinic" / "profile.yaml").read_text().replace("Ada Tester", "Ada Tested")
    )
    outcomes = {o.slug: o.status for o in batch_build(agencies, out, jobs=2, pdf=False)}
    assert outcomes == {
        "alpha-clinic": "skipped",
        "beta-clinic": "skipped",
        "gamma-clinic": "built",
    }


def test_batch_writes_its_report_beside_the_outputs_as_it_prints_it(agencies, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(agencies), "--out", str(out), "--no-pdf"])
    assert result.exit_code == 0, result.output
    report = (out / "batch-report.txt").read_text()
    assert report in result.stdout
    with (out / "batch-report.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["agency"] for row in rows] == ["alpha-clinic", "beta-clinic", "gamma-clinic"]
    warnings = rows[0]["problems"].splitlines()
    assert len(warnings) == int(rows[0]["warnings"]) > 0
    assert all(f"  {warning}" in report for warning in warnings)


def test_batch_prints_a_failed_agencys_errors_on_the_same_stream(agencies, tmp_path):
    break_agency(agencies / "beta-clinic")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(agencies), "--out", str(out), "--no-pdf"])
    assert result.exit_code == 1
    assert "beta-clinic failed:" in result.stdout
    assert (
        "expected a real date written YYYY-MM-DD, in the years 1900 to 2199, got '2026-02-30'"
        in result.stdout
    )
    assert "2026-02-30" in (out / "batch-report.csv").read_text()


def test_skipped_agencies_keep_their_last_warning_count(agencies, tmp_path):
    out = tmp_path / "out"
    built = {o.slug: o.warnings for o in batch_build(agencies, out, jobs=2, pdf=False)}
    skipped = batch_build(agencies, out, jobs=2, pdf=False)
    assert {o.status for o in skipped} == {"skipped"}
    assert {o.slug: o.warnings for o in skipped} == built
    assert all(built.values())


def test_zip_per_agency_holds_its_files_named_after_it(agencies, tmp_path):
    out = tmp_path / "out"
    forms = out / "alpha-clinic" / "forms"
    CliRunner().invoke(main, ["batch", str(agencies), "--out", str(out), "--no-pdf"])
    forms.mkdir()
    (forms / "assessment-form.docx").write_bytes(b"a respondent form")
    result = CliRunner().invoke(
        main, ["batch", str(agencies), "--out", str(out), "--no-pdf", "--zip"]
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out / "alpha-clinic-packet-2026.zip") as packet:
        names = sorted(packet.namelist())
    documents = [f"{document['id']}.docx" for document in content("documents")["documents"]]
    expected = [*documents, "bundle.docx", "drafting-notes.md", "assessment-form.docx"]
    assert names == sorted(f"alpha-clinic-{name}" for name in expected)
    assert (out / "gamma-clinic-packet-2026.zip").is_file()
