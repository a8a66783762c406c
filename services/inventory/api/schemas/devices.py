"""The workshop API's schemas: what a client may send (allow-listed) and what it reads.

Inputs load into the domain's records; clients never set ids, states (except as the target of
a transition), versions or times of record.
"""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from services.common.authorization import PERSONAL, RedactsPersonalData
from services.common.events.contracts import HARDWARE_CATEGORIES
from services.common.pagination import PageArgs
from services.common.schemas import Strict, UtcDateTime, in_calendar
from services.inventory.domain import records as r
from services.inventory.domain.workflow import NEXT, State

STATES = [state.value for state in State]
SALE_STATES = ["reserved", "sold", "in_transit"]  # after the workshop (custody.py)


def text(max_length: int, **options: Any) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_length), **options)


def note() -> fields.String:
    return fields.String(validate=validate.Length(max=1000))


# inputs -------------------------------------------------------------------------------------


class DiagnosisIn(Strict):
    """Each function: pass, fail or not_applicable. All must be answered to leave diagnosing."""

    screen = fields.String(validate=validate.OneOf(r.RESULTS))
    battery = fields.String(validate=validate.OneOf(r.RESULTS))
    battery_health_percent = fields.Integer(
        strict=True, allow_none=True, validate=validate.Range(min=0, max=100)
    )
    charging = fields.String(validate=validate.OneOf(r.RESULTS))
    radio_wifi = fields.String(validate=validate.OneOf(r.RESULTS))
    camera = fields.String(validate=validate.OneOf(r.RESULTS))
    audio = fields.String(validate=validate.OneOf(r.RESULTS))
    buttons = fields.String(validate=validate.OneOf(r.RESULTS))
    storage = fields.String(validate=validate.OneOf(r.RESULTS))
    note = note()

    @post_load
    def _record(self, data: dict, **_: Any) -> r.Diagnosis:
        results = {name: data[name] for name in r.FUNCTIONS if name in data}
        return r.Diagnosis(results, data.get("battery_health_percent"), data.get("note"))


class OperatorIn(Strict):
    person = text(120, required=True)
    title = text(120, required=True)
    at = fields.AwareDateTime(required=True, validate=in_calendar)
    location = text(120, required=True)

    @post_load
    def _record(self, data: dict, **_: Any) -> r.Operator:
        return r.Operator(**data)


class WipeIn(Strict):
    """NIST SP 800-88 sanitisation record."""

    level = fields.String(required=True, validate=validate.OneOf(r.SANITISATION_LEVELS))
    method = fields.String(required=True, validate=validate.OneOf(r.SANITISATION_METHODS))
    tool = text(120, required=True)
    tool_version = text(40, required=True)
    verification_method = fields.String(
        required=True, validate=validate.OneOf(r.VERIFICATION_METHODS)
    )
    media_type = text(80, required=True, metadata={"example": "flash memory (eMMC)"})
    media_source = text(120, required=True, metadata={"example": "donated by partner"})
    destination = text(120, required=True, metadata={"example": "reuse (solidarity sale)"})
    sanitised_by = fields.Nested(OperatorIn, required=True)
    verified_by = fields.Nested(OperatorIn, required=True)
    note = note()

    @post_load
    def _record(self, data: dict, **_: Any) -> r.Wipe:
        return r.Wipe(**data)


class PartIn(Strict):
    name = text(120, required=True)
    quantity = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=100))
    reference = text(80)

    @post_load
    def _record(self, data: dict, **_: Any) -> r.Part:
        return r.Part(**data)


class RepairIn(Strict):
    parts = fields.List(fields.Nested(PartIn), load_default=list, validate=validate.Length(max=50))
    labour_minutes = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=10_000)
    )
    cost_cents = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=10_000_000)
    )
    note = note()

    @post_load
    def _record(self, data: dict, **_: Any) -> r.Repair:
        return r.Repair(**{**data, "parts": tuple(data["parts"])})


