"""A small world built through the gateway for the authorization matrix: two owners, A and B.

Each owner is a partner and a counter site (in different cities) with their own API keys and
objects: a received donation (prepaid cards with their codes, a hardware line, minutes) whose
cards reach stock at the counter, a donation still announced, a transfer of minutes from the
workshop, a referred person, and three orders (one sold, two reserved). Shared by both: the
workshop site W with a refurbished device, an approved referring organisation, a price grid,
and the admin, workshop and auditor keys. Personal values planted in it are distinctive, so
an answer that shows one is easy to spot (ASCII, so that no encoding hides it).
"""

from __future__ import annotations

import re
import tempfile
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
import requests

from services.embedded import DEMO_PARTNER, EmbeddedSystem
from services.sales.handlers.reports import make_due_reports
from tests.support.donation_sites import announce_once_site_known
from tests.support.inventory_workshop import ALL_PASS, GRADE, wipe
from tests.support.waiting import wait_until

CARD = "card:orange:1000"
MINUTES = "allowance:minutes"
CARDS_PER_SITE = 4
TIMEOUT = 15


def embedded_environment(patch: pytest.MonkeyPatch, data_dir: str, namespace: str) -> None:
    """The environment of an embedded system of its own (as the other embedded tests set it)."""
    patch.setenv("DATA_DIR", data_dir)
    patch.setenv("EVENT_NAMESPACE", namespace)
    patch.setenv("BROKER_URL", "memory://")
    patch.setenv("GATEWAY_RATE_LIMIT", "100000/second")
    # Test-only: the owners' webhooks point at a closed port on loopback (WEBHOOK_SINK).
    patch.setenv("WEBHOOKS_ALLOW_LOOPBACK_HTTP", "1")
    for service in ("DONATIONS", "INVENTORY", "SALES", "GATEWAY"):
        patch.delenv(f"{service}_DATABASE_URL", raising=False)


def read_combined_document() -> dict:
    """The gateway's combined OpenAPI document, from a throwaway embedded system.

    Used while pytest collects, so the matrix's cases come from the document itself."""
    with tempfile.TemporaryDirectory() as data_dir, pytest.MonkeyPatch.context() as patch:
        embedded_environment(patch, data_dir, f"matrixdoc{uuid.uuid4().hex[:8]}")
        patch.setenv("TOKEN_KEY_DIR", f"{data_dir}/keys")
        patch.setenv("CARD_CODES_KEY_DIR", f"{data_dir}/keys")
        system = EmbeddedSystem(gateway_port=0).start()
        try:
            return requests.get(f"{system.gateway_url}/openapi.json", timeout=TIMEOUT).json()
        finally:
            system.stop()


class Gateway:
    """Calls through the gateway with one API key or another."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def call(self, method: str, path: str, key: str | None, **kwargs) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        return self.http.request(
            method, f"{self.url}{path}", headers=headers, timeout=TIMEOUT, **kwargs
        )

    def ok(self, method: str, path: str, key: str, **kwargs) -> Any:
        response = self.call(method, path, key, **kwargs)
        assert response.status_code < 300, (
            f"{method} {path}: {response.status_code} {response.text}"
        )
        return response.json() if response.content else None

    def announce(self, key: str, body: dict) -> Any:
        return announce_once_site_known(self, body, {"Authorization": f"Bearer {key}"})


def items(page: Any) -> list[dict]:
    return page["items"] if isinstance(page, dict) else page


def answer_text(response: requests.Response) -> str:
    """What an answer says, PDFs included (their compressed text streams are inflated)."""
    if response.headers.get("Content-Type", "").startswith("application/pdf"):
        streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", response.content, re.S)
        return "".join(_inflate(stream) for stream in streams)
    return response.text


def _inflate(stream: bytes) -> str:
    try:
        return zlib.decompress(stream).decode("latin-1")
    except zlib.error:
        return stream.decode("latin-1")


@dataclass
class Owner:
    """A partner and a counter site, their keys and the objects they own."""

    label: str
    city: str
    partner_id: str = ""
    site_id: str = ""
    partner_key: str = ""
    counter_key: str = ""
    donation_id: str = ""  # received
    cards_line_id: str = ""
    pending_donation_id: str = ""  # announced, not received
    pending_cards_line_id: str = ""
    pending_hardware_line_id: str = ""
    card_ids: list[str] = field(default_factory=list)
    transfer_id: str = ""
    beneficiary_code: str = ""  # a person enrolled at the site
    beneficiary_name: str = ""
    sold_order_id: str = ""  # completed: its receipt exists, its codes may be revealed
    open_order_id: str = ""  # reserved, to complete
    spare_order_id: str = ""  # reserved, to cancel
    reservation_id: str = ""  # the sold order's
    contact: dict = field(default_factory=dict)  # the partner's
    webhook_id: str = ""  # the partner's webhook endpoint, pinged once
    webhook_delivery_id: str = ""  # that ping
    spare_webhook_id: str = ""  # an endpoint to delete
    personal: list[str] = field(default_factory=list)

    def key_for(self, role: str) -> str:
        return {"partner": self.partner_key, "counter": self.counter_key}[role]

    def owned_ids(self, kind: str) -> set[str]:
        """The ids of what this owner's partner (``kind`` "partner") or site ("site") owns."""
        if kind == "partner":
            donations = {self.partner_id, self.donation_id, self.pending_donation_id}
            return donations | {self.webhook_id, self.spare_webhook_id, self.webhook_delivery_id}
        orders = (self.sold_order_id, self.open_order_id, self.spare_order_id)
        return {
            *(self.site_id, self.transfer_id, self.reservation_id, self.beneficiary_code),
            *orders,
            *self.card_ids,
        }


