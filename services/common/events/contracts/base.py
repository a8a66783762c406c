"""The base of every event contract."""

from __future__ import annotations

from typing import ClassVar

from marshmallow import RAISE, Schema


class Contract(Schema):
    """Event data: unknown fields are refused, on publish and on receipt."""

    # A snapshot of its subject's state (the newest sequence wins at the consumer): of those
    # emitted in one transaction, only the last per subject is written to the outbox.
    latest_only: ClassVar[bool] = False

    class Meta:
        unknown = RAISE
