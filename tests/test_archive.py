"""Annual archives: immutable versions, verification, revisions, history, diff, reproducibility."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from docx import Document
from pypdf import PdfReader

from pipeline import archive as archive_module
from pipeline.archive import LEDGER, archive_packet, find_version, verify
from pipeline.archive import write as archive_writing
from pipeline.build import build_agency, build_packet, output_files
from pipeline.cli import main
from pipeline.content import content
from pipeline.diff import as_text, compare
from pipeline.errors import ArchiveError
from pipeline.sign import load_certificates
from tests.conftest import FIXTURES, ROOT
from tests.helpers import docx_text, lock_files, pdf_text, strict_pdf_findings, unwritten_files

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
    lines = history.output.splitlines()[1:]  # under a header line
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
        main,
        ["archive", str(folder), "--year", "2027", "--fiscal-year", "--root", str(root)]
        + ["--revision", "why"],
    )
    assert result.exit_code == 2 and "has not been archived yet" in result.output


def test_an_interrupted_archive_leaves_no_partial_version(scenario, tmp_path, monkeypatch):
    folder = scenario("minimal-clinic", slug="interrupted")
    root = tmp_path / "archive"

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if the process were stopped while bagging

    monkeypatch.setattr(archive_writing.bagit, "make_bag", crash)
    with pytest.raises(KeyboardInterrupt):
        archive_packet(folder, 2026, root)
    assert sorted(p.name for p in (root / "interrupted").iterdir()) == [".lock"]


def test_a_build_that_leaves_a_stray_file_is_not_archived(scenario, tmp_path, monkeypatch):
    folder = scenario("minimal-clinic", slug="stray")
    root = tmp_path / "archive"

    def build_leaving_a_lock_file(inputs, out, **options):
        result = build_agency(inputs, out, **options)
        (out / ".~lock.bundle.docx#").write_text(",someone,host,01.01.2026;")
        return result

    monkeypatch.setattr(archive_writing, "build_agency", build_leaving_a_lock_file)
    with pytest.raises(ArchiveError) as caught:
        archive_packet(folder, 2026, root)
    assert ".~lock.bundle.docx#" in caught.value.message
    assert sorted(p.name for p in (root / "stray").iterdir()) == [".lock"]


def test_a_second_archive_of_the_same_agency_waits_its_turn(tmp_path):
    folder = tmp_path / "agency"
    first, second = archive_module.agency_lock(folder), archive_module.agency_lock(folder)
    # The second lock, taken while the first is held, is what must fail.
    with first, pytest.raises(ArchiveError) as caught, second:
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


# The year, names, fingerprints, ledger, signatures and the auditor's diff (issue 15).


def test_archive_refuses_a_year_that_is_not_the_packet_dates(scenario, tmp_path):
    folder = scenario("minimal-clinic", slug="wrong-year")
    result = CliRunner().invoke(
        main, ["archive", str(folder), "--year", "2025", "--root", str(tmp_path / "archive")]
    )
    assert result.exit_code == 2
    assert "--year 2025 is not the year of the packet date 2026-11-23" in result.output
    assert "leave out --year" in result.output and "--fiscal-year" in result.output
    assert not (tmp_path / "archive" / "wrong-year" / "2025").exists()


def test_a_fiscal_year_next_to_the_packet_dates_is_archived_when_said(scenario, tmp_path):
    folder = scenario("minimal-clinic", slug="fiscal")
    version = archive_packet(folder, 2027, tmp_path / "archive", fiscal_year=True)
    assert (version.name, version.manifest["fiscal_year"]) == ("2027", True)


def test_make_archive_passes_a_year_only_when_given():
    def command(*arguments: str) -> str:
        run = subprocess.run(
            ["make", "--no-print-directory", "-n", "archive", "AGENCY=harbor-family-health"]
            + list(arguments),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            # Run by `make test`, this make would inherit its parent's flags and print its folder.
            env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")},
        )
        return [line for line in run.stdout.splitlines() if "packet archive" in line][-1]

    assert command().split() == [".venv/bin/packet", "archive", "inputs/harbor-family-health"]
    assert command("YEAR=2026").endswith("--year 2026")


def make_signing_key(folder: Path, password: bytes) -> tuple[Path, Path]:
    """A self-signed certificate and its key, as a compliance officer's .p12 and a .pem to trust."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Ada Tester"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Minimal Test Clinic"),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    p12 = folder / "officer.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"officer", key, certificate, None, serialization.BestAvailableEncryption(password)
        )
    )
    pem = folder / "officer.pem"
    pem.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return p12, pem


