"""Archives damaged by hand or by a faulty disk: `verify` and `history` name what is wrong and
exit 1, never a traceback; `verify --trust` fails a version without a signature."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.archive import archive_packet, make_writable, record_unlisted_versions
from pipeline.cli import main
from tests.conftest import FIXTURES
from tests.test_archive import make_signing_key

pytestmark = pytest.mark.pdf


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> Path:
    """An agency root holding one unsigned version, 2026, and its ledger."""
    work = tmp_path_factory.mktemp("archived")
    folder = work / "inputs" / "test-agency"
    shutil.copytree(FIXTURES / "minimal-clinic", folder)
    archive_packet(folder, None, work / "archive")
    return work / "archive"


@pytest.fixture
def copy(archived, tmp_path) -> Path:
    """A writable copy of the archive root, to damage."""
    root = tmp_path / "archive"
    shutil.copytree(archived, root)
    make_writable(root)
    return root


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.mark.parametrize("written", ["{not json", "[1, 2]", "\xff\xfe", "5"])
def test_a_malformed_manifest_is_reported_by_verify_and_history(copy, written):
    version = copy / "test-agency" / "2026"
    (version / "manifest.json").write_bytes(written.encode("latin-1"))
    checked = run("verify", str(version))
    assert checked.exit_code == 1
    assert "manifest.json" in checked.output and "DAMAGED" in checked.output
    listed = run("history", "test-agency", "--root", str(copy))
    assert listed.exit_code == 1
    assert "DAMAGED: manifest.json" in listed.output


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tagmanifest-md5.txt", "d41d8cd98f00b204e9800998ecf8427e bagit.txt\n"),
        ("tagmanifest-sha256.txt", "not a manifest line\n"),
        ("tagmanifest-sha256.txt", "\x00\x01 garbage"),
        ("manifest-sha256.txt", "abc\n"),
    ],
)
def test_a_malformed_or_extra_tag_manifest_is_reported(copy, name, text):
    version = copy / "test-agency" / "2026"
    (version / name).write_text(text)
    checked = run("verify", str(version))
    assert checked.exit_code == 1
    assert "DAMAGED" in checked.output


def test_an_extra_tag_manifest_is_named(copy):
    version = copy / "test-agency" / "2026"
    (version / "tagmanifest-md5.txt").write_text("d41d8cd98f00b204e9800998ecf8427e bagit.txt\n")
    assert "unexpected file: tagmanifest-md5.txt" in run("verify", str(version)).output


def test_a_version_the_ledger_lists_that_is_gone_is_reported(copy):
    shutil.rmtree(copy / "test-agency" / "2026")
    checked = run("verify", str(copy / "test-agency"))
    assert checked.exit_code == 1
    assert "the ledger lists 2026, which is not in the archive" in checked.output
    listed = run("history", "test-agency", "--root", str(copy))
    assert listed.exit_code == 1
    assert "MISSING: the ledger lists it" in listed.output


def test_an_unsigned_version_fails_verify_with_a_trust_anchor(copy, tmp_path):
    _, certificate = make_signing_key(tmp_path, b"secret")
    version = copy / "test-agency" / "2026"
    assert run("verify", str(version)).exit_code == 0
    checked = run("verify", str(version), "--trust", str(certificate))
    assert checked.exit_code == 1
    assert "bundle.pdf: no signature to check against the trusted certificate" in checked.output


def test_an_unlisted_version_with_a_damaged_manifest_is_not_entered_in_the_ledger(copy):
    agency = copy / "test-agency"
    (agency / "ledger.tsv").unlink()
    (agency / "2026" / "manifest.json").write_text("[]")
    assert record_unlisted_versions(agency) == []
    assert not (agency / "ledger.tsv").exists()


def test_verify_of_a_folder_it_cannot_walk_is_a_problem_line_not_a_traceback(tmp_path):
    """/proc holds entries that fail when listed (EINVAL); a link loop and a deep tree besides."""
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    deep = tmp_path.joinpath(*"abcdefgh")
    deep.mkdir(parents=True)
    (deep / "bagit.txt").write_text("BagIt-Version: 0.97\n")  # far below any archive's layout
    for path in (Path("/proc"), tmp_path):
        result = CliRunner().invoke(main, ["verify", str(path)])
        assert result.exit_code == 2, result.output
        assert result.output == f"Error: no archived versions found at {path}\n"


@pytest.mark.parametrize("where", ["inside the agency", "inside a packet"])
def test_an_archive_root_inside_the_inputs_or_a_packet_is_refused(scenario, tmp_path, where):
    folder = scenario("minimal-clinic")
    packet = tmp_path / "out" / "test-agency"
    assert (
        CliRunner()
        .invoke(main, ["bundle", str(folder), "--out", str(packet), "--no-pdf"])
        .exit_code
        == 0
    )
    root = {"inside the agency": folder / "archive", "inside a packet": packet / "archive"}[where]
    before = sorted(path.name for path in root.parent.rglob("*"))
    result = CliRunner().invoke(main, ["archive", str(folder), "--root", str(root)])
    assert result.exit_code == 2, result.output
    assert "keep the archive outside" in result.output
    assert sorted(path.name for path in root.parent.rglob("*")) == before
