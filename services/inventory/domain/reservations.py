"""The inventory side of the sale saga (DESIGN §4): all or nothing, then one outcome.

    held -> committed   (sales.order.completed)
         -> released    (sales.order.cancelled)
         -> expired     (no answer before expires_at; the worker's sweep)
    rejected            (some line could not be served: nothing was held)

An order is reserved once; a closed reservation never changes again, whatever arrives late:
a completion after the expiry leaves it expired (sales already has the ``expired`` outcome),
a cancellation after a commit or an expiry changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReservationState(StrEnum):
    HELD = "held"
    COMMITTED = "committed"
    RELEASED = "released"
    EXPIRED = "expired"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Request:
    """One order line: ``quantity`` units of a product, or one given device."""

    line_id: str
    product_key: str
    quantity: int
    device_id: str | None = None


@dataclass(frozen=True)
class Shortfall:
    line_id: str
    product_key: str
    requested: int
    available: int
    reason: str

    def as_contract(self) -> dict:
        return {
            "line_id": self.line_id,
            "product_key": self.product_key,
            "requested": self.requested,
            "available": self.available,
            "reason": self.reason,
        }


def shortfall(request: Request, found: int) -> Shortfall | None:
    """Why a line cannot be served with ``found`` units, or None when it can."""
    if request.device_id is not None and request.quantity != 1:
        return Shortfall(
            request.line_id, request.product_key, request.quantity, found, "one-device"
        )
    if found >= request.quantity:
        return None
    reason = "device-unavailable" if request.device_id else "insufficient-stock"
    return Shortfall(request.line_id, request.product_key, request.quantity, found, reason)


def may_close(state: str) -> bool:
    """Only a held reservation takes an outcome; any later event leaves it as it is."""
    return state == ReservationState.HELD
