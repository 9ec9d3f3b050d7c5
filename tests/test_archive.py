"""Annual archives: immutable versions, verification, revisions, history, diff, reproducibility."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner
from docx import Document
from pypdf import PdfReader

from pipeline import archive as archive_module
from pipeline.archive import archive_packet, find_version, verify
from pipeline.build import build_packet, output_files
from pipeline.cli import main
from pipeline.content import content
from pipeline.diff import as_text, compare
from tests.conftest import FIXTURES
from tests.helpers import docx_text, lock_files, pdf_text, unwritten_files

pytestmark = pytest.mark.pdf

WORD_FILES = (*(f"{doc['id']}.docx" for doc in content("documents")["documents"]), "bundle.docx")


def set_up_2025(folder: Path) -> Path:
    """A fixture agency as it stood in 2025, with answers, directory and training records."""
    for extra in ("two-respondents", "directory-entries", "training-statuses"):
        shutil.copytree(FIXTURES / extra, folder, dirs_exist_ok=True)
    edit(folder / "profile.yaml", "date: 2026-11-23", "date: 2025-11-23")
    return folder


def advance_to_2026(folder: Path) -> None:
    edit(folder / "profile.yaml", "date: 2025-11-23", "date: 2026-11-23")
    edit(
        folder / "questionnaire.yaml",
        "Every patient is seen alone for part of the visit.",
        "Every patient is seen alone for part of every visit, companions wait outside.",
    )
    edit(folder / "assessment" / "a-director.yaml", '"1": 2', '"1": 4')
    edit(folder / "directory.yaml", "name: Alpha Safe House", "name: Alpha Safe Haven")
    edit(
        folder / "directory.yaml", "length_of_stay: Up to 90 days", "length_of_stay: Up to 120 days"
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> tuple[Path, Path]:
    """One agency archived for 2025 and, after some changes, for 2026."""
    work = tmp_path_factory.mktemp("archive")
    folder = work / "inputs" / "archive-clinic"
    shutil.copytree(FIXTURES / "minimal-clinic", folder)
    set_up_2025(folder)
    root = work / "archive"
    archive_packet(folder, 2025, root, note="Approved by the board")
    advance_to_2026(folder)
    archive_packet(folder, 2026, root)
    return folder, root


def test_a_version_is_a_valid_bag_with_manifest_and_pdfa(archived):
    _, root = archived
    version = root / "archive-clinic" / "2026"
    bagit.Bag(str(version)).validate()  # an archivist's own tool accepts it
    manifest = json.loads((version / "manifest.json").read_text())
    for name in (*WORD_FILES, "bundle.pdf"):
        entry = manifest["files"][f"data/packet/{name}"]
        assert re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]) and entry["size"] > 0
    assert "data/inputs/profile.yaml" in manifest["files"]
    assert set(manifest["templates"]) >= {"policy.docx", "cover.docx"}
    assert "assessment.yaml" in manifest["content"]
    assert manifest["packet_date"] == "2026-11-23" and manifest["tool_version"]
    xmp = PdfReader(version / "data" / "packet" / "bundle.pdf").xmp_metadata
    assert "<pdfaid:part>2</pdfaid:part>" in xmp.stream.get_data().decode()
    assert not os.stat(version / "manifest.json").st_mode & stat.S_IWUSR


def test_verify_reports_intact_then_each_kind_of_tampering(archived, tmp_path):
    _, root = archived
    assert [result.intact for result in verify(root)] == [True, True]
    copy = tmp_path / "copy"
    shutil.copytree(root / "archive-clinic" / "2025", copy)
    archive_module.make_writable(copy)
    pdf = copy / "data" / "packet" / "bundle.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pdf.write_bytes(bytes(data))
    (copy / "data" / "inputs" / "profile.yaml").unlink()
    (copy / "data" / "packet" / "extra.txt").write_text("added later")
    (copy / "notes.txt").write_text("added later")
    [result] = verify(copy)
    assert not result.intact
    joined = "\n".join(result.problems)
    assert "altered: data/packet/bundle.pdf" in joined
    assert "missing: data/inputs/profile.yaml" in joined
    assert "unexpected file: data/packet/extra.txt" in joined
    assert "unexpected file: notes.txt" in joined
    runner = CliRunner()
    assert runner.invoke(main, ["verify", str(copy)]).exit_code == 1
    assert runner.invoke(main, ["verify", str(root)]).exit_code == 0


def test_an_archived_version_holds_only_what_the_build_wrote(archived):
    _, root = archived
    documents = content("documents")["documents"]
    for version in ("2025", "2026"):
        packet = root / "archive-clinic" / version / "data" / "packet"
        assert lock_files(packet.parent.parent) == []
        assert unwritten_files(packet, output_files(packet, documents, pdf=True)) == []


def writable_copy(version: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    shutil.copytree(version, copy)
    archive_module.make_writable(copy)
    return copy


def test_verify_reports_a_libreoffice_lock_file_by_name(archived, tmp_path):
    _, root = archived
    copy = writable_copy(root / "archive-clinic" / "2025", tmp_path)
    (copy / "data" / "packet" / ".~lock.bundle.docx#").write_text(",someone,host,01.01.2026;")
    result = CliRunner().invoke(main, ["verify", str(copy)])
    assert result.exit_code == 1
    assert "LibreOffice lock file" in result.output
    assert "data/packet/.~lock.bundle.docx#" in result.output


def test_verify_reports_a_lock_file_even_when_the_manifests_list_it(archived, tmp_path):
    """A version archived before conversions stopped leaving lock files lists it as payload."""
    _, root = archived
    copy = writable_copy(root / "archive-clinic" / "2025", tmp_path)
    (copy / "data" / "packet" / ".~lock.bundle.docx#").write_text(",someone,host,01.01.2026;")
    bagit.Bag(str(copy)).save(manifests=True)
    [result] = verify(copy)
    assert result.problems == [
        "LibreOffice lock file (holds a user name, host name and profile path): "
        "data/packet/.~lock.bundle.docx#"
    ]


def test_archiving_a_year_again_is_refused_and_a_revision_sits_beside_it(archived):
    folder, root = archived
    result = CliRunner().invoke(
        main, ["archive", str(folder), "--year", "2026", "--root", str(root)]
    )
    assert result.exit_code == 2
    assert "already exists and is never overwritten" in result.output
    before = (root / "archive-clinic" / "2026" / "manifest.json").read_bytes()
    revision = archive_packet(folder, 2026, root, revision="Corrected the APS phone number")
    assert revision.name == "2026-r2"
    assert revision.manifest["revision_reason"] == "Corrected the APS phone number"
    assert (root / "archive-clinic" / "2026" / "manifest.json").read_bytes() == before
    history = CliRunner().invoke(main, ["history", "archive-clinic", "--root", str(root)])
    assert history.exit_code == 0
    lines = history.output.splitlines()
    assert [line.split()[0] for line in lines] == ["2025", "2026", "2026-r2"]
    assert "Approved by the board" in lines[0] and "Corrected the APS phone number" in lines[2]


def test_diff_between_two_years(archived, tmp_path):
    _, root = archived
    changes = compare(
        find_version(root, "archive-clinic", "2025"),
        find_version(root, "archive-clinic", "2026-r1" if False else "2026"),
    )
    policy = [c for c in changes["policy"] if "seen alone" in c["old"] + c["new"]]
    assert policy and policy[0]["kind"] == "changed"
    assert "companions wait outside" in policy[0]["new"]
    protocol = next(row for row in changes["ratings"] if row["number"] == "1")
    assert (protocol["old"], protocol["new"], protocol["direction"]) == (1.5, 2.5, "up")
    directory = changes["directory"]
    assert [e["name"] for e in directory["added"]] == ["Alpha Safe Haven"]
    assert [e["name"] for e in directory["removed"]] == ["Alpha Safe House"]
    assert directory["changed"][0]["fields"] == [
        {"field": "length_of_stay", "old": "Up to 90 days", "new": "Up to 120 days"}
    ]
    text = as_text(changes)
    assert "↑  1. Protocol & Community Network" in text and "1.5 ->  2.5" in text
    assert "Staff training compliance" in text
    target = tmp_path / "changes.docx"
    result = CliRunner().invoke(
        main, ["diff", "archive-clinic", "2025", "2026", "--root", str(root), "--docx", str(target)]
    )
    assert result.exit_code == 0, result.output
    document_text = docx_text(target)
    assert "Changes from 2025 to 2026" in document_text
    assert "companions wait outside" in document_text and "Alpha Safe Haven" in document_text


def test_bad_arguments_exit_2(archived, tmp_path):
    folder, root = archived
    runner = CliRunner()
    assert (
        runner.invoke(
            main, ["diff", "no-such-agency", "2025", "2026", "--root", str(root)]
        ).exit_code
        == 2
    )
    assert (
        runner.invoke(
            main, ["diff", "archive-clinic", "2019", "2026", "--root", str(root)]
        ).exit_code
        == 2
    )
    assert runner.invoke(main, ["history", "../etc", "--root", str(root)]).exit_code == 2
    assert runner.invoke(main, ["verify", str(tmp_path / "nothing")]).exit_code == 2
    result = runner.invoke(
        main, ["archive", str(folder), "--year", "2024", "--root", str(root), "--revision", "why"]
    )
    assert result.exit_code == 2 and "has not been archived yet" in result.output


def test_an_interrupted_archive_leaves_no_partial_version(scenario, tmp_path, monkeypatch):
    folder = scenario("minimal-clinic", slug="interrupted")
    root = tmp_path / "archive"

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process were stopped while bagging

    monkeypatch.setattr(archive_module.bagit, "make_bag", crash)
    with pytest.raises(KeyboardInterrupt):
        archive_packet(folder, 2026, root)
    assert sorted(p.name for p in (root / "interrupted").iterdir()) == [".lock"]


def test_a_build_that_leaves_a_stray_file_is_not_archived(scenario, tmp_path, monkeypatch):
    folder = scenario("minimal-clinic", slug="stray")
    root = tmp_path / "archive"

    def build_leaving_a_lock_file(inputs, out, **options):
        result = build_packet(inputs, out, **options)
        (out / ".~lock.bundle.docx#").write_text(",someone,host,01.01.2026;")
        return result

    monkeypatch.setattr(archive_module, "build_packet", build_leaving_a_lock_file)
    with pytest.raises(archive_module.ArchiveError) as caught:
        archive_packet(folder, 2026, root)
    assert ".~lock.bundle.docx#" in caught.value.message
    assert sorted(p.name for p in (root / "stray").iterdir()) == [".lock"]


def test_a_second_archive_of_the_same_agency_waits_its_turn(tmp_path):
    folder = tmp_path / "agency"
    first, second = archive_module.agency_lock(folder), archive_module.agency_lock(folder)
    # The second lock, taken while the first is held, is what must fail.
    with first, pytest.raises(archive_module.ArchiveError) as caught, second:
        pass
    assert "another archive command is writing" in caught.value.message


def test_same_inputs_give_byte_identical_docx_and_the_same_pdf_text(scenario, tmp_path):
    folder = scenario("two-respondents", slug="again")
    first = build_packet(folder, tmp_path / "one").out
    second = build_packet(folder, tmp_path / "two").out
    for name in WORD_FILES:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert pdf_text(first / "bundle.pdf") == pdf_text(second / "bundle.pdf")
    assert Document(first / "bundle.docx").core_properties.modified.year == 2026
