"""Stage 1: read an agency's input folder and validate everything in it."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline import consistency, directory, images, schema, training
from pipeline.accessibility import language_warnings, logo_warnings
from pipeline.assessment import Respondent, check_answers, check_settings, read_respondent
from pipeline.dates import parse_date
from pipeline.elements import uncovered_element_warnings
from pipeline.errors import WARNING, InputError, Problem, UsageError, errors_and_warnings
from pipeline.journal import finish
from pipeline.locales import conventions
from pipeline.sheets import SAVE_AS, SHEET_SUFFIXES, refused_format
from pipeline.style import HouseStyle, low_contrast, read_style
from pipeline.wording.changes import Wording, check_value_names, read_wording
from pipeline.wording.values import InputValue, input_values
from pipeline.yamlfile import YamlDocument, read_yaml

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
PROFILE = "profile.yaml"
QUESTIONNAIRE = "questionnaire.yaml"
ASSESSMENT_FOLDER = "assessment"


@dataclass
class AgencyInputs:
    """Everything read from `inputs/<slug>/`, validated."""

    slug: str
    folder: Path
    profile: dict[str, Any]
    questionnaire: dict[str, Any]
    respondents: list[Respondent] = field(default_factory=list)
    directory: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    style: HouseStyle | None = None  # the agency's reference document (profile `style:`)
    wording: Wording = field(default_factory=Wording)  # the agency's own wording (wording.yaml)

    @property
    def values(self) -> dict[str, InputValue]:
        """The printed values of profile.yaml and questionnaire.yaml, by field name."""
        national = directory.national_set(self.profile["agency"]["address"]["country"])
        day_first = conventions(national and national["language"])["day_first"]
        return input_values(input_files(self.profile, self.questionnaire), day_first)

    @property
    def packet_date(self) -> date:
        return date.fromisoformat(self.profile["packet"]["date"])


def agency_folder(path: Path) -> Path:
    """The agency folder a user named, refused if it is not a plain slug folder.

    `.` is the folder the command runs in, and `agencies/../lakeside-school` the folder it leads
    to: both are named by their full path. (Files an agency's inputs name are checked to stay
    inside the folder when they are read.)
    """
    if not path.name or ".." in path.parts:  # `.` and `..` have no name of their own
        path = path.resolve()
    if not SLUG.match(path.name):
        raise UsageError(
            f"{path}: '{path.name}' is not a valid agency slug "
            "(lower-case letters, digits and hyphens, starting with a letter or digit)"
        )
    if not path.is_dir():
        raise UsageError(f"{path}: no such agency folder")
    return path


def load_agency(path: Path) -> AgencyInputs:
    """Read and validate the agency's inputs; raise InputError listing every error."""
    folder = agency_folder(path)
    # Nothing is read before the folder is known to hold only the agency's own files: a link
    # could lead a reader (and the archive) outside it, and a FIFO would block it.
    foreign = not_own_files(folder)
    if foreign:
        raise InputError(foreign)
    finish(folder)  # an ingest killed while writing is completed or rolled back first
    found: list[Problem] = []  # every error and warning of the run
    # Each reader gives what it read and its problems: entries, records and settings are
    # checked row by row even when other rows broke the schema.
    profile_raw, profile = _valid(found, *_read(folder, PROFILE, "profile"))
    questionnaire_raw, questionnaire = _valid(found, *_read(folder, QUESTIONNAIRE, "questionnaire"))
    country = _country(profile_raw)
    listing_raw, listing = _valid(
        found, *_read_table(folder, "directory", directory.read_spreadsheet, country)
    )
    records, _ = _valid(found, *_read_table(folder, "training", training.read_spreadsheet, country))
    # What the profile gives validly, even when other fields of it are wrong.
    packet_date = (
        parse_date(consistency.lookup(profile_raw.data, ("packet", "date")))
        if profile_raw
        else None
    )
    agency_type = consistency.lookup(profile_raw.data, ("agency", "type")) if profile_raw else None
    respondents, respondent_problems = _read_respondents(folder, agency_type, packet_date)
    found += respondent_problems
    style = None
    # Checks that need other files run whenever those files are valid, so that one run
    # reports every problem it can.
    if questionnaire_raw:
        found += check_settings(questionnaire_raw)
    if questionnaire:
        found += training.check_requirements(questionnaire)
    if listing_raw:
        found += directory.check_entries(listing_raw, packet_date)
    if listing_raw and profile:
        found += language_warnings(listing_raw, profile.data["agency"]["languages"])
    if records:
        known = questionnaire.data if questionnaire else None
        found += training.check_records(records, known, packet_date)
    if profile:
        found += _logo_checks(folder, profile) + logo_warnings(profile)
        style, style_problems = _house_style(folder, profile)
        found += style_problems
        found += consistency.dates_after_packet(profile)
        found += consistency.national_resources_missing(profile)
    if profile and questionnaire:
        found += consistency.cross_checks(profile, questionnaire)
        found += consistency.missing_optional_facts(profile, questionnaire)
        found += consistency.emergency_number(profile, questionnaire)
        found += uncovered_element_warnings(profile, questionnaire)
        if listing or not listing_raw:  # valid, or no directory file at all
            found += consistency.directory_gaps(profile, listing)
            found += consistency.national_checked_after_packet(profile, listing)
    wording, wording_problems = read_wording(folder)
    found += wording_problems
    if profile and questionnaire:
        known = input_values(input_files(profile.data, questionnaire.data))
        found += check_value_names(wording, list(known))
    errors, warnings = errors_and_warnings(found)
    if errors:
        raise InputError(errors)
    return AgencyInputs(
        slug=folder.name,
        folder=folder,
        profile=profile.data,
        questionnaire=questionnaire.data,
        respondents=respondents,
        directory=listing.data if listing else {},
        training=records.data if records else {},
        warnings=sorted(warnings),
        files=sorted(path for path in folder.rglob("*") if path.is_file()),
        style=style,
        wording=wording,
    )


