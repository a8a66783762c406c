"""One marshmallow schema per event type: the contracts between services.

Producers validate ``data`` before it enters the outbox, consumers validate it again on
receipt. A contract may gain optional fields; removing or retyping a field needs a new type.
"""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class Contract(Schema):
    class Meta:
        unknown = RAISE


# donations -------------------------------------------------------------------------------

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


# inventory -------------------------------------------------------------------------------

SITE_KINDS = ("workshop", "counter")


class SiteOpened(Contract):
    site_id = fields.UUID(required=True)
    name = fields.String(required=True)
    city = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SITE_KINDS))


class DeviceReceived(Contract):
    device_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    category = fields.String(required=True, validate=validate.OneOf(HARDWARE_CATEGORIES))
    donation_id = fields.UUID(required=True)
    partner_id = fields.UUID(required=True)
    line_id = fields.UUID(required=True)


EVENT_CONTRACTS: dict[str, type[Contract]] = {
    "donations.partner.registered": PartnerRegistered,
    "donations.donation.received": DonationReceived,
    "inventory.site.opened": SiteOpened,
    "inventory.device.received": DeviceReceived,
}

_INSTANCES = {event_type: contract() for event_type, contract in EVENT_CONTRACTS.items()}


def schema_for(event_type: str) -> Contract:
    """The contract instance of ``event_type``; ``KeyError`` if the type is unknown."""
    return _INSTANCES[event_type]
