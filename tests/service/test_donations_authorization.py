"""Donations: who may see and change which partners and donations (object-level rules).

Partner keys see and change only their own partner and its donations; a foreign object
answers exactly like an unknown one. Auditors read without personal data; the workshop
receives goods and downloads their receipts but does not see partners.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.auth import as_partner, as_role
from tests.support.donation_sites import SITE_ID  # opened by inventory: donations accept it

CONTACT = {"name": "Claire Martin", "email": "claire@example.org", "phone": "+33 1 23 45 67 89"}


@pytest.fixture
def client(donations):
    return donations[1]


def new_partner(client, name: str) -> dict:
    body = {"name": name, "kind": "telecom_operator", "contacts": [CONTACT]}
    response = client.post("/partners", json=body)
    assert response.status_code == 201
    return response.get_json()


@pytest.fixture
def alpha(client):
    return new_partner(client, "Alpha")


@pytest.fixture
def beta(client):
    return new_partner(client, "Beta")


def announce(client, partner_id, headers=None):
    body = {
        "partner_id": partner_id,
        "site_id": SITE_ID,
        "lines": [
            {"kind": "hardware_lot", "category": "smartphone", "quantity": 2},
            {"kind": "allowance", "unit": "minutes", "quantity": 600, "validity_days": 30},
        ],
    }
    return client.post("/donations", json=body, headers=headers)


@pytest.fixture
def beta_donation(client, beta):
    return announce(client, beta["id"]).get_json()


def receive(client, donation, headers=None):
    lines = [{"line_id": line["id"], "received_quantity": 1} for line in donation["lines"]]
    return client.post(
        f"/donations/{donation['id']}/reception", json={"lines": lines}, headers=headers
    )


def upload(client, donation, what, csv, headers):
    """PUT a CSV of ``what`` ("identifiers" or "codes") to the donation's first line."""
    line = donation["lines"][0]
    return client.put(
        f"/donations/{donation['id']}/lines/{line['id']}/{what}",
        data=csv,
        content_type="text/csv",
        headers=headers,
    )


def test_a_request_without_a_token_is_unauthenticated(client, alpha):
    response = client.get("/partners", headers={"Authorization": ""})
    assert response.status_code == 401


# partners ------------------------------------------------------------------------------------


def test_a_partner_lists_only_its_own_record(client, alpha, beta):
    page = client.get("/partners", headers=as_partner(alpha["id"])).get_json()
    assert [p["id"] for p in page["items"]] == [alpha["id"]]
    assert page["total"] == 1


def test_another_partners_record_answers_like_an_unknown_one(client, alpha, beta):
    foreign = client.get(f"/partners/{beta['id']}", headers=as_partner(alpha["id"]))
    unknown_id = uuid.uuid4()
    unknown = client.get(f"/partners/{unknown_id}", headers=as_partner(alpha["id"]))
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.get_json()["code"] == unknown.get_json()["code"]
    assert beta["name"] not in foreign.get_data(as_text=True)


def test_a_partner_sees_its_own_contacts(client, alpha):
    own = client.get(f"/partners/{alpha['id']}", headers=as_partner(alpha["id"])).get_json()
    assert own["contacts"][0]["email"] == CONTACT["email"]


def test_a_partner_replaces_its_own_contacts(client, alpha):
    contacts = [{"name": "Paul Durand", "email": "paul@example.org"}]
    response = client.patch(
        f"/partners/{alpha['id']}", json={"contacts": contacts}, headers=as_partner(alpha["id"])
    )
    assert response.status_code == 200
    assert [c["name"] for c in response.get_json()["contacts"]] == ["Paul Durand"]


def test_a_partner_may_not_rename_or_deactivate_itself(client, alpha):
    response = client.patch(
        f"/partners/{alpha['id']}",
        json={"name": "Renamed", "active": False, "contacts": []},
        headers=as_partner(alpha["id"]),
    )
    assert response.status_code == 403
    assert response.get_json()["code"] == "field-not-writable"
    assert response.get_json()["fields"] == ["active", "name"]
    unchanged = client.get(f"/partners/{alpha['id']}").get_json()
    assert (unchanged["name"], unchanged["active"]) == ("Alpha", True)
    assert unchanged["contacts"] == alpha["contacts"]


def test_a_partner_cannot_change_another_partners_contacts(client, alpha, beta):
    response = client.patch(
        f"/partners/{beta['id']}", json={"contacts": []}, headers=as_partner(alpha["id"])
    )
    assert response.status_code == 404
    assert client.get(f"/partners/{beta['id']}").get_json()["contacts"] == beta["contacts"]


def test_only_an_admin_registers_a_partner(client, alpha):
    body = {"name": "Gamma", "kind": "company"}
    assert client.post("/partners", json=body, headers=as_partner(alpha["id"])).status_code == 403
    assert client.post("/partners", json=body, headers=as_role("auditor")).status_code == 403


def test_the_auditor_reads_partners_without_their_contacts(client, alpha):
    listed = client.get("/partners", headers=as_role("auditor")).get_json()["items"]
    one = client.get(f"/partners/{alpha['id']}", headers=as_role("auditor")).get_json()
    assert listed[0]["name"] == one["name"] == "Alpha"
    assert "contacts" not in listed[0]
    assert "contacts" not in one


