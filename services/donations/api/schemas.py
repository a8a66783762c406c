"""What donations' API accepts and returns. Writable fields are listed; nothing else passes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.common import clock
from services.common.authorization import PERSONAL, RedactsPersonalData
from services.common.events.contracts import HARDWARE_CATEGORIES, LINE_KINDS, PARTNER_KINDS
from services.common.pagination import PageArgs
from services.common.schemas import Strict, UtcDateTime
from services.donations.domain.errors import BadIdentifier
from services.donations.domain.identifiers import normalise_imei, normalise_serial
from services.donations.domain.lines import ALLOWANCE_UNITS, KIND_RULES, line_errors
from services.donations.domain.receipts import receipt_label, total_value_cents

MAX_IDENTIFIERS = 100_000
MAX_EXTRA_UNITS = 1_000  # units a line may receive beyond its announcement, said explicitly
_COUNT = validate.Range(min=0, max=10_000_000)
_AT_MOST_IDENTIFIERS = validate.Length(max=MAX_IDENTIFIERS)
_LINES = validate.Length(min=1, max=500)


class Normalised(fields.String):
    """A string field whose value is normalised (or refused) by a function."""

    def __init__(self, normalise, **kwargs) -> None:
        super().__init__(**kwargs)
        self.normalise = normalise

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return self.normalise(super()._deserialize(value, attr, data, **kwargs))
        except BadIdentifier as exc:
            raise ValidationError(str(exc)) from exc


# partners -------------------------------------------------------------------------------------


class ContactIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=160))
    role = fields.String(validate=validate.Length(max=120))
    email = fields.Email(validate=validate.Length(max=254))
    phone = fields.String(validate=validate.Regexp(r"^\+?[0-9 .()-]{6,40}$"))


class ContactOut(Schema):
    name = fields.String()
    role = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class PartnerIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=160))
    kind = fields.String(required=True, validate=validate.OneOf(PARTNER_KINDS))
    contacts = fields.List(fields.Nested(ContactIn), validate=validate.Length(max=50))


class PartnerPatch(Strict):
    name = fields.String(validate=validate.Length(min=1, max=160))
    kind = fields.String(validate=validate.OneOf(PARTNER_KINDS))
    contacts = fields.List(fields.Nested(ContactIn), validate=validate.Length(max=50))
    active = fields.Boolean(metadata={"description": "false deactivates; history is kept"})


class PartnerOut(RedactsPersonalData):
    """A partner is an organisation; its contacts are people (left out for auditor, workshop)."""

    id = fields.String()
    name = fields.String()
    kind = fields.String()
    active = fields.Boolean()
    deactivated_at = UtcDateTime(allow_none=True)
    contacts = fields.List(fields.Nested(ContactOut), metadata=PERSONAL)
    created_at = UtcDateTime()


class PartnerFilter(PageArgs):
    active = fields.Boolean()
    kind = fields.String(validate=validate.OneOf(PARTNER_KINDS))


class DeviceStagesOut(Schema):
    in_workshop = fields.Integer()
    refurbished = fields.Integer(metadata={"description": "made available after refurbishment"})
    scrapped = fields.Integer(metadata={"description": "sent to a WEEE recycler"})


class DonationImpactOut(DeviceStagesOut):
    donation_id = fields.String()
    devices_received = fields.Integer()
    devices_sold = fields.Integer(metadata={"description": "with avoided figures from sales"})
    co2e_kg = fields.Float(metadata={"description": "kg CO2e avoided, frozen at each sale"})
    materials_kg = fields.Float(metadata={"description": "kg raw materials avoided"})


class ImpactOut(Schema):
    partner_id = fields.String()
    devices_received = fields.Integer()
    devices = fields.Nested(DeviceStagesOut)
    donations = fields.List(fields.Nested(DonationImpactOut))
    devices_sold = fields.Integer()
    cards_sold = fields.Integer()
    people_reached = fields.Integer(metadata={"description": "distinct people, all cities"})
    people_reached_by_city = fields.Dict(keys=fields.String(), values=fields.Integer())
    co2e_kg = fields.Float(metadata={"description": "kg CO2e avoided by the devices sold"})
    materials_kg = fields.Float(metadata={"description": "kg raw materials avoided"})
    data_gb_donated = fields.Float(metadata={"description": "received (1 GB = 1000 MB)"})
    minutes_donated = fields.Integer(metadata={"description": "received voice minutes"})


# donations ------------------------------------------------------------------------------------


class CodeIn(Strict):
    """A card's code given with the announcement (sealed at once, never returned)."""

    serial = fields.String(required=True, validate=validate.Length(min=1, max=64))
    pin = fields.String(required=True, validate=validate.Length(min=1, max=64), load_only=True)
    expiry_date = fields.String(validate=validate.Length(max=10))


KINDS_DESCRIBED = (
    "; ".join(
        f"{kind}: requires {', '.join(sorted(rule.required)) or 'nothing more'}"
        + (f", may give {', '.join(sorted(rule.optional))}" if rule.optional else "")
        for kind, rule in KIND_RULES.items()
    )
    + " (422 naming the field otherwise; every kind takes quantity and declared_value_cents)"
)


