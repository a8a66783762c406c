"""Discrepancies: where the stored stock figures disagree with what they are made of.

Three sources tell a site's figures for a product: the stored figures (``stock_levels``),
the ledger (the sum of its movements) and the items themselves (a device or a card counts in
the bucket of its state; an allowance's reserved, sold and in-transit amounts are the held
and committed reservations and the transfers on their way). Each difference is a
:class:`Finding`; so is a figure row where ``received`` is not the sum of the buckets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from services.inventory.domain.products import family_of
from services.inventory.domain.stock import BUCKETS

FIGURES = ("received", *BUCKETS)
STOCK_KINDS = ("ledger", "items", "identity")
SALE_MISMATCH = "sale-mismatch"
KINDS = (*STOCK_KINDS, SALE_MISMATCH)

# What the items can tell of each family's figures (an allowance has no items in stock).
ITEM_FIGURES = {
    "device": BUCKETS,
    "prepaid_card": BUCKETS,
    "allowance": ("reserved", "sold", "in_transit"),
}
DEVICE_BUCKETS = {
    "available": "available",
    "reserved": "reserved",
    "sold": "sold",
    "in_transit": "in_transit",
    "scrapped": "written_off",  # a device with a product was on sale, then scrapped
}
CARD_BUCKETS = {
    "in_stock": "available",
    "reserved": "reserved",
    "sold": "sold",
    "revealed": "sold",
    "in_transit": "in_transit",
    "expired": "written_off",
    "void": "written_off",
}

Key = tuple[str, str]  # (site id, product key)
Figures = Mapping[str, int]


@dataclass(frozen=True)
class Finding:
    kind: str
    expected: int
    found: int
    site_id: str | None = None
    product_key: str | None = None
    figure: str | None = None
    bucket: str | None = None
    detail: dict | None = field(default=None, compare=False, hash=False)

    @property
    def identity(self) -> tuple:
        """What makes it the same discrepancy from one round to the next."""
        return (self.kind, self.site_id, self.product_key, self.figure, self.bucket)


def stock_findings(
    stored: Mapping[Key, Figures], ledger: Mapping[Key, Figures], items: Mapping[Key, Figures]
) -> list[Finding]:
    """Every difference between the stored figures, the ledger and the items."""
    findings: list[Finding] = []
    for key in sorted(stored.keys() | ledger.keys() | items.keys()):
        figures = stored.get(key, {})
        findings += _against(key, "ledger", figures, ledger.get(key, {}), FIGURES)
        counted = ITEM_FIGURES[family_of(key[1])]
        findings += _against(key, "items", figures, items.get(key, {}), counted)
        findings += _identity(key, figures)
    return findings


def _against(key: Key, kind: str, figures: Figures, source: Figures, names) -> list[Finding]:
    return [
        Finding(kind, source.get(name, 0), figures.get(name, 0), *key, figure=name)
        for name in names
        if source.get(name, 0) != figures.get(name, 0)
    ]


def _identity(key: Key, figures: Figures) -> list[Finding]:
    buckets = sum(figures.get(name, 0) for name in BUCKETS)
    received = figures.get("received", 0)
    if received == buckets:
        return []
    return [Finding("identity", buckets, received, *key, figure="received")]
