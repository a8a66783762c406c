"""Prepaid cards in custody, on SQLite: intake of sealed codes, reveal once, expiry, and codes
that never show in an API answer, an event or a log line."""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from services.inventory.api import cards as card_api
from services.inventory.handlers import cards
from services.inventory.models import Card, CardReveal
from tests.support.auth import as_role
from tests.support.inventory_stock import (
    card_line,
    cards_in_stock,
    completion_requested,
    donation,
    handle,
    order_placed,
    outbox,
    outbox_text,
    sealed_codes,
)
from tests.support.inventory_workshop import add_site

CARD_5 = "card:orange:500"
PINS = ["4815162342", "1123581321", "3141592653"]


def reserve_two_cards(runtime, keys) -> tuple[str, str, dict]:
    """Two cards of a new counter reserved for an order: (order_id, site, accepted event)."""
    site = add_site(runtime, kind="counter")
    cards_in_stock(runtime, keys, site, [(pin, None) for pin in PINS])
    placed = order_placed(site, [{"product_key": CARD_5, "quantity": 2}])
    handle(runtime, placed)
    return placed.data["order_id"], site, outbox(runtime, "inventory.reservation.accepted")[0]


@pytest.fixture
def sold(inventory, card_code_keys):
    """Two cards sold by a counter: (order_id, counter site)."""
    runtime, _ = inventory
    order_id, site, accepted = reserve_two_cards(runtime, card_code_keys)
    handle(runtime, completion_requested(accepted["data"]))
    return order_id, site


def reveal(client, order_id, site, key_name="Paris desk", **query):
    return client.post(
        f"/orders/{order_id}/card-codes/reveal",
        query_string=query,
        headers=as_role("counter", site_id=site, name=key_name),
    )


@pytest.fixture
def held(inventory, card_code_keys):
    """Two cards reserved for an order not completed yet: (order_id, site, accepted data)."""
    runtime, _ = inventory
    return reserve_two_cards(runtime, card_code_keys)


def test_codes_arrive_encrypted_at_rest_and_enter_the_stock(inventory, card_code_keys):
    runtime, client = inventory
    site = add_site(runtime)
    cards_in_stock(runtime, card_code_keys, site, [(pin, None) for pin in PINS])

    with runtime.session_factory() as session:
        stored = session.scalars(select(Card.code_ciphertext)).all()
    assert len(stored) == 3 and not any(pin.encode() in blob for pin in PINS for blob in stored)
    level = client.get(f"/stock?site_id={site}").get_json()["items"][0]
    assert (level["product_key"], level["available"], level["received"]) == (CARD_5, 3, 3)
    assert level["operator"] == "Orange" and level["face_value_cents"] == 500


def test_the_same_codes_delivered_again_create_no_card_twice(inventory, card_code_keys):
    runtime, _ = inventory
    received = donation(add_site(runtime), [card_line(2)])
    handle(runtime, received)
    sealed = sealed_codes(card_code_keys, received, 0, [("5550001", None), ("5550002", None)])
    handle(runtime, sealed)
    handle(runtime, sealed)  # another delivery of the same batch (e.g. replayed under a new id)
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Card)) == 2


def test_cards_without_codes_are_awaiting_not_available(inventory):
    runtime, client = inventory
    site = add_site(runtime)
    handle(runtime, donation(site, [card_line(5)]))
    assert client.get(f"/stock?site_id={site}").get_json()["items"] == []
    awaiting = client.get(f"/stock/awaiting-codes?site_id={site}").get_json()
    assert [(line["quantity"], line["awaiting"]) for line in awaiting] == [(5, 5)]


def test_the_selling_counter_gets_the_codes_and_the_reveal_is_recorded(inventory, sold):
    runtime, client = inventory
    order_id, site = sold

    first = reveal(client, order_id, site)

    assert first.status_code == 200, first.get_json()
    assert first.headers["Cache-Control"] == "no-store"
    codes = {card["code"] for card in first.get_json()["cards"]}
    assert len(codes) == 2 and codes <= set(PINS)
    with runtime.session_factory() as session:
        audit = session.scalars(select(CardReveal)).all()
        states = set(session.scalars(select(Card.state).where(Card.state != "in_stock")))
    assert [(a.site_id, a.order_id, a.times) for a in audit] == [(site, order_id, 1)] * 2
    assert all(re.fullmatch(r"Paris desk \[[0-9a-f-]{36}\]", a.actor) for a in audit)
    assert first.get_json()["revealed_by"] == audit[0].actor
    assert states == {"revealed"}


def test_a_lost_answer_can_be_fetched_again_by_the_same_site_for_a_while(inventory, sold):
    runtime, client = inventory
    order_id, site = sold
    first = reveal(client, order_id, site).get_json()["cards"]  # say this answer was lost

    again = reveal(client, order_id, site)

    assert again.status_code == 200, again.get_json()
    assert again.get_json()["cards"] == first
    with runtime.session_factory() as session:
        assert {a.times for a in session.scalars(select(CardReveal))} == {2}
    elsewhere = reveal(client, order_id, add_site(runtime, kind="counter"))
    assert elsewhere.status_code == 404


def test_the_codes_are_not_revealed_again_once_the_window_has_passed(inventory, sold):
    runtime, client = inventory
    order_id, site = sold
    assert reveal(client, order_id, site).status_code == 200
    long_ago = datetime.now(UTC) - timedelta(seconds=cards.REVEAL_AGAIN_SECONDS + 1)
    with runtime.session_factory() as session:
        session.execute(update(CardReveal).values(at=long_ago))
        session.commit()

    late = reveal(client, order_id, site)

    assert (late.status_code, late.get_json()["code"]) == (409, "card-codes-already-revealed")
    assert "code" not in str(late.get_json().get("cards", ""))


