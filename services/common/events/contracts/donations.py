"""Events published by the donations service."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

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


class IdentifiedUnits(fields.Field):
    """The identified units (devices) of a line that arrived, each ``{"serial": …, "imei":
    …}`` with one or both. Checked in one pass, without a nested schema: a reception may
    carry 100,000 of them, which a nested schema takes a second to load and dump."""

    SCHEMES = frozenset({"serial", "imei"})

    def _deserialize(self, value: Any, attr, data, **kwargs) -> list[dict[str, str]]:
        if not isinstance(value, list):
            raise ValidationError("Not a list of units.")
        for index, unit in enumerate(value):
            if not (
                isinstance(unit, dict)
                and unit
                and unit.keys() <= self.SCHEMES
                and all(isinstance(given, str) and given for given in unit.values())
            ):
                raise ValidationError(
                    f"Unit {index}: an object with a serial, an IMEI or both (strings)."
                )
        return value

    def _serialize(self, value: Any, attr, obj, **kwargs) -> Any:
        return value


class ReceivedLine(Contract):
    """One donation line as received, with its provenance; never a card code.

    ``quantity`` is what arrived (cards, minutes, MB, devices; cents for funds). ``serials``
    and ``imeis`` list only the identified items that arrived. ``units`` (optional, added
    after them: an additive change) lists the identified units that arrived, each with its
    serial and IMEI together; a consumer that finds it pairs identifiers by unit, never
    ``serials[i]`` with ``imeis[i]`` (wrong when some units have one and not the other).
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
    units = IdentifiedUnits()
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
