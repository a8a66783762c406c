"""Products, families and solidarity prices.

A product is named by inventory's ``product_key`` (``device:<category>:<grade>``,
``card:<operator>:<face value cents>``, ``allowance:<unit>``), which is also the key of its
price-grid entry. An order line snapshots the unit prices and the grid version it was sold
at, so a later grid never changes a past sale.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.sales.domain.errors import NoPrice

FAMILIES = {"device": "device", "card": "prepaid_card", "allowance": "allowance"}


def family_of(product_key: str) -> str:
    return FAMILIES[product_key.split(":", 1)[0]]


@dataclass(frozen=True)
class Price:
    product_key: str
    market_cents: int
    solidarity_cents: int
    grid_version: int

    @property
    def saving_cents(self) -> int:
        return self.market_cents - self.solidarity_cents


@dataclass(frozen=True)
class PricedLine:
    product_key: str
    quantity: int
    price: Price

    @property
    def amount_cents(self) -> int:
        return self.quantity * self.price.solidarity_cents


def unpriced(product_keys: list[str], prices: dict[str, Price]) -> list[str]:
    return sorted({key for key in product_keys if key not in prices})


def priced_lines(wanted, prices: dict[str, Price]) -> list[PricedLine]:
    """Each wanted line (``product_key``, ``quantity``) at its price in force; refused as a
    whole when a product has none."""
    if missing := unpriced([line.product_key for line in wanted], prices):
        raise NoPrice(missing)
    return [PricedLine(one.product_key, one.quantity, prices[one.product_key]) for one in wanted]
