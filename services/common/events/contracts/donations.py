"""Events published by the donations service."""

from __future__ import annotations

from marshmallow import fields, validate

from services.common.events.contracts.base import Contract

PARTNER_KINDS = ("telecom_operator", "manufacturer", "company", "public_body", "round_up_programme")
HARDWARE_CATEGORIES = (
    "smartphone",
    "feature_phone",
    "laptop",
    "desktop",
    "tablet",
    "mobile_internet_key",
    "accessory",
)
LINE_KINDS = ("hardware_lot", "prepaid_cards", "allowance", "funds")


class PartnerRegistered(Contract):
    partner_id = fields.UUID(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(PARTNER_KINDS))


class ReceivedLine(Contract):
    """One donation line as received, with its provenance; never a card code.

    ``quantity`` is what arrived (cards, minutes, MB, devices; cents for funds). ``serials``
    and ``imeis`` list only the identified items that arrived.
    """

    line_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LINE_KINDS))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    declared_value_cents = fields.Integer(strict=True)
    category = fields.String(validate=validate.OneOf(HARDWARE_CATEGORIES))
    brand = fields.String()
    model = fields.String()
    declared_condition = fields.String()
    serials = fields.List(fields.String(), load_default=list)
    imeis = fields.List(fields.String(), load_default=list)
    operator = fields.String()
    product_name = fields.String()
    face_value_cents = fields.Integer(strict=True)
    voice_minutes = fields.Integer(strict=True)
    data_mb = fields.Integer(strict=True)
    expiry_date = fields.Date()
    unit = fields.String()
    validity_days = fields.Integer(strict=True)


class DonationReceived(Contract):
    donation_id = fields.UUID(required=True)
    partner_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    received_at = fields.AwareDateTime(required=True)
    lines = fields.List(fields.Nested(ReceivedLine), required=True)


class SealedCardCode(Contract):
    """A card code as inventory receives it: sealed, never in clear (see card_codes.py)."""

    code_id = fields.Integer(required=True, strict=True)
    serial = fields.String(required=True)
    expiry_date = fields.Date(allow_none=True)
    pin_hash = fields.String(required=True, validate=validate.Length(equal=64))
    nonce = fields.String(required=True)
    ciphertext = fields.String(required=True)


class CardCodesSealed(Contract):
    """Part ``part`` of ``parts`` of one sealed batch of a received prepaid-cards line."""

    donation_id = fields.UUID(required=True)
    partner_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    line_id = fields.UUID(required=True)
    batch_id = fields.UUID(required=True)
    wrapped_key = fields.String(required=True)
    part = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    parts = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    codes = fields.List(fields.Nested(SealedCardCode), required=True)


CONTRACTS: dict[str, type[Contract]] = {
    "donations.partner.registered": PartnerRegistered,
    "donations.donation.received": DonationReceived,
    "donations.card_codes.sealed": CardCodesSealed,
}
