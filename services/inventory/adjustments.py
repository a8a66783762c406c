"""Adjustments and physical counts, with a reason, for fungible stock (allowances).

Devices and cards are counted item by item: a missing card is voided, a broken device
scrapped, each with its own record — so their figures are never adjusted by hand.
"""

from __future__ import annotations

from services.common.unit_of_work import UnitOfWork
from services.inventory import stock
from services.inventory.domain.errors import InventoryError
from services.inventory.domain.products import allowance_product, family_of
from services.inventory.models import Site, StockLevel


class NotAdjustable(InventoryError):
    def __init__(self, product_key: str) -> None:
        super().__init__(
            f"{product_key} is counted item by item: void a card or scrap a device instead."
        )


class UnknownStockSite(InventoryError):
    def __init__(self, site_id: str) -> None:
        super().__init__(f"No site {site_id}.")


def adjust(uow, site_id: str, product_key: str, quantity: int, reason: str, actor: str):
    """Add (found) or remove (lost, damaged) ``quantity`` units."""
    level = _allowance_level(uow, site_id, product_key)
    return stock.move(uow, level, "adjusted", quantity, reason=reason, actor=actor)


def count(uow: UnitOfWork, site_id: str, product_key: str, counted: int, reason: str, actor: str):
    """Record a physical count of the available units; the difference is the adjustment."""
    level = _allowance_level(uow, site_id, product_key)
    difference = counted - level.available
    return stock.move(uow, level, "counted", difference, reason=reason, actor=actor)


def _allowance_level(uow: UnitOfWork, site_id: str, product_key: str) -> StockLevel:
    if family_of(product_key) != "allowance":
        raise NotAdjustable(product_key)
    if uow.session.get(Site, site_id) is None:
        raise UnknownStockSite(site_id)
    unit = product_key.split(":", 1)[1]
    level = stock.existing_for_update(uow.session, site_id, product_key)
    return level or stock.level_for_update(uow.session, site_id, allowance_product(unit))
