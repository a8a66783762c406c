"""Events published by the inventory service."""

from __future__ import annotations

from marshmallow import fields, validate

from services.common.events.contracts.base import Contract
from services.common.events.contracts.donations import HARDWARE_CATEGORIES

SITE_KINDS = ("workshop", "counter")
# The wire vocabulary of the refurbishment workflow. The inventory domain defines the same
# values; a unit test keeps the two equal, so a domain change cannot silently break consumers.
DEVICE_STATES = (
    "received",
    "diagnosing",
    "wiping",
    "repairing",
    "grading",
    "available",
    "scrapped",
)
COSMETIC_GRADES = ("A", "B", "C")
FUNCTIONAL_GRADES = (1, 2, 3)
SANITISATION_LEVELS = ("clear", "purge", "destroy")


class SiteOpened(Contract):
    site_id = fields.UUID(required=True)
    name = fields.String(required=True)
    city = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(SITE_KINDS))


class SiteStatusChanged(Contract):
    """A site closed (``open`` false: no new donations there, its counter keys stop) or
    reopened; subject the site, sequence its version."""

    site_id = fields.UUID(required=True)
    open = fields.Boolean(required=True)
    at = fields.AwareDateTime(required=True)


class DeviceReceived(Contract):
    device_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    category = fields.String(required=True, validate=validate.OneOf(HARDWARE_CATEGORIES))
    donation_id = fields.UUID(required=True)
    partner_id = fields.UUID(required=True)
    line_id = fields.UUID(required=True)


class DeviceTransitioned(Contract):
    """What every workflow event carries: the device, its provenance and the move.

    ``sequence`` is the device's version. No personal data: no operator names, no notes,
    no serial numbers or IMEIs.
    """

    device_id = fields.UUID(required=True)
    asset_tag = fields.String(required=True)
    site_id = fields.UUID(required=True)
    partner_id = fields.UUID(required=True)
    donation_id = fields.UUID(required=True)
    category = fields.String(required=True, validate=validate.OneOf(HARDWARE_CATEGORIES))
    from_state = fields.String(required=True, validate=validate.OneOf(DEVICE_STATES))
    to_state = fields.String(required=True, validate=validate.OneOf(DEVICE_STATES))
    occurred_at = fields.AwareDateTime(required=True)


class DeviceDiagnosisStarted(DeviceTransitioned):
    pass


class DeviceDiagnosed(DeviceTransitioned):
    """Every function was tested; the failed ones are listed."""

    failed_functions = fields.List(fields.String(), required=True)
    battery_health_percent = fields.Integer(
        required=True, allow_none=True, validate=validate.Range(min=0, max=100)
    )


class DeviceWiped(DeviceTransitioned):
    level = fields.String(required=True, validate=validate.OneOf(SANITISATION_LEVELS))
    method = fields.String(required=True)
    verification_method = fields.String(required=True)
    certificate_sha256 = fields.String(required=True, validate=validate.Length(equal=64))


class DeviceRepaired(DeviceTransitioned):
    parts_count = fields.Integer(required=True, validate=validate.Range(min=0))
    labour_minutes = fields.Integer(required=True, validate=validate.Range(min=0))
    cost_cents = fields.Integer(required=True, validate=validate.Range(min=0))


class DeviceSentBackToRepair(DeviceTransitioned):
    pass


class DeviceMadeAvailable(DeviceTransitioned):
    """Refurbished and on sale: what the sales catalogue shows (label and note are checked
    against "like new" wording)."""

    brand = fields.String(required=True, allow_none=True)
    model = fields.String(required=True, allow_none=True)
    cosmetic_grade = fields.String(required=True, validate=validate.OneOf(COSMETIC_GRADES))
    functional_grade = fields.Integer(required=True, validate=validate.OneOf(FUNCTIONAL_GRADES))
    label = fields.String(required=True, allow_none=True)
    buyer_note = fields.String(required=True, allow_none=True)


class DeviceScrapped(DeviceTransitioned):
    """Sent to a WEEE recycler; ``from_state`` "available" means it left the catalogue."""

    reason = fields.String(required=True)
    recycler_name = fields.String(required=True)
    recycler_certificate_ref = fields.String(required=True)


CONTRACTS: dict[str, type[Contract]] = {
    "inventory.site.opened": SiteOpened,
    "inventory.site.status_changed": SiteStatusChanged,
    "inventory.device.received": DeviceReceived,
    "inventory.device.diagnosis_started": DeviceDiagnosisStarted,
    "inventory.device.diagnosed": DeviceDiagnosed,
    "inventory.device.wiped": DeviceWiped,
    "inventory.device.repaired": DeviceRepaired,
    "inventory.device.sent_back_to_repair": DeviceSentBackToRepair,
    "inventory.device.made_available": DeviceMadeAvailable,
    "inventory.device.scrapped": DeviceScrapped,
}
