"""Stock figures and the movements that change them.

A site holds each product in buckets: ``available`` (can be sold), ``reserved`` (held for an
order), ``sold``, ``in_transit`` (sent to another site, not yet received there) and
``written_off`` (scrapped, expired, voided, counted missing). ``received`` is the net amount
that came into the site. Every movement is balanced — what enters ``received`` equals what
enters the buckets — so ``received == available + reserved + sold + in_transit + written_off``
holds for every site and product, always, and the figures are the sum of the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from services.inventory.domain.errors import InventoryError

BUCKETS = ("available", "reserved", "sold", "in_transit", "written_off")


class UnbalancedMovement(ValueError):
    """A programming error: a movement that would break the stock invariant."""


class StockShortage(InventoryError):
    def __init__(self, product_key: str, bucket: str, missing: int) -> None:
        super().__init__(f"{product_key}: {missing} unit(s) missing from {bucket}.")
        self.product_key, self.bucket, self.missing = product_key, bucket, missing

    def details(self) -> dict:
        return {"product_key": self.product_key, "bucket": self.bucket, "missing": self.missing}


@dataclass(frozen=True)
class Deltas:
    received: int = 0
    available: int = 0
    reserved: int = 0
    sold: int = 0
    in_transit: int = 0
    written_off: int = 0

    def __post_init__(self) -> None:
        if self.received != sum(getattr(self, bucket) for bucket in BUCKETS):
            raise UnbalancedMovement(repr(self))

    def items(self) -> list[tuple[str, int]]:
        return [(field.name, getattr(self, field.name)) for field in fields(self)]


def _adjusted(n: int) -> Deltas:
    """Found units enter the site; missing ones are written off (never "un-received")."""
    return Deltas(received=n, available=n) if n >= 0 else Deltas(available=n, written_off=-n)


MOVEMENTS: dict[str, Callable[[int], Deltas]] = {
    "intake": lambda n: Deltas(received=n, available=n),
    "made_available": lambda n: Deltas(received=n, available=n),
    "reserved": lambda n: Deltas(available=-n, reserved=n),
    "released": lambda n: Deltas(available=n, reserved=-n),
    "expired": lambda n: Deltas(available=n, reserved=-n),
    "sold": lambda n: Deltas(reserved=-n, sold=n),
    "scrapped": lambda n: Deltas(available=-n, written_off=n),
    "card_expired": lambda n: Deltas(available=-n, written_off=n),
    "voided": lambda n: Deltas(available=-n, written_off=n),
    "dispatched": lambda n: Deltas(available=-n, in_transit=n),
    "delivered": lambda n: Deltas(received=-n, in_transit=-n),
    "arrived": lambda n: Deltas(received=n, available=n),
    "adjusted": _adjusted,
    "counted": _adjusted,
}


def movement(kind: str, quantity: int) -> Deltas:
    return MOVEMENTS[kind](quantity)


def apply(product_key: str, figures: dict[str, int], deltas: Deltas) -> dict[str, int]:
    """The figures after ``deltas``; :class:`StockShortage` if a bucket would go negative."""
    after = {name: figures[name] + delta for name, delta in deltas.items()}
    for bucket in BUCKETS:
        if after[bucket] < 0:
            raise StockShortage(product_key, bucket, -after[bucket])
    return after
