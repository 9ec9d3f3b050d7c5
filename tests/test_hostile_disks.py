"""A disk that fills up during a build or an ingest: one clear line naming the folder, exit 1,
and the earlier packet and inputs as they were.

The child process runs with RLIMIT_FSIZE, the largest file it may write: a write past it fails
with EFBIG ("File too large") as a write to a full disk fails with ENOSPC, at the same calls.
"""

from __future__ import annotations

import csv
import resource
import subprocess
import sys
from pathlib import Path

from pipeline.journal import JOURNAL
from pipeline.publish import is_whole

ROOT = Path(__file__).resolve().parent.parent


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def packet_on_a_small_disk(largest_file: int, *arguments: str) -> subprocess.CompletedProcess:
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (largest_file, largest_file))

    return subprocess.run(
        [sys.executable, "-m", "pipeline", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=limited,
    )


def test_a_build_on_a_full_disk_names_the_folder_and_keeps_the_earlier_packet(scenario, tmp_path):
    folder, out = scenario("minimal-clinic"), tmp_path / "outputs" / "test-agency"
    build = ["bundle", str(folder), "--out", str(out), "--no-pdf"]
    assert packet_on_a_small_disk(resource.RLIM_INFINITY, *build).returncode == 0
    earlier = tree(out)
    (folder / "profile.yaml").write_text((folder / "profile.yaml").read_text() + "# new\n")
    result = packet_on_a_small_disk(8192, *build)
    assert result.returncode == 1, result.stderr
    assert f"Error: {out.parent}: cannot write there (File too large)" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(out) == earlier and is_whole(out)
    assert sorted(path.name for path in out.parent.iterdir()) == ["test-agency"]


def test_an_ingest_on_a_full_disk_names_the_folder_and_writes_nothing(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    export = tmp_path / "survey.csv"
    with export.open("w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(
            [["Your role", "Your name", "1.1 Have staff received training?", "Comments 1"]]
            + [
                ["Nurse", f"Respondent {number}", "Yes", "A long note. " * number * 100]
                for number in range(3)
            ]
        )
    before = tree(folder)
    result = packet_on_a_small_disk(1024, "ingest", str(folder), str(export))
    assert result.returncode == 1, result.stderr
    assert f"{folder / 'assessment'}: cannot write there (File too large)" in result.stderr
    assert "nothing was written" in result.stderr and "Traceback" not in result.stderr
    assert tree(folder) == before and not (folder / JOURNAL).exists()
    assert sorted(path.name for path in (folder / "assessment").iterdir()) == []


def test_a_batch_on_a_full_disk_says_so_and_the_next_batch_runs(scenario, tmp_path):
    """The packets fit and their zips do not: the error names the folder, and what the batch
    wrote before it stays the packet builder's, so the next batch is not refused."""
    folder, out = scenario("minimal-clinic"), tmp_path / "outputs"
    batch = ["batch", str(folder.parent), "--out", str(out), "--no-pdf", "--jobs", "1", "--zip"]
    result = packet_on_a_small_disk(120_000, *batch)
    assert result.returncode == 1, result.stderr
    assert f"Error: {out}: cannot write there (File too large)" in result.stderr
    assert "Traceback" not in result.stderr
    assert is_whole(out / "test-agency")
    again = packet_on_a_small_disk(resource.RLIM_INFINITY, *batch)
    assert again.returncode == 0, again.stderr
    assert (out / "test-agency-packet-2026.zip").is_file()


def test_an_agency_whose_packet_does_not_fit_fails_alone_with_one_line(scenario, tmp_path):
    folder, out = scenario("minimal-clinic"), tmp_path / "outputs"
    batch = ["batch", str(folder.parent), "--out", str(out), "--no-pdf", "--jobs", "1"]
    result = packet_on_a_small_disk(50_000, *batch)
    assert result.returncode == 1, result.stderr
    assert f"{out}: cannot write there (File too large)" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "0 built, 0 skipped, 1 failed" in result.stdout
