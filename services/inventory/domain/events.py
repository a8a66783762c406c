"""The facts inventory's use cases raise: each becomes its contract event (``uow.record``),
and ``payload()`` is the one place where a fact is turned into that event's data.

``subject`` and ``sequence`` order the events of one thing: a reservation's by order id
(accepted or rejected 1, then its outcome), a device's and a site's by their version, a
stock figure's by the version of the figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from services.inventory.domain.products import Product
from services.inventory.domain.reservations import Shortfall


class HeldItem(Protocol):
    """An item a reservation holds (a reserved item row, or its in-memory twin)."""

    line_id: str
    item_type: str
    item_id: str
    product_key: str
    quantity: int
    partner_id: str | None
    donation_id: str | None


def _item(item: HeldItem) -> dict[str, Any]:
    return {
        "line_id": item.line_id,
        "item_type": item.item_type,
        "item_id": item.item_id,
        "product_key": item.product_key,
        "quantity": item.quantity,
        "partner_id": item.partner_id,
        "donation_id": item.donation_id,
    }


def _keyed_by(field: str) -> property:
    """A fact's ``subject``: its ``field``, the id of the thing whose events it orders."""
    return property(lambda fact: getattr(fact, field))


# the sale saga --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _ReservationFact:
    order_id: str
    reservation_id: str
    site_id: str

    subject = _keyed_by("order_id")

    def _identity(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "reservation_id": self.reservation_id,
            "site_id": self.site_id,
        }


@dataclass(frozen=True)
class ReservationAccepted(_ReservationFact):
    type: ClassVar[str] = "inventory.reservation.accepted"
    sequence: ClassVar[int] = 1
    expires_at: datetime
    items: Sequence[HeldItem]

    def payload(self) -> dict[str, Any]:
        return {
            **self._identity(),
            "expires_at": self.expires_at.isoformat(),
            "items": [_item(item) for item in self.items],
        }


@dataclass(frozen=True)
class ReservationRejected:
    type: ClassVar[str] = "inventory.reservation.rejected"
    sequence: ClassVar[int] = 1
    order_id: str
    site_id: str
    shortfalls: Sequence[Shortfall]

    subject = _keyed_by("order_id")

    def payload(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "site_id": self.site_id,
            "lines": [short.as_contract() for short in self.shortfalls],
        }


@dataclass(frozen=True)
class ReservationCommitted(_ReservationFact):
    """``sequence``: 2 committed in time, 3 after its expiry, 4 when asked again."""

    type: ClassVar[str] = "inventory.reservation.committed"
    committed_at: datetime
    after_expiry: bool
    items: Sequence[HeldItem]
    sequence: int

    def payload(self) -> dict[str, Any]:
        return {
            **self._identity(),
            "committed_at": self.committed_at.isoformat(),
            "after_expiry": self.after_expiry,
            "items": [_item(item) for item in self.items],
        }


@dataclass(frozen=True)
class CommitRefused(_ReservationFact):
    type: ClassVar[str] = "inventory.reservation.commit_refused"
    sequence: ClassVar[int] = 3
    reason: str
    refused_at: datetime

    def payload(self) -> dict[str, Any]:
        return {
            **self._identity(),
            "reason": self.reason,
            "refused_at": self.refused_at.isoformat(),
        }


@dataclass(frozen=True)
class ReservationReleased(_ReservationFact):
    type: ClassVar[str] = "inventory.reservation.released"
    sequence: ClassVar[int] = 2
    reason: str

    def payload(self) -> dict[str, Any]:
        return {**self._identity(), "reason": self.reason}


@dataclass(frozen=True)
class ReservationExpired(_ReservationFact):
    type: ClassVar[str] = "inventory.reservation.expired"
    sequence: ClassVar[int] = 2
    expired_at: datetime

    def payload(self) -> dict[str, Any]:
        return {**self._identity(), "expired_at": self.expired_at.isoformat()}


# stock, sites, devices ------------------------------------------------------------------------
@dataclass(frozen=True)
class AvailabilityChanged:
    type: ClassVar[str] = "inventory.availability.changed"
    site_id: str
    product: Product
    available: int
    sequence: int  # the figures' version

    @property
    def subject(self) -> str:
        return f"{self.site_id}:{self.product.key}"

    def payload(self) -> dict[str, Any]:
        return {
            "site_id": self.site_id,
            "product": self.product.as_contract(),
            "available": self.available,
        }


@dataclass(frozen=True)
class _SiteFact:
    site_id: str

    subject = _keyed_by("site_id")


@dataclass(frozen=True)
class SiteOpened(_SiteFact):
    type: ClassVar[str] = "inventory.site.opened"
    name: str
    city: str
    kind: str
    sequence: int

    def payload(self) -> dict[str, Any]:
        return {"site_id": self.site_id, "name": self.name, "city": self.city, "kind": self.kind}


@dataclass(frozen=True)
class SiteStatusChanged(_SiteFact):
    type: ClassVar[str] = "inventory.site.status_changed"
    open: bool
    at: datetime
    sequence: int

    def payload(self) -> dict[str, Any]:
        return {"site_id": self.site_id, "open": self.open, "at": self.at.isoformat()}


@dataclass(frozen=True)
class DeviceReceived:
    type: ClassVar[str] = "inventory.device.received"
    device_id: str
    site_id: str
    category: str
    donation_id: str
    partner_id: str
    line_id: str
    sequence: int

    subject = _keyed_by("device_id")

    def payload(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            "site_id": self.site_id,
            "category": self.category,
            "donation_id": self.donation_id,
            "partner_id": self.partner_id,
            "line_id": self.line_id,
        }


@dataclass(frozen=True)
class DeviceMoved:
    """A workflow transition: ``inventory.device.<fact>`` (``workflow.transition`` names the
    fact); ``provenance`` carries the device's identity and origin, ``details`` what the
    step's record adds."""

    fact: str
    device_id: str
    provenance: dict[str, Any]
    from_state: str
    to_state: str
    occurred_at: datetime
    details: dict[str, Any]
    sequence: int

    @property
    def type(self) -> str:
        return f"inventory.device.{self.fact}"

    subject = _keyed_by("device_id")

    def payload(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id,
            **self.provenance,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "occurred_at": self.occurred_at.isoformat(),
            **self.details,
        }


@dataclass(frozen=True)
class SaleDigestDisputed:
    type: ClassVar[str] = "inventory.sale_digest.disputed"
    subject: ClassVar[str] = "sale-check"
    cutoff: str
    buckets: Sequence[str]
    sequence: int

    def payload(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff, "buckets": list(self.buckets)}