def not_own_files(folder: Path) -> list[Problem]:
    """A problem for every symbolic link, hard-linked file and special file (FIFO, device,
    socket) in the agency folder: only plain files and folders of its own are read."""
    found = []

    def unreadable(error: OSError) -> None:
        reason = f"cannot be read ({error.strerror}); {NOT_OWN_HINT}"
        found.append(Problem(str(error.filename), 1, 1, "", reason))

    for root, folders, files in os.walk(folder, onerror=unreadable):
        for name in sorted([*folders, *files]):
            path = Path(root) / name
            reason = _not_own(path.lstat())
            if reason:
                found.append(Problem(str(path), 1, 1, "", f"{reason}; {NOT_OWN_HINT}"))
    return found


NOT_OWN_HINT = "an agency folder holds only plain files and folders (copy the file in instead)"


def _not_own(status: os.stat_result) -> str | None:
    if stat.S_ISLNK(status.st_mode):
        return "refused: a symbolic link (it is not followed)"
    if stat.S_ISDIR(status.st_mode):
        return None
    if not stat.S_ISREG(status.st_mode):
        return "refused: a special file (a FIFO, device or socket), not a file of the agency's"
    if status.st_nlink > 1:
        return (
            f"refused: a hard link ({status.st_nlink} names for one file), which another folder "
            "may change"
        )
    return None


def input_files(profile: dict[str, Any], questionnaire: dict[str, Any]) -> list[tuple[str, Any]]:
    """The input files whose values the agency's wording may name, with their data."""
    return [(PROFILE, profile), (QUESTIONNAIRE, questionnaire)]


def _valid(
    found: list[Problem], document: YamlDocument | None, problems: list[Problem]
) -> tuple[YamlDocument | None, YamlDocument | None]:
    """What a reader read, and the same only if it has no error; its problems join `found`."""
    found += problems
    errors, _ = errors_and_warnings(problems)
    return document, (None if errors else document)


