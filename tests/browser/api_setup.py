"""Set-up data for the browser tests, made through the gateway's public API.

The browser tests drive the user interface only for the part under test; everything that
comes before it (a donation received, devices refurbished, prices, a referring
organisation) is made here with the demo keys of the embedded system.
"""

from __future__ import annotations

import uuid
from datetime import date

from stdnum import luhn

from services.embedded import DEMO_SITES
from tests.support.donation_reception import (
    fairphones,
    orange_cards,
    receive_whole,
    upload_card_codes,
)
from tests.support.donation_sites import announce_once_site_known
from tests.support.gateway_client import Gateway
from tests.support.inventory_workshop import TO_AVAILABLE
from tests.support.waiting import wait_until

PHONE, CARD = "device:smartphone:b", "card:orange:1000"
PRICES = [
    {"product_key": PHONE, "market_cents": 12000, "solidarity_cents": 1500},
    {"product_key": CARD, "market_cents": 1000, "solidarity_cents": 250},
]


class Api(Gateway):
    """The gateway, called with one API key (the stack tests' client, whose GETs must be 200)."""

    def get(self, path: str, **params):
        response = self.http.get(f"{self.url}/api/{path}", params=params, timeout=10)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        return response

    def put(self, path: str, body: dict) -> dict:
        response = self.http.put(f"{self.url}/api/{path}", json=body, timeout=10)
        assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"
        return response.json()


def site_named(api: Api, name: str) -> dict:
    return next(site for site in api.get("inventory/sites").json() if site["name"] == name)


def announce(
    partner: Api, partner_id: str, site_id: str, *, phones: int, cards: int = 0, imeis=()
) -> dict:
    lines = []
    if phones:
        lines.append(fairphones(phones, imeis=list(imeis)))
    if cards:
        lines.append(orange_cards(cards))
    body = {"partner_id": partner_id, "site_id": site_id, "lines": lines}
    return announce_once_site_known(partner, body)


def upload_pins(partner: Api, donation: dict, pins: list[str]) -> None:
    upload_card_codes(partner, donation, [f"SER-{uuid.uuid4().hex[:10]},{pin}" for pin in pins])


def receive(workshop: Api, donation: dict) -> list[dict]:
    """The donation received whole; its devices once inventory has them."""
    receive_whole(workshop, donation)
    phones = sum(
        line["expected_quantity"] for line in donation["lines"] if line["kind"] == "hardware_lot"
    )
    return wait_until(
        lambda: (
            (
                (page := workshop.get("inventory/devices", donation_id=donation["id"]).json())[
                    "total"
                ]
                == phones
                and page["items"]
            )
            if phones
            else []
        ),
        timeout=20,
    )


def refurbish(workshop: Api, device: dict) -> None:
    for transition in TO_AVAILABLE:
        etag = workshop.get(f"inventory/devices/{device['id']}").headers["ETag"]
        workshop.post(
            f"inventory/devices/{device['id']}/transitions", transition, headers={"If-Match": etag}
        )


def publish_prices(admin: Api) -> None:
    admin.post("sales/price-grids", {"entries": PRICES})


def approved_organisation(admin: Api) -> dict:
    organisation = admin.post(
        "sales/organisations",
        {
            "name": f"CCAS {uuid.uuid4().hex[:6]}",
            "kind": "ccas",
            "contacts": [{"name": "Assistante sociale", "email": "as@example.org"}],
        },
    )
    return admin.put(f"sales/organisations/{organisation['id']}/approval", {"approved": True})


def suspend(admin: Api, organisation: dict) -> dict:
    return admin.put(f"sales/organisations/{organisation['id']}/approval", {"approved": False})


def ship(workshop: Api, from_site_id: str, to_site_id: str, devices: list[dict]) -> dict:
    """A transfer of these (available) devices, shipped."""
    lines = []
    for device in devices:
        graded = workshop.get(f"inventory/devices/{device['id']}").json()
        lines.append({"product_key": graded["product_key"], "device_id": device["id"]})
    body = {"from_site_id": from_site_id, "to_site_id": to_site_id, "lines": lines}
    return workshop.post("inventory/transfers", body)


def receive_transfer(counter: Api, transfer: dict) -> dict:
    return counter.post(f"inventory/transfers/{transfer['id']}/reception", {})


def counter_key(admin: Api, name: str, site_id: str) -> dict:
    return admin.post("keys", {"name": name, "role": "counter", "site_id": site_id})


def enrol(counter: Api, organisation: dict, name: str) -> str:
    person = counter.post(
        "sales/beneficiaries",
        {
            "display_name": name,
            "contact": "06 12 34 56 78",
            "organisation_id": organisation["id"],
            "social_worker_id": organisation["contacts"][0]["id"],
            "referred_on": date.today().isoformat(),
        },
    )
    return person["code"]


def new_imei() -> str:
    """A valid 15-digit IMEI no test used before (its Luhn check digit computed)."""
    body = f"35{uuid.uuid4().int % 10**12:012d}"
    return body + luhn.calc_check_digit(body)


def available(api: Api, site_id: str) -> dict[str, int]:
    items = api.get(f"sales/sites/{site_id}/catalogue").json()
    items = items["items"] if isinstance(items, dict) else items
    return {item["product_key"]: item["available"] for item in items if item["available"]}


def counter_with_a_card(system) -> tuple[Api, str]:
    """On a demo-keyed embedded system: a card received, priced and in stock at the Paris
    counter, and a person enrolled there; the counter's client and the person's code."""
    apis = {role: Api(system.gateway_url, key) for role, key in system.demo_keys.items()}
    paris = next(
        s for s in apis["admin"].get("inventory/sites").json() if s["name"] == DEMO_SITES[1][0]
    )
    partner_id = apis["partner"].get("me").json()["partner_id"]
    donation = announce(apis["partner"], partner_id, paris["id"], phones=0, cards=1)
    upload_pins(apis["partner"], donation, ["123456789012"])
    lines = [
        {"line_id": line["id"], "received_quantity": line["expected_quantity"]}
        for line in donation["lines"]
    ]
    apis["workshop"].post(f"donations/donations/{donation['id']}/reception", {"lines": lines})
    publish_prices(apis["admin"])
    wait_until(lambda: available(apis["counter"], paris["id"]).get(CARD), timeout=20)
    return apis["counter"], enrol(apis["counter"], approved_organisation(apis["admin"]), "J. D.")