@pytest.fixture(scope="module")
def revised(tmp_path_factory) -> dict:
    """An agency archived for 2026 (no --year), then corrected as 2026-r2: a new phone for the
    protocol champion and a second phone for a shelter."""
    work = tmp_path_factory.mktemp("revised")
    folder = work / "inputs" / "revised-clinic"
    shutil.copytree(FIXTURES / "minimal-clinic", folder)
    shutil.copytree(FIXTURES / "directory-entries", folder, dirs_exist_ok=True)
    champion = "champion: {name: Ada Tester, title: Director"
    edit(folder / "profile.yaml", champion, f"{champion}, phone: (555) 010-4122")
    root = work / "archive"
    runner = CliRunner()
    first = runner.invoke(main, ["archive", str(folder), "--root", str(root), "--note", "Board"])
    edit(folder / "profile.yaml", "(555) 010-4122", "(555) 010-4199")
    edit(folder / "directory.yaml", "[(555) 010-3001]", "[(555) 010-3001, (555) 010-3009]")
    second = runner.invoke(
        main, ["archive", str(folder), "--root", str(root), "--revision", "New champion phone"]
    )
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    return {
        "inputs": folder,
        "root": root,
        "agency": root / "revised-clinic",
        "outputs": [first, second],
    }


def test_archive_takes_the_year_from_the_packet_date(revised):
    assert sorted(path.name for path in revised["agency"].glob("2*")) == ["2026", "2026-r2"]


def test_archive_prints_the_fingerprint_it_records_in_the_ledger(revised):
    digest = hashlib.sha256((revised["agency"] / "2026" / "tagmanifest-sha256.txt").read_bytes())
    printed = revised["outputs"][0].output
    assert f"archive fingerprint (SHA-256 of its tag manifest): {digest.hexdigest()}" in printed
    ledger = (revised["agency"] / "ledger.tsv").read_text().splitlines()
    assert ledger[1].split("\t")[:2] == ["2026", digest.hexdigest()]
    assert not os.stat(revised["agency"] / "ledger.tsv").st_mode & stat.S_IWUSR


def test_the_approval_page_shows_the_previous_versions_fingerprint(revised):
    fingerprint = find_version(revised["root"], "revised-clinic", "2026").fingerprint
    policy = docx_text(revised["agency"] / "2026-r2" / "data" / "packet" / "policy.docx")
    assert "Archive fingerprint of the version archived before it, 2026" in policy
    assert fingerprint in policy
    assert find_version(revised["root"], "revised-clinic", "2026-r2").manifest["previous"] == {
        "version": "2026",
        "fingerprint": fingerprint,
    }


def test_the_original_of_a_corrected_year_is_its_bare_year_and_r1(revised):
    root = revised["root"]
    original = find_version(root, "revised-clinic", "2026-r1")
    assert original.path == revised["agency"] / "2026"
    assert find_version(root, "revised-clinic", "2026").path == original.path


def test_diff_of_a_year_and_its_revision_compares_the_two(revised):
    result = CliRunner().invoke(
        main, ["diff", "revised-clinic", "2026", "2026-r2", "--root", str(revised["root"])]
    )
    assert result.exit_code == 0, result.output
    assert "Note: 2026 was superseded by 2026-r2" in result.output
    assert "Protocol champion phone: (555) 010-4122 -> (555) 010-4199" in result.output


def test_diff_refuses_to_compare_a_version_with_itself(revised):
    result = CliRunner().invoke(
        main, ["diff", "revised-clinic", "2026", "2026-r1", "--root", str(revised["root"])]
    )
    assert result.exit_code == 2
    assert "are both version 2026" in result.output


def test_history_marks_superseded_versions_and_has_reason_and_note_columns(revised):
    result = CliRunner().invoke(main, ["history", "revised-clinic", "--root", str(revised["root"])])
    header, original, correction = result.output.splitlines()
    columns = {name: header.index(name) for name in ("status", "revision reason", "note")}
    assert original[columns["status"] :].startswith("superseded by 2026-r2")
    assert correction[columns["status"] :].startswith("current")
    assert correction[columns["revision reason"] :].startswith("New champion phone")
    assert original[columns["note"] :] == "Board"