class GradeIn(Strict):
    """Cosmetic A/B/C; functional 1 (all works, battery >= 80 %), 2 (battery below 80 %),
    3 (a secondary function fails: say which in ``buyer_note``). Label and note are shown to
    buyers and may not say "like new"."""

    cosmetic = fields.String(required=True, validate=validate.OneOf(r.COSMETIC_GRADES))
    functional = fields.Integer(
        required=True, strict=True, validate=validate.OneOf(r.FUNCTIONAL_GRADES)
    )
    label = text(120)
    buyer_note = text(500)

    @post_load
    def _record(self, data: dict, **_: Any) -> r.Grade:
        return r.Grade(**data)


class ScrapIn(Strict):
    reason = text(500, required=True)
    recycler_name = text(160, required=True)
    recycler_certificate_ref = text(80, required=True)
    note = note()

    @post_load
    def _record(self, data: dict, **_: Any) -> r.Scrap:
        return r.Scrap(**data)


RECORD_FIELDS = ("diagnosis", "wipe", "repair", "grade", "scrap")


class TransitionIn(Strict):
    """Move to ``to``, handing in the record of the step this ends (if it has one)."""

    to = fields.String(required=True, validate=validate.OneOf(STATES))
    note = note()
    diagnosis = fields.Nested(DiagnosisIn, metadata={"description": "leaving diagnosing"})
    wipe = fields.Nested(WipeIn, metadata={"description": "leaving wiping"})
    repair = fields.Nested(RepairIn, metadata={"description": "leaving repairing"})
    grade = fields.Nested(GradeIn, metadata={"description": "grading -> available"})
    scrap = fields.Nested(ScrapIn, metadata={"description": "-> scrapped"})

    @post_load
    def _command(self, data: dict, **_: Any) -> dict:
        records = [data.pop(name) for name in RECORD_FIELDS if name in data]
        if len(records) > 1:
            raise ValidationError("Hand in one record: the one of the step this transition ends.")
        data["target"] = State(data.pop("to"))
        data["record"] = records[0] if records else None
        return data


class BulkTransitionIn(TransitionIn):
    identifiers = fields.List(
        text(64),
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "asset tags, IMEIs or serial numbers, as scanned"},
    )

    @validates_schema
    def _distinct(self, data: dict, **_: Any) -> None:
        seen = [identifier.strip().upper() for identifier in data.get("identifiers", [])]
        if len(set(seen)) != len(seen):
            raise ValidationError("Each device once.", "identifiers")


class DeviceFilter(PageArgs):
    donation_id = fields.UUID()
    site_id = fields.UUID()
    state = fields.String(validate=validate.OneOf(STATES + SALE_STATES))
    product_key = text(160)
    identifier = text(64, metadata={"description": "asset tag, IMEI or serial number"})


class QueueFilter(PageArgs):
    state = fields.String(validate=validate.OneOf(STATES))
    site_id = fields.UUID()
    category = fields.String(validate=validate.OneOf(HARDWARE_CATEGORIES))
    waiting_hours = fields.Integer(
        validate=validate.Range(min=0, max=24 * 366),
        metadata={"description": "only devices in their state for at least this long"},
    )


class CountsFilter(Strict):
    site_id = fields.UUID()
    per_site = fields.Boolean(load_default=False)


class ThroughputFilter(Strict):
    weeks = fields.Integer(
        load_default=12,
        validate=validate.Range(min=1, max=104),
        metadata={"description": "how many ISO weeks, this one included"},
    )
    site_id = fields.UUID()


class HashIn(Strict):
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-fA-F]{64}$"))


class FileIn(Strict):
    file = Upload(required=True)


# outputs ------------------------------------------------------------------------------------


class DeviceOut(Schema):
    id = fields.String()
    asset_tag = fields.String()
    site_id = fields.String()
    category = fields.String(validate=validate.OneOf(HARDWARE_CATEGORIES))
    brand = fields.String(allow_none=True)
    model = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)
    imei = fields.String(allow_none=True)
    state = fields.String()
    state_changed_at = UtcDateTime()
    version = fields.Integer()
    product_key = fields.String(allow_none=True)
    donation_id = fields.String()
    partner_id = fields.String()
    line_id = fields.String()
    created_at = UtcDateTime()


class DiagnosisOut(Schema):
    results = fields.Dict(keys=fields.String(), values=fields.String())
    battery_health_percent = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    recorded_at = UtcDateTime()


