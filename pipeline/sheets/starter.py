"""Starter workbooks: the format's header row, a sample row and drop-down lists."""

from __future__ import annotations

from pathlib import Path

from pipeline.sheets.grid import STARTER_LISTS_SHEET


def write_starter_workbook(
    path: Path, sheet_name: str, columns: tuple[str, ...], example: dict, lists: dict
) -> None:
    """A workbook with the format's header row, a sample row and drop-down lists per column.

    `lists` maps a column to the values offered; `open` columns accept other values too.
    Long lists live on a hidden sheet (an in-cell list holds at most 255 characters).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    sheet.append(list(columns))
    sheet.append([example.get(name, "") for name in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F0")
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="6B7280")
    sheet.freeze_panes = "A2"
    choices = workbook.create_sheet(STARTER_LISTS_SHEET)
    choices.sheet_state = "hidden"
    for number, (name, offered) in enumerate(lists.items(), start=1):
        letter = get_column_letter(number)
        choices.cell(1, number, name)
        for row, value in enumerate(offered["values"], start=2):
            choices.cell(row, number, value)
        last = len(offered["values"]) + 1
        validation = DataValidation(
            type="list",
            formula1=f"{STARTER_LISTS_SHEET}!${letter}$2:${letter}${last}",
            allow_blank=True,
            errorStyle="information" if offered.get("open") else "stop",
            showErrorMessage=True,
            error=offered.get("hint", f"Choose a value from the list for {name}."),
        )
        column = get_column_letter(columns.index(name) + 1)
        validation.add(f"{column}2:{column}2000")
        sheet.add_data_validation(validation)
    for number, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = max(14, len(name) + 4)
    workbook.properties.creator = "protocol packet builder"
    workbook.save(path)
