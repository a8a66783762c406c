"""Bounds that match reality: a reception counts what was announced (extras said explicitly),
and a donation goes to a site inventory has opened."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.common.events.envelope import new_event
from services.donations.api.schemas import MAX_EXTRA_UNITS
from services.donations.handlers import record_site_status
from tests.service.test_donations_api import outbox_events, phones
from tests.support.donation_sites import SITE_ID


@pytest.fixture
def donations(donations, donations_partner):
    """Donations, a partner and the site it opened: ``(runtime, client, partner, site)``."""
    runtime, client = donations
    return runtime, client, donations_partner["id"], SITE_ID


def announced(client, partner_id, site_id, *lines):
    body = {"partner_id": partner_id, "site_id": site_id, "lines": list(lines)}
    response = client.post("/donations", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def reception(client, donation, **line):
    line_id = donation["lines"][0]["id"]
    body = {"lines": [{"line_id": line_id, **line}]}
    return client.post(f"/donations/{donation['id']}/reception", json=body)


def test_sixty_thousand_units_on_a_line_announced_as_one_are_refused_naming_the_line(donations):
    runtime, client, partner_id, site_id = donations
    donation = announced(client, partner_id, site_id, phones(quantity=1))
    response = reception(client, donation, received_quantity=60_000)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["code"] == "reception-exceeds-announcement"
    assert problem["line_id"] == donation["lines"][0]["id"]
    assert donation["lines"][0]["id"] in problem["detail"]
    assert client.get(f"/donations/{donation['id']}").get_json()["state"] == "announced"
    assert outbox_events(runtime, "donations.donation.received") == []


def test_extra_hardware_units_are_received_with_their_identifiers(donations):
    runtime, client, partner_id, site_id = donations
    donation = announced(client, partner_id, site_id, phones(quantity=1, serials=["SN-1"]))
    extra = {"quantity": 2, "units": [{"serial": "SN-2"}, {"imei": "356938035643809"}]}
    response = reception(client, donation, received_quantity=3, extra=extra)
    assert response.status_code == 200, response.get_json()
    line = response.get_json()["lines"][0]
    assert (line["expected_quantity"], line["received_quantity"], line["difference"]) == (1, 3, 2)
    [received] = outbox_events(runtime, "donations.donation.received")
    sent = received.data["lines"][0]
    assert sent["quantity"] == 3
    assert (sent["serials"], sent["imeis"]) == (["SN-1", "SN-2"], ["356938035643809"])


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"quantity": 2, "units": [{"serial": "SN-9"}]}, "extra-units-unidentified"),
        ({"quantity": 1, "units": [{}]}, None),  # a unit without an identifier: 422 by schema
        ({"quantity": MAX_EXTRA_UNITS + 1}, None),
        ({"quantity": 1, "units": [{"serial": "SN-1"}]}, "duplicate-identifiers"),
    ],
)
def test_extra_hardware_units_each_need_a_fresh_identifier_and_stay_under_the_cap(
    donations, extra, code
):
    runtime, client, partner_id, site_id = donations
    donation = announced(client, partner_id, site_id, phones(quantity=1, serials=["SN-1"]))
    response = reception(client, donation, received_quantity=1 + extra["quantity"], extra=extra)
    assert response.status_code in (409, 422)
    if code:
        assert response.get_json()["code"] == code
    assert client.get(f"/donations/{donation['id']}").get_json()["state"] == "announced"
    assert outbox_events(runtime, "donations.donation.received") == []


def test_extra_cards_are_a_count_without_identifiers(donations):
    runtime, client, partner_id, site_id = donations
    line = {
        "kind": "prepaid_cards",
        "quantity": 10,
        "operator": "Opérateur",
        "product_name": "Recharge 5 EUR",
        "face_value_cents": 500,
        "expiry_date": "2099-06-30",
    }
    donation = announced(client, partner_id, site_id, line)
    assert reception(client, donation, received_quantity=12).status_code == 422
    response = reception(client, donation, received_quantity=12, extra={"quantity": 2})
    assert response.status_code == 200, response.get_json()
    [received] = outbox_events(runtime, "donations.donation.received")
    assert received.data["lines"][0]["quantity"] == 12


def test_a_donation_for_a_site_inventory_never_opened_is_refused(donations):
    runtime, client, partner_id, _ = donations
    unknown = str(uuid.uuid4())
    body = {"partner_id": partner_id, "site_id": unknown, "lines": [phones(quantity=1)]}
    response = client.post("/donations", json=body)
    assert response.status_code == 422
    assert response.get_json()["code"] == "unknown-site"
    assert unknown in response.get_json()["detail"]
    assert client.get("/donations").get_json()["items"] == []


def _site_status(runtime, site_id: str, open_: bool, sequence: int) -> None:
    """Apply ``inventory.site.status_changed`` to donations, as its consumer would."""
    data = {"site_id": site_id, "open": open_, "at": datetime.now(UTC).isoformat()}
    changed = new_event(
        "inventory.site.status_changed",
        source="inventory",
        subject=site_id,
        sequence=sequence,
        data=data,
    )
    with runtime.unit_of_work() as uow:
        record_site_status(uow, changed)
        uow.commit()


def test_a_donation_for_a_site_inventory_closed_is_refused_until_it_reopens(donations):
    runtime, client, partner_id, site_id = donations
    body = {"partner_id": partner_id, "site_id": site_id, "lines": [phones(quantity=1)]}
    _site_status(runtime, site_id, False, sequence=2)

    closed = client.post("/donations", json=body)

    assert (closed.status_code, closed.get_json()["code"]) == (422, "site-closed")
    assert client.get("/donations").get_json()["items"] == []
    _site_status(runtime, site_id, True, sequence=4)
    _site_status(runtime, site_id, False, sequence=3)  # late: older than the reopening
    assert client.post("/donations", json=body).status_code == 201
