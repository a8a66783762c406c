"""CloudEvents 1.0 envelope in structured JSON mode, validated against the event's contract.

``correlationid`` / ``causationid`` are extension attributes; ``sequence`` is the version of
the aggregate named by ``subject`` after the change (an integer, 1 for the first event).
``traceparent`` is the CloudEvents distributed-tracing extension (W3C Trace Context): the span
that wrote the event, which its consumer continues; optional (tracing off, older events).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from services.common import clock
from services.common.events.contracts import schema_for

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"


class InvalidEvent(ValueError):
    """The bytes or the fields do not make an event we know: never worth retrying."""


_TRACEPARENT = r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    specversion = fields.String(required=True, validate=validate.Equal(SPEC_VERSION))
    id = fields.UUID(required=True)
    source = fields.String(required=True, validate=validate.Length(min=1))
    type = fields.String(required=True, validate=validate.Length(min=1))
    time = fields.AwareDateTime(required=True, format="iso", default_timezone=UTC)
    subject = fields.String(required=True, validate=validate.Length(min=1))
    datacontenttype = fields.String(load_default="application/json")
    data = fields.Dict(required=True)
    correlationid = fields.String(required=True)
    causationid = fields.String(allow_none=True, load_default=None)
    sequence = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    traceparent = fields.String(load_default=None, validate=validate.Regexp(_TRACEPARENT))


_ENVELOPE = EnvelopeSchema()


@dataclass(frozen=True)
class CloudEvent:
    type: str
    source: str
    subject: str
    data: dict[str, Any]
    sequence: int
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=clock.now)
    correlationid: str = ""
    causationid: str | None = None
    traceparent: str | None = None

    def __post_init__(self) -> None:
        if not self.correlationid:
            object.__setattr__(self, "correlationid", self.id)

    def to_dict(self) -> dict[str, Any]:
        body = {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time.astimezone(UTC).isoformat(),
            "subject": self.subject,
            "datacontenttype": "application/json",
            "data": self.data,
            "correlationid": self.correlationid,
            "causationid": self.causationid,
            "sequence": self.sequence,
        }
        if self.traceparent:
            body["traceparent"] = self.traceparent
        return body

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)


def new_event(
    event_type: str,
    *,
    source: str,
    subject: str,
    data: dict[str, Any],
    sequence: int,
    correlationid: str | None = None,
    causationid: str | None = None,
    traceparent: str | None = None,
) -> CloudEvent:
    """Build an event whose data is checked (and normalised) by its contract."""
    try:
        normalised = schema_for(event_type).dump(schema_for(event_type).load(data))
    except KeyError as exc:
        raise InvalidEvent(f"unknown event type {event_type!r}") from exc
    except ValidationError as exc:
        raise InvalidEvent(f"{event_type} data invalid: {exc.messages}") from exc
    return CloudEvent(
        type=event_type,
        source=source,
        subject=subject,
        data=normalised,
        sequence=sequence,
        correlationid=correlationid or "",
        causationid=causationid,
        traceparent=traceparent,
    )


def parse_event(body: bytes | str) -> CloudEvent:
    """Decode and validate an event received from the broker; :class:`InvalidEvent` if not."""
    try:
        raw = json.loads(body)
    except (ValueError, TypeError) as exc:
        raise InvalidEvent(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise InvalidEvent("an event must be a JSON object")
    try:
        envelope = _ENVELOPE.load(raw)
    except ValidationError as exc:
        raise InvalidEvent(f"envelope invalid: {exc.messages}") from exc
    event_type = envelope["type"]
    try:
        schema = schema_for(event_type)
    except KeyError as exc:
        raise InvalidEvent(f"unknown event type {event_type!r}") from exc
    try:
        schema.load(envelope["data"])
    except ValidationError as exc:
        raise InvalidEvent(f"{event_type} data invalid: {exc.messages}") from exc
    return CloudEvent(
        type=event_type,
        source=envelope["source"],
        subject=envelope["subject"],
        data=envelope["data"],
        sequence=envelope["sequence"],
        id=str(envelope["id"]),
        time=envelope["time"],
        correlationid=envelope["correlationid"],
        causationid=envelope["causationid"],
        traceparent=envelope["traceparent"],
    )
