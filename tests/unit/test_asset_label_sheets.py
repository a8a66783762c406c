"""Label sheets in the domain: formats, positions from the start position, checks."""

import pytest

from services.inventory.domain.errors import InvalidLabelSheet, TooManyLabels
from services.inventory.domain.labels import (
    FORMATS,
    MAX_LABELS,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    Label,
    LabelSheets,
    Selection,
    sheet_format,
    site_code,
)


def labels(count: int) -> tuple[Label, ...]:
    return tuple(
        Label(f"CS-{n:06d}", "smartphone", "Apple iPhone 8", "PAR-AR") for n in range(count)
    )


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_named_format_fits_an_a4_page(name):
    sheet = FORMATS[name].check()
    right, bottom = sheet.corner(sheet.per_sheet - 1)
    assert right + sheet.label_width <= PAGE_WIDTH and bottom + sheet.label_height <= PAGE_HEIGHT


def test_labels_go_row_by_row_from_the_start_position_then_on_fresh_sheets():
    sheets = LabelSheets(FORMATS["a4-3x7"], labels(20), start_position=20)
    placed = list(sheets.placed())
    assert sheets.pages == 2
    assert [(page, round(x, 2), round(y, 2)) for page, x, y, _ in placed[:3]] == [
        (0, 73.2, 243.75),  # position 20: row 7, column 2
        (0, 139.2, 243.75),
        (1, 7.2, 15.15),  # the next sheet starts at its first position
    ]
    assert [label.asset_tag for *_, label in placed] == [label.asset_tag for label in labels(20)]


def test_a_changed_size_must_still_fit_the_page():
    assert sheet_format("a4-3x8", label_width=66, margin_left=6).label_width == 66
    with pytest.raises(InvalidLabelSheet) as refused:
        sheet_format("a4-3x8", label_width=66, margin_left=13)
    assert refused.value.details() == {"field": "label_width"}
    with pytest.raises(InvalidLabelSheet):
        sheet_format("a4-3x7", label_height=10)


@pytest.mark.parametrize("start", [0, 22])
def test_the_start_position_is_on_the_sheet(start):
    with pytest.raises(InvalidLabelSheet) as refused:
        LabelSheets(FORMATS["a4-3x7"], labels(1), start_position=start)
    assert refused.value.field == "start_position"


def test_at_most_max_labels_and_exactly_one_selection():
    with pytest.raises(TooManyLabels):
        LabelSheets(FORMATS["a4-3x8"], labels(MAX_LABELS + 1))
    with pytest.raises(InvalidLabelSheet):
        Selection()
    with pytest.raises(InvalidLabelSheet):
        Selection(donation_id="d", asset_tags=("CS-000001",))


def test_a_site_code_is_short_plain_capitals():
    assert site_code("Atelier de reconditionnement", "Paris") == "PAR-AR"
    assert site_code("Point d'accueil Île-de-France Sud", "Évry") == "EVR-PDI"
