"""Which items serve a request at a site: the rule shared by reservations and transfers.

Devices of a product in order of availability, cards earliest expiry first (undated last,
expired never), allowances from the site's figures. The items come from a finder (the
repository), which offers only free items nobody else is taking (``SKIP LOCKED``), so no
request waits on an item; callers lock the stock figures first, in key order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from services.inventory.domain.products import ITEM_TYPES
from services.inventory.domain.reservations import Request, Shortfall, shortfall


@dataclass(frozen=True)
class Found:
    """A free item: its id and provenance."""

    item_id: str
    partner_id: str | None = None
    donation_id: str | None = None


class ItemFinder(Protocol):
    def free_devices(
        self,
        site_id: str,
        product_key: str,
        taken: set[str],
        limit: int | None,
        device_id: str | None,
    ) -> Iterable[Found]: ...

    def free_cards(
        self, site_id: str, product_key: str, today: date, taken: set[str], limit: int
    ) -> Iterable[Found]: ...


class Level(Protocol):
    id: str
    available: int


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


@dataclass
class Allocator:
    finder: ItemFinder
    site_id: str
    levels: Mapping[str, Level]
    today: date
    taken: set[str] = field(default_factory=set)
    amounts: dict[str, int] = field(default_factory=dict)

    def allocate(self, requests: Iterable[Request]) -> tuple[list[Pick], list[Shortfall]]:
        """Every request served, or the shortfalls of those that cannot be."""
        picks: list[Pick] = []
        shortfalls: list[Shortfall] = []
        for request in requests:
            served = self.serve(request)
            picks += served.picks
            if (short := shortfall(request, served.found)) is not None:
                shortfalls.append(short)
        return picks, shortfalls

    def serve(self, request: Request) -> Served:
        family = ITEM_TYPES[request.product_key.split(":", 1)[0]]
        if family == "allowance":
            return self._allowance(request)
        if request.device_id is not None or family == "device":
            limit = None if request.device_id is not None else request.quantity
            found = self.finder.free_devices(
                self.site_id, request.product_key, self.taken, limit, request.device_id
            )
            picks = [_pick(request, "device", item) for item in found]
        else:
            found = self.finder.free_cards(
                self.site_id, request.product_key, self.today, self.taken, request.quantity
            )
            picks = [_pick(request, "prepaid_card", item) for item in found]
        self.taken.update(pick.item_id for pick in picks)
        return Served(picks if len(picks) >= request.quantity else [], len(picks))

    def _allowance(self, request: Request) -> Served:
        level = self.levels.get(request.product_key)
        key = request.product_key
        left = max(0, (level.available if level else 0) - self.amounts.get(key, 0))
        if level is None or left < request.quantity:
            return Served([], left)
        self.amounts[key] = self.amounts.get(key, 0) + request.quantity
        return Served([Pick(request, "allowance", level.id, quantity=request.quantity)], left)


def _pick(request: Request, item_type: str, item: Found) -> Pick:
    return Pick(request, item_type, item.item_id, 1, item.partner_id, item.donation_id)
