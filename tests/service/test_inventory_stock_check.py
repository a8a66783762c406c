"""The stock check: figures planted wrong behind the ledger's back show as discrepancies,
and resolve once put right (SQLite; the same statements run on PostgreSQL in production)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from services.inventory.handlers.checks import check_stock
from tests.support.auth import as_counter, as_partner, as_role
from tests.support.inventory_stock import (
    cards_in_stock,
    devices_on_sale,
    donation,
    handle,
    order_placed,
)
from tests.support.inventory_workshop import SCRAP, add_site

PHONE_B = "device:smartphone:b"
CARD_5 = "card:orange:500"
MINUTES = "allowance:minutes"


@pytest.fixture
def stocked(inventory, card_code_keys):
    """A site with phones, cards and minutes on sale, and an order holding some of each."""
    runtime, client = inventory
    site = add_site(runtime, kind="counter")
    devices_on_sale(runtime, site, 3)
    cards_in_stock(runtime, card_code_keys, site, [("1000001", None), ("1000002", None)])
    handle(runtime, donation(site, [{"kind": "allowance", "unit": "minutes", "quantity": 500}]))
    lines = [
        {"product_key": PHONE_B, "quantity": 1},
        {"product_key": CARD_5, "quantity": 1},
        {"product_key": MINUTES, "quantity": 60},
    ]
    handle(runtime, order_placed(site, lines))
    return runtime, client, site


def plant(runtime, statement: str, **parameters) -> None:
    with runtime.engine.begin() as connection:
        connection.execute(text(statement), parameters)


def found(client, **query) -> list[tuple]:
    answer = client.get("/stock/discrepancies", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return sorted(
        (row["kind"], row["product_key"], row["figure"], row["expected"], row["found"])
        for row in answer.get_json()["items"]
    )


def test_stock_moved_by_the_use_cases_shows_no_discrepancy(stocked):
    runtime, client, site = stocked
    assert check_stock(runtime) == 0
    other = add_site(runtime, kind="counter")
    lines = [
        {"product_key": PHONE_B, "quantity": 1},
        {"product_key": CARD_5, "quantity": 1},
        {"product_key": MINUTES, "quantity": 50},
    ]
    sent = client.post(
        "/transfers", json={"from_site_id": site, "to_site_id": other, "lines": lines}
    )
    assert sent.status_code == 201, sent.get_json()
    assert check_stock(runtime) == 0  # in transit, counted at the source
    assert client.post(f"/transfers/{sent.get_json()['id']}/reception").status_code == 200
    phone = client.get(f"/devices?site_id={other}&state=available").get_json()["items"][0]["id"]
    etag = client.get(f"/devices/{phone}").headers["ETag"]
    scrap = {"to": "scrapped", "scrap": SCRAP}
    scrapped = client.post(f"/devices/{phone}/transitions", json=scrap, headers={"If-Match": etag})
    assert scrapped.status_code == 200, scrapped.get_json()
    assert check_stock(runtime) == 0
    assert found(client, state="all") == []


def test_a_figure_changed_behind_the_ledger_shows_then_resolves(stocked):
    runtime, client, site = stocked
    plant(
        runtime,
        "UPDATE stock_levels SET available = available + 1 WHERE site_id = :site AND"
        " product_key = :key",
        site=site,
        key=PHONE_B,
    )
    check_stock(runtime)
    assert found(client) == [
        ("identity", PHONE_B, "received", 4, 3),
        ("items", PHONE_B, "available", 2, 3),
        ("ledger", PHONE_B, "available", 2, 3),
    ]
    check_stock(runtime)  # seen again: still one row each, first seen unchanged
    rows = client.get("/stock/discrepancies").get_json()["items"]
    assert len(rows) == 3 and all(r["last_seen_at"] >= r["first_seen_at"] for r in rows)

    plant(
        runtime,
        "UPDATE stock_levels SET available = available - 1 WHERE site_id = :site AND"
        " product_key = :key",
        site=site,
        key=PHONE_B,
    )
    check_stock(runtime)
    assert found(client) == []
    resolved = client.get("/stock/discrepancies?state=resolved").get_json()["items"]
    assert len(resolved) == 3 and all(row["resolved_at"] for row in resolved)


def test_a_device_state_changed_behind_the_ledger_shows_in_the_items(stocked):
    runtime, client, _site = stocked
    plant(
        runtime,
        "UPDATE devices SET state = 'sold' WHERE id ="
        " (SELECT id FROM devices WHERE state = 'available' LIMIT 1)",
    )
    check_stock(runtime)
    assert found(client) == [
        ("items", PHONE_B, "available", 1, 2),
        ("items", PHONE_B, "sold", 1, 0),
    ]
    plant(runtime, "UPDATE devices SET state = 'available' WHERE state = 'sold'")
    check_stock(runtime)
    assert found(client) == []


def test_a_lost_ledger_row_and_a_card_voided_aside_both_show(stocked):
    runtime, client, _site = stocked
    plant(
        runtime,
        "DELETE FROM stock_movements WHERE kind = 'reserved' AND product_key = :k",
        k=MINUTES,
    )
    plant(runtime, "UPDATE cards SET state = 'void' WHERE state = 'in_stock'")
    check_stock(runtime)
    assert found(client, kind="ledger") == [
        ("ledger", MINUTES, "available", 500, 440),
        ("ledger", MINUTES, "reserved", 0, 60),
    ]
    assert found(client, kind="items") == [
        ("items", CARD_5, "available", 0, 1),
        ("items", CARD_5, "written_off", 1, 0),
    ]


@pytest.mark.parametrize(
    "caller",
    [as_counter(uuid.uuid4()), as_partner(uuid.uuid4()), as_role("workshop")],
    ids=["counter", "partner", "workshop"],
)
def test_only_admins_and_auditors_read_discrepancies(inventory, caller):
    _runtime, client = inventory
    answer = client.get("/stock/discrepancies", headers=caller)
    assert answer.status_code == 403
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert client.get("/stock/discrepancies", headers=as_role("auditor")).status_code == 200


@pytest.mark.parametrize(
    "query", ["state=nope", "kind=other", "page=0", "page_size=101", "site_id=x", "colour=red"]
)
def test_a_bad_filter_is_a_problem_not_a_crash(inventory, query):
    _runtime, client = inventory
    answer = client.get(f"/stock/discrepancies?{query}")
    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == "application/problem+json"
