"""Events published by the donations service."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

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
    """The identified units (devices) of a line that arrived, in order: each ``[s, i]``, the
    index of its serial in the line's ``serials`` and of its IMEI in its ``imeis``, ``null``
    for the one it lacks (never both). Checked in one pass, without a nested schema: a
    reception may carry 100,000 of them."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> list:
        if not isinstance(value, list):
            raise ValidationError("Not a list of units.")
        for number, unit in enumerate(value):
            if not (
                isinstance(unit, list | tuple)
                and len(unit) == 2
                and all(_index(index) for index in unit)
                and (unit[0], unit[1]) != (None, None)
            ):
                raise ValidationError(f"Unit {number}: [serial index, IMEI index], not both null.")
        return value

    def _serialize(self, value: Any, attr, obj, **kwargs) -> Any:
        return value


def _index(index: Any) -> bool:
    return index is None or (type(index) is int and index >= 0)


class ReceivedLine(Contract):
    """One donation line as received, with its provenance; never a card code.

    ``quantity`` is what arrived (cards, minutes, MB, devices; cents for funds). ``serials``
    and ``imeis`` list only the identified items that arrived. ``units`` (optional, added
    after them: an additive change) says which of them make each identified unit that
    arrived, in order: ``[s, i]`` for ``serials[s]`` and ``imeis[i]`` (``null`` for the one
    it lacks). A consumer that finds it pairs identifiers by unit; one that does not pairs
    ``serials[n]`` with ``imeis[n]``, which is wrong when some units have one and not the
    other. Indexes rather than the values again: 93,000 identifiers make 4.4 MB of JSON,
    8.4 MB if each unit repeated its own.
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

    @validates_schema
    def _units_name_identifiers_of_the_line(self, line: dict, **_kwargs) -> None:
        serials, imeis = len(line.get("serials", ())), len(line.get("imeis", ()))
        for number, (serial, imei) in enumerate(line.get("units", ())):
            if (serial is not None and serial >= serials) or (imei is not None and imei >= imeis):
                raise ValidationError(f"Unit {number} names an identifier the line lacks.", "units")


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
