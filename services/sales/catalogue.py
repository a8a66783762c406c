"""The catalogue per site: inventory's availability events joined with the prices in force.

Eventually consistent: inventory stays the authority when it reserves.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.common.events.consumer import batchable
from services.common.events.envelope import CloudEvent
from services.common.unit_of_work import UnitOfWork
from services.common.upserts import upsert
from services.sales.models import CatalogueItem
from services.sales.prices import prices_in_force

_PRODUCT_FIELDS = (
    "family",
    "label",
    "category",
    "cosmetic_grade",
    "operator",
    "face_value_cents",
    "unit",
)


@batchable
def project_availability(uow: UnitOfWork, events: list[CloudEvent]) -> None:
    """Keep the newest count per (site, product): a late, older event changes nothing."""
    rows = [
        {
            "site_id": event.data["site_id"],
            "product_key": event.data["product"]["product_key"],
            **{name: event.data["product"].get(name) for name in _PRODUCT_FIELDS},
            "available": event.data["available"],
            "version": event.sequence,
        }
        for event in events
    ]
    upsert(uow.session, CatalogueItem, rows, keys=("site_id", "product_key"))


def site_catalogue(session, site_id: str, now: datetime) -> list[dict]:
    """Products the site can sell now, each with its price (None: not for sale yet)."""
    items = session.scalars(
        select(CatalogueItem)
        .where(CatalogueItem.site_id == site_id, CatalogueItem.available > 0)
        .order_by(CatalogueItem.family, CatalogueItem.product_key)
    ).all()
    prices = prices_in_force(session, now, [item.product_key for item in items])
    return [{"item": item, "price": prices.get(item.product_key)} for item in items]
