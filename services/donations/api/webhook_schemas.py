"""What the webhooks API accepts and returns. A signing secret appears in two answers only:
the registration's and the rotation's."""

from __future__ import annotations

import json

from marshmallow import Schema, fields, validate

from services.common.pagination import PageArgs
from services.common.schemas import Strict, UtcDateTime
from services.donations.domain.webhook_catalogue import CATALOGUE_VERSION, SUBSCRIBABLE
from services.donations.domain.webhooks import MAX_URL_LENGTH

KINDS_DOC = {"description": "Event kinds of the catalogue (GET /webhooks/catalogue)."}
URL_DOC = {"description": "https only; its host may resolve to public addresses only."}
_KIND = fields.String(validate=validate.OneOf(SUBSCRIBABLE))
_KINDS_COUNT = validate.Length(min=1, max=len(SUBSCRIBABLE))
_URL_LENGTH = validate.Length(min=1, max=MAX_URL_LENGTH)
_DESCRIPTION_LENGTH = validate.Length(max=500)


class WebhookIn(Strict):
    partner_id = fields.UUID(metadata={"description": "an admin names it; a partner's own"})
    url = fields.String(required=True, validate=_URL_LENGTH, metadata=URL_DOC)
    kinds = fields.List(_KIND, required=True, validate=_KINDS_COUNT, metadata=KINDS_DOC)
    description = fields.String(load_default="", validate=_DESCRIPTION_LENGTH)


class WebhookPatch(Strict):
    url = fields.String(validate=_URL_LENGTH, metadata=URL_DOC)
    kinds = fields.List(_KIND, validate=_KINDS_COUNT, metadata=KINDS_DOC)
    description = fields.String(validate=_DESCRIPTION_LENGTH)
    enabled = fields.Boolean(
        metadata={"description": "true re-enables a disabled endpoint; false disables it"}
    )


class WebhookFilter(PageArgs):
    partner_id = fields.UUID()


class WebhookOut(Schema):
    id = fields.String()
    partner_id = fields.String()
    url = fields.String()
    description = fields.String()
    kinds = fields.List(fields.String())
    state = fields.String(metadata={"description": "active or disabled"})
    disabled_reason = fields.String(allow_none=True)
    failing_since = UtcDateTime(allow_none=True)
    previous_secret_until = UtcDateTime(
        allow_none=True, metadata={"description": "until then both secrets sign"}
    )
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class WebhookWithSecretOut(WebhookOut):
    secret = fields.String(
        metadata={"description": "whsec_…: shown this once; keep it to verify signatures"}
    )


class AttemptOut(Schema):
    attempted_at = UtcDateTime()
    status = fields.Integer(allow_none=True)
    failure = fields.String(
        allow_none=True,
        metadata={"description": "timeout, connect, refused, http_status or gone"},
    )
    error = fields.String(allow_none=True)
    latency_ms = fields.Integer()


class DeliveryOut(Schema):
    id = fields.String(metadata={"description": "the webhook-id, the same on every attempt"})
    kind = fields.String()
    state = fields.String(metadata={"description": "pending, delivered or failed"})
    item_count = fields.Integer()
    attempts = fields.Integer()
    created_at = UtcDateTime()
    next_attempt_at = UtcDateTime(allow_none=True)
    delivered_at = UtcDateTime(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    last_failure = fields.String(allow_none=True)
    last_error = fields.String(allow_none=True)
    last_latency_ms = fields.Integer(allow_none=True)
    attempt_log = fields.List(fields.Nested(AttemptOut))
    payload = fields.Method("_payload", metadata={"description": "the body sent"})

    def _payload(self, delivery) -> dict:
        return json.loads(delivery.body)


class DeliveryFilter(PageArgs):
    state = fields.String(validate=validate.OneOf(("pending", "delivered", "failed")))


class EventKindOut(Schema):
    name = fields.String()
    version = fields.String()
    description = fields.String()
    item_fields = fields.List(fields.String())


class CatalogueOut(Schema):
    version = fields.String(metadata={"example": CATALOGUE_VERSION})
    signature = fields.String()
    kinds = fields.List(fields.Nested(EventKindOut))
