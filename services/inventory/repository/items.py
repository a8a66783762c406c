"""Items in SQL: the free devices and cards a request may take (``domain/allocation.py``),
and whether a lapsed reservation's items are all still free.

Items are locked with ``SKIP LOCKED``: an item another transaction is taking is simply not
offered (callers lock the stock figures first, in key order, which serialises competing
requests for one product and never forms a cycle).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from services.inventory.domain.allocation import Found
from services.inventory.domain.custody import CardState
from services.inventory.models import Card, Device, ReservedItem, StockLevel

# Every card sale runs it: built once (building a statement costs more than running it).
_CARDS_IN_STOCK = (
    select(Card.id, Card.partner_id, Card.donation_id)
    .where(
        Card.site_id == bindparam("site_id"),
        Card.product_key == bindparam("product_key"),
        Card.state == CardState.IN_STOCK,
        (Card.expiry_date.is_(None)) | (Card.expiry_date >= bindparam("today")),
        Card.id.not_in(bindparam("taken", expanding=True)),
    )
    .order_by(Card.expiry_date.asc().nulls_last(), Card.id)
    .limit(bindparam("quantity"))
    .with_for_update(skip_locked=True)
)


class Items:
    def __init__(self, session: Session) -> None:
        self.session = session

    def free_devices(
        self,
        site_id: str,
        product_key: str,
        taken: set[str],
        limit: int | None,
        device_id: str | None,
    ) -> list[Found]:
        """Available devices of ``product_key`` (or the one ``device_id``), locked, in order
        of availability."""
        query = (
            select(Device)
            .where(
                Device.site_id == site_id,
                Device.state == "available",
                Device.product_key == product_key,
                Device.id.not_in(taken),
            )
            .order_by(Device.state_changed_at, Device.id)
            .with_for_update(skip_locked=True)
        )
        query = query.where(Device.id == device_id) if device_id is not None else query.limit(limit)
        return [Found(d.id, d.partner_id, d.donation_id) for d in self.session.scalars(query)]

    def free_cards(
        self, site_id: str, product_key: str, today: date, taken: set[str], limit: int
    ) -> list[Found]:
        """Cards in stock of ``product_key``, earliest expiry first, locked."""
        parameters = {
            "site_id": site_id,
            "product_key": product_key,
            "today": today,
            "taken": list(taken),
            "quantity": limit,
        }
        return [
            Found(c.id, c.partner_id, c.donation_id)
            for c in self.session.execute(_CARDS_IN_STOCK, parameters)
        ]

    def still_free(
        self,
        site_id: str,
        items: Iterable[ReservedItem],
        levels: dict[str, StockLevel],
        today: date,
    ) -> bool:
        """Whether every one of ``items`` (a lapsed reservation's) could be held again now:
        its devices available and its cards in stock at ``site_id`` (locked), its allowances
        within what the site has left."""
        by_type: dict[str, list[str]] = {"device": [], "prepaid_card": []}
        amounts: dict[str, int] = {}
        for item in items:
            if item.item_type == "allowance":
                amounts[item.product_key] = amounts.get(item.product_key, 0) + item.quantity
            else:
                by_type[item.item_type].append(item.item_id)
        for key, amount in amounts.items():
            if key not in levels or levels[key].available < amount:
                return False
        devices = by_type["device"]
        if devices and len(self._free_devices(site_id, devices)) != len(devices):
            return False
        cards = by_type["prepaid_card"]
        return not cards or len(self._free_cards(site_id, cards, today)) == len(cards)

    def _free_devices(self, site_id: str, ids: list[str]) -> list[str]:
        return self.session.scalars(
            select(Device.id)
            .where(Device.id.in_(ids), Device.site_id == site_id, Device.state == "available")
            .with_for_update()
        ).all()

    def _free_cards(self, site_id: str, ids: list[str], today: date) -> list[str]:
        return self.session.scalars(
            select(Card.id)
            .where(
                Card.id.in_(ids),
                Card.site_id == site_id,
                Card.state == CardState.IN_STOCK,
                (Card.expiry_date.is_(None)) | (Card.expiry_date >= today),
            )
            .with_for_update()
        ).all()
