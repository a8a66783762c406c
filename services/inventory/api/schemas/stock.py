"""Schemas of the stock, card-custody, transfer and reservation APIs.

Inputs are allow-listed (unknown fields refused); clients never set ids, states, figures,
versions or times. Card outputs never carry a code, its ciphertext or its keyed hash.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common.authorization import PERSONAL, RedactsPersonalData
from services.common.events.contracts.sale_saga import PRODUCT_KEY
from services.common.pagination import PageArgs
from services.common.schemas import Strict, UtcDateTime
from services.inventory.api.schemas.devices import text
from services.inventory.domain.custody import CardState
from services.inventory.domain.products import FAMILIES
from services.inventory.domain.reservations import ReservationState
from services.inventory.domain.stock import MOVEMENTS

MAX_QUANTITY = 1_000_000


def product_key(**options: Any) -> fields.String:
    return fields.String(validate=[validate.Length(max=160), PRODUCT_KEY], **options)


def reason() -> fields.String:
    return text(500, required=True, metadata={"description": "why (kept in the ledger)"})


# stock ----------------------------------------------------------------------------------------
class StockFilter(PageArgs):
    site_id = fields.UUID()
    product_key = product_key()
    family = fields.String(validate=validate.OneOf(list(FAMILIES.values())))


class StockLevelOut(Schema):
    site_id = fields.String()
    product_key = fields.String()
    family = fields.String()
    label = fields.String()
    category = fields.String(allow_none=True)
    cosmetic_grade = fields.String(allow_none=True)
    operator = fields.String(allow_none=True)
    face_value_cents = fields.Integer(allow_none=True)
    unit = fields.String(allow_none=True)
    received = fields.Integer()
    available = fields.Integer()
    reserved = fields.Integer()
    sold = fields.Integer()
    in_transit = fields.Integer()
    written_off = fields.Integer()
    version = fields.Integer()
    updated_at = UtcDateTime()


class MovementFilter(PageArgs):
    site_id = fields.UUID()
    product_key = product_key()
    kind = fields.String(validate=validate.OneOf(list(MOVEMENTS)))
    reference = text(36)


class MovementOut(RedactsPersonalData):
    id = fields.Integer()
    site_id = fields.String()
    product_key = fields.String()
    kind = fields.String()
    received = fields.Integer()
    available = fields.Integer()
    reserved = fields.Integer()
    sold = fields.Integer()
    in_transit = fields.Integer()
    written_off = fields.Integer()
    reference = fields.String(allow_none=True)
    # Typed at a count or an adjustment (a counter's words may name someone).
    reason = fields.String(allow_none=True, metadata=PERSONAL)
    actor = fields.String()
    at = UtcDateTime()


class AdjustmentIn(Strict):
    site_id = fields.UUID(required=True)
    product_key = product_key(required=True)
    quantity = fields.Integer(
        required=True,
        strict=True,
        validate=[
            validate.Range(min=-MAX_QUANTITY, max=MAX_QUANTITY),
            validate.NoneOf([0], error="An adjustment changes something."),
        ],
        metadata={"description": "units found (positive) or lost (negative)"},
    )
    reason = reason()


class CountIn(Strict):
    site_id = fields.UUID(required=True)
    product_key = product_key(required=True)
    counted = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=0, max=MAX_QUANTITY)
    )
    reason = reason()


class AwaitingCodesFilter(Strict):
    site_id = fields.UUID()
    donation_id = fields.UUID()


class AwaitingCodesOut(Schema):
    line_id = fields.String()
    donation_id = fields.String()
    site_id = fields.String()
    product_key = fields.String()
    quantity = fields.Integer()
    codes_received = fields.Integer()
    awaiting = fields.Method("_awaiting")

    def _awaiting(self, line) -> int:
        return max(0, line.quantity - line.codes_received)


# transfers ------------------------------------------------------------------------------------
class TransferLineIn(Strict):
    """N units of a product, or one device by id (with its product key, quantity 1)."""

    line_id = fields.UUID(
        load_default=None,
        metadata={
            "description": "optional: your own id for this line, echoed when the transfer is "
            "refused (409: each short line named by it); default its position, 1, 2, …"
        },
    )
    product_key = product_key(required=True)
    quantity = fields.Integer(
        strict=True, load_default=1, validate=validate.Range(min=1, max=MAX_QUANTITY)
    )
    device_id = fields.UUID(load_default=None)


class TransferIn(Strict):
    from_site_id = fields.UUID(required=True)
    to_site_id = fields.UUID(required=True)
    lines = fields.List(
        fields.Nested(TransferLineIn), required=True, validate=validate.Length(min=1, max=200)
    )
    note = fields.String(validate=validate.Length(max=1000))

    @validates_schema
    def _sites(self, data: dict, **_: Any) -> None:
        if data.get("from_site_id") and data.get("from_site_id") == data.get("to_site_id"):
            raise ValidationError("A transfer goes from one site to another.", "to_site_id")


class TransferFilter(PageArgs):
    site_id = fields.UUID(metadata={"description": "sent from or to this site"})
    state = fields.String(validate=validate.OneOf(["in_transit", "received"]))


class TransferItemOut(Schema):
    item_type = fields.String()
    item_id = fields.String()
    product_key = fields.String()
    quantity = fields.Integer()


class TransferOut(Schema):
    id = fields.String()
    from_site_id = fields.String()
    to_site_id = fields.String()
    state = fields.String()
    note = fields.String(allow_none=True)
    dispatched_by = fields.String()
    dispatched_at = UtcDateTime()
    received_by = fields.String(allow_none=True)
    received_at = UtcDateTime(allow_none=True)
    items = fields.List(fields.Nested(TransferItemOut))


# cards ----------------------------------------------------------------------------------------
class CardFilter(PageArgs):
    site_id = fields.UUID()
    state = fields.String(validate=validate.OneOf([state.value for state in CardState]))
    product_key = product_key()
    donation_id = fields.UUID()


class CardOut(Schema):
    """A card in custody, without its code."""

    id = fields.String()
    site_id = fields.String()
    product_key = fields.String()
    serial = fields.String()
    expiry_date = fields.Date(allow_none=True)
    state = fields.String()
    donation_id = fields.String()
    partner_id = fields.String()
    line_id = fields.String()
    version = fields.Integer()
    created_at = UtcDateTime()
    state_changed_at = UtcDateTime()


class VoidIn(Strict):
    reason = reason()


class RevealArgs(Strict):
    wait = fields.Float(
        load_default=0,
        validate=validate.Range(min=0, max=60),
        metadata={"description": "seconds to wait for the sale to be committed (capped at 5)"},
    )


class RevealedCodeOut(Schema):
    card_id = fields.String()
    serial = fields.String()
    product_key = fields.String()
    expiry_date = fields.Date(allow_none=True)
    code = fields.String()


class RevealOut(Schema):
    order_id = fields.String()
    revealed_by = fields.String()
    site_id = fields.String()
    cards = fields.List(fields.Nested(RevealedCodeOut))


# reservations ---------------------------------------------------------------------------------
class ReservationFilter(PageArgs):
    order_id = fields.UUID()
    site_id = fields.UUID()
    state = fields.String(validate=validate.OneOf([state.value for state in ReservationState]))


class ReservedItemOut(Schema):
    line_id = fields.String()
    item_type = fields.String()
    item_id = fields.String()
    product_key = fields.String()
    quantity = fields.Integer()
    partner_id = fields.String(allow_none=True)
    donation_id = fields.String(allow_none=True)


class ReservationOut(RedactsPersonalData):
    id = fields.String()
    order_id = fields.String()
    site_id = fields.String()
    state = fields.String()
    expires_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    closed_at = UtcDateTime(allow_none=True)
    outcome_note = fields.String(
        allow_none=True,
        metadata={**PERSONAL, "description": "the counter's free-text cancellation reason"},
    )
    items = fields.List(fields.Nested(ReservedItemOut))
