"""Partner impact from inventory's device events: idempotent, right when events come late."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.common.events.envelope import new_event
from services.donations.app import SERVICE as DONATIONS
from services.donations.impact import partner_impact


@pytest.fixture
def donations(sqlite_settings):
    runtime = DONATIONS.runtime(sqlite_settings("donations"))
    return runtime


def device_event(event_type, device, sequence, **extra):
    base = {
        "device_id": device["device_id"],
        "site_id": device["site_id"],
        "category": "smartphone",
        "donation_id": device["donation_id"],
        "partner_id": device["partner_id"],
    }
    if event_type == "inventory.device.received":
        data = {**base, "line_id": str(uuid.uuid4())}
    else:
        data = {
            **base,
            "asset_tag": "CS-000001",
            "from_state": extra.pop("from_state"),
            "to_state": extra.pop("to_state"),
            "occurred_at": datetime.now(UTC).isoformat(),
            **extra,
        }
    return new_event(
        event_type, source="inventory", subject=device["device_id"], sequence=sequence, data=data
    )


def made_available(device, sequence):
    return device_event(
        "inventory.device.made_available",
        device,
        sequence,
        from_state="grading",
        to_state="available",
        brand="Apple",
        model="iPhone 8",
        cosmetic_grade="B",
        functional_grade=1,
        label=None,
        buyer_note=None,
    )


def scrapped(device, sequence):
    return device_event(
        "inventory.device.scrapped",
        device,
        sequence,
        from_state="diagnosing",
        to_state="scrapped",
        reason="dead board",
        recycler_name="Ecosystem",
        recycler_certificate_ref="ECO-1",
    )


def apply(runtime, *events):
    """Each event through the consumer's own path: handler and inbox in one transaction."""
    consumer = runtime.consumer(DONATIONS.handlers)
    for event in events:
        with runtime.session_factory() as session:
            [outcome] = consumer._apply_together(session, [(event, None)])
            session.commit()
            assert outcome.kind == "ack"


def impact(runtime, partner_id):
    with runtime.session_factory() as session:
        return partner_impact(session, partner_id)


def new_device(partner_id, donation_id):
    return {
        "device_id": str(uuid.uuid4()),
        "site_id": str(uuid.uuid4()),
        "donation_id": donation_id,
        "partner_id": partner_id,
    }


def test_counts_devices_by_stage_per_partner_and_donation(donations):
    partner, donation = str(uuid.uuid4()), str(uuid.uuid4())
    a, b, c = (new_device(partner, donation) for _ in range(3))
    apply(
        donations,
        *(device_event("inventory.device.received", d, 1) for d in (a, b, c)),
        made_available(a, 6),
        scrapped(b, 3),
    )
    figures = impact(donations, partner)
    assert figures["devices_received"] == 3
    assert figures["devices"] == {"in_workshop": 1, "refurbished": 1, "scrapped": 1}
    assert figures["donations"] == [
        {
            "donation_id": donation,
            "devices_received": 3,
            "in_workshop": 1,
            "refurbished": 1,
            "scrapped": 1,
        }
    ]


def test_duplicate_events_do_not_double_count(donations):
    partner = str(uuid.uuid4())
    device = new_device(partner, str(uuid.uuid4()))
    received = device_event("inventory.device.received", device, 1)
    apply(donations, received, received, received)
    assert impact(donations, partner)["devices_received"] == 1


def test_an_event_arriving_late_does_not_undo_a_newer_one(donations):
    partner = str(uuid.uuid4())
    device = new_device(partner, str(uuid.uuid4()))
    apply(
        donations, made_available(device, 6), device_event("inventory.device.received", device, 1)
    )
    assert impact(donations, partner)["devices"] == {
        "in_workshop": 0,
        "refurbished": 1,
        "scrapped": 0,
    }
