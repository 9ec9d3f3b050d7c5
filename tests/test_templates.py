"""The templates: built from their text sources, styled only by the reference document."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline.render import TEMPLATE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "templates" / "source").glob("*.txt"))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("templates")
    builder = ROOT / "templates" / "source" / "build.py"
    subprocess.run([sys.executable, str(builder), "--out", str(out)], check=True, cwd=ROOT)
    return out


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_committed_template_equals_a_fresh_build_of_its_source(fresh, source):
    name = f"{source.stem}.docx"
    assert (fresh / name).read_bytes() == (TEMPLATE_DIR / name).read_bytes(), (
        f"pipeline/templates/{name} is out of date: run `make templates`"
    )


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_every_template_has_the_reference_documents_styles(source):
    with zipfile.ZipFile(TEMPLATE_DIR / f"{source.stem}.docx") as template:
        styles = template.read("word/styles.xml")
    with zipfile.ZipFile(TEMPLATE_DIR / "reference.docx") as reference:
        assert styles == reference.read("word/styles.xml")


def test_the_builder_does_not_import_the_pipeline():
    text = (ROOT / "templates" / "source" / "build.py").read_text()
    assert "from pipeline" not in text and "import pipeline" not in text
