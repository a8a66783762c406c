"""A partner's workbook: its own donations, what became of them and per month, read back with
openpyxl and checked against ``GET /partners/{id}/impact``; another partner's is not found."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from services.common import clock
from services.common.events.envelope import new_event
from services.donations.app import SERVICE as DONATIONS
from tests.support.auth import as_counter, as_partner, as_role
from tests.support.donation_sites import SITE_ID

HOSTILE = '=HYPERLINK("http://evil.example/x","clic")'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def apply(runtime, *events):
    """Each event through the consumer's own path: handler and inbox in one transaction."""
    consumer = runtime.consumer(DONATIONS.handlers)
    for one in events:
        with runtime.session_factory() as session:
            [outcome] = consumer._apply_together(session, [(one, None)])
            session.commit()
            assert outcome.kind == "ack"


def device_event(event_type, device_id, donation, sequence, **extra):
    data = {
        "device_id": device_id,
        "site_id": SITE_ID,
        "category": "smartphone",
        "donation_id": donation["id"],
        "partner_id": donation["partner_id"],
    }
    if event_type == "inventory.device.received":
        data["line_id"] = donation["lines"][0]["id"]
    else:
        data |= {
            "asset_tag": "CS-000001",
            "occurred_at": datetime.now(UTC).isoformat(),
            **extra,
        }
    return new_event(
        event_type, source="inventory", subject=device_id, sequence=sequence, data=data
    )


def refurbished(device_id, donation):
    return device_event(
        "inventory.device.made_available",
        device_id,
        donation,
        6,
        from_state="grading",
        to_state="available",
        brand="Apple",
        model="iPhone 8",
        cosmetic_grade="B",
        functional_grade=1,
        label=None,
        buyer_note=None,
    )


def scrapped(device_id, donation):
    return device_event(
        "inventory.device.scrapped",
        device_id,
        donation,
        3,
        from_state="diagnosing",
        to_state="scrapped",
        reason="dead board",
        recycler_name="Ecosystem",
        recycler_certificate_ref="ECO-1",
    )


def sold_to(order_id, code, donation, item_type, product_key):
    item = {
        "line_id": str(uuid.uuid4()),
        "item_type": item_type,
        "item_id": str(uuid.uuid4()),
        "product_key": product_key,
        "quantity": 1,
        "partner_id": donation["partner_id"],
        "donation_id": donation["id"],
    }
    at = datetime.now(UTC).isoformat()
    committed = {
        "order_id": order_id,
        "reservation_id": str(uuid.uuid4()),
        "site_id": SITE_ID,
        "committed_at": at,
        "items": [item],
    }
    completed = {
        "order_id": order_id,
        "site_id": SITE_ID,
        "reservation_id": committed["reservation_id"],
        "beneficiary_code": code,
        "payment_method": "cash",
        "completed_at": at,
    }
    return (
        new_event(
            "inventory.reservation.committed",
            source="inventory",
            subject=order_id,
            sequence=3,
            data=committed,
        ),
        new_event(
            "sales.order.completed", source="sales", subject=order_id, sequence=3, data=completed
        ),
    )


