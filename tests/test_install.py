"""Installed like any Python tool (not editable), `packet` works from any folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "inputs" / "harbor-family-health"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """`pip install <clone>` into a fresh virtual environment; the path of its `packet`."""
    work = tmp_path_factory.mktemp("install")
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    # The working tree as it is now, so that the test checks this change, not the last commit.
    for path in ("pipeline", "pyproject.toml", "README.md"):
        target = clone / path
        if target.is_dir():
            shutil.rmtree(target)
            shutil.copytree(ROOT / path, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / path, target)
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [venv / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", str(clone)],
        check=True,
    )
    shutil.rmtree(clone)  # nothing may come from the source tree any more
    return venv / "bin" / "packet"


def run(packet: Path, folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(packet), *arguments], cwd=folder, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def elsewhere(installed, tmp_path_factory) -> Path:
    """A folder outside the repository with a new agency, filled in from the sample."""
    folder = tmp_path_factory.mktemp("elsewhere")
    result = run(installed, folder, "new", "lakeside-clinic", "--type", "health_clinic")
    assert result.returncode == 0, result.stderr
    for name in ("profile.yaml", "questionnaire.yaml", "logo.png"):
        shutil.copy(SAMPLE / name, folder / "inputs" / "lakeside-clinic" / name)
    return folder


def test_the_package_is_installed_and_not_a_link_to_the_clone(installed, elsewhere):
    code = "import pipeline, sys; sys.stdout.write(pipeline.__file__)"
    python = installed.parent / "python"
    location = subprocess.run(
        [python, "-c", code], cwd=elsewhere, capture_output=True, text=True
    ).stdout
    assert "site-packages" in location and str(ROOT) not in location


def test_new_writes_a_starter_folder(elsewhere):
    starter = sorted(p.name for p in (elsewhere / "inputs" / "lakeside-clinic").iterdir())
    assert "directory.xlsx" in starter and "training.xlsx" in starter


def test_validate_with_a_relative_path(installed, elsewhere):
    result = run(installed, elsewhere, "validate", "inputs/lakeside-clinic")
    assert result.returncode == 0, result.stderr


def test_bundle_with_an_absolute_path(installed, elsewhere):
    folder = elsewhere / "inputs" / "lakeside-clinic"
    result = run(installed, elsewhere, "bundle", str(folder), "--out", "out/abs", "--no-pdf")
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "out" / "abs" / "bundle.docx").is_file()


def test_bundle_with_dot_dot_in_the_path(installed, elsewhere):
    folder = "inputs/../inputs/lakeside-clinic"
    result = run(installed, elsewhere, "bundle", folder, "--out", "out/rel", "--no-pdf")
    assert result.returncode == 0, result.stderr


def test_blank_packet(installed, elsewhere):
    result = run(installed, elsewhere, "blank", "--type", "school", "--no-pdf", "--out", "b")
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "b" / "bundle.docx").is_file()