def test_diff_names_a_changed_input_fact_in_words(revised):
    root = revised["root"]
    changes = compare(
        find_version(root, "revised-clinic", "2026"),
        find_version(root, "revised-clinic", "2026-r2"),
    )
    assert {
        "file": "profile.yaml",
        "fact": "Protocol champion phone",
        "old": "(555) 010-4122",
        "new": "(555) 010-4199",
    } in changes["facts"]


def test_diff_shows_directory_values_as_people_write_them(revised):
    root = revised["root"]
    changes = compare(
        find_version(root, "revised-clinic", "2026"),
        find_version(root, "revised-clinic", "2026-r2"),
    )
    [zebra] = [e for e in changes["directory"]["changed"] if e["name"] == "Zebra Safe House"]
    assert zebra["fields"] == [
        {"field": "phones", "old": "(555) 010-3001", "new": "(555) 010-3001, (555) 010-3009"}
    ]


def test_word_diff_writes_facts_and_directory_values_in_words(revised, tmp_path):
    target = tmp_path / "changes.docx"
    result = CliRunner().invoke(
        main,
        ["diff", "revised-clinic", "2026", "2026-r2", "--root", str(revised["root"])]
        + ["--docx", str(target)],
    )
    assert result.exit_code == 0, result.output
    text = docx_text(target)
    assert "Protocol champion phone" in text and "(555) 010-4199" in text
    assert "phones from “(555) 010-3001” to “(555) 010-3001, (555) 010-3009”" in text
    assert "['" not in text


def test_diff_lists_training_compliance_person_by_person(archived):
    _, root = archived
    changes = compare(
        find_version(root, "archive-clinic", "2025"), find_version(root, "archive-clinic", "2026")
    )
    people = {person["name"]: person for person in changes["training"]["people"]}
    # Olive's training is dated 2026-06-01; Oscar's, 2025-11-01, ran out a year later.
    assert (people["Olive Ontime"]["was_compliant"], people["Olive Ontime"]["is_compliant"]) == (
        False,
        True,
    )
    assert (people["Oscar Overdue"]["was_compliant"], people["Oscar Overdue"]["is_compliant"]) == (
        True,
        False,
    )
    text = as_text(changes)
    assert "+ Olive Ontime: became compliant" in text
    assert "- Oscar Overdue: no longer compliant" in text


def writable_agency(agency: Path, tmp_path: Path) -> Path:
    """A copy of an agency's archive folder that a test may tamper with."""
    copy = tmp_path / "archive" / agency.name
    shutil.copytree(agency, copy)
    archive_module.make_writable(copy)
    return copy


def test_a_version_altered_and_rehashed_differs_from_the_ledger(revised, tmp_path):
    agency = writable_agency(revised["agency"], tmp_path)
    edit(agency / "2026" / "data" / "inputs" / "profile.yaml", "Ada Tester", "Eve Tester")
    bagit.Bag(str(agency / "2026")).save(manifests=True)  # every manifest hashed again
    results = {result.path.name: result for result in verify(agency)}
    assert any("differs from the ledger" in p for p in results["2026"].problems)
    assert any(
        "2026 was changed after this version was archived" in p for p in results["2026-r2"].problems
    )


def test_verify_checks_the_fingerprint_given_with_expect(revised):
    version = revised["agency"] / "2026-r2"
    fingerprint = find_version(revised["root"], "revised-clinic", "2026-r2").fingerprint
    runner = CliRunner()
    assert runner.invoke(main, ["verify", str(version), "--expect", fingerprint]).exit_code == 0
    wrong = runner.invoke(main, ["verify", str(version), "--expect", "0" * 64])
    assert wrong.exit_code == 1
    assert f"fingerprint {fingerprint} is not the expected {'0' * 64}" in wrong.output


def test_verify_reports_a_ledger_entry_whose_version_is_gone(revised, tmp_path):
    agency = writable_agency(revised["agency"], tmp_path)
    shutil.rmtree(agency / "2026-r2")
    results = verify(agency)
    assert [problem for result in results for problem in result.problems] == [
        "the ledger lists 2026-r2, which is not in the archive"
    ]


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> dict:
    """An agency archived with --sign, the password given in the environment."""
    work = tmp_path_factory.mktemp("signed")
    folder = work / "inputs" / "signed-clinic"
    shutil.copytree(FIXTURES / "minimal-clinic", folder)
    key, certificate = make_signing_key(work, b"officer-secret")
    result = CliRunner().invoke(
        main,
        ["archive", str(folder), "--root", str(work / "archive"), "--sign", str(key)],
        env={"PACKET_SIGNING_PASSWORD": "officer-secret"},
    )
    assert result.exit_code == 0, result.output
    return {"version": work / "archive" / "signed-clinic" / "2026", "certificate": certificate}