class OperatorOut(RedactsPersonalData):
    """Who sanitised or verified: the person's name is left out for auditor and workshop keys
    (the certificate PDF, issued once and hashed, still names them as NIST SP 800-88 asks)."""

    person = fields.String(metadata=PERSONAL)
    title = fields.String()
    at = UtcDateTime()
    location = fields.String()


def _operator(prefix: str) -> fields.Function:
    def read(wipe) -> dict:
        return {
            "person": getattr(wipe, f"{prefix}_by_person"),
            "title": getattr(wipe, f"{prefix}_by_title"),
            "at": getattr(wipe, f"{prefix}_at"),
            "location": getattr(wipe, f"{prefix}_location"),
        }

    return fields.Function(lambda wipe: OperatorOut().dump(read(wipe)))


class WipeOut(Schema):
    level = fields.String()
    method = fields.String()
    tool = fields.String()
    tool_version = fields.String()
    verification_method = fields.String()
    media_type = fields.String()
    media_source = fields.String()
    destination = fields.String()
    sanitised_by = _operator("sanitised")
    verified_by = _operator("verified")
    note = fields.String(allow_none=True)
    certificate_sha256 = fields.String()
    issued_at = UtcDateTime()


class PartOut(Schema):
    name = fields.String()
    quantity = fields.Integer()
    reference = fields.String(allow_none=True)


class RepairOut(Schema):
    parts = fields.List(fields.Nested(PartOut))
    labour_minutes = fields.Integer()
    cost_cents = fields.Integer()
    note = fields.String(allow_none=True)
    recorded_at = UtcDateTime()


class GradeOut(Schema):
    cosmetic = fields.String()
    functional = fields.Integer()
    label = fields.String(allow_none=True)
    buyer_note = fields.String(allow_none=True)
    recorded_at = UtcDateTime()


class ScrapOut(Schema):
    reason = fields.String()
    recycler_name = fields.String()
    recycler_certificate_ref = fields.String()
    note = fields.String(allow_none=True)
    recorded_at = UtcDateTime()


class DeviceDetailOut(DeviceOut):
    allowed_next_states = fields.Function(lambda device: list(NEXT.get(device.state, ())))
    diagnosis = fields.Nested(DiagnosisOut, allow_none=True)
    wipe = fields.Nested(WipeOut, allow_none=True)
    repairs = fields.List(fields.Nested(RepairOut))
    grade = fields.Nested(GradeOut, allow_none=True)
    scrap = fields.Nested(ScrapOut, allow_none=True)


class TransitionOut(Schema):
    version = fields.Integer()
    from_state = fields.String()
    to_state = fields.String()
    actor = fields.String()
    note = fields.String(allow_none=True)
    at = UtcDateTime()


class ScanResultOut(Schema):
    identifier = fields.String()
    outcome = fields.String(metadata={"description": "moved or refused"})
    device_id = fields.String(allow_none=True)
    asset_tag = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    etag = fields.String(allow_none=True)
    problem = fields.Dict(allow_none=True, metadata={"description": "why it was refused"})


class BulkOut(Schema):
    moved = fields.Integer()
    refused = fields.Integer()
    results = fields.List(fields.Nested(ScanResultOut))


class SiteCountsOut(Schema):
    site_id = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class CountsOut(Schema):
    site_id = fields.String(allow_none=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    per_site = fields.List(fields.Nested(SiteCountsOut))


class WeekThroughputOut(Schema):
    week = fields.Function(
        lambda row: "{}-W{:02d}".format(*row["starts_on"].isocalendar()[:2]),
        metadata={"description": "ISO week, e.g. 2026-W48 (UTC)"},
    )
    starts_on = fields.Date(metadata={"description": "its Monday"})
    made_available = fields.Integer(metadata={"description": "devices out of the workshop"})
    scrapped = fields.Integer()


class ThroughputOut(Schema):
    site_id = fields.String(allow_none=True)
    made_available = fields.Integer(metadata={"description": "over the weeks listed"})
    scrapped = fields.Integer(metadata={"description": "over the weeks listed"})
    weeks = fields.List(fields.Nested(WeekThroughputOut), metadata={"description": "oldest first"})


class VerificationOut(Schema):
    valid = fields.Boolean()
    sha256 = fields.String()
    device_id = fields.String(allow_none=True)
    asset_tag = fields.String(allow_none=True)
    issued_at = UtcDateTime(allow_none=True)
