"""Compiled templates kept between runs: used only for the very source they came from, and a
folder that cannot be used (or a damaged file in it) leaves the build as it was."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from jinja2.bccache import FileSystemBytecodeCache

from pipeline import compiled
from pipeline.build import packet_context
from pipeline.load import load_agency
from pipeline.render import TemplateEnvironment, render_document

SOURCE = "<w:t>{{ agency.legal_name }} reports to {{ agency.county }}</w:t>"
VALUES = {"agency": {"legal_name": "A & B Clinic", "county": "<Fictional> County"}}


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """A cache of compiled templates in a folder of the test's own."""
    where = tmp_path / "cache"
    where.mkdir()
    monkeypatch.setattr(compiled, "bytecode_cache", lambda: FileSystemBytecodeCache(str(where)))
    return where


def refuse_compiling(monkeypatch) -> None:
    def compile_(self, *args, **kwargs):
        raise AssertionError("compiled although the cache holds the code")

    monkeypatch.setattr(TemplateEnvironment, "compile", compile_)


def test_a_second_run_takes_the_code_from_the_cache(folder, monkeypatch):
    first = TemplateEnvironment("en-US").from_string(SOURCE).render(VALUES)
    assert len(list(folder.iterdir())) == 1
    refuse_compiling(monkeypatch)  # a new environment stands for a new process
    again = TemplateEnvironment("en-US").from_string(SOURCE).render(VALUES)
    assert again == first == "<w:t>A &amp; B Clinic reports to &lt;Fictional&gt; County</w:t>"


def test_code_is_used_only_for_the_source_it_came_from(folder, monkeypatch):
    TemplateEnvironment("en-US").from_string(SOURCE)
    changed = SOURCE.replace("reports to", "refers to")
    assert "refers to" in TemplateEnvironment("en-US").from_string(changed).render(VALUES)
    assert len(list(folder.iterdir())) == 2


def test_a_damaged_file_is_compiled_again_and_replaced(folder, monkeypatch):
    expected = TemplateEnvironment("en-US").from_string(SOURCE).render(VALUES)
    for kept in folder.iterdir():
        kept.write_bytes(kept.read_bytes()[:40] + b"\x00garbage")
    assert TemplateEnvironment("en-US").from_string(SOURCE).render(VALUES) == expected
    refuse_compiling(monkeypatch)
    assert TemplateEnvironment("en-US").from_string(SOURCE).render(VALUES) == expected


def test_a_folder_that_cannot_be_written_only_costs_the_compiling(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("a file where the folder should be")
    monkeypatch.setattr(
        compiled, "bytecode_cache", lambda: FileSystemBytecodeCache(str(not_a_folder))
    )
    assert "A &amp; B" in TemplateEnvironment("en-US").from_string(SOURCE).render(VALUES)
    assert not_a_folder.read_text() == "a file where the folder should be"


def test_the_cache_can_be_turned_off(monkeypatch):
    monkeypatch.setenv(compiled.NO_TEMPLATE_CACHE, "1")
    compiled.bytecode_cache.cache_clear()
    try:
        assert compiled.bytecode_cache() is None
        assert "A &amp; B" in TemplateEnvironment("en-US").from_string(SOURCE).render(VALUES)
    finally:
        compiled.bytecode_cache.cache_clear()


def test_jinjas_own_folder_is_private_to_the_user():
    cache = compiled.bytecode_cache()
    if cache is None:
        pytest.skip("no private folder could be made in this temporary directory")
    mode = Path(cache.directory).stat().st_mode & 0o777
    assert mode == 0o700


def test_a_policy_rendered_from_cached_code_is_the_same_document(folder, sample, tmp_path):
    context = packet_context(load_agency(sample("harbor-family-health")))

    def render(name: str) -> bytes:
        TemplateEnvironment.from_string.cache_clear()  # as in a new process
        path = render_document("policy.docx", context, tmp_path / name)
        with zipfile.ZipFile(path) as package:
            return package.read("word/document.xml")

    cold = render("cold.docx")
    assert any(folder.iterdir())
    assert render("warm.docx") == cold
