"""Asset-tag labels as a PDF (fpdf2): each label's tag as a Code 128 barcode and as text,
the device's category and model, its site's code, and optionally a QR code of the tag.

The symbols come from well-kept libraries: python-barcode encodes Code 128 (code sets and
check symbol) into modules, segno encodes the QR code; this module only paints their dark
modules as filled rectangles, so the bars stay sharp at any printer resolution.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from barcode import Code128
from fpdf import FPDF
from fpdf.enums import RenderStyle
from segno import make_qr

from services.common.pdf import latin1
from services.inventory.domain.labels import Label, LabelSheets

PADDING = 2.5  # mm inside each label's edge, where printers drift
QUIET_ZONE = 10  # modules of white on each side of a Code 128 symbol (ISO/IEC 15417)
MAX_MODULE = 0.5  # mm: a wide label does not stretch the bars further
QR_BORDER = 4  # modules of white around the QR code: the quiet zone of ISO/IEC 18004
TEXT_BLOCK = 10.5  # mm under the barcode: the tag, the device, the site
FILL = RenderStyle.F  # the enum itself: fpdf2 converts a "F" on each of thousands of bars
# QR mask pattern: fixed, as ISO/IEC 18004 allows (a reader reads any of the eight); segno's
# choice of the best one takes 13 ms a code in pure Python, 26 s for 2,000 labels.
QR_MASK = 0


def render(sheets: LabelSheets, created_at: datetime) -> bytes:
    """The PDF: ``sheets.pages`` A4 pages, each label at its place on the sheet."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.set_creation_date(created_at)
    pdf.set_title(f"Asset tag labels ({sheets.format.name})")
    pdf.set_creator("Connexions solidaires - inventory")
    pdf.set_fill_color(0, 0, 0)
    pdf.set_text_color(0, 0, 0)
    placed = list(sheets.placed())
    for page in range(sheets.pages):
        pdf.add_page()
        for label_page, x, y, label in placed:
            if label_page == page:
                _label(pdf, label, x, y, sheets)
    return bytes(pdf.output())


def _label(pdf: FPDF, label: Label, x: float, y: float, sheets: LabelSheets) -> None:
    width, height = sheets.format.label_width, sheets.format.label_height
    left, top = x + PADDING, y + PADDING
    inner_width, inner_height = width - 2 * PADDING, height - 2 * PADDING
    area = inner_width
    if sheets.qr:
        side = min(inner_height, inner_width * 0.32)
        _qr(pdf, label.asset_tag, left + inner_width - side, top + (inner_height - side) / 2, side)
        area = inner_width - side - 1.5
    bar_height = inner_height - TEXT_BLOCK
    _code128(pdf, label.asset_tag, left, top, area, bar_height)
    line = top + bar_height + 0.8
    pdf.set_font("Helvetica", "B", 10)
    _text(pdf, label.asset_tag, left, line, area, 4.0)
    pdf.set_font("Helvetica", "", 7)
    device = f"{label.category.replace('_', ' ')} - {label.model}" if label.model else None
    _text(pdf, device or label.category.replace("_", " "), left, line + 3.9, area, 2.9)
    pdf.set_font("Helvetica", "B", 7)
    _text(pdf, label.site_code, left, line + 6.8, area, 2.9)


def _code128(pdf: FPDF, tag: str, x: float, y: float, width: float, height: float) -> None:
    """The tag's Code 128 symbol centred in ``width``, its quiet zones included."""
    modules = Code128(tag).build()[0]
    module = min(MAX_MODULE, width / (len(modules) + 2 * QUIET_ZONE))
    start = x + (width - len(modules) * module) / 2
    for first, count in _runs(module == "1" for module in modules):
        pdf.rect(start + first * module, y, count * module, height, style=FILL)


def _qr(pdf: FPDF, tag: str, x: float, y: float, side: float) -> None:
    matrix = [list(row) for row in make_qr(tag, error="m", mask=QR_MASK).matrix_iter(border=0)]
    module = side / (len(matrix) + 2 * QR_BORDER)
    for row, column, rows, columns in _blocks(matrix):
        left, top = x + (column + QR_BORDER) * module, y + (row + QR_BORDER) * module
        pdf.rect(left, top, columns * module, rows * module, style=FILL)


def _blocks(matrix: list[list[int]]) -> Iterator[tuple[int, int, int, int]]:
    """(row, column, rows, columns) rectangles covering the dark modules: each row's runs,
    a run repeated exactly on the rows below taken with it (a third of the rectangles)."""
    open_runs: dict[tuple[int, int], int] = {}  # (column, columns) -> first row
    for row_number, row in enumerate([*matrix, []]):
        runs = set(_runs(bool(dark) for dark in row))
        for run in [run for run in open_runs if run not in runs]:
            first = open_runs.pop(run)
            yield first, run[0], row_number - first, run[1]
        for run in runs:
            open_runs.setdefault(run, row_number)


def _runs(dark: Iterable[bool]) -> Iterator[tuple[int, int]]:
    """(first index, length) of each run of dark modules: one rectangle per bar."""
    first = None
    index = -1
    for index, is_dark in enumerate(dark):
        if is_dark and first is None:
            first = index
        elif not is_dark and first is not None:
            yield first, index - first
            first = None
    if first is not None:
        yield first, index + 1 - first


def _text(pdf: FPDF, text: str, x: float, y: float, width: float, height: float) -> None:
    """One line, cut with '...' when wider than ``width``."""
    text = latin1(text)
    if pdf.get_string_width(text) > width:
        while text and pdf.get_string_width(text + "...") > width:
            text = text[:-1]
        text += "..."
    pdf.set_xy(x, y)
    pdf.cell(width, height, text)
