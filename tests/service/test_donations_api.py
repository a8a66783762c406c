"""Donations: partners, typed lines, identifiers, reception, receipts, idempotency."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from services.common import clock
from services.common.events.envelope import parse_event
from services.donations.models import Donation, Partner
from tests.support.donation_sites import SITE_ID  # opened by inventory: donations accept it
from tests.support.label_scanning import pdf_text

VALID_IMEI = "356938035643809"
OTHER_IMEI = "490154203237518"


@pytest.fixture
def partner(donations_partner):
    return donations_partner


def phones(quantity=3, **extra):
    return {"kind": "hardware_lot", "category": "smartphone", "quantity": quantity, **extra}


def cards(**extra):
    line = {
        "kind": "prepaid_cards",
        "quantity": 100,
        "operator": "Opérateur",
        "product_name": "Recharge 5 EUR",
        "face_value_cents": 500,
        "voice_minutes": 60,
        "data_mb": 1024,
        "expiry_date": "2099-06-30",
    }
    return {**line, **extra}


def announce(client, partner_id, *lines, **headers):
    body = {"partner_id": partner_id, "site_id": SITE_ID, "lines": list(lines)}
    return client.post("/donations", json=body, headers=headers)


def receive_all(client, donation, **overrides):
    lines = [
        {"line_id": line["id"], "received_quantity": line["expected_quantity"], **overrides}
        for line in donation["lines"]
    ]
    return client.post(f"/donations/{donation['id']}/reception", json={"lines": lines})


def outbox_events(runtime, event_type=None):
    outbox = runtime.tables.outbox
    query = select(outbox.c.body).order_by(outbox.c.id)
    if event_type:
        query = query.where(outbox.c.event_type == event_type)
    with runtime.engine.connect() as connection:
        return [parse_event(body) for body in connection.scalars(query)]


# typed lines ---------------------------------------------------------------------------------


def test_announces_every_kind_of_line(donations, partner):
    _, client = donations
    response = announce(
        client,
        partner["id"],
        cards(),
        {"kind": "allowance", "quantity": 5000, "unit": "minutes", "validity_days": 90},
        phones(2, brand="Fairphone", model="4", imeis=[VALID_IMEI], serials=["FP-1", "FP-2"]),
        {"kind": "funds", "quantity": 125_000},
    )
    assert response.status_code == 201, response.get_json()
    lines = response.get_json()["lines"]
    assert [line["kind"] for line in lines] == [
        "prepaid_cards",
        "allowance",
        "hardware_lot",
        "funds",
    ]
    assert lines[0]["expiry_date"] == "2099-06-30"
    assert lines[2]["imeis"] == [VALID_IMEI]
    assert lines[2]["serials"] == ["FP-1", "FP-2"]


@pytest.mark.parametrize(
    "line, field",
    [
        (cards(operator=None), "operator"),
        (cards(expiry_date="2001-01-01"), "expiry_date"),
        (cards(expiry_date="2025-02-30"), "expiry_date"),
        (cards(category="smartphone"), "category"),
        ({"kind": "allowance", "quantity": 10, "unit": "litres", "validity_days": 30}, "unit"),
        ({"kind": "allowance", "quantity": 10}, "validity_days"),
        (phones(category=None), "category"),
        (phones(category="castle"), "category"),
        (phones(1, serials=["A", "B"]), "serials"),
        (phones(3, serials=["A", "A"]), "serials"),
        (phones(imeis=["356938035643808"]), "imeis"),  # wrong check digit
        (phones(imeis=["3569380356438"]), "imeis"),  # too short
        (phones(category="laptop", imeis=[VALID_IMEI]), "imeis"),
        (phones(quantity=0), "quantity"),
        (phones(quantity="3"), "quantity"),
        ({"kind": "funds", "quantity": 100, "brand": "x"}, "brand"),
    ],
)
def test_refuses_a_line_that_does_not_fit_its_kind(donations, partner, line, field):
    runtime, client = donations
    response = announce(client, partner["id"], line)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in json.dumps(response.get_json()["errors"])
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Donation)) == 0


def test_imeis_are_normalised_and_kept_as_strings(donations, partner):
    _, client = donations
    response = announce(client, partner["id"], phones(1, imeis=["01-234567-890123-7"]))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["lines"][0]["imeis"] == ["012345678901237"]


def test_refuses_identifiers_given_twice_in_one_donation(donations, partner):
    _, client = donations
    response = announce(
        client, partner["id"], phones(1, imeis=[VALID_IMEI]), phones(1, imeis=[VALID_IMEI])
    )
    assert response.status_code == 409
    assert response.get_json()["values"] == [VALID_IMEI]


def test_refuses_identifiers_donated_before(donations, partner):
    _, client = donations
    assert (
        announce(client, partner["id"], phones(2, imeis=[VALID_IMEI, OTHER_IMEI])).status_code
        == 201
    )
    response = announce(client, partner["id"], phones(1, imeis=[OTHER_IMEI]))
    assert response.status_code == 409
    assert response.get_json()["code"] == "duplicate-identifiers"
    assert response.get_json()["values"] == [OTHER_IMEI]


# reception --------------------------------------------------------------------------------------


def test_reception_keeps_missing_identifiers_and_differences(donations, partner):
    runtime, client = donations
    donation = announce(client, partner["id"], phones(3, imeis=[VALID_IMEI, OTHER_IMEI])).get_json()
    line = donation["lines"][0]
    response = client.post(
        f"/donations/{donation['id']}/reception",
        json={
            "lines": [
                {
                    "line_id": line["id"],
                    "received_quantity": 2,
                    "declared_value_cents": 9000,
                    "missing_identifiers": [OTHER_IMEI],
                }
            ]
        },
    )
    assert response.status_code == 200, response.get_json()
    received = response.get_json()
    assert received["lines"][0]["difference"] == -1
    assert received["lines"][0]["missing_identifiers"] == [OTHER_IMEI]
    assert received["total_declared_value_cents"] == 9000
    [event] = outbox_events(runtime, "donations.donation.received")
    assert event.data["lines"][0]["imeis"] == [VALID_IMEI]
    assert event.data["lines"][0]["quantity"] == 2


def test_a_received_donation_emits_exactly_one_valid_event_without_codes(donations, partner):
    runtime, client = donations
    donation = announce(client, partner["id"], cards(), phones(1)).get_json()
    assert outbox_events(runtime, "donations.donation.received") == []
    assert receive_all(client, donation).status_code == 200
    assert receive_all(client, donation).status_code == 409
    [event] = outbox_events(runtime, "donations.donation.received")  # parse_event validated it
    assert event.subject == donation["id"]
    announced_ids = {line["id"] for line in donation["lines"]}
    assert {line["line_id"] for line in event.data["lines"]} == announced_ids
    assert event.data["partner_id"] == partner["id"]
    assert "pin" not in json.dumps(event.data).lower()


def test_reception_refuses_identifiers_beyond_the_counted_quantity(donations, partner):
    _, client = donations
    donation = announce(client, partner["id"], phones(2, imeis=[VALID_IMEI, OTHER_IMEI])).get_json()
    response = receive_all(client, donation, received_quantity=1)
    assert response.status_code == 422
    assert response.get_json()["code"] == "identifiers-exceed-quantity"
    assert client.get(f"/donations/{donation['id']}").get_json()["state"] == "announced"


# receipts ----------------------------------------------------------------------------------------


def test_receipts_are_numbered_in_sequence_and_downloadable(donations, partner):
    _, client = donations
    numbers = []
    for _ in range(3):
        donation = announce(client, partner["id"], phones(1)).get_json()
        numbers.append(receive_all(client, donation).get_json()["receipt_number"])
    year = numbers[0][:4]
    assert numbers == [f"{year}-000001", f"{year}-000002", f"{year}-000003"]
    pdf = client.get(f"/donations/{donation['id']}/receipt.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert f"attestation-{year}-000003.pdf" in pdf.headers["Content-Disposition"]


def test_receipts_are_numbered_by_the_paris_year_at_new_year(donations, partner):
    _, client = donations
    received = []
    for moment in (
        datetime(2027, 12, 31, 22, 30, tzinfo=UTC),  # 23:30 on 31 December in Paris
        datetime(2027, 12, 31, 23, 30, tzinfo=UTC),  # 00:30 on 1 January 2028
        datetime(2028, 1, 1, 10, tzinfo=UTC),
    ):
        donation = announce(client, partner["id"], phones(1)).get_json()
        with clock.travelling():
            clock.travel_to(moment)  # received then (the clock runs on from there)
            assert receive_all(client, donation, received_quantity=1).status_code == 200
        received.append(client.get(f"/donations/{donation['id']}").get_json())
    assert [d["receipt_number"] for d in received] == ["2027-000001", "2028-000001", "2028-000002"]
    assert received[1]["received_at"].startswith("2027-12-31T23:30:00")  # stored in UTC


def test_a_funds_line_is_valued_at_the_cents_received_on_the_receipt(donations, partner, tmp_path):
    _, client = donations
    gift = {"kind": "funds", "quantity": 10_000}  # 100 EUR
    donation = announce(client, partner["id"], gift, phones(1, declared_value_cents=4_550))
    assert donation.status_code == 201, donation.get_json()
    donation = donation.get_json()
    assert donation["total_declared_value_cents"] == 0  # counted once received
    received = receive_all(client, donation)
    assert received.get_json()["total_declared_value_cents"] == 14_550
    pdf = client.get(f"/donations/{donation['id']}/receipt.pdf")
    text = " ".join(pdf_text(pdf.data, tmp_path).split())
    assert "funds 10000 100.00 EUR hardware lot - smartphone 1 45.50 EUR" in text
    assert "Total 145.50 EUR" in text


def test_no_receipt_before_reception(donations, partner):
    _, client = donations
    donation = announce(client, partner["id"], phones(1)).get_json()
    response = client.get(f"/donations/{donation['id']}/receipt.pdf")
    assert (response.status_code, response.get_json()["code"]) == (409, "not-received")


def test_receipt_survives_names_outside_latin1(donations):
    _, client = donations
    partner = client.post(
        "/partners", json={"name": "Œuvre 🤝 solidaire", "kind": "company"}
    ).get_json()
    donation = announce(client, partner["id"], phones(1)).get_json()
    receive_all(client, donation)
    assert client.get(f"/donations/{donation['id']}/receipt.pdf").status_code == 200


# partners ----------------------------------------------------------------------------------------


def test_partner_with_contacts_is_deactivated_without_losing_history(donations, partner):
    runtime, client = donations
    donation = announce(client, partner["id"], phones(1)).get_json()
    changed = client.patch(
        f"/partners/{partner['id']}",
        json={"active": False, "contacts": [{"name": "Camille", "email": "camille@example.org"}]},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["active"] is False
    assert changed.get_json()["deactivated_at"]
    assert changed.get_json()["contacts"][0]["name"] == "Camille"
    assert client.get(f"/donations/{donation['id']}").status_code == 200
    assert announce(client, partner["id"], phones(1)).get_json()["code"] == "unknown-partner"
    listed = client.get("/partners?active=false").get_json()
    assert [p["id"] for p in listed["items"]] == [partner["id"]]


@pytest.mark.parametrize(
    "change",
    [{"active": False}, {"active": True}, {"name": "Opérateur renommé"}, {"kind": "company"}],
)
def test_a_partner_changed_without_contacts_answers_with_its_contacts(donations, change):
    _, client = donations
    contact = {"name": "Camille", "email": "camille@example.org"}
    body = {"name": "Opérateur", "kind": "telecom_operator", "contacts": [contact]}
    partner = client.post("/partners", json=body).get_json()
    changed = client.patch(f"/partners/{partner['id']}", json=change)
    assert changed.status_code == 200, changed.get_json()
    shown = changed.get_json()
    assert {name: shown[name] for name in change} == change
    assert [c["name"] for c in shown["contacts"]] == ["Camille"]
    assert client.get(f"/partners/{partner['id']}").get_json() == shown


@pytest.mark.parametrize("field", ["id", "version", "created_at", "deactivated_at"])
def test_partner_fields_outside_the_allow_list_are_refused(donations, partner, field):
    _, client = donations
    response = client.patch(f"/partners/{partner['id']}", json={field: "2020-01-01T00:00:00Z"})
    assert response.status_code == 422


# idempotency -------------------------------------------------------------------------------------


def test_same_idempotency_key_and_body_returns_the_first_result(donations):
    runtime, client = donations
    body = {"name": "Fabricant", "kind": "manufacturer"}
    first = client.post("/partners", json=body, headers={"Idempotency-Key": "k-1"})
    again = client.post("/partners", json=body, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    with runtime.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Partner)) == 1
    assert len(outbox_events(runtime, "donations.partner.registered")) == 1


def test_same_idempotency_key_with_another_body_conflicts(donations):
    _, client = donations
    client.post(
        "/partners", json={"name": "A", "kind": "company"}, headers={"Idempotency-Key": "k-2"}
    )
    response = client.post(
        "/partners", json={"name": "B", "kind": "company"}, headers={"Idempotency-Key": "k-2"}
    )
    assert (response.status_code, response.get_json()["code"]) == (409, "idempotency-key-reused")


def test_refused_request_does_not_burn_its_idempotency_key(donations):
    _, client = donations
    bad = client.post("/partners", json={"name": "A"}, headers={"Idempotency-Key": "k-3"})
    assert bad.status_code == 422
    good = client.post(
        "/partners", json={"name": "A", "kind": "company"}, headers={"Idempotency-Key": "k-3"}
    )
    assert good.status_code == 201


def test_malformed_idempotency_key_is_refused(donations):
    _, client = donations
    response = client.post(
        "/partners", json={"name": "A", "kind": "company"}, headers={"Idempotency-Key": "é" * 3}
    )
    assert response.status_code == 400
