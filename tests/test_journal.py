"""`packet ingest` writes all of its files or none, even when killed outright."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.journal import JOURNAL, PAUSE_IN_WRITE, finish

ROOT = Path(__file__).resolve().parent.parent
ROLE, NAME, ITEM = "Your role", "Your name", "1.1 Have staff received training?"
EARLIER_BO = "respondent: {role: Nurse, name: Bo}\nanswers: {}\nratings: {}\n"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture
def survey(scenario, tmp_path) -> tuple[Path, list[str]]:
    """An agency with one respondent file (Bo's), and the `packet ingest` command of a survey
    export that adds Ana and replaces Bo's answers."""
    folder = scenario("minimal-clinic")
    (folder / "assessment").mkdir()
    (folder / "assessment" / "bo.yaml").write_text(EARLIER_BO)
    export = tmp_path / "survey.csv"
    with export.open("w", newline="", encoding="utf-8") as stream:
        rows = [[ROLE, NAME, ITEM], ["Doctor", "Ana", "Yes"], ["Nurse", "Bo", "No"]]
        csv.writer(stream).writerows(rows)
    command = [sys.executable, "-m", "pipeline", "ingest", str(folder), str(export), "--replace"]
    return folder, command


def killed_at(point: str, command: list[str]) -> None:
    """Run `command` until the write reaches `point`, then kill it outright."""
    env = {**os.environ, PAUSE_IN_WRITE: point}
    run = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert run.stderr.readline().strip() == f"paused: {point}"
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()


def ingested(folder: Path, command: list[str]) -> dict[str, bytes]:
    """What a whole ingest writes: its run in a copy of the agency folder."""
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return tree(folder)


def test_killed_before_its_journal_commits_an_ingest_leaves_the_earlier_files(survey):
    folder, command = survey
    earlier = tree(folder)
    killed_at("staged", command)
    assert (folder / JOURNAL).is_file()  # pending: the staged files are named in it
    assert tree(folder / "assessment")["bo.yaml"] == EARLIER_BO.encode()
    assert not (folder / "assessment" / "ana.yaml").exists()
    finish(folder)
    assert tree(folder) == earlier  # rolled back: every staged file gone, the journal too


def test_killed_while_moving_files_in_an_ingest_is_completed_by_the_next_command(survey):
    folder, command = survey
    killed_at("moving", command)
    assessment = folder / "assessment"
    half = {path.name for path in assessment.iterdir() if not path.name.startswith(".")}
    assert half == {"ana.yaml", "bo.yaml"}
    assert (assessment / "bo.yaml").read_text() == EARLIER_BO  # not moved in yet
    validated = subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert validated.returncode == 0, validated.stderr
    completed = tree(folder)
    assert b"name: Bo" in completed["assessment/bo.yaml"]
    assert completed["assessment/bo.yaml"] != EARLIER_BO.encode()
    assert sorted(path.name for path in assessment.iterdir()) == ["ana.yaml", "bo.yaml"]
    assert not (folder / JOURNAL).exists()
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "(unchanged)" in again.stdout and tree(folder) == completed


@pytest.mark.parametrize("point", ["staged", "moving"])
def test_after_a_kill_the_folder_holds_the_old_set_or_the_new_set_whole(survey, tmp_path, point):
    """The next ingest finds what the kill left and ends with exactly what one whole ingest
    writes."""
    folder, command = survey
    reference = tmp_path / "reference" / folder.name
    reference.parent.mkdir()
    subprocess.run(["cp", "-a", str(folder), str(reference)], check=True)
    whole = ingested(reference, [*command[:4], str(reference), *command[5:]])
    earlier = tree(folder)
    killed_at(point, command)
    finish(folder)
    assert tree(folder) == (earlier if point == "staged" else whole)
    assert ingested(folder, command) == whole


@pytest.mark.parametrize(
    "journal",
    [
        '{"state": "committed", "files": [{"staged": "../x", "target": "../../home/thesis.txt"}]}',
        '["a list"]',
        "not JSON",
        "a folder",
    ],
)
def test_a_journal_the_packet_builder_did_not_write_is_a_problem_line(scenario, journal):
    folder = scenario("minimal-clinic")
    if journal == "a folder":
        (folder / JOURNAL).mkdir()
    else:
        (folder / JOURNAL).write_text(journal)
    with pytest.raises(InputError) as caught:
        finish(folder)
    (problem,) = caught.value.problems
    assert problem.path == str(folder / JOURNAL) and "not a journal" in problem.message
