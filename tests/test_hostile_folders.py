"""An agency folder holds only its own plain files: links and special files are refused (exit 2,
the path named) by validate, bundle and archive, so nothing outside the folder is read or
published."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import InputError
from pipeline.load import load_agency


def refusal(folder: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    return [str(problem) for problem in caught.value.problems]


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file of the user's outside every agency folder."""
    path = tmp_path / "home" / "diary.txt"
    path.parent.mkdir()
    path.write_text("private: not for any packet\n")
    return path


def test_a_symlink_out_of_the_folder_is_refused(scenario, secret):
    folder = scenario("minimal-clinic")
    (folder / "notes.txt").symlink_to(secret)
    assert refusal(folder) == [
        f"{folder}/notes.txt:1:1: refused: a symbolic link (it is not followed); an agency "
        "folder holds only plain files and folders (copy the file in instead)"
    ]


def test_a_symlink_within_the_folder_and_a_linked_folder_are_refused(scenario, secret):
    folder = scenario("minimal-clinic")
    (folder / "assessment").mkdir()
    (folder / "assessment" / "copy.yaml").symlink_to(folder / "profile.yaml")
    (folder / "elsewhere").symlink_to(secret.parent, target_is_directory=True)
    problems = refusal(folder)
    assert sorted(p.split(":")[0] for p in problems) == [
        f"{folder}/assessment/copy.yaml",
        f"{folder}/elsewhere",
    ]


def test_a_hard_link_is_refused(scenario, secret):
    folder = scenario("minimal-clinic")
    os.link(secret, folder / "diary.txt")
    (problem,) = refusal(folder)
    assert problem.startswith(f"{folder}/diary.txt:1:1: refused: a hard link (2 names")


def test_a_fifo_is_refused_without_being_opened(scenario):
    folder = scenario("minimal-clinic")
    os.mkfifo(folder / "directory.csv")  # reading it would block for ever
    (problem,) = refusal(folder)
    assert problem.startswith(f"{folder}/directory.csv:1:1: refused: a special file")


def test_a_socket_is_refused(scenario):
    folder = scenario("minimal-clinic")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(folder / "s"))
        (problem,) = refusal(folder)
    assert problem.startswith(f"{folder}/s:1:1: refused: a special file")


@pytest.mark.parametrize("command", ["validate", "bundle", "archive"])
def test_commands_refuse_a_linked_file_and_publish_nothing(scenario, secret, tmp_path, command):
    folder = scenario("minimal-clinic")
    (folder / "extra.yaml").symlink_to(secret)
    out = tmp_path / "out"
    args = {
        "validate": ["validate", str(folder)],
        "bundle": ["bundle", str(folder), "--out", str(out / "test-agency")],
        "archive": ["archive", str(folder), "--root", str(out / "archive")],
    }[command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert f"{folder}/extra.yaml:1:1: refused: a symbolic link" in result.output
    assert not out.exists()


def test_a_folder_that_cannot_be_read_is_named(scenario, monkeypatch):
    folder = scenario("minimal-clinic")
    (folder / "locked").mkdir()
    scandir = os.scandir

    def denied(path="."):
        if Path(path) == folder / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", denied)  # as for a folder of another user's (not root)
    (problem,) = refusal(folder)
    assert problem.startswith(f"{folder}/locked:1:1: cannot be read (Permission denied)")


@pytest.mark.parametrize("where", ["the agency", "inside the agency", "a file"])
def test_a_new_agency_is_never_made_inside_an_agency_or_a_file(scenario, where):
    folder = scenario("minimal-clinic")
    root = {
        "the agency": folder,
        "inside the agency": folder / "assessment",
        "a file": folder / "profile.yaml",
    }[where]
    before = sorted(path.name for path in folder.rglob("*"))
    result = CliRunner().invoke(main, ["new", "inner", "--type", "school", "--inputs", str(root)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Error: " in result.output
    assert sorted(path.name for path in folder.rglob("*")) == before


def test_a_new_agency_appears_whole_or_not_at_all(tmp_path, monkeypatch):
    from pipeline import blank

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(blank, "write_starter_workbooks", disk_full)
    result = CliRunner().invoke(
        main, ["new", "harbor", "--type", "school", "--inputs", str(tmp_path)]
    )
    assert result.exit_code == 1, result.output
    assert f"{tmp_path}: cannot write there (No space left on device)" in result.output
    assert list(tmp_path.iterdir()) == []


def test_ingest_never_writes_through_a_linked_assessment_folder(scenario, tmp_path):
    folder, elsewhere = scenario("minimal-clinic"), tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "assessment").symlink_to(elsewhere)
    export = tmp_path / "survey.csv"
    export.write_text("Your role,Your name,1.1 Have staff received training?\nNurse,Ana,Yes\n")
    result = CliRunner().invoke(main, ["ingest", str(folder), str(export)])
    assert result.exit_code == 2, result.output
    assert f"{folder / 'assessment'}:1:1: refused: a symbolic link" in result.output
    assert list(elsewhere.iterdir()) == []


def test_respondent_files_that_are_not_read_are_named(scenario):
    folder = scenario("minimal-clinic")
    (folder / "assessment").mkdir()
    (folder / "assessment" / "ana.yml").write_text("respondent: {role: Nurse}\n")
    warnings = [str(warning) for warning in load_agency(folder).warnings]
    assert (
        f"{folder}/assessment/ana.yml:1:1: warning: not read: each respondent's answers "
        "are a file ending in .yaml in assessment/" in warnings
    )


def test_an_assessment_that_is_a_file_is_a_problem_line(scenario):
    folder = scenario("minimal-clinic")
    (folder / "assessment").write_text("Nurse: yes\n")
    assert refusal(folder) == [
        f"{folder}/assessment:1:1: is a file; respondent files go into a folder named assessment"
    ]


@pytest.mark.parametrize("name", ["questionnaire.yaml", "profile.yaml"])
def test_a_folder_where_an_input_file_belongs_is_named_as_a_folder(scenario, name):
    folder = scenario("minimal-clinic")
    (folder / name).unlink()
    (folder / name).mkdir()
    assert refusal(folder) == [
        f"{folder}/{name}:1:1: is a folder; every agency needs a file named {name}"
    ]


@pytest.mark.parametrize("name", ["directory.csv", "directory.yaml", "training.xlsx"])
def test_a_folder_named_as_a_table_is_a_problem_not_an_empty_table(scenario, name):
    """A folder `directory.csv` was skipped, and the packet built with an empty directory."""
    folder = scenario("minimal-clinic")
    for old in folder.glob(f"{name.split('.')[0]}.*"):
        old.unlink()
    (folder / name).mkdir()
    [problem] = refusal(folder)
    assert problem.startswith(f"{folder}/{name}:1:1: is a folder; ")
    assert f"read from a file: one of {name.split('.')[0]}.yaml, " in problem