@dataclass
class World:
    gateway: Gateway
    keys: dict[str, str]  # admin, workshop, auditor
    a: Owner
    b: Owner
    workshop_site_id: str = ""
    device_id: str = ""  # refurbished at W: its wipe certificate exists
    organisation_id: str = ""
    price_grid_version: int = 0
    spare_key_id: str = ""  # an API key only the matrix's admin-only operations touch
    report_id: str = ""  # last month's report, as the sales worker makes it on the 1st
    limit_code: str = "monthly-spending"
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    personal: list[str] = field(default_factory=list)  # the organisation's contact
    technicians: list[str] = field(default_factory=list)  # who wiped and verified the device

    def owners(self) -> tuple[Owner, Owner]:
        return self.a, self.b

    def key(self, role: str) -> str:
        """The role's key; A's for the scoped roles."""
        return self.a.key_for(role) if role in ("partner", "counter") else self.keys[role]


def build_world(system: EmbeddedSystem) -> World:
    demo = system.create_demo_keys()
    gateway = Gateway(system.gateway_url)
    world = World(
        gateway,
        {role: demo[role] for role in ("admin", "workshop", "auditor")},
        Owner("A", "Lille"),
        Owner("B", "Nantes"),
    )
    _sites_partners_and_keys(world)
    _referrals(world)
    for owner in world.owners():
        _donations(world, owner)
        _webhooks(world, owner)
    _workshop_goods(world)
    _wait_for_stock(world)
    for owner in world.owners():
        _orders(world, owner)
    _settled(world)
    _monthly_report(world, system)
    return world


def _admin(world: World, method: str, path: str, **kwargs) -> Any:
    return world.gateway.ok(method, path, world.keys["admin"], **kwargs)


def _sites_partners_and_keys(world: World) -> None:
    tag = world.tag
    workshop = {"name": f"Atelier matrice {tag}", "city": "Paris", "kind": "workshop"}
    world.workshop_site_id = _admin(world, "POST", "/api/inventory/sites", json=workshop)["id"]
    for owner in world.owners():
        site = {"name": f"Accueil {owner.label} {tag}", "city": owner.city, "kind": "counter"}
        owner.site_id = _admin(world, "POST", "/api/inventory/sites", json=site)["id"]
        contact = {
            "name": f"Claire Contact{owner.label}{tag}",
            "email": f"claire.{owner.label.lower()}.{tag}@example.org",
            "phone": f"+33 1 {_digits(2)} {_digits(2)} {_digits(2)} {_digits(2)}",
        }
        partner = {"name": f"Operateur {owner.label} {tag}", "kind": "telecom_operator"}
        partner["contacts"], owner.contact = [contact], contact
        owner.partner_id = _admin(world, "POST", "/api/donations/partners", json=partner)["id"]
        owner.personal += list(contact.values())
        for role, scope in (("partner", "partner_id"), ("counter", "site_id")):
            body = {"name": f"{role} {owner.label} {tag}", "role": role}
            body[scope] = getattr(owner, scope)
            setattr(owner, f"{role}_key", _admin(world, "POST", "/api/keys", json=body)["key"])
    spare = {"name": f"spare {tag}", "role": "auditor"}
    world.spare_key_id = _admin(world, "POST", "/api/keys", json=spare)["id"]
    wanted = {world.a.site_id, world.b.site_id}
    wait_until(
        lambda: wanted <= {s["site_id"] for s in items(_admin(world, "GET", "/api/sales/sites"))}
    )


WEBHOOK_SINK = "http://127.0.0.1:9/matrix"  # the discard port: nothing listens there


