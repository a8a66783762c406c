"""A sales service under test (SQLite or PostgreSQL) and the inventory events it consumes.

``SalesDesk`` drives sales through its HTTP API like a counter would (orders with a counter
key of the order's site, settings with the test clients' default admin key), and feeds
inventory's answers through the consumer's own path (handler and inbox in one transaction).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from services.common.events.envelope import new_event
from services.sales.app import SERVICE as SALES
from services.sales.models import MESSAGING
from tests.support.auth import as_counter

PRICES = [
    {"product_key": "card:orange:1000", "market_cents": 1000, "solidarity_cents": 250},
    {"product_key": "card:orange:2000", "market_cents": 2000, "solidarity_cents": 500},
    {"product_key": "device:smartphone:b", "market_cents": 12000, "solidarity_cents": 1500},
    {"product_key": "device:laptop:a", "market_cents": 30000, "solidarity_cents": 2500},
    {"product_key": "allowance:data-mb", "market_cents": 2, "solidarity_cents": 1},
]


class SalesDesk:
    def __init__(self, runtime, app: Flask | None = None) -> None:
        """``app``: sales' app on ``runtime`` (default: a new one)."""
        self.runtime = runtime
        self.app = app or SALES.create_app({"RUNTIME": runtime})
        self.client = self.app.test_client()
        self.site_id = str(uuid.uuid4())
        self._sequence = 0

    # setting up ---------------------------------------------------------------------------
    def open_site(self, site_id: str | None = None, kind: str = "counter") -> str:
        site_id = site_id or str(uuid.uuid4())
        data = {"site_id": site_id, "name": f"Site {site_id[:8]}", "city": "Lyon", "kind": kind}
        self.apply(event("inventory.site.opened", site_id, 1, data))
        return site_id

    def organisation(self, *, approved: bool = True) -> dict:
        body = {
            "name": f"CCAS {uuid.uuid4().hex[:8]}",
            "kind": "ccas",
            "contacts": [{"name": "Assistante sociale", "email": "as@example.org"}],
        }
        created = self.client.post("/organisations", json=body)
        assert created.status_code == 201, created.get_json()
        if approved:
            self.client.put(
                f"/organisations/{created.get_json()['id']}/approval", json={"approved": True}
            )
        return self.client.get(f"/organisations/{created.get_json()['id']}").get_json()

    def enrol(self, organisation: dict | None = None, headers=None, **changes):
        """Enrol as an admin, or as ``headers`` say; a change to None leaves the field out."""
        organisation = organisation or self.organisation()
        body = {
            "display_name": "Jeanne D.",
            "contact": "06 12 34 56 78",
            "home_site_id": self.site_id,
            "organisation_id": organisation["id"],
            "social_worker_id": organisation["contacts"][0]["id"],
            "referred_on": date.today().isoformat(),
            "referral_reason": "hébergée en CHRS, recherche d'emploi",
            **changes,
        }
        body = {name: value for name, value in body.items() if value is not None}
        return self.client.post("/beneficiaries", json=body, headers=headers)

    def person(self, **changes) -> str:
        response = self.enrol(**changes)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["code"]

    def publish_prices(self, entries=PRICES, **grid) -> dict:
        response = self.client.post("/price-grids", json={"entries": entries, **grid})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    # orders -------------------------------------------------------------------------------
    def order(self, code: str, *lines: tuple[str, int], site_id: str | None = None, client=None):
        body = {
            "beneficiary_code": code,
            "lines": [{"product_key": key, "quantity": quantity} for key, quantity in lines],
        }
        headers = as_counter(site_id or self.site_id)
        return (client or self.client).post("/orders", json=body, headers=headers)

    def placed(self, code: str, *lines: tuple[str, int]) -> dict:
        response = self.order(code, *lines)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def reserved(self, code: str, *lines: tuple[str, int], minutes: int = 15) -> dict:
        order = self.placed(code, *lines)
        self.apply(accepted(order, minutes=minutes))
        return self.get(order)

    def get(self, order: dict) -> dict:
        return self.client.get(f"/orders/{order['id']}").get_json()

    def complete(self, order: dict, method: str = "cash", client=None, wait: float = 0):
        """Ask to complete (no inventory here: ``wait=0`` answers 202 ``completing``)."""
        return (client or self.client).post(
            f"/orders/{order['id']}/completion",
            json={"payment_method": method},
            query_string={"wait": wait},
            headers=as_counter(order["site_id"]),
        )

    def completed(self, code: str, *lines: tuple[str, int]) -> dict:
        """An order reserved, asked to complete, and committed by inventory."""
        order = self.reserved(code, *lines)
        response = self.complete(order)
        assert response.status_code == 202, response.get_json()
        self.apply(committed(self.get(order)))
        return self.get(order)

    def cancel(self, order: dict):
        return self.client.post(
            f"/orders/{order['id']}/cancellation",
            json={"reason": "changed"},
            headers=as_counter(order["site_id"]),
        )

    # events -------------------------------------------------------------------------------
    def apply(self, *events) -> None:
        """Each event through the consumer's own path: handler and inbox in one transaction."""
        consumer = self.runtime.consumer(SALES.handlers)
        for one in events:
            with self.runtime.session_factory() as session:
                [outcome] = consumer._apply_together(session, [(one, None)])
                session.commit()
            assert outcome.kind == "ack"

    def emitted(self, event_type: str) -> list[dict]:
        outbox = MESSAGING.outbox
        with self.runtime.engine.connect() as connection:
            bodies = connection.scalars(
                select(outbox.c.body).where(outbox.c.event_type == event_type).order_by(outbox.c.id)
            ).all()
        return [json.loads(body) for body in bodies]


