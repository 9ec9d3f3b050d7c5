"""The `packet` command: exit codes 0 done, 2 bad input, 1 anything else."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from pipeline import load
from pipeline.cli import main
from pipeline.load import load_agency


def test_validate_a_good_agency(sample):
    result = CliRunner().invoke(main, ["validate", str(sample("harbor-family-health"))])
    assert result.exit_code == 0
    assert "inputs are valid" in result.output


def test_validate_lists_every_problem_and_exits_2(scenario):
    folder = scenario("bad-contacts")
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 2
    assert "3 input problems found; nothing was written." in result.output
    assert (
        f"{folder}/profile.yaml:27:57: mandatory_reporting.child_abuse_agency.phone"
        in result.output
    )
    assert "Traceback" not in result.output


def test_validate_prints_warnings(scenario):
    result = CliRunner().invoke(main, ["validate", str(scenario("minimal-clinic"))])
    assert result.exit_code == 0
    assert "warning: no statute citation" in result.output


def test_unknown_agency_folder_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["bundle", str(tmp_path / "no-such-agency")])
    assert result.exit_code == 2
    assert "no such agency folder" in result.output


def test_bundle_without_pdf(scenario, tmp_path):
    out = tmp_path / "packet"
    result = CliRunner().invoke(
        main, ["bundle", str(scenario("minimal-clinic")), "--out", str(out), "--no-pdf"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "bundle.docx").is_file() and (out / "policy.docx").is_file()
    assert not (out / "bundle.pdf").exists()


def test_missing_libreoffice_exits_1_with_the_install_command(monkeypatch, scenario, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = CliRunner().invoke(
        main, ["bundle", str(scenario("minimal-clinic")), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "apt-get install libreoffice-writer-nogui" in result.output
    assert not (tmp_path / "o").exists()


def test_help_speaks_to_consultants():
    result = CliRunner().invoke(main, ["bundle", "--help"])
    assert result.exit_code == 0
    assert "bundle.pdf" in result.output and "--no-pdf" in result.output


def test_validate_dot_from_inside_the_agency_folder(scenario, monkeypatch):
    monkeypatch.chdir(scenario("minimal-clinic"))
    result = CliRunner().invoke(main, ["validate", "."])
    assert result.exit_code == 0, result.output
    assert "inputs are valid" in result.output


def test_one_warning_is_counted_in_the_singular(scenario, monkeypatch):
    inputs = load_agency(scenario("minimal-clinic"))
    inputs.warnings = inputs.warnings[:1]
    monkeypatch.setattr(load, "load_agency", lambda folder: inputs)
    result = CliRunner().invoke(main, ["validate", str(inputs.folder)])
    assert result.output.splitlines()[-1].endswith("inputs are valid (1 warning)")
