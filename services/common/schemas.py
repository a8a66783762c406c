"""Schema pieces shared by every service's API."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import RAISE, Schema, fields


class Strict(Schema):
    """An input schema that refuses unknown fields: a client cannot slip in ids, states,
    prices or owners by sending them (writable fields are allow-listed)."""

    class Meta:
        unknown = RAISE


class UtcDateTime(fields.DateTime):
    """Answers carry the UTC offset even where SQLite returned a naive (UTC) datetime."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
