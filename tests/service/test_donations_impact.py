"""Partner impact from inventory's device events: idempotent, right when events come late."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.common.events.envelope import new_event
from services.donations.app import SERVICE as DONATIONS


@pytest.fixture
def donations(service_on_sqlite):
    """Donations' runtime alone: the impact is fed by events, read by the repository."""
    return service_on_sqlite("donations").runtime


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
    with runtime.unit_of_work() as uow:
        return uow.impact.of_partner(partner_id)


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
            "devices_sold": 0,
            "co2e_kg": 0.0,
            "materials_kg": 0.0,
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


def committed(order_id, site_id, *items):
    return new_event(
        "inventory.reservation.committed",
        source="inventory",
        subject=str(uuid.uuid4()),
        sequence=3,
        data={
            "order_id": order_id,
            "reservation_id": str(uuid.uuid4()),
            "site_id": site_id,
            "committed_at": datetime.now(UTC).isoformat(),
            "items": list(items),
        },
    )


def sold(item_type, partner_id, product_key):
    return {
        "line_id": str(uuid.uuid4()),
        "item_type": item_type,
        "item_id": str(uuid.uuid4()),
        "product_key": product_key,
        "quantity": 1,
        "partner_id": partner_id,
        "donation_id": str(uuid.uuid4()),
    }


def completed(order_id, site_id, beneficiary_code):
    return new_event(
        "sales.order.completed",
        source="sales",
        subject=order_id,
        sequence=3,
        data={
            "order_id": order_id,
            "site_id": site_id,
            "reservation_id": str(uuid.uuid4()),
            "beneficiary_code": beneficiary_code,
            "payment_method": "cash",
            "completed_at": datetime.now(UTC).isoformat(),
        },
    )


def site_opened(site_id, city):
    return new_event(
        "inventory.site.opened",
        source="inventory",
        subject=site_id,
        sequence=1,
        data={"site_id": site_id, "name": f"Point {city}", "city": city, "kind": "counter"},
    )


def test_people_reached_are_distinct_per_city_whatever_the_event_order(donations):
    partner, other_partner = str(uuid.uuid4()), str(uuid.uuid4())
    lyon, paris = str(uuid.uuid4()), str(uuid.uuid4())
    orders = [str(uuid.uuid4()) for _ in range(3)]
    apply(
        donations,
        # sales' answers arrive before inventory's and before the sites are known
        completed(orders[0], lyon, "B-AAA"),
        completed(orders[1], lyon, "B-AAA"),  # the same person again
        completed(orders[2], paris, "B-BBB"),
        committed(orders[0], lyon, sold("device", partner, "device:smartphone:b")),
        committed(orders[1], lyon, sold("prepaid_card", partner, "card:op:500")),
        committed(
            orders[2],
            paris,
            sold("prepaid_card", partner, "card:op:500"),
            sold("device", other_partner, "device:laptop:a"),
        ),
        site_opened(lyon, "Lyon"),
        site_opened(paris, "Paris"),
    )
    figures = impact(donations, partner)
    assert (figures["devices_sold"], figures["cards_sold"]) == (1, 2)
    assert figures["people_reached"] == 2
    assert figures["people_reached_by_city"] == {"Lyon": 1, "Paris": 1}
    assert impact(donations, other_partner)["people_reached_by_city"] == {"Paris": 1}
