"""Asset-tag labels: the sheets they are printed on and where each label goes.

A sheet format is a grid of ``columns`` × ``rows`` labels on an A4 page, every size in
millimetres. The named formats are common A4 label sheets; a caller may change the label
size and the page margins of one, as long as every label still fits on the page. Printing
starts at ``start_position`` (1-based, counted row by row from the top left), so a sheet
whose first labels were already used can go through the printer again; the following pages
start at position 1.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

from services.inventory.domain.errors import InvalidLabelSheet, TooManyLabels

PAGE_WIDTH = 210.0  # A4, mm
PAGE_HEIGHT = 297.0
MAX_LABELS = 2000  # per request: 84 pages of 3 × 8
MIN_LABEL_WIDTH = 45.0  # mm: a Code 128 asset tag and its text still scan and read
MIN_LABEL_HEIGHT = 25.0


@dataclass(frozen=True)
class SheetFormat:
    """A grid of labels on an A4 page (mm): the first label's top left corner is at
    (``margin_left``, ``margin_top``), the next one along a row ``label_width +
    column_gap`` to the right, the next row ``label_height + row_gap`` lower."""

    name: str
    columns: int
    rows: int
    label_width: float
    label_height: float
    margin_top: float
    margin_left: float
    column_gap: float = 0.0
    row_gap: float = 0.0

    @property
    def per_sheet(self) -> int:
        return self.columns * self.rows

    def corner(self, slot: int) -> tuple[float, float]:
        """The top left corner (x, y) of position ``slot`` (0-based) on its page."""
        row, column = divmod(slot, self.columns)
        x = self.margin_left + column * (self.label_width + self.column_gap)
        y = self.margin_top + row * (self.label_height + self.row_gap)
        return x, y

    def check(self) -> SheetFormat:
        """This format, when every label fits on the page; else :class:`InvalidLabelSheet`."""
        if not MIN_LABEL_WIDTH <= self.label_width <= PAGE_WIDTH:
            raise InvalidLabelSheet(
                "label_width", f"must be {MIN_LABEL_WIDTH:g} to {PAGE_WIDTH:g} mm"
            )
        if not MIN_LABEL_HEIGHT <= self.label_height <= PAGE_HEIGHT:
            raise InvalidLabelSheet(
                "label_height", f"must be {MIN_LABEL_HEIGHT:g} to {PAGE_HEIGHT:g} mm"
            )
        right = self.margin_left + self.columns * self.label_width
        right += (self.columns - 1) * self.column_gap
        if right > PAGE_WIDTH + 1e-6:
            raise InvalidLabelSheet(
                "label_width",
                f"{self.columns} labels of {self.label_width:g} mm with a left margin of "
                f"{self.margin_left:g} mm end at {right:.1f} mm, beyond the page's "
                f"{PAGE_WIDTH:g} mm",
            )
        bottom = self.margin_top + self.rows * self.label_height
        bottom += (self.rows - 1) * self.row_gap
        if bottom > PAGE_HEIGHT + 1e-6:
            raise InvalidLabelSheet(
                "label_height",
                f"{self.rows} rows of {self.label_height:g} mm with a top margin of "
                f"{self.margin_top:g} mm end at {bottom:.1f} mm, beyond the page's "
                f"{PAGE_HEIGHT:g} mm",
            )
        return self


FORMATS = {
    # 3 × 7 of 63.5 × 38.1 mm (the Avery L7160 layout): 2.5 mm between columns.
    "a4-3x7": SheetFormat("a4-3x7", 3, 7, 63.5, 38.1, 15.15, 7.2, column_gap=2.5),
    # 3 × 8 of 70 × 36 mm, edge to edge across the page (the Avery 3490 layout).
    "a4-3x8": SheetFormat("a4-3x8", 3, 8, 70.0, 36.0, 4.5, 0.0),
}
SIZES = ("label_width", "label_height", "margin_top", "margin_left")


def sheet_format(name: str, **sizes: float | None) -> SheetFormat:
    """The named format with the given sizes (mm) in place of its own, checked."""
    if name not in FORMATS:
        raise InvalidLabelSheet("format", f"unknown format; one of {', '.join(FORMATS)}")
    changes = {size: float(value) for size, value in sizes.items() if value is not None}
    unknown = set(changes) - set(SIZES)
    if unknown:
        raise InvalidLabelSheet(sorted(unknown)[0], "not a size of a label sheet")
    return replace(FORMATS[name], **changes).check()


@dataclass(frozen=True)
class Label:
    """What one label shows: the tag (as a barcode and as text), the device, its site."""

    asset_tag: str
    category: str
    model: str
    site_code: str


@dataclass(frozen=True)
class LabelSheets:
    """Labels laid out on pages of one format, from ``start_position`` on the first page."""

    format: SheetFormat
    labels: tuple[Label, ...]
    start_position: int = 1
    qr: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.start_position <= self.format.per_sheet:
            raise InvalidLabelSheet(
                "start_position",
                f"must be 1 to {self.format.per_sheet} ({self.format.name} holds "
                f"{self.format.per_sheet} labels)",
            )
        if len(self.labels) > MAX_LABELS:
            raise TooManyLabels(MAX_LABELS, len(self.labels))

    @property
    def pages(self) -> int:
        used = self.start_position - 1 + len(self.labels)
        return max(1, -(-used // self.format.per_sheet))

    def placed(self) -> Iterator[tuple[int, float, float, Label]]:
        """(page, x, y, label) of each label in reading order: page 0-based, (x, y) its top
        left corner in mm."""
        for index, label in enumerate(self.labels, start=self.start_position - 1):
            page, slot = divmod(index, self.format.per_sheet)
            yield (page, *self.format.corner(slot), label)


def model_text(brand: str | None, model: str | None) -> str:
    return " ".join(part for part in (brand, model) if part)


def site_code(name: str, city: str) -> str:
    """A short code for a site, printed on its labels: the city's first three letters and
    the initials of the site's name (words of three letters or more), in capitals without
    accents: "Atelier de reconditionnement", Paris → ``PAR-AR``."""
    city_letters = [c for c in _ascii(city).upper() if c.isalpha()]
    initials = [word[0] for word in _ascii(name).upper().split() if len(word) >= 3]
    initials = [letter for letter in initials if letter.isalnum()][:3]
    return "-".join(part for part in ("".join(city_letters[:3]), "".join(initials)) if part)


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode("ascii")


@dataclass(frozen=True)
class Selection:
    """Which devices to label: exactly one of a donation, asset tags, a day of intake."""

    donation_id: str | None = None
    asset_tags: tuple[str, ...] | None = None
    received_since: date | None = None

    def __post_init__(self) -> None:
        given = [
            name
            for name in ("donation_id", "asset_tags", "received_since")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise InvalidLabelSheet(
                "donation_id",
                "give exactly one of donation_id, asset_tags and received_since",
            )
        if self.asset_tags is not None and len(self.asset_tags) > MAX_LABELS:
            raise TooManyLabels(MAX_LABELS, len(self.asset_tags))
