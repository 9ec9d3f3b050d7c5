"""Blank packets by agency type, and starter input folders for new agencies."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

from pipeline import directory, training
from pipeline.build import BuildResult, build
from pipeline.content import CONTENT_DIR, agency_types, content, regions
from pipeline.context import build_context
from pipeline.directory import categories as directory_categories
from pipeline.errors import UsageError
from pipeline.fields import commented
from pipeline.load import PROFILE, QUESTIONNAIRE, SLUG, AgencyInputs
from pipeline.publish import (
    STAGING_MARK,
    agency_above,
    check_folders_above,
    clear_abandoned,
    staging_folder,
    writable,
)
from pipeline.sheets import write_starter_workbook
from pipeline.style import HouseStyle

STARTER_DIR = CONTENT_DIR / "starter"


def blank_inputs(agency_type: str, today: date) -> AgencyInputs:
    """Inputs whose every fact is a fill-in field, for one agency type."""
    if agency_type not in agency_types():
        raise UsageError(f"unknown agency type '{agency_type}'; expected one of {agency_types()}")
    blank = copy.deepcopy(content("blank"))
    profile, questionnaire = blank["profile"], blank["questionnaire"]
    profile["agency"]["type"] = agency_type
    profile["packet"]["date"] = today.isoformat()
    if agency_type == "task_force":
        questionnaire["task_force"] = blank["task_force"]
    return AgencyInputs(f"blank-{agency_type.replace('_', '-')}", Path("."), profile, questionnaire)


def build_blank(
    agency_type: str,
    out: Path,
    pdf: bool = True,
    today: date | None = None,
    style: HouseStyle | None = None,
) -> BuildResult:
    """A packet to fill in by hand: fill-in fields, blank assessment, empty directory and log."""
    inputs = blank_inputs(agency_type, today or date.today())
    context = {**build_context(inputs), "blank": True}
    return build(inputs, out, "blank", pdf=pdf, style=style, context=context)


def new_agency(
    inputs_root: Path, slug: str, agency_type: str, country: str = "US", region: str | None = None
) -> Path:
    """A starter inputs folder with every field present and explained, required ones empty,
    its examples fitted to the agency type and country."""
    if not SLUG.match(slug):
        raise UsageError(
            f"'{slug}' is not a valid agency slug (lower-case letters, digits, hyphens)"
        )
    if agency_type not in agency_types():
        raise UsageError(f"unknown agency type '{agency_type}'; expected one of {agency_types()}")
    check_region(country, region)
    check_inputs_root(inputs_root)
    folder = inputs_root / slug
    if folder.exists() or folder.is_symlink():
        raise UsageError(f"{folder} already exists; choose another slug")
    profile = starter_text(PROFILE, agency_type, country, region)
    questionnaire = starter_text(QUESTIONNAIRE, agency_type, country, region)
    # Written aside and renamed into place: a run killed halfway leaves no half-made agency.
    with writable(inputs_root):
        inputs_root.mkdir(parents=True, exist_ok=True)
        clear_abandoned(inputs_root)
        with staging_folder(inputs_root, f".{slug}{STAGING_MARK}") as work:
            (work / slug).mkdir()
            (work / slug / PROFILE).write_text(profile, encoding="utf-8")
            (work / slug / QUESTIONNAIRE).write_text(questionnaire, encoding="utf-8")
            write_starter_workbooks(work / slug, agency_type)
            (work / slug).rename(folder)
    return folder


def check_inputs_root(inputs_root: Path) -> None:
    """The folder that receives a new agency holds agencies: it is not itself one, nor inside
    one, nor a file."""
    check_folders_above(inputs_root)
    agency = agency_above(inputs_root)
    if agency is not None:
        raise UsageError(
            f"{inputs_root} is inside the agency input folder {agency}; name the folder that "
            "holds the agencies' folders (the default is inputs)"
        )
    if inputs_root.exists() and not inputs_root.is_dir():
        raise UsageError(f"{inputs_root} is a file, not a folder of agencies")


def starter_countries() -> list[str]:
    return list(content("starter/countries"))


def check_region(country: str, region: str | None) -> None:
    if country not in starter_countries():
        raise UsageError(
            f"no starter for country '{country}'; expected one of {starter_countries()}"
        )
    known = regions(country) or {}
    if region and region not in known:
        raise UsageError(
            f"unknown region '{region}' for {country}; expected one of {', '.join(known)}"
        )


def starter_text(
    name: str, agency_type: str, country: str = "US", region: str | None = None
) -> str:
    """A starter file with its @NAME@ examples filled in for the agency type and country
    (pipeline/content/starter/examples.yaml, countries.yaml): no clinic examples in a school's
    starter, no US phone format or written-report deadline in a Canadian one. Each field's
    comment is its description in the schema (pipeline/fields.py)."""
    text = (STARTER_DIR / name).read_text(encoding="utf-8")
    if name == QUESTIONNAIRE and agency_type == "task_force":
        text += (STARTER_DIR / "task_force.yaml").read_text(encoding="utf-8")
    country_values = dict(content("starter/countries")[country])
    country_values.update(country_values.pop("regions", {}).get(region, {}))
    values = {
        "AGENCY_TYPE": agency_type,
        **content("starter/examples")[agency_type],
        **country_values,
    }
    lines = []
    for line in text.splitlines(keepends=True):
        key = line.strip().strip("@")
        if line.strip() == f"@{key}@" and key in values:
            lines += [f"{each}\n" for each in values[key].splitlines() if values[key]]
        else:
            lines.append(line)
    text = "".join(lines)
    for key, value in values.items():
        if isinstance(value, str):
            text = text.replace(f"@{key}@", value)
    return commented(text.replace("@REGION@", region or ""), Path(name).stem)


def write_starter_workbooks(folder: Path, agency_type: str = "health_clinic") -> None:
    """directory.xlsx and training.xlsx: the CSV formats' columns, a sample row (in the agency
    type's words), drop-downs."""
    starters = content("starter/spreadsheets")
    samples = content("starter/examples")[agency_type].get("sample_rows", {})
    offered = {
        "directory_categories": list(directory_categories()),
        "training_topics": [topic["id"] for topic in content("policy")["annual_training_topics"]],
    }
    for name, columns in (("directory", directory.COLUMNS), ("training", training.COLUMNS)):
        starter = starters[name]
        lists = {
            column: {
                **spec,
                "values": offered[spec["from"]] if "from" in spec else spec["values"],
            }
            for column, spec in starter["lists"].items()
        }
        example = {**starter["example"], **samples.get(name, {})}
        write_starter_workbook(
            folder / f"{name}.xlsx", starter["sheet"], columns.names, example, lists
        )