def test_another_counter_or_an_unsold_order_gets_no_code(inventory, sold):
    runtime, client = inventory
    order_id, _ = sold
    other_site = add_site(runtime, kind="counter")
    elsewhere = reveal(client, order_id, other_site)
    unknown = reveal(client, "00000000-0000-4000-8000-000000000000", other_site)
    assert (elsewhere.status_code, elsewhere.get_json()["code"]) == (404, "no-card-codes")
    assert (unknown.status_code, unknown.get_json()["code"]) == (404, "no-card-codes")
    not_a_counter = client.post(f"/orders/{order_id}/card-codes/reveal")  # an admin key
    assert (not_a_counter.status_code, not_a_counter.get_json()["code"]) == (403, "forbidden")


def test_reveal_with_wait_answers_as_soon_as_the_sale_is_committed(inventory, held):
    runtime, client = inventory
    order_id, site, accepted = held
    assert reveal(client, order_id, site).get_json()["code"] == "no-card-codes"  # not sold yet
    commit = threading.Timer(0.3, handle, args=(runtime, completion_requested(accepted["data"])))
    started = time.monotonic()
    commit.start()
    answer = reveal(client, order_id, site, wait=5)
    commit.join()
    assert answer.status_code == 200, answer.get_json()
    assert len(answer.get_json()["cards"]) == 2
    assert 0.25 <= time.monotonic() - started < 2


def test_reveal_wait_is_capped(inventory, held, monkeypatch):
    runtime, client = inventory
    order_id, site, _ = held
    monkeypatch.setattr(card_api, "REVEAL_WAIT_MAX_SECONDS", 0.3)
    started = time.monotonic()
    still_held = reveal(client, order_id, site, wait=60)
    assert (still_held.status_code, still_held.get_json()["code"]) == (404, "no-card-codes")
    assert 0.25 <= time.monotonic() - started < 1.5
    assert reveal(client, order_id, site, wait="soon").status_code == 422


def test_reveal_wait_on_another_sites_or_an_unknown_order_answers_at_once(inventory, held):
    """Nothing to wait for: no thread is held, and the timing tells nothing either way."""
    runtime, client = inventory
    order_id, _, _ = held
    other_site = add_site(runtime, kind="counter")
    for order in (order_id, "00000000-0000-4000-8000-000000000000"):
        started = time.monotonic()
        answer = reveal(client, order, other_site, wait=5)
        assert (answer.status_code, answer.get_json()["code"]) == (404, "no-card-codes")
        assert time.monotonic() - started < 2  # far below the 5 s asked


def test_card_codes_never_appear_in_lists_events_or_logs(inventory, sold, caplog):
    runtime, client = inventory
    caplog.set_level(logging.DEBUG)
    order_id, site = sold
    pages = [
        client.get("/cards").get_data(as_text=True),
        client.get(f"/cards?site_id={site}&state=sold").get_data(as_text=True),
        client.get("/stock").get_data(as_text=True),
        client.get("/stock/movements").get_data(as_text=True),
        client.get("/reservations").get_data(as_text=True),
        client.get("/openapi.json").get_data(as_text=True),
    ]
    card_id = client.get("/cards").get_json()["items"][0]["id"]
    pages.append(client.get(f"/cards/{card_id}").get_data(as_text=True))
    assert reveal(client, order_id, site).status_code == 200  # the one place codes go out
    pages.append(client.get("/cards").get_data(as_text=True))

    with runtime.session_factory() as session:
        hashes = session.scalars(select(Card.pin_hash)).all()
    scanned = "\n".join([*pages, outbox_text(runtime), caplog.text])
    for secret in [*PINS, *hashes]:
        assert secret not in scanned
    assert (
        "pin_hash" not in scanned
        and "ciphertext" not in outbox_text(runtime).split('"inventory.')[0]
    )


def test_expired_cards_are_withdrawn_from_stock(inventory, card_code_keys):
    runtime, client = inventory
    site = add_site(runtime)
    yesterday = date.today() - timedelta(days=1)
    cards_in_stock(runtime, card_code_keys, site, [("7770001", yesterday), ("7770002", None)])

    with runtime.unit_of_work() as uow:
        assert cards.withdraw_expired(uow, date.today()) == 1
        uow.commit()

    level = client.get(f"/stock?site_id={site}").get_json()["items"][0]
    assert (level["available"], level["written_off"]) == (1, 1)
    assert [c["state"] for c in client.get("/cards?state=expired").get_json()["items"]] == [
        "expired"
    ]


def test_a_card_in_stock_can_be_voided_once_with_a_reason(inventory, card_code_keys):
    runtime, client = inventory
    site = add_site(runtime)
    cards_in_stock(runtime, card_code_keys, site, [("8880001", None)])
    card_id = client.get("/cards").get_json()["items"][0]["id"]

    first = client.post(f"/cards/{card_id}/void", json={"reason": "torn"})
    again = client.post(f"/cards/{card_id}/void", json={"reason": "torn"})
    unknown_field = client.post(f"/cards/{card_id}/void", json={"reason": "x", "state": "x"})

    assert first.status_code == 200 and first.get_json()["state"] == "void"
    assert again.status_code == 409 and again.get_json()["code"] == "illegal-card-transition"
    assert unknown_field.status_code == 422
