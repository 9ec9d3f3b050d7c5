"""The documentation cannot drift: the generated reference pages are current, every link and
anchor of the README and the guides resolves, and every command they show exists with the flags
they give it (the cheap ones are run against a sample agency)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.reference import REGENERATE, ROOT, anchor, stale_pages

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELL_BLOCK = re.compile(r"^( *)```(sh|console|bash|shell)\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
CODE_BLOCK = re.compile(r"^( *)```.*?^\1```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"(?<!!)\[(?:[^\]\n]|\][^(])*?\]\(([^)\s]+)\)|!\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6}) +(.+?) *#*$", re.MULTILINE)
# Programs a page may show that are not the project's own; anything else must be `packet` or make.
OTHER_PROGRAMS = {"cd", "cp", "export", "git", "openssl", "pdftoppm", "pip", "pipx", "python3"}
# Commands run for real against the samples: quick, and they write nothing.
RUN = {"validate", "wording", "questions"}


def page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_generated_reference_pages_are_current():
    stale = stale_pages()
    assert stale == [], f"{', '.join(stale)} out of date: run `{REGENERATE}`"


def headings_anchors(text: str) -> set[str]:
    """The anchors GitHub gives a page's headings (a repeated heading gets -1, -2, ...)."""
    seen: dict[str, int] = {}
    anchors = set()
    for match in HEADING.finditer(CODE_BLOCK.sub("", text)):
        plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", match[2]).replace("`", "")
        plain = re.sub(r"[*_]{1,2}(?=\S)|(?<=\S)[*_]{1,2}", "", plain)
        slug = anchor(plain)
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def links(text: str) -> list[str]:
    prose = INLINE_CODE.sub("", CODE_BLOCK.sub("", text))
    return [match[1] or match[2] for match in LINK.finditer(prose)]


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_every_relative_link_and_anchor_resolves(page):
    text = page.read_text(encoding="utf-8")
    broken = []
    for target in links(text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:: not checked offline
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif (
            fragment
            and linked.suffix == ".md"
            and fragment not in headings_anchors(linked.read_text(encoding="utf-8"))
        ):
            broken.append(f"{target}: no such heading")
    assert broken == []


def shell_commands(text: str) -> list[str]:
    """The commands of a page's shell blocks: continuation lines joined, comments and console
    output left out, `a && b` split."""
    commands = []
    for indent, kind, body in SHELL_BLOCK.findall(text):
        body = body.replace("\\\n", " ")
        for line in body.splitlines():
            line = line.removeprefix(indent)
            if kind == "console":
                if not line.startswith("$ "):
                    continue  # output
                line = line[2:]
            line = re.sub(r"(^|\s)#.*$", "", line).strip()
            commands += [part.strip() for part in line.split("&&") if part.strip()]
    return commands


DOCUMENTED = [
    (page_id(page), command)
    for page in PAGES
    for command in shell_commands(page.read_text(encoding="utf-8"))
]


def packet_context() -> click.Context:
    """The `packet` group's context as the command line makes it (-h is a help option too)."""
    return click.Context(main, info_name="packet", **main.context_settings)


def make_targets() -> set[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([a-z][a-z-]*):", makefile, re.MULTILINE))


@pytest.mark.parametrize("page, command", DOCUMENTED)
def test_every_documented_command_exists_with_its_flags(page, command, monkeypatch):
    words = shlex.split(command)
    program = Path(words[0]).name
    if program == "make":
        targets = [word for word in words[1:] if "=" not in word]
        assert set(targets) <= make_targets(), f"{page}: {command}"
        return
    if program != "packet":
        assert program in OTHER_PROGRAMS, f"{page}: unknown program in {command!r}"
        return
    name, args = words[1], words[2:]
    command_ = main.get_command(packet_context(), name)
    assert command_ is not None, f"{page}: no command 'packet {name}'"
    try:
        command_.make_context(name, list(args), parent=packet_context())
    except (click.NoSuchOption, click.BadOptionUsage, click.BadArgumentUsage) as error:
        pytest.fail(f"{page}: {command}: {error.format_message()}")
    except click.BadParameter:
        pass  # a value that names a file of the reader's (officer.p12) is theirs to have
    if name in RUN and all((ROOT / arg).is_dir() for arg in args if not arg.startswith("-")):
        monkeypatch.chdir(ROOT)
        result = CliRunner().invoke(main, [name, *args])
        assert result.exit_code == 0, f"{page}: {command}\n{result.output}"


INLINE_COMMAND = re.compile(r"`(?:\.venv/bin/)?packet ([a-z]+)([^`]*)`")


def inline_commands(text: str) -> list[tuple[str, str]]:
    """(command, flags) of every `packet <command> ...` written in running text."""
    prose = CODE_BLOCK.sub("", text)
    return [(name, rest) for name, rest in INLINE_COMMAND.findall(prose)]


INLINE = [
    (page_id(page), name, rest)
    for page in PAGES
    for name, rest in inline_commands(page.read_text(encoding="utf-8"))
]


@pytest.mark.parametrize("page, name, rest", INLINE)
def test_every_command_named_in_the_text_has_the_flags_it_is_given(page, name, rest):
    command = main.get_command(packet_context(), name)
    assert command is not None, f"{page}: no command 'packet {name}'"
    known = {
        flag
        for param in [*command.params, *main.params]
        for flag in [*param.opts, *param.secondary_opts]
    }
    flags = set(re.findall(r"(?<![\w-])--?[a-z][a-z-]*", rest))
    assert flags <= known | {"-h"}, f"{page}: `packet {name}{rest}`"
