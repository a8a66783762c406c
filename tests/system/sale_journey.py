"""The whole programme in one journey, through the gateway only (issue: production-like stack).

A partner announces phones and prepaid cards, uploads the card codes and the site receives
them; the workshop diagnoses, wipes, grades and releases the phones; a counter enrols a
referred person and sells a phone and a card; the counter reveals the card code once; the
partner's impact shows one person reached in that city; the programme counts one person.
"""

from __future__ import annotations

import uuid

from tests.support.donation_reception import (
    fairphones,
    orange_cards,
    receive_whole,
    upload_card_codes,
)
from tests.support.donation_sites import announce_once_site_known
from tests.support.enrolments import referral
from tests.support.inventory_workshop import TO_AVAILABLE
from tests.support.waiting import wait_until

PHONE, CARD = "device:smartphone:b", "card:orange:1000"


def sell_donated_goods(gateway, city: str = "Grenoble") -> dict:
    tag = uuid.uuid4().hex[:8]
    counter = gateway.post(
        "inventory/sites", {"name": f"Point d'accueil {tag}", "city": city, "kind": "counter"}
    )["id"]
    partner = gateway.post(
        "donations/partners", {"name": f"Orange {tag}", "kind": "telecom_operator"}
    )
    pins = [f"{uuid.uuid4().int % 10**12:012d}" for _ in range(2)]
    donation = _donate(gateway, partner["id"], counter, pins)
    phones = _refurbish(gateway, donation["id"])
    code = _enrol(gateway, counter, tag)
    _publish_prices(gateway)
    wait_until(lambda: _available(gateway, counter) == {PHONE: len(phones), CARD: 2}, timeout=30)

    people_before = gateway.get("sales/impact").json()["people_helped"]
    counter_key = gateway.post(
        "keys", {"name": f"Accueil {tag}", "role": "counter", "site_id": counter}
    )["key"]
    counter_headers = {"Authorization": f"Bearer {counter_key}"}
    order = gateway.post(
        "sales/orders",
        {
            "beneficiary_code": code,
            "lines": [{"product_key": PHONE, "quantity": 1}, {"product_key": CARD, "quantity": 1}],
        },
        headers=counter_headers,
    )
    assert (
        gateway.get(
            f"sales/orders/{order['id']}", params={"wait": 5}, headers=counter_headers
        ).json()["state"]
        == "reserved"
    )
    completed = gateway.post(
        f"sales/orders/{order['id']}/completion",
        {"payment_method": "cash"},
        headers=counter_headers,
    )
    assert completed["state"] == "completed"

    reveal = f"inventory/orders/{order['id']}/card-codes/reveal"
    revealed = wait_until(lambda: _reveal(gateway, reveal, counter_headers), timeout=30)
    assert [card["code"] for card in revealed["cards"]][0] in pins
    again = gateway.http.post(f"{gateway.url}/api/{reveal}", headers=counter_headers, timeout=10)
    assert again.status_code == 200  # a lost answer is fetched again, for a while
    assert again.json()["cards"] == revealed["cards"]

    impact_url = f"donations/partners/{partner['id']}/impact"
    impact = wait_until(
        lambda: (
            (body := gateway.get(impact_url).json())["people_reached_by_city"] == {city: 1} and body
        ),
        timeout=30,
    )
    assert (impact["devices_sold"], impact["cards_sold"]) == (1, 1)
    people_after = gateway.get("sales/impact").json()["people_helped"]
    return {"partner": partner["id"], "people_added": people_after - people_before}


def _donate(gateway, partner_id: str, site_id: str, pins: list[str]) -> dict:
    donation = announce_once_site_known(
        gateway,
        {
            "partner_id": partner_id,
            "site_id": site_id,
            "lines": [fairphones(2), orange_cards(2)],
        },
    )
    rows = [f"SER-{n}-{uuid.uuid4().hex[:8]},{pin}" for n, pin in enumerate(pins)]
    upload_card_codes(gateway, donation, rows)
    receive_whole(gateway, donation)
    return donation


def _refurbish(gateway, donation_id: str) -> list[str]:
    devices = wait_until(
        lambda: (
            (page := gateway.get("inventory/devices", params={"donation_id": donation_id}).json())[
                "total"
            ]
            == 2
            and page["items"]
        ),
        timeout=30,
    )
    for device in devices:
        for transition in TO_AVAILABLE:
            etag = gateway.get(f"inventory/devices/{device['id']}").headers["ETag"]
            gateway.post(
                f"inventory/devices/{device['id']}/transitions",
                transition,
                headers={"If-Match": etag, "X-Actor": "technicienne"},
            )
    return [device["id"] for device in devices]


def _enrol(gateway, site_id: str, tag: str) -> str:
    organisation = gateway.post(
        "sales/organisations",
        {
            "name": f"CCAS {tag}",
            "kind": "ccas",
            "contacts": [{"name": "Assistante sociale", "email": "as@example.org"}],
        },
    )
    approval = gateway.http.put(
        f"{gateway.url}/api/sales/organisations/{organisation['id']}/approval",
        json={"approved": True},
        timeout=10,
    )
    assert approval.status_code == 200, approval.text
    person = gateway.post(
        "sales/beneficiaries",
        referral("Jeanne D.", "06 12 34 56 78", site_id, organisation, "hébergée en CHRS"),
    )
    return person["code"]


def _publish_prices(gateway) -> None:
    gateway.post(
        "sales/price-grids",
        {
            "entries": [
                {"product_key": PHONE, "market_cents": 12000, "solidarity_cents": 1500},
                {"product_key": CARD, "market_cents": 1000, "solidarity_cents": 250},
            ]
        },
    )


def _available(gateway, site_id: str) -> dict[str, int]:
    catalogue = gateway.get(f"sales/sites/{site_id}/catalogue").json()
    items = catalogue["items"] if isinstance(catalogue, dict) else catalogue
    return {item["product_key"]: item["available"] for item in items if item["available"]}


def _reveal(gateway, path: str, headers: dict):
    response = gateway.http.post(f"{gateway.url}/api/{path}", headers=headers, timeout=10)
    return response.json() if response.status_code == 200 else None
