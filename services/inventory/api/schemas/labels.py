"""What a client sends to print asset-tag labels."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from services.common.schemas import Strict, in_calendar
from services.inventory.domain.labels import FORMATS, MAX_LABELS, PAGE_HEIGHT, PAGE_WIDTH

SOURCES = ("donation_id", "asset_tags", "received_since")
LARGEST_SHEET = max(sheet.per_sheet for sheet in FORMATS.values())


def millimetres(maximum: float, description: str) -> fields.Float:
    return fields.Float(
        allow_nan=False,
        validate=validate.Range(min=0, max=maximum),
        metadata={"description": f"{description}, in mm (the format's own when not given)."},
    )


class LabelsIn(Strict):
    """Exactly one of ``donation_id``, ``asset_tags`` and ``received_since``."""

    donation_id = fields.UUID(metadata={"description": "Every device of this donation."})
    asset_tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=20)),
        validate=validate.Length(min=1, max=MAX_LABELS),
        metadata={"description": f"These devices, in this order ({MAX_LABELS} at most)."},
    )
    received_since = fields.Date(
        validate=in_calendar,
        metadata={"description": "The devices received on this day (UTC) or later."},
    )
    format = fields.String(
        load_default="a4-3x8",
        validate=validate.OneOf(list(FORMATS)),
        metadata={"description": "The sheet: a4-3x7 (63.5 × 38.1 mm) or a4-3x8 (70 × 36 mm)."},
    )
    start_position = fields.Integer(
        strict=True,
        load_default=1,
        validate=validate.Range(min=1, max=LARGEST_SHEET),
        metadata={
            "description": "The first free label of the first sheet, 1-based, row by row "
            "from the top left (at most the labels of one sheet)."
        },
    )
    qr = fields.Boolean(
        load_default=False, metadata={"description": "Add a QR code of the tag to each label."}
    )
    label_width = millimetres(PAGE_WIDTH, "A label's width")
    label_height = millimetres(PAGE_HEIGHT, "A label's height")
    margin_top = millimetres(PAGE_HEIGHT, "The page's margin above the first row")
    margin_left = millimetres(PAGE_WIDTH, "The page's margin left of the first column")

    @validates_schema
    def _one_source(self, data: dict, **_: Any) -> None:
        given = [name for name in SOURCES if data.get(name) is not None]
        if len(given) != 1:
            message = "Give exactly one of donation_id, asset_tags and received_since."
            raise ValidationError(message, given[1] if len(given) > 1 else "donation_id")