def test_archived_and_signed_pdfs_pass_qpdfs_strict_check(archived, signed):
    _, root = archived
    written = sorted([*root.rglob("*.pdf"), *signed["version"].rglob("*.pdf")])
    assert any("2026" in path.parts and path.name == "bundle.pdf" for path in written)
    assert {str(path): strict_pdf_findings(path) for path in written} == {
        str(path): [] for path in written
    }


def test_a_signed_version_verifies_against_its_trusted_certificate(signed):
    result = CliRunner().invoke(
        main, ["verify", str(signed["version"]), "--trust", str(signed["certificate"])]
    )
    assert result.exit_code == 0, result.output
    assert "Common Name: Ada Tester" in result.output
    assert "signature valid, certificate trusted" in result.output


def test_the_archived_bundle_pdf_carries_a_pades_signature(signed):
    reader = PdfReader(signed["version"] / "data" / "packet" / "bundle.pdf")
    signature = reader.get_fields()["ArchivedVersion"]["/V"]
    assert signature["/SubFilter"] == "/ETSI.CAdES.detached"


def test_a_signed_pdf_altered_and_rehashed_fails_its_signature(signed, tmp_path):
    copy = tmp_path / "archive" / "signed-clinic" / "2026"
    shutil.copytree(signed["version"], copy)
    archive_module.make_writable(copy)
    pdf = copy / "data" / "packet" / "bundle.pdf"
    data = pdf.read_bytes()
    pdf.write_bytes(data.replace(b"/Producer", b"/Producex", 1))
    bagit.Bag(str(copy)).save(manifests=True)
    [result] = verify(copy, trusted=load_certificates([signed["certificate"]]))
    assert any("does not match the file" in problem for problem in result.problems)


def test_a_wrong_signing_password_stops_before_anything_is_built(scenario, tmp_path):
    folder = scenario("minimal-clinic", slug="wrong-password")
    key, _ = make_signing_key(tmp_path, b"right")
    result = CliRunner().invoke(
        main,
        ["archive", str(folder), "--root", str(tmp_path / "archive"), "--sign", str(key)],
        env={"PACKET_SIGNING_PASSWORD": "wrong"},
    )
    assert result.exit_code == 2
    assert "not a PKCS#12 key file, or the password is wrong" in result.output
    assert not (tmp_path / "archive").exists()


def test_a_sample_agency_archived_twice_holds_exactly_what_its_manifests_list(sample, tmp_path):
    root = tmp_path / "archive"
    folder = sample("harbor-family-health")
    archive_packet(folder, None, root)
    archive_packet(folder, None, root, revision="Checked again")
    agency = root / "harbor-family-health"
    assert sorted(path.name for path in agency.iterdir()) == [".lock", "2026", "2026-r2", LEDGER]
    for name in ("2026", "2026-r2"):
        version = agency / name
        listed = {
            *archive_module.read_manifest(version / "manifest-sha256.txt")[0],
            *archive_module.read_manifest(version / "tagmanifest-sha256.txt")[0],
            "tagmanifest-sha256.txt",
        }
        present = {str(path.relative_to(version)) for path in version.rglob("*") if path.is_file()}
        assert present == listed


def test_versions_archived_before_ledgers_are_entered_with_the_next_one(revised, tmp_path):
    agency = writable_agency(revised["agency"], tmp_path)
    (agency / LEDGER).unlink()
    archive_packet(revised["inputs"], None, agency.parent, revision="Checked again")
    ledger = (agency / LEDGER).read_text().splitlines()
    assert [line.split("\t")[0] for line in ledger[1:]] == ["2026", "2026-r2", "2026-r3"]
    assert all(result.intact for result in verify(agency))


def test_word_diff_lists_training_person_by_person(archived, tmp_path):
    _, root = archived
    target = tmp_path / "changes.docx"
    result = CliRunner().invoke(
        main, ["diff", "archive-clinic", "2025", "2026", "--root", str(root), "--docx", str(target)]
    )
    assert result.exit_code == 0, result.output
    rows = [
        [cell.text for cell in row.cells]
        for table in Document(target).tables
        for row in table.rows
        if row.cells[0].text == "Olive Ontime"
    ]
    assert [row[1:3] for row in rows] == [["Not compliant", "Compliant"]]
