"""Output folders: a command replaces only a packet it wrote, and never leaves half a packet."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.publish import (
    MARKER,
    PAUSE_BETWEEN_RENAMES,
    exchange,
    is_whole,
    read_marker,
    retired_folder,
)

ROOT = Path(__file__).resolve().parent.parent
THESIS = "Chapter 1. Years of work that exist nowhere else.\n"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def agency(scenario, slug: str = "test-agency") -> Path:
    return scenario("minimal-clinic", slug)


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    folder = tmp_path / "my-documents"
    folder.mkdir()
    (folder / "thesis.txt").write_text(THESIS)
    return folder


def commands(folder: Path, out: Path) -> dict[str, list[str]]:
    return {
        "bundle": ["bundle", str(folder), "--out", str(out), "--no-pdf"],
        "blank": ["blank", "--type", "school", "--out", str(out), "--no-pdf"],
        "forms": ["forms", str(folder), "--out", str(out), "--no-pdf"],
        "batch": ["batch", str(folder.parent), "--out", str(out), "--no-pdf", "--jobs", "1"],
    }


@pytest.mark.parametrize("command", ["bundle", "blank", "forms", "batch"])
def test_a_folder_of_someone_elses_files_is_refused_and_left_as_it_was(
    scenario, documents, command
):
    folder = agency(scenario)
    result = CliRunner().invoke(main, commands(folder, documents)[command])
    assert result.exit_code == 2, result.output
    assert "holds files the packet builder did not write" in result.output
    assert tree(documents) == {"thesis.txt": THESIS.encode()}


@pytest.mark.parametrize("where", ["the agency", "every agency", "inside the agency"])
def test_the_agencys_inputs_are_never_an_output(scenario, where):
    folder = agency(scenario)
    out = {
        "the agency": folder,
        "every agency": folder.parent,
        "inside the agency": folder / "assessment",
    }[where]
    before = tree(folder.parent)
    result = CliRunner().invoke(main, ["bundle", str(folder), "--out", str(out), "--no-pdf"])
    assert result.exit_code == 2, result.output
    assert tree(folder.parent) == before


def test_bundle_run_inside_the_agency_folder_writes_nothing_there(scenario, monkeypatch):
    folder = agency(scenario)
    before = tree(folder)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["bundle", ".", "--no-pdf"])
    assert result.exit_code == 2, result.output
    assert "agency input folder" in result.output
    assert tree(folder) == before


def test_an_agency_named_blank_and_the_blank_packets_never_replace_each_other(
    tmp_path, scenario, monkeypatch
):
    folder = agency(scenario, slug="blank")
    monkeypatch.chdir(tmp_path)
    built = CliRunner().invoke(main, ["bundle", str(folder), "--no-pdf"])
    assert built.exit_code == 0, built.output
    packet = tree(tmp_path / "outputs" / "blank")
    refused = CliRunner().invoke(main, ["blank", "--type", "school", "--no-pdf"])
    assert refused.exit_code == 2, refused.output
    assert tree(tmp_path / "outputs" / "blank") == packet
    assert is_whole(tmp_path / "outputs" / "blank")


def test_a_file_a_person_added_to_the_packet_is_carried_into_the_next_one(tmp_path, scenario):
    folder, out = agency(scenario), tmp_path / "out" / "packet"
    build = ["bundle", str(folder), "--out", str(out), "--no-pdf"]
    assert CliRunner().invoke(main, build).exit_code == 0
    (out / "notes.txt").write_text("Board meeting: approved.\n")
    (out / "signed").mkdir()
    (out / "signed" / "approval.pdf").write_bytes(b"%PDF-1.7 a signed scan")
    assert CliRunner().invoke(main, build).exit_code == 0
    assert (out / "notes.txt").read_text() == "Board meeting: approved.\n"
    assert (out / "signed" / "approval.pdf").read_bytes() == b"%PDF-1.7 a signed scan"
    assert "notes.txt" not in read_marker(out)["files"]  # still the person's, not the packet's
    assert is_whole(out)


def test_a_document_edited_in_place_is_kept_beside_the_new_one(tmp_path, scenario):
    folder, out = agency(scenario), tmp_path / "out" / "packet"
    build = ["bundle", str(folder), "--out", str(out), "--no-pdf"]
    assert CliRunner().invoke(main, build).exit_code == 0
    edited = (out / "policy.docx").read_bytes() + b"\0edited in Word"
    (out / "policy.docx").write_bytes(edited)
    result = CliRunner().invoke(main, build)
    assert result.exit_code == 0, result.output
    assert (out / "policy.edited.docx").read_bytes() == edited
    assert "policy.edited.docx" in result.output and "packet ingest" in result.output
    assert is_whole(out)  # the new policy.docx is the packet's again
    (out / "policy.docx").write_bytes(edited + b" twice")
    assert CliRunner().invoke(main, build).exit_code == 0
    assert (out / "policy.edited.docx").read_bytes() == edited
    assert (out / "policy.edited-2.docx").read_bytes() == edited + b" twice"


def test_a_rebuild_swaps_the_whole_folder_at_once_and_leaves_nothing_behind(tmp_path, scenario):
    folder, out = agency(scenario), tmp_path / "out" / "packet"
    build = ["bundle", str(folder), "--out", str(out), "--no-pdf"]
    for _ in range(2):
        assert CliRunner().invoke(main, build).exit_code == 0
    assert sorted(path.name for path in out.parent.iterdir()) == ["packet"]
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    (first / "one").write_text("1")
    assert exchange(first, second)
    assert [p.name for p in second.iterdir()] == ["one"] and not any(first.iterdir())


def test_a_build_killed_during_the_swap_leaves_a_whole_packet_and_the_next_build_succeeds(
    tmp_path, scenario
):
    """The two-rename swap (where folders cannot be exchanged at once) is held open by the
    test hook and killed outright between its renames."""
    folder, out = agency(scenario), tmp_path / "out" / "packet"
    command = [sys.executable, "-m", "pipeline", "bundle", str(folder), "--out", str(out)]
    subprocess.run([*command, "--no-pdf"], cwd=ROOT, check=True, capture_output=True)
    earlier = tree(out)
    (folder / "profile.yaml").write_text((folder / "profile.yaml").read_text() + "\n# changed\n")
    env = {**os.environ, PAUSE_BETWEEN_RENAMES: "60"}
    build = subprocess.Popen([*command, "--no-pdf"], cwd=ROOT, env=env, stderr=subprocess.PIPE)
    retired = retired_folder(out)
    deadline = time.monotonic() + 60
    while not retired.is_dir() and time.monotonic() < deadline:
        assert build.poll() is None, build.stderr.read()
        time.sleep(0.02)
    build.send_signal(signal.SIGKILL)
    build.wait()
    assert tree(retired) == earlier  # the earlier packet is whole, aside
    rebuilt = subprocess.run([*command, "--no-pdf"], cwd=ROOT, capture_output=True, text=True)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert is_whole(out) and not retired.exists()
    assert sorted(path.name for path in out.parent.iterdir()) == ["packet"]


def test_after_a_kill_the_next_run_puts_the_earlier_packet_back_before_anything_else(
    tmp_path, scenario
):
    folder, out = agency(scenario), tmp_path / "out" / "packet"
    assert (
        CliRunner().invoke(main, ["bundle", str(folder), "--out", str(out), "--no-pdf"]).exit_code
        == 0
    )
    earlier = tree(out)
    out.rename(retired_folder(out))  # what a kill between the renames leaves
    (folder / "profile.yaml").write_text("legal_name: [broken\n")
    result = CliRunner().invoke(main, ["bundle", str(folder), "--out", str(out), "--no-pdf"])
    assert result.exit_code == 2
    assert tree(out) == earlier  # put back even though this build failed on its inputs


def test_batch_rebuilds_an_agency_whose_packet_lost_a_file(tmp_path, scenario):
    folder, out = agency(scenario), tmp_path / "outputs"
    batch = ["batch", str(folder.parent), "--out", str(out), "--no-pdf", "--jobs", "1"]
    assert CliRunner().invoke(main, batch).exit_code == 0
    (out / folder.name / "policy.docx").unlink()
    again = CliRunner().invoke(main, batch)
    assert again.exit_code == 0, again.output
    assert (out / folder.name / "policy.docx").is_file() and is_whole(out / folder.name)
    assert MARKER in os.listdir(out)


def test_an_output_that_cannot_be_written_is_one_clear_line(scenario):
    """/sys refuses new folders even to root, as a read-only disk does."""
    folder = agency(scenario)
    if not Path("/sys").is_dir():
        pytest.skip("no /sys on this system")
    result = CliRunner().invoke(main, ["bundle", str(folder), "--out", "/sys/packet", "--no-pdf"])
    assert result.exit_code == 1, result.output
    assert "/sys: cannot write there" in result.output
    assert "Traceback" not in result.output


def test_clean_removes_the_packets_and_nothing_a_person_put_there(tmp_path, scenario):
    folder, out = agency(scenario), tmp_path / "outputs"
    batch = ["batch", str(folder.parent), "--out", str(out), "--no-pdf", "--jobs", "1"]
    assert CliRunner().invoke(main, batch).exit_code == 0
    (out / folder.name / "notes.txt").write_text("mine")
    (out / folder.name / "policy.docx").write_bytes(b"edited")
    (out / "thesis.txt").write_text(THESIS)
    (out / ".gitkeep").write_text("")
    (out / ".other.staging-x1").mkdir()
    left = subprocess.run(
        [sys.executable, "-m", "pipeline.publish", str(out)], capture_output=True, text=True
    )
    assert left.returncode == 0, left.stderr
    assert tree(out) == {
        ".gitkeep": b"",
        "test-agency/notes.txt": b"mine",
        "test-agency/policy.docx": b"edited",
        "thesis.txt": THESIS.encode(),
    }
    assert "test-agency/notes.txt" in left.stdout


@pytest.mark.parametrize("out", [".", "..", "/", "the folder you are in"])
@pytest.mark.parametrize("command", ["bundle", "blank", "forms"])
def test_the_current_folder_or_a_folder_above_it_is_never_an_output(
    tmp_path, scenario, monkeypatch, command, out
):
    folder = agency(scenario)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    target = Path(str(here) if out == "the folder you are in" else out)
    result = CliRunner().invoke(main, commands(folder, target)[command])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert list(here.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == [
        "here",
        "inputs",
    ]


def test_diff_never_overwrites_an_existing_file(tmp_path, documents):
    thesis = documents / "thesis.txt"
    result = CliRunner().invoke(
        main,
        ["diff", "some-agency", "2025", "2026", "--root", str(tmp_path), "--docx", str(thesis)],
    )
    assert result.exit_code == 2, result.output
    assert "already exists" in result.output
    assert thesis.read_text() == THESIS


@pytest.mark.parametrize(
    ("first", "then"),
    [("bundle", "forms"), ("bundle", "blank"), ("batch", "bundle"), ("forms", "bundle")],
)
def test_a_folder_the_packet_builder_wrote_is_replaced_only_by_the_same_kind(
    tmp_path, scenario, first, then
):
    """Respondent forms never replace a packet, a blank packet never replaces an agency's,
    one agency's packet never replaces a batch's folder of packets."""
    folder, out = agency(scenario), tmp_path / "out" / "folder"
    assert CliRunner().invoke(main, commands(folder, out)[first]).exit_code == 0
    before = tree(out)
    result = CliRunner().invoke(main, commands(folder, out)[then])
    assert result.exit_code == 2, result.output
    assert "name a folder of its own" in result.output
    assert tree(out) == before


def test_one_agencys_packet_never_replaces_anothers(tmp_path, scenario):
    first, second = agency(scenario, "agency-one"), agency(scenario, "agency-two")
    out = tmp_path / "out" / "packet"
    assert CliRunner().invoke(main, commands(first, out)["bundle"]).exit_code == 0
    result = CliRunner().invoke(main, commands(second, out)["bundle"])
    assert result.exit_code == 2, result.output
    assert "holds the packet of 'agency-one', not of 'agency-two'" in result.output


def test_blank_packets_of_every_type_are_refused_before_any_is_written(tmp_path, documents):
    """All of them go into the named folder: it is checked as a batch's is, first."""
    result = CliRunner().invoke(
        main, ["blank", "--type", "all", "--out", str(documents), "--no-pdf"]
    )
    assert result.exit_code == 2, result.output
    assert "holds files the packet builder did not write (thesis.txt)" in result.output
    assert tree(documents) == {"thesis.txt": THESIS.encode()}


@pytest.mark.parametrize("command", ["bundle", "blank", "forms", "batch", "archive", "new", "diff"])
def test_a_place_under_a_file_is_one_line_naming_the_file(scenario, documents, command):
    folder, under = agency(scenario), documents / "thesis.txt" / "packet"
    arguments = {
        **commands(folder, under),
        "archive": ["archive", str(folder), "--root", str(under)],
        "new": ["new", "other", "--type", "school", "--inputs", str(under)],
        "diff": ["diff", "x", "2025", "2026", "--docx", str(under / "diff.docx")],
    }[command]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2, result.output
    assert f"{documents / 'thesis.txt'} is a file, not a folder" in result.output
    assert tree(documents) == {"thesis.txt": THESIS.encode()}
