"""Partner impact with what its gifts avoided: sales states each device sold with the CO2e
and materials frozen at the sale (``sales.order.completed``'s ``devices``), joined to the
items inventory sold from the partner's donations; the donation receipt prints the partner's
figures as of a date."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime

from services.common.events.envelope import new_event
from services.donations.app import SERVICE as DONATIONS
from tests.support.auth import as_partner
from tests.support.donation_sites import SITE_ID


def _apply(runtime, *events) -> None:
    consumer = runtime.consumer(DONATIONS.handlers)
    for event in events:
        with runtime.session_factory() as session:
            [outcome] = consumer._apply_together(session, [(event, None)])
            session.commit()
            assert outcome.kind == "ack"


def _device_received(partner_id, donation_id, device_id, category="smartphone"):
    data = {
        "device_id": device_id,
        "site_id": SITE_ID,
        "category": category,
        "donation_id": donation_id,
        "partner_id": partner_id,
        "line_id": str(uuid.uuid4()),
    }
    return new_event(
        "inventory.device.received", source="inventory", subject=device_id, sequence=1, data=data
    )


def _sold(order_id, items):
    """inventory.reservation.committed: ``items`` (device id, partner, donation)."""
    data = {
        "order_id": order_id,
        "reservation_id": str(uuid.uuid4()),
        "site_id": SITE_ID,
        "committed_at": datetime.now(UTC).isoformat(),
        "items": [
            {
                "line_id": str(uuid.uuid4()),
                "item_type": "device",
                "item_id": device,
                "product_key": "device:smartphone:b",
                "quantity": 1,
                "partner_id": partner,
                "donation_id": donation,
            }
            for device, partner, donation in items
        ],
    }
    return new_event(
        "inventory.reservation.committed",
        source="inventory",
        subject=order_id,
        sequence=2,
        data=data,
    )


def _completed(order_id, code, devices):
    """sales.order.completed with the devices' frozen figures (grams)."""
    data = {
        "order_id": order_id,
        "site_id": SITE_ID,
        "reservation_id": str(uuid.uuid4()),
        "beneficiary_code": code,
        "payment_method": "cash",
        "completed_at": datetime.now(UTC).isoformat(),
        "devices": [
            {
                "item_id": device,
                "category": "smartphone",
                "co2e_avoided_g": co2e,
                "materials_avoided_g": materials,
                "impact_factor_version": 1,
            }
            for device, co2e, materials in devices
        ],
    }
    return new_event(
        "sales.order.completed", source="sales", subject=order_id, sequence=4, data=data
    )


def _donation(client, partner_id, *lines) -> dict:
    body = {"partner_id": partner_id, "site_id": SITE_ID, "lines": list(lines)}
    donation = client.post("/donations", json=body)
    assert donation.status_code == 201, donation.get_json()
    donation = donation.get_json()
    received = [
        {"line_id": line["id"], "received_quantity": line["expected_quantity"]}
        for line in donation["lines"]
    ]
    answer = client.post(f"/donations/{donation['id']}/reception", json={"lines": received})
    assert answer.status_code == 200, answer.get_json()
    return donation


PHONES = {"kind": "hardware_lot", "category": "smartphone", "quantity": 2}
DATA = {"kind": "allowance", "unit": "data_mb", "quantity": 2500, "validity_days": 30}
MINUTES = {"kind": "allowance", "unit": "minutes", "quantity": 600, "validity_days": 30}


def _sell_from(runtime, partner_id) -> tuple[str, str]:
    """Two donations' devices, three sold in two orders to two people; returns the donations."""
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    _apply(
        runtime,
        _device_received(partner_id, first, a),
        _device_received(partner_id, first, b),
        _device_received(partner_id, second, c),
        _sold(one, [(a, partner_id, first), (c, partner_id, second)]),
        _completed(one, "B-AAAAAAAAAAAAAAAA", [(a, 49_200, 153_800), (c, 49_200, 153_800)]),
        # the completion first, then inventory's commit: the order of arrival does not matter
        _completed(two, "B-BBBBBBBBBBBBBBBB", [(b, 20_000, 41_000)]),
        _sold(two, [(b, partner_id, first)]),
    )
    return first, second


