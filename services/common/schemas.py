"""Schema pieces shared by every service's API."""

from __future__ import annotations

from datetime import UTC, date, datetime

from marshmallow import RAISE, Schema, ValidationError, fields

# Dates the APIs compute with (months added, offsets converted to UTC) stay this side of
# Python's year 1 and year 9999, where that arithmetic overflows.
YEARS = range(1900, 2201)


class Strict(Schema):
    """An input schema that refuses unknown fields: a client cannot slip in ids, states,
    prices or owners by sending them (writable fields are allow-listed)."""

    class Meta:
        unknown = RAISE


def in_calendar(value: date) -> None:
    """A validator for a ``Date`` or a ``DateTime`` field: a year within :data:`YEARS`."""
    if value.year not in YEARS:
        raise ValidationError(f"Give a year from {YEARS[0]} to {YEARS[-1]}.")


class UtcDateTime(fields.DateTime):
    """Answers carry the UTC offset even where SQLite returned a naive (UTC) datetime."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)
