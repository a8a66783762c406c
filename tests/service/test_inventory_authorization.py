"""Who may do what in inventory, and what each key sees, on SQLite with the gateway's tokens.

A counter key sees its own site only: another site's card, reservation or transfer is
answered exactly like a missing one. Auditor and workshop keys get no person's name.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.auth import as_counter, as_partner, as_role
from tests.support.inventory_stock import (
    cards_in_stock,
    devices_on_sale,
    donation,
    handle,
    order_cancelled,
    order_placed,
    outbox,
)
from tests.support.inventory_workshop import TO_AVAILABLE, add_site, receive_devices

CARD_5 = "card:orange:500"
PHONE_B = "device:smartphone:b"
MINUTES = "allowance:minutes"


@pytest.fixture
def counters(inventory, card_code_keys):
    """Counters A and B, each with three cards and a reservation holding one of them."""
    runtime, _ = inventory
    sites = [add_site(runtime, kind="counter") for _ in range(2)]
    for index, site in enumerate(sites):
        pins = [(f"90{index}000{n}", None) for n in range(3)]
        cards_in_stock(runtime, card_code_keys, site, pins)
        handle(runtime, order_placed(site, [{"product_key": CARD_5, "quantity": 1}]))
    return sites


def items(response) -> list[dict]:
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def refused(response, status: int, code: str) -> bool:
    return (response.status_code, response.get_json()["code"]) == (status, code)


def send(client, from_site: str, to_site: str, product_key: str) -> str:
    body = {
        "from_site_id": from_site,
        "to_site_id": to_site,
        "lines": [{"product_key": product_key}],
    }
    sent = client.post("/transfers", json=body)
    assert sent.status_code == 201, sent.get_json()
    return sent.get_json()["id"]


def test_a_counter_lists_only_its_own_sites_cards(inventory, counters):
    _, client = inventory
    a, b = counters
    mine = items(client.get("/cards", headers=as_counter(a)))
    assert len(mine) == 3 and {card["site_id"] for card in mine} == {a}
    assert items(client.get(f"/cards?site_id={b}", headers=as_counter(a))) == []


def test_another_sites_card_is_not_found_for_a_counter(inventory, counters):
    _, client = inventory
    a, b = counters
    theirs = items(client.get(f"/cards?site_id={b}"))[0]["id"]
    mine = items(client.get(f"/cards?site_id={a}"))[0]["id"]
    assert refused(client.get(f"/cards/{theirs}", headers=as_counter(a)), 404, "card-not-found")
    assert client.get(f"/cards/{mine}", headers=as_counter(a)).status_code == 200


def test_a_counter_sees_only_its_own_sites_reservations(inventory, counters):
    _, client = inventory
    a, b = counters
    mine = items(client.get("/reservations", headers=as_counter(a)))
    assert [reservation["site_id"] for reservation in mine] == [a]
    assert items(client.get(f"/reservations?site_id={b}", headers=as_counter(a))) == []
    theirs = items(client.get(f"/reservations?site_id={b}"))[0]["id"]
    response = client.get(f"/reservations/{theirs}", headers=as_counter(a))
    assert refused(response, 404, "reservation-not-found")


def test_a_counter_sees_only_its_own_sites_stock_and_ledger(inventory, counters):
    _, client = inventory
    a, b = counters
    for path in ("/stock", "/stock/movements"):
        assert {row["site_id"] for row in items(client.get(path, headers=as_counter(a)))} == {a}
        assert items(client.get(f"{path}?site_id={b}", headers=as_counter(a))) == []


def test_a_counter_counts_at_its_own_site_only(inventory):
    runtime, client = inventory
    a, b = add_site(runtime, kind="counter"), add_site(runtime, kind="counter")
    for site in (a, b):
        handle(runtime, donation(site, [{"kind": "allowance", "unit": "minutes", "quantity": 100}]))
    count = {"product_key": MINUTES, "counted": 90, "reason": "monthly count"}

    theirs = client.post("/stock/counts", json={**count, "site_id": b}, headers=as_counter(a))
    mine = client.post("/stock/counts", json={**count, "site_id": a}, headers=as_counter(a))

    assert refused(theirs, 404, "site-not-found")
    assert (mine.status_code, mine.get_json()["available"]) == (201, 90)
    assert items(client.get(f"/stock?site_id={b}"))[0]["available"] == 100


def test_a_counter_sees_the_transfers_from_or_to_its_site_only(inventory):
    runtime, client = inventory
    workshop = add_site(runtime)
    a, b = add_site(runtime, kind="counter"), add_site(runtime, kind="counter")
    devices_on_sale(runtime, workshop, 2)
    to_a, to_b = send(client, workshop, a, PHONE_B), send(client, workshop, b, PHONE_B)

    assert [t["id"] for t in items(client.get("/transfers", headers=as_counter(a)))] == [to_a]
    response = client.get(f"/transfers/{to_b}", headers=as_counter(a))
    assert refused(response, 404, "transfer-not-found")
    assert client.get(f"/transfers/{to_a}", headers=as_counter(a)).status_code == 200


def test_only_the_destination_counter_receives_a_transfer(inventory, counters):
    runtime, client = inventory
    a, b = counters
    elsewhere = add_site(runtime, kind="counter")
    transfer = send(client, a, b, CARD_5)
    url = f"/transfers/{transfer}/reception"

    assert refused(client.post(url, headers=as_counter(a)), 403, "not-the-destination")
    assert refused(client.post(url, headers=as_counter(elsewhere)), 404, "transfer-not-found")
    received = client.post(url, headers=as_counter(b))
    assert (received.status_code, received.get_json()["state"]) == (200, "received")


def test_the_auditor_reads_but_changes_nothing(inventory, counters):
    _, client = inventory
    for path in ("/devices", "/stock", "/cards", "/reservations", "/transfers", "/workshop/queue"):
        assert client.get(path, headers=as_role("auditor")).status_code == 200, path
    anything = uuid.uuid4()
    writes = [
        ("/sites", {"name": "X", "city": "Lyon", "kind": "counter"}),
        (f"/devices/{anything}/transitions", {"to": "diagnosing"}),
        ("/devices/bulk-transitions", {"identifiers": ["CS-000001"], "to": "diagnosing"}),
        ("/stock/adjustments", {}),
        ("/stock/counts", {}),
        ("/transfers", {}),
        (f"/transfers/{anything}/reception", None),
        (f"/cards/{anything}/void", {"reason": "x"}),
        (f"/orders/{anything}/card-codes/reveal", None),
    ]
    for path, body in writes:
        response = client.post(path, json=body, headers=as_role("auditor"))
        assert refused(response, 403, "forbidden"), path


@pytest.mark.parametrize("role", ["auditor", "workshop"])
def test_auditor_and_workshop_keys_get_no_operator_names(inventory, role):
    runtime, client = inventory
    device = receive_devices(runtime, add_site(runtime), 1)[0]
    for body in TO_AVAILABLE[:3]:  # up to the wipe, which names who sanitised and verified
        etag = client.get(f"/devices/{device.id}").headers["ETag"]
        moved = client.post(
            f"/devices/{device.id}/transitions", json=body, headers={"If-Match": etag}
        )
        assert moved.status_code == 200, moved.get_json()

    seen = client.get(f"/devices/{device.id}", headers=as_role(role))
    admin_sees = client.get(f"/devices/{device.id}").get_json()["wipe"]["sanitised_by"]

    assert seen.status_code == 200
    assert seen.get_json()["wipe"]["sanitised_by"] == {
        key: value for key, value in admin_sees.items() if key != "person"
    }
    assert admin_sees["person"] == "Zoé Martin"
    assert "Zoé Martin" not in seen.get_data(as_text=True)
    assert "Karim Benali" not in seen.get_data(as_text=True)


def test_the_auditor_does_not_read_cancellation_reasons(inventory, counters):
    runtime, client = inventory
    a, _ = counters
    accepted = outbox(runtime, "inventory.reservation.accepted")[0]["data"]
    handle(runtime, order_cancelled(accepted["order_id"], a, accepted["reservation_id"]))
    url = f"/reservations/{accepted['reservation_id']}"

    assert "outcome_note" not in client.get(url, headers=as_role("auditor")).get_json()
    assert client.get(url, headers=as_counter(a)).get_json()["outcome_note"] == "beneficiary left"


@pytest.mark.parametrize("role", ["auditor", "workshop"])
def test_a_counters_words_at_a_count_are_not_shown_to_auditor_or_workshop(inventory, role):
    runtime, client = inventory
    site = add_site(runtime, kind="counter")
    handle(runtime, donation(site, [{"kind": "allowance", "unit": "minutes", "quantity": 100}]))
    reason = "écart après la visite de M. Martin"
    body = {"product_key": MINUTES, "counted": 90, "reason": reason, "site_id": site}
    assert client.post("/stock/counts", json=body, headers=as_counter(site)).status_code == 201

    url = f"/stock/movements?site_id={site}"
    hidden = items(client.get(url, headers=as_role(role)))
    assert hidden and all("reason" not in movement for movement in hidden)
    assert reason in [m.get("reason") for m in items(client.get(url, headers=as_counter(site)))]


def test_the_workshop_never_sees_cards_reservations_or_codes(inventory, counters):
    _, client = inventory
    for path in ("/cards", "/reservations"):
        assert refused(client.get(path, headers=as_role("workshop")), 403, "forbidden")
    reveal = client.post(f"/orders/{uuid.uuid4()}/card-codes/reveal", headers=as_role("workshop"))
    assert refused(reveal, 403, "forbidden")


def test_a_counter_sees_no_device_nor_the_workshop(inventory, counters):
    _, client = inventory
    a, _ = counters
    for path in ("/devices", "/workshop/queue", "/workshop/counts", "/stock/awaiting-codes"):
        assert refused(client.get(path, headers=as_counter(a)), 403, "forbidden"), path
    assert refused(client.post("/transfers", json={}, headers=as_counter(a)), 403, "forbidden")


def test_a_partner_lists_sites_and_verifies_certificates_only(inventory):
    _, client = inventory
    partner = str(uuid.uuid4())
    verification = client.post(
        "/wipe-certificates/verification", json={"sha256": "a" * 64}, headers=as_partner(partner)
    )
    assert verification.get_json() == {"valid": False, "sha256": "a" * 64}
    assert client.get("/sites", headers=as_partner(partner)).status_code == 200
    for path in ("/devices", "/stock", "/cards", "/transfers"):
        assert refused(client.get(path, headers=as_partner(partner)), 403, "forbidden"), path


def test_only_an_admin_opens_sites_adjusts_stock_and_voids_cards(inventory, counters):
    _, client = inventory
    a, _ = counters
    site = {"name": "Lyon", "city": "Lyon", "kind": "counter"}
    adjustment = {"site_id": a, "product_key": MINUTES, "quantity": 5, "reason": "found"}
    card = items(client.get(f"/cards?site_id={a}"))[0]["id"]
    for caller in (as_role("workshop"), as_counter(a)):
        assert refused(client.post("/sites", json=site, headers=caller), 403, "forbidden")
        adjusted = client.post("/stock/adjustments", json=adjustment, headers=caller)
        assert refused(adjusted, 403, "forbidden")
        voided = client.post(f"/cards/{card}/void", json={"reason": "torn"}, headers=caller)
        assert refused(voided, 403, "forbidden")
    assert client.post("/sites", json=site).status_code == 201


def test_a_request_without_a_token_is_refused(inventory):
    _, client = inventory
    response = client.get("/sites", headers={"Authorization": ""})
    assert refused(response, 401, "unauthenticated")
