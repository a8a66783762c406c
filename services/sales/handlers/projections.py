"""Projections of inventory's events into sales' own tables: the sites, and the catalogue
per site (inventory's availability joined, when read, with the prices in force).

Eventually consistent: inventory stays the authority when it reserves.
"""

from __future__ import annotations

from datetime import datetime

from services.common.events.consumer import batchable
from services.common.events.envelope import CloudEvent
from services.sales.repository import SalesUnitOfWork

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
def project_site(uow: SalesUnitOfWork, events: list[CloudEvent]) -> None:
    """Keep the newest description of each site."""
    rows = [
        {
            "site_id": event.data["site_id"],
            "name": event.data["name"],
            "city": event.data["city"],
            "kind": event.data["kind"],
            "version": event.sequence,
        }
        for event in events
    ]
    uow.sites.keep_newest(rows)


@batchable
def project_availability(uow: SalesUnitOfWork, events: list[CloudEvent]) -> None:
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
    uow.catalogue.keep_newest(rows)


def site_catalogue(uow: SalesUnitOfWork, site_id: str, now: datetime) -> list[dict]:
    """Products the site can sell now, each with its price (None: not for sale yet)."""
    items = uow.catalogue.available_at(site_id)
    prices = uow.prices.in_force(now, [item.product_key for item in items])
    return [{"item": item, "price": prices.get(item.product_key)} for item in items]
