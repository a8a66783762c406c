"""Schemas of ``GET /stock/discrepancies``."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.pagination import PageArgs
from services.common.schemas import UtcDateTime
from services.inventory.api.schemas.stock import product_key
from services.inventory.domain.discrepancies import KINDS


class DiscrepancyFilter(PageArgs):
    state = fields.String(load_default="open", validate=validate.OneOf(("open", "resolved", "all")))
    kind = fields.String(validate=validate.OneOf(KINDS))
    site_id = fields.UUID()
    product_key = product_key()


class DiscrepancyOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": f"one of {', '.join(KINDS)}"})
    site_id = fields.String(allow_none=True)
    product_key = fields.String(allow_none=True)
    figure = fields.String(
        allow_none=True, metadata={"description": "the figure that differs (stock kinds)"}
    )
    bucket = fields.String(
        allow_none=True, metadata={"description": "the bucket of order ids (sale-mismatch)"}
    )
    expected = fields.Integer(
        metadata={
            "description": "what the source says: the ledger, the items, the sum of the "
            "buckets, or sales' count of completed orders"
        }
    )
    found = fields.Integer(
        metadata={
            "description": "the stored figure, or inventory's count of committed reservations"
        }
    )
    detail = fields.Dict(
        allow_none=True,
        metadata={"description": "sale-mismatch: the hashes and the order ids on one side only"},
    )
    first_seen_at = UtcDateTime()
    last_seen_at = UtcDateTime()
    resolved_at = UtcDateTime(allow_none=True)
