"""Stock figures, the ledger, transfers, adjustments and counts, on SQLite."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from services.common.worker import PeriodicTask, Worker
from services.inventory.domain import stock as rules
from services.inventory.handlers import cards
from services.inventory.repository.stock import StockLevels
from tests.support.auth import as_role
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
from tests.support.inventory_workshop import SCRAP, add_site

PHONE_B = "device:smartphone:b"
CARD_5 = "card:orange:500"
MINUTES = "allowance:minutes"


def scrap(client, device_id):
    """The workshop scraps the device (its current ETag in If-Match)."""
    etag = client.get(f"/devices/{device_id}").headers["ETag"]
    return client.post(
        f"/devices/{device_id}/transitions",
        json={"to": "scrapped", "scrap": SCRAP},
        headers={"If-Match": etag},
    )


def levels(client, site) -> dict:
    return {
        level["product_key"]: level
        for level in client.get(f"/stock?site_id={site}").get_json()["items"]
    }


def test_every_movement_kind_is_balanced():
    for kind in rules.MOVEMENTS:
        for quantity in (3, -3) if kind in ("adjusted", "counted") else (3,):
            rules.movement(kind, quantity)  # raises UnbalancedMovement otherwise


def test_a_movement_that_would_make_a_figure_negative_is_refused():
    figures = dict.fromkeys(("received", *rules.BUCKETS), 0)
    with pytest.raises(rules.StockShortage):
        rules.apply("allowance:minutes", figures, rules.movement("reserved", 1))


def test_device_made_available_joins_the_catalogue_and_leaves_it_when_scrapped(inventory):
    runtime, client = inventory
    site = add_site(runtime)
    device_id = devices_on_sale(runtime, site, 1)[0]
    scrapped = scrap(client, device_id)
    assert scrapped.status_code == 200
    changes = outbox(runtime, "inventory.availability.changed")
    assert [(e["subject"], e["sequence"], e["data"]["available"]) for e in changes] == [
        (f"{site}:{PHONE_B}", 1, 1),
        (f"{site}:{PHONE_B}", 2, 0),
    ]
    assert changes[0]["data"]["product"] == {
        "product_key": PHONE_B,
        "family": "device",
        "label": "smartphone, grade B",
        "category": "smartphone",
        "cosmetic_grade": "B",
    }


def test_a_reserved_device_is_out_of_the_workshop_s_hands(inventory):
    runtime, client = inventory
    site = add_site(runtime)
    device_id = devices_on_sale(runtime, site, 1)[0]
    handle(runtime, order_placed(site, [{"product_key": PHONE_B, "quantity": 1}]))
    response = scrap(client, device_id)
    assert response.status_code == 409
    assert response.get_json()["current_state"] == "reserved"


def test_a_transfer_is_in_transit_until_received(inventory, card_code_keys):
    runtime, client = inventory
    workshop, counter = add_site(runtime), add_site(runtime, kind="counter")
    devices_on_sale(runtime, workshop, 2)
    cards_in_stock(runtime, card_code_keys, workshop, [("1000001", None), ("1000002", None)])
    body = {
        "from_site_id": workshop,
        "to_site_id": counter,
        "lines": [{"product_key": PHONE_B, "quantity": 2}, {"product_key": CARD_5, "quantity": 1}],
    }

    sent = client.post("/transfers", json=body, headers=as_role("workshop", name="dispatch bench"))
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["dispatched_by"].startswith("dispatch bench [")
    assert levels(client, workshop)[PHONE_B]["in_transit"] == 2
    assert levels(client, counter) == {}
    received = client.post(f"/transfers/{sent.get_json()['id']}/reception")
    again = client.post(f"/transfers/{sent.get_json()['id']}/reception")

    assert received.status_code == 200 and received.get_json()["state"] == "received"
    assert again.status_code == 409
    at_counter = levels(client, counter)
    assert (at_counter[PHONE_B]["available"], at_counter[CARD_5]["available"]) == (2, 1)
    assert levels(client, workshop)[PHONE_B]["in_transit"] == 0
    states = {d["state"] for d in client.get(f"/devices?site_id={counter}").get_json()["items"]}
    assert states == {"available"}


def test_a_transfer_sends_everything_or_nothing(inventory):
    runtime, client = inventory
    workshop, counter = add_site(runtime), add_site(runtime, kind="counter")
    devices_on_sale(runtime, workshop, 1)
    body = {
        "from_site_id": workshop,
        "to_site_id": counter,
        "lines": [{"product_key": PHONE_B, "quantity": 1}, {"product_key": PHONE_B, "quantity": 1}],
    }
    refused = client.post("/transfers", json=body)
    assert refused.status_code == 409
    assert refused.get_json()["lines"][0]["reason"] == "insufficient-stock"
    assert levels(client, workshop)[PHONE_B]["available"] == 1


def test_adjustments_and_counts_need_a_reason_and_apply_to_allowances_only(inventory):
    runtime, client = inventory
    site = add_site(runtime)
    handle(runtime, donation(site, [{"kind": "allowance", "unit": "minutes", "quantity": 1000}]))
    devices_on_sale(runtime, site, 1)

    lost = client.post(
        "/stock/adjustments",
        json={"site_id": site, "product_key": MINUTES, "quantity": -100, "reason": "expired"},
    )
    counted = client.post(
        "/stock/counts",
        json={"site_id": site, "product_key": MINUTES, "counted": 950, "reason": "monthly"},
    )
    device = client.post(
        "/stock/adjustments",
        json={"site_id": site, "product_key": PHONE_B, "quantity": -1, "reason": "lost"},
    )
    no_reason = client.post(
        "/stock/adjustments", json={"site_id": site, "product_key": MINUTES, "quantity": 5}
    )
    too_many = client.post(
        "/stock/adjustments",
        json={"site_id": site, "product_key": MINUTES, "quantity": -5000, "reason": "x"},
    )

    assert (lost.status_code, lost.get_json()["available"]) == (201, 900)
    assert (counted.status_code, counted.get_json()["available"]) == (201, 950)
    assert counted.get_json()["received"] == 1050
    assert device.status_code == 409 and device.get_json()["code"] == "product-not-adjustable"
    assert no_reason.status_code == 422
    assert too_many.status_code == 409 and too_many.get_json()["code"] == "insufficient-stock"
    kinds = [
        m["kind"] for m in client.get(f"/stock/movements?product_key={MINUTES}").get_json()["items"]
    ]
    assert kinds == ["intake", "adjusted", "counted"]


def test_figures_recomputed_from_the_ledger_match_after_every_kind_of_movement(
    inventory, card_code_keys
):
    runtime, client = inventory
    workshop, counter = add_site(runtime), add_site(runtime, kind="counter")
    devices_on_sale(runtime, counter, 3)
    old = date.today() - timedelta(days=3)
    cards_in_stock(
        runtime, card_code_keys, counter, [("2000001", old), ("2000002", None), ("2000003", None)]
    )
    handle(runtime, donation(counter, [{"kind": "allowance", "unit": "MB", "quantity": 5000}]))
    devices_on_sale(runtime, workshop, 1)
    sent = client.post(
        "/transfers",
        json={"from_site_id": workshop, "to_site_id": counter, "lines": [{"product_key": PHONE_B}]},
    )
    client.post(f"/transfers/{sent.get_json()['id']}/reception")
    lines = [{"product_key": PHONE_B, "quantity": 2}, {"product_key": CARD_5, "quantity": 1}]
    for _ in range(2):
        handle(runtime, order_placed(counter, lines))
    accepted = [e["data"] for e in outbox(runtime, "inventory.reservation.accepted")]
    handle(runtime, completion_requested(accepted[0]))
    handle(
        runtime, order_cancelled(accepted[1]["order_id"], counter, accepted[1]["reservation_id"])
    )
    client.post(
        "/stock/counts",
        json={
            "site_id": counter,
            "product_key": "allowance:mb",
            "counted": 4900,
            "reason": "count",
        },
    )
    with runtime.unit_of_work() as uow:
        cards.withdraw_expired(uow, date.today())
        uow.commit()

    with runtime.session_factory() as session:
        recomputed, stored = StockLevels(session).recomputed(), StockLevels(session).stored()
    assert recomputed == stored
    for figures in stored.values():
        assert figures["received"] == sum(figures[bucket] for bucket in rules.BUCKETS)
    assert stored[(counter, PHONE_B)] == {
        "received": 4,
        "available": 2,
        "reserved": 0,
        "sold": 2,
        "in_transit": 0,
        "written_off": 0,
    }


def test_the_worker_runs_its_periodic_tasks(inventory):
    runtime, _ = inventory
    ran = threading.Event()
    task = PeriodicTask("probe", lambda _: ran.set(), lambda _: 0.01)
    worker = Worker(runtime, {}, (task,)).start()
    try:
        assert ran.wait(5)
    finally:
        worker.stop()
