"""The inventory side of the sale saga, on SQLite: all or nothing, commit, release, expiry."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from services.inventory import reservations, stock
from services.inventory.app import SERVICE as INVENTORY
from services.inventory.models import Card, Device, Reservation
from tests.support.inventory_stock import (
    cards_in_stock,
    devices_on_sale,
    donation,
    handle,
    order_cancelled,
    order_completed,
    order_placed,
    outbox,
)
from tests.support.inventory_workshop import add_site

PHONE_B = "device:smartphone:b"
CARD_5 = "card:orange:500"


@pytest.fixture
def runtime(sqlite_settings):
    runtime = INVENTORY.runtime(sqlite_settings("inventory"))
    yield runtime
    runtime.dispose()


@pytest.fixture
def site(runtime):
    return add_site(runtime, kind="counter")


def place(runtime, site, lines) -> dict:
    """Place an order; the data of inventory's answer (accepted or rejected)."""
    placed = order_placed(site, lines)
    handle(runtime, placed)
    answers = outbox(runtime, "inventory.reservation.accepted")
    answers += outbox(runtime, "inventory.reservation.rejected")
    return next(e["data"] for e in answers if e["data"]["order_id"] == placed.data["order_id"])


def figures(runtime, site, key) -> dict:
    with runtime.session_factory() as session:
        return stock.stored(session)[(site, key)]


def expire_all(runtime) -> int:
    with runtime.unit_of_work() as uow:
        count = reservations.expire_due(uow, datetime.now(UTC) + timedelta(hours=1))
        uow.commit()
    return count


def test_prefers_earliest_expiring_cards_and_never_expired_ones(runtime, site, card_code_keys):
    today = date.today()
    expiries = [today + timedelta(days=90), today - timedelta(days=1), today, None]
    cards_in_stock(runtime, card_code_keys, site, [(f"1234{i}", e) for i, e in enumerate(expiries)])

    accepted = place(runtime, site, [{"product_key": CARD_5, "quantity": 2}])

    with runtime.session_factory() as session:
        chosen = [session.get(Card, item["item_id"]).expiry_date for item in accepted["items"]]
    assert chosen == [today, today + timedelta(days=90)]


def test_reserves_all_lines_or_none_and_says_why_per_line(runtime, site, card_code_keys):
    devices_on_sale(runtime, site, 2)
    cards_in_stock(runtime, card_code_keys, site, [("99991", None)])
    before = figures(runtime, site, PHONE_B)

    rejected = place(
        runtime,
        site,
        [
            {"product_key": PHONE_B, "quantity": 2},
            {"product_key": CARD_5, "quantity": 3},
            {"product_key": "allowance:minutes", "quantity": 10},
        ],
    )

    assert [
        (line["product_key"], line["available"], line["reason"]) for line in rejected["lines"]
    ] == [
        (CARD_5, 1, "insufficient-stock"),
        ("allowance:minutes", 0, "insufficient-stock"),
    ]
    assert figures(runtime, site, PHONE_B) == before
    with runtime.session_factory() as session:
        assert set(session.scalars(select(Device.state).where(Device.site_id == site))) == {
            "available"
        }
        assert session.scalar(select(Reservation.state)) == "rejected"


def test_a_specific_device_is_reserved_once(runtime, site):
    device_id = devices_on_sale(runtime, site, 1)[0]
    line = {"product_key": PHONE_B, "quantity": 1, "device_id": device_id}
    first = place(runtime, site, [line])
    second = place(runtime, site, [line])
    assert [item["item_id"] for item in first["items"]] == [device_id]
    assert second["lines"][0]["reason"] == "device-unavailable"


