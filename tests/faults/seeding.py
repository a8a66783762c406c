"""The world the counters sell from, built through the gateway as people would: a partner's
phones and prepaid cards received at the workshop, refurbished, sent to the counters and
received there; a price grid; people referred by approved organisations (reusing the
system tests' journey steps)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from tests.faults.load import CARD, PHONE
from tests.support.donation_reception import (
    fairphones,
    orange_cards,
    receive_whole,
    upload_card_codes,
)
from tests.support.gateway_client import Gateway
from tests.support.inventory_workshop import TO_AVAILABLE
from tests.support.waiting import wait_until
from tests.system.sale_journey import _available, _enrol, _publish_prices
from tests.system.test_stack_system import sales_site_ids


@dataclass
class CounterSite:
    site_id: str
    key: str
    people: list[str] = field(default_factory=list)


@dataclass
class World:
    workshop: str
    counters: list[CounterSite]
    cards_per_counter: int
    phones_per_counter: int


def build_world(admin: Gateway, *, counters: int, cards: int, phones: int, people: int) -> World:
    """``cards`` and ``phones`` per counter; ``people`` enrolled at each counter."""
    tag = uuid.uuid4().hex[:8]
    workshop = admin.post(
        "inventory/sites", {"name": f"Atelier {tag}", "city": "Grenoble", "kind": "workshop"}
    )["id"]
    sites = [
        admin.post(
            "inventory/sites",
            {"name": f"Accueil {n} {tag}", "city": "Grenoble", "kind": "counter"},
        )["id"]
        for n in range(counters)
    ]
    _receive_at_workshop(admin, workshop, tag, cards * counters, phones * counters)
    for site in sites:
        sent = admin.post(
            "inventory/transfers",
            {
                "from_site_id": workshop,
                "to_site_id": site,
                "lines": [
                    {"product_key": CARD, "quantity": cards},
                    {"product_key": PHONE, "quantity": phones},
                ],
            },
        )
        admin.post(f"inventory/transfers/{sent['id']}/reception", {})
    _publish_prices(admin)
    world = World(workshop, [], cards, phones)
    for n, site in enumerate(sites):
        key = admin.post("keys", {"name": f"Accueil {n} {tag}", "role": "counter", "site_id": site})
        counter = CounterSite(site, key["key"])
        wait_until(lambda s=site: s in sales_site_ids(admin), timeout=30)
        counter.people += [_enrol(admin, site, f"{tag}{n}{p}") for p in range(people)]
        world.counters.append(counter)
    for counter in world.counters:
        wait_until(
            lambda c=counter: _available(admin, c.site_id) == {PHONE: phones, CARD: cards},
            timeout=30,
        )
    return world


def _receive_at_workshop(admin: Gateway, workshop: str, tag: str, cards: int, phones: int) -> None:
    partner = admin.post(
        "donations/partners", {"name": f"Orange {tag}", "kind": "telecom_operator"}
    )
    donation = _announce(
        admin,
        {
            "partner_id": partner["id"],
            "site_id": workshop,
            "lines": [fairphones(phones), orange_cards(cards)],
        },
    )
    pins = [f"SER-{tag}-{n},{uuid.uuid4().int % 10**12:012d}" for n in range(cards)]
    upload_card_codes(admin, donation, pins, timeout=30)
    receive_whole(admin, donation)
    devices = wait_until(
        lambda: (
            (page := admin.get("inventory/devices", params={"donation_id": donation["id"]}).json())[
                "total"
            ]
            == phones
            and page["items"]
        ),
        timeout=60,
    )
    for device in devices:
        for transition in TO_AVAILABLE:
            etag = admin.get(f"inventory/devices/{device['id']}")
            admin.post(
                f"inventory/devices/{device['id']}/transitions",
                transition,
                headers={"If-Match": etag.headers["ETag"], "X-Actor": "technicienne"},
            )
    wait_until(lambda: _stock(admin, workshop) == {PHONE: phones, CARD: cards}, timeout=60)


def _stock(admin: Gateway, site: str) -> dict[str, int]:
    page = admin.get("inventory/stock", params={"site_id": site, "page_size": 100}).json()
    return {level["product_key"]: level["available"] for level in page["items"]}


def _announce(admin: Gateway, body: dict) -> dict:
    """The donation, once donations has learnt the site from inventory (422 until then)."""

    def attempt() -> dict | None:
        answer = admin.http.post(f"{admin.url}/api/donations/donations", json=body, timeout=30)
        if answer.status_code == 422 and "unknown-site" in answer.text:
            return None
        assert answer.status_code == 201, answer.text
        return answer.json()

    return wait_until(attempt, timeout=30, interval=0.2)
