"""The facts sales' use cases raise; ``payload()`` is the one place a fact becomes its
contract payload (``services/common/events/contracts/sale_saga.py``, ``sale_check.py``).

``of(order)`` reads what it needs from any order (as placed, ``orders.NewOrder``, or as
stored): its id, site, reservation, version and so on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from services.sales.domain.environment import device_category, per_unit

# What a cancellation tells inventory. The reason typed at the counter is personal data (it
# may say why a person left): it stays in the order's ``end_reason``, which erasure clears,
# and never travels to inventory's records.
CANCELLED_IN_SALES = "cancelled in sales"
SALE_CHECK = "sale-check"  # the subject of the sale cross-check's events


@dataclass(frozen=True)
class _OrderFact:
    order_id: str
    site_id: str
    version: int

    @property
    def subject(self) -> str:
        return self.order_id

    @property
    def sequence(self) -> int:
        return self.version


@dataclass(frozen=True)
class OrderPlaced(_OrderFact):
    type: ClassVar[str] = "sales.order.placed"
    beneficiary_code: str
    placed_at: datetime
    lines: tuple[dict[str, Any], ...]

    @classmethod
    def of(cls, order) -> OrderPlaced:
        lines = tuple(
            {
                "line_id": line.id,
                "product_key": line.product_key,
                "quantity": line.quantity,
                "device_id": line.device_id,
            }
            for line in order.lines
        )
        return cls(
            order.id, order.site_id, order.version, order.beneficiary_code, order.placed_at, lines
        )

    def payload(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "site_id": self.site_id,
            "beneficiary_code": self.beneficiary_code,
            "placed_at": self.placed_at.isoformat(),
            "lines": list(self.lines),
        }


@dataclass(frozen=True)
class CompletionRequested(_OrderFact):
    """The counter asks inventory to commit what it reserved (no money yet)."""

    type: ClassVar[str] = "sales.order.completion_requested"
    reservation_id: str | None
    requested_at: datetime

    @classmethod
    def of(cls, order, requested_at: datetime) -> CompletionRequested:
        return cls(order.id, order.site_id, order.version, order.reservation_id, requested_at)

    def payload(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "site_id": self.site_id,
            "reservation_id": self.reservation_id,
            "requested_at": self.requested_at.isoformat(),
        }


@dataclass(frozen=True)
class SaleCompleted(_OrderFact):
    """Inventory committed the goods: the payment is recorded and the receipt numbered."""

    type: ClassVar[str] = "sales.order.completed"
    reservation_id: str | None
    beneficiary_code: str
    payment_method: str | None
    completed_at: datetime
    devices: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(cls, order) -> SaleCompleted:
        return cls(
            order.id,
            order.site_id,
            order.version,
            order.reservation_id,
            order.beneficiary_code,
            order.payment_method,
            order.completed_at,
            devices_avoided(order),
        )

    def payload(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "site_id": self.site_id,
            "reservation_id": self.reservation_id,
            "beneficiary_code": self.beneficiary_code,
            "payment_method": self.payment_method,
            "completed_at": self.completed_at.isoformat(),
            "devices": list(self.devices),
        }


def devices_avoided(order) -> tuple[dict[str, Any], ...]:
    """Each device item inventory reserved for the order, with its line's frozen avoided
    figures per unit (``environment.py``): what the partner impact counts."""
    lines = {line.id: line for line in order.lines}
    devices = []
    for item in order.reserved_items or ():
        line = lines.get(str(item["line_id"]))
        category = line and device_category(line.product_key)
        if category is None or line.impact_factor_version is None:
            continue
        devices.append(
            {
                "item_id": str(item["item_id"]),
                "category": category,
                "co2e_avoided_g": per_unit(line.co2e_avoided_g, line.quantity),
                "materials_avoided_g": per_unit(line.materials_avoided_g, line.quantity),
                "impact_factor_version": line.impact_factor_version,
            }
        )
    return tuple(devices)


@dataclass(frozen=True)
class OrderCancelled(_OrderFact):
    """Inventory releases what it holds for the order (the counter's reason stays here)."""

    type: ClassVar[str] = "sales.order.cancelled"
    reservation_id: str | None

    @classmethod
    def of(cls, order) -> OrderCancelled:
        return cls(order.id, order.site_id, order.version, order.reservation_id)

    def payload(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "site_id": self.site_id,
            "reservation_id": self.reservation_id,
            "reason": CANCELLED_IN_SALES,
        }


@dataclass(frozen=True)
class SaleDigestPublished:
    """The digest of the orders completed before ``cutoff``, for inventory to compare."""

    type: ClassVar[str] = "sales.sale_digest.published"
    cutoff: datetime
    buckets: tuple[dict[str, Any], ...]
    subject: str = SALE_CHECK

    @property
    def sequence(self) -> int:
        return int(self.cutoff.timestamp())

    def payload(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff.isoformat(), "buckets": list(self.buckets)}


@dataclass(frozen=True)
class SaleDigestItemised:
    """The order ids of the buckets inventory disputed (``cutoff`` as inventory sent it)."""

    type: ClassVar[str] = "sales.sale_digest.itemised"
    cutoff: str
    buckets: tuple[dict[str, Any], ...]
    sequence: int
    subject: str = SALE_CHECK

    def payload(self) -> dict[str, Any]:
        return {"cutoff": self.cutoff, "buckets": list(self.buckets)}
