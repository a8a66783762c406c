"""Events published by the inventory service."""

from __future__ import annotations

from marshmallow import fields, validate

from services.common.events.contracts.base import Contract
from services.common.events.contracts.donations import HARDWARE_CATEGORIES

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


CONTRACTS: dict[str, type[Contract]] = {
    "inventory.site.opened": SiteOpened,
    "inventory.device.received": DeviceReceived,
}