def test_partner_impact_shows_co2e_and_materials_per_donation_and_in_total(donations):
    runtime, client = donations
    partner = client.post("/partners", json={"name": "Opérateur", "kind": "telecom_operator"})
    partner_id = partner.get_json()["id"]
    first, second = _sell_from(runtime, partner_id)
    _apply(runtime, _completed(str(uuid.uuid4()), "B-CCCCCCCCCCCCCCCC", []))  # nothing sold
    answer = client.get(f"/partners/{partner_id}/impact", headers=as_partner(partner_id))
    assert answer.status_code == 200
    figures = answer.get_json()
    assert figures["co2e_kg"] == 118.4
    assert figures["materials_kg"] == 348.6
    by_donation = {d["donation_id"]: d for d in figures["donations"]}
    assert (by_donation[first]["devices_sold"], by_donation[first]["co2e_kg"]) == (2, 69.2)
    assert by_donation[first]["materials_kg"] == 194.8
    assert (by_donation[second]["devices_sold"], by_donation[second]["co2e_kg"]) == (1, 49.2)


def test_a_redelivered_completion_counts_its_devices_once(donations):
    runtime, client = donations
    partner_id = str(uuid.uuid4())
    device, order = str(uuid.uuid4()), str(uuid.uuid4())
    completed = _completed(order, "B-AAAAAAAAAAAAAAAA", [(device, 49_200, 153_800)])
    again = new_event(
        "sales.order.completed", source="sales", subject=order, sequence=4, data=completed.data
    )
    _apply(runtime, _device_received(partner_id, str(uuid.uuid4()), device))
    _apply(runtime, _sold(order, [(device, partner_id, None)]), completed, again)
    with runtime.unit_of_work() as uow:
        assert uow.impact.of_partner(partner_id)["co2e_kg"] == 49.2


def test_another_partners_gifts_count_nothing_for_this_one(donations):
    runtime, client = donations
    mine = client.post("/partners", json={"name": "A", "kind": "company"}).get_json()["id"]
    other = client.post("/partners", json={"name": "B", "kind": "company"}).get_json()["id"]
    _sell_from(runtime, other)
    figures = client.get(f"/partners/{mine}/impact", headers=as_partner(mine)).get_json()
    assert (figures["co2e_kg"], figures["materials_kg"]) == (0.0, 0.0)
    refused = client.get(f"/partners/{other}/impact", headers=as_partner(mine))
    assert refused.status_code in (403, 404)


def test_partner_impact_reports_data_and_minutes_donated(donations):
    runtime, client = donations
    partner_id = client.post("/partners", json={"name": "Op", "kind": "company"}).get_json()["id"]
    _donation(client, partner_id, DATA, MINUTES)
    body = {"partner_id": partner_id, "site_id": SITE_ID, "lines": [DATA]}
    assert client.post("/donations", json=body).status_code == 201  # announced, not received
    figures = client.get(f"/partners/{partner_id}/impact").get_json()
    assert (figures["data_gb_donated"], figures["minutes_donated"]) == (2.5, 600)


def test_the_donation_receipt_prints_what_the_gifts_did_as_of_a_date(donations):
    runtime, client = donations
    partner_id = client.post("/partners", json={"name": "Op", "kind": "company"}).get_json()["id"]
    _donation(client, partner_id, PHONES)
    donation = _donation(client, partner_id, PHONES)
    _sell_from(runtime, partner_id)
    pdf = client.get(f"/donations/{donation['id']}/receipt.pdf", headers=as_partner(partner_id))
    assert pdf.status_code == 200
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True, check=True
    ).stdout.decode("latin-1")
    year = datetime.now(UTC).year
    assert "What your gifts did" in text
    assert f"as of {datetime.now(UTC).date().isoformat()}" in text
    assert f"Donations received in {year}: 2" in text
    assert "Devices sold: 3" in text
    assert "People reached: 2" in text
    assert "CO2e avoided: 118.4 kg" in text
    assert "B-AAAA" not in text  # a count, never a person