def test_commit_sells_the_items_with_their_provenance(runtime, site):
    devices_on_sale(runtime, site, 2)
    received = donation(site, [{"kind": "allowance", "unit": "minutes", "quantity": 500}])
    handle(runtime, received)
    accepted = place(
        runtime,
        site,
        [
            {"product_key": PHONE_B, "quantity": 1},
            {"product_key": "allowance:minutes", "quantity": 60},
        ],
    )

    handle(runtime, order_completed(accepted))

    committed = outbox(runtime, "inventory.reservation.committed")
    assert len(committed) == 1
    items = committed[0]["data"]["items"]
    assert [(i["item_type"], i["quantity"]) for i in items] == [("device", 1), ("allowance", 60)]
    assert items[0]["partner_id"] is not None
    assert figures(runtime, site, PHONE_B)["sold"] == 1
    assert figures(runtime, site, "allowance:minutes")["sold"] == 60
    with runtime.session_factory() as session:
        assert session.get(Device, items[0]["item_id"]).state == "sold"


def test_cancellation_releases_the_items_and_tells_the_catalogue(runtime, site):
    devices_on_sale(runtime, site, 1)
    accepted = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])

    handle(runtime, order_cancelled(accepted["order_id"], site, accepted["reservation_id"]))

    released = outbox(runtime, "inventory.reservation.released")
    assert [e["data"]["reason"] for e in released] == ["beneficiary left"]
    assert figures(runtime, site, PHONE_B)["available"] == 1
    availability = [
        (e["sequence"], e["data"]["available"])
        for e in outbox(runtime, "inventory.availability.changed")
        if e["data"]["product"]["product_key"] == PHONE_B
    ]
    assert availability == [(1, 1), (2, 0), (3, 1)]  # made available, reserved, released


def test_expiry_releases_stock_and_emits_the_event_once(runtime, site):
    devices_on_sale(runtime, site, 1)
    accepted = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])

    assert expire_all(runtime) == 1
    assert expire_all(runtime) == 0

    expired = outbox(runtime, "inventory.reservation.expired")
    assert [e["data"]["reservation_id"] for e in expired] == [accepted["reservation_id"]]
    assert figures(runtime, site, PHONE_B)["available"] == 1
    assert figures(runtime, site, PHONE_B)["reserved"] == 0


def test_completion_after_expiry_leaves_the_reservation_expired(runtime, site):
    devices_on_sale(runtime, site, 1)
    accepted = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    expire_all(runtime)

    handle(runtime, order_completed(accepted))
    handle(runtime, order_cancelled(accepted["order_id"], site, accepted["reservation_id"]))

    assert outbox(runtime, "inventory.reservation.committed") == []
    assert outbox(runtime, "inventory.reservation.released") == []
    with runtime.session_factory() as session:
        assert session.scalar(select(Reservation.state)) == "expired"
    assert figures(runtime, site, PHONE_B)["available"] == 1


def test_a_reservation_not_yet_due_is_not_expired(runtime, site):
    devices_on_sale(runtime, site, 1)
    place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    with runtime.unit_of_work() as uow:
        assert reservations.expire_due(uow, datetime.now(UTC)) == 0


def test_cancellation_overtaking_its_order_makes_the_late_order_reserve_nothing(runtime, site):
    devices_on_sale(runtime, site, 1)
    placed = order_placed(site, [{"product_key": PHONE_B, "quantity": 1}])
    handle(runtime, order_cancelled(placed.data["order_id"], site))
    handle(runtime, placed)
    assert outbox(runtime, "inventory.reservation.accepted") == []
    assert figures(runtime, site, PHONE_B)["available"] == 1


def test_the_same_order_placed_twice_is_reserved_once(runtime, site):
    devices_on_sale(runtime, site, 2)
    placed = order_placed(site, [{"product_key": PHONE_B, "quantity": 1}])
    handle(runtime, placed)
    handle(runtime, order_placed(site, placed.data["lines"], order_id=placed.data["order_id"]))
    assert len(outbox(runtime, "inventory.reservation.accepted")) == 1
    assert figures(runtime, site, PHONE_B)["available"] == 1


def test_every_subscribed_event_type_has_a_handler():
    from services.common.events.topology import SUBSCRIPTIONS

    assert set(INVENTORY.handlers) == set(SUBSCRIPTIONS["inventory"])