class LineIn(Strict):
    """One announced line; which fields apply depends on ``kind`` (see ``domain/lines.py``)."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(LINE_KINDS),
        metadata={"description": KINDS_DESCRIBED},
    )
    quantity = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=10_000_000),
        metadata={"description": "cards, minutes, MB or devices; cents for funds"},
    )
    declared_value_cents = fields.Integer(strict=True, validate=_COUNT)
    category = fields.String(validate=validate.OneOf(HARDWARE_CATEGORIES))
    brand = fields.String(validate=validate.Length(min=1, max=80))
    model = fields.String(validate=validate.Length(min=1, max=120))
    declared_condition = fields.String(validate=validate.Length(min=1, max=120))
    serials = fields.List(
        Normalised(normalise_serial), validate=validate.Length(max=MAX_IDENTIFIERS)
    )
    imeis = fields.List(Normalised(normalise_imei), validate=validate.Length(max=MAX_IDENTIFIERS))
    operator = fields.String(validate=validate.Length(min=1, max=80))
    product_name = fields.String(validate=validate.Length(min=1, max=120))
    face_value_cents = fields.Integer(strict=True, validate=validate.Range(min=1, max=100_000))
    voice_minutes = fields.Integer(strict=True, validate=_COUNT)
    data_mb = fields.Integer(strict=True, validate=_COUNT)
    expiry_date = fields.Date()
    unit = fields.String(validate=validate.OneOf(ALLOWANCE_UNITS))
    validity_days = fields.Integer(strict=True, validate=validate.Range(min=1, max=3650))
    codes = fields.List(
        fields.Nested(CodeIn),
        validate=validate.Length(max=10_000),
        metadata={"description": "optional card codes; larger sets go as a file (…/codes)"},
    )

    @validates_schema
    def _fits_its_kind(self, line, **_kwargs) -> None:
        if errors := line_errors(line, clock.today()):
            raise ValidationError(errors)


class DonationIn(Strict):
    partner_id = fields.UUID(required=True)
    site_id = fields.UUID(required=True)
    lines = fields.List(
        fields.Nested(LineIn), required=True, validate=validate.Length(min=1, max=500)
    )


class DonationFilter(PageArgs):
    partner_id = fields.UUID()
    site_id = fields.UUID()
    state = fields.String(validate=validate.OneOf(("announced", "received")))


class LineOut(Schema):
    id = fields.String()
    kind = fields.String()
    category = fields.String(allow_none=True)
    brand = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    declared_condition = fields.String(allow_none=True)
    operator = fields.String(allow_none=True)
    product_name = fields.String(allow_none=True)
    face_value_cents = fields.Integer(allow_none=True)
    voice_minutes = fields.Integer(allow_none=True)
    data_mb = fields.Integer(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    unit = fields.String(allow_none=True)
    validity_days = fields.Integer(allow_none=True)
    declared_value_cents = fields.Integer(allow_none=True)
    expected_quantity = fields.Integer()
    received_quantity = fields.Integer(allow_none=True)
    difference = fields.Method("_difference", metadata={"description": "received - expected"})
    imeis = fields.Method("_imeis")
    serials = fields.Method("_serials")
    missing_identifiers = fields.Method("_missing")

    def _difference(self, line) -> int | None:
        if line.received_quantity is None:
            return None
        return line.received_quantity - line.expected_quantity

    def _imeis(self, line) -> list[str]:
        return [i.value for i in line.identifiers if i.scheme == "imei"]

    def _serials(self, line) -> list[str]:
        return [i.value for i in line.identifiers if i.scheme == "serial"]

    def _missing(self, line) -> list[str]:
        return [i.value for i in line.identifiers if i.received is False]


class DonationOut(Schema):
    id = fields.String()
    partner_id = fields.String()
    site_id = fields.String()
    state = fields.String()
    announced_at = UtcDateTime()
    received_at = UtcDateTime(allow_none=True)
    receipt_number = fields.Function(receipt_label)
    total_declared_value_cents = fields.Function(
        total_value_cents,
        metadata={
            "description": (
                "What the receipt totals, counted once the donation is received (0 before):"
                " each line that arrived at its declared value, a funds line at the cents"
                " received"
            )
        },
    )
    lines = fields.List(fields.Nested(LineOut))


class ExtraUnitIn(Strict):
    """One hardware unit that arrived beyond the announcement, known by its identifiers."""

    serial = Normalised(normalise_serial)
    imei = Normalised(normalise_imei)

    @validates_schema
    def _identified(self, unit, **_kwargs) -> None:
        if not unit:
            raise ValidationError("Give the unit's serial, its IMEI or both.")


class ExtraIn(Strict):
    quantity = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_EXTRA_UNITS),
        metadata={"description": f"units beyond the announcement (at most {MAX_EXTRA_UNITS})"},
    )
    units = fields.List(
        fields.Nested(ExtraUnitIn),
        validate=validate.Length(max=MAX_EXTRA_UNITS),
        metadata={"description": "hardware lines: one entry per extra unit; other kinds: none"},
    )


class ReceivedLineIn(Strict):
    line_id = fields.UUID(required=True)
    received_quantity = fields.Integer(
        required=True,
        strict=True,
        validate=_COUNT,
        metadata={"description": "at most the announced quantity, plus `extra.quantity`"},
    )
    extra = fields.Nested(
        ExtraIn,
        metadata={"description": "units that arrived beyond the announcement, said explicitly"},
    )
    declared_value_cents = fields.Integer(strict=True, validate=_COUNT)
    missing_identifiers = fields.List(
        fields.String(validate=validate.Length(min=1, max=64)),
        validate=validate.Length(max=MAX_IDENTIFIERS),
    )


class ReceptionIn(Strict):
    lines = fields.List(
        fields.Nested(ReceivedLineIn), required=True, validate=validate.Length(max=500)
    )


class UploadOut(Schema):
    accepted = fields.Integer(metadata={"description": "identifiers added to the line"})
    rows_read = fields.Integer()
