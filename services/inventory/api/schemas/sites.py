"""The sites' request and response schemas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.common.events.contracts import SITE_KINDS
from services.common.schemas import Strict, UtcDateTime


class SiteIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    city = fields.String(required=True, validate=validate.Length(min=1, max=80))
    kind = fields.String(required=True, validate=validate.OneOf(SITE_KINDS))


class SitePatch(Strict):
    open = fields.Boolean(
        required=True,
        metadata={"description": "false closes the site: its counter keys stop working"},
    )


class SiteOut(Schema):
    id = fields.String()
    name = fields.String()
    city = fields.String()
    kind = fields.String()
    open = fields.Function(lambda site: site.closed_at is None)
    created_at = UtcDateTime()
    closed_at = UtcDateTime(allow_none=True)
