"""The base of every event contract."""

from __future__ import annotations

from marshmallow import RAISE, Schema


class Contract(Schema):
    """Event data: unknown fields are refused, on publish and on receipt."""

    class Meta:
        unknown = RAISE