def event(event_type: str, subject: str, sequence: int, data: dict):
    return new_event(event_type, source="inventory", subject=subject, sequence=sequence, data=data)


def accepted(order: dict, minutes: int = 15, reservation_id: str | None = None):
    expires = datetime.now(UTC) + timedelta(minutes=minutes)
    items = [
        {
            "line_id": line["id"],
            "item_type": "prepaid_card" if line["family"] == "prepaid_card" else line["family"],
            "item_id": str(uuid.uuid4()),
            "product_key": line["product_key"],
            "quantity": line["quantity"],
        }
        for line in order["lines"]
    ]
    data = {
        "order_id": order["id"],
        "reservation_id": reservation_id or str(uuid.uuid4()),
        "site_id": order["site_id"],
        "expires_at": expires.isoformat(),
        "items": items,
    }
    return event("inventory.reservation.accepted", order["id"], 1, data)


def rejected(order: dict):
    line = order["lines"][0]
    refused = {
        "line_id": line["id"],
        "product_key": line["product_key"],
        "requested": line["quantity"],
        "available": 0,
        "reason": "out_of_stock",
    }
    data = {"order_id": order["id"], "site_id": order["site_id"], "lines": [refused]}
    return event("inventory.reservation.rejected", order["id"], 1, data)


def expired(order: dict, reservation_id: str | None = None):
    data = {
        "order_id": order["id"],
        "reservation_id": reservation_id or order.get("reservation_id") or str(uuid.uuid4()),
        "site_id": order["site_id"],
        "expired_at": datetime.now(UTC).isoformat(),
    }
    return event("inventory.reservation.expired", order["id"], 2, data)


def committed(order: dict, after_expiry: bool = False, at: datetime | None = None):
    data = {
        "order_id": order["id"],
        "reservation_id": order["reservation_id"],
        "site_id": order["site_id"],
        "committed_at": (at or datetime.now(UTC)).isoformat(),
        "after_expiry": after_expiry,
        "items": order["reserved_items"],
    }
    return event("inventory.reservation.committed", order["id"], 3 if after_expiry else 2, data)


def commit_refused(order: dict, reason: str = "items-gone"):
    data = {
        "order_id": order["id"],
        "reservation_id": order["reservation_id"],
        "site_id": order["site_id"],
        "reason": reason,
        "refused_at": datetime.now(UTC).isoformat(),
    }
    return event("inventory.reservation.commit_refused", order["id"], 3, data)


def released(order: dict, reason: str = "order cancelled"):
    data = {
        "order_id": order["id"],
        "reservation_id": order.get("reservation_id") or str(uuid.uuid4()),
        "site_id": order["site_id"],
        "reason": reason,
    }
    return event("inventory.reservation.released", order["id"], 2, data)


def availability(site_id: str, product_key: str, available: int, sequence: int, **product):
    family = {"device": "device", "card": "prepaid_card", "allowance": "allowance"}
    data = {
        "site_id": site_id,
        "product": {
            "product_key": product_key,
            "family": family[product_key.split(":")[0]],
            "label": product.pop("label", product_key),
            **product,
        },
        "available": available,
    }
    return event("inventory.availability.changed", f"{site_id}:{product_key}", sequence, data)


def ready_desk(runtime, app: Flask | None = None) -> SalesDesk:
    """A desk whose counter site is known and whose price grid is published."""
    desk = SalesDesk(runtime, app)
    desk.open_site(desk.site_id)
    desk.publish_prices()
    return desk


def desk_on(service) -> SalesDesk:
    """A ready desk on a service under test (``service_on_sqlite("sales", own=…)``)."""
    return ready_desk(service.runtime, service.app)
