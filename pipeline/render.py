"""Stage 3: fill each document's docxtpl template with the render context."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

from pipeline.errors import RenderError

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


def long_date(value: str | date | None) -> str:
    """`2026-07-01` -> `July 1, 2026`."""
    if not value:
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%B} {day.day}, {day.year}"


def join_and(items: list[Any]) -> str:
    """`['a', 'b', 'c']` -> `a, b and c`."""
    items = [str(item) for item in items]
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def jinja_environment() -> SandboxedEnvironment:
    """Sandboxed and autoescaping: values are shown as typed, never run as template code."""
    environment = SandboxedEnvironment(autoescape=True)
    environment.filters.update(long_date=long_date, join_and=join_and, capfirst=capfirst)
    return environment


def render_document(template_name: str, context: dict[str, Any], target: Path) -> Path:
    """Fill `templates/<template_name>` and save it as `target`."""
    template = DocxTemplate(TEMPLATE_DIR / template_name)
    values = dict(context)
    for name, image in context["images"].items():
        size = {image["dimension"]: Mm(image["mm"])}
        values[name] = InlineImage(template, image["path"], **size) if image["path"] else ""
    try:
        template.render(values, jinja_env=jinja_environment(), autoescape=True)
    except (TemplateError, TypeError, ValueError, KeyError, AttributeError) as error:
        raise RenderError(f"templates/{template_name} could not be filled: {error}") from error
    template.save(target)
    return target
