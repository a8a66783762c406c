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
    """One donation line as received, with its provenance; never a card code."""

    line_id = fields.UUID(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LINE_KINDS))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    category = fields.String(validate=validate.OneOf(HARDWARE_CATEGORIES))
    brand = fields.String()
    model = fields.String()
    declared_condition = fields.String()
    serials = fields.List(fields.String(), load_default=list)


class DonationReceived(Contract):
    donation_id = fields.UUID(required=True)
    partner_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    received_at = fields.AwareDateTime(required=True)
    lines = fields.List(fields.Nested(ReceivedLine), required=True)


CONTRACTS: dict[str, type[Contract]] = {
    "donations.partner.registered": PartnerRegistered,
    "donations.donation.received": DonationReceived,
}
