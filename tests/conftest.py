"""Shared fixtures: agency folders built from scenario folders, and LibreOffice detection."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = sorted(path.name for path in (ROOT / "inputs").iterdir() if path.is_dir())


def office_available() -> bool:
    return shutil.which("soffice") is not None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """PDF tests need LibreOffice; CI installs it, so there a missing one is a failure."""
    if office_available() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="LibreOffice (soffice) is not installed; run `make test`")
    for item in items:
        if "pdf" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def scenario(tmp_path: Path):
    """Copy the minimal valid agency, then overlay a scenario's files on it."""

    def make(name: str, slug: str = "test-agency") -> Path:
        folder = tmp_path / "inputs" / slug
        shutil.copytree(FIXTURES / "minimal-clinic", folder)
        if name != "minimal-clinic":
            shutil.copytree(FIXTURES / name, folder, dirs_exist_ok=True)
        return folder

    return make


@pytest.fixture
def sample() -> callable:
    def folder(slug: str) -> Path:
        return ROOT / "inputs" / slug

    return folder


@pytest.fixture(scope="session")
def blank_packets(tmp_path_factory) -> dict[str, Path]:
    """A blank packet (Word files) per agency type, built once for the whole run."""
    from pipeline.blank import build_blank
    from pipeline.content import agency_types

    out = tmp_path_factory.mktemp("blank-packets")
    return {
        agency_type: build_blank(
            agency_type, out / agency_type, pdf=False, today=date(2026, 11, 23)
        ).out
        for agency_type in agency_types()
    }


@pytest.fixture(scope="session")
def sample_packets(tmp_path_factory) -> dict[str, Path]:
    """Every sample agency's packet with its PDFs, built once for the whole run."""
    from pipeline.build import build_packet

    out = tmp_path_factory.mktemp("sample-packets")
    return {slug: build_packet(ROOT / "inputs" / slug, out / slug).out for slug in SAMPLES}


@pytest.fixture(scope="session")
def starter_packets(tmp_path_factory) -> dict[str, Path]:
    """An Ontario school, an English shelter and an Australian clinic, from their starters,
    built once for the whole run."""
    from pipeline.build import build_packet
    from tests.helpers import starter_agency

    root = tmp_path_factory.mktemp("inputs")
    out = tmp_path_factory.mktemp("outputs")
    agencies = {
        "ontario-school": starter_agency(root, "ontario-school", "school", "CA", "ON"),
        "english-shelter": starter_agency(
            root,
            "english-shelter",
            "shelter",
            "GB",
            "ENG",
            **{"agency.address.postal_code": "LS1 4AP"},
        ),
        "australian-clinic": starter_agency(
            root, "australian-clinic", "health_clinic", "AU", "NSW"
        ),
    }
    return {
        slug: build_packet(folder, out / slug, pdf=False).out for slug, folder in agencies.items()
    }
