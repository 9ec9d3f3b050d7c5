"""The project's errors: one base, a subclass per kind of failure."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import click


def counted(count: int, noun: str) -> str:
    """`1 warning`, `3 warnings`: a count and its noun, for messages."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class PacketError(click.ClickException):
    """Base of every error the pipeline reports to its user."""

    exit_code = 1


ERROR, WARNING = "error", "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an input file, or worth a warning, with where it is.

    Every check returns its findings as Problems; an error stops the run, a warning is shown
    and the build goes on.
    """

    path: str
    line: int
    column: int
    field: str
    message: str
    severity: str = ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING

    def __str__(self) -> str:
        field = f"{one_line(self.field)}: " if self.field else ""
        label = "warning: " if self.is_warning else ""
        return f"{one_line(self.path)}:{self.line}:{self.column}: {field}{label}{self.message}"


def one_line(text: str) -> str:
    """A file, sheet or field name as one line: a line break or other control character (YAML
    also breaks lines at U+0085, U+2028 and U+2029) is escaped, as in `\\u000a`."""
    return "".join(f"\\u{ord(ch):04x}" if _breaks(ch) else ch for ch in text)


def _breaks(character: str) -> bool:
    """Control characters (C0, DEL, C1, U+0085 among them) and the line and paragraph separators."""
    return unicodedata.category(character) in ("Cc", "Zl", "Zp")


def errors_and_warnings(found: list[Problem]) -> tuple[list[Problem], list[Problem]]:
    """The errors among `found`, then the warnings."""
    return [p for p in found if not p.is_warning], [p for p in found if p.is_warning]


class InputError(PacketError):
    """The agency's inputs are invalid; lists every problem found in the run."""

    exit_code = 2

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} input {noun} found; nothing was written.\n{lines}")


class UsageError(PacketError):
    """A command was given arguments that cannot work (a path outside the inputs, say)."""

    exit_code = 2


class RenderError(PacketError):
    """A template could not be filled."""


class ConversionError(PacketError):
    """LibreOffice could not turn the bundle into a PDF."""


class ArchiveError(PacketError):
    """An archive could not be written or read as asked."""


class Interrupted(BaseException):
    """SIGTERM arrived (from `timeout`, CI or a service manager). Not an Exception, so that no
    handler meant for a failure swallows it: like Ctrl-C, it ends the command, which removes its
    temporary files and stops the LibreOffice it started on the way out."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal_number = signal_number