def _webhooks(world: World, owner: Owner) -> None:
    """Two endpoints of the owner's partner (one to delete) and a ping of the first."""
    body = {"url": WEBHOOK_SINK, "kinds": ["webhook.test"]}
    key = owner.partner_key
    owner.webhook_id = world.gateway.ok("POST", "/api/donations/webhooks", key, json=body)["id"]
    spare = world.gateway.ok("POST", "/api/donations/webhooks", key, json=body)
    owner.spare_webhook_id = spare["id"]
    ping = f"/api/donations/webhooks/{owner.webhook_id}/ping"
    owner.webhook_delivery_id = world.gateway.ok("POST", ping, key)["id"]


def _digits(count: int) -> str:
    return f"{uuid.uuid4().int % 10**count:0{count}d}"


def _referrals(world: World) -> None:
    tag = world.tag
    worker = {
        "name": f"Assistante Sociale{tag}",
        "email": f"as.{tag}@example.org",
        "phone": f"04 {_digits(2)} {_digits(2)} {_digits(2)} {_digits(2)}",
    }
    body = {"name": f"CCAS matrice {tag}", "kind": "ccas", "contacts": [worker]}
    organisation = _admin(world, "POST", "/api/sales/organisations", json=body)
    world.organisation_id = organisation["id"]
    world.personal += list(worker.values())
    _admin(
        world,
        "PUT",
        f"/api/sales/organisations/{organisation['id']}/approval",
        json={"approved": True},
    )
    prices = [
        {"product_key": CARD, "market_cents": 1000, "solidarity_cents": 250},
        {"product_key": MINUTES, "market_cents": 2, "solidarity_cents": 1},
    ]
    grid = _admin(world, "POST", "/api/sales/price-grids", json={"entries": prices})
    world.price_grid_version = grid["version"]
    for owner in world.owners():
        person = {
            "display_name": f"Jeanne Personne{owner.label}{tag}",
            "contact": f"06 {_digits(2)} {_digits(2)} {_digits(2)} {_digits(2)}",
            "organisation_id": organisation["id"],
            "social_worker_id": organisation["contacts"][0]["id"],
            "referred_on": date.today().isoformat(),
            "referral_reason": f"heberge en CHRS {owner.label}{tag}",
        }
        enrolled = world.gateway.ok(
            "POST", "/api/sales/beneficiaries", owner.counter_key, json=person
        )
        owner.beneficiary_code, owner.beneficiary_name = enrolled["code"], person["display_name"]
        owner.personal += [person["display_name"], person["contact"], person["referral_reason"]]


def card_codes(count: int) -> list[dict]:
    return [
        {"serial": f"SER-{uuid.uuid4().hex[:10]}", "pin": f"{uuid.uuid4().int % 10**12:012d}"}
        for _ in range(count)
    ]


def _donations(world: World, owner: Owner) -> None:
    cards = {
        "kind": "prepaid_cards",
        "quantity": CARDS_PER_SITE,
        "operator": "Orange",
        "product_name": "Recharge 10 EUR",
        "face_value_cents": 1000,
        "expiry_date": "2099-12-31",
    }
    hardware = {"kind": "hardware_lot", "category": "smartphone", "quantity": 1, "brand": "FP"}
    minutes = {"kind": "allowance", "unit": "minutes", "quantity": 100, "validity_days": 30}
    received = {
        "partner_id": owner.partner_id,
        "site_id": owner.site_id,
        "lines": [{**cards, "codes": card_codes(CARDS_PER_SITE)}, hardware, minutes],
    }
    gateway = world.gateway
    donation = gateway.announce(owner.partner_key, received)
    owner.donation_id = donation["id"]
    owner.cards_line_id = donation["lines"][0]["id"]
    reception = {
        "lines": [
            {"line_id": line["id"], "received_quantity": line["expected_quantity"]}
            for line in donation["lines"]
        ]
    }
    path = f"/api/donations/donations/{donation['id']}/reception"
    gateway.ok("POST", path, world.keys["workshop"], json=reception)
    pending = {
        "partner_id": owner.partner_id,
        "site_id": owner.site_id,
        "lines": [{**cards, "quantity": 1}, {**hardware, "quantity": 2}],  # room for 1 code
    }
    announced = gateway.announce(owner.partner_key, pending)
    owner.pending_donation_id = announced["id"]
    owner.pending_cards_line_id, owner.pending_hardware_line_id = (
        line["id"] for line in announced["lines"]
    )


