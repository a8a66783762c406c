"""The reserve use case on a fake unit of work: in-memory repositories, no database, no
broker (cosmicpython's manner). What it records is checked against the event contracts."""

from __future__ import annotations

import pytest

from services.inventory.domain.allocation import Found
from services.inventory.domain.commands import Reserve
from services.inventory.domain.events import (
    AvailabilityChanged,
    ReservationAccepted,
    ReservationRejected,
)
from services.inventory.domain.products import device_product
from services.inventory.domain.reservations import Request
from services.inventory.domain.stock import StockShortage
from services.inventory.handlers.reservations import reserve
from services.inventory.models import StockLevel
from services.inventory.repository.stock import FIGURES
from services.inventory.settings import Settings
from tests.unit.fakes import FakeUnitOfWork

SITE = "5e8c0b9a-0000-4000-8000-000000000001"
ORDER = "5e8c0b9a-0000-4000-8000-0000000000aa"
PHONE = device_product("smartphone", "B")
LINE, PARTNER, DONATION = (f"5e8c0b9a-0000-4000-8000-00000000000{n}" for n in (2, 3, 4))
DEVICE_1, DEVICE_2 = (f"5e8c0b9a-0000-4000-8000-0000000000d{n}" for n in (1, 2))


class FakeStock:
    def __init__(self) -> None:
        self.levels: dict[tuple[str, str], StockLevel] = {}
        self.ledger: list[dict] = []

    def put(self, site_id: str, product, available: int) -> None:
        level = StockLevel(
            id=f"level-{product.key}", site_id=site_id, product_key=product.key, version=1
        )
        level.family, level.label = product.family, product.label
        level.category, level.cosmetic_grade = product.category, product.cosmetic_grade
        for name in FIGURES:
            setattr(level, name, 0)
        level.received = level.available = available
        self.levels[(site_id, product.key)] = level

    def lock_levels(self, site_id, keys):
        found = {key: self.levels.get((site_id, key)) for key in sorted(set(keys))}
        return {key: level for key, level in found.items() if level is not None}

    def save_figures(self, level, changes) -> None:
        for name, value in changes.items():
            setattr(level, name, value)

    def append_movement(self, row) -> None:
        self.ledger.append(row)


class FakeItems:
    def __init__(self) -> None:
        self.devices: dict[str, list[Found]] = {}  # by product key, in order of availability

    def free_devices(self, site_id, product_key, taken, limit, device_id):
        free = [d for d in self.devices.get(product_key, []) if d.item_id not in taken]
        if device_id is not None:
            return [d for d in free if d.item_id == device_id]
        return free[:limit]

    def free_cards(self, site_id, product_key, today, taken, limit):
        return []


class FakeReservations:
    def __init__(self) -> None:
        self.rows: dict[str, tuple] = {}

    def exists_for(self, order_id: str) -> bool:
        return order_id in self.rows

    def add(self, reservation, items=()) -> None:
        self.rows[reservation.order_id] = (reservation, list(items))


class FakeCustody:
    def __init__(self) -> None:
        self.moves: list[tuple] = []

    def move(self, pairs, action, *, actor, note, **changes) -> None:
        self.moves.append((action, list(pairs)))


class FakeInventoryUnitOfWork(FakeUnitOfWork):
    def bind(self) -> None:
        self.stock = FakeStock()
        self.items = FakeItems()
        self.reservations = FakeReservations()
        self.custody = FakeCustody()


def consume(uow: FakeInventoryUnitOfWork, command: Reserve) -> None:
    """As the consumer runs an event handler: in its transaction, committed if it returns."""
    with uow:
        reserve(uow, command)
        uow.commit()


def order(quantity: int) -> Reserve:
    return Reserve(ORDER, SITE, (Request(LINE, PHONE.key, quantity),))


@pytest.fixture
def uow() -> FakeInventoryUnitOfWork:
    uow = FakeInventoryUnitOfWork(Settings())
    uow.stock.put(SITE, PHONE, available=2)
    uow.items.devices[PHONE.key] = [Found(DEVICE_1, PARTNER, DONATION), Found(DEVICE_2)]
    return uow


def test_reserves_the_order_when_the_stock_suffices(uow):
    consume(uow, order(2))

    accepted, changed = uow.facts[-1], uow.facts[0]
    assert isinstance(accepted, ReservationAccepted)
    payload = accepted.payload()
    assert payload["order_id"] == ORDER and payload["site_id"] == SITE
    assert [item["item_id"] for item in payload["items"]] == [DEVICE_1, DEVICE_2]
    assert payload["items"][0] == {
        "line_id": LINE,
        "item_type": "device",
        "item_id": DEVICE_1,
        "product_key": PHONE.key,
        "quantity": 1,
        "partner_id": PARTNER,
        "donation_id": DONATION,
    }
    assert isinstance(changed, AvailabilityChanged) and changed.payload()["available"] == 0
    level = uow.stock.levels[(SITE, PHONE.key)]
    assert (level.available, level.reserved) == (0, 2)
    assert uow.custody.moves == [("reserve", [("device", DEVICE_1), ("device", DEVICE_2)])]
    assert uow.reservations.rows[ORDER][0].state == "held"


def test_rejects_the_order_with_its_reasons_when_stock_is_short(uow):
    consume(uow, order(3))

    [rejected] = uow.facts
    assert isinstance(rejected, ReservationRejected)
    assert rejected.payload() == {
        "order_id": ORDER,
        "site_id": SITE,
        "lines": [
            {
                "line_id": LINE,
                "product_key": PHONE.key,
                "requested": 3,
                "available": 2,
                "reason": "insufficient-stock",
            }
        ],
    }
    assert uow.reservations.rows[ORDER][0].state == "rejected"
    assert uow.custody.moves == [] and uow.stock.ledger == []


def test_an_order_reserved_already_is_not_reserved_twice(uow):
    consume(uow, order(1))
    facts = list(uow.facts)
    consume(uow, order(1))
    assert uow.facts == facts


def test_nothing_is_committed_when_the_figures_refuse(uow):
    uow.stock.levels[(SITE, PHONE.key)].available = 0  # the items say 2, the figures 0

    with pytest.raises(StockShortage):
        consume(uow, order(2))

    assert uow.facts == [] and not uow.committed