TABLE_SUFFIXES = (".yaml", *SHEET_SUFFIXES)
# Files that may hold a table: one whose name says directory or training in such a format is
# read, or named in a problem line; never ignored in silence.
TABLE_LIKE_SUFFIXES = (*TABLE_SUFFIXES, ".yml", ".json", ".xml", *SAVE_AS)


def _read_table(
    folder: Path, name: str, read_spreadsheet: Callable, country: str | None
) -> tuple[YamlDocument | None, list[Problem]]:
    """`<name>.yaml`, or a spreadsheet (`.csv`, `.xlsx`, `.xls`, `.ods`) checked against the same
    schema; problems for other files whose name says `name` and that are not read."""
    found, unread, notes = _table_files(folder, name)
    if len(found) > 1:
        names = " and ".join(path.name for path in found)
        return None, [Problem(str(found[-1]), 1, 1, "", f"both {names} exist; keep one")]
    if not found:
        return None, [*notes, *(_not_read(path, name, None) for path in unread)]
    path = found[0]
    notes += [_not_read(other, name, path) for other in unread]
    if path.suffix == ".yaml":
        document, problems = _read(folder, path.name, name)
        return document, [*notes, *problems]
    if not _inside(path, folder):
        return None, [Problem(str(path), 1, 1, "", "file links outside the agency folder")]
    document, problems = read_spreadsheet(path, str(path), country)
    document, schema_problems = schema.checked(document, name)
    return document, [*notes, *problems, *document.warnings, *schema_problems]


def _table_files(folder: Path, name: str) -> tuple[list[Path], list[Path], list[Problem]]:
    """The files `<name>.<suffix>` that are read (any letter case), the files whose name says
    `name` that are not, and warnings for a workbook left open in Excel or LibreOffice (and a
    problem for a folder named as the file should be)."""
    found, unread, notes = [], [], []
    for path in sorted(folder.iterdir()):
        lower = path.name.lower()
        if name not in lower:
            continue
        if path.is_dir():
            if path.stem.lower() == name and path.suffix.lower() in TABLE_SUFFIXES:
                kinds = ", ".join(f"{name}{suffix}" for suffix in TABLE_SUFFIXES)
                message = f"is a folder; {name} is read from a file: one of {kinds}"
                notes.append(Problem(str(path), 1, 1, "", message))
            continue
        if lower.startswith(("~$", ".~lock.")):
            opened = path.name.removeprefix("~$").removeprefix(".~lock.").rstrip("#")
            message = (
                f"{opened} is open in Excel or LibreOffice (this is its lock file); save and "
                "close it so that what is read is what you see"
            )
            notes.append(Problem(str(path), 1, 1, "", message, WARNING))
        elif lower.startswith("."):
            continue
        elif path.stem.lower() == name and path.suffix.lower() in TABLE_SUFFIXES:
            found.append(path)
        elif path.suffix.lower() in TABLE_LIKE_SUFFIXES:
            unread.append(path)
    return found, unread, notes


def _not_read(path: Path, name: str, read: Path | None) -> Problem:
    """A file whose name says directory or training that is not read: an error when no file of
    that name is read (it was surely meant to be), a warning beside the one that is."""
    accepted = ", ".join(f"{name}{suffix}" for suffix in TABLE_SUFFIXES)
    reason = refused_format(path)
    if read is not None:
        message = f"not read: the {name} is read from {read.name}"
        return Problem(str(path), 1, 1, "", message, WARNING)
    if path.stem.lower() == name and path.suffix.lower() == ".yml":
        reason = f"rename it {name}.yaml"
    elif reason is None:
        reason = f"name it {name} with one of these endings"
    return Problem(str(path), 1, 1, "", f"not read: the {name} is read from {accepted}; {reason}")


def _country(profile: YamlDocument | None) -> str | None:
    """The agency's country code, if its profile says (phone numbers in sheets depend on it)."""
    agency = profile.data.get("agency") if profile and isinstance(profile.data, dict) else None
    address = agency.get("address") if isinstance(agency, dict) else None
    country = address.get("country") if isinstance(address, dict) else None
    return country.upper() if isinstance(country, str) else None