def test_the_auditor_cannot_change_a_partner(client, alpha):
    response = client.patch(
        f"/partners/{alpha['id']}", json={"contacts": []}, headers=as_role("auditor")
    )
    assert response.status_code == 403


def test_the_workshop_does_not_see_partners(client, alpha):
    assert client.get("/partners", headers=as_role("workshop")).status_code == 403
    assert client.get(f"/partners/{alpha['id']}", headers=as_role("workshop")).status_code == 403


def test_a_partner_cannot_read_another_partners_impact(client, alpha, beta):
    headers = as_partner(alpha["id"])
    assert client.get(f"/partners/{alpha['id']}/impact", headers=headers).status_code == 200
    assert client.get(f"/partners/{beta['id']}/impact", headers=headers).status_code == 404


# donations -----------------------------------------------------------------------------------


def test_a_partner_announces_its_own_donation(client, alpha):
    response = announce(client, alpha["id"], headers=as_partner(alpha["id"]))
    assert response.status_code == 201
    assert response.get_json()["partner_id"] == alpha["id"]


def test_a_partner_cannot_announce_for_another_partner(client, alpha, beta):
    response = announce(client, beta["id"], headers=as_partner(alpha["id"]))
    assert response.status_code == 403
    assert response.get_json()["code"] == "not-your-partner"
    assert client.get("/donations").get_json()["total"] == 0


def test_a_partner_lists_only_its_own_donations(client, alpha, beta, beta_donation):
    own = announce(client, alpha["id"]).get_json()
    headers = as_partner(alpha["id"])
    listed = client.get("/donations", headers=headers).get_json()
    asked_for_beta = client.get(f"/donations?partner_id={beta['id']}", headers=headers).get_json()
    assert [d["id"] for d in listed["items"]] == [own["id"]]
    assert asked_for_beta["items"] == []


def test_another_partners_donation_answers_like_an_unknown_one(client, alpha, beta_donation):
    headers = as_partner(alpha["id"])
    foreign = client.get(f"/donations/{beta_donation['id']}", headers=headers)
    unknown = client.get(f"/donations/{uuid.uuid4()}", headers=headers)
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.get_json()["code"] == unknown.get_json()["code"]


def test_a_partner_cannot_upload_identifiers_to_another_partners_line(client, alpha, beta_donation):
    response = upload(
        client, beta_donation, "identifiers", b"serial\nSN-1\n", as_partner(alpha["id"])
    )
    assert response.status_code == 404
    assert client.get(f"/donations/{beta_donation['id']}").get_json()["lines"][0]["serials"] == []


def test_a_partner_uploads_identifiers_to_its_own_line(client, beta, beta_donation):
    response = upload(
        client, beta_donation, "identifiers", b"serial\nSN-1\n", as_partner(beta["id"])
    )
    assert response.status_code == 200


def test_a_partner_cannot_upload_codes_to_another_partners_donation(client, alpha, beta_donation):
    response = upload(
        client, beta_donation, "codes", b"serial,pin\nC1,1234\n", as_partner(alpha["id"])
    )
    assert response.status_code == 404


def test_a_partner_cannot_record_the_reception_of_its_donation(client, beta, beta_donation):
    response = receive(client, beta_donation, headers=as_partner(beta["id"]))
    assert response.status_code == 403
    assert client.get(f"/donations/{beta_donation['id']}").get_json()["state"] == "announced"


def test_the_workshop_reads_and_receives_donations(client, beta_donation):
    headers = as_role("workshop")
    assert client.get("/donations", headers=headers).get_json()["total"] == 1
    response = receive(client, beta_donation, headers=as_role("workshop"))
    assert response.status_code == 200
    assert response.get_json()["state"] == "received"


def test_the_workshop_cannot_announce_or_upload(client, beta, beta_donation):
    assert announce(client, beta["id"], headers=as_role("workshop")).status_code == 403
    uploaded = upload(client, beta_donation, "identifiers", b"serial\nSN-1\n", as_role("workshop"))
    assert uploaded.status_code == 403


def test_the_auditor_cannot_announce_or_receive(client, beta, beta_donation):
    assert announce(client, beta["id"], headers=as_role("auditor")).status_code == 403
    assert receive(client, beta_donation, headers=as_role("auditor")).status_code == 403


def test_receipts_go_to_their_partner_the_workshop_and_the_auditor_only(
    client, alpha, beta, beta_donation
):
    receive(client, beta_donation)
    url = f"/donations/{beta_donation['id']}/receipt.pdf"
    assert client.get(url, headers=as_partner(beta["id"])).status_code == 200
    assert client.get(url, headers=as_role("auditor")).status_code == 200
    assert client.get(url, headers=as_partner(alpha["id"])).status_code == 404
    assert client.get(url, headers=as_role("counter", site_id=uuid.uuid4())).status_code == 403


def test_the_workshop_downloads_the_receipt_of_the_donation_it_received(client, beta_donation):
    workshop = as_role("workshop")
    assert receive(client, beta_donation, headers=workshop).status_code == 200

    receipt = client.get(f"/donations/{beta_donation['id']}/receipt.pdf", headers=workshop)

    assert (receipt.status_code, receipt.mimetype) == (200, "application/pdf")
    assert receipt.data.startswith(b"%PDF")
