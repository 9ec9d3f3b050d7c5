"""A build stopped from outside: its temporary folder and its LibreOffice go with it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from pipeline.convert import office_processes, pipe_socket
from pipeline.publish import STAGING_LOCK, staging_area

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "inputs" / "harbor-family-health"


# The build with its training log rendered in a second process, as a long one is.
WITH_A_SECOND_PROCESS = (
    "import sys; import pipeline.build; pipeline.build.ASIDE_PEOPLE = 1; "
    "from pipeline.cli import main; main(sys.argv[1:])"
)


def start_bundle(out: Path, aside: bool = False) -> subprocess.Popen:
    """A build in a process of its own that Ctrl-C reaches (a test run started in the
    background of a shell ignores SIGINT, and so would the build it starts)."""
    start = ["-c", WITH_A_SECOND_PROCESS] if aside else ["-m", "pipeline"]
    return subprocess.Popen(
        [sys.executable, *start, "bundle", str(SAMPLE), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def our_office_ids() -> set[int]:
    return {pid for ids in office_processes().values() for pid in ids}


def wait_until_busy(build: subprocess.Popen, out: Path, office_before: set[int]) -> set[int]:
    """Wait until the build has its staging folder and a LibreOffice of its own; return its ids."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        staging = list(out.parent.glob(".harbor-family-health.staging-*"))
        office = our_office_ids() - office_before
        if staging and office:
            return office
        assert build.poll() is None, "the build ended before it could be stopped"
        time.sleep(0.01)
    raise AssertionError("the build never started LibreOffice")


def bridge_sockets() -> set[Path]:
    """The sockets of the packet builder's LibreOffice runs (convert.pipe_socket)."""
    return set(pipe_socket("x").parent.glob(pipe_socket("packet-*").name))


def alive(ids: set[int]) -> set[int]:
    """Ids still running (zombies, already dead but not yet reaped, do not count)."""
    running = set()
    for pid in ids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.add(pid)
    return running


def gone_within(ids: set[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while alive(ids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(ids)


@pytest.mark.pdf
@pytest.mark.parametrize(("stop", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stopped_build_cleans_up_and_says_so_in_one_line(tmp_path, stop, code):
    out = tmp_path / "outputs" / "harbor-family-health"
    sockets = bridge_sockets()
    office = wait_until_busy(build := start_bundle(out), out, our_office_ids())
    build.send_signal(stop)
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == code
    assert stderr.strip().splitlines() == [
        f"Error: stopped by {stop.name}; temporary files were removed and earlier outputs are "
        "as they were"
    ]
    assert sorted(path.name for path in out.parent.iterdir()) == []
    assert gone_within(office, 5)
    assert bridge_sockets() <= sockets  # the killed LibreOffice's socket in /tmp went with it


@pytest.mark.pdf
def test_a_build_stopped_while_its_second_process_renders_ends(tmp_path):
    """Stopped while its forked worker renders, a build once waited for that worker on its way
    out, for ever (about one stop in four); each stop here must end at once."""
    for attempt in range(8):
        out = tmp_path / str(attempt) / "outputs" / "harbor-family-health"
        wait_until_busy(build := start_bundle(out, aside=True), out, our_office_ids())
        build.send_signal(signal.SIGINT)
        _, stderr = build.communicate(timeout=30)
        assert build.returncode == 130, stderr
        assert sorted(path.name for path in out.parent.iterdir()) == []


@pytest.mark.pdf
def test_an_earlier_packet_survives_a_stopped_build(tmp_path):
    out = tmp_path / "outputs" / "harbor-family-health"
    assert (
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline",
                "bundle",
                str(SAMPLE),
                "--out",
                str(out),
                "--no-pdf",
            ],
            cwd=ROOT,
            capture_output=True,
        ).returncode
        == 0
    )
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    wait_until_busy(build := start_bundle(out), out, our_office_ids())
    build.send_signal(signal.SIGTERM)
    build.communicate(timeout=60)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


@pytest.mark.pdf
def test_the_next_build_clears_what_a_killed_build_left(tmp_path):
    out = tmp_path / "outputs" / "harbor-family-health"
    office = wait_until_busy(build := start_bundle(out), out, our_office_ids())
    build.send_signal(signal.SIGKILL)
    build.wait(timeout=30)
    assert list(out.parent.glob(".harbor-family-health.staging-*"))  # left behind
    assert gone_within(office, 30)  # its LibreOffice run saw its input close and shut down
    # A LibreOffice left running on one of the project's profile folders, as a build killed at
    # a worse moment leaves it; on a profile the next build will not use itself.
    profile = spare_profile()
    orphan = subprocess.Popen(
        [
            shutil.which("soffice"),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--accept=pipe,name=packet-test-orphan;urp;",
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        orphaned = wait_for_office_on(profile)
        socket = pipe_socket("packet-test-orphan")
        deadline = time.monotonic() + 30
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert socket.exists()  # it listens, as a build's LibreOffice does
        again = subprocess.run(
            [sys.executable, "-m", "pipeline", "bundle", str(SAMPLE), "--out", str(out)],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert again.returncode == 0, again.stderr
        assert [path.name for path in out.parent.iterdir()] == ["harbor-family-health"]
        assert gone_within(orphaned, 5)
        assert not socket.exists()  # its socket went with it
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(orphan.pid, signal.SIGKILL)
        orphan.wait(timeout=30)
        # The slot this test added goes again: left, each run would add one, and once past the
        # builds' PROFILE_SLOTS the next build would no longer look at the orphan's profile.
        slot = Path(profile).name.removeprefix("profile-")
        (Path(profile).parent / f"{slot}.lock").unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)


def spare_profile() -> str:
    """A profile folder after the last one in use, with its lock file, as a run leaves them."""
    base = Path(tempfile.gettempdir()) / f"packet-builder-lo-{os.getuid()}"
    slot = 0
    while (base / f"{slot}.lock").exists():
        slot += 1
    (base / f"{slot}.lock").touch()
    return str(base / f"profile-{slot}")


def wait_for_office_on(profile: str) -> set[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = alive(set(office_processes().get(profile, [])))
        if any("soffice.bin" in Path(f"/proc/{pid}/cmdline").read_text() for pid in found):
            return found
        time.sleep(0.05)
    raise AssertionError(f"no LibreOffice started on {profile}")


def test_staging_areas_of_agencies_whose_slugs_share_a_prefix_stay_apart(tmp_path):
    with staging_area(tmp_path / "harbor-east", "harbor-east") as east:
        (tmp_path / ".harbor.staging-leftover").mkdir()  # a killed build's, marked as one
        (tmp_path / ".harbor.staging-leftover" / STAGING_LOCK).touch()
        with staging_area(tmp_path / "harbor", "harbor") as harbor:
            assert east.is_dir() and harbor.is_dir()
            assert not (tmp_path / ".harbor.staging-leftover").exists()
        assert east.is_dir()


def test_a_failed_build_leaves_no_staging_folder(tmp_path):
    with pytest.raises(RuntimeError), staging_area(tmp_path / "out", "agency") as work:
        (work / "half-written.docx").write_text("")
        raise RuntimeError("a stage failed")
    assert list(tmp_path.iterdir()) == []