def _workshop_goods(world: World) -> None:
    """A refurbished device at the workshop, and minutes it sends to each counter."""
    partners = items(_admin(world, "GET", "/api/donations/partners"))
    demo_partner = next(partner for partner in partners if partner["name"] == DEMO_PARTNER)
    body = {
        "partner_id": demo_partner["id"],
        "site_id": world.workshop_site_id,
        "lines": [
            {"kind": "hardware_lot", "category": "smartphone", "quantity": 1},
            {"kind": "allowance", "unit": "minutes", "quantity": 1000, "validity_days": 30},
        ],
    }
    donation = world.gateway.announce(world.keys["admin"], body)
    reception = {
        "lines": [
            {"line_id": line["id"], "received_quantity": line["expected_quantity"]}
            for line in donation["lines"]
        ]
    }
    _admin(world, "POST", f"/api/donations/donations/{donation['id']}/reception", json=reception)
    devices_path = f"/api/inventory/devices?donation_id={donation['id']}"
    [device] = wait_until(lambda: items(_admin(world, "GET", devices_path)))
    world.device_id = device["id"]
    workshop = world.keys["workshop"]
    record = wipe()
    world.technicians = [f"Zoe Technicienne{world.tag}", f"Karim Verificateur{world.tag}"]
    for step, name in zip(("sanitised_by", "verified_by"), world.technicians, strict=True):
        record[step]["person"] = name
    to_available = [
        {"to": "diagnosing"},
        {"to": "wiping", "diagnosis": ALL_PASS},
        {"to": "grading", "wipe": record},
        {"to": "available", "grade": GRADE},
    ]
    for transition in to_available:
        url = f"/api/inventory/devices/{device['id']}"
        etag = world.gateway.call("GET", url, workshop).headers["ETag"]
        world.gateway.ok(
            "POST", f"{url}/transitions", workshop, json=transition, headers={"If-Match": etag}
        )
    stock = f"/api/inventory/stock?site_id={world.workshop_site_id}&product_key={MINUTES}"
    wait_until(lambda: items(_admin(world, "GET", stock)))
    for owner in world.owners():
        transfer = {
            "from_site_id": world.workshop_site_id,
            "to_site_id": owner.site_id,
            "lines": [{"product_key": MINUTES, "quantity": 100}],
        }
        sent = world.gateway.ok("POST", "/api/inventory/transfers", workshop, json=transfer)
        owner.transfer_id = sent["id"]


def _wait_for_stock(world: World) -> None:
    for owner in world.owners():
        cards = f"/api/inventory/cards?site_id={owner.site_id}"
        found = wait_until(
            lambda cards=cards: (
                len(page := items(_admin(world, "GET", cards))) == CARDS_PER_SITE and page
            )
        )
        owner.card_ids = [card["id"] for card in found]
        catalogue = f"/api/sales/sites/{owner.site_id}/catalogue"
        wait_until(
            lambda catalogue=catalogue: any(
                item["product_key"] == CARD and item["available"] == CARDS_PER_SITE
                for item in items(_admin(world, "GET", catalogue))
            )
        )


def place_reserved_order(world: World, owner: Owner) -> str:
    gateway = world.gateway
    body = {"beneficiary_code": owner.beneficiary_code, "lines": [{"product_key": CARD}]}
    order = gateway.ok("POST", "/api/sales/orders", owner.counter_key, json=body)
    path = f"/api/sales/orders/{order['id']}"
    state = wait_until(
        lambda: (
            (answer := gateway.ok("GET", path, owner.counter_key, params={"wait": 5}))["state"]
            != "pending"
            and answer["state"]
        )
    )
    assert state == "reserved", f"order {order['id']} at {owner.label}: {state}"
    return order["id"]


def _orders(world: World, owner: Owner) -> None:
    gateway = world.gateway
    owner.sold_order_id = place_reserved_order(world, owner)
    gateway.ok(
        "POST",
        f"/api/sales/orders/{owner.sold_order_id}/completion",
        owner.counter_key,
        json={"payment_method": "cash"},
    )
    owner.open_order_id = place_reserved_order(world, owner)
    owner.spare_order_id = place_reserved_order(world, owner)
    reservations = f"/api/inventory/reservations?order_id={owner.sold_order_id}"
    [reservation] = items(_admin(world, "GET", reservations))
    owner.reservation_id = reservation["id"]


def _settled(world: World) -> None:
    """Wait for the events the world's actions sent: sold cards, the partners' impact."""
    for owner in world.owners():
        sold = f"/api/inventory/cards?site_id={owner.site_id}&state=sold"
        wait_until(lambda sold=sold: len(items(_admin(world, "GET", sold))) == 1)
        impact = f"/api/donations/partners/{owner.partner_id}/impact"
        wait_until(lambda impact=impact: _admin(world, "GET", impact)["cards_sold"] == 1)


def _monthly_report(world: World, system: EmbeddedSystem) -> None:
    """Last month's report, made by the sales worker's task as on the 1st of the month."""
    make_due_reports(system.runtimes["sales"])
    world.report_id = _admin(world, "GET", "/api/sales/reports")[0]["id"]
