"""Devices and workshop payloads for the inventory tests (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from services.common.events.envelope import CloudEvent, new_event
from services.demo.workshop import wipe_record
from services.inventory.handlers.intake import receive_donation
from services.inventory.models import Device, Site

ALL_PASS = {
    "screen": "pass",
    "battery": "pass",
    "battery_health_percent": 88,
    "charging": "pass",
    "radio_wifi": "pass",
    "camera": "pass",
    "audio": "pass",
    "buttons": "pass",
    "storage": "pass",
}
CAMERA_FAILS = {**ALL_PASS, "camera": "fail"}


def wipe(**changes) -> dict:
    record = wipe_record(
        datetime.now(UTC) - timedelta(hours=1),
        title="Technicienne",
        location="Atelier Paris 11e",
        media_type="flash memory (eMMC)",
    )
    return {**record, **changes}


REPAIR = {
    "parts": [{"name": "battery", "quantity": 1, "reference": "BAT-IP8"}],
    "labour_minutes": 25,
    "cost_cents": 1890,
}
GRADE = {"cosmetic": "B", "functional": 1, "label": "iPhone 8 64 Go - très bon état"}
SCRAP = {
    "reason": "logic board dead",
    "recycler_name": "Ecosystem DEEE",
    "recycler_certificate_ref": "ECO-2026-00042",
}

# The transitions from received to available, each with the record of the step it ends.
TO_AVAILABLE = [
    {"to": "diagnosing"},
    {"to": "wiping", "diagnosis": ALL_PASS},
    {"to": "grading", "wipe": wipe()},
    {"to": "available", "grade": GRADE},
]


def add_site(runtime, kind: str = "workshop", site_id: str | None = None) -> str:
    with runtime.session_factory() as session, session.begin():
        site = Site(
            id=site_id or str(uuid.uuid4()), name=f"site {uuid.uuid4()}", city="Paris", kind=kind
        )
        session.add(site)
    return site.id


def donation_received(site_id: str, *lines: dict) -> CloudEvent:
    """Donations' ``donations.donation.received`` of a new donation at ``site_id``: these
    lines, each given a new ``line_id``."""
    donation_id = str(uuid.uuid4())
    return new_event(
        "donations.donation.received",
        source="donations",
        subject=donation_id,
        sequence=2,
        data={
            "donation_id": donation_id,
            "partner_id": str(uuid.uuid4()),
            "site_id": site_id,
            "received_at": datetime.now(UTC).isoformat(),
            "lines": [{"line_id": str(uuid.uuid4()), **line} for line in lines],
        },
    )


def receive_devices(runtime, site_id: str, count: int, imeis: list[str] | None = None):
    """Intake of one donation of ``count`` smartphones; the devices, in order of arrival."""
    event = donation_received(
        site_id,
        {
            "kind": "hardware_lot",
            "category": "smartphone",
            "brand": "Apple",
            "model": "iPhone 8",
            "quantity": count,
            "imeis": imeis or [],
        },
    )
    with runtime.unit_of_work() as uow:
        receive_donation(uow, event)
        uow.commit()
        devices = uow.session.scalars(
            select(Device)
            .where(Device.donation_id == event.data["donation_id"])
            .order_by(Device.asset_tag)
        ).all()
    return devices


def events(runtime, prefix: str = "inventory.device.") -> list[dict]:
    """The outbox, oldest first, as CloudEvents (type, subject, sequence, data)."""
    with runtime.engine.connect() as connection:
        bodies = connection.scalars(
            select(runtime.tables.outbox.c.body).order_by(runtime.tables.outbox.c.id)
        ).all()
    return [event for event in map(json.loads, bodies) if event["type"].startswith(prefix)]
