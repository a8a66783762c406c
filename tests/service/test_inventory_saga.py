"""The inventory side of the sale saga, on SQLite: all or nothing, commit, release, expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from services.inventory.app import SERVICE as INVENTORY
from services.inventory.domain.commands import ExpireReservations
from services.inventory.handlers import reservations
from services.inventory.models import Card, Device, Reservation
from services.inventory.repository.stock import StockLevels
from tests.support.inventory_stock import (
    cards_in_stock,
    completion_requested,
    devices_on_sale,
    donation,
    handle,
    order_cancelled,
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
        return StockLevels(session).stored()[(site, key)]


def expire_all(runtime) -> int:
    with runtime.unit_of_work() as uow:
        count = reservations.expire_due(
            uow, ExpireReservations(datetime.now(UTC) + timedelta(hours=1))
        )
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

    handle(runtime, completion_requested(accepted))

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


def answers(runtime, kind: str) -> list[dict]:
    return [e["data"] for e in outbox(runtime, f"inventory.reservation.{kind}")]


def test_a_completion_after_expiry_takes_the_same_items_back_when_still_free(runtime, site):
    devices_on_sale(runtime, site, 2)
    accepted = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    expire_all(runtime)

    handle(runtime, completion_requested(accepted))

    [committed] = answers(runtime, "committed")
    assert committed["after_expiry"] is True
    assert committed["items"][0]["item_id"] == accepted["items"][0]["item_id"]
    with runtime.session_factory() as session:
        assert session.get(Device, accepted["items"][0]["item_id"]).state == "sold"
        assert session.scalar(select(Reservation.state)) == "committed"
    assert (
        figures(runtime, site, PHONE_B)["sold"],
        figures(runtime, site, PHONE_B)["available"],
    ) == (
        1,
        1,
    )


def test_a_completion_after_expiry_is_refused_when_the_items_went_to_someone_else(runtime, site):
    devices_on_sale(runtime, site, 1)
    first = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    expire_all(runtime)
    second = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    assert second["items"][0]["item_id"] == first["items"][0]["item_id"]

    handle(runtime, completion_requested(first))
    handle(runtime, completion_requested(second))

    [refused] = answers(runtime, "commit_refused")
    assert (refused["order_id"], refused["reason"]) == (first["order_id"], "items-gone")
    assert [c["order_id"] for c in answers(runtime, "committed")] == [second["order_id"]]
    assert figures(runtime, site, PHONE_B)["sold"] == 1
    assert figures(runtime, site, PHONE_B)["reserved"] == 0


def test_a_partly_gone_reservation_takes_nothing_back(runtime, site):
    devices_on_sale(runtime, site, 2)
    both = place(runtime, site, [{"product_key": PHONE_B, "quantity": 2}])
    expire_all(runtime)
    place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])  # takes one of the two

    handle(runtime, completion_requested(both))

    assert [r["reason"] for r in answers(runtime, "commit_refused")] == ["items-gone"]
    assert figures(runtime, site, PHONE_B)["reserved"] == 1
    assert figures(runtime, site, PHONE_B)["available"] == 1


def test_a_completion_held_past_its_expiry_but_not_yet_swept_commits(runtime, site):
    devices_on_sale(runtime, site, 1)
    accepted = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    handle(runtime, completion_requested(accepted))
    assert expire_all(runtime) == 0
    [committed] = answers(runtime, "committed")
    assert committed["after_expiry"] is False
    assert answers(runtime, "expired") == []


def test_a_completion_asked_again_gets_the_same_answer_and_sells_once(runtime, site):
    devices_on_sale(runtime, site, 2)
    accepted = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    handle(runtime, completion_requested(accepted))
    handle(runtime, completion_requested(accepted))  # a new event id: not the inbox's duplicate
    first, again = answers(runtime, "committed")
    assert first["items"] == again["items"]
    assert figures(runtime, site, PHONE_B)["sold"] == 1


def test_a_completion_after_a_cancellation_is_refused(runtime, site):
    devices_on_sale(runtime, site, 1)
    accepted = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    handle(runtime, order_cancelled(accepted["order_id"], site, accepted["reservation_id"]))
    handle(runtime, completion_requested(accepted))
    assert [r["reason"] for r in answers(runtime, "commit_refused")] == ["reservation-released"]
    assert figures(runtime, site, PHONE_B)["available"] == 1


def test_a_completion_naming_no_reservation_is_refused(runtime, site):
    accepted = {"order_id": str(uuid.uuid4()), "site_id": site, "reservation_id": str(uuid.uuid4())}
    handle(runtime, completion_requested(accepted))
    assert [r["reason"] for r in answers(runtime, "commit_refused")] == ["no-reservation"]


def test_an_expiry_after_the_commit_changes_nothing(runtime, site):
    devices_on_sale(runtime, site, 1)
    accepted = place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    handle(runtime, completion_requested(accepted))
    handle(runtime, order_cancelled(accepted["order_id"], site, accepted["reservation_id"]))
    assert expire_all(runtime) == 0
    assert answers(runtime, "released") == answers(runtime, "expired") == []
    assert figures(runtime, site, PHONE_B)["sold"] == 1


def test_a_reservation_not_yet_due_is_not_expired(runtime, site):
    devices_on_sale(runtime, site, 1)
    place(runtime, site, [{"product_key": PHONE_B, "quantity": 1}])
    with runtime.unit_of_work() as uow:
        assert reservations.expire_due(uow, ExpireReservations(datetime.now(UTC))) == 0


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
