"""A PDF LibreOffice wrote damaged (cut short by a full disk or a crash): a clear error naming
the file, exit 1, and the earlier packet left as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from pipeline import convert
from pipeline.cli import main
from pipeline.errors import ConversionError
from tests.helpers import strict_pdf_findings

pytestmark = pytest.mark.pdf


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


@pytest.fixture
def built(scenario, tmp_path) -> tuple[Path, Path]:
    folder = scenario("minimal-clinic")
    out = tmp_path / "out" / "test-agency"
    result = CliRunner().invoke(main, ["bundle", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return folder, out


def cut_short(monkeypatch, keep: float, end_marker: bool) -> None:
    """LibreOffice writes every PDF, then the file loses its end (`keep` of it is left)."""
    check = convert._check_pdf

    def cut_then_check(path):
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)] + (b"\n%%EOF\n" if end_marker else b""))
        check(path)

    monkeypatch.setattr(convert, "_check_pdf", cut_then_check)


@pytest.mark.parametrize(("keep", "end_marker"), [(0.5, False), (0.97, False), (0.6, True)])
def test_a_damaged_pdf_is_an_error_naming_it_and_the_packet_stays(
    built, monkeypatch, keep, end_marker
):
    folder, out = built
    before = contents(out)
    cut_short(monkeypatch, keep, end_marker)
    (folder / "questionnaire.yaml").write_text(
        (folder / "questionnaire.yaml").read_text() + "# changed\n"
    )
    result = CliRunner().invoke(main, ["bundle", str(folder), "--out", str(out)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "LibreOffice wrote a damaged PDF" in result.output
    assert ".pdf" in result.output.split("LibreOffice wrote a damaged PDF")[0]
    assert contents(out) == before


def test_reading_a_damaged_pdf_names_the_file(built, tmp_path):
    _, out = built
    damaged = tmp_path / "bundle.pdf"
    data = (out / "bundle.pdf").read_bytes()
    damaged.write_bytes(data[: len(data) // 3] + b"\n%%EOF\n")
    with pytest.raises(ConversionError) as caught:
        convert.open_written_pdf(damaged)
    # Named as the packet names it: the folder it was written in is a build's, gone by now.
    assert caught.value.message.startswith("bundle.pdf: ")
    assert str(tmp_path) not in caught.value.message
    shutil.copy(out / "bundle.pdf", damaged)
    with convert.open_written_pdf(damaged) as whole:
        assert len(whole.pages) > 1


def test_the_longest_legal_name_allowed_fits_word_s_document_properties(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    profile = folder / "profile.yaml"
    name = "N" * 200
    profile.write_text(profile.read_text().replace("Minimal Test Clinic", name, 1))
    out = tmp_path / "forms" / "test-agency"
    result = CliRunner().invoke(main, ["forms", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    properties = Document(out / "assessment-form.docx").core_properties
    assert properties.author == name and properties.title.endswith(name)


def test_every_pdf_of_a_packet_and_of_a_blank_packet_passes_qpdfs_strict_check(built, tmp_path):
    _, out = built
    blank = tmp_path / "blank"
    result = CliRunner().invoke(main, ["blank", "--type", "school", "--out", str(blank)])
    assert result.exit_code == 0, result.output
    written = sorted([*out.glob("*.pdf"), *blank.glob("*.pdf")])
    assert {path.name for path in written} >= {"bundle.pdf", "policy.pdf", "assessment.pdf"}
    assert {path.name: strict_pdf_findings(path) for path in written} == {
        path.name: [] for path in written
    }
