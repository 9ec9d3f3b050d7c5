"""`bundle`, `batch` and `archive` killed outright at any moment: the earlier packet or version
stays whole, and the next run recovers and removes its own leftovers, never a folder it did not
write."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.publish import STAGING_LOCK, is_whole, read_marker, staging_folder

ROOT = Path(__file__).resolve().parent.parent
MOMENTS = [0.3, 0.6, 0.9, 1.2, 1.6, 2.2]  # seconds after the start: each a run killed there
NOTES = b"my own notes, kept in a folder whose name looks like a staging folder"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def packet(*arguments: str) -> subprocess.CompletedProcess:
    run = [sys.executable, "-m", "pipeline", *arguments]
    return subprocess.run(run, cwd=ROOT, capture_output=True, text=True)


def killed_after(seconds: float, *arguments: str) -> None:
    run = subprocess.Popen(
        [sys.executable, "-m", "pipeline", *arguments],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(seconds)
    run.send_signal(signal.SIGKILL)
    run.wait()


def runs_left(argument: str, within: float = 5.0) -> list[int]:
    """Processes still running whose command line names `argument` (a killed run's workers)."""
    deadline = time.monotonic() + within
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                command = (entry / "cmdline").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if argument.encode() in command and state != "Z":
                found.append(int(entry.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def changed(folder: Path, number: int) -> None:
    """An input change, so that each run builds a packet that differs from the last."""
    profile = folder / "profile.yaml"
    profile.write_text(profile.read_text() + f"# change {number}\n")


def whole_or_earlier(out: Path, earlier: dict[str, bytes]) -> bool:
    """The folder holds the earlier packet as it was, or a new one that is complete."""
    return out.is_dir() and (tree(out) == earlier or is_whole(out))


def decoys(parent: Path) -> dict[str, dict[str, bytes]]:
    """Folders beside the packets that only look like a run's staging folder: a person's, and
    a marked one whose run is still going (this test holds its lock)."""
    mine = parent / ".test-agency.staging-mine"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_bytes(NOTES)
    return {mine.name: tree(mine)}


def test_a_bundle_killed_at_any_moment_leaves_a_whole_packet(scenario, tmp_path):
    folder, out = scenario("minimal-clinic"), tmp_path / "outputs" / "test-agency"
    build = ["bundle", str(folder), "--out", str(out), "--no-pdf"]
    assert packet(*build).returncode == 0
    kept = decoys(out.parent)
    with staging_folder(out.parent, ".other-agency.staging-") as running:
        (running / "half.docx").write_bytes(b"a build that is still running")
        for number, moment in enumerate(MOMENTS):
            earlier = tree(out)
            changed(folder, number)
            killed_after(moment, *build)
            assert whole_or_earlier(out, earlier), moment
        rebuilt = packet(*build)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert is_whole(out)
        left = sorted(path.name for path in out.parent.iterdir())
        assert left == sorted([".test-agency.staging-mine", running.name, "test-agency"])
        assert (running / "half.docx").is_file()
    assert {name: tree(out.parent / name) for name in kept} == kept


def test_a_batch_killed_at_any_moment_leaves_every_packet_whole(scenario, tmp_path):
    first, second = (
        scenario("minimal-clinic", "agency-one"),
        scenario("minimal-clinic", "agency-two"),
    )
    out = tmp_path / "outputs"
    batch = ["batch", str(first.parent), "--out", str(out), "--no-pdf", "--jobs", "1", "--zip"]
    assert packet(*batch).returncode == 0
    report = out / "batch-report.csv"
    for number, moment in enumerate(MOMENTS):
        earlier = {slug: tree(out / slug) for slug in ("agency-one", "agency-two")}
        changed(first, number), changed(second, number)
        killed_after(moment, *batch)
        assert runs_left(str(out)) == []  # its render workers ended with it
        for slug, files in earlier.items():
            assert whole_or_earlier(out / slug, files), (moment, slug)
        assert report.read_text().startswith("agency,")  # an earlier report or the new one, whole
    again = packet(*batch)
    assert again.returncode == 0, again.stderr
    assert all(is_whole(out / slug) for slug in ("agency-one", "agency-two"))
    assert sorted(path.name for path in out.iterdir() if path.name.startswith(".")) == [
        ".packet-builder.json"
    ]
    assert set(read_marker(out)["files"]) >= {"batch-report.csv", "batch-report.txt"}


def test_a_staging_folder_is_left_alone_while_its_run_holds_it(tmp_path):
    from pipeline.publish import clear_abandoned

    with staging_folder(tmp_path, ".agency.staging-") as running:
        (running / "bundle.docx").write_bytes(b"being written")
        clear_abandoned(tmp_path)
        assert (running / STAGING_LOCK).is_file() and (running / "bundle.docx").is_file()
    ended = tmp_path / ".agency.staging-ended"
    ended.mkdir()
    (ended / STAGING_LOCK).touch()
    (ended / "bundle.docx").write_bytes(b"left by a killed run")
    clear_abandoned(tmp_path)
    assert not ended.exists()


@pytest.mark.pdf
def test_an_archive_killed_at_any_moment_leaves_the_archived_versions_whole(scenario, tmp_path):
    folder, root = scenario("minimal-clinic"), tmp_path / "archive"
    archive = ["archive", str(folder), "--root", str(root)]
    assert packet(*archive).returncode == 0
    year = next(path for path in (root / "test-agency").iterdir() if path.name.isdigit())
    earlier = tree(root / "test-agency")
    revise = [*archive, "--revision", "corrected phone number"]
    changed(folder, 1)
    for moment in (1.0, 4.0, 8.0):
        killed_after(moment, *revise)
        now = tree(root / "test-agency")
        assert {name: now.get(name) for name in earlier if not name.startswith(".")} == {
            name: data for name, data in earlier.items() if not name.startswith(".")
        }  # every archived file as it was (a killed run may add only its hidden folder)
        if (year.parent / f"{year.name}-r2").exists():
            break
    verified = packet("verify", str(year))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    again = packet(*revise)
    if "already" not in again.stderr:
        assert again.returncode == 0, again.stderr
    listed = (root / "test-agency" / "ledger.tsv").read_text()
    assert f"{year.name}-r2\t" in listed
    assert not list((root / "test-agency").glob(".incoming-*"))
    assert json.loads((year.parent / f"{year.name}-r2" / "manifest.json").read_text())


def test_a_folder_named_like_an_earlier_packet_aside_is_left_alone(scenario, tmp_path):
    folder, out = scenario("minimal-clinic"), tmp_path / "outputs" / "test-agency"
    build = ["bundle", str(folder), "--out", str(out), "--no-pdf"]
    mine = out.parent / ".test-agency.old"  # what a killed two-rename swap would leave
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_bytes(NOTES)
    for _ in range(2):
        done = packet(*build)
        assert done.returncode == 0, done.stderr
        assert tree(mine) == {"notes.txt": NOTES} and is_whole(out)