def announce(client, partner_id, *lines):
    body = {"partner_id": partner_id, "site_id": SITE_ID, "lines": list(lines)}
    response = client.post("/donations", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def receive_at(client, donation, moment):
    lines = [
        {"line_id": line["id"], "received_quantity": line["expected_quantity"]}
        for line in donation["lines"]
    ]
    with clock.travelling():
        clock.travel_to(moment)
        response = client.post(f"/donations/{donation['id']}/reception", json={"lines": lines})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


PHONES = {"kind": "hardware_lot", "category": "smartphone", "quantity": 3}
CARDS = {
    "kind": "prepaid_cards",
    "quantity": 40,
    "operator": "Opérateur",
    "product_name": "Recharge 5 EUR",
    "face_value_cents": 500,
    "voice_minutes": 60,
    "data_mb": 1024,
    "expiry_date": "2099-06-30",
}
MINUTES = {"kind": "allowance", "quantity": 5000, "unit": "minutes", "validity_days": 90}
FUNDS = {"kind": "funds", "quantity": 125_050}


@pytest.fixture
def partner_with_gifts(donations):
    runtime, client = donations
    created = client.post("/partners", json={"name": HOSTILE, "kind": "company"})
    assert created.status_code == 201, created.get_json()
    partner = created.get_json()
    first = announce(client, partner["id"], PHONES, CARDS)
    second = announce(client, partner["id"], MINUTES, FUNDS)
    third = announce(client, partner["id"], PHONES)  # announced, not received yet
    first = receive_at(client, first, datetime(2027, 2, 10, 9, tzinfo=UTC))
    second = receive_at(
        client, second, datetime(2027, 3, 31, 22, 30, tzinfo=UTC)
    )  # 1 April in Paris
    devices = [str(uuid.uuid4()) for _ in range(3)]
    apply(
        runtime,
        *(device_event("inventory.device.received", d, first, 1) for d in devices),
        refurbished(devices[0], first),
        scrapped(devices[1], first),
        *sold_to(str(uuid.uuid4()), "B-AAAAAAAAAAAAAAAA", first, "device", "device:smartphone:b"),
        *sold_to(str(uuid.uuid4()), "B-BBBBBBBBBBBBBBBB", first, "prepaid_card", "card:op:500"),
    )
    return partner, (first, second, third)


def workbook_of(response):
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == XLSX
    return load_workbook(io.BytesIO(response.data))


def table(sheet):
    rows = list(sheet.iter_rows())
    headings = [cell.value for cell in rows[0]]
    return [dict(zip(headings, row, strict=True)) for row in rows[1:]]


def test_the_partner_workbook_holds_its_impact_donations_and_months(donations, partner_with_gifts):
    _, client = donations
    partner, (first, second, third) = partner_with_gifts
    headers = as_partner(partner["id"])
    book = workbook_of(
        client.get(f"/partners/{partner['id']}/impact/workbook.xlsx", headers=headers)
    )
    assert book.sheetnames == ["Synthèse", "Dons", "Par mois"]

    impact = client.get(f"/partners/{partner['id']}/impact", headers=headers).get_json()
    summary = {row["Champ de l'API"].value: row["Valeur"] for row in table(book["Synthèse"])}
    assert summary["name"].value == "'" + HOSTILE and summary["name"].data_type == "s"
    for field in (
        "devices_received",
        "devices_sold",
        "cards_sold",
        "people_reached",
        "co2e_kg",
        "materials_kg",
        "data_gb_donated",
        "minutes_donated",
    ):
        assert summary[field].value == impact[field], field
        assert summary[field].data_type == "n"
    for stage in ("in_workshop", "refurbished", "scrapped"):
        assert summary[f"devices.{stage}"].value == impact["devices"][stage] == 1
    assert (summary["donations"].value, summary["donations_received"].value) == (3, 2)
    assert summary["made_on"].is_date

    rows = {row["Don"].value: row for row in table(book["Dons"])}
    assert list(rows) == [first["id"], second["id"], third["id"]]
    one = rows[first["id"]]
    assert one["Attestation"].value == first["receipt_number"] == "2027-000001"
    assert one["Reçu le"].is_date and one["Reçu le"].value == datetime(2027, 2, 10)
    assert one["Annoncé le"].is_date
    assert (one["Appareils reçus"].value, one["Cartes prépayées reçus"].value) == (3, 40)
    [stages] = [d for d in impact["donations"] if d["donation_id"] == first["id"]]
    assert one["Reconditionnés"].value == stages["refurbished"]
    assert one["Recyclés (DEEE)"].value == stages["scrapped"]
    assert one["Appareils vendus"].value == stages["devices_sold"]
    assert one["CO2e évité (kg)"].value == stages["co2e_kg"]
    assert rows[second["id"]]["Fonds (EUR) reçus"].value == 1250.5
    assert rows[second["id"]]["Minutes reçus"].value == 5000
    assert rows[third["id"]]["Reçu le"].value is None
    assert rows[third["id"]]["Appareils annoncés"].value == 3

    months = table(book["Par mois"])
    assert [(m["Mois"].value, m["Dons reçus"].value) for m in months] == [
        (datetime(2027, 2, 1), 1),
        (datetime(2027, 4, 1), 1),  # received at 00:30 on 1 April, Paris time
    ]
    assert months[0]["Appareils"].value == 3 and months[0]["Cartes prépayées"].value == 40
    assert months[1]["Fonds (EUR)"].value == 1250.5
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert not any(
            isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))
            for row in sheet.iter_rows()
            for cell in row
        )


def test_a_partner_cannot_read_another_partners_workbook(donations, partner_with_gifts):
    _, client = donations
    partner, _ = partner_with_gifts
    path = f"/partners/{partner['id']}/impact/workbook.xlsx"
    other = client.get(path, headers=as_partner(uuid.uuid4()))
    unknown = client.get(f"/partners/{uuid.uuid4()}/impact/workbook.xlsx")
    assert other.status_code == unknown.status_code == 404
    assert other.get_json()["code"] == unknown.get_json()["code"]
    assert client.get(path, headers=as_counter(SITE_ID)).status_code == 403
    assert client.get(path, headers=as_role("workshop")).status_code == 403
    for role in ("admin", "auditor"):
        assert client.get(path, headers=as_role(role)).status_code == 200
