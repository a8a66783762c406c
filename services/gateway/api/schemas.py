"""The gateway's own request and response schemas (``/api/keys``, ``/api/me``)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.schemas import Strict, UtcDateTime
from services.common.tokens import ROLES


class KeyIn(Strict):
    name = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=120), validate.Regexp(r"^[^\x00-\x1f\x7f]+$")],
    )
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    partner_id = fields.UUID(
        load_default=None,
        metadata={"description": "Partner keys only: an existing, active partner."},
    )
    site_id = fields.UUID(
        load_default=None,
        metadata={"description": "Counter keys only: an existing, open counter site."},
    )


class KeyOut(Schema):
    id = fields.String()
    name = fields.String()
    role = fields.String()
    partner_id = fields.String(allow_none=True)
    site_id = fields.String(allow_none=True)
    hint = fields.String(metadata={"description": "The key's first characters."})
    created_at = UtcDateTime()
    rotated_at = UtcDateTime(allow_none=True)
    revoked_at = UtcDateTime(allow_none=True)


class IssuedKeyOut(KeyOut):
    key = fields.String(metadata={"description": "The secret: shown this once, never again."})


class KeyListArgs(Strict):
    include_revoked = fields.Boolean(load_default=False)


class KeyList(Schema):
    items = fields.List(fields.Nested(KeyOut))


class MeOut(Schema):
    key_id = fields.String()
    name = fields.String()
    role = fields.String()
    partner_id = fields.String(allow_none=True)
    site_id = fields.String(allow_none=True)
