"""Schema pieces shared by every service's API."""

from __future__ import annotations

from marshmallow import RAISE, Schema


class Strict(Schema):
    """An input schema that refuses unknown fields: a client cannot slip in ids, states,
    prices or owners by sending them (writable fields are allow-listed)."""

    class Meta:
        unknown = RAISE