def _read_respondents(
    folder: Path, agency_type: str | None, packet_date: date | None
) -> tuple[list[Respondent], list[Problem]]:
    """One answer set per file in assessment/, in file-name order, and their problems."""
    respondents, found = [], _unread_respondents(folder)
    for path in sorted((folder / ASSESSMENT_FOLDER).glob("*.yaml")):
        document, problems = _read(folder, str(path.relative_to(folder)), "assessment")
        if document is not None:
            problems += check_answers(document)
        found += problems
        if document is None or errors_and_warnings(problems)[0]:
            continue
        respondent, notes = read_respondent(document, agency_type, packet_date)
        found += notes
        respondents.append(respondent)
    return respondents, found


def _unread_respondents(folder: Path) -> list[Problem]:
    """A problem for an `assessment` that is a file, and a warning for each file in the folder
    that is not read as a respondent's (`ana.yml`, `ana.YAML`, `notes.txt`)."""
    place = folder / ASSESSMENT_FOLDER
    if place.exists() and not place.is_dir():
        message = "is a file; respondent files go into a folder named assessment"
        return [Problem(str(place), 1, 1, "", message)]
    unread = [
        path
        for path in sorted(place.iterdir() if place.is_dir() else [])
        if not path.name.startswith(".") and not (path.is_file() and path.suffix == ".yaml")
    ]
    message = "not read: each respondent's answers are a file ending in .yaml in assessment/"
    return [Problem(str(path), 1, 1, "", message, WARNING) for path in unread]


def _read(folder: Path, name: str, schema_name: str) -> tuple[YamlDocument | None, list[Problem]]:
    """One YAML input checked against its schema: what was read (None if nothing could be),
    and its problems, the reader's warnings (an encoding, say) among them."""
    path = folder / name
    display = str(path)
    if path.is_dir():
        message = f"is a folder; every agency needs a file named {name}"
        return None, [Problem(display, 1, 1, "", message)]
    if not path.is_file():
        return None, [Problem(display, 1, 1, "", f"file is missing; every agency needs {name}")]
    if not _inside(path, folder):
        return None, [Problem(display, 1, 1, "", "file links outside the agency folder")]
    document, problems = read_yaml(path, display)
    if document is None:
        return None, problems
    problems += document.warnings
    if not isinstance(document.data, dict):
        message = "expected a set of fields at the top of the file"
        return None, [*problems, document.problem((), message)]
    document, schema_problems = schema.checked(document, schema_name)
    return document, [*problems, *schema_problems]


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def _house_style(folder: Path, profile: YamlDocument) -> tuple[HouseStyle | None, list[Problem]]:
    """The reference document `style:` names: inside the agency folder, with every style."""
    name = profile.data.get("style")
    if not name:
        return None, []
    path = folder / name
    if not _inside(path, folder):
        return None, [profile.problem(("style",), f"expected a file inside {folder}, got {name!r}")]
    style, found = read_style(path, str(path))
    problems = [profile.problem(("style",), f"{name}: {problem.message}") for problem in found]
    if style is not None:  # only a person can choose better colours, so a warning
        problems += [profile.warning(("style",), f"{name}: {low}") for low in low_contrast(style)]
    return style, problems


def _logo_checks(folder: Path, profile: YamlDocument) -> list[Problem]:
    """The logo: a readable image inside the agency folder, not far larger than it prints."""
    logo = profile.data["agency"].get("logo")
    if not logo:
        return []
    field_path = ("agency", "logo")
    logo_path = folder / logo
    if not _inside(logo_path, folder):
        return [profile.problem(field_path, f"expected a file inside {folder}, got {logo!r}")]
    if not logo_path.is_file():
        return [profile.problem(field_path, f"no such file {logo_path}")]
    return images.check_image(logo_path, images.LOGO, profile, field_path)
