"""Workbooks (.xlsx, openpyxl) whose cells hold typed values and never a formula.

Numbers stay numbers, dates are dates (with a date format), and text is always a string
cell: text a spreadsheet would read as a formula (a site named ``=HYPERLINK(...)``, a
partner named ``+cmd``) gets a leading apostrophe, as the CSV exports do, and the cell's
type is forced to text, so openpyxl never writes it as a formula. Each sheet is a table: a
bold header row, frozen, and column widths set.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE = "yyyy-mm-dd"
MONTH = "yyyy-mm"
INTEGER = "0"
DECIMAL = "#,##0.00"
KG = "#,##0.000"


@dataclass(frozen=True)
class Column:
    heading: str
    width: float = 14
    number_format: str | None = None


@dataclass(frozen=True)
class Formatted:
    """A value with its own number format, in a column of mixed figures."""

    value: object
    number_format: str


def formula_safe(text: str) -> str:
    """Text a spreadsheet would run as a formula, quoted with a leading apostrophe (the rule
    of the CSV exports and of the workbooks)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def inert(text: str) -> str:
    """Formula-safe text, without the control characters a workbook cannot hold."""
    return formula_safe(ILLEGAL_CHARACTERS_RE.sub("", text))


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def add_table(
    workbook: Workbook, title: str, columns: Sequence[Column], rows: Iterable[Sequence]
) -> Worksheet:
    """A sheet ``title`` with a frozen bold header row, the columns' widths and formats."""
    sheet = workbook.create_sheet(inert(title)[:31])
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        cell = _write(sheet, 1, index, column.heading)
        cell.font = bold
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row_number, row in enumerate(rows, start=2):
        for index, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            number_format = column.number_format
            if isinstance(value, Formatted):
                value, number_format = value.value, value.number_format
            cell = _write(sheet, row_number, index, value)
            if isinstance(value, date) and number_format is None:
                number_format = DATE
            if number_format and not isinstance(value, str):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    return sheet


def _write(sheet: Worksheet, row: int, column: int, value):
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = inert(value)
        cell.data_type = TYPE_STRING  # never "f": openpyxl reads a leading "=" as a formula
    elif isinstance(value, datetime):
        # xlsx has no time zones: the caller gives programme (civil) time
        cell.value = value.replace(tzinfo=None)
    else:
        cell.value = value  # int, float, date, bool or None (an empty cell)
    return cell


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
