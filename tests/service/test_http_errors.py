"""Bad input gets a clear problem+json answer and changes nothing."""

import uuid

import pytest
from sqlalchemy import func, select

from services.donations.app import SERVICE as DONATIONS
from services.inventory.app import SERVICE as INVENTORY
from tests.support.donation_sites import open_site

SITE_ID = str(uuid.uuid4())  # opened by inventory: donations accept it

PROBLEM = "application/problem+json"


@pytest.fixture
def inventory(sqlite_settings):
    runtime = INVENTORY.runtime(sqlite_settings("inventory"))
    return runtime, INVENTORY.create_app({"RUNTIME": runtime}).test_client()


@pytest.fixture
def donations(sqlite_settings):
    runtime = DONATIONS.runtime(sqlite_settings("donations"))
    open_site(runtime, SITE_ID)
    return runtime, DONATIONS.create_app({"RUNTIME": runtime}).test_client()


def outbox_size(runtime) -> int:
    with runtime.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(runtime.tables.outbox))


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "X", "city": "Lyon"}, "kind"),
        ({"name": "X", "city": "Lyon", "kind": "castle"}, "kind"),
        ({"name": "", "city": "Lyon", "kind": "counter"}, "name"),
        ({"name": "X", "city": "Lyon", "kind": "counter", "id": "mine"}, "id"),
        ({"name": "X", "city": "Lyon", "kind": "counter", "version": 99}, "version"),
    ],
)
def test_invalid_site_is_refused_field_by_field(inventory, body, field):
    runtime, client = inventory
    response = client.post("/sites", json=body)
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["status"] == 422
    assert field in str(problem["errors"])
    assert client.get("/sites").get_json() == []
    assert outbox_size(runtime) == 0


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b"null", b"\xff\xfe"])
def test_unreadable_body_is_a_problem_not_a_crash(inventory, raw):
    _, client = inventory
    response = client.post("/sites", data=raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.mimetype == PROBLEM


def test_unknown_route_and_method_are_problems(inventory):
    _, client = inventory
    assert client.get("/nowhere").mimetype == PROBLEM
    assert client.get(f"/sites/{uuid.uuid4()}").status_code == 404
    response = client.delete("/sites")
    assert (response.status_code, response.mimetype) == (405, PROBLEM)


def test_duplicate_site_name_conflicts(inventory):
    runtime, client = inventory
    site = {"name": "Lyon", "city": "Lyon", "kind": "counter"}
    assert client.post("/sites", json=site).status_code == 201
    response = client.post("/sites", json=site)
    assert response.status_code == 409
    assert response.get_json()["code"] == "site-name-taken"
    assert outbox_size(runtime) == 1


def test_request_id_is_echoed_and_becomes_the_correlation_id(inventory):
    runtime, client = inventory
    response = client.post(
        "/sites",
        json={"name": "Lyon", "city": "Lyon", "kind": "counter"},
        headers={"X-Request-ID": "req-123"},
    )
    assert response.headers["X-Request-ID"] == "req-123"
    with runtime.engine.connect() as connection:
        body = connection.scalar(select(runtime.tables.outbox.c.body))
    assert '"correlationid":"req-123"' in body


def announce(client, partner_id, site_id=None, quantity=5):
    return client.post(
        "/donations",
        json={
            "partner_id": partner_id,
            "site_id": site_id or SITE_ID,
            "lines": [{"kind": "hardware_lot", "category": "smartphone", "quantity": quantity}],
        },
    )


def test_reception_keeps_differences_and_emits_only_once(donations):
    runtime, client = donations
    partner = client.post(
        "/partners", json={"name": "Opérateur", "kind": "telecom_operator"}
    ).get_json()
    donation = announce(client, partner["id"]).get_json()
    assert outbox_size(runtime) == 1  # partner registered; an announcement emits nothing
    line_id = donation["lines"][0]["id"]

    incomplete = client.post(f"/donations/{donation['id']}/reception", json={"lines": []})
    assert incomplete.status_code == 422 and incomplete.get_json()["missing"] == [line_id]

    received = client.post(
        f"/donations/{donation['id']}/reception",
        json={"lines": [{"line_id": line_id, "received_quantity": 4}]},
    )
    assert received.status_code == 200
    line = received.get_json()["lines"][0]
    assert (line["expected_quantity"], line["received_quantity"], line["difference"]) == (5, 4, -1)
    assert outbox_size(runtime) == 2

    fetched = client.get(f"/donations/{donation['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json()["lines"][0]["difference"] == -1

    again = client.post(
        f"/donations/{donation['id']}/reception",
        json={"lines": [{"line_id": line_id, "received_quantity": 4}]},
    )
    assert again.status_code == 409
    assert outbox_size(runtime) == 2


def test_donation_for_unknown_partner_is_refused(donations):
    runtime, client = donations
    response = announce(client, str(uuid.uuid4()))
    assert response.status_code == 422
    assert response.get_json()["code"] == "unknown-partner"
    assert outbox_size(runtime) == 0


def test_device_list_is_paginated_and_capped(inventory):
    _, client = inventory
    page = client.get("/devices?page_size=10")
    assert page.status_code == 200
    assert page.get_json() == {"items": [], "total": 0, "page": 1, "page_size": 10}
    assert client.get("/devices?page_size=1000").status_code == 422
    assert client.get("/devices?state=received&page=0").status_code == 422
