"""Which items serve a request at a site: the rule shared by reservations and transfers.

Devices of a product in order of availability, cards earliest expiry first (undated last,
expired never), allowances from the site's figures. Items are locked with ``SKIP LOCKED``:
an item another transaction is taking is simply not offered, so no request waits on an item
(callers lock the stock figures first, in key order, which serialises competing requests
for one product and never forms a cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from services.common import clock
from services.inventory.domain.custody import CardState
from services.inventory.domain.products import ITEM_TYPES
from services.inventory.domain.reservations import Request
from services.inventory.models import Card, Device, StockLevel


@dataclass(frozen=True)
class Pick:
    """An item (or an amount of an allowance) that serves a request."""

    request: Request
    item_type: str
    item_id: str
    quantity: int = 1
    partner_id: str | None = None
    donation_id: str | None = None


@dataclass(frozen=True)
class Served:
    """What was found for a request; ``picks`` is empty when too little was found."""

    picks: list[Pick]
    found: int


class Allocator:
    def __init__(self, session: Session, site_id: str, levels: dict[str, StockLevel], today: date):
        self.session, self.site_id, self.levels, self.today = session, site_id, levels, today
        self.taken: set[str] = set()
        self.amounts: dict[str, int] = {}

    def serve(self, request: Request) -> Served:
        family = ITEM_TYPES[request.product_key.split(":", 1)[0]]
        if family == "allowance":
            return self._allowance(request)
        if request.device_id is not None:
            query = self._device_query(request).where(Device.id == request.device_id)
            picks = self._devices(request, query)
        elif family == "device":
            picks = self._devices(request, self._device_query(request).limit(request.quantity))
        else:
            picks = self._cards(request)
        self.taken.update(pick.item_id for pick in picks)
        return Served(picks if len(picks) >= request.quantity else [], len(picks))

    def _device_query(self, request: Request) -> Select:
        return (
            select(Device)
            .where(
                Device.site_id == self.site_id,
                Device.state == "available",
                Device.product_key == request.product_key,
                Device.id.not_in(self.taken),
            )
            .order_by(Device.state_changed_at, Device.id)
            .with_for_update(skip_locked=True)
        )

    def _devices(self, request: Request, query: Select) -> list[Pick]:
        return [
            Pick(request, "device", d.id, partner_id=d.partner_id, donation_id=d.donation_id)
            for d in self.session.scalars(query)
        ]

    def _cards(self, request: Request) -> list[Pick]:
        parameters = {
            "site_id": self.site_id,
            "product_key": request.product_key,
            "today": self.today,
            "taken": list(self.taken),
            "quantity": request.quantity,
        }
        return [
            Pick(request, "prepaid_card", c.id, partner_id=c.partner_id, donation_id=c.donation_id)
            for c in self.session.execute(_CARDS_IN_STOCK, parameters)
        ]

    def _allowance(self, request: Request) -> Served:
        level = self.levels.get(request.product_key)
        key = request.product_key
        left = max(0, (level.available if level else 0) - self.amounts.get(key, 0))
        if level is None or left < request.quantity:
            return Served([], left)
        self.amounts[key] = self.amounts.get(key, 0) + request.quantity
        return Served([Pick(request, "allowance", level.id, quantity=request.quantity)], left)


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


def still_free(session: Session, site_id: str, items, levels: dict[str, StockLevel]) -> bool:
    """Whether every one of ``items`` (a lapsed reservation's) could be held again now: its
    devices available and its cards in stock at ``site_id`` (locked), its allowances within
    what the site has left."""
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
    today = clock.today()
    devices = by_type["device"]
    if devices:
        free = session.scalars(
            select(Device.id)
            .where(Device.id.in_(devices), Device.site_id == site_id, Device.state == "available")
            .with_for_update()
        ).all()
        if len(free) != len(devices):
            return False
    cards = by_type["prepaid_card"]
    if cards:
        free = session.scalars(
            select(Card.id)
            .where(
                Card.id.in_(cards),
                Card.site_id == site_id,
                Card.state == CardState.IN_STOCK,
                (Card.expiry_date.is_(None)) | (Card.expiry_date >= today),
            )
            .with_for_update()
        ).all()
        if len(free) != len(cards):
            return False
    return True
